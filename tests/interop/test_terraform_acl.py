"""huaweicloud_cfw_acl_rule through the real terraform binary and provider, on both stores: a rule
that uses an address group, read back without drift, changed in place, destroyed before its group
(which the server refuses to delete while the rule uses it). The provider comes from the same
local mirror as tests/interop/test_terraform.py builds (no registry)."""

from __future__ import annotations

import pytest

from tests.interop import tools
from tests.interop.test_terraform import (  # noqa: F401 - the session fixtures are used by name
    BUILD_TIMEOUT_S,
    Terraform,
    cli,
    provider,
)

pytestmark = [pytest.mark.interop, pytest.mark.timeout(BUILD_TIMEOUT_S + 900)]
SOURCES = tools.INTEROP / "terraform-acl"
RULE = "huaweicloud_cfw_acl_rule.this"
GROUP = "huaweicloud_cfw_address_group.servers"
CHANGED = ("-var", "rule_name=tf-deny-https", "-var", "action_type=1", "-var", "rule_description=changed")


def test_acl_rule_apply_plan_update_destroy(cli, interop_server, interop_home, tmp_path):  # noqa: F811
    tf = Terraform(cli, tmp_path / "acl", interop_home, interop_server.url, sources=SOURCES)
    tf.init()
    tf.apply()
    rule = tf.values(RULE)
    group_id = tf.values(GROUP)["id"]
    assert (rule["name"], rule["action_type"], rule["status"], rule["direction"]) == (
        "tf-allow-https",
        0,
        1,
        0,
    )
    assert rule["source_addresses"] == ["198.51.100.0/24"]
    assert rule["destination_address_groups"] == [group_id]
    assert [(s["protocol"], s["source_port"], s["dest_port"]) for s in rule["custom_services"]] == [
        (6, "1-65535", "443")
    ]
    assert rule["tags"] == {"owner": "tf"}
    assert rule["rule_hit_count"] == "0"
    tf.no_drift()

    tf.apply(*CHANGED)
    changed = tf.values(RULE)
    assert (changed["id"], changed["name"], changed["action_type"], changed["description"]) == (
        rule["id"],
        "tf-deny-https",
        1,
        "changed",
    )
    tf.no_drift(*CHANGED)

    tf.run("destroy", "-auto-approve", "-input=false", *CHANGED)
    assert tf.run("state", "list").stdout.split() == []
