"""Settings: defaults -> instance file (station.toml) -> STATION_* environment -> overrides.

One immutable object is built at start-up and passed around; nothing reads the environment
later, so a test or a worker sees exactly the configuration it was given.
"""

from __future__ import annotations

import dataclasses
import ipaddress
import os
import secrets
import tomllib
from dataclasses import dataclass, field, fields
from pathlib import Path
from typing import Any, get_type_hints

from station.errors import ValidationError

ENV_PREFIX = "STATION_"
CONFIG_FILE = "station.toml"


@dataclass(frozen=True)
class Settings:
    """Every knob of a Station instance; see the configuration table in README.md."""

    instance_path: Path = field(default_factory=lambda: Path.cwd() / "instance")
    database_url: str = ""  # empty: SQLite file in the instance folder
    redis_url: str = ""  # empty: Huey's SQLite queue in the instance folder
    media_root: Path | None = None  # empty: instance/media
    secret_key: str = ""  # empty: generated once into instance/secret_key
    language: str = "vi"  # default UI and CLI language (vi or en)
    timezone: str = "Asia/Ho_Chi_Minh"  # docs/standards.md "Time": shown and planned in local time
    host: str = "127.0.0.1"
    port: int = 8080
    upload_max_bytes: int = 8 * 1024**3  # a 30-minute HD master fits; bigger is refused (413)
    ffmpeg_binary: str = "ffmpeg"
    ffprobe_binary: str = "ffprobe"
    proxy_max_height: int = 720  # web proxy is <= 720p (issue: foundation, ingest)
    job_time_limit: int = 4 * 3600  # seconds; a job running longer is killed and failed
    worker_count: int = 2  # threads per `station worker` process (2 cores here)
    # Seconds without a heartbeat (written every ~10 s) after which a running job's worker
    # counts as gone and the sweep requeues or fails the job (docs/operations.md).
    job_heartbeat_timeout: int = 45
    secure_cookies: bool = False  # set true behind HTTPS
    # Reverse proxies in front of `station run` whose X-Forwarded-For is trusted (nginx: 1);
    # sign-in throttling counts failures per client address, so it must see the real one.
    trusted_proxies: int = 0
    queue_name: str = "station"
    # Speech engines (faster-whisper / CTranslate2, viet-asr); docs/transcription.md has figures.
    models_root: Path | None = None  # empty: instance/models
    whisper_model: str = "base"  # "base" = the bundled multilingual base; a name or a folder
    whisper_device: str = "auto"  # auto, cpu or cuda
    whisper_compute_type: str = "int8"
    whisper_beam_size: int = 5
    whisper_threads: int = 2
    # Which engine transcribes a language (docs/transcription.md): LANG=ENGINE pairs; a
    # language not listed uses Whisper. viet-asr falls back to Whisper where it cannot install.
    transcription_engines: str = "vi=vietasr"
    vietasr_whisper_beam_size: int = 1  # Whisper only writes viet-asr's words: beam 1 is enough
    # Partner delivery (issue 6): the API's rate limit and the webhooks' retry schedule.
    api_rate_limit: int = 120  # requests per minute per API token (429 beyond it)
    webhook_max_attempts: int = 6
    webhook_backoff: float = 30.0  # seconds before the 2nd try; doubles after each failure
    webhook_timeout: float = 10.0  # seconds a partner's server has to answer
    # Addresses/CIDR blocks (comma-separated) a webhook may reach although loopback, private
    # or link-local; empty: only public addresses (an admin lists an internal receiver here).
    webhook_allowed_addresses: str = ""
    # Notification e-mail (docs/operations.md "Notifications"): empty host = no e-mail; the
    # in-app bell works either way. starttls upgrades a plain connection (port 587).
    smtp_host: str = ""
    smtp_port: int = 587
    smtp_user: str = ""
    smtp_password: str = ""
    smtp_sender: str = ""  # the From address; empty: station@<smtp_host>
    smtp_starttls: bool = True
    smtp_timeout: float = 30.0
    # The address people open Station at (https://station.example.vn): e-mails link to it;
    # empty: e-mails carry the path only.
    public_url: str = ""
    # The public site (docs/publishing.md): the address it is served at, which feeds, oEmbed,
    # Open Graph and the sitemap must name in full, and the folder it is exported to (empty:
    # instance/public). The default suits the demo: python -m http.server 8000 -d instance/public
    publish_site_url: str = "http://127.0.0.1:8000/"
    publish_site_dir: Path | None = None

    # ---- derived paths -------------------------------------------------------------
    @property
    def sqlalchemy_url(self) -> str:
        """The database URL, defaulting to SQLite inside the instance folder."""
        return self.database_url or f"sqlite:///{self.instance_path / 'station.db'}"

    @property
    def media_path(self) -> Path:
        """Where content-addressed media files live."""
        return Path(self.media_root) if self.media_root else self.instance_path / "media"

    @property
    def upload_path(self) -> Path:
        """Where uploads wait for their ingest job (same file system as media_path)."""
        return self.media_path / "incoming"

    @property
    def models_path(self) -> Path:
        """Where installed speech models live (one folder per model)."""
        return Path(self.models_root) if self.models_root else self.instance_path / "models"

    @property
    def publish_path(self) -> Path:
        """Where the public site is exported after each publish."""
        if self.publish_site_dir:
            return Path(self.publish_site_dir)
        return self.instance_path / "public"

    @property
    def queue_path(self) -> Path:
        """Huey's SQLite queue file when no Redis is configured."""
        return self.instance_path / "queue.db"

    def replace(self, **changes: Any) -> Settings:
        """A copy with some values changed (settings are immutable)."""
        return dataclasses.replace(self, **_coerce_all(changes))


def _coerce(name: str, raw: Any, hint: Any) -> Any:
    """Turn a text value from the environment or TOML into the field's type, or say why not."""
    if raw is None:
        return None
    text_hint = str(hint)
    try:
        if "Path" in text_hint:
            return Path(raw).expanduser() if raw != "" else None
        if hint is bool or text_hint == "bool":
            if isinstance(raw, bool):
                return raw
            value = str(raw).strip().lower()
            if value in {"1", "true", "yes", "on"}:
                return True
            if value in {"0", "false", "no", "off", ""}:
                return False
            raise ValueError(raw)
        if hint is int or text_hint == "int":
            return int(raw)
        if hint is float or text_hint == "float":
            return float(raw)
        return str(raw)
    except (TypeError, ValueError) as exc:
        raise ValidationError(
            "Setting {name} has an invalid value: {value!r}", name=name, value=raw
        ) from exc


def _coerce_all(values: dict[str, Any]) -> dict[str, Any]:
    hints = get_type_hints(Settings)
    known = {f.name for f in fields(Settings)}
    unknown = set(values) - known
    if unknown:
        raise ValidationError("Unknown setting(s): {names}", names=", ".join(sorted(unknown)))
    return {k: _coerce(k, v, hints[k]) for k, v in values.items()}


def load_settings(
    overrides: dict[str, Any] | None = None, *, environ: dict[str, str] | None = None
) -> Settings:
    """Build the settings from all sources, later ones winning, and validate them."""
    env = dict(os.environ if environ is None else environ)
    known = {f.name for f in fields(Settings)}
    layered: dict[str, Any] = {}

    instance = (overrides or {}).get("instance_path") or env.get(ENV_PREFIX + "INSTANCE_PATH")
    instance_path = Path(instance).expanduser() if instance else Path.cwd() / "instance"
    config_file = instance_path / CONFIG_FILE
    if config_file.exists():
        try:
            file_values = tomllib.loads(config_file.read_text(encoding="utf-8"))
        except tomllib.TOMLDecodeError as exc:
            raise ValidationError(
                "Cannot read {path}: {error}", path=str(config_file), error=str(exc)
            ) from exc
        layered.update(file_values)
    for key, value in env.items():
        if key.startswith(ENV_PREFIX):
            name = key[len(ENV_PREFIX):].lower()
            if name in known:
                layered[name] = value
    layered.update(overrides or {})
    layered["instance_path"] = instance_path
    settings = Settings(**_coerce_all(layered))
    _validate(settings)
    return settings


def _validate(settings: Settings) -> None:
    if settings.language not in {"vi", "en"}:
        raise ValidationError("Setting language must be vi or en")
    if settings.upload_max_bytes <= 0:
        raise ValidationError("Setting upload_max_bytes must be positive")
    if settings.worker_count < 1:
        raise ValidationError("Setting worker_count must be at least 1")
    if settings.job_heartbeat_timeout < 2:
        raise ValidationError("Setting job_heartbeat_timeout must be at least 2 seconds")
    for item in filter(None, (p.strip() for p in settings.webhook_allowed_addresses.split(","))):
        try:
            ipaddress.ip_network(item.strip("[]"), strict=False)
        except ValueError:
            raise ValidationError("Setting webhook_allowed_addresses has an invalid address "
                                  "or network: {value!r}", value=item) from None
    if not 0 < settings.smtp_port < 65536:
        raise ValidationError("Setting smtp_port must be a TCP port (1-65535)")
    url = settings.sqlalchemy_url
    if not url.startswith(("sqlite", "postgresql")):
        raise ValidationError("Only SQLite and PostgreSQL databases are supported: {url}", url=url)


def ensure_instance(settings: Settings) -> Settings:
    """Create the instance folders and a persistent secret key on first use."""
    settings.instance_path.mkdir(parents=True, exist_ok=True)
    settings.media_path.mkdir(parents=True, exist_ok=True)
    settings.upload_path.mkdir(parents=True, exist_ok=True)
    if settings.secret_key:
        return settings
    key_file = settings.instance_path / "secret_key"
    if not key_file.exists():
        key_file.write_text(secrets.token_hex(32), encoding="ascii")
        key_file.chmod(0o600)
    return dataclasses.replace(settings, secret_key=key_file.read_text(encoding="ascii").strip())
