"""Run a throw-away single-node Apache Kafka 4.x broker (KRaft mode) on 127.0.0.1.

Used by the integration tests, by CI and by ``newswire broker --kind kafka``.
There is no Docker here, so the broker is the real Apache Kafka server started
from its jars:

* :func:`install` fetches the jars once with Maven (``deploy/kafka/pom.xml``:
  ``org.apache.kafka:kafka_2.13`` plus a log4j2 backend for slf4j) into
  ``<cache_dir()>/kafka-<KAFKA_VERSION>/libs``.  ``cache_dir()`` is
  ``$NEWSWIRE_CACHE_DIR`` or ``~/.cache/newswire``.  The download goes to a
  temporary directory that is renamed into place when complete, and a marker
  file makes later calls return at once.  Needs ``mvn`` and a Java 17+ ``java``
  on ``PATH`` (or ``$JAVA_HOME``); Maven keeps its own cache in ``~/.m2``.

* :class:`ApacheKafka` runs one combined broker+controller process
  (``process.roles=broker,controller``) with a PLAINTEXT listener for clients,
  a CONTROLLER listener on a second port, and optionally a SASL_PLAINTEXT
  listener with SCRAM-SHA-256/512 users.  Storage is formatted with
  ``kafka.tools.StorageTool format --standalone`` (a single-voter dynamic
  quorum, so the config uses ``controller.quorum.bootstrap.servers``, not the
  3.x-style ``controller.quorum.voters``).  ``start()`` returns only once a
  client can fetch metadata from the broker.

Example::

    from streams.kafka_broker import ApacheKafka

    with ApacheKafka() as kafka:          # free port, temp data dir
        print(kafka.bootstrap)            # "127.0.0.1:<port>"
        ...                               # point aiokafka / faust at it
        kafka.restart()                   # same port, same data
    # stopped; the temp data dir is gone

    kafka = ApacheKafka(sasl_scram_users={"alice": "s3cret"})
    kafka.start()
    kafka.sasl_bootstrap                  # SASL_PLAINTEXT, SCRAM-SHA-256/512
    kafka.stop()

The broker's stdout/stderr (log4j2 config ``deploy/kafka/log4j2.properties``:
WARN plus a few lifecycle lines; ``NEWSWIRE_KAFKA_LOG_LEVEL=INFO`` for more)
goes to ``<data_dir>/broker.log``; if startup fails the exception carries its
tail.  Standard library only.
"""

from __future__ import annotations

import atexit
import base64
import hashlib
import json
import os
import re
import shutil
import signal
import socket
import struct
import subprocess
import tempfile
import threading
import time
import uuid
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

__all__ = [
    "KAFKA_VERSION",
    "ApacheKafka",
    "BrokerMetadata",
    "KafkaStartError",
    "cache_dir",
    "deploy_dir",
    "free_port",
    "install",
    "install_dir",
    "is_installed",
    "probe",
    "random_cluster_id",
]

#: Apache Kafka release run by :class:`ApacheKafka`; must equal ``kafka.version``
#: in ``deploy/kafka/pom.xml`` (checked by :func:`install`).
KAFKA_VERSION = "4.3.1"

LOCALHOST = "127.0.0.1"
NODE_ID = 1
DEFAULT_HEAP = "512m"
SCRAM_ITERATIONS = 4096  # Kafka's minimum for SCRAM-SHA-256/512

_MARKER = ".newswire-install-complete"
_STATE_FILE = "newswire-kafka.json"
_MIN_JAVA = 17
_SCRAM_MECHANISMS = (("SCRAM-SHA-256", "sha256"), ("SCRAM-SHA-512", "sha512"))
_USERNAME_RE = re.compile(r"^[A-Za-z0-9._@+-]+$")


class KafkaStartError(RuntimeError):
    """The broker could not be installed, formatted or started."""


# --------------------------------------------------------------------------
# Installation


def cache_dir() -> Path:
    """Where downloaded jars live: ``$NEWSWIRE_CACHE_DIR`` or ``~/.cache/newswire``."""
    env = os.environ.get("NEWSWIRE_CACHE_DIR")
    return Path(env).expanduser() if env else Path.home() / ".cache" / "newswire"


def install_dir() -> Path:
    """``cache_dir()/kafka-<KAFKA_VERSION>``; its ``libs/`` is the classpath."""
    return cache_dir() / f"kafka-{KAFKA_VERSION}"


def deploy_dir() -> Path:
    """Directory holding ``pom.xml`` and ``log4j2.properties``.

    ``$NEWSWIRE_KAFKA_DEPLOY_DIR`` if set, else ``deploy/kafka`` in the
    repository this module lives in.
    """
    env = os.environ.get("NEWSWIRE_KAFKA_DEPLOY_DIR")
    if env:
        return Path(env).expanduser()
    return Path(__file__).resolve().parent.parent / "deploy" / "kafka"


def _pom_fingerprint(pom: Path) -> str:
    return hashlib.sha256(pom.read_bytes()).hexdigest()


def _read_marker(root: Path) -> dict | None:
    try:
        return json.loads((root / _MARKER).read_text())
    except (OSError, ValueError):
        return None


def is_installed() -> bool:
    """True if the jars for :data:`KAFKA_VERSION` are completely installed.

    When the POM is available its hash must match the one recorded at install
    time, so editing ``deploy/kafka/pom.xml`` triggers a fresh install.
    """
    root = install_dir()
    marker = _read_marker(root)
    if not marker or marker.get("kafka_version") != KAFKA_VERSION:
        return False
    if not (root / "libs" / f"kafka_2.13-{KAFKA_VERSION}.jar").is_file():
        return False
    pom = deploy_dir() / "pom.xml"
    if pom.is_file() and marker.get("pom_sha256") != _pom_fingerprint(pom):
        return False
    return True


def _which_java() -> str:
    java_home = os.environ.get("JAVA_HOME")
    if java_home:
        candidate = Path(java_home) / "bin" / "java"
        if candidate.is_file() and os.access(candidate, os.X_OK):
            return str(candidate)
    java = shutil.which("java")
    if not java:
        raise KafkaStartError(
            f"java not found (need a Java {_MIN_JAVA}+ runtime on PATH or in JAVA_HOME "
            f"to run Apache Kafka {KAFKA_VERSION}; e.g. apt-get install openjdk-17-jre-headless)"
        )
    return java


_java_checked: dict[str, int] = {}


def _java() -> str:
    """Path of a usable ``java`` (major version >= 17), checked once per path."""
    java = _which_java()
    if java not in _java_checked:
        try:
            out = subprocess.run(
                [java, "-version"], check=False, capture_output=True, text=True, timeout=60
            )
        except (OSError, subprocess.SubprocessError) as exc:
            raise KafkaStartError(f"cannot run {java} -version: {exc}") from exc
        m = re.search(r'version "(\d+)(?:\.(\d+))?', out.stderr + out.stdout)
        if not m:
            raise KafkaStartError(f"cannot tell the Java version of {java}:\n{out.stderr}")
        major = int(m.group(1))
        if major == 1 and m.group(2):  # "1.8.0_x" style
            major = int(m.group(2))
        if major < _MIN_JAVA:
            raise KafkaStartError(
                f"{java} is Java {major}; Apache Kafka {KAFKA_VERSION} needs Java {_MIN_JAVA}+"
            )
        _java_checked[java] = major
    return java


def _tail_text(text: str, lines: int = 40) -> str:
    return "\n".join(text.rstrip().splitlines()[-lines:])


def install(quiet: bool = True, *, timeout: float = 1800.0) -> Path:
    """Fetch the Kafka jars (once) and return the ``libs`` directory.

    Runs ``mvn dependency:copy-dependencies`` on ``deploy/kafka/pom.xml`` into
    a temporary directory under :func:`cache_dir` and renames it to
    :func:`install_dir` when complete; a marker file there makes later calls
    (from any process: a file lock serialises concurrent installs) return
    immediately.  ``quiet=False`` shows Maven's progress.  Raises
    :class:`KafkaStartError` (a ``RuntimeError``) if mvn or java is missing or
    the download fails.
    """
    root = install_dir()
    if is_installed():
        return root / "libs"

    pom = deploy_dir() / "pom.xml"
    if not pom.is_file():
        raise KafkaStartError(
            f"{pom} not found: cannot install Apache Kafka {KAFKA_VERSION} "
            "(set NEWSWIRE_KAFKA_DEPLOY_DIR to the directory holding pom.xml)"
        )
    m = re.search(r"<kafka\.version>\s*([^<\s]+)\s*</kafka\.version>", pom.read_text())
    if not m or m.group(1) != KAFKA_VERSION:
        raise KafkaStartError(
            f"{pom} pins kafka.version={m.group(1) if m else '?'} but "
            f"streams/kafka_broker.py has KAFKA_VERSION={KAFKA_VERSION}; keep them equal"
        )
    mvn = shutil.which("mvn")
    if not mvn:
        raise KafkaStartError(
            "mvn (Apache Maven) not found on PATH; it is needed once to fetch the "
            f"Apache Kafka {KAFKA_VERSION} jars (e.g. apt-get install maven)"
        )
    _java()  # fail early, and clearly, without Java 17+

    parent = root.parent
    parent.mkdir(parents=True, exist_ok=True)
    import fcntl  # POSIX only, like the rest of the process handling here

    with open(parent / f".kafka-{KAFKA_VERSION}.lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        if is_installed():  # another process finished while we waited
            return root / "libs"
        tmp = Path(tempfile.mkdtemp(prefix=f"kafka-{KAFKA_VERSION}.tmp-", dir=parent))
        try:
            cmd = [
                mvn, "-B", "-Dstyle.color=never", "-f", str(pom),
                "dependency:copy-dependencies",
                "-DincludeScope=runtime",
                f"-DoutputDirectory={tmp / 'libs'}",
            ]
            if quiet:
                cmd.insert(1, "-q")
            try:
                proc = subprocess.run(
                    cmd,
                    check=False,
                    cwd=tmp,
                    stdin=subprocess.DEVNULL,
                    capture_output=quiet,
                    text=True,
                    timeout=timeout,
                )
            except subprocess.TimeoutExpired as exc:
                raise KafkaStartError(
                    f"mvn did not finish fetching Kafka {KAFKA_VERSION} within {timeout:.0f}s"
                ) from exc
            if proc.returncode != 0:
                out = (proc.stdout or "") + (proc.stderr or "") if quiet else ""
                raise KafkaStartError(
                    f"mvn failed (exit {proc.returncode}) fetching Apache Kafka "
                    f"{KAFKA_VERSION}: {' '.join(cmd)}\n{_tail_text(out)}"
                )
            libs = tmp / "libs"
            jars = {p.name for p in libs.glob("*.jar")}
            needed = [f"kafka_2.13-{KAFKA_VERSION}.jar", "log4j-core-", "log4j-slf4j"]
            missing = [n for n in needed if not any(j.startswith(n) for j in jars)]
            if missing:
                raise KafkaStartError(f"mvn finished but {libs} lacks {missing}")
            for name in ("pom.xml", "log4j2.properties"):
                src = pom.parent / name
                if src.is_file():
                    shutil.copy2(src, tmp / name)
            (tmp / _MARKER).write_text(
                json.dumps(
                    {
                        "kafka_version": KAFKA_VERSION,
                        "pom_sha256": _pom_fingerprint(pom),
                        "jars": len(jars),
                        "installed_at": time.strftime("%Y-%m-%dT%H:%M:%S%z"),
                    },
                    indent=2,
                )
                + "\n"
            )
            os.chmod(tmp, 0o755)  # mkdtemp makes it 0700
            if root.exists():  # stale or incomplete install: replace it
                shutil.rmtree(root)
            os.rename(tmp, root)
        finally:
            if tmp.exists():
                shutil.rmtree(tmp, ignore_errors=True)
    return root / "libs"


# --------------------------------------------------------------------------
# Small helpers


def free_port(host: str = LOCALHOST) -> int:
    """A TCP port on ``host`` that is free right now."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind((host, 0))
        return s.getsockname()[1]


def _port_is_free(port: int, host: str = LOCALHOST) -> bool:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        # The JVM binds with SO_REUSEADDR, so ports in TIME_WAIT count as free.
        s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            s.bind((host, port))
        except OSError:
            return False
        return True


def random_cluster_id() -> str:
    """A random cluster id in Kafka's form (URL-safe base64 of 16 bytes, no padding)."""
    while True:
        u = uuid.uuid4().bytes
        text = base64.urlsafe_b64encode(u).decode().rstrip("=")
        # Same exclusions as org.apache.kafka.common.Uuid.randomUuid().
        if not text.startswith("-") and u not in (bytes(16), bytes(15) + b"\x01"):
            return text


def _scram_credentials(users: dict[str, str]) -> list[str]:
    """``--add-scram`` arguments with pre-salted passwords.

    StorageTool's ``password=`` form cannot carry commas or brackets, so the
    salted password is computed here (RFC 5802 Hi() == PBKDF2-HMAC) and passed
    as ``salt=...,saltedpassword=...,iterations=...``; any password works.
    """
    args = []
    for name, password in users.items():
        if not _USERNAME_RE.match(name):
            raise ValueError(
                f"SCRAM user name {name!r} must match {_USERNAME_RE.pattern} "
                "(StorageTool's --add-scram syntax cannot quote other characters)"
            )
        for mechanism, digest in _SCRAM_MECHANISMS:
            salt = os.urandom(16)
            salted = hashlib.pbkdf2_hmac(digest, password.encode("utf-8"), salt, SCRAM_ITERATIONS)
            args += [
                "--add-scram",
                (
                    f"{mechanism}=[name={name},iterations={SCRAM_ITERATIONS},"
                    f'salt="{base64.b64encode(salt).decode()}",'
                    f'saltedpassword="{base64.b64encode(salted).decode()}"]'
                ),
            ]
    return args


# --------------------------------------------------------------------------
# A tiny Kafka protocol client (ApiVersions + Metadata) for readiness checks.


@dataclass
class BrokerMetadata:
    """What :func:`probe` learned from a Metadata response."""

    cluster_id: str | None
    controller_id: int
    brokers: list[tuple[int, str, int]] = field(default_factory=list)  # (node_id, host, port)
    api_versions: dict[int, tuple[int, int]] = field(default_factory=dict)


class _Reader:
    def __init__(self, data: bytes):
        self.data, self.pos = data, 0

    def take(self, fmt: str):
        size = struct.calcsize(fmt)
        vals = struct.unpack_from(fmt, self.data, self.pos)
        self.pos += size
        return vals[0] if len(vals) == 1 else vals

    def uvarint(self) -> int:
        shift = result = 0
        while True:
            b = self.data[self.pos]
            self.pos += 1
            result |= (b & 0x7F) << shift
            if not b & 0x80:
                return result
            shift += 7

    def string(self) -> str | None:  # int16-length (nullable) string
        n = self.take(">h")
        if n < 0:
            return None
        s = self.data[self.pos : self.pos + n].decode()
        self.pos += n
        return s

    def compact_string(self) -> str | None:
        n = self.uvarint() - 1
        if n < 0:
            return None
        s = self.data[self.pos : self.pos + n].decode()
        self.pos += n
        return s

    def skip_tags(self) -> None:
        for _ in range(self.uvarint()):
            self.uvarint()
            self.pos += self.uvarint()


def _roundtrip(sock: socket.socket, api_key: int, version: int, corr: int,
               body: bytes, flexible: bool) -> _Reader:
    client_id = b"newswire-probe"
    header = struct.pack(">hhih", api_key, version, corr, len(client_id)) + client_id
    if flexible:
        header += b"\x00"  # no tagged fields
    payload = header + body
    sock.sendall(struct.pack(">i", len(payload)) + payload)
    size = struct.unpack(">i", _recv_exact(sock, 4))[0]
    r = _Reader(_recv_exact(sock, size))
    if r.take(">i") != corr:
        raise ConnectionError("Kafka response with an unexpected correlation id")
    # ApiVersions responses always use header v0; other flexible ones v1.
    if flexible and api_key != 18:
        r.skip_tags()
    return r


def _recv_exact(sock: socket.socket, n: int) -> bytes:
    buf = bytearray()
    while len(buf) < n:
        chunk = sock.recv(n - len(buf))
        if not chunk:
            raise ConnectionError("connection closed by the broker")
        buf += chunk
    return bytes(buf)


def _api_versions(sock: socket.socket) -> dict[int, tuple[int, int]]:
    r = _roundtrip(sock, 18, 0, 1, b"", flexible=False)
    error = r.take(">h")
    if error:
        raise ConnectionError(f"ApiVersions error code {error}")
    return {key: (lo, hi) for key, lo, hi in (r.take(">hhh") for _ in range(r.take(">i")))}


def probe(port: int, host: str = LOCALHOST, timeout: float = 5.0) -> BrokerMetadata:
    """Ask the broker at ``host:port`` (PLAINTEXT) for cluster metadata.

    Sends ApiVersions then a Metadata request for no topics, like a client's
    bootstrap.  Raises ``OSError``/``ConnectionError`` if the broker is not
    (yet) serving requests.
    """
    with socket.create_connection((host, port), timeout=timeout) as sock:
        sock.settimeout(timeout)
        versions = _api_versions(sock)
        lo, hi = versions.get(3, (0, -1))
        legacy = [v for v in range(4, 9) if lo <= v <= hi]
        if legacy:  # non-flexible Metadata v4..v8
            v = max(legacy)
            body = struct.pack(">ib", 0, 0)  # topics=[], allow_auto_topic_creation=false
            if v >= 8:
                body += b"\x00\x00"  # include cluster/topic authorized operations
            r = _roundtrip(sock, 3, v, 2, body, flexible=False)
            r.take(">i")  # throttle_time_ms
            brokers = []
            for _ in range(r.take(">i")):
                node = r.take(">i")
                bhost = r.string()
                bport = r.take(">i")
                r.string()  # rack
                brokers.append((node, bhost, bport))
            cluster_id = r.string()
        elif lo <= 12 <= hi:  # flexible Metadata v12
            body = b"\x01\x00\x00\x00"  # topics=[], no auto-create, no authz ops, no tags
            r = _roundtrip(sock, 3, 12, 2, body, flexible=True)
            r.take(">i")
            brokers = []
            for _ in range(r.uvarint() - 1):
                node = r.take(">i")
                bhost = r.compact_string()
                bport = r.take(">i")
                r.compact_string()
                r.skip_tags()
                brokers.append((node, bhost, bport))
            cluster_id = r.compact_string()
        else:
            raise ConnectionError(f"broker supports no Metadata version this probe speaks ({lo}-{hi})")
        controller_id = r.take(">i")
        return BrokerMetadata(cluster_id, controller_id, brokers, versions)


# --------------------------------------------------------------------------
# The broker


_RUNNING: set[ApacheKafka] = set()
_RUNNING_LOCK = threading.Lock()


@atexit.register
def _stop_leftovers() -> None:
    """Never leave a JVM behind when the Python process exits."""
    with _RUNNING_LOCK:
        leftovers = list(_RUNNING)
    for broker in leftovers:
        try:
            broker.stop(timeout=10)
        except Exception:  # pragma: no cover - best effort at exit
            pass


class ApacheKafka:
    """One Apache Kafka broker+controller process on 127.0.0.1.

    ``port``: client (PLAINTEXT) port; ``None`` picks a free one (or reuses the
    one recorded in an existing ``data_dir``).  ``data_dir``: where the config,
    the log dirs and ``broker.log`` go; ``None`` uses a temporary directory
    that :meth:`stop` removes.  A given ``data_dir`` is kept, and starting on
    an already formatted one reuses its data (and its recorded ports).

    ``sasl_scram_users``: ``{name: password}``; if given, a SASL_PLAINTEXT
    listener (:attr:`sasl_bootstrap`) accepts SCRAM-SHA-256 and SCRAM-SHA-512
    for these users, which are created when the storage is formatted (so they
    are fixed for the life of a ``data_dir``).  The PLAINTEXT listener stays
    and is used between broker and controller.

    ``extra_config`` entries are written into ``server.properties`` last and
    override the defaults; ``heap`` is the JVM's ``-Xmx``.  The JVM runs with
    ``-XX:TieredStopAtLevel=1 -XX:+UseSerialGC`` for a fast start; ``jvm_args``
    come after those and after ``-Xmx`` so they can override them (e.g.
    ``["-XX:TieredStopAtLevel=4"]`` for full JIT on a long-running broker).
    """

    def __init__(
        self,
        port: int | None = None,
        data_dir: Path | None = None,
        *,
        sasl_scram_users: dict[str, str] | None = None,
        extra_config: dict[str, object] | None = None,
        heap: str = DEFAULT_HEAP,
        jvm_args: Sequence[str] = (),
    ) -> None:
        self._port = port
        self._controller_port: int | None = None
        self._sasl_port: int | None = None
        self._temp_data_dir = data_dir is None
        self._data_dir = Path(data_dir).resolve() if data_dir is not None else None
        self._users = dict(sasl_scram_users or {})
        for name in self._users:
            if not _USERNAME_RE.match(name):
                raise ValueError(f"SCRAM user name {name!r} must match {_USERNAME_RE.pattern}")
        self._extra = {k: str(v) for k, v in (extra_config or {}).items()}
        self._heap = heap
        self._jvm_args = list(jvm_args)
        self._proc: subprocess.Popen | None = None
        self._log_file = None
        self._cluster_id: str | None = None
        self._lock = threading.RLock()

    # -- properties ---------------------------------------------------------

    @property
    def bootstrap(self) -> str:
        """``"127.0.0.1:<port>"``: the PLAINTEXT bootstrap servers string."""
        if self._port is None:
            raise RuntimeError("ApacheKafka has no port yet: call start() first")
        return f"{LOCALHOST}:{self._port}"

    @property
    def sasl_bootstrap(self) -> str | None:
        """``"127.0.0.1:<port>"`` of the SASL_PLAINTEXT (SCRAM) listener, or None without users."""
        if not self._users:
            return None
        if self._sasl_port is None:
            raise RuntimeError("ApacheKafka has no SASL port yet: call start() first")
        return f"{LOCALHOST}:{self._sasl_port}"

    @property
    def port(self) -> int | None:
        return self._port

    @property
    def controller_port(self) -> int | None:
        return self._controller_port

    @property
    def sasl_port(self) -> int | None:
        return self._sasl_port

    @property
    def data_dir(self) -> Path | None:
        return self._data_dir

    @property
    def log_path(self) -> Path | None:
        """``<data_dir>/broker.log``: the JVM's stdout and stderr."""
        return self._data_dir / "broker.log" if self._data_dir else None

    @property
    def cluster_id(self) -> str | None:
        return self._cluster_id

    @property
    def pid(self) -> int | None:
        """PID of the running JVM (also its process group id), else None."""
        return self._proc.pid if self.running else None

    @property
    def running(self) -> bool:
        return self._proc is not None and self._proc.poll() is None

    def __repr__(self) -> str:
        state = f"pid={self.pid}" if self.running else "stopped"
        return f"<ApacheKafka {KAFKA_VERSION} {self._port and self.bootstrap} {state}>"

    # -- lifecycle ----------------------------------------------------------

    def __enter__(self) -> ApacheKafka:
        if not self.running:
            self.start()
        return self

    def __exit__(self, *exc) -> None:
        self.stop()

    def start(self, timeout: float = 60.0) -> ApacheKafka:
        """Install if needed, format storage if new, start the JVM, wait until ready.

        ``timeout`` covers format + startup (not the one-time jar download).
        Raises :class:`KafkaStartError` with the tail of ``broker.log`` if the
        broker dies or is not serving metadata within ``timeout`` seconds.
        """
        with self._lock:
            if self.running:
                return self
            libs = install()
            java = _java()
            deadline = time.monotonic() + timeout
            if self._data_dir is None or (self._temp_data_dir and not self._data_dir.exists()):
                self._data_dir = Path(tempfile.mkdtemp(prefix="newswire-kafka-")).resolve()
            self._data_dir.mkdir(parents=True, exist_ok=True)
            self._close_log()
            fresh = not (self._log_dir / "meta.properties").exists()
            try:
                self._choose_ports()
                props = self._write_config()
                if fresh:
                    self._format(java, libs, props, deadline)
                self._cluster_id = self._read_cluster_id()
                self._save_state()
                self._spawn(java, libs, props)
                self._wait_ready(deadline, timeout)
            except BaseException:
                self._kill()
                self._close_log()
                # A failed first start leaves no temp dir behind; a failed
                # restart keeps the data (stop() removes a temp dir later).
                if fresh and self._temp_data_dir and self._data_dir is not None:
                    shutil.rmtree(self._data_dir, ignore_errors=True)
                raise
            with _RUNNING_LOCK:
                _RUNNING.add(self)
            return self

    def stop(self, timeout: float = 30.0) -> None:
        """SIGTERM the broker (controlled shutdown), SIGKILL its process group
        after ``timeout`` seconds, and remove the data dir if it is temporary."""
        self._stop(timeout, keep_data=False)

    def kill(self) -> None:
        """SIGKILL the broker (a crash, no controlled shutdown); data is kept.

        A later :meth:`start` on the same data takes ~9s longer than usual:
        the controller refuses the new broker incarnation until the old
        one's session expires (``broker.session.timeout.ms``, default 9000).
        """
        with self._lock:
            self._kill()
            self._close_log()
            with _RUNNING_LOCK:
                _RUNNING.discard(self)

    def restart(self, timeout: float = 60.0, *, stop_timeout: float = 30.0) -> ApacheKafka:
        """Stop (keeping the data dir, even a temporary one) and start again
        on the same ports."""
        with self._lock:
            self._stop(stop_timeout, keep_data=True)
            return self.start(timeout)

    # -- internals ----------------------------------------------------------

    @property
    def _log_dir(self) -> Path:
        return self._data_dir / "kraft-logs"

    def _choose_ports(self) -> None:
        state = self._load_state()
        if self._port is None:
            saved = state.get("port")
            self._port = saved if saved and _port_is_free(saved) else free_port()
        elif not _port_is_free(self._port):
            raise KafkaStartError(f"port {LOCALHOST}:{self._port} is already in use")
        taken = {self._port}

        def pick(current: int | None, key: str) -> int:
            for candidate in (current, state.get(key)):
                if candidate and candidate not in taken and _port_is_free(candidate):
                    return candidate
            while True:
                p = free_port()
                if p not in taken:
                    return p

        # The controller port is recorded in the quorum's voter set at format
        # time, so a formatted data dir must keep it.
        if (self._log_dir / "meta.properties").exists() and state.get("controller_port"):
            self._controller_port = state["controller_port"]
            if self._controller_port in taken or not _port_is_free(self._controller_port):
                raise KafkaStartError(
                    f"controller port {self._controller_port} recorded in {self._data_dir} is in use"
                )
        else:
            self._controller_port = pick(self._controller_port, "controller_port")
        taken.add(self._controller_port)
        if self._users:
            self._sasl_port = pick(self._sasl_port, "sasl_port")
            taken.add(self._sasl_port)

    def _config(self) -> dict[str, str]:
        listeners = [f"PLAINTEXT://{LOCALHOST}:{self._port}"]
        advertised = [f"PLAINTEXT://{LOCALHOST}:{self._port}"]
        protocols = ["PLAINTEXT:PLAINTEXT", "CONTROLLER:PLAINTEXT"]
        if self._users:
            listeners.append(f"SASL_PLAINTEXT://{LOCALHOST}:{self._sasl_port}")
            advertised.append(f"SASL_PLAINTEXT://{LOCALHOST}:{self._sasl_port}")
            protocols.append("SASL_PLAINTEXT:SASL_PLAINTEXT")
        listeners.append(f"CONTROLLER://{LOCALHOST}:{self._controller_port}")
        cfg = {
            "process.roles": "broker,controller",
            "node.id": str(NODE_ID),
            "listeners": ",".join(listeners),
            "advertised.listeners": ",".join(advertised),
            "listener.security.protocol.map": ",".join(protocols),
            "inter.broker.listener.name": "PLAINTEXT",
            "controller.listener.names": "CONTROLLER",
            # Kafka 4.x dynamic quorum (format --standalone); not controller.quorum.voters.
            "controller.quorum.bootstrap.servers": f"{LOCALHOST}:{self._controller_port}",
            "log.dirs": str(self._log_dir),
            "num.partitions": "1",
            "default.replication.factor": "1",
            "min.insync.replicas": "1",
            "offsets.topic.replication.factor": "1",
            "transaction.state.log.replication.factor": "1",
            "transaction.state.log.min.isr": "1",
            "share.coordinator.state.topic.replication.factor": "1",
            "share.coordinator.state.topic.min.isr": "1",
            "group.initial.rebalance.delay.ms": "0",
        }
        if self._users:
            jaas = "org.apache.kafka.common.security.scram.ScramLoginModule required;"
            cfg["sasl.enabled.mechanisms"] = ",".join(m for m, _ in _SCRAM_MECHANISMS)
            for mechanism, _ in _SCRAM_MECHANISMS:
                cfg[f"listener.name.sasl_plaintext.{mechanism.lower()}.sasl.jaas.config"] = jaas
        cfg.update(self._extra)
        return cfg

    def _write_config(self) -> Path:
        def esc(value: str) -> str:  # java.util.Properties escaping
            return value.replace("\\", "\\\\").replace("\n", "\\n")

        path = self._data_dir / "server.properties"
        lines = [f"# Written by streams/kafka_broker.py for Apache Kafka {KAFKA_VERSION}"]
        lines += [f"{k}={esc(v)}" for k, v in self._config().items()]
        path.write_text("\n".join(lines) + "\n")
        return path

    def _load_state(self) -> dict:
        try:
            return json.loads((self._data_dir / _STATE_FILE).read_text())
        except (OSError, ValueError):
            return {}

    def _save_state(self) -> None:
        state = {
            "kafka_version": KAFKA_VERSION,
            "cluster_id": self._cluster_id,
            "port": self._port,
            "controller_port": self._controller_port,
            "sasl_port": self._sasl_port,
            "scram_users": sorted(self._users),
        }
        (self._data_dir / _STATE_FILE).write_text(json.dumps(state, indent=2) + "\n")

    def _log4j_config(self, libs: Path) -> Path | None:
        for candidate in (deploy_dir() / "log4j2.properties", libs.parent / "log4j2.properties"):
            if candidate.is_file():
                return candidate
        return None

    def _java_cmd(self, java: str, libs: Path, *extra: str) -> list[str]:
        # C1-only JIT and the serial GC roughly halve the time to "ready" on
        # a 2-core machine (measured: ~8-10s -> ~4s); fine for a test broker.
        cmd = [java, "-XX:TieredStopAtLevel=1", "-XX:+UseSerialGC", "-Djava.awt.headless=true"]
        log4j = self._log4j_config(libs)
        if log4j:
            cmd.append(f"-Dlog4j2.configurationFile={log4j}")
        return cmd + [*extra]

    def _format(self, java: str, libs: Path, props: Path, deadline: float) -> None:
        state = self._load_state()
        self._cluster_id = state.get("cluster_id") or random_cluster_id()
        cmd = self._java_cmd(
            java, libs, "-Xmx256m", "-cp", f"{libs}/*", "kafka.tools.StorageTool",
            "format", "--standalone", "-t", self._cluster_id, "-c", str(props),
        ) + _scram_credentials(self._users)
        try:
            proc = subprocess.run(
                cmd, check=False, cwd=self._data_dir, stdin=subprocess.DEVNULL, capture_output=True,
                text=True, timeout=max(5.0, deadline - time.monotonic()),
            )
        except subprocess.TimeoutExpired as exc:
            raise KafkaStartError("kafka.tools.StorageTool format timed out") from exc
        # The output lists salted SCRAM keys; keep it out of logs unless it failed.
        if proc.returncode != 0:
            raise KafkaStartError(
                f"kafka.tools.StorageTool format failed (exit {proc.returncode}) "
                f"for {props}:\n{_tail_text(proc.stdout + proc.stderr)}"
            )

    def _read_cluster_id(self) -> str | None:
        try:
            text = (self._log_dir / "meta.properties").read_text()
        except OSError:
            return self._cluster_id
        m = re.search(r"^cluster\.id=(\S+)", text, re.MULTILINE)
        return m.group(1) if m else self._cluster_id

    def _spawn(self, java: str, libs: Path, props: Path) -> None:
        self._log_file = open(self.log_path, "ab")
        self._log_file.write(
            f"---- newswire: starting Apache Kafka {KAFKA_VERSION} on {self.bootstrap} "
            f"at {time.strftime('%Y-%m-%d %H:%M:%S')} ----\n".encode()
        )
        self._log_file.flush()
        cmd = self._java_cmd(
            java, libs,
            f"-Xmx{self._heap}", "-XX:+ExitOnOutOfMemoryError",
            *self._jvm_args,
            "-cp", f"{libs}/*", "kafka.Kafka", str(props),
        )
        self._proc = subprocess.Popen(
            cmd,
            cwd=self._data_dir,
            stdin=subprocess.DEVNULL,
            stdout=self._log_file,
            stderr=subprocess.STDOUT,
            start_new_session=True,  # own process group: stop() can kill it whole
        )

    def _wait_ready(self, deadline: float, timeout: float) -> None:
        last_error: Exception | None = None
        while True:
            code = self._proc.poll()
            if code is not None:
                raise KafkaStartError(
                    f"Apache Kafka {KAFKA_VERSION} exited with code {code} during startup "
                    f"(log {self.log_path}):\n{self.log_tail()}"
                )
            try:
                meta = probe(self._port, timeout=2.0)
                if any(node == NODE_ID for node, _, _ in meta.brokers):
                    if self._users:  # SASL listener answers ApiVersions pre-auth
                        with socket.create_connection((LOCALHOST, self._sasl_port), timeout=2.0) as s:
                            s.settimeout(2.0)
                            _api_versions(s)
                    return
                last_error = RuntimeError(f"metadata lists no broker yet: {meta.brokers}")
            except (OSError, ValueError, struct.error, IndexError) as exc:
                last_error = exc
            if time.monotonic() >= deadline:
                raise KafkaStartError(
                    f"Apache Kafka {KAFKA_VERSION} not ready on {self.bootstrap} after "
                    f"{timeout:.0f}s (last probe error: {last_error!r}; log {self.log_path}):\n"
                    f"{self.log_tail()}"
                )
            time.sleep(0.1)

    def log_tail(self, lines: int = 60) -> str:
        """The last ``lines`` lines of ``broker.log`` (empty if none)."""
        path = self.log_path
        if path is None:
            return ""
        try:
            with open(path, "rb") as f:
                f.seek(0, os.SEEK_END)
                f.seek(max(0, f.tell() - 64 * 1024))
                data = f.read().decode("utf-8", "replace")
        except OSError:
            return ""
        return _tail_text(data, lines)

    def _signal_group(self, sig: int) -> None:
        try:
            os.killpg(self._proc.pid, sig)
        except (ProcessLookupError, PermissionError):
            pass

    def _kill(self) -> None:
        if self._proc is None:
            return
        if self._proc.poll() is None:
            self._signal_group(signal.SIGKILL)
            try:
                self._proc.wait(timeout=30)
            except subprocess.TimeoutExpired:  # pragma: no cover
                pass
        self._signal_group(signal.SIGKILL)  # anything else left in the group
        self._proc = None

    def _close_log(self) -> None:
        if self._log_file is not None:
            self._log_file.close()
            self._log_file = None

    def _stop(self, timeout: float, keep_data: bool) -> None:
        with self._lock:
            if self._proc is not None and self._proc.poll() is None:
                self._signal_group(signal.SIGTERM)
                try:
                    self._proc.wait(timeout=timeout)
                except subprocess.TimeoutExpired:
                    pass
            self._kill()
            self._close_log()
            with _RUNNING_LOCK:
                _RUNNING.discard(self)
            if not keep_data and self._temp_data_dir and self._data_dir is not None:
                shutil.rmtree(self._data_dir, ignore_errors=True)
