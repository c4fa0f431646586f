"""Wall time and peak resident memory of a command and every process it starts.

Memory is sampled from /proc every ``interval`` seconds: the peak of the summed RSS of the
process and all its descendants (c7n-org forks a pool of workers). Pages shared after a
fork count once per process in RSS, as ``ps`` shows them, so that sum is an upper bound;
the summed PSS (each shared page divided among its sharers) is the tree's real footprint.
"""

from __future__ import annotations

import os
import subprocess
import threading
import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

from bench.processes import tree_of

PAGE_BYTES = os.sysconf("SC_PAGE_SIZE")


@dataclass(frozen=True)
class Measured:
    returncode: int
    wall_s: float
    peak_rss_mb: float
    peak_pss_mb: float
    peak_processes: int


def rss_bytes(pid: int) -> int:
    try:
        return int(Path(f"/proc/{pid}/statm").read_text().split()[1]) * PAGE_BYTES
    except (FileNotFoundError, ProcessLookupError):
        return 0


def pss_bytes(pid: int) -> int:
    try:
        rollup = Path(f"/proc/{pid}/smaps_rollup").read_text()
    except (FileNotFoundError, ProcessLookupError):
        return 0
    for line in rollup.splitlines():
        if line.startswith("Pss:"):
            return int(line.split()[1]) * 1024
    return 0


def run_measured(
    command: Sequence[str],
    env: Mapping[str, str],
    cwd: Path,
    stdout: Path,
    stderr: Path,
    timeout_s: float,
    interval: float = 0.1,
) -> Measured:
    """Run ``command`` to its end (killed after ``timeout_s``), its output to files."""
    peak_bytes = peak_pss = 0
    peak_processes = 0
    done = threading.Event()
    with stdout.open("wb") as out, stderr.open("wb") as err:
        started = time.perf_counter()
        process = subprocess.Popen(  # noqa: S603 (a command we build)
            list(command), env=dict(env), cwd=cwd, stdout=out, stderr=err
        )

        def sample() -> None:
            nonlocal peak_bytes, peak_pss, peak_processes
            while not done.wait(interval):
                tree = tree_of(process.pid)
                peak_bytes = max(peak_bytes, sum(rss_bytes(pid) for pid in tree))
                peak_pss = max(peak_pss, sum(pss_bytes(pid) for pid in tree))
                peak_processes = max(peak_processes, len(tree))

        sampler = threading.Thread(target=sample, name="rss-sampler", daemon=True)
        sampler.start()
        try:
            returncode = process.wait(timeout_s)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
            raise
        finally:
            wall = time.perf_counter() - started
            done.set()
            sampler.join()
    return Measured(returncode, wall, peak_bytes / 2**20, peak_pss / 2**20, peak_processes)
