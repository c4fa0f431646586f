"""The demo: ``tether serve`` with no AWS configured runs an emulated AWS organization."""

from __future__ import annotations

import json
import os
import re
import shlex
import signal
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import boto3
import httpx2 as httpx
import pytest
from botocore.exceptions import ClientError

from tests.emulator.plugin import NO_RETRIES, error_of
from tests.support.app import TOKEN_PATH, free_port, serving
from tether.config import Settings
from tether.demo import decide, host_credential_source

BANNER_FIELD = re.compile(r"^  (?P<label>[A-Za-z ]+):\s+(?P<value>\S+)", re.MULTILINE)
MOTO_LOG_LINE = re.compile(r"moto at http://127\.0\.0\.1:(\d+)")


def _no_aws(env: dict[str, str], tmp_path: Path) -> dict[str, str]:
    """``env`` (already without AWS_* variables) with nothing for botocore to find: no
    shared files, no instance metadata lookup."""
    return {
        **env,
        "AWS_EC2_METADATA_DISABLED": "true",
        "AWS_SHARED_CREDENTIALS_FILE": str(tmp_path / "no-credentials"),
        "AWS_CONFIG_FILE": str(tmp_path / "no-config"),
        "TETHER_PORT": str(free_port()),
    }


@pytest.fixture
def bare_host(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    """This process's environment with no AWS or Tether settings at all."""
    for name in list(os.environ):
        if name.startswith(("AWS_", "TETHER_")):
            monkeypatch.delenv(name)
    for name, value in _no_aws({}, tmp_path).items():
        monkeypatch.setenv(name, value)


def _banner(text: str) -> dict[str, str]:
    return {m["label"]: m["value"] for m in BANNER_FIELD.finditer(text)}


def _moto_pids(port: int) -> list[int]:
    """Processes running moto's server on ``port``."""
    found = []
    for proc in Path("/proc").iterdir():
        if not proc.name.isdigit():
            continue
        try:
            argv = (proc / "cmdline").read_bytes().split(b"\0")
        except (FileNotFoundError, ProcessLookupError):
            continue  # ended while we looked
        if b"moto.server" in argv and str(port).encode() in argv:
            found.append(int(proc.name))
    return found


def _child_pids(pid: int) -> list[int]:
    children = Path(f"/proc/{pid}/task/{pid}/children").read_text().split()
    return [int(child) for child in children]


def _refuses_connections(port: int) -> bool:
    try:
        socket.create_connection(("127.0.0.1", port), timeout=2).close()
    except ConnectionRefusedError:
        return True
    return False


def _gone(pids: list[int], timeout: float = 10.0) -> bool:
    deadline = time.monotonic() + timeout
    while any(Path(f"/proc/{pid}").exists() for pid in pids):
        if time.monotonic() > deadline:
            return False
        time.sleep(0.1)
    return True


@contextmanager
def _tether_serve(env: dict[str, str], log: Path, *args: str) -> Iterator[subprocess.Popen[bytes]]:
    """``tether serve ARGS`` as a process, stopped if the test has not ended it."""
    with log.open("w") as out:
        process = subprocess.Popen(
            [str(Path(sys.executable).parent / "tether"), "serve", *args],
            env=env,
            stdout=out,
            stderr=subprocess.STDOUT,
        )
    try:
        yield process
    finally:
        if process.poll() is None:
            process.terminate()  # SIGTERM stops the emulator too; SIGKILL would orphan it
            try:
                process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()


def _wait_ready(process: subprocess.Popen[bytes], env: dict[str, str], log: Path) -> None:
    url = f"http://127.0.0.1:{env['TETHER_PORT']}/readyz"
    deadline = time.monotonic() + 60
    while True:
        assert process.poll() is None, f"tether serve exited: {log.read_text()}"
        try:
            if httpx.get(url, timeout=2).status_code == 200:
                return
        except httpx.TransportError:
            pass
        assert time.monotonic() < deadline, f"tether serve not ready: {log.read_text()}"
        time.sleep(0.2)


def _client(service: str, endpoint: str, keys: dict[str, str], region: str = "us-east-1") -> Any:
    return boto3.client(
        service,  # type: ignore[call-overload]
        endpoint_url=endpoint,
        region_name=region,
        aws_access_key_id=keys["AccessKeyId"],
        aws_secret_access_key=keys["SecretAccessKey"],
        aws_session_token=keys.get("SessionToken"),
        config=NO_RETRIES,
    )


def _check_the_organization(form: dict[str, str]) -> None:
    """The printed keys, role and External ID reach the organization the banner describes."""
    endpoint = form["endpoint"]
    keys = {"AccessKeyId": form["Access Key"], "SecretAccessKey": form["Security Key"]}
    sts = _client("sts", endpoint, keys)
    assert sts.get_caller_identity()["Account"] == form["Account Number"]
    role = {"RoleArn": form["AssumeRole ARN"], "RoleSessionName": "demo-test"}
    with pytest.raises(ClientError) as wrong:
        sts.assume_role(**role, ExternalId="not-the-external-id")
    assert error_of(wrong)[:2] == (403, "AccessDenied")
    assumed = sts.assume_role(**role, ExternalId=form["External ID"])["Credentials"]
    organizations = _client("organizations", endpoint, assumed)
    assert len(organizations.list_accounts()["Accounts"]) == 6
    root = organizations.list_roots()["Roots"][0]["Id"]
    ous = organizations.list_organizational_units_for_parent(ParentId=root)
    assert {ou["Name"] for ou in ous["OrganizationalUnits"]} == {"Production", "Development"}
    assert form["Regions"] == "us-east-1,eu-west-1,ap-southeast-2"
    for region in form["Regions"].split(","):
        ec2 = _client("ec2", endpoint, assumed, region)
        assert ec2.describe_instances()["Reservations"], region


def _scan_the_organization_twice(base_url: str, text: str, tenant: str, integration: str) -> None:
    """A scan of the management account finds the demo's resources of every type; a new
    queue in AWS shows in the rescan's history."""
    form = _banner(text)
    headers = {"Authorization": f"Bearer {_token(base_url, form)}"}
    api = f"{base_url}/api/v1/tenants/{tenant}"
    first = _scan(api, integration, headers)
    assert first["status"] == "ok", [u for u in first["units"] if u["status"] != "ok"]
    found = httpx.get(
        f"{base_url}/api/v2/tenants/{tenant}/resources/search",
        params={"queryString": f"installedAppId:{integration}", "pageSize": 1000},
        headers=headers,
    ).json()
    assert found["totalResults"] == first["resourcesFound"] > 0
    assert len({row["resourceType"] for row in found["results"]}) >= 40

    keys = {"AccessKeyId": form["Access Key"], "SecretAccessKey": form["Security Key"]}
    sts = _client("sts", form["endpoint"], keys)
    assumed = sts.assume_role(
        RoleArn=form["AssumeRole ARN"], RoleSessionName="demo-test", ExternalId=form["External ID"]
    )["Credentials"]
    _client("sqs", form["endpoint"], assumed).create_queue(QueueName="demo-new-orders")
    second = _scan(api, integration, headers)
    assert second["status"] == "ok"
    changes = httpx.get(f"{api}/scans/{second['id']}/changes", headers=headers).json()
    assert [(c["kind"], c["name"]) for c in changes["results"]] == [("created", "demo-new-orders")]
    detail = httpx.get(f"{api}/resources/{changes['results'][0]['resourceId']}", headers=headers)
    assert [h["kind"] for h in detail.json()["history"]] == ["created"]


def _scan(api: str, integration_id: str, headers: dict[str, str]) -> dict[str, Any]:
    started = httpx.post(f"{api}/integrations/{integration_id}/scans", headers=headers).json()
    deadline = time.monotonic() + 120
    while True:
        scan: dict[str, Any] = httpx.get(f"{api}/scans/{started['id']}", headers=headers).json()
        if scan["status"] not in ("queued", "running"):
            return scan
        assert time.monotonic() < deadline, scan
        time.sleep(0.5)


def _token(base_url: str, form: dict[str, str]) -> str:
    answer = httpx.post(
        f"{base_url}{TOKEN_PATH}",
        data={
            "grant_type": "client_credentials",
            "client_id": form["API key"],
            "client_secret": form["API secret"],
        },
    )
    token: str = answer.json()["access_token"]
    return token


def _install_as_printed(base_url: str, text: str) -> tuple[dict[str, Any], str]:
    """The banner's API hint, sent for a new client of the bootstrap partner; returns the
    integration and the client's id."""
    form = _banner(text)
    headers = {"Authorization": f"Bearer {_token(base_url, form)}"}
    client = httpx.post(
        f"{base_url}/api/v2/tenants/{form['partner tenant']}/clients",
        json={"name": "Demo", "address": "1 Main St", "timeZone": "UTC", "country": "UK"},
        headers=headers,
    ).json()
    curl = shlex.split(next(line for line in text.splitlines() if line.startswith("  curl ")))
    body = json.loads(curl[curl.index("-d") + 1])
    url = curl[-1].replace("$CLIENT", client["uniqueId"])
    response = httpx.post(url, json=body, headers=headers, timeout=60)
    assert response.status_code == 200, response.text
    installed: dict[str, Any] = response.json()
    return installed, client["uniqueId"]


def test_serve_runs_the_demo_when_no_aws_is_configured(
    tether_env: dict[str, str], tmp_path: Path
) -> None:
    env = _no_aws(tether_env, tmp_path)
    log = tmp_path / "serve.log"
    with serving(env, log) as base_url:
        text = log.read_text()
        assert "AWS demo: no AWS endpoint and no AWS credentials are configured" in text
        moto_port = int(MOTO_LOG_LINE.findall(text)[0])
        moto_pids = _moto_pids(moto_port)
        assert moto_pids, "the emulator does not run"
        assert re.search(r"^  AWSType:\s+IAM with AssumeRole$", text, re.MULTILINE)
        _check_the_organization(_banner(text))

        installed, tenant = _install_as_printed(base_url, text)
        # The secret shows in the form and the curl line of the banner, and nowhere else.
        assert log.read_text().count(_banner(text)["Security Key"]) == 2
        assert installed["status"] == "enabled"
        linked = {child["displayName"]: child["status"] for child in installed["linkedAccounts"]}
        members = ("shop-prod", "payments-prod", "shop-dev", "sandbox")
        assert linked == {
            **{f"Demo organization / {name}": "enabled" for name in members},
            "Demo organization / legacy-no-role": "failed",
        }
        _scan_the_organization_twice(base_url, text, tenant, installed["id"])
    assert _gone(moto_pids), "moto outlived tether serve"
    assert _refuses_connections(moto_port)


@pytest.mark.parametrize("signum", [signal.SIGINT, signal.SIGTERM], ids=["SIGINT", "SIGTERM"])
def test_a_signal_while_the_demo_starts_stops_the_emulator(
    tether_env: dict[str, str], tmp_path: Path, signum: signal.Signals
) -> None:
    if signal.getsignal(signum) is signal.SIG_IGN:
        pytest.skip(f"{signum.name} is ignored here, and so in the server started from here")
    env = _no_aws(tether_env, tmp_path)
    with _tether_serve(env, tmp_path / "serve.log") as process:
        deadline = time.monotonic() + 30
        while not (children := _child_pids(process.pid)):
            assert process.poll() is None
            assert time.monotonic() < deadline
            time.sleep(0.05)
        process.send_signal(signum)  # moto has started but is not yet answering
        process.wait(timeout=30)
    assert process.returncode != 0
    assert _gone(children)


@pytest.mark.parametrize(
    ("extra_env", "args", "reason"),
    [
        ({"TETHER_DEMO": "true"}, ("--no-demo",), "TETHER_DEMO=false or --no-demo"),
        (
            {"AWS_ENDPOINT_URL": "http://127.0.0.1:9"},
            (),
            "an AWS endpoint is configured (http://127.0.0.1:9)",
        ),
    ],
    ids=["flag", "endpoint"],
)
def test_serve_skips_the_demo(
    tether_env: dict[str, str],
    tmp_path: Path,
    extra_env: dict[str, str],
    args: tuple[str, ...],
    reason: str,
) -> None:
    env = {**_no_aws(tether_env, tmp_path), **extra_env}
    log = tmp_path / "serve.log"
    with _tether_serve(env, log, *args) as process:
        _wait_ready(process, env, log)
        children = _child_pids(process.pid)
        process.terminate()
        process.wait(timeout=15)
    text = log.read_text()
    assert f"AWS demo off: {reason}" in text
    assert "Security Key" not in text
    assert children == []


# -- deciding ------------------------------------------------------------------------------


def test_nothing_configured_means_demo(bare_host: None) -> None:
    assert host_credential_source() is None
    assert decide(Settings()).run


@pytest.mark.parametrize(("value", "run"), [("true", True), ("1", True), ("false", False)])
def test_the_setting_overrides_detection(
    bare_host: None, monkeypatch: pytest.MonkeyPatch, value: str, run: bool
) -> None:
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "AKIAIOSFODNN7EXAMPLE")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY")
    monkeypatch.setenv("TETHER_DEMO", value)
    assert decide(Settings()).run is run


def test_environment_credentials_mean_real_aws(
    bare_host: None, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "AKIAIOSFODNN7EXAMPLE")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY")
    decision = decide(Settings())
    assert not decision.run
    assert decision.reason == "botocore finds AWS credentials on this host (env)"


def test_a_shared_credentials_file_means_real_aws(bare_host: None, tmp_path: Path) -> None:
    Path(os.environ["AWS_SHARED_CREDENTIALS_FILE"]).write_text(
        "[default]\naws_access_key_id = AKIAIOSFODNN7EXAMPLE\n"
        "aws_secret_access_key = wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY\n"
    )
    assert host_credential_source() == "shared-credentials-file"
    assert not decide(Settings()).run


def test_a_profile_that_does_not_load_means_real_aws(
    bare_host: None, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("AWS_PROFILE", "missing")
    decision = decide(Settings())
    assert not decision.run
    assert "does not load" in decision.reason
    assert "missing" in decision.reason


class _Metadata(BaseHTTPRequestHandler):
    """Instance metadata that hands out a role's credentials (IMDSv2)."""

    def do_PUT(self) -> None:
        self._answer("token")

    def do_GET(self) -> None:
        base = "/latest/meta-data/iam/security-credentials/"
        if self.path == base:
            self._answer("demo-instance-role")
            return
        self._answer(
            json.dumps(
                {
                    "AccessKeyId": "ASIAIOSFODNN7EXAMPLE",
                    "SecretAccessKey": "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY",
                    "Token": "token",
                    "Expiration": "2099-01-01T00:00:00Z",
                }
            )
        )

    def _answer(self, body: str) -> None:
        self.send_response(200)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body.encode())

    def log_message(self, format: str, *args: object) -> None:
        pass  # keep the test output clean


@contextmanager
def _metadata_service(monkeypatch: pytest.MonkeyPatch, answering: bool) -> Iterator[None]:
    """Point botocore at a local metadata service; a silent one accepts connections and
    never answers."""
    monkeypatch.delenv("AWS_EC2_METADATA_DISABLED")
    if answering:
        server = ThreadingHTTPServer(("127.0.0.1", 0), _Metadata)
        thread = threading.Thread(target=server.serve_forever, daemon=True)
        thread.start()
        port = server.server_address[1]
        monkeypatch.setenv("AWS_EC2_METADATA_SERVICE_ENDPOINT", f"http://127.0.0.1:{port}/")
        try:
            yield
        finally:
            server.shutdown()
            server.server_close()
        return
    with socket.create_server(("127.0.0.1", 0)) as silent:
        port = silent.getsockname()[1]
        monkeypatch.setenv("AWS_EC2_METADATA_SERVICE_ENDPOINT", f"http://127.0.0.1:{port}/")
        yield


def test_an_instance_role_means_real_aws(bare_host: None, monkeypatch: pytest.MonkeyPatch) -> None:
    with _metadata_service(monkeypatch, answering=True):
        assert host_credential_source() == "iam-role"


def test_a_silent_metadata_service_costs_about_a_second(
    bare_host: None, monkeypatch: pytest.MonkeyPatch
) -> None:
    with _metadata_service(monkeypatch, answering=False):
        started = time.monotonic()
        assert host_credential_source() is None
        took = time.monotonic() - started
    # Two requests (token, then role) of 0.5 s each; botocore's defaults take 2 s.
    assert took < 1.8
