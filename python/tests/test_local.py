"""Local mode: FeatureStoreClient() without a URL runs the jar over a data folder and stops it."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from pathlib import Path

import pytest

from conftest import jar_path
from e2i_feature_store import AsyncFeatureStoreClient, FeatureStoreClient, FeatureStoreError


def gone(pid: int, within: float = 30.0) -> bool:
    deadline = time.monotonic() + within
    while time.monotonic() < deadline:
        try:
            os.kill(pid, 0)
        except ProcessLookupError:
            return True
        # A zombie of ours counts as gone once reaped; others' zombies show as 'Z' in /proc.
        try:
            if Path(f"/proc/{pid}/stat").read_text().split()[2] == "Z":
                return True
        except OSError:
            return True
        time.sleep(0.2)
    return False


@pytest.fixture
def local_env(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("FS_JAR", str(jar_path()))
    for name in ("FS_API_KEY", "FS_TRACKING_URI", "FS_ONLINE_URL", "FS_OFFLINE_URL", "FS_CONFIG"):
        monkeypatch.delenv(name, raising=False)


def test_starts_shares_and_stops_a_local_server(tmp_path: Path, local_env: None) -> None:
    folder = tmp_path / "store"
    with FeatureStoreClient(data_dir=folder) as fs:
        server = fs.local_server
        assert server is not None and server.url.startswith("http://127.0.0.1:")
        assert (folder / "featurestore.duckdb").exists()
        fs.create_feature_group("hcp_demographics")
        fs.create_feature("hcp_demographics", "specialty", "string", ["hcp_id"])
        fs.write_feature_value("specialty", {"hcp_id": "HCP123"}, "Oncology", feature_group="hcp_demographics")

        # A second client over the same folder uses the same server (one process owns the file).
        second = FeatureStoreClient(data_dir=folder)
        assert second.url == fs.url
        second.close()
        assert server.process.poll() is None
    assert gone(server.process.pid)
    # No JDK noise in the server's log (JDK 23+ warns about sun.misc.Unsafe unless told not to).
    assert "sun.misc.Unsafe" not in server.log_path.read_text()

    # The data outlives the server.
    with FeatureStoreClient(data_dir=folder) as fs:
        assert fs.get_entity_features({"hcp_id": "HCP123"}, "hcp_demographics").to_dict() == {
            "hcp_id": "HCP123",
            "specialty": "Oncology",
        }


async def test_async_local_mode(tmp_path: Path, local_env: None) -> None:
    async with AsyncFeatureStoreClient(data_dir=tmp_path / "store") as fs:
        pid = fs.local_server.process.pid  # type: ignore[union-attr]
        assert (await fs.health_check())["supabase"] is True
    assert gone(pid)


def test_the_server_stops_when_python_exits_without_close(tmp_path: Path, local_env: None) -> None:
    script = (
        "from e2i_feature_store import FeatureStoreClient\n"
        f"fs = FeatureStoreClient(data_dir={str(tmp_path / 'store')!r})\n"
        "print(fs.local_server.process.pid, flush=True)\n"
    )
    out = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, timeout=180, check=True)
    assert gone(int(out.stdout.strip()))


def test_a_missing_jar_says_how_to_get_one(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("FS_JAR", str(tmp_path / "nope.jar"))
    with pytest.raises(FeatureStoreError, match="nope.jar"):
        FeatureStoreClient(data_dir=tmp_path / "store")
    with pytest.raises(ValueError, match="local mode"):
        FeatureStoreClient("http://127.0.0.1:1", data_dir=tmp_path)


def fake_jdk(folder: Path, version: str | None, version_output: str | None = None) -> Path:
    """A JDK folder as installed: bin/java and, when ``version`` is given, a ``release`` file."""
    (folder / "bin").mkdir(parents=True)
    java = folder / "bin" / "java"
    java.write_text(f"#!/bin/sh\necho '{version_output or ''}' >&2\n")
    java.chmod(0o755)
    if version is not None:
        (folder / "release").write_text(f'IMPLEMENTOR="x"\nJAVA_VERSION="{version}"\n')
    return java


def test_an_older_default_java_is_passed_over_for_a_jdk_21_found_where_jdks_live(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from e2i_feature_store._local import find_java

    old = fake_jdk(tmp_path / "home17", "17.0.2")
    fake_jdk(tmp_path / "jvm" / "a-jdk-11", "11.0.1")
    fake_jdk(tmp_path / "jvm" / "b-jre-8", "1.8.0_392")
    new = fake_jdk(tmp_path / "jvm" / "c-jdk-25", "25.0.1")
    monkeypatch.setenv("JAVA_HOME", str(tmp_path / "home17"))
    monkeypatch.setenv("PATH", str(old.parent))
    assert find_java(roots=[tmp_path / "jvm"]) == str(new)
    # Without a release file the runtime's own -version tells.
    told = fake_jdk(tmp_path / "told", None, 'openjdk version "21.0.4" 2024-07-16')
    monkeypatch.setenv("JAVA_HOME", str(tmp_path / "told"))
    assert find_java(roots=[]) == str(told)


def test_without_any_java_21_local_mode_says_what_it_found(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from e2i_feature_store._local import find_java

    old = fake_jdk(tmp_path / "jvm" / "jdk-17", "17.0.2")
    monkeypatch.delenv("JAVA_HOME", raising=False)
    monkeypatch.setenv("PATH", str(old.parent))
    with pytest.raises(FeatureStoreError) as e:
        find_java(roots=[tmp_path / "jvm"])
    assert "needs a Java 21+ runtime" in str(e.value)
    assert f"{old} (Java 17)" in str(e.value)
    assert "set JAVA_HOME" in str(e.value)
