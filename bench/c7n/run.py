"""Run ``c7n-org run`` from the c7n virtual environment against an AWS endpoint, and read
back what it found and what went wrong.

The accounts file has one entry per account (member role ARN + External ID); the policies
file one policy per c7n resource, with no filters and no actions. Types that are global in
AWS (IAM, S3, CloudFront, Route 53) get the condition ``region == <first region>`` (c7n's
conditional policy execution): c7n-org runs every policy in every region and would
otherwise list them once per region, where Tether lists them once per account.
"""

from __future__ import annotations

import json
import os
import re
import shutil
from collections import defaultdict
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from bench.c7n.process_tree import run_measured
from bench.c7n.types import (
    C7N_TYPES,
    global_types,
    natural_id_of_c7n,
    policy_name,
    type_of_policy,
)

VENV = Path(__file__).with_name(".venv")
C7N_ORG = VENV / "bin" / "c7n-org"
# c7n-org's own default worker count (c7n_org.cli.WORKER_COUNT): processes, not threads.
DEFAULT_WORKERS = (os.cpu_count() or 1) * 4
Scope = tuple[str, str, str]  # (type_code, account, region)

# c7n-org's and c7n's log lines: "<time>: <logger>:<LEVEL> <message>".
LOG_LINE = re.compile(r"^\S+ \S+: (?P<logger>[\w.]+):(?P<level>[A-Z]+) (?P<message>.*)$")
ERROR_LEVELS = frozenset({"WARNING", "ERROR", "CRITICAL"})
POLICY_FAILURE = re.compile(
    r"(Exception running|Access denied api:\S+) policy:(?P<policy>\S+) "
    r"account:(?P<account>\S+) region:(?P<region>\S+)"
)
ACCOUNT_FAILURE = re.compile(r"Error running policy in (?P<account>\S+) @ (?P<region>\S+) ")


@dataclass(frozen=True)
class C7nError:
    """One problem c7n logged; ``policy``/``account``/``region`` when the line names them."""

    message: str
    policy: str | None = None
    account: str | None = None
    region: str | None = None


@dataclass
class C7nResult:
    wall_s: float
    peak_rss_mb: float
    peak_pss_mb: float
    returncode: int
    workers: int
    peak_processes: int
    # Natural ids per (Tether type code, account, region); global types under the region
    # their policy ran in.
    found: dict[Scope, set[str]] = field(default_factory=dict)
    errors: list[C7nError] = field(default_factory=list)
    workdir: Path | None = None

    @property
    def resources(self) -> int:
        return sum(len(ids) for ids in self.found.values())


def accounts_config(
    endpoint: dict[str, Any], accounts: list[str], regions: list[str]
) -> dict[str, Any]:
    return {
        "accounts": [
            {
                "account_id": account,
                "name": account,
                "regions": list(regions),
                "role": f"arn:aws:iam::{account}:role/{endpoint['role_name']}",
                "external_id": endpoint["external_id"],
            }
            for account in accounts
        ]
    }


def policies_config(type_codes: list[str], regions: list[str]) -> dict[str, Any]:
    # c7n flags only some of them as global_resource (not S3, which lists every bucket).
    once_per_account = global_types()
    policies = []
    for code in type_codes:
        for resource in C7N_TYPES[code].resources:
            policy: dict[str, Any] = {"name": policy_name(resource), "resource": resource}
            if code in once_per_account:
                policy["conditions"] = [{"type": "value", "key": "region", "value": regions[0]}]
            policies.append(policy)
    return {"policies": policies}


def c7n_environment(endpoint: dict[str, Any], workdir: Path, workers: int | None) -> dict[str, str]:
    """Only what c7n-org needs: no profile, config file or instance metadata of this host."""
    keep = {k: os.environ[k] for k in ("PATH", "LANG", "LC_ALL", "TZ") if k in os.environ}
    (workdir / "aws-config").write_text("")
    env = keep | {
        "HOME": str(workdir),
        "AWS_ENDPOINT_URL": endpoint["endpoint_url"],
        "AWS_ACCESS_KEY_ID": endpoint["access_key_id"],
        "AWS_SECRET_ACCESS_KEY": endpoint["secret_access_key"],
        "AWS_DEFAULT_REGION": "us-east-1",
        "AWS_CONFIG_FILE": str(workdir / "aws-config"),
        "AWS_SHARED_CREDENTIALS_FILE": str(workdir / "aws-config"),
        "AWS_EC2_METADATA_DISABLED": "true",
        # A client that ignores AWS_ENDPOINT_URL (a hard-coded regional URL) meets a proxy
        # that refuses at once instead of leaving this machine.
        "HTTP_PROXY": "http://127.0.0.1:9",
        "HTTPS_PROXY": "http://127.0.0.1:9",
        "NO_PROXY": "127.0.0.1,localhost",
    }
    if workers is not None:
        env["C7N_ORG_PARALLEL"] = str(workers)
    return env


def run_c7n_org(
    endpoint: dict[str, Any],
    accounts: list[str],
    regions: list[str],
    type_codes: list[str],
    workdir: Path,
    workers: int | None = None,
    timeout_s: float = 1800,
) -> C7nResult:
    """Run c7n-org once over ``accounts`` x ``regions`` x ``type_codes`` (keys of
    ``C7N_TYPES``); ``workdir`` is emptied first and keeps the files and output."""
    if not C7N_ORG.exists():
        raise FileNotFoundError(f"{C7N_ORG}: run ./scripts/uv.sh sync --project bench/c7n")
    unknown = [code for code in type_codes if code not in C7N_TYPES]
    if unknown:
        raise ValueError(f"no c7n equivalent: {unknown}")
    if workdir.exists():
        shutil.rmtree(workdir)
    output, cache = workdir / "output", workdir / "cache"
    for path in (output, cache):
        path.mkdir(parents=True)
    config_file, policies_file = workdir / "accounts.json", workdir / "policies.json"
    config_file.write_text(json.dumps(accounts_config(endpoint, accounts, regions), indent=1))
    policies_file.write_text(json.dumps(policies_config(type_codes, regions), indent=1))
    command = [
        str(C7N_ORG),
        "run",
        "-c",
        str(config_file),
        "-u",
        str(policies_file),
        "-s",
        str(output),
        "--cache-period",
        "0",
        "--cache-path",
        str(cache),
    ]
    for region in regions:
        command += ["-r", region]
    measured = run_measured(
        command,
        c7n_environment(endpoint, workdir, workers),
        workdir,
        workdir / "stdout.log",
        workdir / "stderr.log",
        timeout_s,
    )
    result = C7nResult(
        wall_s=measured.wall_s,
        peak_rss_mb=measured.peak_rss_mb,
        peak_pss_mb=measured.peak_pss_mb,
        returncode=measured.returncode,
        workers=workers or DEFAULT_WORKERS,
        peak_processes=measured.peak_processes,
        workdir=workdir,
    )
    result.found = read_found(output, type_codes, accounts, regions)
    result.errors = read_errors((workdir / "stderr.log").read_text(errors="replace"))
    if measured.returncode != 0 and not result.errors:
        result.errors.append(C7nError(f"c7n-org exited {measured.returncode}, logging nothing"))
    return result


def read_found(
    output: Path, type_codes: list[str], accounts: list[str], regions: list[str]
) -> dict[Scope, set[str]]:
    """Every scope that ran, with the natural ids of what it found (a policy that found
    nothing still writes an empty resources.json)."""
    found: dict[Scope, set[str]] = defaultdict(set)
    for account in accounts:
        for region in regions:
            for code in type_codes:
                c7n_type = C7N_TYPES[code]
                for resource in c7n_type.resources:
                    path = output / account / region / policy_name(resource) / "resources.json"
                    if not path.exists():
                        continue
                    items = json.loads(path.read_text())
                    found[(code, account, region)] |= {
                        natural_id_of_c7n(item, c7n_type) for item in items
                    }
    return dict(found)


def read_errors(log: str) -> list[C7nError]:
    """Every warning or error line of c7n-org's log, with the policy, account and region
    when the line names them; a traceback's lines are kept with the line above them."""
    errors: list[C7nError] = []
    in_error = False
    for line in log.splitlines():
        match = LOG_LINE.match(line)
        if match is None:
            if in_error and line.strip():
                last = errors[-1]
                errors[-1] = C7nError(
                    f"{last.message}\n{line}", last.policy, last.account, last.region
                )
            continue
        in_error = match["level"] in ERROR_LEVELS
        if not in_error:
            continue
        message = match["message"]
        if failure := POLICY_FAILURE.search(message):
            errors.append(
                C7nError(message, failure["policy"], failure["account"], failure["region"])
            )
        elif failure := ACCOUNT_FAILURE.search(message):
            errors.append(C7nError(message, None, failure["account"], failure["region"]))
        else:
            errors.append(C7nError(f"{match['logger']}: {message}"))
    return errors


def errors_by_type(errors: list[C7nError]) -> dict[str, list[C7nError]]:
    """Errors that name a policy, by the Tether type code it lists."""
    by_type: dict[str, list[C7nError]] = defaultdict(list)
    for error in errors:
        if error.policy is not None:
            by_type[type_of_policy(error.policy)].append(error)
    return dict(by_type)
