"""The documented response shapes, built from domain objects."""

from __future__ import annotations

from typing import Any

import msgspec

from opencfw.domain.clock import iso8601
from opencfw.domain.models import EDITION_DEFAULTS, Edition, Firewall, Job, JobStatus

_SPEC_CODES = {Edition.STANDARD: "cfw.standard", Edition.PROFESSIONAL: "cfw.professional"}


def job_data(job: Job, time_format: str) -> dict[str, Any]:
    """``data`` of ListJob: id, status, begin_time and, once ended, end_time — nothing more."""
    fmt = iso8601 if time_format == "iso8601" else int
    data: dict[str, Any] = {"id": job.id, "status": str(job.status), "begin_time": fmt(job.begin_ms)}
    if job.status is not JobStatus.RUNNING and job.end_ms is not None:
        data["end_time"] = fmt(job.end_ms)
    return data


def tags_string(firewall: Firewall) -> str:
    """Tags as the real API reports them: a JSON-encoded object in a string."""
    return msgspec.json.encode({tag.key: tag.value for tag in firewall.tags}).decode()


def flavor(firewall: Firewall) -> dict[str, int]:
    base = EDITION_DEFAULTS[firewall.edition]
    return {
        "version": int(firewall.edition),
        "eip_count": base["eip_count"] + firewall.extend_eip_count,
        "vpc_count": base["vpc_count"] + firewall.extend_vpc_count,
        "bandwidth": base["bandwidth"] + firewall.extend_bandwidth,
        "log_storage": base["log_storage"],
        "default_eip_count": base["eip_count"],
        "default_vpc_count": base["vpc_count"],
        "default_bandwidth": base["bandwidth"],
        "default_log_storage": base["log_storage"],
    }


def firewall_record(firewall: Firewall, vpc_object_id: str | None = None) -> dict[str, Any]:
    """A firewall record; ``vpc_object_id`` is its VPC border object, once it has east-west protection."""
    objects = [{"object_id": firewall.internet_object_id, "object_name": firewall.name, "type": 0}]
    if vpc_object_id is not None:
        objects.append({"object_id": vpc_object_id, "object_name": firewall.name, "type": 1})
    return {
        "fw_instance_id": firewall.id,
        "resource_id": firewall.id,
        "fw_instance_name": firewall.name,
        # a quirk of the real API: `name` is the creation time in epoch milliseconds
        "name": str(firewall.created_ms),
        "enterprise_project_id": firewall.enterprise_project_id,
        "status": int(firewall.status),
        "charge_mode": 1,
        "ha_type": 0,
        "service_type": 0,
        "engine_type": 1,
        "flavor": flavor(firewall),
        "protect_objects": objects,
        "tags": tags_string(firewall),
        "support_ipv6": False,
        "is_old_firewall_instance": False,
        "is_available_obs": False,
        "is_support_threat_tags": False,
        "support_url_filtering": False,
        "feature_toggle": {"is_support_ipv6": False, "is_support_url_filtering": False},
        "resources": [
            {
                "resource_id": firewall.id,
                "cloud_service_type": "hws.service.type.cfw",
                "resource_type": "hws.resource.type.cfw",
                "resource_spec_code": _SPEC_CODES[firewall.edition],
                "resource_size": 1,
                "resource_size_measure_id": 14,
            }
        ],
    }
