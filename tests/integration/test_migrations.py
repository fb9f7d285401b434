"""Migrations: one head; upgrade, downgrade, upgrade on SQLite and PostgreSQL; models match."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlalchemy import create_engine, inspect, text

from station import migrate
from station.models import metadata
from tests.conftest import PG_URL, require_service


def test_single_head() -> None:
    assert len(migrate.heads()) == 1


def test_file_names_are_date_prefixed() -> None:
    for path in (migrate.MIGRATIONS / "versions").glob("*.py"):
        assert path.name[:10].replace("_", "").isdigit(), path.name


@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)])
def empty_db(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path / 'm.db'}"
        return
    require_service("PostgreSQL", PG_URL)
    name = f"station_mig_{uuid.uuid4().hex[:8]}"
    admin = create_engine(PG_URL, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    try:
        yield PG_URL.rsplit("/", 1)[0] + f"/{name}"
    finally:
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


def test_upgrade_downgrade_upgrade_and_models_match(empty_db: str) -> None:
    migrate.upgrade(empty_db)
    migrate.downgrade(empty_db, "base")
    engine = create_engine(empty_db)
    assert set(inspect(engine).get_table_names()) <= {"alembic_version"}
    engine.dispose()
    migrate.upgrade(empty_db)
    assert migrate.current(empty_db) == migrate.heads()[0]
    engine = create_engine(empty_db)
    with engine.connect() as conn:
        diff = compare_metadata(MigrationContext.configure(conn), metadata)
    engine.dispose()
    # The models and the migrations describe the same schema (no forgotten migration).
    assert diff == []
