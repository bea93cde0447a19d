"""GET /health: liveness plus the epoch, so clients can detect a restored server."""

from fastapi import APIRouter

from app.protocol.sync import HealthResponse
from server.routes.deps import DbDep
from server.sync.log import current_head

router = APIRouter(tags=["health"])


@router.get("/health", response_model=HealthResponse)
def health(db: DbDep) -> HealthResponse:
    with db.read() as session:
        seq, epoch = current_head(session)
    return HealthResponse(status="ok", epoch=epoch, seq=seq)
