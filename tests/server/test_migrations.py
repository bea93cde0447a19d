"""The Alembic chain builds exactly the schema the models declare (no forgotten migration)."""

from pathlib import Path

from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlalchemy import create_engine

import server.models  # noqa: F401 - registers every table on Base.metadata
from server.migrate import upgrade
from server.models.base import Base


def test_migrations_create_the_schema_of_the_models(tmp_path: Path) -> None:
    engine = create_engine(f"sqlite:///{tmp_path / 'schema.db'}")
    upgrade(engine)
    with engine.connect() as connection:
        diff = compare_metadata(MigrationContext.configure(connection), Base.metadata)
    engine.dispose()
    assert diff == []
