"""A seeded demo database for client-side tests: seeded once per session, copied per test."""

import shutil
from pathlib import Path

from fastapi import FastAPI

from server.config import ServerSettings
from server.db import Database
from server.main import create_app
from server.seed import seed_demo


def seeded_template(directory: Path) -> Path:
    path = directory / "template.sqlite"
    db = Database(f"sqlite:///{path}")
    create_app(ServerSettings(database_url=db.url), db=db)  # migrates
    seed_demo(db)
    with db.engine.begin() as conn:
        conn.exec_driver_sql("PRAGMA wal_checkpoint(TRUNCATE)")
    db.dispose()
    return path


def fresh_app(template: Path, directory: Path) -> tuple[FastAPI, Database]:
    path = directory / "server.sqlite"
    shutil.copy(template, path)
    db = Database(f"sqlite:///{path}")
    return create_app(ServerSettings(database_url=db.url), db=db), db
