"""POST /attachments and GET /attachments/{id}: images only (by their bytes), size and pixel limits, owners."""

import io
import struct
import zlib

import pytest
from fastapi.testclient import TestClient
from httpx2 import Response
from PIL import Image

from app.protocol.returns import MAX_ATTACHMENT_BYTES
from server.db import Database
from tests.server.conftest import MakeDevice
from tests.server.dbstate import scalar
from tests.server.device import Device
from tests.server.shopper import image_bytes, upload, uploaded

ATTACHMENTS = "/api/v1/attachments"


def get(device: Device, attachment_id: str) -> Response:
    return device.http.get(f"{ATTACHMENTS}/{attachment_id}", headers={"Authorization": f"Bearer {device.access_token}"})


def png_claiming(width: int, height: int) -> bytes:
    """A tiny PNG whose header claims `width` x `height` pixels: what a decompression bomb looks like."""
    real = image_bytes(1, 1)
    ihdr = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    chunk = b"IHDR" + ihdr
    patched = struct.pack(">I", len(ihdr)) + chunk + struct.pack(">I", zlib.crc32(chunk))
    return real[:8] + patched + real[8 + 8 + 13 + 4:]


def test_an_image_is_stored_for_its_owner(anna: Device) -> None:
    data = image_bytes(40, 30)

    response = upload(anna, data)

    assert response.status_code == 201, response.text
    body = response.json()
    assert set(body) == {"id", "content_type", "size", "width", "height"}
    assert (body["content_type"], body["width"], body["height"]) == ("image/png", 40, 30)
    fetched = get(anna, body["id"])
    assert fetched.status_code == 200
    assert fetched.headers["content-type"] == "image/png"
    assert fetched.headers["x-content-type-options"] == "nosniff"
    assert len(fetched.content) == body["size"]
    assert Image.open(io.BytesIO(fetched.content)).size == (40, 30)


def test_the_type_comes_from_the_bytes_not_the_declaration(anna: Device) -> None:
    response = upload(anna, image_bytes(fmt="JPEG"), filename="photo.png", content_type="image/png")
    webp = upload(anna, image_bytes(fmt="WEBP"), filename="x.bin", content_type="application/octet-stream")

    assert response.json()["content_type"] == "image/jpeg"
    assert webp.status_code == 201 and webp.json()["content_type"] == "image/webp"


@pytest.mark.parametrize(("data", "declared"), [
    (b"%PDF-1.7\n1 0 obj << >> endobj\n", "image/jpeg"),
    (b"<svg xmlns='http://www.w3.org/2000/svg'><script>alert(1)</script></svg>", "image/svg+xml"),
    (b"GIF89a" + b"\x00" * 40, "image/gif"),
    (b"", "image/png"),
    (image_bytes(64, 64)[:60], "image/png"),  # a truncated PNG
    (image_bytes(64, 64, fmt="BMP"), "image/png"),  # a real image in a format we don't take
])
def test_anything_but_a_jpeg_png_or_webp_is_refused(anna: Device, data: bytes, declared: str, db: Database) -> None:
    response = upload(anna, data, content_type=declared)

    assert response.status_code == 415, response.text
    assert response.json()["code"] == "unsupported_media_type"
    assert scalar(db, "SELECT count(*) FROM attachment") == 0


@pytest.mark.parametrize("extra", [1, 200 * 1024])
def test_more_than_5_mib_is_payload_too_large(anna: Device, extra: int) -> None:
    # +1 byte reaches the route's own check; +200 KiB is stopped by the body limit before it is read.
    response = upload(anna, b"\xff\xd8\xff" + b"\x00" * (MAX_ATTACHMENT_BYTES + extra - 3))

    assert response.status_code == 413
    assert response.json()["code"] == "payload_too_large"


@pytest.mark.parametrize(("width", "height"), [(8000, 6000), (100_000, 100_000), (2**31 - 1, 2**31 - 1)])
def test_an_image_bomb_is_refused_before_it_is_decoded(anna: Device, width: int, height: int) -> None:
    response = upload(anna, png_claiming(width, height))

    assert response.status_code == 422, response.text
    assert response.json()["code"] == "image_too_large"


def test_a_real_large_but_allowed_image_passes(anna: Device) -> None:
    out = io.BytesIO()
    Image.new("1", (6000, 6000)).save(out, format="PNG")  # 36 megapixels, a few KiB

    response = upload(anna, out.getvalue())

    assert response.status_code == 201, response.text
    assert (response.json()["width"], response.json()["height"]) == (6000, 6000)


def test_location_metadata_is_stripped(anna: Device) -> None:
    exif = Image.Exif()
    exif[0x010F] = "PhoneMaker"  # camera make
    exif[0x8825] = {1: "N", 2: (52.0, 31.0, 12.0), 3: "E", 4: (13.0, 24.0, 36.0)}  # GPS: Berlin
    data = image_bytes(32, 24, fmt="JPEG", exif=exif.tobytes())
    assert Image.open(io.BytesIO(data)).getexif()

    attachment = uploaded(anna, data)

    stored = Image.open(io.BytesIO(get(anna, attachment).content))
    assert not stored.getexif()


def test_someone_elses_file_is_not_found_but_an_agent_sees_it(device: MakeDevice) -> None:
    anna, ben, staff, agent = device("anna"), device("ben"), device("staff.ber"), device("agent")
    attachment = uploaded(anna)

    foreign = get(ben, attachment)
    unknown = get(ben, "00000000-0000-0000-0000-000000000000")

    assert foreign.status_code == unknown.status_code == 404
    assert foreign.content == unknown.content
    assert get(staff, attachment).status_code == 404
    assert get(agent, attachment).status_code == 200


def test_uploads_need_a_signed_in_user_and_a_file(client: TestClient, anna: Device) -> None:
    anonymous = client.post(ATTACHMENTS, files={"file": ("a.png", image_bytes(), "image/png")})
    no_file = client.post(ATTACHMENTS, data={"note": "x"}, headers={"Authorization": f"Bearer {anna.access_token}"})

    assert (anonymous.status_code, anonymous.json()["code"]) == (401, "not_authenticated")
    assert (no_file.status_code, no_file.json()["code"]) == (422, "invalid_request")
