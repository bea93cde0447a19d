"""Helpers for the kiosk and handoff tests: scanning at a kiosk, minting handoffs, reading answers."""

from typing import Any

from fastapi import FastAPI
from httpx2 import Response
from sqlalchemy import func, select

from app.protocol import API_PREFIX
from server.codes import CodeSigner
from server.db import Database
from server.models import AuthSession
from tests.server.device import Device
from tests.server.shopper import rows


def scan(kiosk: Device, token: str) -> Response:
    """The kiosk device exchanges a scanned code at POST /auth/qr."""
    return kiosk.post("/auth/qr", {"token": token})


def handoff(device: Device, route: str = "/orders") -> Response:
    return device.post("/auth/handoff", {"route": route})


def redeem(http: Any, token: str) -> Response:
    return http.post(API_PREFIX + "/auth/handoff/redeem", json={"token": token})


def loyalty_token(device: Device) -> str:
    response = device.post("/loyalty/card")
    assert response.status_code == 200, response.text
    token: str = response.json()["token"]
    return token


def loyalty_account_id(device: Device) -> str:
    (account_id,) = rows(device, "loyalty_account")
    return account_id


def session_device(kiosk: Device, answer: dict[str, Any]) -> Device:
    """A device holding the session an exchange answered with (what the kiosk's throw-away client holds)."""
    return Device(kiosk.http, answer)


def signer(app: FastAPI) -> CodeSigner:
    codes: CodeSigner = app.state.codes
    return codes


def auth_sessions(db: Database) -> int:
    with db.read() as session:
        return int(session.scalar(select(func.count()).select_from(AuthSession)) or 0)
