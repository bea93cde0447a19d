"""faq.feedback: idempotent by feedback id, one answer per person and article, anonymous on a kiosk."""

from typing import Any

import pytest

from server.db import Database
from server.seed.ids import demo_id
from tests.server.conftest import MakeDevice
from tests.server.dbstate import scalar
from tests.server.device import Device
from tests.server.shopper import new_id

LABEL_DE = demo_id("faq_article", "return-label-lost:de")
LABEL_EN = demo_id("faq_article", "return-label-lost:en")


def feedback(device: Device, helpful: bool, article_id: str = LABEL_DE, feedback_id: str | None = None,
             query: str | None = "etikett verloren") -> dict[str, Any]:
    args: dict[str, Any] = {"feedback_id": feedback_id or new_id(), "article_id": article_id, "helpful": helpful}
    if query is not None:
        args["query"] = query
    return device.send("faq.feedback", args)


def counts(db: Database, article_id: str = LABEL_DE) -> tuple[int, int]:
    return (scalar(db, "SELECT helpful_yes FROM faq_article WHERE id = :a", a=article_id),
            scalar(db, "SELECT helpful_no FROM faq_article WHERE id = :a", a=article_id))


def records(db: Database) -> int:
    return int(scalar(db, "SELECT count(*) FROM faq_feedback"))


def test_an_answer_counts_and_keeps_the_query(anna: Device, db: Database) -> None:
    feedback_id = new_id()

    result = feedback(anna, helpful=False, feedback_id=feedback_id)

    assert result["status"] == "ok", result
    assert result["result"] == {"feedback_id": feedback_id, "article_id": LABEL_DE, "helpful": False}
    assert counts(db) == (0, 1)
    assert scalar(db, "SELECT query FROM faq_feedback WHERE id = :i", i=feedback_id) == "etikett verloren"
    assert scalar(db, "SELECT user_id FROM faq_feedback WHERE id = :i", i=feedback_id) == anna.user_id


def test_the_same_answer_from_two_devices_counts_once(device: MakeDevice, db: Database) -> None:
    phone, laptop = device("anna"), device("anna")
    feedback_id = new_id()

    first = feedback(phone, helpful=True, feedback_id=feedback_id)
    second = feedback(laptop, helpful=True, feedback_id=feedback_id)

    assert first["status"] == second["status"] == "ok"
    assert first["result"] == second["result"]
    assert counts(db) == (1, 0) and records(db) == 1


def test_a_changed_mind_moves_the_count(anna: Device, db: Database) -> None:
    feedback(anna, helpful=True)
    feedback(anna, helpful=False, query="immer noch kein etikett")

    assert counts(db) == (0, 1) and records(db) == 1
    assert scalar(db, "SELECT query FROM faq_feedback") == "immer noch kein etikett"
    # Each language's article is its own row with its own counts.
    feedback(anna, helpful=True, article_id=LABEL_EN, query=None)
    assert counts(db, LABEL_EN) == (1, 0) and counts(db) == (0, 1)


def test_two_people_count_twice(anna: Device, ben: Device, db: Database) -> None:
    feedback(anna, helpful=True)
    feedback(ben, helpful=True)

    assert counts(db) == (2, 0)


def test_a_kiosk_answer_is_anonymous_and_each_counts(device: MakeDevice, db: Database) -> None:
    kiosk = device("kiosk.ber")

    one = feedback(kiosk, helpful=True, query="anna müller bestellung 4711")
    two = feedback(kiosk, helpful=True)

    assert one["status"] == two["status"] == "ok"
    assert counts(db) == (2, 0) and records(db) == 2
    assert scalar(db, "SELECT count(*) FROM faq_feedback WHERE user_id IS NULL AND query IS NULL") == 2


@pytest.mark.parametrize("role", ["staff.ber", "agent"])
def test_staff_and_agents_may_answer(device: MakeDevice, db: Database, role: str) -> None:
    assert feedback(device(role), helpful=False)["status"] == "ok"
    assert counts(db) == (0, 1)


def test_an_unknown_article_is_not_found(anna: Device, db: Database) -> None:
    result = feedback(anna, helpful=True, article_id="no-such-article")

    assert (result["status"], result["code"]) == ("rejected", "not_found")
    assert records(db) == 0


def test_a_feedback_id_of_someone_else_is_a_conflict(anna: Device, ben: Device, db: Database) -> None:
    feedback_id = new_id()
    feedback(anna, helpful=True, feedback_id=feedback_id)

    taken = feedback(ben, helpful=False, feedback_id=feedback_id)

    assert (taken["status"], taken["code"]) == ("rejected", "conflict")
    assert counts(db) == (1, 0)


def test_bad_arguments_are_refused(anna: Device, db: Database) -> None:
    too_long = feedback(anna, helpful=True, query="x" * 201)
    not_bool = anna.send("faq.feedback", {"feedback_id": new_id(), "article_id": LABEL_DE, "helpful": "vielleicht"})
    long_id = feedback(anna, helpful=True, feedback_id="f" * 50)

    assert [too_long["code"], not_bool["code"], long_id["code"]] == ["invalid_args"] * 3
    assert records(db) == 0 and counts(db) == (0, 0)
