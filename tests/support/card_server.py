"""`python -m tests.support.card_server --port P`: the demo server (as `python -m server --seed demo`),
plus the reference `POST /loyalty/card` route while server/ does not have it yet (see
tests/support/loyalty_card.py). Browser tests of the loyalty card and returns run against it."""

import argparse
import logging

import uvicorn

from server.config import ServerSettings
from server.db import Database
from server.main import create_app
from server.migrate import upgrade
from server.seed import seed_demo
from tests.support.loyalty_card import ensure_card_route


def main() -> None:
    parser = argparse.ArgumentParser(prog="python -m tests.support.card_server")
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=8000)
    args = parser.parse_args()
    logging.basicConfig(level=logging.WARNING)
    settings = ServerSettings()
    db = Database(settings.resolved_database_url())
    upgrade(db.engine)
    seed_demo(db)
    db.dispose()
    uvicorn.run(ensure_card_route(create_app(settings)), host=args.host, port=args.port, log_level="warning")


if __name__ == "__main__":
    main()
