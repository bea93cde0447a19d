"""Ids of things the client creates: UUIDv7 (time-ordered), so a replay upserts the same id."""

import uuid6


def new_id() -> str:
    return str(uuid6.uuid7())
