"""The layers hold: the store applies what the service decides (an administrator's job end), the
dashboard's routes declare the session they need and the router enforces it."""

from __future__ import annotations

import pytest

from opencfw.api import routes_ui
from opencfw.api.http import SESSION_AUTH
from opencfw.domain.errors import InvalidTransition
from opencfw.domain.models import Edition, FirewallStatus, JobStatus
from opencfw.service.firewalls import Firewalls, NewFirewall
from opencfw.service.jobs import ProvisioningPolicy, finish_now

P = "b" * 32


def test_ending_a_job_at_once_is_decided_by_the_service(store, clock):
    """The transition checks are the service's: asked to end a job with a status that is no end
    (Running), it refuses before anything is written; a failure gets the service's error code, and
    the firewall the status the transition table gives."""
    fws = Firewalls(store, clock, ProvisioningPolicy(duration_ms=60_000))
    firewall_id = fws.create(P, NewFirewall("fw", "0", Edition.PROFESSIONAL, 0, 0, 0, []))
    with pytest.raises(InvalidTransition):
        finish_now(store, firewall_id, JobStatus.RUNNING, None, clock.now_ms())
    job = store.get_job(P, firewall_id)
    assert (job.status, job.end_ms, job.error_code) == (JobStatus.RUNNING, None, None)
    ended = finish_now(store, firewall_id, JobStatus.FAILED, "stop", clock.now_ms())
    assert (ended.status, ended.error_code, ended.error_msg) == (JobStatus.FAILED, "CFW.00200016", "stop")
    assert store.get_job(P, firewall_id).error_code == "CFW.00200016"
    assert store.get_firewall(P, firewall_id).status == FirewallStatus.CREATE_FAILED
    assert finish_now(store, firewall_id, JobStatus.SUCCESS, None, clock.now_ms()) is None  # ended


PUBLIC = {"/_opencfw/ui", "/_opencfw/ui/app.js", "/_opencfw/ui/app.css", "/_opencfw/ui/favicon.ico"}


@pytest.mark.parametrize("route", routes_ui.ROUTES, ids=lambda r: f"{r.method} {r.template}")
def test_dashboard_routes_declare_their_session(route):
    """Only the page, its assets and the sign-in are open; every other dashboard route declares a
    session mode (the router checks it before the handler runs), and every change needs the CSRF
    token (``session_write``) or the admin's session."""
    open_ = route.template in PUBLIC | {"/favicon.ico"} or (
        route.method == "POST" and route.template == "/_opencfw/ui/api/session"
    )
    assert (route.auth == "none") == open_
    if not open_:
        assert route.auth in SESSION_AUTH
        if route.method != "GET":
            assert route.auth in ("session_write", "session_admin")
