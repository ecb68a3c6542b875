"""Real feature servers for the tests: the built jar, started on free loopback ports over temp folders.

``open_server``: a store without API keys (everyone may do everything, loopback only).
``keyed_server``: a store whose first key (admin/read/write on '*') was created with the CLI before
the server started, so every call needs ``Authorization: Bearer``.

The jar is ``$FS_JAR`` or ``featurestore-cli/target/featurestore.jar`` of this checkout (built by
``bin/test``); Java is ``$JAVA_HOME/bin/java`` or ``java`` on PATH.
"""

from __future__ import annotations

import os
import subprocess
from dataclasses import dataclass
from pathlib import Path
from typing import Iterator

import pytest

from e2i_feature_store import FeatureStoreClient, LocalServer
from e2i_feature_store._local import find_java

REPO = Path(__file__).resolve().parents[2]


def jar_path() -> Path:
    jar = Path(os.environ.get("FS_JAR") or REPO / "featurestore-cli" / "target" / "featurestore.jar")
    if not jar.is_file():
        pytest.exit(f"{jar} not found: build it with bin/test (or set FS_JAR)", returncode=2)
    return jar.resolve()


def clean_env() -> dict[str, str]:
    """The servers see no store settings from the environment: a fresh embedded store each."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("FS_", "MLFLOW_"))}
    return env


@dataclass(frozen=True)
class Server:
    name: str
    url: str
    api_key: str | None
    data_dir: Path
    process: LocalServer

    def client(self, **kwargs: object) -> FeatureStoreClient:
        return FeatureStoreClient(self.url, api_key=self.api_key, **kwargs)  # type: ignore[arg-type]


def _start(folder: Path) -> LocalServer:
    return LocalServer(folder, jar=jar_path(), java_options=["-Xmx512m"], env=clean_env(), startup_timeout=180)


def create_key_with_cli(folder: Path, name: str, *scopes: str) -> str:
    """``featurestore keys create`` on the store itself (the first key cannot come over HTTP)."""
    out = subprocess.run(
        [find_java(), "-jar", str(jar_path()), "keys", "create", "--name", name, *scopes,
         "--offline-url", f"embedded:{folder}"],
        env=clean_env(), capture_output=True, text=True, timeout=180, check=False,
    )
    if out.returncode != 0:
        pytest.exit(f"keys create failed ({out.returncode}): {out.stderr}{out.stdout}", returncode=2)
    return out.stdout.strip().splitlines()[-1].strip()


def start_server(kind: str, folder: Path) -> Server:
    """``open``: no API keys; ``keyed``: an admin/read/write key on '*' made before the start."""
    key = None
    if kind == "keyed":
        key = create_key_with_cli(folder, "pytest-admin", "--admin", "*", "--read", "*", "--write", "*")
    process = _start(folder)
    return Server(kind, process.url, key, folder, process)


@pytest.fixture(scope="session")
def open_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    server = start_server("open", tmp_path_factory.mktemp("open-store"))
    try:
        yield server
    finally:
        server.process.stop()


@pytest.fixture(scope="session")
def keyed_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    server = start_server("keyed", tmp_path_factory.mktemp("keyed-store"))
    try:
        yield server
    finally:
        server.process.stop()


@pytest.fixture(scope="session", params=["open", "keyed"])
def server(request: pytest.FixtureRequest) -> Server:
    """Each test that takes it runs against both servers."""
    return request.getfixturevalue(f"{request.param}_server")  # type: ignore[no-any-return]


@pytest.fixture
def fs(server: Server) -> Iterator[FeatureStoreClient]:
    with server.client() as client:
        yield client


_counter = iter(range(1_000_000))


@pytest.fixture
def unique() -> str:
    """A group name no other test uses (the servers live for the whole session)."""
    return f"t{os.getpid()}_{next(_counter)}"
