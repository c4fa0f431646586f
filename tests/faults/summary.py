"""The fault matrix's summary table, a plugin of the whole suite (``tests/conftest.py``).

Each fault test records its row with ``record_property("fault_row", {...})``; the rows travel
with the test reports (from xdist workers too), and this plugin prints them as a table at
the end of the run and, when ``TETHER_FAULT_MATRIX_JSON`` names a file, writes them there as
JSON. Registered suite-wide because xdist's controller loads a subdirectory's conftest only
when that directory is named on the command line.
"""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

import pytest

# The user property a fault test records its row under (tests.faults.matrix).
ROW_PROPERTY = "fault_row"

JSON_ENV = "TETHER_FAULT_MATRIX_JSON"
COLUMNS = (
    ("fault", "fault"),
    ("scan_status", "scan status"),
    ("before", "resources before"),
    ("after", "resources after"),
    ("false_deletions", "false deletions"),
    ("lost", "lost"),
    ("errors_attributed", "errors attributed"),
    ("outcome", "test"),
)
_rows: dict[str, dict[str, Any]] = {}


def pytest_runtest_logreport(report: pytest.TestReport) -> None:
    """Collect the rows (on the xdist controller, or in the one process without xdist)."""
    value = next(
        (v for name, v in report.user_properties if name == ROW_PROPERTY and isinstance(v, dict)),
        None,
    )
    if value is None:
        return
    row = _rows.setdefault(report.nodeid, {})
    row.update(value)
    if report.when == "call":
        row["outcome"] = "xfailed" if hasattr(report, "wasxfail") else report.outcome
    elif report.failed:
        row["outcome"] = f"error in {report.when}"


def _is_xdist_worker(config: pytest.Config) -> bool:
    return hasattr(config, "workerinput")


def pytest_terminal_summary(terminalreporter: Any, config: pytest.Config) -> None:
    if _is_xdist_worker(config) or not _rows:
        return
    rows = [_rows[nodeid] for nodeid in sorted(_rows, key=lambda n: _rows[n]["fault"])]
    cells = [[str(row.get(key, "")) for key, _ in COLUMNS] for row in rows]
    widths = [
        max(len(title), *(len(line[i]) for line in cells)) for i, (_, title) in enumerate(COLUMNS)
    ]

    def line(values: list[str]) -> str:
        return " | ".join(value.ljust(width) for value, width in zip(values, widths, strict=True))

    terminalreporter.write_sep("=", "fault matrix")
    terminalreporter.write_line(line([title for _, title in COLUMNS]))
    terminalreporter.write_line("-+-".join("-" * width for width in widths))
    for values in cells:
        terminalreporter.write_line(line(values))
    target = os.environ.get(JSON_ENV)
    if target:
        Path(target).write_text(json.dumps(rows, indent=2) + "\n")
        terminalreporter.write_line(f"fault matrix written to {target}")
