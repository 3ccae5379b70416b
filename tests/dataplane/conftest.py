from __future__ import annotations

import os
from collections.abc import Iterator

import pytest

from opencfw.dataplane import netns
from tests.acceptance.conftest import sdk_home  # noqa: F401  (the SDK's home, for server tests)
from tests.dataplane import kernel


@pytest.fixture
def lab(request: pytest.FixtureRequest) -> Iterator[netns.Lab]:
    """A lab of its own (unique namespace names per test and worker), removed afterwards."""
    kernel.require()
    instance = netns.instance_of(f"test-{os.getpid()}-{request.node.nodeid}")
    made = netns.Lab.for_firewall("fw-test", instance)
    yield made
    netns.destroy(made)


@pytest.fixture
def instance(request: pytest.FixtureRequest) -> Iterator[str]:
    """An instance name of this test's own (its labs cannot meet another test's); its labs are
    removed afterwards."""
    kernel.require()
    name = netns.instance_of(f"instance-{os.getpid()}-{request.node.nodeid}")
    yield name
    for lab in netns.labs(name):
        netns.destroy(lab)
