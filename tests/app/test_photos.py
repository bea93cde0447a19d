"""Uploading a picked photo through the real attachments service and server."""

import io
from collections.abc import Callable

from PIL import Image

from app.state.photos import OFFLINE, Photo, upload_photo
from services.client import ClientCore
from tests.app.test_state import new_session, run
from tests.support.network import Network

MakeCore = Callable[..., ClientCore]


def png() -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (20, 20), (10, 90, 60)).save(out, format="PNG")
    return out.getvalue()


def test_upload_gives_the_photo_or_the_code_of_why_not(make_core: MakeCore, network: Network) -> None:
    async def scenario() -> None:
        session = new_session(make_core())
        assert await session.sign_in("anna@example.com", "demo-anna")
        assert session.account is not None
        attachments = session.account.attachments

        photo = await upload_photo(attachments, "defect.png", png())
        assert isinstance(photo, Photo) and photo.attachment_id and photo.name == "defect.png"
        assert await upload_photo(attachments, "notes.txt", b"just text") == "unsupported_media_type"
        network.online = False
        assert await upload_photo(attachments, "defect.png", png()) == OFFLINE
        network.online = True
        await session.sign_out()

    run(scenario)
