"""Every catalog type that has a recording collects it exactly as expected."""

from __future__ import annotations

import pytest

from tests.catalog.recorded import RECORDINGS, check_expected, collect_recorded
from tether.catalog.registry import RESOURCE_TYPES

RECORDED = [spec for spec in RESOURCE_TYPES if (RECORDINGS / f"{spec.type_code}.json").exists()]


@pytest.mark.parametrize("spec", RECORDED, ids=lambda spec: spec.type_code)
def test_recorded_answers_normalise_as_expected(spec) -> None:  # type: ignore[no-untyped-def]
    collected, recording = collect_recorded(spec)
    check_expected(collected, recording)
    assert collected.api_calls == len(recording["calls"])


def test_every_recording_names_a_catalog_type() -> None:
    codes = {spec.type_code for spec in RESOURCE_TYPES}
    assert {path.stem for path in RECORDINGS.glob("*.json")} <= codes
