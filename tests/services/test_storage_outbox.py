"""services.storage.outbox: the bookkeeping a sync reads before and after each pull."""

from pathlib import Path

from services.storage import outbox
from services.storage.engine import open_cache


def test_bookkeeping_says_what_waits_to_be_sent_and_what_is_unacknowledged(tmp_path: Path) -> None:
    engine = open_cache(tmp_path / "cache.sqlite")
    with engine.begin() as conn:
        created = outbox.ensure_state(conn)
        empty = outbox.bookkeeping(conn)
        first = outbox.enqueue(conn, "profile.update", {"name": "Anna"})
        second = outbox.enqueue(conn, "message.send", {"thread_id": "t", "message_id": "m", "body": "Hallo"})
        queued = outbox.bookkeeping(conn)
        outbox.mark(conn, first, "sent")
        outbox.mark(conn, second, "sent")
        sent = outbox.bookkeeping(conn)
        outbox.mark(conn, second, "rejected")
        refused = outbox.bookkeeping(conn)
        outbox.acknowledge(conn, second)
        acknowledged = outbox.bookkeeping(conn)
    engine.dispose()

    assert empty == (created, False, 0)
    assert queued[1:] == (True, 2)
    assert queued[0]["client_id"] == created["client_id"] and queued[0]["next_mutation_id"] == 3
    assert sent[1:] == (False, 2)  # sent, not yet acknowledged by a pull: still shown as pending
    assert refused[1:] == (False, 1)  # a rejection is not pending: the user is told instead
    assert acknowledged[1:] == (False, 0)
