"""pip-audit over the locked dependencies: fail on any known vulnerability.

The lock file is exported to a requirements list and audited without installing anything
(`--no-deps --disable-pip`: the lock already pins every package). When the vulnerability
service (PyPI's JSON API) cannot be reached, no package can be checked: that is reported
loudly and fails only when TETHER_AUDIT_REQUIRED=1, so CI on a machine without it still runs.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import tempfile
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
UV = str(ROOT / "scripts" / "uv.sh")


def locked_requirements(directory: Path) -> Path:
    requirements = directory / "requirements.txt"
    subprocess.run(  # noqa: S603 - fixed arguments
        [
            UV,
            "export",
            "--frozen",
            "--all-extras",
            "--no-hashes",
            "--no-emit-project",
            "--output-file",
            str(requirements),
        ],
        cwd=ROOT,
        check=True,
        stdout=subprocess.DEVNULL,
    )
    return requirements


def audit(requirements: Path, report: Path) -> dict[str, Any]:
    subprocess.run(  # noqa: S603 - fixed arguments
        [
            UV,
            "run",
            "--frozen",
            "pip-audit",
            "--requirement",
            str(requirements),
            "--no-deps",
            "--disable-pip",
            "--progress-spinner",
            "off",
            "--format",
            "json",
            "--output",
            str(report),
        ],
        cwd=ROOT,
        check=False,  # exit 1 means vulnerabilities: read them from the report
    )
    result: dict[str, Any] = json.loads(report.read_text())
    return result


def main() -> int:
    with tempfile.TemporaryDirectory() as scratch:
        directory = Path(scratch)
        result = audit(locked_requirements(directory), directory / "audit.json")
    dependencies = result["dependencies"]
    vulnerable = [d for d in dependencies if d.get("vulns")]
    unchecked = [d for d in dependencies if "skip_reason" in d]
    for dependency in vulnerable:
        ids = ", ".join(v["id"] for v in dependency["vulns"])
        print(f"VULNERABLE {dependency['name']} {dependency['version']}: {ids}")
    checked = len(dependencies) - len(unchecked)
    print(
        f"pip-audit: {len(dependencies)} locked packages, {checked} checked, "
        f"{len(vulnerable)} with known vulnerabilities, {len(unchecked)} not checked"
    )
    if vulnerable:
        return 1
    if unchecked:
        reasons = sorted({d["skip_reason"] for d in unchecked})
        print(f"WARNING: not audited ({'; '.join(reasons)[:300]})", file=sys.stderr)
        if os.environ.get("TETHER_AUDIT_REQUIRED") == "1":
            return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
