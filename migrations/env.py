"""Alembic environment: the URL comes from Station's settings (or the caller's config)."""

from __future__ import annotations

from alembic import context
from sqlalchemy import pool

from station.db import make_engine

config = context.config
url = config.get_main_option("sqlalchemy.url")
target_metadata = None
if config.attributes.get("autogenerate"):
    from station.models import metadata  # only for writing new migrations

    target_metadata = metadata


def run_migrations_offline() -> None:
    context.configure(url=url, literal_binds=True, render_as_batch=True)
    with context.begin_transaction():
        context.run_migrations()


def run_migrations_online() -> None:
    connection = config.attributes.get("connection")
    if connection is not None:
        _run(connection)
        return
    engine = make_engine(url, poolclass=pool.NullPool)
    with engine.connect() as conn:
        _run(conn)
    engine.dispose()


def _run(connection) -> None:  # type: ignore[no-untyped-def]
    context.configure(
        connection=connection,
        target_metadata=target_metadata,
        render_as_batch=True,  # SQLite needs table copies to alter constraints
        compare_type=True,
    )
    with context.begin_transaction():
        context.run_migrations()


if context.is_offline_mode():
    run_migrations_offline()
else:
    run_migrations_online()
