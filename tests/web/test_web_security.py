"""Web security of the console and API: CSRF on every form, HSTS only over TLS and only from a
trusted proxy's word, the headers through the deploy example's nginx."""

from __future__ import annotations

import shutil
import subprocess
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import httpx2 as httpx
import pytest
from fastapi import FastAPI
from fastapi.routing import APIRoute

from tests.support.app import Api, RunningServer, bootstrapped_server, free_port
from tests.test_deploy_examples import DEPLOY, _self_signed
from tests.web.test_console_auth import _csrf, _login
from tether.web.session import SESSION_COOKIE, csrf_checked_user

UNSAFE = {"POST", "PUT", "PATCH", "DELETE"}
# No session exists before a login, so there is no session token to bind a CSRF token to.
NO_SESSION_YET = {"/login"}
HSTS = "strict-transport-security"


def app_routes(app: FastAPI) -> Iterator[APIRoute]:
    """Every APIRoute of the app, including those of routers included lazily."""
    pending: list[Any] = list(app.routes)
    while pending:
        route = pending.pop(0)
        if isinstance(route, APIRoute):
            yield route
        elif hasattr(route, "original_router"):
            pending.extend(route.original_router.routes)


def _calls(dependant: Any) -> Iterator[Callable[..., Any]]:
    yield dependant.call
    for dependency in dependant.dependencies:
        yield from _calls(dependency)


def console_forms(app: FastAPI) -> list[tuple[str, str]]:
    """(method, path) of every console route that changes something."""
    return sorted(
        (method, route.path)
        for route in app_routes(app)
        if not route.path.startswith(("/api/", "/tenancy/"))
        for method in route.methods & UNSAFE
    )


def _placeholder(path: str) -> str:
    # Ids that exist nowhere: the CSRF check must refuse before anything is looked up.
    return path.format_map({name: f"x{name}" for name in _params(path)})


def _params(path: str) -> list[str]:
    return [part[1:-1] for part in path.split("/") if part.startswith("{")]


def test_every_console_form_checks_the_csrf_token(api: Api) -> None:
    app = api.client.app
    assert isinstance(app, FastAPI)
    forms = console_forms(app)
    # The generator sees the forms.
    assert ("POST", "/logout") in forms
    assert len(forms) >= 8
    for route in app_routes(app):
        if route.path in NO_SESSION_YET or not route.methods & UNSAFE:
            continue
        if route.path.startswith(("/api/", "/tenancy/")):
            continue
        assert csrf_checked_user in set(_calls(route.dependant)), route.path

    assert _login(api).status_code == 303
    token = _csrf(api.client.get("/setup/integrations").text)
    for method, path in forms:
        if path in NO_SESSION_YET:
            continue
        url = _placeholder(path)
        missing = api.client.request(method, url, follow_redirects=False)
        forged = api.client.request(
            method, url, data={"csrf_token": "0" * 64}, follow_redirects=False
        )
        assert (missing.status_code, forged.status_code) == (403, 403), (method, path)
        assert "CSRF" in missing.text
    # The session survived every refused form, and a form with the token passes the check.
    assert api.client.get("/setup/integrations", follow_redirects=False).status_code == 200
    accepted = api.client.post("/logout", data={"csrf_token": token}, follow_redirects=False)
    assert accepted.status_code == 303


def test_hsts_is_sent_over_https_only(api: Api) -> None:
    plain = api.client.get("/login")
    assert HSTS not in plain.headers
    secure = api.client.get("https://testserver/login")
    assert secure.headers[HSTS] == "max-age=63072000; includeSubDomains"
    api_answer = api.client.get("https://testserver/healthz")
    assert HSTS in api_answer.headers


@pytest.fixture
def trusted_proxy_server(tether_env: dict[str, str], tmp_path: Path) -> Iterator[RunningServer]:
    env = {
        **tether_env,
        "TETHER_DATA_DIR": str(tmp_path / "trusting-proxy"),
        "TETHER_DEMO": "false",
        "TETHER_FORWARDED_ALLOW_IPS": "127.0.0.1",
    }
    with bootstrapped_server(env, tmp_path / "serve-behind-proxy.log") as server:
        yield server


def _login_form(server: RunningServer) -> dict[str, str]:
    return {"username": server.boot["admin_user"], "password": server.boot["admin_password"]}


def test_forwarded_https_is_believed_from_a_trusted_proxy_only(
    trusted_proxy_server: RunningServer, running_server: RunningServer
) -> None:
    forwarded = {"X-Forwarded-Proto": "https", "X-Forwarded-For": "203.0.113.9"}
    trusted = httpx.get(f"{trusted_proxy_server.base_url}/login", headers=forwarded)
    assert trusted.headers[HSTS].startswith("max-age=")
    login = httpx.post(
        f"{trusted_proxy_server.base_url}/login",
        data=_login_form(trusted_proxy_server),
        headers=forwarded,
    )
    assert login.status_code == 303
    assert "secure" in login.headers["set-cookie"].lower()

    # The default trusts no proxy: the same headers from anyone change nothing.
    spoofed = httpx.get(f"{running_server.base_url}/login", headers=forwarded)
    assert HSTS not in spoofed.headers
    login = httpx.post(
        f"{running_server.base_url}/login", data=_login_form(running_server), headers=forwarded
    )
    assert login.status_code == 303
    assert "secure" not in login.headers["set-cookie"].lower()


def _nginx_config(tmp_path: Path, upstream_port: int, https_port: int, http_port: int) -> Path:
    _self_signed(tmp_path)
    (tmp_path / "flower.htpasswd").write_text("")
    text = (
        (DEPLOY / "nginx.conf")
        .read_text()
        .replace("api:8080", f"127.0.0.1:{upstream_port}")
        .replace("flower:5555", "127.0.0.1:9")
        .replace("/etc/nginx/tls", str(tmp_path))
        .replace("/etc/nginx/flower.htpasswd", str(tmp_path / "flower.htpasswd"))
        .replace("listen [::]:80;", "")
        .replace("listen [::]:443 ssl http2;", "")
        .replace("listen 80;", f"listen 127.0.0.1:{http_port};")
        .replace("listen 443 ssl http2;", f"listen 127.0.0.1:{https_port} ssl;")
        .replace("access_log /dev/stdout;", f"access_log {tmp_path}/access.log;")
    )
    config = tmp_path / "nginx.conf"
    config.write_text(f"pid {tmp_path}/nginx.pid;\n{text}")
    return config


@pytest.fixture
def nginx_in_front(trusted_proxy_server: RunningServer, tmp_path: Path) -> Iterator[str]:
    nginx = shutil.which("nginx")
    if nginx is None:
        pytest.skip("nginx is not installed (scripts/install-test-services.sh installs it)")
    https_port, http_port = free_port(), free_port()
    upstream = int(trusted_proxy_server.base_url.rsplit(":", 1)[1])
    config = _nginx_config(tmp_path, upstream, https_port, http_port)
    error_log = tmp_path / "error.log"
    process = subprocess.Popen(
        [nginx, "-c", str(config), "-e", str(error_log), "-g", "daemon off;"],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.STDOUT,
    )
    base_url = f"https://127.0.0.1:{https_port}"
    try:
        deadline = time.monotonic() + 20
        while True:
            assert process.poll() is None, error_log.read_text()
            try:
                httpx.get(f"{base_url}/healthz", verify=False, timeout=2)
                break
            except httpx.TransportError:
                assert time.monotonic() < deadline, error_log.read_text()
                time.sleep(0.1)
        yield base_url
    finally:
        process.terminate()
        process.wait(timeout=10)


def test_through_the_deploy_nginx_every_answer_has_one_hsts_and_the_policies(
    nginx_in_front: str, trusted_proxy_server: RunningServer
) -> None:
    with httpx.Client(base_url=nginx_in_front, verify=False) as client:
        page = client.get("/login")
        assert page.status_code == 200
        assert page.headers.get_list(HSTS) == ["max-age=63072000; includeSubDomains"]
        assert "frame-ancestors 'none'" in page.headers["content-security-policy"]
        assert page.headers["x-frame-options"] == "DENY"
        # nginx's own answer (the refused /metrics) carries HSTS too.
        refused = client.get("/metrics")
        assert refused.status_code == 403
        assert len(refused.headers.get_list(HSTS)) == 1
        login = client.post("/login", data=_login_form(trusted_proxy_server))
        assert login.status_code == 303
        cookie = login.headers["set-cookie"]
        assert cookie.startswith(f"{SESSION_COOKIE}=")
        assert cookie.lower().count("secure") == 1
