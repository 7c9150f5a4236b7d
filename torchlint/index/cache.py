"""Disk cache of listings (with validators for conditional requests) and METADATA bytes.

Lives in the user cache directory (``TORCHLINT_CACHE_DIR`` overrides), never the working
directory. Entries are keyed by the SHA-256 of the URL with credentials removed, and no
credential is ever written into a name or a file. Writes are atomic (temporary file in the same
directory + :func:`os.replace`), so concurrent processes are safe; an unreadable or corrupt
entry is a miss; a cache directory that cannot be written degrades to no caching, silently
(counted in :attr:`DiskCache.stats`).
"""

from __future__ import annotations

import hashlib
import json
import os
import tempfile
import threading
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from torchlint.index.model import FileEntry, Listing
from torchlint.index.urls import redact, split_credentials

FORMAT_VERSION = 1
_LAYOUT = f"v{FORMAT_VERSION}"
_META_MAGIC = b"tlm1 "


def cache_dir() -> Path:
    """``$TORCHLINT_CACHE_DIR`` or the platform user cache directory for torchlint."""
    env = os.environ.get("TORCHLINT_CACHE_DIR")
    if env:
        return Path(env).expanduser()
    import platformdirs

    return Path(platformdirs.user_cache_dir("torchlint", appauthor=False))


@dataclass(frozen=True, slots=True)
class CachedListing:
    listing: Listing
    etag: str | None
    last_modified: str | None
    #: Epoch seconds when the page was last fetched or revalidated.
    fetched_at: float

    def age(self, now: float | None = None) -> float:
        return (time.time() if now is None else now) - self.fetched_at


@dataclass(slots=True)
class CacheStats:
    hits: int = 0
    misses: int = 0
    writes: int = 0
    write_errors: int = 0
    corrupt: int = 0


def cache_key(url: str) -> str:
    """SHA-256 hex of ``url`` without credentials."""
    return hashlib.sha256(split_credentials(url)[0].encode("utf-8", "surrogatepass")).hexdigest()


def _clean_url(url: str) -> str:
    if "@" in url:
        url = split_credentials(url)[0]
    return url


def _encode_listing(url: str, listing: Listing, etag: str | None, lm: str | None, at: float) -> bytes:
    rows = [
        [
            f.filename,
            _clean_url(f.url),
            f.sha256,
            f.requires_python,
            1 if f.has_metadata else 0,
            f.metadata_sha256,
            1 if f.yanked else 0,
            f.size,
            f.upload_time,
        ]
        for f in listing.files
    ]
    doc = {
        "v": FORMAT_VERSION,
        "u": redact(_clean_url(url)),
        "i": redact(_clean_url(listing.index_url)),
        "n": listing.project,
        "s": listing.status,
        "e": listing.error,
        "p": redact(_clean_url(listing.page_url)),
        "fi": listing.fetched_at,
        "d": listing.derived,
        "et": etag,
        "lm": lm,
        "t": at,
        "f": rows,
    }
    return json.dumps(doc, separators=(",", ":"), ensure_ascii=False).encode("utf-8")


def _decode_listing(data: bytes) -> CachedListing:
    doc: dict[str, Any] = json.loads(data)
    if doc.get("v") != FORMAT_VERSION:
        raise ValueError("cache format version")
    files = tuple(FileEntry(a, b, c, d, bool(e), f, bool(g), h, i) for a, b, c, d, e, f, g, h, i in doc["f"])
    status = doc["s"]
    if status not in ("ok", "absent", "error"):
        raise ValueError("bad status")
    listing = Listing(
        index_url=doc["i"],
        project=doc["n"],
        status=status,
        files=files,
        origin="cache",
        fetched_at=doc["fi"],
        error=doc["e"],
        derived=bool(doc["d"]),
        page_url=doc["p"],
    )
    at = doc["t"]
    if not isinstance(at, (int, float)):
        raise ValueError("bad timestamp")
    return CachedListing(listing=listing, etag=doc["et"], last_modified=doc["lm"], fetched_at=float(at))


class DiskCache:
    """Listings and METADATA on disk. Every method returns; failures are misses or no-ops."""

    def __init__(self, root: Path | str | None = None) -> None:
        self.root = (Path(root) if root is not None else cache_dir()) / _LAYOUT
        self.stats = CacheStats()
        self._lock = threading.Lock()
        self._writable = True

    # -- paths -----------------------------------------------------------------------------

    def _path(self, kind: str, url: str, suffix: str) -> Path:
        key = cache_key(url)
        return self.root / kind / key[:2] / (key + suffix)

    @property
    def _generation_path(self) -> Path:
        return self.root / "generation"

    # -- low level -------------------------------------------------------------------------

    def _count(self, field: str) -> None:
        with self._lock:
            setattr(self.stats, field, getattr(self.stats, field) + 1)

    def _read(self, path: Path) -> bytes | None:
        try:
            return path.read_bytes()
        except FileNotFoundError:
            return None
        except OSError:
            self._count("corrupt")
            return None

    def _discard(self, path: Path) -> None:
        self._count("corrupt")
        try:
            path.unlink()
        except OSError:
            pass

    def _write(self, path: Path, data: bytes) -> bool:
        if not self._writable:
            self._count("write_errors")
            return False
        tmp: str | None = None
        try:
            path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
            fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=".tmp-", suffix=".part")
            with os.fdopen(fd, "wb") as fh:
                fh.write(data)
            os.replace(tmp, path)
            tmp = None
        except OSError:
            self._count("write_errors")
            # A read-only, full or foreign-owned cache: stop trying for this run.
            self._writable = False
            return False
        finally:
            if tmp is not None:
                try:
                    os.unlink(tmp)
                except OSError:
                    pass
        self._count("writes")
        return True

    def _bump_generation(self) -> None:
        token = f"{time.time_ns()}-{os.getpid()}-{os.urandom(6).hex()}".encode()
        self._write(self._generation_path, token)

    # -- listings --------------------------------------------------------------------------

    def get_listing(self, url: str) -> CachedListing | None:
        path = self._path("listings", url, ".json")
        data = self._read(path)
        if data is None:
            self._count("misses")
            return None
        try:
            entry = _decode_listing(data)
        except (ValueError, KeyError, TypeError, IndexError, UnicodeDecodeError):
            self._discard(path)
            self._count("misses")
            return None
        self._count("hits")
        return entry

    def put_listing(
        self,
        url: str,
        listing: Listing,
        etag: str | None = None,
        last_modified: str | None = None,
        fetched_at: float | None = None,
    ) -> bool:
        at = time.time() if fetched_at is None else fetched_at
        data = _encode_listing(url, listing, etag, last_modified, at)
        ok = self._write(self._path("listings", url, ".json"), data)
        if ok:
            self._bump_generation()
        return ok

    # -- metadata --------------------------------------------------------------------------

    def get_metadata(self, url: str) -> bytes | None:
        path = self._path("metadata", url, ".bin")
        data = self._read(path)
        if data is None:
            self._count("misses")
            return None
        head, sep, body = data.partition(b"\n")
        if (
            not sep
            or not head.startswith(_META_MAGIC)
            or (hashlib.sha256(body).hexdigest().encode() != head[len(_META_MAGIC) :])
        ):
            self._discard(path)
            self._count("misses")
            return None
        self._count("hits")
        return body

    def put_metadata(self, url: str, body: bytes) -> bool:
        data = _META_MAGIC + hashlib.sha256(body).hexdigest().encode() + b"\n" + body
        ok = self._write(self._path("metadata", url, ".bin"), data)
        if ok:
            self._bump_generation()
        return ok

    # -- generation ------------------------------------------------------------------------

    def generation(self) -> str:
        """A stamp that changes whenever this cache's contents change (``"empty"`` if none)."""
        try:
            return self._generation_path.read_bytes().decode("ascii", "replace")
        except OSError:
            return "empty"
