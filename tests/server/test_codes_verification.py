"""Codes a kiosk scans: forged, expired, replayed, another store's, another kind. Each one gets a
stable error code and a server log entry, and none of them ever opens a session."""

import logging
from datetime import timedelta

import pytest
from fastapi import FastAPI

from app.protocol.codes import CodeKind
from server.db import Database
from server.models.base import utcnow
from tests.server.conftest import MakeDevice
from tests.server.device import Device
from tests.server.kiosk import (
    auth_sessions,
    handoff,
    loyalty_account_id,
    redeem,
    scan,
    signer,
)

FOREIGN_SECRET = "another-secret-another-secret-another-secret-0000"


@pytest.fixture
def kiosk(device: MakeDevice) -> Device:
    return device("kiosk.ber")


def refused(kiosk: Device, token: str, db: Database, caplog: pytest.LogCaptureFixture) -> tuple[int, str, str]:
    """Scan `token`; assert no session was opened and a warning was logged; (status, code, message)."""
    before = auth_sessions(db)
    caplog.clear()
    with caplog.at_level(logging.WARNING, logger="nahtlos.codes"):
        response = scan(kiosk, token)
    body = response.json()
    assert "access_token" not in body
    assert auth_sessions(db) == before
    assert [r for r in caplog.records if r.name == "nahtlos.codes" and r.levelno == logging.WARNING], "no log entry"
    assert token not in caplog.text  # the log names the failure, never the code itself
    return response.status_code, body["code"], body["message"]


def test_a_forged_code(kiosk: Device, anna: Device, app: FastAPI, db: Database,
                       caplog: pytest.LogCaptureFixture) -> None:
    from server.codes import CodeSigner

    account = loyalty_account_id(anna)
    forged = CodeSigner(FOREIGN_SECRET).issue(CodeKind.LOYALTY, account, utcnow() + timedelta(hours=1))

    assert refused(kiosk, forged, db, caplog)[:2] == (400, "code_forged")
    assert refused(kiosk, "NTL1.not.real", db, caplog)[:2] == (400, "code_forged")
    assert refused(kiosk, "hello world", db, caplog)[:2] == (400, "code_forged")


def test_an_expired_code(kiosk: Device, anna: Device, app: FastAPI, db: Database,
                         caplog: pytest.LogCaptureFixture) -> None:
    old = signer(app).issue(CodeKind.LOYALTY, loyalty_account_id(anna), utcnow() - timedelta(seconds=1))

    status, code, message = refused(kiosk, old, db, caplog)

    assert (status, code) == (410, "code_expired")
    assert "expired" in message


def test_a_replayed_handoff_code(kiosk: Device, anna: Device, db: Database, caplog: pytest.LogCaptureFixture) -> None:
    token = handoff(anna, "/returns").json()["token"]
    assert scan(kiosk, token).status_code == 200

    status, code, _ = refused(kiosk, token, db, caplog)

    assert (status, code) == (410, "code_already_used")
    assert redeem(kiosk.http, token).json()["code"] == "code_already_used"  # nor on a laptop


def test_a_code_bound_to_another_store(kiosk: Device, anna: Device, app: FastAPI, db: Database,
                                       caplog: pytest.LogCaptureFixture) -> None:
    hamburg = signer(app).issue(CodeKind.LOYALTY, loyalty_account_id(anna), utcnow() + timedelta(hours=1),
                                store_id="HAM-01")
    berlin = signer(app).issue(CodeKind.LOYALTY, loyalty_account_id(anna), utcnow() + timedelta(hours=1),
                               store_id="BER-01")

    assert refused(kiosk, hamburg, db, caplog)[:2] == (400, "code_other_store")
    assert scan(kiosk, berlin).status_code == 200


@pytest.mark.parametrize("kind", [CodeKind.RETURN, CodeKind.PICKUP])
def test_a_code_of_another_kind(kind: CodeKind, kiosk: Device, app: FastAPI, db: Database,
                                caplog: pytest.LogCaptureFixture) -> None:
    other = signer(app).issue(kind, "some-id", utcnow() + timedelta(days=1), store_id="BER-01")

    status, code, message = refused(kiosk, other, db, caplog)

    assert (status, code) == (400, "code_wrong_kind")
    assert "loyalty card" in message


def test_refusals_are_explained_in_german(kiosk: Device, app: FastAPI) -> None:
    old = signer(app).issue(CodeKind.HANDOFF, "x", utcnow() - timedelta(seconds=5))

    body = kiosk.post("/auth/qr", {"token": old}, **{"Accept-Language": "de-DE"}).json()

    assert body == {"code": "code_expired", "detail": None,
                    "message": "Dieser Code ist abgelaufen. Bitte öffnen Sie in der App einen neuen."}


def test_a_genuine_code_for_a_handoff_the_server_does_not_know_is_forged(
        kiosk: Device, app: FastAPI, db: Database, caplog: pytest.LogCaptureFixture) -> None:
    # Signed with our key but for no handoff row (a database restored from before it was made).
    unknown = signer(app).issue(CodeKind.HANDOFF, "0" * 32, utcnow() + timedelta(minutes=2))

    assert refused(kiosk, unknown, db, caplog)[:2] == (400, "code_forged")
