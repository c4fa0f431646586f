"""The deployment guide and deploy/ examples name only commands, options and settings that exist."""

from __future__ import annotations

import datetime
import os
import re
import shlex
import shutil
import subprocess
import tomllib
from collections.abc import Iterator
from importlib.util import find_spec
from pathlib import Path
from typing import Any

import pytest
import typer.main
import yaml
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID
from typer.testing import CliRunner

from tether.cli.main import app
from tether.config import CONFIG_FILE_ENV, Settings

ROOT = Path(__file__).resolve().parents[1]
DEPLOY = ROOT / "deploy"
GUIDE = ROOT / "docs" / "deploy.md"
UNITS = sorted((DEPLOY / "systemd").glob("*.service"))
ENV_EXAMPLE = DEPLOY / "tether.env.example"
COMPOSE = DEPLOY / "docker-compose.yml"


def compose() -> dict[str, Any]:
    loaded: dict[str, Any] = yaml.safe_load(COMPOSE.read_text())
    return loaded


def unit(path: Path) -> dict[str, list[str]]:
    """A unit file's settings, every value of each key (continuation lines joined)."""
    text = re.sub(r"\\\n\s*", " ", path.read_text())
    settings: dict[str, list[str]] = {}
    for line in text.splitlines():
        line = line.strip()
        if line and not line.startswith(("#", ";", "[")):
            key, _, value = line.partition("=")
            settings.setdefault(key.strip(), []).append(value.strip())
    return settings


def tether_args(argv: list[str]) -> list[str] | None:
    """The arguments of a ``tether`` command line, else None."""
    while argv and re.fullmatch(r"[A-Z_][A-Z0-9_]*=.*", argv[0]):  # VAR=value prefixes
        argv = argv[1:]
    if argv[:3] == ["docker", "compose", "run"]:
        argv = argv[argv.index("tether") :] if "tether" in argv else []
    if argv and Path(argv[0]).name == "tether":
        return argv[1:]
    return None


def compose_commands() -> Iterator[tuple[str, list[str]]]:
    for name, service in compose()["services"].items():
        command = service.get("command")
        if command is not None:
            argv = command if isinstance(command, list) else shlex.split(command)
            args = tether_args([str(a) for a in argv])
            if args is not None:
                yield f"compose {name}", args


def unit_commands() -> Iterator[tuple[str, list[str]]]:
    for path in UNITS:
        for key, values in unit(path).items():
            if key.startswith("Exec"):
                for value in values:
                    args = tether_args(shlex.split(value.lstrip("-@:+!")))
                    if args is not None:
                        yield path.name, args


def guide_commands() -> Iterator[tuple[str, list[str]]]:
    """Command lines in the guide's shell blocks, and inline `tether ...` spans in its prose."""
    text = GUIDE.read_text()
    for block in re.findall(r"```sh\n(.*?)```", text, flags=re.DOTALL):
        for line in re.sub(r"\\\n", " ", block).splitlines():
            lexer = shlex.shlex(line, posix=True, punctuation_chars=True)
            lexer.whitespace_split = True
            command: list[str] = []
            for token in [*lexer, ";"]:
                if token in {"&&", "||", ";", "|", "(", ")", "$"}:
                    args = tether_args(command)
                    if args is not None:
                        yield "docs/deploy.md", args
                    command = []
                else:
                    command.append(token)
    for span in re.findall(r"`(tether [^`]+)`", text):
        yield "docs/deploy.md inline", shlex.split(span)[1:]


def resolve(args: list[str]) -> tuple[list[str], Any, list[str]]:
    """The sub-command path the arguments name, its command, and the arguments left.
    (Typer ships its own click: a group is a command with sub-``commands``.)"""
    command: Any = typer.main.get_command(app)
    path: list[str] = []
    while hasattr(command, "commands") and args and args[0] in command.commands:
        command = command.commands[args[0]]
        path.append(args[0])
        args = args[1:]
    return path, command, args


ALL_COMMANDS = sorted(
    {
        (where, tuple(args))
        for where, args in (*compose_commands(), *unit_commands(), *guide_commands())
    }
)


@pytest.mark.parametrize(
    ("where", "args"), ALL_COMMANDS, ids=[f"{w}: tether {' '.join(a)}" for w, a in ALL_COMMANDS]
)
def test_every_tether_command_is_a_real_one(where: str, args: tuple[str, ...]) -> None:
    path, command, rest = resolve(list(args))
    assert path, f"{where}: `tether {' '.join(args)}` names no command"
    assert not hasattr(command, "commands"), f"{where}: `tether {' '.join(path)}` is a group"
    shown = CliRunner().invoke(app, [*path, "--help"])
    assert shown.exit_code == 0, shown.output
    if not where.endswith("inline"):  # prose may name a command without its arguments
        # The options and arguments parse: every option named exists and takes such a value.
        command.make_context(f"tether {' '.join(path)}", list(rest))


def test_the_worker_and_resume_commands_the_guide_relies_on_exist() -> None:
    used = {tuple(args[:2]) for _, args in ALL_COMMANDS}
    assert ("worker",) in {u[:1] for u in used}
    assert ("scan", "resume") in used
    path, _, _ = resolve(["worker"])
    assert path == ["worker"], "`tether worker` does not exist yet"
    scan_help = CliRunner().invoke(app, ["scan", "--help"]).output
    assert "resume" in scan_help, "`tether scan resume SCAN_ID` is not supported yet"


def named_variables() -> Iterator[tuple[str, str]]:
    for path in (GUIDE, ENV_EXAMPLE, COMPOSE, *UNITS):
        for name in sorted(set(re.findall(r"\bTETHER_[A-Z0-9_]*[A-Z0-9]", path.read_text()))):
            yield path.name, name


@pytest.mark.parametrize(("where", "name"), list(named_variables()))
def test_every_setting_named_is_a_real_one(where: str, name: str) -> None:
    if name == CONFIG_FILE_ENV:
        return
    assert name.removeprefix("TETHER_").lower() in Settings.model_fields, f"{where}: {name}"


def test_the_environment_example_is_valid_settings(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in list(os.environ):
        if name.startswith("TETHER_"):
            monkeypatch.delenv(name)
    assigned = 0
    for line in ENV_EXAMPLE.read_text().splitlines():
        if line and not line.startswith("#"):
            name, _, value = line.partition("=")
            monkeypatch.setenv(name, value)
            assigned += 1
    settings = Settings()
    assert assigned >= 10
    assert settings.demo is False
    assert settings.broker_url is not None
    assert settings.database_url is not None
    assert settings.database_url.startswith("postgresql://")
    assert settings.master_key is None  # systemd reads the key file; compose sets it


def test_compose_runs_the_production_layout() -> None:
    services = compose()["services"]
    assert services["postgres"]["image"] == "postgres:16"
    assert services["redis"]["image"] == "redis:7"
    redis_command = services["redis"]["command"]
    assert redis_command[redis_command.index("--appendonly") + 1] == "yes"
    assert services["migrate"]["command"] == ["tether", "db", "upgrade"]
    assert services["migrate"]["restart"] == "no"
    for name in ("api", "worker"):
        assert services[name]["depends_on"]["migrate"] == {
            "condition": "service_completed_successfully"
        }
        assert services[name]["environment"]["TETHER_DEMO"] == "false"
        assert services[name]["environment"]["TETHER_BROKER_URL"].startswith("redis://")
    assert services["worker"]["deploy"]["replicas"] == 2
    assert services["flower"]["command"][:4] == [
        "celery",
        "--app",
        "tether.jobs.celery_app",
        "flower",
    ]
    assert find_spec(services["flower"]["command"][2]) is not None
    assert "env_file" not in services["flower"], "Flower needs no secret"
    # Only the proxy is reachable from outside; the data stores have no way out.
    published = {name for name, service in services.items() if "ports" in service}
    assert published == {"nginx"}
    assert compose()["networks"]["data"] == {"internal": True}
    assert services["postgres"]["networks"] == ["data"]
    assert services["redis"]["networks"] == ["data"]
    for volume in services["nginx"]["volumes"]:
        source = volume.split(":")[0]
        if source.endswith(".conf"):
            assert (DEPLOY / source).is_file()


def test_the_image_installs_from_the_lock_file() -> None:
    dockerfile = (DEPLOY / "Dockerfile").read_text()
    assert re.findall(r"^FROM (\S+)", dockerfile, flags=re.MULTILINE) == ["python:3.11-slim"] * 2
    assert "uv sync --frozen --no-dev --extra flower" in dockerfile
    extras = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"][
        "optional-dependencies"
    ]
    assert "flower" in extras
    for copied in re.findall(r"^COPY (?!--from)(.+) \S+$", dockerfile, flags=re.MULTILINE):
        for source in copied.split():
            assert (ROOT / source).exists(), source
    assert re.search(r"^USER tether$", dockerfile, flags=re.MULTILINE)


@pytest.mark.parametrize("path", UNITS, ids=[p.name for p in UNITS])
def test_units_are_hardened(path: Path) -> None:
    settings = unit(path)
    assert settings["User"] == ["tether"]
    assert settings["NoNewPrivileges"] == ["yes"]
    assert settings["ProtectSystem"] == ["strict"]
    assert settings["ReadWritePaths"] == ["/var/lib/tether"]
    assert settings["CapabilityBoundingSet"] == [""]
    assert settings["EnvironmentFile"] == ["/etc/tether/tether.env"]


def test_the_worker_unit_is_a_template() -> None:
    assert (DEPLOY / "systemd" / "tether-worker@.service").is_file()
    assert "tether-worker@{1..4}" in GUIDE.read_text()


def _self_signed(directory: Path) -> None:
    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "tether.example.com")])
    now = datetime.datetime.now(datetime.UTC)
    cert = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now)
        .not_valid_after(now + datetime.timedelta(days=1))
        .sign(key, hashes.SHA256())
    )
    (directory / "fullchain.pem").write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    (directory / "privkey.pem").write_bytes(
        key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
    )


def test_nginx_config(tmp_path: Path) -> None:
    text = (DEPLOY / "nginx.conf").read_text()
    assert 'Strict-Transport-Security "max-age=' in text
    assert re.search(r"location = /metrics \{\s*return 403;", text)
    assert "auth_basic_user_file" in text
    assert "proxy_cookie_flags ~ secure" in text
    nginx = shutil.which("nginx")
    if nginx is None:
        pytest.skip("nginx is not installed: syntax not checked (the text checks above ran)")
    # The compose service names do not resolve here; certificates are throwaway.
    _self_signed(tmp_path)
    (tmp_path / "flower.htpasswd").write_text("")
    local = (
        text.replace("api:8080", "127.0.0.1:8080")
        .replace("flower:5555", "127.0.0.1:5555")
        .replace("/etc/nginx/tls", str(tmp_path))
        .replace("/etc/nginx/flower.htpasswd", str(tmp_path / "flower.htpasswd"))
    )
    config = tmp_path / "nginx.conf"
    config.write_text(f"pid {tmp_path}/nginx.pid;\n{local}")
    checked = subprocess.run(
        [nginx, "-t", "-c", str(config), "-e", str(tmp_path / "error.log")],
        capture_output=True,
        text=True,
        check=False,
    )
    assert checked.returncode == 0, checked.stderr
