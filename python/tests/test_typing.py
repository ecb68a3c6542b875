"""The package is typed (py.typed): mypy --strict finds nothing in it (pandas/pyarrow unstubbed)."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

import e2i_feature_store


def test_mypy_strict_passes_on_the_package(tmp_path: Path) -> None:
    pytest.importorskip("mypy")
    package = Path(e2i_feature_store.__file__).parent
    assert (package / "py.typed").is_file()
    # -p: the package as installed (what a user's mypy sees through py.typed), from an empty folder.
    out = subprocess.run(
        [sys.executable, "-m", "mypy", "--strict", "--python-version", "3.10", "--ignore-missing-imports",
         "--no-incremental", "-p", "e2i_feature_store"],
        capture_output=True, text=True, timeout=600, check=False, cwd=tmp_path,
    )
    assert out.returncode == 0, out.stdout + out.stderr
