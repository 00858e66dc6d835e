"""What sessions are listed (and cursored) by, newest first (spec 3).

``last_active_at`` since PR #24440 (2026-04-16), the change that added the field; before it
``started_at`` (SQL3: ``ORDER BY sp.started_at DESC, sp.session_id DESC``, the cursor being
MIN(started_at) of the cursor's session). No numpy here: the generations table names these too, and
the contract suite reads it without the data layer.
"""

from __future__ import annotations

__all__ = ["LAST_ACTIVE_AT", "SESSION_ORDERS", "STARTED_AT"]

LAST_ACTIVE_AT = "last_active_at"
STARTED_AT = "started_at"
SESSION_ORDERS = (LAST_ACTIVE_AT, STARTED_AT)
