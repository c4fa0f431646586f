"""The per-process call ceiling mu: a bare botocore loop making the calls a discovery makes.

Same endpoint, same catalog calls in the same order (Tether's own listing and enrich steps,
so the request mix and the answers parsed are identical), same thread count; without
Tether's rate limiter, metering, normalisation or database. One process:

    .venv/bin/python -m bench.ceiling ENDPOINT_INFO_JSON [--accounts 20] [--threads 64]

prints calls, seconds, calls/s and calls per CPU-second of this process (mu).
"""

from __future__ import annotations

import argparse
import json
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import botocore.session
from botocore.config import Config

from tether.catalog.base import ResourceSpec, Where
from tether.catalog.registry import RESOURCE_TYPES

# The listing and enrich steps themselves: the loop must make exactly Tether's calls.
from tether.discovery.collector import _Counter, _enrich, _listed

CONFIG = Config(
    retries={"mode": "standard", "total_max_attempts": 4},
    max_pool_connections=64,
    connect_timeout=10,
    read_timeout=60,
)


@dataclass(frozen=True)
class Ceiling:
    calls: int
    seconds: float
    cpu_seconds: float  # this process's, user + system

    @property
    def calls_per_s(self) -> float:
        return self.calls / self.seconds

    @property
    def calls_per_cpu_s(self) -> float:
        """mu: what one process does with a whole core, however busy the machine was."""
        return self.calls / self.cpu_seconds


class _Clients:
    """botocore clients per (account, service, region), created once, like Tether's cache."""

    def __init__(self, endpoint_url: str, credentials: dict[str, dict[str, str]]) -> None:
        self.endpoint_url = endpoint_url
        self.credentials = credentials
        self._cache: dict[tuple[str, str, str], Any] = {}
        self._lock = threading.Lock()
        self._session = botocore.session.get_session()

    def client(self, account: str, service: str, region: str) -> Any:
        key = (account, service, region)
        with self._lock:
            if key not in self._cache:
                keys = self.credentials[account]
                self._cache[key] = self._session.create_client(
                    service,
                    region_name=region,
                    endpoint_url=self.endpoint_url,
                    aws_access_key_id=keys["AccessKeyId"],
                    aws_secret_access_key=keys["SecretAccessKey"],
                    aws_session_token=keys.get("SessionToken"),
                    config=CONFIG,
                )
            return self._cache[key]


def _assume_all(info: dict[str, Any], accounts: list[str]) -> dict[str, dict[str, str]]:
    session = botocore.session.get_session()
    region = info["regions"][0]
    trusted = session.create_client(
        "sts",
        region_name=region,
        endpoint_url=info["endpoint_url"],
        aws_access_key_id=info["access_key_id"],
        aws_secret_access_key=info["secret_access_key"],
    )
    role = info["role_name"]
    keys: dict[str, dict[str, str]] = {}
    for account in accounts:
        answer = trusted.assume_role(
            RoleArn=f"arn:aws:iam::{account}:role/{role}",
            RoleSessionName="bench-ceiling",
            ExternalId=info["external_id"],
        )
        keys[account] = answer["Credentials"]
    return keys


def _unit(clients: _Clients, account: str, region: str, spec: ResourceSpec) -> int:
    client = clients.client(account, spec.service.client_name, region)
    where = Where("aws", account, region)
    counter = _Counter()
    items = _listed(client, spec, counter)
    for step in spec.enrich:
        items = _enrich(client, step, items, where, counter)
    return counter.calls


def measure(info: dict[str, Any], accounts: int, threads: int) -> Ceiling:
    chosen = list(info["accounts"])[:accounts]
    clients = _Clients(info["endpoint_url"], _assume_all(info, chosen))
    units = [
        (account, region, spec)
        for account in chosen
        for spec in RESOURCE_TYPES
        for region in (["us-east-1"] if spec.service.is_global else info["regions"])
    ]
    # Clients first, outside the timing: Tether's are cached across scans too.
    for account, region, spec in units:
        clients.client(account, spec.service.client_name, region)
    started, cpu = time.perf_counter(), time.process_time()
    with ThreadPoolExecutor(threads) as pool:
        calls = sum(pool.map(lambda unit: _unit(clients, *unit), units))
    return Ceiling(calls, time.perf_counter() - started, time.process_time() - cpu)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("endpoint_info", type=Path)
    parser.add_argument("--accounts", type=int, default=20)
    parser.add_argument("--threads", type=int, default=64)
    args = parser.parse_args()
    info = json.loads(args.endpoint_info.read_text())
    ceiling = measure(info, args.accounts, args.threads)
    print(
        json.dumps(
            {
                "calls": ceiling.calls,
                "seconds": round(ceiling.seconds, 3),
                "calls_per_s": round(ceiling.calls_per_s, 1),
                "cpu_seconds": round(ceiling.cpu_seconds, 3),
                "calls_per_cpu_s": round(ceiling.calls_per_cpu_s, 1),
            }
        )
    )


if __name__ == "__main__":
    main()
