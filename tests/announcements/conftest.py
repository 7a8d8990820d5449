from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest


@pytest.fixture(autouse=True)
def _results_keys(settings: Any, tmp_path: Path) -> Path:
    """Each test signs with a festival key of its own, under its own temporary folder."""
    settings.RESULTS_SIGNING_KEY_DIR = tmp_path / "keys"
    return tmp_path / "keys"
