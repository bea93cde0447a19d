"""Sync bookkeeping (contract section "Server tables"); the domain tables stay the source of truth."""

from typing import Any

from sqlalchemy import JSON, BigInteger, ForeignKey, Index, String
from sqlalchemy.orm import Mapped, mapped_column

from server.models.base import Base, Instant


class SyncCounter(Base):
    """One row. Bumped last in every write transaction, so commit order equals seq order."""

    __tablename__ = "sync_counter"

    id: Mapped[int] = mapped_column(primary_key=True)
    seq: Mapped[int] = mapped_column(BigInteger)
    epoch: Mapped[str] = mapped_column(String(40))


class SyncLog(Base):
    """Latest state of each row per scope; a delta pull is one range scan on (scope, seq)."""

    __tablename__ = "sync_log"
    __table_args__ = (Index("ix_sync_log_scope_seq", "scope", "seq"),)

    scope: Mapped[str] = mapped_column(String(64), primary_key=True)
    entity: Mapped[str] = mapped_column(String(24), primary_key=True)
    entity_id: Mapped[str] = mapped_column(String(64), primary_key=True)
    seq: Mapped[int] = mapped_column(BigInteger)
    op: Mapped[str] = mapped_column(String(1))
    payload: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    changed_at: Mapped[Instant]


class SyncClient(Base):
    __tablename__ = "sync_client"

    client_id: Mapped[str] = mapped_column(String(64), primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("app_user.id"), index=True)
    last_mutation_id: Mapped[int] = mapped_column(BigInteger, default=0)


class SyncMutation(Base):
    __tablename__ = "sync_mutation"

    client_id: Mapped[str] = mapped_column(ForeignKey("sync_client.client_id"), primary_key=True)
    mutation_id: Mapped[int] = mapped_column(BigInteger, primary_key=True)
    name: Mapped[str] = mapped_column(String(64))
    args_hash: Mapped[str] = mapped_column(String(64))
    status: Mapped[str] = mapped_column(String(16))
    code: Mapped[str | None] = mapped_column(String(40))
    message: Mapped[str | None] = mapped_column(String(400))
    result: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    seq: Mapped[int | None] = mapped_column(BigInteger)


class SyncScopeState(Base):
    """Tombstones at or below `pruned_through` are gone; older cursors get 410."""

    __tablename__ = "sync_scope_state"

    scope: Mapped[str] = mapped_column(String(64), primary_key=True)
    pruned_through: Mapped[int] = mapped_column(BigInteger, default=0)
