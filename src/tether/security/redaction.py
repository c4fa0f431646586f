"""Keeping secrets out of logs: a filter that rewrites log records before any handler
writes them.

Two sources say what a secret is. Patterns catch values by their context wherever they
come from (``aws_secret_access_key=...``, ``"SessionToken": "..."``, ``Authorization:
Bearer ...``, SigV4 ``Signature=...``, ``<SecretAccessKey>`` in an STS answer) and Tether's
own tokens by their shape. A process-wide registry holds exact values Tether knows to be
secret (``register_secret``), such as a secret access key it has just decrypted, which no
pattern can recognise in free text. Access key ids, account numbers and ARNs are not
secrets and are left alone: they are what an operator needs to read a log.
"""

from __future__ import annotations

import logging
import re
import threading

REDACTED = "[redacted]"

# Registered values shorter than this would hit ordinary words and numbers.
MIN_SECRET_LENGTH = 8

# Names whose value is a secret, ending a key (``admin_password``, ``MasterUserPassword``,
# ``X-Amz-Security-Token``); ``token`` alone too, but not ``NextToken`` (a page marker).
_SECRET_KEY = re.compile(
    r"(?:password|passwd|secret|secret_?access_?key|secret_?key|security_?key|session_?token"
    r"|security-?token|access_?token|refresh_?token|api_?secret)$|^token$",
    re.IGNORECASE,
)
_QUOTE = r"""(?:b?\\?["'])"""
# A key, its separator (``=``, ``: ``, ``": "``, ``': b'``) and the value; whether the key
# names a secret is decided by ``_SECRET_KEY`` (cheaper than an alternation per position).
_KEY_VALUE = (
    r"(?P<key>[A-Za-z0-9_.-]++)"
    r"(?P<sep>\\?[\"']?[ \t]*[:=][ \t]*)"
    rf"(?P<value>{_QUOTE}[^\"'\\\r\n]+|[^\s\"'&,;<>()\[\]{{}}\\]+)"
)
# ``Authorization: Bearer <token>`` and ``Basic <credentials>``, in any context.
_SCHEME = r"(?P<scheme>(?:bearer|basic)[ \t]+)(?P<credentials>[\w.~+/-]{16,}=*)"
# A SigV4 signature: in an Authorization header, a presigned URL, botocore's debug output.
_SIGNATURE = r"(?P<sigkey>(?:x-amz-)?signature(?:=|:\s*))(?P<signature>[0-9a-f]{64})"
# An AWS XML answer: ``<SecretAccessKey>...</SecretAccessKey>``, ``<SessionToken>``.
_XML = r"(?P<tag><[A-Za-z]*(?:SecretAccessKey|SessionToken|Password|Secret)>)(?P<inner>[^<]+)"
# One word-start test shared by the word patterns, so a position inside a word costs one
# look-behind; ``key=value`` last: a key naming no secret must not hide a bearer token.
_CONTEXT = re.compile(
    rf"(?<![A-Za-z0-9_.-])(?:{_SCHEME}|{_SIGNATURE}|{_KEY_VALUE})|{_XML}", re.IGNORECASE
)
# Words one of which every ``_CONTEXT`` match contains: text without any skips the pattern.
_TRIGGERS = ("pass", "secret", "token", "security", "bearer", "basic", "signature")

# Tether's API secrets, access tokens and session tokens (``secrets.token_urlsafe(32)``) and
# its master key (urlsafe base64 of 32 bytes): exactly 43 URL-safe characters mixing upper
# case, lower case and digits, so hex digests, UUIDs and long names do not match.
_TOKEN = re.compile(r"(?<![A-Za-z0-9_-])[A-Za-z0-9_-]{43,}+")
_TOKEN_LENGTH = 43
_OPENING_QUOTE = re.compile(_QUOTE)


def _redact_context(text: str) -> str:
    parts: list[str] = []
    position = 0
    while (match := _CONTEXT.search(text, position)) is not None:
        group = match.lastgroup
        if group == "value" and _SECRET_KEY.search(match["key"]) is None:
            # Not a secret: step over the key only, as its value may hold a bearer token.
            parts.append(text[position : match.end("sep")])
            position = match.end("sep")
            continue
        parts.append(text[position : match.start()])
        if group == "value":
            quote = _OPENING_QUOTE.match(match["value"])
            parts.append(match["key"] + match["sep"] + (quote.group() if quote else ""))
        else:
            prefix = {"inner": "tag", "credentials": "scheme", "signature": "sigkey"}[str(group)]
            parts.append(match[prefix])
        parts.append(REDACTED)
        position = match.end()
    parts.append(text[position:])
    return "".join(parts)


def _replace_token(match: re.Match[str]) -> str:
    word = match.group()
    if (
        len(word) == _TOKEN_LENGTH
        and any(c.isupper() for c in word)
        and any(c.islower() for c in word)
        and any(c.isdigit() for c in word)
    ):
        return REDACTED
    return word


class _Registry:
    """Exact secret values; readers take a snapshot, so logging never waits on a lock."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._known: set[str] = set()
        self.values: tuple[str, ...] = ()

    def add(self, value: str) -> None:
        if len(value) < MIN_SECRET_LENGTH or value in self._known:
            return  # the common case: a secret opened again
        with self._lock:
            self._known.add(value)
            # Longest first, so a secret containing another is replaced whole.
            self.values = tuple(sorted(self._known, key=len, reverse=True))

    def clear(self) -> None:
        with self._lock:
            self._known.clear()
            self.values = ()


_registry = _Registry()


def register_secret(value: str | None) -> None:
    """Redact ``value`` wherever it appears in a log record from now on (values shorter
    than ``MIN_SECRET_LENGTH`` are ignored)."""
    if value:
        _registry.add(value)


def forget_registered_secrets() -> None:
    """Empty the registry (for tests)."""
    _registry.clear()


def redact(text: str) -> str:
    """``text`` with every secret replaced by ``[redacted]``."""
    for value in _registry.values:
        if value in text:
            text = text.replace(value, REDACTED)
    lowered = text.lower()
    if any(trigger in lowered for trigger in _TRIGGERS):
        text = _redact_context(text)
    return _TOKEN.sub(_replace_token, text)


_traceback_formatter = logging.Formatter()


class RedactSecrets(logging.Filter):
    """Rewrites a record's message, exception text and stack so they carry no secret; it
    never drops a record. Install it on handlers (``install``) so records from every
    logger that reaches them (botocore, uvicorn, celery) pass it.

    The record is changed in place, so every handler after this one sees the redacted
    text. Its message is replaced (and its arguments dropped) only when something was
    redacted; its exception is formatted once here, and handlers use that text.
    """

    def filter(self, record: logging.LogRecord) -> bool:
        try:
            message = record.getMessage()
        except Exception as error:  # noqa: BLE001 (a malformed logging call must not raise)
            # The handler would print the raw arguments with its error report; say less.
            template = redact(record.msg) if isinstance(record.msg, str) else "?"
            record.msg = f"{template} (unformattable arguments: {type(error).__name__})"
            record.args = None
        else:
            redacted = redact(message)
            if redacted != message:
                record.msg, record.args = redacted, None
        if record.exc_info and not record.exc_text:
            record.exc_text = _traceback_formatter.formatException(record.exc_info)
        if record.exc_text:
            record.exc_text = redact(record.exc_text)
        if record.stack_info:
            record.stack_info = redact(record.stack_info)
        return True


def install(handler: logging.Handler) -> None:
    """Add the filter to ``handler`` (once)."""
    if not any(isinstance(existing, RedactSecrets) for existing in handler.filters):
        handler.addFilter(RedactSecrets())
