"""Durable state for the local moto server: snapshots of the service backends, taken when they change.

moto keeps everything in memory. Once a service's state changed, the server waits for a quiet moment (no request
for QUIET_SECONDS), at most half a second, then pauses requests at a clean boundary, pickles the changed backends
and writes them under the data folder. A burst of calls (a chat turn's) is not paused in its middle, as a fixed
tick would pause one twice a second:

    state/manifest.json            which file holds each service (replaced atomically, last)
    state/<service>.<gen>.pickle   one snapshot per changed service
    state/blobs/<sha256>           S3 object bodies, written once and shared by snapshots

A kill -9 loses at most the writes since the last snapshot (under a second). On restore, SQS messages that
were in flight become visible again: whoever held them is gone, so their jobs are redelivered.
"""

from __future__ import annotations

import contextlib
import hashlib
import io
import json
import os
import pickle
import threading
import time
from pathlib import Path
from typing import Any

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec, ed25519, rsa
from moto import backends as moto_backends

SERVICES = ("dynamodb", "s3", "sqs", "kms")
FORMAT_VERSION = 1
# A snapshot waits for this long a gap between requests, unless its changes are `interval` old already.
QUIET_SECONDS = 0.05
_LOCK_TYPES = (type(threading.Lock()), type(threading.RLock()))
_PRIVATE_KEY_TYPES = (rsa.RSAPrivateKey, ec.EllipticCurvePrivateKey, ed25519.Ed25519PrivateKey)


def _new_lock(reentrant: bool) -> Any:
    return threading.RLock() if reentrant else threading.Lock()


def _load_private_key(der: bytes) -> Any:
    return serialization.load_der_private_key(der, password=None)


def _restore_s3_key(state: dict[str, Any], sha: str, blob_dir: str) -> Any:
    from moto.s3.models import FakeKey

    key: Any = FakeKey.__new__(FakeKey)
    state["value"] = (Path(blob_dir) / sha).read_bytes()
    key.__setstate__(state)
    return key


class _Pickler(pickle.Pickler):
    """Pickles moto backends: locks become new locks, private keys DER, S3 bodies content-addressed blobs."""

    def __init__(self, file: io.BytesIO, blobs: _BlobStore) -> None:
        super().__init__(file, protocol=pickle.HIGHEST_PROTOCOL)
        self._blobs = blobs

    def reducer_override(self, obj: Any) -> Any:
        if isinstance(obj, _LOCK_TYPES):
            return _new_lock, (isinstance(obj, type(threading.RLock())),)
        if isinstance(obj, _PRIVATE_KEY_TYPES):
            der = obj.private_bytes(
                serialization.Encoding.DER, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
            )
            return _load_private_key, (der,)
        from moto.s3.models import FakeKey

        if type(obj) is FakeKey:
            state = obj.__dict__.copy()
            state.pop("_value_buffer", None)
            state.pop("lock", None)
            sha = self._blobs.reference(obj)
            return _restore_s3_key, (state, sha, str(self._blobs.root))
        return NotImplemented


class _BlobStore:
    """S3 object bodies by SHA-256; a body is hashed once per version of the key, not once per snapshot."""

    def __init__(self, root: Path) -> None:
        self.root = root
        self.root.mkdir(parents=True, exist_ok=True)
        self._known: dict[tuple[int, str, int, str], str] = {}
        self.pending: dict[str, bytes] = {}
        self.referenced: set[str] = set()

    def reference(self, key: Any) -> str:
        identity = (id(key), str(key.etag), int(key.size), str(key.last_modified))
        sha = self._known.get(identity)
        if sha is None:
            try:
                body = key.value
            except ValueError:  # the body of a deleted key is already closed
                body = b""
            sha = hashlib.sha256(body).hexdigest()
            self._known[identity] = sha
            if not (self.root / sha).exists():
                self.pending[sha] = body
        self.referenced.add(sha)
        return sha

    def flush(self) -> None:
        for sha, body in self.pending.items():
            _write_atomically(self.root / sha, body)
        self.pending.clear()

    def collect_garbage(self, keep: set[str]) -> None:
        for path in self.root.iterdir():
            if path.name not in keep and not path.name.endswith(".tmp"):
                path.unlink(missing_ok=True)
        self._known = {identity: sha for identity, sha in self._known.items() if sha in keep}


def _write_atomically(path: Path, data: bytes) -> None:
    tmp = path.with_name(f"{path.name}.{os.getpid()}.tmp")
    with open(tmp, "wb") as handle:
        handle.write(data)
        handle.flush()
        os.fsync(handle.fileno())
    os.replace(tmp, path)


class Gate:
    """Lets requests run concurrently, and lets the snapshotter wait for a moment when none is running."""

    def __init__(self) -> None:
        self._condition = threading.Condition()
        self._active = 0
        self._paused = False
        self._last_ended = 0.0  # time.monotonic() when the last request ended

    def quiet_for(self) -> float:
        """Seconds since the last request ended; 0 while one runs."""
        with self._condition:
            return 0.0 if self._active else time.monotonic() - self._last_ended

    @contextlib.contextmanager
    def request(self) -> Any:
        with self._condition:
            while self._paused:
                self._condition.wait()
            self._active += 1
        try:
            yield
        finally:
            with self._condition:
                self._active -= 1
                self._last_ended = time.monotonic()
                self._condition.notify_all()

    @contextlib.contextmanager
    def paused(self) -> Any:
        with self._condition:
            self._paused = True
            while self._active:
                self._condition.wait()
        try:
            yield
        finally:
            with self._condition:
                self._paused = False
                self._condition.notify_all()


class Persistence:
    """Snapshots and restores the moto backends of SERVICES under `state_dir`."""

    def __init__(self, state_dir: Path, *, interval: float = 0.5) -> None:
        self.state_dir = state_dir
        self.state_dir.mkdir(parents=True, exist_ok=True)
        self.interval = interval
        self.gate = Gate()
        self.blobs = _BlobStore(state_dir / "blobs")
        self._dirty: set[str] = set()
        self._dirty_since: float | None = None  # time.monotonic() of the oldest change not snapshotted
        self._dirty_lock = threading.Lock()
        self.generation = 0  # counts changes
        self.saved_generation = 0  # the generation the files on disk include
        self.last_snapshot_at: float | None = None
        self.last_snapshot_seconds: float | None = None
        self._manifest = self._read_manifest()
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._loop, name="snapshotter", daemon=True)

    # Change tracking

    def mark_dirty(self, service: str) -> None:
        if service in SERVICES:
            with self._dirty_lock:
                self._dirty.add(service)
                self.generation += 1
                if self._dirty_since is None:
                    self._dirty_since = time.monotonic()

    def status(self) -> dict[str, Any]:
        return {
            "generation": self.generation,
            "savedGeneration": self.saved_generation,
            "lastSnapshotAt": self.last_snapshot_at,
            "lastSnapshotSeconds": self.last_snapshot_seconds,
        }

    # Snapshots

    def start(self) -> None:
        self._thread.start()

    def stop(self) -> None:
        """Stop the loop and take a final snapshot (a clean shutdown loses nothing)."""
        self._stop.set()
        self._thread.join(timeout=10)
        self.snapshot()

    def _loop(self) -> None:
        while not self._stop.wait(min(QUIET_SECONDS, self.interval)):
            if not self._due():
                continue
            try:
                self.snapshot()
            except Exception as exc:  # keep snapshotting; a failure is retried on the next round
                print(f"[persistence] snapshot failed: {exc!r}", flush=True)

    def _due(self) -> bool:
        """Whether to snapshot now: something changed, and requests paused for a moment or the change is old."""
        with self._dirty_lock:
            since = self._dirty_since
        if since is None:
            return False
        return self.gate.quiet_for() >= QUIET_SECONDS or time.monotonic() - since >= self.interval

    def snapshot(self) -> bool:
        with self._dirty_lock:
            dirty, self._dirty = self._dirty, set()
            generation, since, self._dirty_since = self.generation, self._dirty_since, None
        if not dirty:
            return False
        try:
            return self._save(dirty, generation)
        except Exception:
            with self._dirty_lock:  # still to be saved: the next round tries again
                self._dirty |= dirty
                self._dirty_since = min(filter(None, (since, self._dirty_since)), default=time.monotonic())
            raise

    def _save(self, dirty: set[str], generation: int) -> bool:
        started = time.monotonic()
        pickled: dict[str, bytes] = {}
        with self.gate.paused():
            for service in sorted(dirty):
                buffer = io.BytesIO()
                _Pickler(buffer, self.blobs).dump(_service_state(service))
                pickled[service] = buffer.getvalue()
        self.blobs.flush()
        manifest = dict(self._manifest.get("services", {}))
        for service, data in pickled.items():
            name = f"{service}.{generation}.pickle"
            _write_atomically(self.state_dir / name, data)
            manifest[service] = name
        self._manifest = {"version": FORMAT_VERSION, "generation": generation, "services": manifest}
        _write_atomically(self.state_dir / "manifest.json", json.dumps(self._manifest).encode())
        self._collect_garbage(set(manifest.values()), full="s3" in dirty)
        self.saved_generation = generation
        self.last_snapshot_at = time.time()
        self.last_snapshot_seconds = time.monotonic() - started
        return True

    def _collect_garbage(self, keep: set[str], *, full: bool) -> None:
        for path in self.state_dir.glob("*.pickle"):
            if path.name not in keep:
                path.unlink(missing_ok=True)
        if full:
            self.blobs.collect_garbage(self.blobs.referenced)
            self.blobs.referenced = set()

    # Restore

    def _read_manifest(self) -> dict[str, Any]:
        path = self.state_dir / "manifest.json"
        if not path.exists():
            return {}
        return json.loads(path.read_text())

    def restore(self) -> list[str]:
        """Load the last snapshot into moto; returns the services restored."""
        restored = []
        for service, name in self._manifest.get("services", {}).items():
            with open(self.state_dir / name, "rb") as handle:
                state = pickle.load(handle)  # noqa: S301  # our own file, written by this class
            backend_dict = moto_backends.get_backend(service)  # type: ignore[call-overload]
            for account_id, regions in state.items():
                for region, backend in regions.items():
                    backend_dict[account_id][region] = backend
            restored.append(service)
        if "sqs" in restored:
            _release_in_flight_messages()
        self.generation = self.saved_generation = int(self._manifest.get("generation", 0))
        if "s3" in restored:
            self.blobs.referenced = {path.name for path in self.blobs.root.iterdir()}
        return restored


def _service_state(service: str) -> dict[str, dict[str, Any]]:
    backend_dict = moto_backends.get_backend(service)  # type: ignore[call-overload]
    return {
        account_id: dict(backend_dict[account_id].items())
        for account_id in list(backend_dict.keys())
        if len(backend_dict[account_id])
    }


def _release_in_flight_messages() -> None:
    """Make every in-flight SQS message visible: the consumer that held it did not survive the restart."""
    for _, _, backend in moto_backends.get_backend("sqs").iter_backends():
        for queue in backend.queues.values():  # type: ignore[attr-defined]
            for message in queue._messages:
                message.visible_at = 0
            queue._pending_messages = set()
