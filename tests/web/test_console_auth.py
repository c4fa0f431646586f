"""The console's login, session and logout at the HTTP level, and what every console page
answers with: redirects, cookies, CSRF, the Content-Security-Policy, error pages."""

from __future__ import annotations

import html
import re
from html.parser import HTMLParser
from urllib.parse import parse_qs, urljoin, urlsplit

import httpx2 as httpx
import pytest

from tests.support.app import Api
from tether.services.logins import LoginThrottle
from tether.web import routes
from tether.web.session import SESSION_COOKIE

HOME = "/setup/integrations"


@pytest.fixture(autouse=True)
def fresh_throttle(monkeypatch: pytest.MonkeyPatch) -> LoginThrottle:
    """The login throttle lives in the app's module for the process: each test gets its own."""
    throttle = LoginThrottle()
    monkeypatch.setattr(routes, "throttle", throttle)
    return throttle


def _login(api: Api, password: str | None = None, **form: str) -> httpx.Response:
    return api.client.post(
        "/login",
        data={
            "username": api.boot.admin_user,
            "password": password if password is not None else _password(api),
            **form,
        },
        follow_redirects=False,
    )


def _password(api: Api) -> str:
    assert api.boot.admin_password is not None
    return api.boot.admin_password


def _csrf(page: str) -> str:
    found = re.search(r'<meta name="csrf-token" content="([0-9a-f]+)">', page)
    assert found, "the page carries the session's CSRF token"
    return found.group(1)


class _Scripts(HTMLParser):
    """The <script> elements of a page (their src, and any inline text), and any inline
    style attribute: the Content-Security-Policy refuses both kinds of inline content."""

    def __init__(self) -> None:
        super().__init__()
        self.sources: list[str | None] = []
        self.inline: list[str] = []
        self.styled: list[str] = []
        self._in_script = False

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        named = dict(attrs)
        if "style" in named:
            self.styled.append(tag)
        if tag == "script":
            self.sources.append(named.get("src"))
            self._in_script = True

    def handle_endtag(self, tag: str) -> None:
        if tag == "script":
            self._in_script = False

    def handle_data(self, data: str) -> None:
        if self._in_script and data.strip():
            self.inline.append(data.strip())


def test_the_login_page_renders(api: Api) -> None:
    response = api.client.get("/login")
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/html")
    text = response.text
    assert "<h1>Log in to Tether</h1>" in text
    assert '<label for="username">Username</label>' in text
    assert '<label for="password">Password</label>' in text
    assert 'type="password"' in text
    assert '<form method="post" action="/login"' in text
    assert 'name="csrf-token"' not in text  # no session, no token


def test_a_wrong_password_is_refused_with_the_message(api: Api) -> None:
    response = _login(api, "not the password")
    assert response.status_code == 401
    assert "Wrong username or password." in response.text
    assert f'value="{api.boot.admin_user}"' in response.text  # the username stays typed
    assert SESSION_COOKIE not in response.headers.get("set-cookie", "")
    unknown = api.client.post("/login", data={"username": "nobody", "password": "x"})
    assert unknown.status_code == 401
    assert "Wrong username or password." in unknown.text  # no hint which one was wrong


def test_the_sixth_failure_within_five_minutes_is_throttled(api: Api) -> None:
    for _ in range(5):
        assert _login(api, "guess").status_code == 401
    throttled = _login(api, "guess")
    assert throttled.status_code == 429
    assert "too many failed logins: try again in" in throttled.text
    # Even the right password waits: the throttle is checked before the password is.
    assert _login(api).status_code == 429
    # Another username from the same address is counted on its own.
    other = api.client.post("/login", data={"username": "someone", "password": "x"})
    assert other.status_code == 401


def test_a_success_clears_the_failures(api: Api) -> None:
    for _ in range(4):
        assert _login(api, "guess").status_code == 401
    assert _login(api).status_code == 303
    for _ in range(5):
        assert _login(api, "guess").status_code == 401


def test_login_sets_an_http_only_session_cookie_and_home_is_the_integrations(api: Api) -> None:
    response = _login(api)
    assert response.status_code == 303
    assert response.headers["location"] == "/"
    cookie = response.headers["set-cookie"]
    assert cookie.startswith(f"{SESSION_COOKIE}=")
    assert "HttpOnly" in cookie
    assert "samesite=lax" in cookie.lower()
    assert "Path=/" in cookie
    home = api.client.get("/", follow_redirects=False)
    assert home.status_code == 303
    assert home.headers["location"] == HOME
    page = api.client.get(HOME)
    assert page.status_code == 200
    assert page.headers["content-type"].startswith("text/html")
    assert _csrf(page.text)


def test_a_page_without_a_session_redirects_to_the_login_and_back(api: Api) -> None:
    wanted = f"{HOME}?client={api.partner_id}"
    response = api.client.get(wanted, follow_redirects=False)
    assert response.status_code == 303
    location = urlsplit(response.headers["location"])
    assert location.path == "/login"
    assert parse_qs(location.query)["next"] == [wanted]

    form = api.client.get(response.headers["location"])
    assert f'name="next" value="{wanted}"'.replace("&", "&amp;") in form.text
    back = _login(api, next=wanted)
    assert back.status_code == 303
    assert back.headers["location"] == wanted


def _stays_on_this_site(url: str) -> bool:
    """Whether a browser following ``url`` from this site stays on it: browsers drop tabs
    and newlines from a URL and read a backslash as a slash."""
    cleaned = re.sub(r"[\t\n\r]", "", url).replace("\\", "/")
    resolved = urlsplit(urljoin("http://testserver/login", cleaned))
    return resolved.scheme == "http" and resolved.netloc == "testserver"


ELSEWHERE = [
    "https://evil.example/",
    "//evil.example/",
    "/\\evil.example/",
    "/\t/evil.example/",
    "javascript:alert(1)",
    "evil.example",
]


@pytest.mark.parametrize("elsewhere", ELSEWHERE)
def test_next_redirects_only_to_a_local_path(api: Api, elsewhere: str) -> None:
    response = _login(api, next=elsewhere)
    assert response.status_code == 303
    assert _stays_on_this_site(response.headers["location"])


@pytest.mark.parametrize("elsewhere", ELSEWHERE)
def test_the_login_form_carries_only_a_local_next(api: Api, elsewhere: str) -> None:
    form = api.client.get("/login", params={"next": elsewhere})
    carried = re.search(r'name="next" value="([^"]*)"', form.text)
    assert carried
    assert _stays_on_this_site(html.unescape(carried.group(1)))


def test_logout_needs_the_csrf_token_and_ends_the_session(api: Api) -> None:
    assert _login(api).status_code == 303
    token = api.client.cookies[SESSION_COOKIE]
    csrf = _csrf(api.client.get(HOME).text)

    forged = api.client.post("/logout", follow_redirects=False)
    assert forged.status_code == 403
    wrong = api.client.post("/logout", data={"csrf_token": "0" * 64}, follow_redirects=False)
    assert wrong.status_code == 403
    assert api.client.get(HOME, follow_redirects=False).status_code == 200  # still logged in

    response = api.client.post("/logout", data={"csrf_token": csrf}, follow_redirects=False)
    assert response.status_code == 303
    assert response.headers["location"] == "/login"
    assert f'{SESSION_COOKIE}=""' in response.headers["set-cookie"]

    # The old cookie is revoked on the server, not only dropped by the browser.
    api.client.cookies.set(SESSION_COOKIE, token)
    again = api.client.get(HOME, follow_redirects=False)
    assert again.status_code == 303
    assert again.headers["location"].startswith("/login?next=")


def test_console_pages_carry_the_content_security_policy(api: Api) -> None:
    login_page = api.client.get("/login")
    policy = login_page.headers["content-security-policy"]
    assert "default-src 'self'" in policy
    assert "script-src 'self'" in policy
    assert "style-src 'self'" in policy
    assert "frame-ancestors 'none'" in policy
    assert "unsafe-inline" not in policy
    assert _login(api).status_code == 303
    page = api.client.get(HOME)
    assert page.headers["content-security-policy"] == policy
    assert page.headers["x-frame-options"] == "DENY"


def test_the_login_page_has_no_inline_script_or_style(api: Api) -> None:
    parsed = _Scripts()
    parsed.feed(api.client.get("/login").text)
    assert parsed.sources, "the console's script is loaded"
    assert all(src is not None and src.startswith("/assets/") for src in parsed.sources)
    assert parsed.inline == []
    assert parsed.styled == []


def test_api_errors_stay_json_while_a_console_404_is_a_page(api: Api) -> None:
    unauthenticated = api.client.get(f"/api/v2/tenants/{api.partner_id}/clients/search")
    assert unauthenticated.status_code == 401
    assert unauthenticated.headers["content-type"].startswith("application/json")
    missing = api.client.get("/api/v2/no-such-thing", headers=api.headers())
    assert missing.status_code == 404
    assert missing.headers["content-type"].startswith("application/json")
    assert missing.json()

    page = api.client.get("/no-such-page")
    assert page.status_code == 404
    assert page.headers["content-type"].startswith("text/html")
    assert "404: not found" in page.text
    assert "content-security-policy" in page.headers
