"""GET /health: liveness plus the epoch, so clients can detect a restored server."""

from fastapi import APIRouter

from app.protocol.sync import HealthResponse
from server.db import Database
from server.routes.deps import DbDep, run_read
from server.sync.log import current_head

router = APIRouter(tags=["health"])


@router.get("/health", response_model=HealthResponse)
async def health(db: DbDep) -> HealthResponse:
    return await run_read(db, _head, db)


def _head(db: Database) -> HealthResponse:
    with db.snapshot() as conn:
        seq, epoch = current_head(conn)
    return HealthResponse(status="ok", epoch=epoch, seq=seq)
