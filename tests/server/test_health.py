"""GET /api/v1/health."""

from fastapi.testclient import TestClient

from server.db import Database
from tests.server.dbstate import head


def test_health_reports_ok_with_the_epoch_and_head(client: TestClient, db: Database) -> None:
    response = client.get("/api/v1/health")

    assert response.status_code == 200
    seq, epoch = head(db)
    assert response.json() == {"status": "ok", "epoch": epoch, "seq": seq}
    assert len(epoch) >= 16
    assert seq >= 1  # the demo seed is one transaction


def test_health_needs_no_sign_in_and_no_schema_header(client: TestClient) -> None:
    response = client.get("/api/v1/health", headers={"X-Schema-Version": "999"})

    assert response.status_code == 200
