"""POST /pickups/{pickup_id}/code: the signed QR code of the shopper's pickup (app.protocol.pickups).

Issued fresh on every call (a new nonce), bound to the pickup's store and valid while the
store holds the order; the shopper's device keeps the last one for use without signal.
"""

from datetime import UTC, datetime, timedelta

from fastapi import APIRouter, Response

from app.protocol.auth import Role
from app.protocol.codes import CodeKind
from app.protocol.entities import PickupStatus
from app.protocol.errors import ErrorCode
from app.protocol.pickups import (
    PICKUP_CODE_DEFAULT_TTL_S,
    PICKUP_CODE_GRACE_S,
    PICKUP_CODE_PATH,
    PickupCodePublic,
)
from server.auth import CurrentPrincipal
from server.errors import ApiError
from server.models import Pickup
from server.models.base import iso
from server.routes.deps import CodesDep, DbDep

router = APIRouter(tags=["pickups"])
_CLOSED = {PickupStatus.HANDED_OVER.value, PickupStatus.CANCELLED.value}


@router.post(PICKUP_CODE_PATH, response_model=PickupCodePublic, responses={403: {}, 404: {}})
def pickup_code(pickup_id: str, principal: CurrentPrincipal, db: DbDep, codes: CodesDep,
                response: Response) -> PickupCodePublic:
    if principal.role is not Role.CUSTOMER:
        raise ApiError(403, ErrorCode.FORBIDDEN)
    with db.read() as session:
        pickup = session.get(Pickup, pickup_id)
        # Someone else's pickup and a closed one look the same: nothing to show.
        if pickup is None or pickup.customer_id != principal.user_id or pickup.status in _CLOSED:
            raise ApiError(404, ErrorCode.NOT_FOUND)
        store_id, short_code, hold_until = pickup.store_id, pickup.code, pickup.hold_until
    now = datetime.now(UTC).replace(microsecond=0)
    expires = (hold_until + timedelta(seconds=PICKUP_CODE_GRACE_S) if hold_until is not None
               else now + timedelta(seconds=PICKUP_CODE_DEFAULT_TTL_S))
    expires = max(expires, now + timedelta(hours=1))
    response.headers["Cache-Control"] = "no-store"
    return PickupCodePublic(pickup_id=pickup_id, token=codes.issue(CodeKind.PICKUP, pickup_id, expires, store_id),
                            short_code=short_code, issued_at=iso(now) or "", expires_at=iso(expires) or "")
