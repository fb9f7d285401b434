"""Settings: defaults, then the instance file, then STATION_* variables, then overrides."""

from pathlib import Path

import pytest

from station.config import load_settings
from station.errors import ValidationError


def test_defaults_are_embedded_sqlite_and_sqlite_queue(tmp_path: Path) -> None:
    settings = load_settings({"instance_path": tmp_path}, environ={})
    assert settings.sqlalchemy_url == f"sqlite:///{tmp_path / 'station.db'}"
    assert settings.redis_url == ""
    assert settings.media_path == tmp_path / "media"
    assert settings.language == "vi"


def test_layers_override_in_order(tmp_path: Path) -> None:
    (tmp_path / "station.toml").write_text(
        'port = 9000\nlanguage = "en"\nupload_max_bytes = 1000\n', encoding="utf-8"
    )
    env = {"STATION_INSTANCE_PATH": str(tmp_path), "STATION_PORT": "9100",
           "STATION_REDIS_URL": "redis://127.0.0.1:6379/0", "UNRELATED": "x"}
    settings = load_settings(environ=env)
    assert settings.port == 9100  # environment beats the file
    assert settings.language == "en"  # from the file
    assert settings.upload_max_bytes == 1000
    assert settings.redis_url == "redis://127.0.0.1:6379/0"
    assert load_settings({"port": 7000}, environ=env).port == 7000  # overrides win


def test_bad_values_are_refused_with_the_setting_name(tmp_path: Path) -> None:
    with pytest.raises(ValidationError, match="Setting port has an invalid value"):
        load_settings(environ={"STATION_INSTANCE_PATH": str(tmp_path), "STATION_PORT": "abc"})
    with pytest.raises(ValidationError, match="Only SQLite and PostgreSQL"):
        load_settings({"instance_path": tmp_path, "database_url": "mysql://x"}, environ={})
    (tmp_path / "station.toml").write_text("port = [", encoding="utf-8")
    with pytest.raises(ValidationError, match="Cannot read"):
        load_settings({"instance_path": tmp_path}, environ={})


def test_settings_are_immutable(tmp_path: Path) -> None:
    settings = load_settings({"instance_path": tmp_path}, environ={})
    with pytest.raises(AttributeError):
        settings.port = 1  # type: ignore[misc]
    assert settings.replace(port="8081").port == 8081
