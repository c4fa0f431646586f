"""``SyntheticEndpoint``: the server in a subprocess, as a context manager."""

from __future__ import annotations

import json
import subprocess
import sys
import tempfile
import time
import urllib.request
from collections.abc import Sequence
from pathlib import Path
from types import TracebackType
from typing import Any

ROOT = Path(__file__).resolve().parents[2]


class SyntheticEndpoint:
    def __init__(
        self,
        accounts: int,
        regions: Sequence[str],
        latency_ms: tuple[float, float] = (30, 50),
        seed: int = 1,
        scale: float = 1.0,
        throttle: bool = True,
        start_timeout: float = 60.0,
    ) -> None:
        self.args = [
            "--accounts", str(accounts), "--regions", ",".join(regions),
            "--latency-ms", f"{latency_ms[0]}-{latency_ms[1]}", "--seed", str(seed),
            "--scale", str(scale), *([] if throttle else ["--no-throttle"]),
        ]  # fmt: skip
        self.start_timeout = start_timeout
        self.process: subprocess.Popen[bytes] | None = None
        self.info: dict[str, Any] = {}
        self._dir = tempfile.TemporaryDirectory(prefix="synthetic-")

    @property
    def endpoint_url(self) -> str:
        return str(self.info["endpoint_url"])

    def __enter__(self) -> SyntheticEndpoint:
        ready = Path(self._dir.name) / "ready.json"
        self.process = subprocess.Popen(  # noqa: S603 - fixed argv, no shell
            [sys.executable, "-m", "bench.synthetic", *self.args, "--ready-file", str(ready)],
            cwd=ROOT,
            stdout=subprocess.DEVNULL,
        )
        deadline = time.monotonic() + self.start_timeout
        while not ready.exists() or not ready.read_text().endswith("\n"):
            if self.process.poll() is not None:
                raise RuntimeError(f"synthetic endpoint exited with {self.process.returncode}")
            if time.monotonic() > deadline:
                self.stop()
                raise RuntimeError("synthetic endpoint did not start in time")
            time.sleep(0.05)
        self.info = json.loads(ready.read_text())
        return self

    def __exit__(
        self,
        kind: type[BaseException] | None,
        error: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.stop()

    def stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
        self._dir.cleanup()

    def _call(self, method: str, route: str, body: dict[str, Any] | None = None) -> Any:
        data = json.dumps(body).encode() if body is not None else None
        request = urllib.request.Request(  # noqa: S310
            f"{self.endpoint_url}/_synthetic/{route}", data=data, method=method
        )
        # Only ever our own http:// endpoint.
        with urllib.request.urlopen(request, timeout=60) as answer:  # noqa: S310
            return json.loads(answer.read())

    def stats(self) -> dict[str, Any]:
        return dict(self._call("GET", "stats"))

    def reset_stats(self) -> None:
        self._call("POST", "reset-stats", {})

    def mutate(self, fraction: float, seed: int = 0) -> int:
        return int(self._call("POST", "mutate", {"fraction": fraction, "seed": seed})["changed"])

    def ground_truth(self) -> dict[str, Any]:
        return dict(self._call("GET", "ground-truth"))

    def ids(self, account: str, region: str, type_code: str) -> list[str]:
        query = f"ids?account={account}&region={region}&type={type_code}"
        return list(self._call("GET", query)["ids"])
