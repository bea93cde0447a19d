"""The `profile` entity: a customer's own account data."""

from sqlalchemy.orm import Session

from app.protocol.entities import ProfilePublic
from app.protocol.sync import Entity
from server.models import User
from server.scopes import user_scope
from server.sync.log import stage


def profile_payload(user: User) -> dict[str, object]:
    return ProfilePublic(
        id=str(user.id), name=user.name, email=user.email, locale=user.locale,
        marketing_email=user.marketing_email, push_notifications=user.push_notifications,
    ).model_dump(mode="json")


def publish_profile(session: Session, user: User) -> None:
    stage(session, [user_scope(user.id)], Entity.PROFILE, str(user.id), profile_payload(user))
