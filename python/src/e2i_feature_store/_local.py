"""Local mode: the project's jar, started on a free loopback port over a local data folder.

``FeatureStoreClient()`` without a URL runs ``java -jar featurestore.jar serve --host 127.0.0.1
--port 0 --offline-url embedded:<data_dir>`` and reads the port it bound from its first lines.
Clients in one process over the same folder share one server (the embedded store is a single-writer
DuckDB file); the last one to close it, or the interpreter's exit, stops it.
"""

from __future__ import annotations

import atexit
import os
import re
import shutil
import signal
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.request
from pathlib import Path
from typing import Mapping, Sequence

from ._errors import FeatureStoreError, Unavailable

DEFAULT_DATA_DIR = "./feature_store_data"
JAR_RELATIVE = Path("featurestore-cli") / "target" / "featurestore.jar"
_SERVING = re.compile(r"featurestore serving on (https?://\S+?:\d+)\b")


def find_jar(jar: str | os.PathLike[str] | None = None) -> Path:
    """``jar``, else ``$FS_JAR``, else ``featurestore-cli/target/featurestore.jar`` in the current
    folder or one above it, or above this package (a checkout installed with ``pip install -e``)."""
    given = jar or os.environ.get("FS_JAR")
    if given:
        path = Path(given).expanduser()
        if not path.is_file():
            raise FeatureStoreError(f"feature store jar {path} not found (from the jar argument or FS_JAR)")
        return path.resolve()
    starts = [Path.cwd(), Path(__file__).resolve().parent]
    for start in starts:
        for folder in [start, *start.parents]:
            candidate = folder / JAR_RELATIVE
            if candidate.is_file():
                return candidate.resolve()
    raise FeatureStoreError(
        "no URL given and no feature store jar found: pass url='http://host:8080' for a running "
        "server, or set FS_JAR to featurestore.jar (build it with 'bin/test' or "
        "'mvn package -pl featurestore-cli -am' in the repository) to run one locally"
    )


MIN_JAVA = 21
# Where JDKs are installed when the default ``java`` is older (as bin/java-env.sh looks).
JAVA_ROOTS = ("/usr/lib/jvm", "/opt/java", "/opt")


def java_major(java: Path) -> int | None:
    """The feature version of the runtime ``java`` belongs to: its home's ``release`` file, else
    ``java -version``; None when neither tells."""
    release = java.resolve().parent.parent / "release"
    try:
        for line in release.read_text().splitlines():
            if line.startswith("JAVA_VERSION="):
                return _major(line.partition("=")[2].strip().strip('"'))
    except OSError:
        pass
    try:
        out = subprocess.run([str(java), "-version"], capture_output=True, text=True, timeout=30)
    except (OSError, subprocess.SubprocessError):
        return None
    found = re.search(r'version "([^"]+)"', out.stderr + out.stdout)
    return _major(found.group(1)) if found else None


def quiet_jvm_options(java: str) -> list[str]:
    """What bin/featurestore passes too: JDK 23 and later warn at every start (four lines in the
    server's log) when protobuf uses sun.misc.Unsafe's memory access; the flag that allows it
    quietly is unknown to older JDKs, which refuse to start with it."""
    major = java_major(Path(java))
    return ["--sun-misc-unsafe-memory-access=allow"] if major is not None and major >= 23 else []


def _major(version: str) -> int | None:
    parts = version.split(".")
    first = parts[1] if parts[0] == "1" and len(parts) > 1 else parts[0]  # 1.8.0 is Java 8
    digits = re.match(r"\d+", first)
    return int(digits.group()) if digits else None


def find_java(roots: Sequence[str | os.PathLike[str]] = JAVA_ROOTS) -> str:
    """A ``java`` of release 21 or newer: ``$JAVA_HOME``'s, else the one on ``PATH``, else the first
    under ``roots`` (``/usr/lib/jvm/*``, ``/opt/java/*``, ``/opt/jdk*``), as the repository's
    scripts pick one: the jar is compiled for 21, so an older default ``java`` would only fail to
    load it."""
    candidates: list[Path] = []
    home = os.environ.get("JAVA_HOME")
    if home and Path(home, "bin", "java").is_file():
        candidates.append(Path(home, "bin", "java"))
    on_path = shutil.which("java")
    if on_path is not None:
        candidates.append(Path(on_path))
    for root in roots:
        folder = Path(root)
        if folder.is_dir():
            for jdk in sorted(folder.iterdir()):
                java = jdk / "bin" / "java"
                if (folder.name != "opt" or jdk.name.startswith("jdk")) and java.is_file():
                    candidates.append(java)
    seen: list[str] = []
    for java in candidates:
        major = java_major(java)
        if major is not None and major >= MIN_JAVA:
            return str(java)
        seen.append(f"{java} ({'Java ' + str(major) if major else 'version unknown'})")
    raise FeatureStoreError(
        f"local mode needs a Java {MIN_JAVA}+ runtime"
        + (f"; found only {', '.join(seen)}" if seen else "")
        + f": set JAVA_HOME to a JDK {MIN_JAVA} or newer"
    )


def _die_with_parent() -> None:  # pragma: no cover - runs in the child
    """Linux: the server gets SIGTERM if this Python process dies without running atexit."""
    try:
        import ctypes

        ctypes.CDLL("libc.so.6", use_errno=True).prctl(1, signal.SIGTERM)  # PR_SET_PDEATHSIG
    except (OSError, AttributeError):
        pass


class LocalServer:
    """One ``featurestore serve`` process; ``url`` once it answers ``/health``."""

    def __init__(
        self,
        data_dir: str | os.PathLike[str],
        jar: str | os.PathLike[str] | None = None,
        java: str | None = None,
        startup_timeout: float = 120.0,
        extra_args: Sequence[str] = (),
        java_options: Sequence[str] = (),
        env: Mapping[str, str] | None = None,
    ) -> None:
        self.data_dir = Path(data_dir).expanduser().resolve()
        self.data_dir.mkdir(parents=True, exist_ok=True)
        self.jar = find_jar(jar)
        self.log_path = self.data_dir / "server.log"
        java = java or find_java()
        command = [
            java,
            *quiet_jvm_options(java),
            *java_options,
            "-jar",
            str(self.jar),
            "serve",
            "--host",
            "127.0.0.1",
            "--port",
            "0",
            "--offline-url",
            f"embedded:{self.data_dir}",
            *extra_args,
        ]
        # The log may hold earlier runs: look for this run's "serving on" line after its start.
        self._start = self.log_path.stat().st_size if self.log_path.exists() else 0
        self._log = open(self.log_path, "ab")
        self.process = subprocess.Popen(
            command,
            stdin=subprocess.DEVNULL,
            stdout=self._log,
            stderr=subprocess.STDOUT,
            cwd=str(self.data_dir),
            env=None if env is None else dict(env),
            preexec_fn=_die_with_parent if sys.platform.startswith("linux") else None,
        )
        try:
            self.url = self._wait(startup_timeout)
        except BaseException:
            self.stop()
            raise

    def _log_text(self) -> str:
        try:
            with open(self.log_path, "rb") as f:
                f.seek(self._start)
                return f.read().decode("utf-8", "replace")
        except OSError:
            return ""

    def _wait(self, timeout: float) -> str:
        deadline = time.monotonic() + timeout
        url: str | None = None
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise FeatureStoreError(
                    f"the local feature server exited with code {self.process.returncode}; "
                    f"its log ({self.log_path}) ends with:\n{self._tail()}"
                )
            if url is None:
                m = _SERVING.search(self._log_text())
                url = m.group(1) if m else None
            if url is not None and _healthy(url):
                return url
            time.sleep(0.1)
        raise Unavailable(f"the local feature server did not answer /health within {timeout:.0f} s; see {self.log_path}")

    def _tail(self, lines: int = 20) -> str:
        return "\n".join(self._log_text().splitlines()[-lines:])

    def stop(self, timeout: float = 20.0) -> None:
        """SIGTERM (requests in flight finish, the store closes), then SIGKILL after ``timeout``."""
        if self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
        if not self._log.closed:
            self._log.close()


def _healthy(url: str) -> bool:
    try:
        with urllib.request.urlopen(url + "/health", timeout=2) as r:
            return bool(r.status == 200)
    except urllib.error.HTTPError:
        return False
    except OSError:
        return False


# One server per data folder in this process, shared by every client over it.
_lock = threading.Lock()
_servers: dict[Path, tuple[LocalServer, int]] = {}


def acquire(data_dir: str | os.PathLike[str] | None, jar: str | os.PathLike[str] | None, timeout: float) -> LocalServer:
    folder = Path(data_dir or DEFAULT_DATA_DIR).expanduser().resolve()
    with _lock:
        entry = _servers.get(folder)
        if entry is not None and entry[0].process.poll() is None:
            _servers[folder] = (entry[0], entry[1] + 1)
            return entry[0]
        server = LocalServer(folder, jar=jar, startup_timeout=timeout)
        _servers[folder] = (server, 1)
        return server


def release(server: LocalServer) -> None:
    with _lock:
        entry = _servers.get(server.data_dir)
        if entry is None or entry[0] is not server:
            server.stop()
            return
        if entry[1] > 1:
            _servers[server.data_dir] = (server, entry[1] - 1)
            return
        del _servers[server.data_dir]
    server.stop()


@atexit.register
def _stop_all() -> None:
    with _lock:
        servers = [s for s, _ in _servers.values()]
        _servers.clear()
    for s in servers:
        s.stop()
