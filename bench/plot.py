"""Scan time against accounts, for Tether and the limit model, as a PNG."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import Any

import matplotlib

matplotlib.use("Agg")  # no display here; must precede pyplot
import matplotlib.pyplot as plt

COLOURS = ("tab:blue", "tab:orange", "tab:green")


def scaling_plot(points: Sequence[dict[str, Any]], path: Path) -> None:
    """``points``: {"accounts", "wall_s", "t_min_s", "backend"} per full discovery."""
    figure, axes = plt.subplots(figsize=(7, 4.2), dpi=120)
    backends = dict.fromkeys(p["backend"] for p in points)
    for backend, colour in zip(backends, COLOURS, strict=False):
        mine = sorted((p for p in points if p["backend"] == backend), key=lambda p: p["accounts"])
        accounts = [p["accounts"] for p in mine]
        axes.plot(accounts, [p["wall_s"] for p in mine], "o-", color=colour,
                  label=f"Tether ({backend})")  # fmt: skip
        # T_min depends on how many processes discovery may use: one line per back-end.
        axes.plot(accounts, [p["t_min_s"] for p in mine], "s--", color=colour, alpha=0.6,
                  label=f"limit model T_min ({backend})")  # fmt: skip
    axes.set_xlabel("accounts (x regions of the run, every catalog type)")
    axes.set_ylabel("full discovery, seconds")
    axes.set_title("Full discovery time against organization size")
    axes.set_xlim(left=0)
    axes.set_ylim(bottom=0)
    axes.grid(True, alpha=0.3)
    axes.legend()
    figure.tight_layout()
    path.parent.mkdir(parents=True, exist_ok=True)
    figure.savefig(path)
    plt.close(figure)


if __name__ == "__main__":
    # Redraw from a results file: python -m bench.plot bench/results/bench-....json
    import json
    import sys

    results = json.loads(Path(sys.argv[1]).read_text())
    scaling_plot(
        results["scaling"], Path(__file__).parent.parent / "docs" / "performance-scaling.png"
    )
