"""Browser fixtures for the console's tests (see ``tests/web/browser.py``)."""

from __future__ import annotations

from collections.abc import Generator

import pytest

from tests.web.browser import CALL_FAILED, chromium, console_server, page

__all__ = ["chromium", "console_server", "page"]


@pytest.hookimpl(wrapper=True)
def pytest_runtest_makereport(
    item: pytest.Item, call: pytest.CallInfo[None]
) -> Generator[None, pytest.TestReport, pytest.TestReport]:
    """Tell the ``page`` fixture whether the test failed, so it keeps a screenshot."""
    report = yield
    if report.when == "call" and report.failed:
        item.stash[CALL_FAILED] = True
    return report
