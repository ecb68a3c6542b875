"""The package is typed (py.typed): mypy --strict finds nothing in it (pandas/pyarrow unstubbed)."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

import e2i_feature_store


def test_mypy_strict_passes_on_the_package() -> None:
    pytest.importorskip("mypy")
    package = Path(e2i_feature_store.__file__).parent
    assert (package / "py.typed").is_file()
    out = subprocess.run(
        [sys.executable, "-m", "mypy", "--strict", "--python-version", "3.10", "--ignore-missing-imports",
         "--no-incremental", str(package)],
        capture_output=True, text=True, timeout=600, check=False,
    )
    assert out.returncode == 0, out.stdout + out.stderr
