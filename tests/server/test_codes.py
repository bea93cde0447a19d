"""Signed codes (NTL1): issued by the server, verified with only the public key, as a device does offline."""

import base64
import json
from datetime import UTC, datetime, timedelta

import pytest
from fastapi.testclient import TestClient

from app.protocol.codes import CodeFailure, CodeKind
from server.codes import CodeError, CodeSigner, CodeVerifier
from tests.conftest import (
    TEST_SECRET as SECRET,  # the test apps' secret: their key is this signer's
)

NOW = datetime(2026, 6, 1, 12, 0, tzinfo=UTC)


def b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def unb64(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


@pytest.fixture
def signer() -> CodeSigner:
    return CodeSigner(SECRET)


def refused(signer: CodeSigner, token: str, kind: CodeKind = CodeKind.RETURN, now: datetime = NOW) -> CodeFailure:
    with pytest.raises(CodeError) as caught:
        signer.verify(token, kind, now)
    return caught.value.code


def test_a_code_round_trips_with_the_documented_payload(signer: CodeSigner) -> None:
    token = signer.issue(CodeKind.PICKUP, "pickup-1", NOW + timedelta(hours=2), store_id="BER-01")

    prefix, payload, signature = token.split(".")
    assert prefix == "NTL1"
    body = json.loads(unb64(payload))
    assert set(body) == {"k", "s", "x", "t", "n"}
    assert (body["k"], body["s"], body["x"], body["t"]) == ("pickup", "pickup-1", int(NOW.timestamp()) + 7200, "BER-01")
    assert len(unb64(signature)) == 64
    assert "=" not in token and len(token) < 250  # compact enough for a small QR code
    verified = signer.verify(token, CodeKind.PICKUP, NOW)
    assert (verified.s, verified.t) == ("pickup-1", "BER-01")


def test_two_codes_for_one_subject_differ(signer: CodeSigner) -> None:
    expiry = NOW + timedelta(days=1)
    assert signer.issue(CodeKind.LOYALTY, "acct", expiry) != signer.issue(CodeKind.LOYALTY, "acct", expiry)


def test_the_key_is_derived_from_the_secret(signer: CodeSigner) -> None:
    assert CodeSigner(SECRET).public_key() == signer.public_key()
    assert CodeSigner(SECRET + "x").public_key().public_key != signer.public_key().public_key


def test_a_code_of_another_key_is_forged(signer: CodeSigner) -> None:
    foreign = CodeSigner("another-secret-another-secret-another-secret").issue(CodeKind.RETURN, "r1", NOW + timedelta(days=1))

    assert refused(signer, foreign) == CodeFailure.FORGED


def test_a_tampered_payload_is_forged(signer: CodeSigner) -> None:
    token = signer.issue(CodeKind.RETURN, "r1", NOW + timedelta(days=1))
    prefix, payload, signature = token.split(".")
    body = json.loads(unb64(payload))

    for change in ({"s": "r2"}, {"x": body["x"] + 86400 * 365}, {"k": "loyalty"}, {"t": "BER-01"}):
        tampered = b64(json.dumps({**body, **change}, separators=(",", ":")).encode())
        assert refused(signer, f"{prefix}.{tampered}.{signature}") == CodeFailure.FORGED


def test_a_tampered_signature_or_prefix_is_forged(signer: CodeSigner) -> None:
    token = signer.issue(CodeKind.RETURN, "r1", NOW + timedelta(days=1))
    prefix, payload, signature = token.split(".")
    flipped = bytearray(unb64(signature))
    flipped[0] ^= 1

    assert refused(signer, f"{prefix}.{payload}.{b64(bytes(flipped))}") == CodeFailure.FORGED
    assert refused(signer, f"NTL2.{payload}.{signature}") == CodeFailure.FORGED
    assert refused(signer, f"{prefix}.{payload}.{signature}=") == CodeFailure.FORGED


@pytest.mark.parametrize("token", ["", "garbage", "NTL1", "NTL1..", "NTL1.e30.", "NTL1.!!!.!!!", "NTL1.a.b.c",
                                   "NTL1." + "A" * 700 + ".x", "NTL1.ä.ö"])
def test_malformed_codes_are_forged(signer: CodeSigner, token: str) -> None:
    assert refused(signer, token) == CodeFailure.FORGED


def test_a_signed_but_malformed_payload_is_forged(signer: CodeSigner) -> None:
    # Even a correctly signed body must be a proper payload (defence against a future signing bug).
    private = signer._private
    signed = "NTL1." + b64(b'{"k":"return"}')
    token = f"{signed}.{b64(private.sign(signed.encode()))}"

    assert refused(signer, token) == CodeFailure.FORGED


def test_an_expired_code(signer: CodeSigner) -> None:
    token = signer.issue(CodeKind.RETURN, "r1", NOW + timedelta(minutes=5))

    assert signer.verify(token, CodeKind.RETURN, NOW + timedelta(minutes=4, seconds=59)).s == "r1"
    assert refused(signer, token, now=NOW + timedelta(minutes=5)) == CodeFailure.EXPIRED


def test_a_code_of_another_kind(signer: CodeSigner) -> None:
    loyalty = signer.issue(CodeKind.LOYALTY, "acct", NOW + timedelta(days=1))

    assert refused(signer, loyalty, CodeKind.RETURN) == CodeFailure.WRONG_KIND
    # The kind is checked before the expiry: an old loyalty card at the returns desk is "wrong kind".
    expired_loyalty = signer.issue(CodeKind.LOYALTY, "acct", NOW - timedelta(days=1))
    assert refused(signer, expired_loyalty, CodeKind.RETURN) == CodeFailure.WRONG_KIND


def test_devices_verify_offline_with_the_published_key(client: TestClient, signer: CodeSigner) -> None:
    response = client.get("/api/v1/codes/public-key")

    assert response.status_code == 200
    published = response.json()
    assert (published["algorithm"], published["format"]) == ("Ed25519", "NTL1")
    assert published == signer.public_key().model_dump()  # the test app uses the same secret
    assert "max-age" in response.headers["cache-control"]
    device = CodeVerifier(unb64(published["public_key"]))
    token = signer.issue(CodeKind.RETURN, "r1", datetime.now(UTC) + timedelta(days=60))
    assert device.verify(token, CodeKind.RETURN).s == "r1"
