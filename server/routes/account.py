"""GET /account/export: everything the server holds about the signed-in customer, as a JSON file.

The rows are the same payloads the customer's devices sync (server.projections), plus what
never syncs: account creation date, signed-in devices, and the list of uploaded files.
"""

from datetime import UTC, datetime

from fastapi import APIRouter, Response
from sqlalchemy import select
from sqlalchemy.orm import Session

from app.protocol import API_PREFIX
from app.protocol.account import (
    AccountExport,
    ExportedAccount,
    ExportedAttachment,
    ExportedLoyalty,
    ExportedSession,
    ExportedThread,
)
from app.protocol.auth import Role
from app.protocol.entities import (
    LoyaltyAccountPublic,
    LoyaltyEntryPublic,
    NotificationPublic,
    OrderPublic,
    PickupPublic,
    ProfilePublic,
    ReturnPublic,
    ShipmentPublic,
)
from app.protocol.errors import ErrorCode
from server.auth import CurrentPrincipal
from server.errors import ApiError
from server.models import (
    Attachment,
    AuthSession,
    LoyaltyAccount,
    LoyaltyEntry,
    Message,
    Notification,
    Order,
    Pickup,
    Return,
    Thread,
    User,
)
from server.models.base import iso
from server.projections.loyalty import account_payload, entry_payload
from server.projections.messaging import message_payload, thread_payload
from server.projections.orders import order_payload, shipment_payload
from server.projections.pickups import pickup_payload
from server.projections.profile import profile_payload
from server.projections.returns import return_payload
from server.routes.deps import DbDep

router = APIRouter(prefix="/account", tags=["account"])


def _loyalty(session: Session, user: User) -> ExportedLoyalty | None:
    account = session.scalars(select(LoyaltyAccount).where(LoyaltyAccount.customer_id == user.id)).first()
    if account is None:
        return None
    entries = session.scalars(select(LoyaltyEntry).where(LoyaltyEntry.account_id == account.id)
                              .order_by(LoyaltyEntry.at, LoyaltyEntry.id))
    return ExportedLoyalty(account=LoyaltyAccountPublic.model_validate(account_payload(session, account)),
                           entries=[LoyaltyEntryPublic.model_validate(entry_payload(e)) for e in entries])


def _threads(session: Session, user: User) -> list[ExportedThread]:
    out = []
    for thread in session.scalars(select(Thread).where(Thread.customer_id == user.id).order_by(Thread.created_at)):
        messages = session.scalars(select(Message).where(Message.thread_id == thread.id).order_by(Message.sent_at))
        out.append(ExportedThread.model_validate({**thread_payload(thread),
                                                  "messages": [message_payload(m) for m in messages]}))
    return out


def build_export(session: Session, user: User, now: datetime) -> AccountExport:
    orders = list(session.scalars(select(Order).where(Order.customer_id == user.id).order_by(Order.placed_at)))
    returns = session.scalars(select(Return).where(Return.customer_id == user.id).order_by(Return.created_at))
    pickups = session.scalars(select(Pickup).where(Pickup.customer_id == user.id))
    notes = session.scalars(select(Notification).where(Notification.user_id == user.id).order_by(Notification.at))
    files = session.scalars(select(Attachment).where(Attachment.owner_id == user.id).order_by(Attachment.created_at))
    auths = session.scalars(select(AuthSession).where(AuthSession.user_id == user.id)
                            .order_by(AuthSession.created_at))
    by_id = {o.id: o for o in orders}
    return AccountExport(
        exported_at=iso(now) or "",
        profile=ExportedAccount(**ProfilePublic.model_validate(profile_payload(user)).model_dump(), role=user.role,
                                created_at=iso(user.created_at) or ""),
        orders=[OrderPublic.model_validate(order_payload(o)) for o in orders],
        shipments=[ShipmentPublic.model_validate(shipment_payload(s)) for o in orders for s in o.shipments],
        returns=[ReturnPublic.model_validate(return_payload(r)) for r in returns],
        loyalty=_loyalty(session, user),
        threads=_threads(session, user),
        pickups=[PickupPublic.model_validate(pickup_payload(p, by_id[p.order_id], user)) for p in pickups
                 if p.order_id in by_id],
        notifications=[NotificationPublic(id=n.id, at=iso(n.at) or "", kind=n.kind, title=n.title, body=n.body,
                                          route=n.route, read=n.read) for n in notes],
        attachments=[ExportedAttachment(id=a.id, content_type=a.content_type, size=a.size,
                                        created_at=iso(a.created_at) or "",
                                        download=f"{API_PREFIX}/attachments/{a.id}") for a in files],
        sessions=[ExportedSession(created_at=iso(s.created_at) or "", expires_at=iso(s.expires_at) or "",
                                  revoked_at=iso(s.revoked_at)) for s in auths],
    )


@router.get("/export", response_class=Response, responses={200: {"model": AccountExport}, 403: {}})
def export(principal: CurrentPrincipal, db: DbDep) -> Response:
    if principal.role is not Role.CUSTOMER:
        raise ApiError(403, ErrorCode.FORBIDDEN)
    now = datetime.now(UTC)
    with db.read() as session:
        user = session.get(User, principal.user_id)
        if user is None or user.deleted_at is not None:
            raise ApiError(401, ErrorCode.TOKEN_INVALID)
        body = build_export(session, user, now).model_dump_json(indent=2)
    filename = f"nahtlos-data-{now.date().isoformat()}.json"
    return Response(content=body, media_type="application/json",
                    headers={"Content-Disposition": f'attachment; filename="{filename}"',
                             "Cache-Control": "no-store"})
