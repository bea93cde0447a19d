"""`python -m server [--host H] [--port P] [--seed demo]`: run migrations, optionally seed, serve."""

import argparse
import logging
import sys

import uvicorn

from server.config import ServerSettings
from server.db import Database
from server.main import create_app
from server.migrate import upgrade
from server.seed import SeedRefused, seed_demo

DEMO_SECRET = ServerSettings.model_fields["secret_key"].default


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m server", description="The nahtlos backend API.")
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=8000)
    parser.add_argument("--seed", choices=["demo"], help="load demo data (idempotent) before serving")
    parser.add_argument("--seed-only", action="store_true", help="seed and exit without serving")
    parser.add_argument("--workers", type=int, default=1)
    # Off by default: a log line per request costs ~10 % of a pull's server time; a load balancer
    # or reverse proxy usually keeps the access log anyway.
    parser.add_argument("--access-log", action="store_true", help="log every request (uvicorn's access log)")
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(levelname)s %(name)s: %(message)s")

    settings = ServerSettings()
    url = settings.resolved_database_url()
    if not url.startswith("sqlite") and settings.secret_key == DEMO_SECRET:
        print("Refusing to serve PostgreSQL with the demo secret: set NAHTLOS_SECRET_KEY.", file=sys.stderr)
        return 2
    db = Database(url)
    upgrade(db.engine)
    if args.seed:
        try:
            created = seed_demo(db)
        except SeedRefused as exc:
            print(f"Demo seed refused: {exc}", file=sys.stderr)
            return 3
        print("Demo data loaded." if created else "Demo data already present.")
    db.dispose()
    if args.seed_only:
        return 0
    if args.workers > 1:
        uvicorn.run("server.asgi:app", host=args.host, port=args.port, workers=args.workers, log_level="info",
                    access_log=args.access_log)
    else:
        uvicorn.run(create_app(settings), host=args.host, port=args.port, log_level="info", access_log=args.access_log)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
