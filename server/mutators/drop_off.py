"""`return.drop_off`: a return's QR scanned in a store moves the return to "dropped off".

Who: the shopper in a kiosk session (their own return, at the kiosk's store), or staff. Never
a shopper's ordinary session: dropping off happens at a counter, not on the sofa. The scanned
code is verified again here (the device checked it offline already): genuine, of kind "return",
unexpired, and for this very return. Dropping off twice is harmless (the same answer).
"""

from typing import Any

from sqlalchemy import select

from app.protocol.auth import Role
from app.protocol.codes import CodeKind
from app.protocol.entities import ReturnStatus
from app.protocol.errors import RejectionCode
from app.protocol.mutations import ReturnDropOff
from server.codes import CodeError
from server.errors import Rejected
from server.models import Return
from server.mutators import MutationContext, mutator
from server.mutators.returns import add_event
from server.projections.returns import publish_return


@mutator("return.drop_off", roles={Role.CUSTOMER, Role.STAFF})
def return_drop_off(ctx: MutationContext, args: ReturnDropOff) -> dict[str, Any] | None:
    principal = ctx.principal
    if principal.role is Role.CUSTOMER and principal.kiosk_store is None:
        raise Rejected(RejectionCode.FORBIDDEN)
    try:
        payload = ctx.codes.verify(args.code, CodeKind.RETURN, ctx.now)
    except CodeError as exc:
        raise Rejected(exc.error_code) from exc
    if payload.s != args.return_id:
        raise Rejected(RejectionCode.NOT_FOUND)
    ret = ctx.session.scalars(select(Return).where(Return.id == args.return_id).with_for_update()).one_or_none()
    if ret is None or (principal.role is Role.CUSTOMER and ret.customer_id != principal.user_id):
        raise Rejected(RejectionCode.NOT_FOUND)
    if ret.status == ReturnStatus.DROPPED_OFF:
        return {"return_id": ret.id, "status": ret.status}
    if ret.status != ReturnStatus.QR_ISSUED:
        raise Rejected(RejectionCode.RETURN_NOT_DROPPABLE, {"status": ret.status})
    ret.status = ReturnStatus.DROPPED_OFF
    ret.qr_token = None  # handed in: the code has done its job and must not work twice
    add_event(ret, ctx, ReturnStatus.DROPPED_OFF)
    ctx.session.flush()
    publish_return(ctx.session, ret)
    return {"return_id": ret.id, "status": ret.status}
