"""Shared fixtures: small generated copies of the "Triple trouble" files."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

import pytest

# The anomaly model of the benchmark baselines scores the generated series.
REPOSITORY = Path(__file__).resolve().parents[2]
if str(REPOSITORY) not in sys.path:
    sys.path.insert(0, str(REPOSITORY))

from kqlite.samples import kda_case4  # noqa: E402

SMALL_SCALE = 0.003


@pytest.fixture(scope="session")
def small_case(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, dict[str, Any]]:
    folder = tmp_path_factory.mktemp("case4")
    return folder, kda_case4.generate(folder, scale=SMALL_SCALE, seed=7)
