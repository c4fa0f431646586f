"""The log filter that keeps secrets out of logs: each pattern, registered values, exception
text and arguments, and ordinary identifiers left alone."""

from __future__ import annotations

import io
import logging
import secrets
from collections.abc import Callable, Iterator

import pytest

from tether.security import tokens
from tether.security.passwords import generate_password
from tether.security.redaction import (
    REDACTED,
    RedactSecrets,
    forget_registered_secrets,
    install,
    redact,
    register_secret,
)
from tether.security.secretbox import MasterKey

AWS_SECRET = "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY"
SESSION_TOKEN = "FwoGZXIvYXdzEJr//////////wEaDHq0Yx9+Xq3N2Lm5ZSKsAf1a2b3c4d5e6f7g8h9i0j=="
ACCESS_KEY_ID = "AKIAIOSFODNN7EXAMPLE"
SIGNATURE = "fe5f80f77d5fa3beca038a248ff027d0445342fe2855ddc963176630326f1024"


@pytest.fixture(autouse=True)
def empty_registry() -> Iterator[None]:
    forget_registered_secrets()
    yield
    forget_registered_secrets()


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        (f"aws_secret_access_key={AWS_SECRET}", f"aws_secret_access_key={REDACTED}"),
        (f"AWS_SECRET_ACCESS_KEY = {AWS_SECRET}\n", f"AWS_SECRET_ACCESS_KEY = {REDACTED}\n"),
        (f'{{"SecretAccessKey": "{AWS_SECRET}"}}', f'{{"SecretAccessKey": "{REDACTED}"}}'),
        (f"{{'secret_key': '{AWS_SECRET}'}}", f"{{'secret_key': '{REDACTED}'}}"),
        (f'{{"secretKey":"{AWS_SECRET}"}}', f'{{"secretKey":"{REDACTED}"}}'),
        (f'{{"SecurityKey": "{AWS_SECRET}"}}', f'{{"SecurityKey": "{REDACTED}"}}'),
        (
            f'{{\\"SecretAccessKey\\": \\"{AWS_SECRET}\\"}}',
            f'{{\\"SecretAccessKey\\": \\"{REDACTED}\\"}}',
        ),
        (f"'SessionToken': '{SESSION_TOKEN}'", f"'SessionToken': '{REDACTED}'"),
        (f"aws_session_token={SESSION_TOKEN} x", f"aws_session_token={REDACTED} x"),
        (f"'X-Amz-Security-Token': b'{SESSION_TOKEN}'", f"'X-Amz-Security-Token': b'{REDACTED}'"),
        (f"X-Amz-Security-Token: {SESSION_TOKEN}", f"X-Amz-Security-Token: {REDACTED}"),
        (
            f"<SecretAccessKey>{AWS_SECRET}</SecretAccessKey><SessionToken>{SESSION_TOKEN}</",
            f"<SecretAccessKey>{REDACTED}</SecretAccessKey><SessionToken>{REDACTED}</",
        ),
        ("Authorization: Bearer abc.DEF-123_456~789/xyz=", f"Authorization: Bearer {REDACTED}"),
        (
            "{'Authorization': 'bearer abcdefghijklmnop'}",
            f"{{'Authorization': 'bearer {REDACTED}'}}",
        ),
        ("Authorization: Basic dXNlcjpodW50ZXIyMjIy", f"Authorization: Basic {REDACTED}"),
        (
            "grant_type=client_credentials&client_id=tk_00&client_secret=s3cr3t-value&scope=x",
            f"grant_type=client_credentials&client_id=tk_00&client_secret={REDACTED}&scope=x",
        ),
        ("password=hunter22 user=admin", f"password={REDACTED} user=admin"),
        ('{"MasterUserPassword": "p4ssw0rd!"}', f'{{"MasterUserPassword": "{REDACTED}"}}'),
        ("api_secret: abcdefgh1234", f"api_secret: {REDACTED}"),
        ("?access_token=abc123def&x=1", f"?access_token={REDACTED}&x=1"),
        ("token=abc123def", f"token={REDACTED}"),
        (
            f"Credential={ACCESS_KEY_ID}/20240101/us-east-1/sts/aws4_request, "
            f"SignedHeaders=host;x-amz-date, Signature={SIGNATURE}",
            f"Credential={ACCESS_KEY_ID}/20240101/us-east-1/sts/aws4_request, "
            f"SignedHeaders=host;x-amz-date, Signature={REDACTED}",
        ),
        (f"&X-Amz-Signature={SIGNATURE}&", f"&X-Amz-Signature={REDACTED}&"),
    ],
)
def test_each_pattern_redacts_the_value_and_keeps_its_name(text: str, expected: str) -> None:
    assert redact(text) == expected


def _mixed(make: Callable[[], str]) -> str:
    """A value from ``make`` with upper case, lower case and a digit, as all but about 1 in
    1500 random tokens have (the rest are left to the registry)."""
    while True:
        value = make()
        if all(any(test(c) for c in value) for test in (str.isupper, str.islower, str.isdigit)):
            return value


@pytest.mark.parametrize(
    "make",
    [tokens.new_api_secret, tokens.new_token, lambda: MasterKey.generate().to_text()],
    ids=["api secret", "access token", "master key"],
)
def test_tethers_own_secrets_are_recognised_by_their_shape(make: Callable[[], str]) -> None:
    secret = _mixed(make)
    padding = "=" * secret.count("=")  # a master key's base64 padding is not secret
    assert redact(f"issued {secret} now") == f"issued {REDACTED}{padding} now"


@pytest.mark.parametrize(
    "ordinary",
    [
        "arn:aws:iam::123456789012:role/TetherReadOnly",
        "arn:aws:sts::123456789012:assumed-role/TetherReadOnly/tether-scan-4f2a",
        "account 123456789012 in o-a1b2c3d4e5, ou-ab12-cdef3456",
        ACCESS_KEY_ID,
        "ASIAQNZGKIQY56JQ7WML",
        "tk_cb3b2c5d9a91a925568d5580e633c548",  # an API key (tokens.new_api_key): not secret
        "3f2b1c9e-8d3a-4a6b-9c1d-2e3f4a5b6c7d",
        tokens.digest("x"),
        "i-0123456789abcdef0 vpc-0a1b2c3d sg-12345678",
        "ExternalId=tether-emulated-7f3c9a51e2d84b06",
        "NextToken=AAEAAblahblahblah ContinuationToken: 1abc",
        "token_type=bearer expires_in=3600",
        "a-very-long-lower-case-bucket-name-for-logs",
        "arn:aws:iam::123456789012:role/aws-service-role/AWSServiceRoleForOrganizations",
        "the secret is stored encrypted; wrong username or password.",
        "Basic plan, bearer of news",
    ],
)
def test_ordinary_identifiers_are_left_alone(ordinary: str) -> None:
    assert redact(ordinary) == ordinary


def test_registered_values_are_redacted_anywhere() -> None:
    secret = secrets.token_hex(20)
    assert redact(f"key {secret} failed") == f"key {secret} failed"
    register_secret(secret)
    assert redact(f"key {secret} failed, prefix{secret}suffix") == (
        f"key {REDACTED} failed, prefix{REDACTED}suffix"
    )


def test_short_values_are_not_registered() -> None:
    register_secret("abc1234")
    register_secret(None)
    assert redact("abc1234 stays") == "abc1234 stays"


def _logger_to(stream: io.StringIO) -> logging.Logger:
    handler = logging.StreamHandler(stream)
    handler.setFormatter(logging.Formatter("%(levelname)s %(message)s"))
    install(handler)
    install(handler)  # once only
    assert sum(isinstance(f, RedactSecrets) for f in handler.filters) == 1
    logger = logging.getLogger(f"tests.redaction.{secrets.token_hex(4)}")
    logger.propagate = False
    logger.setLevel(logging.DEBUG)
    logger.addHandler(handler)
    return logger


def test_arguments_are_formatted_then_redacted() -> None:
    stream = io.StringIO()
    logger = _logger_to(stream)
    secret = secrets.token_hex(16)
    register_secret(secret)
    logger.info("calling with %s and %r", f"password={AWS_SECRET}", {"SessionToken": "x" * 20})
    logger.info("registered %s, count %d, ratio %.1f", secret, 3, 0.25)
    logger.info("mapping %(who)s", {"who": f"Bearer {'z' * 20}"})
    written = stream.getvalue()
    assert AWS_SECRET not in written
    assert "x" * 20 not in written
    assert secret not in written
    assert "z" * 20 not in written
    assert f"password={REDACTED}" in written
    assert f"registered {REDACTED}, count 3, ratio 0.2" in written


def test_exception_text_and_stack_are_redacted() -> None:
    stream = io.StringIO()
    logger = _logger_to(stream)
    secret = secrets.token_hex(16)
    register_secret(secret)
    try:
        raise RuntimeError(f"bad key {secret} with aws_secret_access_key={AWS_SECRET}")
    except RuntimeError:
        logger.exception("it failed", stack_info=True)
    written = stream.getvalue()
    assert "RuntimeError: bad key" in written
    assert "Stack (most recent call last)" in written
    assert secret not in written
    assert AWS_SECRET not in written


def test_a_record_is_left_as_it_was_when_nothing_is_secret() -> None:
    record = logging.LogRecord(
        "x", logging.INFO, __file__, 1, "scan %s ended %s", ("a", "ok"), None
    )
    assert RedactSecrets().filter(record)
    assert (record.msg, record.args) == ("scan %s ended %s", ("a", "ok"))


def test_unformattable_arguments_neither_raise_nor_leak() -> None:
    stream = io.StringIO()
    logger = _logger_to(stream)
    logger.info("two %s %s but one, password=hunter22", AWS_SECRET)
    written = stream.getvalue()
    assert "unformattable arguments: TypeError" in written
    assert AWS_SECRET not in written
    assert "hunter22" not in written


def test_a_generated_password_is_registered_like_any_secret() -> None:
    password = generate_password()
    register_secret(password)
    assert password not in redact(f"login with {password}")
