"""The `return` entity."""

from sqlalchemy.orm import Session

from app.protocol.entities import (
    ReturnEventPublic,
    ReturnItemPublic,
    ReturnKind,
    ReturnPublic,
    ReturnStatus,
)
from app.protocol.sync import Entity
from server.models import Return
from server.models.base import iso
from server.scopes import user_scope
from server.sync.log import stage


def return_payload(ret: Return) -> dict[str, object]:
    return ReturnPublic(
        id=ret.id, order_id=ret.order_id, kind=ReturnKind(ret.kind), status=ReturnStatus(ret.status), created_at=iso(ret.created_at) or "",
        items=[ReturnItemPublic(order_item_id=i.order_item_id, quantity=i.quantity, reason=i.reason,
                                exchange_variant=i.exchange_variant) for i in ret.items],
        comment=ret.comment, refund_method=ret.refund_method, remedy=ret.remedy,
        attachment_ids=list(ret.attachment_ids or []), refund_amount=ret.refund_amount,
        refunded_at=iso(ret.refunded_at), qr_token=ret.qr_token,
        events=[ReturnEventPublic(at=iso(e.at) or "", status=ReturnStatus(e.status), note=e.note, kind=e.kind)
                for e in sorted(ret.events, key=lambda e: (e.at, e.position))],
    ).model_dump(mode="json")


def publish_return(session: Session, ret: Return) -> None:
    stage(session, [user_scope(ret.customer_id)], Entity.RETURN, ret.id, return_payload(ret))
