"""A standard-library-only simple-repository (PEP 503 / PEP 691 / PEP 658) server for tests.

Serves one or more package indexes described by a "world" JSON file, with switchable failure
modes. Run as a script or with ``python -m tests.indexserver.server --world world.json``.
It only ever binds to a loopback address. See ``tests/indexserver/__init__.py`` for the API.
"""

from __future__ import annotations

import argparse
import base64
import gzip
import hashlib
import html
import io
import ipaddress
import json
import os
import re
import signal
import socket
import struct
import sys
import tarfile
import tempfile
import threading
import time
import zlib
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from urllib.parse import quote, unquote, urlsplit

GENERATOR_VERSION = "indexserver-wheel-1"
CHUNK = 256 * 1024
ZERO_CHUNK = bytes(1024 * 1024)
MAX_FILE_SIZE = 4 * 1024**3 - 1024 * 1024
DEFAULT_SMALL_SIZE = 0
JSON_TYPE = "application/vnd.pypi.simple.v1+json"
HTML_TYPES = ("text/html", "application/vnd.pypi.simple.v1+html", "application/vnd.pypi.simple.latest+html")
JSON_TYPES = (JSON_TYPE, "application/vnd.pypi.simple.latest+json")
_DOS_DATE = (0 << 9) | (1 << 5) | 1  # 1980-01-01
_DOS_TIME = 0


def normalize(name: str) -> str:
    """PEP 503 name normalisation."""
    return re.sub(r"[-_.]+", "-", name).lower()


def _b64_sha256(digest: bytes) -> str:
    return base64.urlsafe_b64encode(digest).rstrip(b"=").decode("ascii")


# --------------------------------------------------------------------------------------------
# Zero-run digests (memoised: hashing hundreds of MB of zeros costs ~0.1 s per pass)
# --------------------------------------------------------------------------------------------
_zero_digest_cache: dict[int, tuple[int, bytes]] = {}
_zero_digest_lock = threading.Lock()


def zeros_digest(n: int) -> tuple[int, bytes]:
    """(crc32, sha256 digest) of ``n`` zero bytes."""
    with _zero_digest_lock:
        hit = _zero_digest_cache.get(n)
    if hit is not None:
        return hit
    crc = 0
    sha = hashlib.sha256()
    left = n
    while left > 0:
        piece = ZERO_CHUNK if left >= len(ZERO_CHUNK) else bytes(left)
        crc = zlib.crc32(piece, crc)
        sha.update(piece)
        left -= len(piece)
    result = (crc & 0xFFFFFFFF, sha.digest())
    with _zero_digest_lock:
        _zero_digest_cache[n] = result
    return result


# --------------------------------------------------------------------------------------------
# Distribution files
# --------------------------------------------------------------------------------------------
@dataclass
class Member:
    name: str
    data: bytes | None = None  # None => `zeros` zero bytes
    zeros: int = 0

    @property
    def size(self) -> int:
        return len(self.data) if self.data is not None else self.zeros

    def digest(self) -> tuple[int, bytes]:
        if self.data is not None:
            return zlib.crc32(self.data) & 0xFFFFFFFF, hashlib.sha256(self.data).digest()
        return zeros_digest(self.zeros)


@dataclass
class DistFile:
    """One file of one project in one index, as the world spec describes it."""

    index: str  # index prefix, e.g. "/whl/nightly/cpu"
    project: str  # project name as given
    filename: str
    spec: dict[str, Any]
    kind: str = "wheel"  # wheel | sdist
    dist: str = ""
    version: str = ""
    tags: list[str] = field(default_factory=list)
    key: str = ""

    def __post_init__(self) -> None:
        fn = self.filename
        if fn.endswith(".whl"):
            parts = fn[: -len(".whl")].split("-")
            if len(parts) not in (5, 6):
                raise ValueError(f"bad wheel filename: {fn}")
            self.kind = "wheel"
            self.dist, self.version = parts[0], parts[1]
            pys, abis, plats = parts[-3], parts[-2], parts[-1]
            self.tags = [
                f"{p}-{a}-{pl}" for p in pys.split(".") for a in abis.split(".") for pl in plats.split(".")
            ]
        elif fn.endswith(".tar.gz"):
            stem = fn[: -len(".tar.gz")]
            self.kind = "sdist"
            self.dist, _, self.version = stem.rpartition("-")
            if not self.dist:
                raise ValueError(f"bad sdist filename: {fn}")
        else:
            raise ValueError(f"unsupported file type: {fn}")
        content = {
            "gen": GENERATOR_VERSION,
            "project": self.project,
            "filename": fn,
            "requires_dist": list(self.spec.get("requires_dist", [])),
            "requires_python": self.spec.get("requires_python"),
            "size": self.spec.get("size"),
        }
        self.key = hashlib.sha256(json.dumps(content, sort_keys=True).encode()).hexdigest()[:32]

    # -- spec accessors ------------------------------------------------------------------------
    @property
    def url_dir(self) -> str:
        return str(self.spec.get("url_dir", self.index)).rstrip("/")

    @property
    def url_path(self) -> str:
        return f"{self.url_dir}/{quote(self.filename, safe='')}"

    @property
    def has_metadata(self) -> bool:
        return self.kind == "wheel" and bool(self.spec.get("metadata", True))

    @property
    def emit_hash(self) -> bool:
        return bool(self.spec.get("hash", True))

    # -- content -------------------------------------------------------------------------------
    def metadata_bytes(self) -> bytes:
        lines = ["Metadata-Version: 2.1", f"Name: {self.project}", f"Version: {self.version}"]
        if self.spec.get("requires_python"):
            lines.append(f"Requires-Python: {self.spec['requires_python']}")
        for req in self.spec.get("requires_dist", []):
            lines.append(f"Requires-Dist: {req}")
        lines.append("Summary: synthetic test distribution")
        text = "\n".join(lines) + "\n\n"
        # ``description_bytes``: a long description in the body, as real METADATA has (torch's is
        # ~28 kB), so metadata reads cost what they cost on the real index
        size = int(self.spec.get("description_bytes", 0) or 0)
        if size > 0:
            para = f"{self.project} {self.version}: a synthetic long description paragraph.\n"
            text += (para * (size // len(para) + 1))[:size]
        return text.encode("utf-8")

    def metadata_sha256(self) -> str:
        return hashlib.sha256(self.metadata_bytes()).hexdigest()

    def _wheel_members(self, dry: bool = False) -> list[Member]:
        """Zip members in bdist_wheel order. ``dry``: RECORD digests are placeholders (same length)."""
        top = re.sub(r"[^A-Za-z0-9_]", "_", self.dist).lower() or "pkg"
        info = f"{self.dist}-{self.version}.dist-info"
        purelib = "true" if all(t.endswith("-none-any") for t in self.tags) else "false"
        wheel_txt = "Wheel-Version: 1.0\nGenerator: torchlint-indexserver\n"
        wheel_txt += f"Root-Is-Purelib: {purelib}\n" + "".join(f"Tag: {t}\n" for t in self.tags)
        init = Member(f"{top}/__init__.py", f'"""{self.project} {self.version} (synthetic)."""\n'.encode())
        tail = [
            Member(f"{info}/METADATA", self.metadata_bytes()),
            Member(f"{info}/WHEEL", wheel_txt.encode()),
        ]
        record_name = f"{info}/RECORD"
        pad = Member(f"{top}/_padding.bin", None, 0)
        members = [init, pad, *tail]

        def record_for(ms: list[Member], dry: bool = dry) -> Member:
            rows = []
            for m in ms:
                digest = bytes(32) if dry else m.digest()[1]
                rows.append(f"{m.name},sha256={_b64_sha256(digest)},{m.size}")
            rows.append(f"{record_name},,")
            return Member(record_name, ("\n".join(rows) + "\n").encode())

        target = int(self.spec.get("size") or DEFAULT_SMALL_SIZE)
        if target > MAX_FILE_SIZE:
            raise ValueError(f"size too large (zip64 not supported): {target}")
        no_pad = [init, *tail]
        base = _zip_total_size([*no_pad, record_for(no_pad)])
        overhead = 30 + 46 + 2 * len(pad.name.encode())
        if target <= base + overhead:
            return [*no_pad, record_for(no_pad)]
        # The RECORD row for the padding changes length with the pad size's digit count; iterate.
        n = target - base - overhead
        for _ in range(8):
            pad.zeros = max(n, 0)
            total = _zip_total_size([*members, record_for(members, True)])
            if total == target:
                break
            n -= total - target
        return [*members, record_for(members)]

    def planned_size(self) -> int:
        if self.kind == "wheel":
            return _zip_total_size(self._wheel_members(dry=True))
        return -1


def _zip_total_size(members: list[Member]) -> int:
    total = 22
    for m in members:
        nb = len(m.name.encode())
        total += 30 + nb + m.size + 46 + nb
    return total


class _HashingWriter:
    def __init__(self, f: io.BufferedWriter) -> None:
        self.f = f
        self.pos = 0
        self.sha = hashlib.sha256()

    def write(self, data: bytes) -> None:
        self.f.write(data)
        self.sha.update(data)
        self.pos += len(data)

    def hole(self, n: int) -> None:
        """n zero bytes written as a sparse hole."""
        self.f.seek(n, os.SEEK_CUR)
        left = n
        while left > 0:
            piece = ZERO_CHUNK if left >= len(ZERO_CHUNK) else bytes(left)
            self.sha.update(piece)
            left -= len(piece)
        self.pos += n


def write_zip(path: Path, members: list[Member]) -> str:
    """Write a stored (uncompressed) zip; zero members become sparse holes. Returns sha256 hex."""
    central = []
    with open(path, "wb") as f:
        w = _HashingWriter(f)
        for m in members:
            name = m.name.encode()
            crc, _ = m.digest()
            offset = w.pos
            w.write(
                struct.pack(
                    "<IHHHHHIIIHH",
                    0x04034B50,
                    20,
                    0,
                    0,
                    _DOS_TIME,
                    _DOS_DATE,
                    crc,
                    m.size,
                    m.size,
                    len(name),
                    0,
                )
            )
            w.write(name)
            if m.data is not None:
                w.write(m.data)
            else:
                w.hole(m.zeros)
            central.append(
                struct.pack(
                    "<IHHHHHHIIIHHHHHII",
                    0x02014B50,
                    (3 << 8) | 20,
                    20,
                    0,
                    0,
                    _DOS_TIME,
                    _DOS_DATE,
                    crc,
                    m.size,
                    m.size,
                    len(name),
                    0,
                    0,
                    0,
                    0,
                    (0o100644 << 16),
                    offset,
                )
                + name
            )
        cd_offset = w.pos
        cd = b"".join(central)
        w.write(cd)
        w.write(struct.pack("<IHHHHIIH", 0x06054B50, 0, 0, len(members), len(members), len(cd), cd_offset, 0))
        f.truncate(w.pos)
    return w.sha.hexdigest()


def write_sdist(path: Path, df: DistFile) -> str:
    buf = io.BytesIO()
    root = f"{df.dist}-{df.version}"
    pkg_info = df.metadata_bytes()
    pyproject = (
        f'[project]\nname = "{df.project}"\nversion = "{df.version}"\n'
        '[build-system]\nrequires = []\nbuild-backend = "none"\n'
    ).encode()
    raw = io.BytesIO()
    with tarfile.open(fileobj=raw, mode="w", format=tarfile.PAX_FORMAT) as tar:
        for name, data in ((f"{root}/PKG-INFO", pkg_info), (f"{root}/pyproject.toml", pyproject)):
            info = tarfile.TarInfo(name)
            info.size = len(data)
            info.mtime = 0
            info.mode = 0o644
            tar.addfile(info, io.BytesIO(data))
    with gzip.GzipFile(fileobj=buf, mode="wb", mtime=0) as gz:
        gz.write(raw.getvalue())
    data = buf.getvalue()
    path.write_bytes(data)
    return hashlib.sha256(data).hexdigest()


class FileStore:
    """Lazily builds distribution files into ``data_dir``, keyed by their content spec."""

    def __init__(self, data_dir: Path) -> None:
        self.data_dir = data_dir
        data_dir.mkdir(parents=True, exist_ok=True)
        self._locks: dict[str, threading.Lock] = {}
        self._guard = threading.Lock()
        self._sha: dict[str, str] = {}

    def _lock(self, key: str) -> threading.Lock:
        with self._guard:
            return self._locks.setdefault(key, threading.Lock())

    def ensure(self, df: DistFile) -> tuple[Path, str]:
        """Path and sha256 hex of the built file (built on first use, atomically)."""
        suffix = ".whl" if df.kind == "wheel" else ".tar.gz"
        path = self.data_dir / f"{df.key}{suffix}"
        sha_path = self.data_dir / f"{df.key}.sha256"
        with self._lock(df.key):
            if df.key in self._sha and path.exists():
                return path, self._sha[df.key]
            if path.exists() and sha_path.exists():
                sha = sha_path.read_text().strip()
                if len(sha) == 64:
                    self._sha[df.key] = sha
                    return path, sha
            tmp = self.data_dir / f".{df.key}.{os.getpid()}.{threading.get_ident()}.tmp"
            try:
                sha = write_zip(tmp, df._wheel_members()) if df.kind == "wheel" else write_sdist(tmp, df)
                os.replace(tmp, path)
            finally:
                if tmp.exists():
                    tmp.unlink()
            sha_tmp = sha_path.with_name(sha_path.name + f".{os.getpid()}.tmp")
            sha_tmp.write_text(sha + "\n")
            os.replace(sha_tmp, sha_path)
            self._sha[df.key] = sha
            return path, sha


# --------------------------------------------------------------------------------------------
# World
# --------------------------------------------------------------------------------------------
class World:
    def __init__(self, spec: dict[str, Any]) -> None:
        self.indexes: dict[str, dict[str, tuple[str, list[DistFile]]]] = {}
        self.by_filename: dict[str, list[DistFile]] = {}
        for prefix, idx in spec.get("indexes", {}).items():
            prefix = "/" + prefix.strip("/")
            projects: dict[str, tuple[str, list[DistFile]]] = {}
            for pname, files in idx.get("projects", {}).items():
                dfs = [DistFile(prefix, pname, f["filename"], f) for f in files]
                entry = projects.setdefault(normalize(pname), (pname, []))
                entry[1].extend(dfs)
                for df in dfs:
                    self.by_filename.setdefault(df.filename, []).append(df)
            self.indexes[prefix] = projects
        self.prefixes = sorted(self.indexes, key=len, reverse=True)

    def find_file(self, path: str) -> DistFile | None:
        directory, _, name = path.rpartition("/")
        cands = self.by_filename.get(name)
        if not cands:
            return None
        for df in cands:
            if df.url_dir == directory:
                return df
        return cands[0]


# --------------------------------------------------------------------------------------------
# Faults
# --------------------------------------------------------------------------------------------
_bomb_lock = threading.Lock()
_bomb_cache: list[bytes] = []
BOMB_INFLATED = 1024**3


def gzip_bomb() -> bytes:
    """A gzip stream that inflates to 1 GiB of zeros, built from one repeated deflate block."""
    with _bomb_lock:
        if _bomb_cache:
            return _bomb_cache[0]
        comp = zlib.compressobj(9, zlib.DEFLATED, -15)
        block = comp.compress(ZERO_CHUNK) + comp.flush(zlib.Z_FULL_FLUSH)
        final = zlib.compressobj(9, zlib.DEFLATED, -15).flush(zlib.Z_FINISH)  # empty final block
        reps = BOMB_INFLATED // len(ZERO_CHUNK)
        crc = 0
        for _ in range(reps):
            crc = zlib.crc32(ZERO_CHUNK, crc)
        header = b"\x1f\x8b\x08\x00\x00\x00\x00\x00\x00\xff"
        data = header + block * reps + final + struct.pack("<II", crc, BOMB_INFLATED & 0xFFFFFFFF)
        _bomb_cache.append(data)
        return data


# --------------------------------------------------------------------------------------------
# HTTP
# --------------------------------------------------------------------------------------------
class Config:
    def __init__(self, args: argparse.Namespace) -> None:
        self.metadata = args.metadata == "on"
        self.range = args.range == "on"
        self.json = args.json == "on"
        self.hashes = args.hashes == "on"
        self.requires_python = args.requires_python == "on"
        self.missing_status = int(args.missing_status)
        self.delay = float(args.delay)
        self.fail_5xx = int(args.fail_5xx)
        self.bad_content_type = bool(args.bad_content_type)
        self.truncate_wheels = bool(args.truncate_wheels)
        self.bad_metadata_hash = bool(args.bad_metadata_hash)
        self.drip_interval = float(args.drip_interval)
        self.regex: dict[str, re.Pattern[str] | None] = {
            name: (re.compile(getattr(args, name)) if getattr(args, name) else None)
            for name in (
                "stall_path",
                "redirect_loop_path",
                "garbage_page_path",
                "gzip_bomb_path",
                "drip_path",
            )
        }


class State:
    def __init__(
        self, world: World, store: FileStore, cfg: Config, log_path: Path | None, stop: threading.Event
    ) -> None:
        self.world = world
        self.store = store
        self.cfg = cfg
        self.stop = stop
        self.log_path = log_path
        self.lock = threading.Lock()
        self.fail_counts: dict[str, int] = {}
        self.stats: dict[str, Any] = {
            "requests": 0,
            "bytes": 0,
            "by_kind": {},
            "by_status": {},
            "incomplete": 0,
        }

    def record(self, entry: dict[str, Any]) -> None:
        line = json.dumps(entry, sort_keys=True) + "\n"
        with self.lock:
            s = self.stats
            s["requests"] += 1
            s["bytes"] += entry["bytes"]
            s["by_kind"][entry["kind"]] = s["by_kind"].get(entry["kind"], 0) + 1
            key = str(entry["status"])
            s["by_status"][key] = s["by_status"].get(key, 0) + 1
            if not entry["complete"]:
                s["incomplete"] += 1
            if self.log_path is not None:
                with open(self.log_path, "a", encoding="utf-8") as f:
                    f.write(line)


def _accept_prefers_json(accept: str) -> bool:
    q_json = q_html = 0.0
    for part in accept.split(","):
        bits = [b.strip() for b in part.split(";")]
        mime = bits[0].lower()
        q = 1.0
        for b in bits[1:]:
            if b.startswith("q="):
                try:
                    q = float(b[2:])
                except ValueError:
                    q = 0.0
        if mime in JSON_TYPES:
            q_json = max(q_json, q)
        elif mime in HTML_TYPES or mime in ("*/*", "text/*"):
            q_html = max(q_html, q)
    return q_json > 0 and q_json >= q_html


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server_version = "torchlint-indexserver/1"
    timeout = 60
    state: State  # set on a subclass

    def setup(self) -> None:
        super().setup()
        try:
            self.connection.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        except OSError:
            pass

    def log_message(self, format: str, *args: Any) -> None:
        return

    # -- plumbing ------------------------------------------------------------------------------
    def _log(self, status: int, kind: str, written: int, complete: bool, fault: str | None = None) -> None:
        self.state.record(
            {
                "t": round(time.time(), 3),
                "method": self.command,
                "path": self.path,
                "status": status,
                "range": self.headers.get("Range"),
                "bytes": written,
                "kind": kind,
                "complete": complete,
                "fault": fault,
            }
        )

    def _send(
        self,
        status: int,
        body: bytes,
        content_type: str = "text/plain; charset=utf-8",
        headers: dict[str, str] | None = None,
        kind: str = "other",
        fault: str | None = None,
    ) -> None:
        self.send_response(status)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(body)))
        for k, v in (headers or {}).items():
            self.send_header(k, v)
        self.end_headers()
        written = 0
        complete = True
        if self.command != "HEAD":
            try:
                self.wfile.write(body)
                written = len(body)
            except (BrokenPipeError, ConnectionResetError, TimeoutError):
                complete = False
                self.close_connection = True
        self._log(status, kind, written, complete, fault)

    def do_HEAD(self) -> None:
        self.do_GET()

    def do_GET(self) -> None:
        try:
            self._route()
        except (BrokenPipeError, ConnectionResetError, TimeoutError):
            self.close_connection = True

    # -- routing -------------------------------------------------------------------------------
    def _route(self) -> None:
        st = self.state
        cfg = st.cfg
        path = urlsplit(self.path).path
        if path == "/_stats":
            with st.lock:
                body = json.dumps(st.stats, sort_keys=True).encode()
            self.send_response(200)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            if self.command != "HEAD":
                self.wfile.write(body)
            return
        if cfg.delay > 0:
            st.stop.wait(cfg.delay)
        rx = cfg.regex
        if rx["stall_path"] is not None and rx["stall_path"].search(path):
            self._log(0, "other", 0, False, "stall")
            st.stop.wait()  # released at shutdown (max-seconds or SIGTERM)
            self.close_connection = True
            return
        if rx["drip_path"] is not None and rx["drip_path"].search(path):
            self._drip()
            return
        if cfg.fail_5xx > 0:
            with st.lock:
                n = st.fail_counts.get(path, 0)
                st.fail_counts[path] = n + 1
            if n < cfg.fail_5xx:
                self._send(503, b"service unavailable (injected)\n", fault="5xx")
                return
        if rx["redirect_loop_path"] is not None and rx["redirect_loop_path"].search(path):
            self._send(302, b"", headers={"Location": self.path}, fault="redirect-loop")
            return
        kind = self._kind_of(path)
        if rx["gzip_bomb_path"] is not None and rx["gzip_bomb_path"].search(path):
            ctype = "text/html" if kind == "page" else "application/octet-stream"
            self._send(200, gzip_bomb(), ctype, {"Content-Encoding": "gzip"}, kind=kind, fault="gzip-bomb")
            return
        if rx["garbage_page_path"] is not None and rx["garbage_page_path"].search(path):
            if cfg.json and _accept_prefers_json(self.headers.get("Accept", "")):
                self._send(
                    200,
                    b'{"meta": {"api-version": "1.1"}, "files": [{"filename": \xff\x00',
                    JSON_TYPE,
                    kind=kind,
                    fault="garbage",
                )
            else:
                self._send(
                    200,
                    b'<html><body><a href="\xff\x00<<<</a\x00 <h1',
                    "text/html",
                    kind=kind,
                    fault="garbage",
                )
            return
        self._serve(path)

    def _drip(self) -> None:
        """Status and headers at once, then the body one byte per ``--drip-interval``: every read
        of the client is answered within any timeout, and the response never completes."""
        body = b"<html><body>" + b"<!-- drip -->" * 10_000 + b"</body></html>"
        self.send_response(200)
        self.send_header("Content-Type", "text/html")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.flush()
        self._log(200, "page", 0, False, "drip")  # logged now: the answer never completes
        written = 0
        try:
            for i in range(len(body)):
                if self.state.stop.wait(self.state.cfg.drip_interval):
                    break
                self.wfile.write(body[i : i + 1])
                self.wfile.flush()
                written += 1
        except (BrokenPipeError, ConnectionResetError, TimeoutError):
            pass
        self.close_connection = True

    def _kind_of(self, path: str) -> str:
        world = self.state.world
        name = unquote(path)
        if name.endswith(".metadata") and world.find_file(name[: -len(".metadata")]) is not None:
            return "metadata"
        if world.find_file(name) is not None:
            return "wheel"
        if any(path == p or path.startswith(p + "/") for p in world.prefixes):
            return "page"
        return "other"

    def _serve(self, path: str) -> None:
        world = self.state.world
        name = unquote(path)
        if name.endswith(".metadata"):
            df = world.find_file(name[: -len(".metadata")])
            if df is not None:
                if self.state.cfg.metadata and df.has_metadata:
                    self._send(200, df.metadata_bytes(), "application/octet-stream", kind="metadata")
                else:
                    self._send(404, b"no metadata\n", kind="metadata")
                return
        df = world.find_file(name)
        if df is not None:
            self._serve_file(df)
            return
        for prefix in world.prefixes:
            if path == prefix:
                self._send(301, b"", headers={"Location": prefix + "/"}, kind="page")
                return
            if path.startswith(prefix + "/"):
                self._serve_page(prefix, path[len(prefix) + 1 :])
                return
        self._send(404, b"not found\n")

    def _serve_page(self, prefix: str, rest: str) -> None:
        cfg = self.state.cfg
        projects = self.state.world.indexes[prefix]
        want_json = cfg.json and _accept_prefers_json(self.headers.get("Accept", ""))
        if rest == "":
            body, ctype = self._root_page(prefix, projects, want_json)
            self._send(200, body, ctype, kind="page")
            return
        raw = unquote(rest.rstrip("/"))
        if "/" in raw:
            self._send(404, b"not found\n", kind="page")
            return
        norm = normalize(raw)
        if norm not in projects:
            self._send(cfg.missing_status, b"project not found\n", kind="page")
            return
        if raw != norm or not rest.endswith("/"):
            self._send(301, b"", headers={"Location": f"{prefix}/{norm}/"}, kind="page")
            return
        pname, files = projects[norm]
        body, ctype = self._project_page(pname, files, want_json)
        self._send(200, body, ctype, kind="page")

    def _ctype(self, want_json: bool) -> str:
        if self.state.cfg.bad_content_type:
            return "application/octet-stream"
        return JSON_TYPE if want_json else "text/html; charset=utf-8"

    def _root_page(
        self, prefix: str, projects: dict[str, tuple[str, list[DistFile]]], want_json: bool
    ) -> tuple[bytes, str]:
        names = sorted(projects)
        if want_json:
            doc = {"meta": {"api-version": "1.1"}, "projects": [{"name": projects[n][0]} for n in names]}
            return json.dumps(doc).encode(), self._ctype(True)
        links = "".join(f'<a href="{prefix}/{n}/">{html.escape(projects[n][0])}</a><br/>\n' for n in names)
        page = (
            f"<!DOCTYPE html>\n<html><head><title>Simple index</title></head><body>\n{links}</body></html>\n"
        )
        return page.encode(), self._ctype(False)

    def _file_facts(self, df: DistFile) -> dict[str, Any]:
        cfg = self.state.cfg
        facts: dict[str, Any] = {"sha256": None, "meta_sha256": None, "size": None}
        if cfg.hashes and df.emit_hash:
            _, facts["sha256"] = self.state.store.ensure(df)
        if cfg.metadata and df.has_metadata:
            msha = df.metadata_sha256()
            if cfg.bad_metadata_hash:
                msha = hashlib.sha256(b"wrong" + msha.encode()).hexdigest()
            facts["meta_sha256"] = msha
        facts["size"] = (
            df.planned_size() if df.kind == "wheel" else self.state.store.ensure(df)[0].stat().st_size
        )
        return facts

    def _project_page(self, pname: str, files: list[DistFile], want_json: bool) -> tuple[bytes, str]:
        cfg = self.state.cfg
        if want_json:
            out = []
            versions: list[str] = []
            for df in files:
                facts = self._file_facts(df)
                entry: dict[str, Any] = {
                    "filename": df.filename,
                    "url": df.url_path,
                    "hashes": {"sha256": facts["sha256"]} if facts["sha256"] else {},
                    "requires-python": (df.spec.get("requires_python") if cfg.requires_python else None),
                    "core-metadata": {"sha256": facts["meta_sha256"]} if facts["meta_sha256"] else False,
                    "dist-info-metadata": {"sha256": facts["meta_sha256"]} if facts["meta_sha256"] else False,
                    "size": facts["size"],
                    "yanked": df.spec.get("yanked", False),
                }
                if df.spec.get("upload_time"):
                    entry["upload-time"] = df.spec["upload_time"]
                out.append(entry)
                if df.version not in versions:
                    versions.append(df.version)
            doc = {
                "meta": {"api-version": "1.1"},
                "name": normalize(pname),
                "files": out,
                "versions": versions,
            }
            return json.dumps(doc).encode(), self._ctype(True)
        rows = []
        for df in files:
            facts = self._file_facts(df)
            href = df.url_path + (f"#sha256={facts['sha256']}" if facts["sha256"] else "")
            attrs = f'href="{html.escape(href)}"'
            if cfg.requires_python and df.spec.get("requires_python"):
                attrs += f' data-requires-python="{html.escape(str(df.spec["requires_python"]))}"'
            if facts["meta_sha256"]:
                attrs += f' data-dist-info-metadata="sha256={facts["meta_sha256"]}"'
                attrs += f' data-core-metadata="sha256={facts["meta_sha256"]}"'
            yanked = df.spec.get("yanked")
            if yanked:
                attrs += f' data-yanked="{html.escape(yanked if isinstance(yanked, str) else "")}"'
            rows.append(f"<a {attrs}>{html.escape(df.filename)}</a><br/>\n")
        page = (
            f"<!DOCTYPE html>\n<html><body>\n<h1>Links for {html.escape(pname)}</h1>\n"
            + "".join(rows)
            + "</body></html>\n"
        )
        return page.encode(), self._ctype(False)

    def _serve_file(self, df: DistFile) -> None:
        cfg = self.state.cfg
        fpath, _ = self.state.store.ensure(df)
        size = fpath.stat().st_size
        ctype = "application/octet-stream" if df.kind == "wheel" else "application/gzip"
        headers: dict[str, str] = {}
        start, end, status = 0, size - 1, 200
        if cfg.range:
            headers["Accept-Ranges"] = "bytes"
            rng = self.headers.get("Range")
            if rng:
                parsed = _parse_range(rng, size)
                if isinstance(parsed, str):  # "unsatisfiable"
                    headers["Content-Range"] = f"bytes */{size}"
                    self._send(416, b"", ctype, headers, kind="wheel")
                    return
                if parsed is not None:
                    start, end = parsed
                    status = 206
                    headers["Content-Range"] = f"bytes {start}-{end}/{size}"
        length = end - start + 1 if size > 0 else 0
        to_send = length
        fault = None
        if cfg.truncate_wheels and length > 0:
            to_send = length // 2
            fault = "truncate"
            self.close_connection = True
        self.send_response(status)
        self.send_header("Content-Type", ctype)
        self.send_header("Content-Length", str(length))
        for k, v in headers.items():
            self.send_header(k, v)
        if fault:
            self.send_header("Connection", "close")
        self.end_headers()
        written = 0
        complete = True
        if self.command != "HEAD":
            try:
                with open(fpath, "rb") as f:
                    f.seek(start)
                    while written < to_send and not self.state.stop.is_set():
                        chunk = f.read(min(CHUNK, to_send - written))
                        if not chunk:
                            break
                        self.wfile.write(chunk)
                        written += len(chunk)
            except (BrokenPipeError, ConnectionResetError, TimeoutError):
                self.close_connection = True
            complete = written == length
            if not complete:
                self.close_connection = True
        self._log(status, "wheel", written, complete, fault)


def _parse_range(value: str, size: int) -> tuple[int, int] | str | None:
    """Single byte range → (start, end) inclusive; "unsatisfiable"; None to ignore the header."""
    m = re.fullmatch(r"\s*bytes\s*=\s*(\d*)\s*-\s*(\d*)\s*", value)
    if not m:
        return None
    a, b = m.group(1), m.group(2)
    if a == "" and b == "":
        return None
    if a == "":
        n = int(b)
        if n == 0 or size == 0:
            return "unsatisfiable"
        return max(size - n, 0), size - 1
    start = int(a)
    end = int(b) if b else size - 1
    if b and end < start:
        return None
    if start >= size:
        return "unsatisfiable"
    return start, min(end, size - 1)


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    allow_reuse_address = True
    request_queue_size = 128


class _Server6(_Server):
    address_family = socket.AF_INET6


# --------------------------------------------------------------------------------------------
# CLI
# --------------------------------------------------------------------------------------------
def build_parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="indexserver", description=__doc__.splitlines()[0])
    onoff = ("on", "off")
    p.add_argument("--world", required=True, type=Path, help="world spec JSON file")
    p.add_argument("--host", default="127.0.0.1", help="loopback address only (127.0.0.0/8 or ::1)")
    p.add_argument("--port", type=int, default=0, help="0 = random")
    p.add_argument("--port-file", type=Path, help="write the bound port here once listening")
    p.add_argument("--data-dir", type=Path, help="wheel cache directory (default: a temp dir)")
    p.add_argument("--log", type=Path, help="append one JSON line per request")
    p.add_argument("--max-seconds", type=float, default=600.0, help="exit by itself after N seconds")
    p.add_argument("--metadata", choices=onoff, default="on")
    p.add_argument("--range", choices=onoff, default="on")
    p.add_argument("--json", choices=onoff, default="on")
    p.add_argument("--hashes", choices=onoff, default="on")
    p.add_argument("--requires-python", choices=onoff, default="on")
    p.add_argument("--missing-status", choices=("403", "404"), default="404")
    p.add_argument("--delay", type=float, default=0.0, help="seconds to sleep before every response")
    p.add_argument("--stall-path", help="regex: accept and never answer these paths")
    p.add_argument("--drip-path", help="regex: answer these paths one body byte per --drip-interval")
    p.add_argument("--drip-interval", type=float, default=0.5, help="seconds between dripped bytes")
    p.add_argument("--fail-5xx", type=int, default=0, help="first N requests per path answer 503")
    p.add_argument("--redirect-loop-path", help="regex: 302 to itself")
    p.add_argument("--bad-content-type", action="store_true", help="pages served as application/octet-stream")
    p.add_argument("--garbage-page-path", help="regex: serve invalid HTML/JSON bytes")
    p.add_argument("--gzip-bomb-path", help="regex: gzip body inflating to 1 GiB")
    p.add_argument("--truncate-wheels", action="store_true", help="Content-Length larger than bytes sent")
    p.add_argument("--bad-metadata-hash", action="store_true", help="advertise a wrong metadata sha256")
    p.add_argument("--eager", action="store_true", help="build every file before listening")
    return p


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    try:
        addr = ipaddress.ip_address(args.host)
    except ValueError:
        print(f"indexserver: --host must be a loopback IP literal, got {args.host!r}", file=sys.stderr)
        return 2
    if not addr.is_loopback:
        print(f"indexserver: refusing non-loopback host {args.host!r}", file=sys.stderr)
        return 2
    world = World(json.loads(args.world.read_text(encoding="utf-8")))
    tmp_ctx = None
    if args.data_dir is None:
        tmp_ctx = tempfile.TemporaryDirectory(prefix="indexserver-")
        data_dir = Path(tmp_ctx.name)
    else:
        data_dir = args.data_dir
    store = FileStore(data_dir)
    if args.eager:
        for dfs in world.by_filename.values():
            for df in dfs:
                store.ensure(df)
    stop = threading.Event()
    state = State(world, store, Config(args), args.log, stop)
    handler = type("BoundHandler", (Handler,), {"state": state})
    server_cls = _Server6 if addr.version == 6 else _Server
    httpd = server_cls((args.host, args.port), handler)
    port = httpd.server_address[1]
    if args.port_file:
        tmp = args.port_file.with_name(args.port_file.name + ".tmp")
        tmp.write_text(f"{port}\n")
        os.replace(tmp, args.port_file)

    # The handler only flips a flag: calling Event.set() from a signal handler can deadlock
    # against the main thread holding the Event's internal lock.
    signalled: list[int] = []

    def on_signal(signum: int, frame: object) -> None:
        signalled.append(signum)

    signal.signal(signal.SIGTERM, on_signal)
    signal.signal(signal.SIGINT, on_signal)
    thread = threading.Thread(target=httpd.serve_forever, kwargs={"poll_interval": 0.2}, daemon=True)
    thread.start()
    deadline = time.monotonic() + max(args.max_seconds, 0.0)
    while not signalled:
        remaining = deadline - time.monotonic()
        if remaining <= 0:
            break
        time.sleep(min(remaining, 0.1))
    stop.set()
    httpd.shutdown()
    httpd.server_close()
    thread.join(timeout=5)
    if tmp_ctx is not None:
        tmp_ctx.cleanup()
    return 0


if __name__ == "__main__":
    sys.exit(main())
