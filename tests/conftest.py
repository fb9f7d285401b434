"""Shared fixtures: real SQLite and PostgreSQL, real media, app and client.

The schema is made by the real Alembic migrations once per session and copied (SQLite) or
truncated (PostgreSQL) between tests. PostgreSQL and Redis tests run when their servers
answer; with STATION_TEST_REQUIRE_SERVICES=1 (CI) a missing server is a failure, not a skip.
"""

from __future__ import annotations

import os
import shutil
import socket
import uuid
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import pytest
from sqlalchemy import create_engine, text

from delivery.services import ensure_specs
from production import services
from production.models import Report
from station import migrate
from station.accounts import User, add_user
from station.config import Settings
from station.models import metadata
from station.runtime import Runtime

PG_URL = os.environ.get("STATION_TEST_POSTGRES_URL",
                        "postgresql+psycopg://postgres@127.0.0.1:5432/test")
REDIS_URL = os.environ.get("STATION_TEST_REDIS_URL", "redis://127.0.0.1:6379/15")
REQUIRE_SERVICES = os.environ.get("STATION_TEST_REQUIRE_SERVICES") == "1"
PASSWORD = "correct horse battery"
# One Whisper model folder for the whole run (`make test` installs it; the fixture checks).
MODELS_ROOT = Path(os.environ.get("STATION_TEST_MODELS_ROOT")
                   or Path(__file__).resolve().parent.parent / "instance" / "models")


def _answers(url: str) -> bool:
    parts = urlsplit(url)
    try:
        with socket.create_connection((parts.hostname or "127.0.0.1", parts.port or 0), 2):
            return True
    except OSError:
        return False


def require_service(name: str, url: str) -> None:
    """Skip (locally) or fail (CI) when a real server this test needs is not there."""
    if _answers(url):
        return
    message = f"{name} at {url} did not answer: this test did not run"
    if REQUIRE_SERVICES:
        pytest.fail(message + " (STATION_TEST_REQUIRE_SERVICES=1)")
    pytest.skip(message)


# ---- media -----------------------------------------------------------------------------

@pytest.fixture(scope="session")
def media_cache(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Test media are generated once per run (ffmpeg lavfi + espeak-ng) and reused."""
    return tmp_path_factory.mktemp("media")


@pytest.fixture(scope="session")
def whisper_model() -> Path:
    """The bundled Whisper base, installed (joined and verified) once for the session."""
    from subtitles import transcribe

    settings = Settings(instance_path=MODELS_ROOT.parent, models_root=MODELS_ROOT)
    return transcribe.install_bundled(settings)


# ---- databases -------------------------------------------------------------------------

@pytest.fixture(scope="session")
def sqlite_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A SQLite file migrated once by the real migrations; each test gets a copy."""
    path = tmp_path_factory.mktemp("template") / "station.db"
    migrate.upgrade(f"sqlite:///{path}")
    return path


@pytest.fixture(scope="session")
def pg_database() -> Iterator[str]:
    """A fresh PostgreSQL database for this run, migrated once, dropped at the end."""
    require_service("PostgreSQL", PG_URL)
    name = f"station_test_{uuid.uuid4().hex[:10]}"
    admin = create_engine(PG_URL, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    url = PG_URL.rsplit("/", 1)[0] + f"/{name}"
    try:
        migrate.upgrade(url)
        yield url
    finally:
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


def _truncate_pg(url: str) -> None:
    engine = create_engine(url)
    tables = ", ".join(f'"{t.name}"' for t in metadata.sorted_tables)
    with engine.begin() as conn:
        conn.execute(text(f"TRUNCATE {tables} RESTART IDENTITY CASCADE"))
    engine.dispose()


def make_settings(tmp_path: Path, **values: Any) -> Settings:
    """Settings for a test instance in ``tmp_path`` (no file, no environment)."""
    base = {"instance_path": tmp_path / "instance", "secret_key": "test-secret",
            "language": "en", "worker_count": 1, "models_root": MODELS_ROOT,
            "whisper_beam_size": 1}
    base.update(values)
    return Settings(**base)


@pytest.fixture
def sqlite_runtime(tmp_path: Path, sqlite_template: Path) -> Iterator[Runtime]:
    db_file = tmp_path / "station.db"
    shutil.copyfile(sqlite_template, db_file)
    runtime = Runtime(make_settings(tmp_path, database_url=f"sqlite:///{db_file}"))
    with runtime.session() as session:
        services.ensure_channels(session)
        ensure_specs(session)
        session.commit()
    yield runtime
    runtime.dispose()


@pytest.fixture
def pg_runtime(tmp_path: Path, pg_database: str) -> Iterator[Runtime]:
    runtime = Runtime(make_settings(tmp_path, database_url=pg_database))
    with runtime.session() as session:
        services.ensure_channels(session)
        ensure_specs(session)
        session.commit()
    yield runtime
    runtime.dispose()
    _truncate_pg(pg_database)


@pytest.fixture
def runtime(sqlite_runtime: Runtime) -> Runtime:
    """The default: a migrated SQLite database of its own."""
    return sqlite_runtime


@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)])
def any_runtime(request: pytest.FixtureRequest) -> Runtime:
    """Run the test on SQLite and on the real PostgreSQL server."""
    name = "sqlite_runtime" if request.param == "sqlite" else "pg_runtime"
    return request.getfixturevalue(name)  # type: ignore[no-any-return]


# ---- factories -------------------------------------------------------------------------

@pytest.fixture
def make_user(runtime: Runtime) -> Callable[..., User]:
    return user_factory(runtime)


_USER_NUMBERS = iter(range(1, 1_000_000))  # unique names across factories in one test


def user_factory(runtime: Runtime) -> Callable[..., User]:
    counter = _USER_NUMBERS

    def make(role: str = "editor", username: str | None = None, **kwargs: Any) -> User:
        with runtime.session() as session:
            if role == "partner" and "channel_id" not in kwargs:
                kwargs["channel_id"] = services.get_channel(session, "VTV4").id
            user = add_user(session, username=username or f"{role}{next(counter)}",
                            password=PASSWORD, role=role, **kwargs)
            session.commit()
            session.expunge(user)
            return user

    return make


def report_factory(runtime: Runtime) -> Callable[..., Report]:
    def make(actor: User, title: str = "Lai Châu hôm nay", **kwargs: Any) -> Report:
        kwargs.setdefault("channel_codes", ["LCTV"])
        with runtime.session() as session:
            report = services.create_report(session, services.ReportInput(title=title, **kwargs),
                                            actor=actor)
            session.commit()
            return report

    return make


@pytest.fixture
def make_report(runtime: Runtime) -> Callable[..., Report]:
    return report_factory(runtime)


# ---- web -------------------------------------------------------------------------------

@pytest.fixture
def app(runtime: Runtime) -> Any:
    from web import create_app

    # The pages speak Vietnamese first, as the station's staff see them.
    flask_app = create_app(runtime.settings.replace(language="vi"))
    flask_app.config.update(TESTING=True)
    yield flask_app
    flask_app.extensions["station"].dispose()


@pytest.fixture
def client(app: Any) -> Any:
    return app.test_client()


def login(client: Any, username: str, password: str = PASSWORD) -> Any:
    """Sign in through the real form, CSRF token included."""
    page = client.get("/login")
    token = csrf_token(page.get_data(as_text=True))
    return client.post("/login", data={"username": username, "password": password,
                                       "csrf_token": token})


def csrf_token(html: str) -> str:
    marker = 'name="csrf-token" content="'
    start = html.index(marker) + len(marker)
    return html[start:html.index('"', start)]
