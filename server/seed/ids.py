"""Deterministic ids and times for the demo data."""

import uuid
from datetime import UTC, datetime, timedelta

_NAMESPACE = uuid.UUID("5f0c7a1e-9a55-4a59-9f7e-6e61686c746f")


def demo_id(kind: str, name: str) -> str:
    return str(uuid.uuid5(_NAMESPACE, f"{kind}:{name}"))


def anchor() -> datetime:
    """Today 10:00 UTC (relative dates stay whole days apart and read naturally), or, before
    10:00, the current minute: no demo event may lie in the future ("delivered today, 10:00"
    read at 07:00)."""
    now = datetime.now(UTC)
    today = now.replace(hour=10, minute=0, second=0, microsecond=0)
    return min(today, now.replace(second=0, microsecond=0) - timedelta(minutes=1))


def days_ago(days: float, hours: float = 0) -> datetime:
    return anchor() - timedelta(days=days, hours=hours)
