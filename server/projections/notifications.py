"""The `notification` entity."""

from sqlalchemy.orm import Session

from app.protocol.entities import NotificationPublic
from app.protocol.sync import Entity
from server.models import Notification
from server.models.base import iso
from server.scopes import user_scope
from server.sync.log import stage


def publish_notification(session: Session, note: Notification) -> None:
    payload = NotificationPublic(id=note.id, at=iso(note.at) or "", kind=note.kind, title=note.title,
                                 body=note.body, route=note.route, read=note.read).model_dump(mode="json")
    stage(session, [user_scope(note.user_id)], Entity.NOTIFICATION, note.id, payload)
