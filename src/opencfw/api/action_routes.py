"""Every declared action (``api.actions``) and their routes."""

from __future__ import annotations

from opencfw.api import (
    routes_config,
    routes_ip_blacklist,
    routes_multi_account,
    routes_private_segments,
    routes_reports,
)
from opencfw.api.actions import Action

ACTIONS: list[Action] = [
    *routes_ip_blacklist.ACTIONS,
    *routes_multi_account.ACTIONS,
    *routes_reports.ACTIONS,
    *routes_private_segments.ACTIONS,
    *routes_config.ACTIONS,
]
ROUTES = [action.route() for action in ACTIONS]
