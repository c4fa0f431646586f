"""Debian's Chromium driven by Playwright (sync API) against a real ``tether serve``.

Fixtures, loaded by ``tests/web/conftest.py``: ``chromium`` (one headless browser for the
session), ``console_server`` (a bootstrapped ``tether serve`` whose AWS calls go through
the session's fault proxy to the emulator) and ``page`` (a fresh browser context on that
server, at a laptop's 1366x768). Helpers: ``login`` and ``shot`` (full-page screenshots
in the git-ignored ``tests/web/screenshots/``).

Playwright never downloads a browser here: the machine's network is closed, and
``scripts/install-test-services.sh`` installs Debian's ``chromium``.
"""

from __future__ import annotations

import os
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx2 as httpx
import pytest
from playwright.sync_api import Browser, ConsoleMessage, Page, expect, sync_playwright

from tests.support.app import RunningServer, bootstrapped_server
from tether.emulator import FaultProxy

CHROMIUM = Path("/usr/bin/chromium")
# Headless, and nothing that reaches out on its own: no GPU, QUIC, sync, component or
# background updates. No sandbox: the tests run as root, where Chromium refuses it.
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
VIEWPORT = {"width": 1366, "height": 768}
SCREENSHOTS = Path(__file__).parent / "screenshots"
# How long one expectation or action may wait for the page (a scan of the emulator ends in
# a few seconds; validation of a whole organization in a few more).
WAIT_MS = 20_000
# Set on a test's item when its call failed (by the hook in conftest.py).
CALL_FAILED = pytest.StashKey[bool]()


@pytest.fixture(scope="session")
def chromium() -> Iterator[Browser]:
    if not CHROMIUM.exists():
        pytest.fail(f"{CHROMIUM} is missing: run scripts/install-test-services.sh")
    with sync_playwright() as playwright:
        # launch() gives every run a fresh temporary profile (user-data dir), removed on close.
        browser = playwright.chromium.launch(
            executable_path=str(CHROMIUM), headless=True, args=CHROMIUM_ARGS
        )
        try:
            yield browser
        finally:
            browser.close()


@pytest.fixture(scope="module")
def console_server(
    tmp_path_factory: pytest.TempPathFactory, fault_proxy: FaultProxy
) -> Iterator[RunningServer]:
    """``tether serve`` on its own SQLite file, with AWS at the fault proxy (as the
    python-opsramp end-to-end tests run it). Shared by a module's tests: each test works
    in a client of its own."""
    root = tmp_path_factory.mktemp("console")
    env = {
        **{k: v for k, v in os.environ.items() if not k.startswith(("TETHER_", "AWS_"))},
        "TETHER_DATA_DIR": str(root / "data"),
        "TETHER_AWS_ENDPOINT_URL": fault_proxy.endpoint_url,
        # The emulator's roles exist before the test: no IAM propagation to wait out.
        "TETHER_IAM_PROPAGATION_SECONDS": "0.5",
    }
    with bootstrapped_server(env, root / "serve.log") as server:
        yield server


@pytest.fixture
def page(
    request: pytest.FixtureRequest, chromium: Browser, console_server: RunningServer
) -> Iterator[Page]:
    """A page in a fresh context (no cookies) on the console. Script errors and refusals
    by the Content-Security-Policy fail the test: the console must run clean. A failed
    test leaves a screenshot of where it stopped: ``FAILED-<test>.png``."""
    context = chromium.new_context(base_url=console_server.base_url, viewport=VIEWPORT)
    context.set_default_timeout(WAIT_MS)
    expect.set_options(timeout=WAIT_MS)
    opened = context.new_page()
    problems: list[str] = []
    opened.on("pageerror", lambda error: problems.append(f"script error: {error}"))
    opened.on("console", lambda message: _note_console(message, problems))
    try:
        yield opened
        if request.node.stash.get(CALL_FAILED, False):
            shot(opened, f"FAILED-{request.node.name}")
    finally:
        context.close()
    assert not problems, "the browser reported:\n" + "\n".join(problems)


def _note_console(message: ConsoleMessage, problems: list[str]) -> None:
    # A page answered with an error status (a refused install) logs "Failed to load
    # resource": that is the page working. Everything else logged as an error is not.
    if message.type == "error" and not message.text.startswith("Failed to load resource"):
        problems.append(f"console: {message.text} ({message.location.get('url', '')})")


def login(page: Page, user: str, password: str, shot_as: str | None = None) -> None:
    """Log in through the login form (with a screenshot of it, filled in, if ``shot_as``
    names one); ends on the page the console sends the user to."""
    page.goto("/login")
    expect(page.get_by_role("heading", name="Log in to Tether")).to_be_visible()
    page.get_by_label("Username").fill(user)
    page.get_by_label("Password").fill(password)
    if shot_as:
        shot(page, shot_as)
    page.get_by_role("button", name="Log in").click()
    expect(page).not_to_have_url(re.compile(r"/login(\?|$)"))


def shot(page: Page, name: str) -> Path:
    """A full-page screenshot ``tests/web/screenshots/<name>.png``, once the page's fonts,
    styles and pending requests have settled."""
    SCREENSHOTS.mkdir(exist_ok=True)
    path = SCREENSHOTS / f"{name}.png"
    page.wait_for_load_state("load")
    page.screenshot(path=str(path), full_page=True, animations="disabled")
    return path


def api_token(server: RunningServer) -> str:
    """An OAuth token of the bootstrap partner's API key, for set-up done over the API."""
    response = httpx.post(
        f"{server.base_url}/tenancy/auth/oauth/token",
        data={
            "grant_type": "client_credentials",
            "client_id": server.boot["api_key"],
            "client_secret": server.boot["api_secret"],
        },
        timeout=10,
    )
    assert response.status_code == 200, response.text
    return str(response.json()["access_token"])


def create_client(server: RunningServer, name: str) -> dict[str, Any]:
    """A new client of the bootstrap partner, made over the API (the console has no page
    for that)."""
    response = httpx.post(
        f"{server.base_url}/api/v2/tenants/{server.boot['partner_id']}/clients",
        json={
            "name": name,
            "address": "1 Cloud Way",
            "timeZone": "Europe/Dublin",
            "country": "IE",
        },
        headers={"Authorization": f"Bearer {api_token(server)}"},
        timeout=10,
    )
    assert response.status_code == 200, response.text
    created: dict[str, Any] = response.json()
    return created
