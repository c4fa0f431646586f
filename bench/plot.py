"""Scan time against accounts, for Tether and the limit model, as a PNG."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import Any

import matplotlib

matplotlib.use("Agg")  # no display here; must precede pyplot
import matplotlib.pyplot as plt


def scaling_plot(points: Sequence[dict[str, Any]], path: Path) -> None:
    """``points``: {"accounts", "wall_s", "t_min_s", "backend"} per full discovery."""
    figure, axes = plt.subplots(figsize=(7, 4.2), dpi=120)
    for backend in dict.fromkeys(p["backend"] for p in points):
        mine = sorted((p for p in points if p["backend"] == backend), key=lambda p: p["accounts"])
        axes.plot(
            [p["accounts"] for p in mine], [p["wall_s"] for p in mine], "o-",
            label=f"Tether ({backend})",
        )  # fmt: skip
    model = sorted({p["accounts"]: p["t_min_s"] for p in points}.items())
    axes.plot([a for a, _ in model], [t for _, t in model], "s--", color="grey",
              label="limit model T_min")  # fmt: skip
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
