"""Helpers for the shopper-journey tests: demo ids, images to upload, reading pulled rows.

Demo ids are uuid5 over stable names (server.seed.ids), so a test names "NA-100231, item 0"
instead of digging the id out of a pull.
"""

import io
import uuid
from typing import Any

from httpx2 import Response
from PIL import Image

from app.protocol import API_PREFIX
from server.seed.ids import demo_id
from tests.server.device import Device

# anna's orders (server/seed/orders.py): what each one is for in these tests.
DELIVERED_5_DAYS = "NA-100231"  # shirt (apparel, 3 variants) + chinos: withdrawal possible
DELIVERED_40_DAYS = "NA-100198"  # kettle + merino pullover: withdrawal over, warranty possible
TWO_PARCELS = "NA-100260"  # cushions x2 + keyring (personalised) delivered; lamp still in transit
CANCELLED = "NA-100240"
PROCESSING = "NA-100271"
BEN_DELIVERED = "NA-100233"
GUEST_ORDER = "NA-100280"  # bought without an account by clara.wagner@example.com


def order_id(number: str) -> str:
    return demo_id("order", number)


def item_id(number: str, position: int) -> str:
    return demo_id("order_item", f"{number}:{position}")


def reward_id(slug: str) -> str:
    return demo_id("reward", slug)


def new_id() -> str:
    return str(uuid.uuid4())


def image_bytes(width: int = 16, height: int = 12, fmt: str = "PNG", **save: Any) -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (width, height), (200, 80, 40)).save(out, format=fmt, **save)
    return out.getvalue()


def upload(device: Device, data: bytes, filename: str = "photo.png", content_type: str = "image/png") -> Response:
    headers = {"Authorization": f"Bearer {device.access_token}"}
    return device.http.post(API_PREFIX + "/attachments", files={"file": (filename, data, content_type)},
                            headers=headers)


def uploaded(device: Device, data: bytes | None = None) -> str:
    response = upload(device, data or image_bytes())
    assert response.status_code == 201, response.text
    attachment: str = response.json()["id"]
    return attachment


def rows(device: Device, entity: str) -> dict[str, dict[str, Any]]:
    """The device's current view of one entity after pulling everything new (tombstones remove rows)."""
    view: dict[str, dict[str, Any]] = getattr(device, "_view", {})
    for change in device.changes():
        key = f"{change['entity']}/{change['id']}"
        if change["op"] == "D":
            view.pop(key, None)
        else:
            view[key] = change["data"]
    device._view = view  # type: ignore[attr-defined]
    prefix = entity + "/"
    return {key[len(prefix):]: data for key, data in view.items() if key.startswith(prefix)}


def withdrawal(return_id: str, number: str = DELIVERED_5_DAYS, position: int = 0, quantity: int = 1) -> dict[str, Any]:
    return {"return_id": return_id, "order_id": order_id(number), "kind": "withdrawal",
            "items": [{"order_item_id": item_id(number, position), "quantity": quantity}]}
