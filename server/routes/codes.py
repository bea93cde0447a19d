"""GET /codes/public-key: the key devices use to check signed codes offline (server.codes)."""

from fastapi import APIRouter, Response

from app.protocol.codes import PublicKeyResponse
from server.routes.deps import CodesDep

router = APIRouter(prefix="/codes", tags=["codes"])


@router.get("/public-key", response_model=PublicKeyResponse)
def public_key(codes: CodesDep, response: Response) -> PublicKeyResponse:
    response.headers["Cache-Control"] = "public, max-age=3600"
    return codes.public_key()
