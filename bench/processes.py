"""Processes of a bench run: start one in its own group, sample its tree's memory, stop it."""

from __future__ import annotations

import os
import platform
import signal
import subprocess
import threading
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any


def _children() -> dict[int, list[int]]:
    """Every live process's children, from /proc (no psutil in the lock file)."""
    tree: dict[int, list[int]] = {}
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            stat = (entry / "stat").read_text()
        except OSError:
            continue  # ended while we looked
        # The command name may hold spaces and parentheses: the parent pid follows the last ")".
        parent = int(stat.rsplit(")", 1)[1].split()[1])
        tree.setdefault(parent, []).append(int(entry.name))
    return tree


def tree_of(pid: int) -> list[int]:
    tree, found, todo = _children(), [], [pid]
    while todo:
        current = todo.pop()
        found.append(current)
        todo.extend(tree.get(current, ()))
    return found


def cpu_seconds(pid: int) -> float:
    """User + system CPU time the process has used so far."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def tree_cpu_seconds(pid: int) -> float:
    """CPU of the process and its living descendants (a server's scan processes)."""
    total = 0.0
    for member in tree_of(pid):
        try:
            total += cpu_seconds(member)
        except OSError:
            continue  # ended while we looked
    return total


def peak_rss_mb(pid: int) -> float:
    """The process's high-water resident set (VmHWM), in MiB; 0 when it has ended."""
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024
    except OSError:
        return 0.0
    return 0.0


@dataclass
class MemorySampler:
    """Keeps the highest VmHWM seen per process of each watched tree (Celery's pool
    processes are children of the worker), sampled every ``interval`` seconds."""

    interval: float = 0.5
    roots: dict[str, int] = field(default_factory=dict)
    peaks: dict[str, dict[int, float]] = field(default_factory=dict)
    _stop: threading.Event = field(default_factory=threading.Event)
    _thread: threading.Thread | None = None

    def watch(self, name: str, pid: int) -> None:
        self.roots[name] = pid
        self.peaks.setdefault(name, {})
        if self._thread is None:
            self._thread = threading.Thread(target=self._run, name="rss-sampler", daemon=True)
            self._thread.start()

    def sample(self) -> None:
        for name, root in list(self.roots.items()):
            seen = self.peaks[name]
            for pid in tree_of(root):
                seen[pid] = max(seen.get(pid, 0.0), peak_rss_mb(pid))

    def _run(self) -> None:
        while not self._stop.wait(self.interval):
            self.sample()

    def stop(self) -> None:
        self.sample()
        self._stop.set()

    def largest_process_mb(self) -> float:
        return max((mb for seen in self.peaks.values() for mb in seen.values()), default=0.0)

    def by_name_mb(self) -> dict[str, float]:
        """Per watched tree: its largest process."""
        return {
            name: round(max(seen.values(), default=0.0), 1) for name, seen in self.peaks.items()
        }


@dataclass
class Process:
    """A child in its own session, so that stopping it stops its whole tree."""

    name: str
    popen: subprocess.Popen[bytes]
    log: Path

    @classmethod
    def start(cls, name: str, command: Sequence[str], env: dict[str, str], logs: Path) -> Process:
        log = logs / f"{name}.log"
        with log.open("ab") as out:
            popen = subprocess.Popen(  # noqa: S603 - an argv we build, no shell
                list(command), env=env, stdout=out, stderr=subprocess.STDOUT, start_new_session=True
            )
        return cls(name, popen, log)

    def alive(self) -> bool:
        return self.popen.poll() is None

    def tail(self, chars: int = 3000) -> str:
        return self.log.read_text(errors="replace")[-chars:]

    def stop(self, timeout: float = 30) -> None:
        if self.popen.poll() is not None:
            return
        os.killpg(self.popen.pid, signal.SIGTERM)
        try:
            self.popen.wait(timeout)
        except subprocess.TimeoutExpired:
            os.killpg(self.popen.pid, signal.SIGKILL)
            self.popen.wait(10)


def machine_facts() -> dict[str, Any]:
    """What a results file records of the machine it was measured on."""
    return {
        "cpus": os.cpu_count(),
        "python": platform.python_version(),
        "platform": platform.platform(),
    }
