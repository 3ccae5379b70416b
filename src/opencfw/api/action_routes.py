"""Every declared action (``api.actions``) and their routes."""

from __future__ import annotations

from opencfw.api import routes_ip_blacklist
from opencfw.api.actions import Action

ACTIONS: list[Action] = [*routes_ip_blacklist.ACTIONS]
ROUTES = [action.route() for action in ACTIONS]
