"""Settings from environment, file and defaults; secrets masked when shown."""

from __future__ import annotations

from pathlib import Path

import pytest
from pydantic import ValidationError

from tether.config import Settings


@pytest.fixture(autouse=True)
def _clean_env(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in [
        "TETHER_CONFIG_FILE",
        "AWS_ENDPOINT_URL",
        "TETHER_DATA_DIR",
        "TETHER_PORT",
        "TETHER_DATABASE_URL",
        "TETHER_AWS_ENDPOINT_URL",
        "TETHER_MASTER_KEY",
    ]:
        monkeypatch.delenv(name, raising=False)


def test_defaults() -> None:
    settings = Settings()
    assert settings.data_dir == Path(".tether")
    assert settings.effective_database_url == f"sqlite:///{Path('.tether/tether.db').resolve()}"
    assert settings.effective_master_key_file == Path(".tether/master.key")
    assert (settings.host, settings.port) == ("127.0.0.1", 8080)
    assert settings.effective_aws_endpoint_url is None


def test_environment_beats_file_beats_default(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    config = tmp_path / "tether.toml"
    config.write_text('port = 9000\nhost = "127.0.0.2"\ndata_dir = "/srv/tether"\n')
    monkeypatch.setenv("TETHER_CONFIG_FILE", str(config))
    monkeypatch.setenv("TETHER_PORT", "9100")
    settings = Settings()
    assert settings.port == 9100
    assert settings.host == "127.0.0.2"
    assert settings.data_dir == Path("/srv/tether")


def test_aws_endpoint_precedence(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("AWS_ENDPOINT_URL", "http://127.0.0.1:5000")
    assert Settings().effective_aws_endpoint_url == "http://127.0.0.1:5000"
    monkeypatch.setenv("TETHER_AWS_ENDPOINT_URL", "http://127.0.0.1:6000")
    assert Settings().effective_aws_endpoint_url == "http://127.0.0.1:6000"


def test_bad_values_name_the_setting(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setenv("TETHER_PORT", "eighty")
    with pytest.raises(ValidationError, match="port"):
        Settings()
    monkeypatch.delenv("TETHER_PORT")
    monkeypatch.setenv("TETHER_CONFIG_FILE", str(tmp_path / "missing.toml"))
    with pytest.raises(FileNotFoundError, match=r"missing\.toml"):
        Settings()
    config = tmp_path / "typo.toml"
    config.write_text("prot = 1\n")
    monkeypatch.setenv("TETHER_CONFIG_FILE", str(config))
    with pytest.raises(ValidationError, match="prot"):
        Settings()


def test_masked_hides_secrets(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("TETHER_DATABASE_URL", "postgresql://tether:hunter2@db.internal/tether")
    monkeypatch.setenv("TETHER_MASTER_KEY", "c2VjcmV0LW1hc3Rlci1rZXk=")
    shown = Settings().masked()
    assert "hunter2" not in str(shown)
    assert "c2VjcmV0LW1hc3Rlci1rZXk=" not in str(shown)
    assert shown["database_url"] == "postgresql://tether:********@db.internal/tether"
    assert shown["master_key"] == "********"


def test_database_pool_settings(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in ("POOL_SIZE", "MAX_OVERFLOW", "POOL_RECYCLE", "POOL_TIMEOUT"):
        monkeypatch.delenv(f"TETHER_DB_{name}", raising=False)
    defaults = Settings()
    assert (defaults.db_pool_size, defaults.db_max_overflow) == (5, 10)
    assert (defaults.db_pool_recycle, defaults.db_pool_timeout) == (1800, 10.0)
    monkeypatch.setenv("TETHER_DB_POOL_SIZE", "20")
    shown = Settings().masked()
    assert shown["db_pool_size"] == 20
    assert shown["db_pool_timeout"] == 10.0
    monkeypatch.setenv("TETHER_DB_POOL_SIZE", "0")
    with pytest.raises(ValidationError, match="db_pool_size"):
        Settings()
