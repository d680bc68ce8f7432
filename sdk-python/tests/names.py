"""Topic and group names unique to one test, so tests sharing a gateway never see each other's data."""

from __future__ import annotations

import uuid


def unique(prefix: str) -> str:
    return f"{prefix}.t{uuid.uuid4().hex[:10]}"
