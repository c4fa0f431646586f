"""One botocore client per (service, region) for the whole process, signing each call with
the credentials of the identity that makes it.

A botocore client costs about 5 ms of CPU and over 100 KB to build (its class is rebuilt
for every client), and Tether would need one per (account, service, region): 28,000 for an
Organization of 200 accounts in 4 regions, rebuilt whenever a cache lets them go. Clients are
thread-safe, and botocore asks a client's credentials object for frozen keys at every
signature; so each shared client holds ``CallerCredentials``, which answers with the keys of
whichever identity the calling thread is calling as, and ``BoundClient`` is the cheap
per-identity view that sets it around each call, and around each page of a paginator.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

import jmespath
from botocore.credentials import Credentials, ReadOnlyCredentials
from botocore.exceptions import NoCredentialsError


class _Caller(threading.local):
    bound: bool = False
    credentials: Credentials | None = None


_caller = _Caller()


class NoIdentity(RuntimeError):
    """A shared client was called directly instead of through an identity's view."""


@contextmanager
def signing_as(credentials: Credentials | None) -> Iterator[None]:
    """This thread's AWS calls sign with ``credentials`` for the duration of the block.
    Blocks nest: a refresh of assumed credentials calls STS as the parent identity."""
    previous = (_caller.bound, _caller.credentials)
    _caller.bound, _caller.credentials = True, credentials
    try:
        yield
    finally:
        _caller.bound, _caller.credentials = previous


def _current() -> Credentials:
    if not _caller.bound:
        raise NoIdentity("an AWS call was made outside any identity")
    if _caller.credentials is None:
        raise NoCredentialsError()
    return _caller.credentials


class CallerCredentials:
    """The credentials object of every shared client: the calling thread's identity's."""

    method = "tether-caller"

    def get_frozen_credentials(self) -> ReadOnlyCredentials:
        return _current().get_frozen_credentials()

    @property
    def access_key(self) -> str:
        return str(_current().access_key)

    @property
    def secret_key(self) -> str:
        return str(_current().secret_key)

    @property
    def token(self) -> str | None:
        return _current().token

    @property
    def account_id(self) -> str | None:
        return getattr(_current(), "account_id", None)

    def get_deferred_property(self, name: str) -> Callable[[], Any]:
        return lambda: getattr(self, name, None)


class BoundClient:
    """A shared client as one identity: operations and paginators sign with its keys;
    everything else (``meta``, ``exceptions``, ``can_paginate``) is the client's own."""

    def __init__(self, client: Any, credentials: Credentials | None) -> None:
        self._client = client
        self._credentials = credentials

    def __getattr__(self, name: str) -> Any:
        attribute = getattr(self._client, name)
        if name == "get_paginator":
            return lambda operation: _BoundPaginator(attribute(operation), self._credentials)
        if name in self._client.meta.method_to_api_mapping:
            credentials = self._credentials

            def call(*args: Any, **kwargs: Any) -> Any:
                with signing_as(credentials):
                    return attribute(*args, **kwargs)

            # Kept on the view: the next call of this operation skips __getattr__.
            setattr(self, name, call)
            return call
        return attribute


class _BoundPaginator:
    def __init__(self, paginator: Any, credentials: Credentials | None) -> None:
        self._paginator = paginator
        self._credentials = credentials

    def paginate(self, **kwargs: Any) -> _BoundPages:
        return _BoundPages(self._paginator.paginate(**kwargs), self._credentials)

    def __getattr__(self, name: str) -> Any:
        return getattr(self._paginator, name)


class _BoundPages:
    """botocore's page iterator calls AWS lazily, as each page is asked for."""

    def __init__(self, pages: Any, credentials: Credentials | None) -> None:
        self._pages = pages
        self._credentials = credentials

    def __iter__(self) -> Iterator[Any]:
        pages = iter(self._pages)
        while True:
            with signing_as(self._credentials):
                try:
                    page = next(pages)
                except StopIteration:
                    return
            yield page

    def build_full_result(self) -> Any:
        with signing_as(self._credentials):
            return self._pages.build_full_result()

    def search(self, expression: str) -> Iterator[Any]:
        """botocore's ``search``, page by page (never holding the signing context while
        the caller has the page)."""
        compiled = jmespath.compile(expression)
        for page in self:
            found = compiled.search(page)
            if isinstance(found, list):
                yield from found
            else:
                yield found
