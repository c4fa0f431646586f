"""The ``tether`` command, run as a user runs it: a real process."""

from __future__ import annotations

import json
import re
from pathlib import Path

import httpx2 as httpx
import pytest

from tests.support.app import RunningServer, free_port, serving, tether_command
from tether.errors import AuthenticationFailed
from tether.services.auth import issue_client_token
from tether.store.db import Database
from tether.store.migrate import head_revision


def _bootstrap(env: dict[str, str], *extra: str) -> dict[str, str]:
    result = tether_command("bootstrap", "--json", *extra, env=env)
    assert result.returncode == 0, result.stderr
    parsed: dict[str, str] = json.loads(result.stdout)
    return parsed


def test_bootstrap_is_idempotent_and_rotates(tether_env: dict[str, str]) -> None:
    first = _bootstrap(tether_env)
    assert set(first) == {"partner_id", "api_key", "api_secret", "admin_user", "admin_password"}
    assert first["partner_id"].startswith("msp_")
    assert first["admin_user"] == "admin"

    again = _bootstrap(tether_env)
    assert again == {k: first[k] for k in ("partner_id", "api_key", "admin_user")}

    rotated = _bootstrap(tether_env, "--rotate")
    assert rotated["partner_id"] == first["partner_id"]
    assert rotated["api_key"] != first["api_key"]
    assert rotated["api_secret"] != first["api_secret"]
    assert rotated["admin_password"] != first["admin_password"]

    db = Database(f"sqlite:///{Path(tether_env['TETHER_DATA_DIR']) / 'tether.db'}")
    with pytest.raises(AuthenticationFailed):
        issue_client_token(db, "client_credentials", first["api_key"], first["api_secret"], 60)
    grant = issue_client_token(
        db, "client_credentials", rotated["api_key"], rotated["api_secret"], 60
    )
    assert grant.scope == "global:manage"
    db.dispose()


def test_secrets_are_not_stored_in_plaintext(tether_env: dict[str, str]) -> None:
    boot = _bootstrap(tether_env)
    raw = (Path(tether_env["TETHER_DATA_DIR"]) / "tether.db").read_bytes()
    assert boot["api_secret"].encode() not in raw
    assert boot["admin_password"].encode() not in raw
    assert boot["api_key"].encode() in raw  # the public half is stored as is


def test_config_show_masks_secrets(tether_env: dict[str, str]) -> None:
    env = {
        **tether_env,
        "TETHER_DATABASE_URL": "postgresql://tether:hunter2@127.0.0.1:5432/tether",
        "TETHER_MASTER_KEY": "bWFzdGVyLWtleS1mb3ItdGVzdHM=",
        "AWS_ENDPOINT_URL": "http://127.0.0.1:5000",
    }
    result = tether_command("config", "show", "--json", env=env)
    assert result.returncode == 0, result.stderr
    shown = json.loads(result.stdout)
    assert shown["database_url"] == "postgresql://tether:********@127.0.0.1:5432/tether"
    assert shown["master_key"] == "********"
    assert shown["aws_endpoint_url"] == "http://127.0.0.1:5000"
    assert "hunter2" not in result.stdout
    assert "bWFzdGVyLWtleS1mb3ItdGVzdHM=" not in result.stdout
    table = tether_command("config", "show", env=env)
    assert table.returncode == 0
    assert "hunter2" not in table.stdout
    assert "data_dir" in table.stdout


def test_db_upgrade_and_current(tether_env: dict[str, str]) -> None:
    upgraded = tether_command("db", "upgrade", env=tether_env)
    assert upgraded.returncode == 0, upgraded.stderr
    head = head_revision()
    assert f"database at revision {head} (sqlite)" in upgraded.stdout
    current = tether_command("db", "current", env=tether_env)
    assert current.stdout.strip() == f"database: {head}  code: {head}"


def test_bad_configuration_is_one_clear_line(tether_env: dict[str, str]) -> None:
    result = tether_command("db", "upgrade", env={**tether_env, "TETHER_PORT": "eighty"})
    assert result.returncode == 2
    assert "TETHER_PORT" in result.stderr
    assert "Traceback" not in result.stderr


def test_first_serve_migrates_bootstraps_and_prints_the_login(
    tether_env: dict[str, str], tmp_path: Path
) -> None:
    env = {**tether_env, "TETHER_PORT": str(free_port())}
    log = tmp_path / "serve.log"
    with serving(env, log) as base_url:
        text = log.read_text()
        assert f"Tether is starting at {base_url}/" in text
        password = re.search(r"admin login: +admin / (\S+)", text)
        secret = re.search(r"API secret: +(\S+)", text)
        assert password is not None
        assert secret is not None
        key = re.search(r"API key: +(\S+)", text)
        assert key is not None
        token = httpx.post(
            f"{base_url}/tenancy/auth/oauth/token",
            data={
                "grant_type": "client_credentials",
                "client_id": key.group(1),
                "client_secret": secret.group(1),
            },
        )
        assert token.status_code == 200
    assert (Path(env["TETHER_DATA_DIR"]) / "tether.db").is_file()


def test_later_serve_names_the_admin_without_a_password(running_server: RunningServer) -> None:
    log = running_server.log.read_text()
    assert f"Tether is starting at {running_server.base_url}/" in log
    # Bootstrap ran before serve, so serve names the admin but cannot show the password.
    assert "admin login:    admin / (set at first start" in log
    assert running_server.boot["api_secret"] not in log


def test_keys_rotate_replaces_the_key_file(tether_env: dict[str, str]) -> None:
    from tether.security.secretbox import read_key_file

    key_file = Path(tether_env["TETHER_DATA_DIR"]) / "master.key"
    first = tether_command("keys", "rotate", env=tether_env)
    assert first.returncode == 0, first.stderr
    old = read_key_file(key_file)
    second = tether_command("keys", "rotate", env=tether_env)
    assert second.returncode == 0, second.stderr
    assert "re-wrapped 0 secrets under master key" in second.stdout
    assert read_key_file(key_file) != old
    assert old.to_text() not in second.stdout + second.stderr
