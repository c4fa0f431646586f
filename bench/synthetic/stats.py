"""Call counters: per operation, unknown operations, totals."""

from __future__ import annotations

from typing import Any


class Stats:
    def __init__(self) -> None:
        self.calls = 0
        self.throttled = 0
        self.by_operation: dict[str, list[int]] = {}
        self.unknown_operations: dict[str, int] = {}

    def count(self, label: str, admitted: bool) -> None:
        self.calls += 1
        counts = self.by_operation.get(label)
        if counts is None:
            counts = self.by_operation[label] = [0, 0]
        counts[0] += 1
        if not admitted:
            self.throttled += 1
            counts[1] += 1

    def unknown(self, label: str) -> None:
        self.unknown_operations[label] = self.unknown_operations.get(label, 0) + 1

    def reset(self) -> None:
        self.__init__()  # type: ignore[misc]

    def report(self) -> dict[str, Any]:
        return {
            "calls": self.calls,
            "throttled": self.throttled,
            "unknown_operations": dict(sorted(self.unknown_operations.items())),
            "by_operation": {
                label: {"calls": calls, "throttled": throttled}
                for label, (calls, throttled) in sorted(self.by_operation.items())
            },
        }
