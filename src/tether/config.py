"""Settings: one object read from ``TETHER_*`` environment variables and an optional TOML file.

Precedence, highest first: explicit arguments, environment, the config file named by
``TETHER_CONFIG_FILE``, defaults. ``AWS_ENDPOINT_URL`` (the standard botocore variable) is
honoured when ``TETHER_AWS_ENDPOINT_URL`` is not set.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any, Literal
from urllib.parse import urlsplit, urlunsplit

from pydantic import Field, SecretStr, field_validator
from pydantic_settings import (
    BaseSettings,
    PydanticBaseSettingsSource,
    SettingsConfigDict,
    TomlConfigSettingsSource,
)

CONFIG_FILE_ENV = "TETHER_CONFIG_FILE"


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="TETHER_", extra="forbid", frozen=True)

    data_dir: Path = Field(
        default=Path(".tether"), description="Where the SQLite file and keys live."
    )
    database_url: str | None = Field(
        default=None, description="SQLAlchemy URL; default: SQLite file in the data dir."
    )
    db_pool_size: int = Field(
        default=5, ge=1, le=200, description="PostgreSQL connections each process keeps open."
    )
    db_max_overflow: int = Field(
        default=10,
        ge=0,
        le=200,
        description="PostgreSQL connections a process may open beyond the pool under load.",
    )
    db_pool_recycle: int = Field(
        default=1800,
        ge=-1,
        le=86400,
        description="Seconds after which a PostgreSQL connection is replaced (-1: never).",
    )
    db_pool_timeout: float = Field(
        default=10.0,
        gt=0,
        le=300,
        description="Seconds to wait for a free pooled connection before answering 503.",
    )
    aws_endpoint_url: str | None = Field(
        default=None, description="Send every AWS call here (an emulator); else AWS_ENDPOINT_URL."
    )
    master_key: SecretStr | None = Field(
        default=None, description="Master key for secrets at rest (base64); else the key file."
    )
    master_key_file: Path | None = Field(
        default=None,
        description="Key file, created mode 0600 on first start; default data_dir/master.key.",
    )
    aws_home_region: str = Field(
        default="us-east-1", description="Region whose STS endpoint issues role sessions."
    )
    aws_session_seconds: int = Field(
        default=3600, ge=900, le=43200, description="Requested AssumeRole session length."
    )
    iam_propagation_seconds: float = Field(
        default=30.0, ge=0, le=300, description="How long AccessDenied on AssumeRole is retried."
    )
    scan_concurrency: int = Field(
        default=16, ge=1, le=256, description="Units of one scan collected at the same time."
    )
    aws_max_attempts: int = Field(
        default=4,
        ge=1,
        le=10,
        description="Attempts per AWS request (throttles, 5xx) before its unit gives up.",
    )
    scan_processes: int = Field(
        default=0,
        ge=0,
        le=64,
        description="Without a broker: 0 runs scans on threads of `tether serve`; N runs them "
        "in N child processes (one scan each at a time), so that scans use every core and "
        "leave the API's interpreter to the API.",
    )
    scan_nice: int = Field(
        default=10,
        ge=0,
        le=19,
        description="CPU priority (nice) of the processes that only scan: scan child processes "
        "and `tether worker`. Searches and the console then come first on a shared machine.",
    )
    broker_url: str | None = Field(
        default=None,
        description="Redis URL of the Celery broker (redis://host:6379/0): scans then run on "
        "`tether worker` processes and rate limits are shared through it; unset: in-process.",
    )
    broker_visibility_timeout: int = Field(
        default=600,
        ge=5,
        le=86400,
        description="Seconds before a task a worker took but never acknowledged (the worker "
        "died) is delivered again; longer than the longest chunk of a scan.",
    )
    scan_stall_seconds: int = Field(
        default=900,
        ge=5,
        le=86400,
        description="A queued or running scan with no unit finished for this long and no "
        "work queued or running for it (its tasks were lost) ends failed, and resumable.",
    )
    schedule_interval: float = Field(
        default=30.0, gt=0, le=3600, description="Seconds between scheduler ticks."
    )
    host: str = "127.0.0.1"
    port: int = Field(default=8080, ge=1, le=65535)
    forwarded_allow_ips: str | None = Field(
        default=None,
        description="Reverse proxies whose X-Forwarded-For and X-Forwarded-Proto are believed: "
        "comma-separated addresses or networks, or * (unset: none). Behind a TLS proxy this "
        "makes the session cookie Secure, sends HSTS and throttles logins per real client.",
    )
    token_ttl_seconds: int = Field(default=7199, ge=60, le=86400)
    max_request_bytes: int = Field(default=1_048_576, ge=1024)
    log_level: str = "INFO"
    demo: bool | Literal["auto"] = Field(
        default="auto",
        description="`tether serve` runs an emulated AWS organization: true, false, or auto "
        "(when no AWS endpoint and no host AWS credentials are configured).",
    )

    @field_validator("log_level")
    @classmethod
    def _known_level(cls, value: str) -> str:
        level = value.upper()
        if level not in {"DEBUG", "INFO", "WARNING", "ERROR"}:
            raise ValueError("must be one of DEBUG, INFO, WARNING, ERROR")
        return level

    @classmethod
    def settings_customise_sources(
        cls,
        settings_cls: type[BaseSettings],
        init_settings: PydanticBaseSettingsSource,
        env_settings: PydanticBaseSettingsSource,
        dotenv_settings: PydanticBaseSettingsSource,
        file_secret_settings: PydanticBaseSettingsSource,
    ) -> tuple[PydanticBaseSettingsSource, ...]:
        sources: list[PydanticBaseSettingsSource] = [init_settings, env_settings]
        config_file = os.environ.get(CONFIG_FILE_ENV)
        if config_file:
            if not Path(config_file).is_file():
                raise FileNotFoundError(f"{CONFIG_FILE_ENV} names a missing file: {config_file}")
            sources.append(TomlConfigSettingsSource(settings_cls, toml_file=config_file))
        return tuple(sources)

    @property
    def effective_database_url(self) -> str:
        if self.database_url:
            return self.database_url
        return f"sqlite:///{(self.data_dir / 'tether.db').resolve()}"

    @property
    def effective_aws_endpoint_url(self) -> str | None:
        return self.aws_endpoint_url or os.environ.get("AWS_ENDPOINT_URL") or None

    @property
    def effective_master_key_file(self) -> Path:
        return self.master_key_file or self.data_dir / "master.key"

    @property
    def base_url(self) -> str:
        return f"http://{self.host}:{self.port}"

    def masked(self) -> dict[str, Any]:
        """The effective settings with secrets masked, for ``tether config show``."""
        return {
            "config_file": os.environ.get(CONFIG_FILE_ENV),
            "data_dir": str(self.data_dir.resolve()),
            "database_url": mask_url_password(self.effective_database_url),
            "db_pool_size": self.db_pool_size,
            "db_max_overflow": self.db_max_overflow,
            "db_pool_recycle": self.db_pool_recycle,
            "db_pool_timeout": self.db_pool_timeout,
            "aws_endpoint_url": self.effective_aws_endpoint_url,
            "master_key": "********" if self.master_key else None,
            "master_key_file": str(self.effective_master_key_file.resolve()),
            "aws_home_region": self.aws_home_region,
            "aws_session_seconds": self.aws_session_seconds,
            "iam_propagation_seconds": self.iam_propagation_seconds,
            "host": self.host,
            "port": self.port,
            "forwarded_allow_ips": self.forwarded_allow_ips,
            "token_ttl_seconds": self.token_ttl_seconds,
            "max_request_bytes": self.max_request_bytes,
            "log_level": self.log_level,
            "demo": self.demo,
            "scan_processes": self.scan_processes,
            "scan_nice": self.scan_nice,
            "broker_url": mask_url_password(self.broker_url) if self.broker_url else None,
        }


def mask_url_password(url: str) -> str:
    parts = urlsplit(url)
    if parts.password is None:
        return url
    netloc = parts.netloc.replace(f":{parts.password}@", ":********@", 1)
    return urlunsplit(parts._replace(netloc=netloc))
