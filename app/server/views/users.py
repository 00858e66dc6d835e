"""``GET /api/v2/users/me``: who a token belongs to, and its site roles.

coderd answers it with a whole ``codersdk.User``; the mock gives the fields a client needs to tell
an owner or auditor from a member (the contract suite reads ``id`` and ``roles``): the user's
minimal fields, ``roles`` as ``[{name, display_name}]`` (a member has no site role, so ``[]``), and
``status``. Other ``codersdk.User`` fields are not modelled. It is outside AI Bridge, so the licence
check does not apply, and it is not held to the AI Bridge schemas.
"""

from __future__ import annotations

from flask import Response

from aibridge_mock.server.auth import Viewer
from aibridge_mock.server.views.responses import unvalidated_json

__all__ = ["PATH", "users_me"]

PATH = "/api/v2/users/me"
_DISPLAY = {"owner": "Owner", "auditor": "Auditor"}  # rbac's site roles; "member" is implicit, never listed


def users_me(viewer: Viewer) -> Response:
    """The authenticated caller as coderd describes a user."""
    roles = [{"name": viewer.role, "display_name": _DISPLAY[viewer.role]}] if viewer.role in _DISPLAY else []
    return unvalidated_json(200, {**viewer.user.minimal(), "status": "active", "roles": roles})
