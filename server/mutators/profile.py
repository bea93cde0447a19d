"""`profile.update`: name, language and communication preferences."""

from typing import Any

from app.protocol.auth import Role
from app.protocol.errors import RejectionCode
from app.protocol.mutations import ProfileUpdate
from server.errors import Rejected
from server.models import User
from server.mutators import MutationContext, mutator
from server.projections.profile import publish_profile


@mutator("profile.update", roles={Role.CUSTOMER})
def profile_update(ctx: MutationContext, args: ProfileUpdate) -> dict[str, Any] | None:
    user = ctx.session.get(User, ctx.principal.user_id)
    if user is None or user.deleted_at is not None:
        raise Rejected(RejectionCode.NOT_FOUND)
    for field, value in args.model_dump(exclude_none=True).items():
        setattr(user, field, value)
    publish_profile(ctx.session, user)
    return None
