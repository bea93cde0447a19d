"""POST /attachments (upload an image), GET /attachments/{id} (its owner, or a support agent)."""

import uuid

from fastapi import APIRouter, File, Request, Response, UploadFile, status

from app.protocol.attachments import AttachmentPublic
from app.protocol.auth import Role
from app.protocol.errors import ErrorCode
from server.auth import CurrentPrincipal
from server.errors import ApiError
from server.images import ImageRefused, clean_image
from server.models import Attachment, User
from server.models.base import utcnow
from server.routes.deps import DbDep

router = APIRouter(prefix="/attachments", tags=["attachments"])

_REFUSAL_STATUS = {ErrorCode.UNSUPPORTED_MEDIA_TYPE: 415, ErrorCode.IMAGE_TOO_LARGE: 422}


@router.post("", status_code=status.HTTP_201_CREATED, response_model=AttachmentPublic,
             responses={413: {}, 415: {}, 422: {}})
def upload(principal: CurrentPrincipal, db: DbDep, request: Request,
           file: UploadFile = File(...)) -> AttachmentPublic:  # noqa: B008 (FastAPI's idiom)
    limit: int = request.app.state.settings.max_attachment_bytes
    data = file.file.read(limit + 1)
    if len(data) > limit:
        raise ApiError(413, ErrorCode.PAYLOAD_TOO_LARGE, {"max_bytes": limit})
    try:
        image = clean_image(data)
    except ImageRefused as refused:
        raise ApiError(_REFUSAL_STATUS[refused.code], refused.code) from None
    attachment = Attachment(id=str(uuid.uuid4()), owner_id=principal.user_id, content_type=image.content_type,
                            size=len(image.data), data=image.data, created_at=utcnow())
    with db.write() as session:
        owner = session.get(User, principal.user_id)
        if owner is None or owner.deleted_at is not None:
            raise ApiError(401, ErrorCode.TOKEN_INVALID)
        session.add(attachment)
    return AttachmentPublic(id=attachment.id, content_type=attachment.content_type, size=attachment.size,
                            width=image.width, height=image.height)


@router.get("/{attachment_id}", response_class=Response, responses={200: {"content": {"image/*": {}}}, 404: {}})
def download(attachment_id: str, principal: CurrentPrincipal, db: DbDep) -> Response:
    with db.read() as session:
        attachment = session.get(Attachment, attachment_id[:64])
        # Someone else's file is "not found", never "forbidden": no oracle for ids.
        if attachment is None or (attachment.owner_id != principal.user_id and principal.role is not Role.AGENT):
            raise ApiError(404, ErrorCode.NOT_FOUND)
        return Response(content=attachment.data, media_type=attachment.content_type,
                        headers={"Cache-Control": "private, max-age=86400", "X-Content-Type-Options": "nosniff",
                                 "Content-Disposition": "inline"})
