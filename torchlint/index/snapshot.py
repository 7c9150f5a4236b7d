"""The bundled snapshot of the PyTorch indexes and of the public default index.

``torchlint/index/data/`` holds ``manifest.json`` and one gzip'd JSON document per index key
(built by ``scripts/build_snapshot.py``; the format is described there). Everything is lazy:
the manifest is read on first use, a key's document only when that key is asked for, and a
project's generated files are expanded only when that project is listed. Stdlib only; this
module must not import :mod:`packaging`.

Facts that were not observed are flagged ``derived``: a :class:`Listing` is derived when any of
its files was generated from a documented pattern (or the whole page is, like the aggregated
``whl`` index and the test channel), and :class:`CoreMetadata` carries the flag per file.
"""

from __future__ import annotations

import gzip
import json
import os
import re
import threading
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal
from urllib.parse import quote, urlsplit

from torchlint.index.model import CoreMetadata, FileEntry, Listing

__all__ = ["DependencyPattern", "Snapshot", "SnapshotError"]

PYTORCH_ROOT = "https://download.pytorch.org"
_PYTORCH_HOSTS = frozenset({"download.pytorch.org", "download-r2.pytorch.org"})
_DEFAULT_KEY = "default"
_DEFAULT_URL = "snapshot:default"
_CANON = re.compile(r"[-_.]+")
_DATA_DIR = Path(__file__).resolve().parent / "data"

PinKind = Literal["index-only", "same-version", "none"]


class SnapshotError(Exception):
    """The snapshot directory or one of its documents cannot be read."""


@dataclass(frozen=True)
class DependencyPattern:
    """How a project's builds on one index depend on another project (for unknown versions)."""

    project: str
    requires: str
    marker: str | None
    pin: PinKind
    note: str
    derived: bool


def _canon(name: str) -> str:
    return _CANON.sub("-", name).lower()


class _KeyDoc:
    """One index key's document, with per-project file tuples built on demand."""

    __slots__ = ("_files", "_lock", "derived_page", "doc", "hosts")

    def __init__(self, doc: dict[str, Any], hosts: list[str]) -> None:
        self.doc = doc
        self.hosts = hosts
        self.derived_page = bool(doc.get("derived_page"))
        self._files: dict[str, tuple[tuple[FileEntry, ...], dict[str, int | None], bool]] = {}
        self._lock = threading.Lock()

    def project(self, name: str) -> dict[str, Any] | None:
        p = self.doc.get("projects", {}).get(name)
        return p if isinstance(p, dict) else None

    def files(self, name: str) -> tuple[tuple[FileEntry, ...], dict[str, int | None], bool]:
        """(files sorted by filename, filename -> metadata index, any file generated)."""
        cached = self._files.get(name)
        if cached is not None:
            return cached
        with self._lock:
            cached = self._files.get(name)
            if cached is None:
                cached = self._expand(name)
                self._files[name] = cached
        return cached

    def _expand(self, name: str) -> tuple[tuple[FileEntry, ...], dict[str, int | None], bool]:
        p = self.project(name) or {}
        entries: dict[str, FileEntry] = {}
        metas: dict[str, int | None] = {}
        generated = False
        for row in p.get("files", ()):
            fn, url, sha, pep, up, rp, size, meta, derived = row
            if not url.startswith(("https://", "http://", "snapshot:")):
                url = PYTORCH_ROOT + url
            entries[fn] = FileEntry(
                filename=fn,
                url=url,
                sha256=sha,
                requires_python=rp,
                has_metadata=bool(pep),
                size=size,
                upload_time=up,
            )
            metas[fn] = meta
            generated = generated or bool(derived)
        for g in p.get("groups", ()):
            prefix = self.hosts[g["h"]] + g["d"]
            dist = g["n"]
            for version, meta, pep in g["v"]:
                for py, abi, plat in g["t"]:
                    fn = f"{dist}-{version}-{py}-{abi}-{plat}.whl"
                    if fn in entries:
                        continue  # an observed file of the same name wins
                    entries[fn] = FileEntry(filename=fn, url=prefix + quote(fn), has_metadata=bool(pep))
                    metas[fn] = meta
                    generated = True
        files = tuple(entries[k] for k in sorted(entries))
        return files, metas, generated


class Snapshot:
    """Read-only view of a snapshot directory (see module docstring)."""

    _bundled: Snapshot | None = None
    _bundled_lock = threading.Lock()

    def __init__(self, path: Path, manifest: dict[str, Any]) -> None:
        self._path = path
        self._manifest = manifest
        self.date: str = str(manifest["date"])
        self.source: str = str(manifest.get("source", ""))
        self._hosts: list[str] = [str(h) for h in manifest.get("hosts", [PYTORCH_ROOT])]
        self._keys: dict[str, dict[str, Any]] = dict(manifest["keys"])
        self._docs: dict[str, _KeyDoc] = {}
        self._lock = threading.Lock()

    # ------------------------------------------------------------------ construction
    @classmethod
    def bundled(cls) -> Snapshot:
        """The snapshot shipped in ``torchlint/index/data`` (one per process)."""
        snap = cls._bundled
        if snap is None:
            with cls._bundled_lock:
                snap = cls._bundled
                if snap is None:
                    snap = cls.from_path(_DATA_DIR)
                    cls._bundled = snap
        return snap

    @classmethod
    def from_path(cls, path: str | os.PathLike[str]) -> Snapshot:
        """Open a snapshot directory; :class:`SnapshotError` if its manifest is unreadable."""
        p = Path(path)
        try:
            raw = (p / "manifest.json").read_text(encoding="utf-8")
        except OSError as exc:
            raise SnapshotError(f"cannot read snapshot manifest in {p}: {exc.strerror or exc}") from None
        try:
            manifest = json.loads(raw)
        except ValueError as exc:
            raise SnapshotError(f"snapshot manifest {p / 'manifest.json'} is not valid JSON: {exc}") from None
        if (
            not isinstance(manifest, dict)
            or not isinstance(manifest.get("keys"), dict)
            or not isinstance(manifest.get("date"), str)
        ):
            raise SnapshotError(f"snapshot manifest {p / 'manifest.json'} lacks 'date' or 'keys'")
        return cls(p, manifest)

    # ------------------------------------------------------------------ keys and URLs
    def keys(self) -> list[str]:
        return sorted(self._keys)

    def key_for_url(self, url: str) -> str | None:
        """Snapshot key of a PyTorch index URL (or ``snapshot:default``); None otherwise."""
        u = url.strip()
        if u.rstrip("/") == _DEFAULT_URL:
            return _DEFAULT_KEY if _DEFAULT_KEY in self._keys else None
        try:
            parts = urlsplit(u)
        except ValueError:
            return None
        if parts.scheme not in ("http", "https") or (parts.hostname or "").lower() not in _PYTORCH_HOSTS:
            return None
        path = re.sub(r"/+", "/", parts.path).strip("/")
        if path.endswith("/simple") or path == "simple":
            path = path[: -len("simple")].rstrip("/")
        return path if path in self._keys and path != _DEFAULT_KEY else None

    def public_url(self, key: str) -> str:
        if key == _DEFAULT_KEY:
            return _DEFAULT_URL
        return f"{PYTORCH_ROOT}/{key.strip('/')}/"

    # ------------------------------------------------------------------ documents
    def _doc(self, key: str) -> _KeyDoc | None:
        doc = self._docs.get(key)
        if doc is not None:
            return doc
        info = self._keys.get(key)
        if info is None:
            return None
        with self._lock:
            doc = self._docs.get(key)
            if doc is None:
                path = self._path / str(info["file"])
                try:
                    with gzip.open(path, "rb") as fh:
                        data = json.loads(fh.read())
                except (OSError, ValueError, EOFError) as exc:
                    raise SnapshotError(f"cannot read snapshot document {path}: {exc}") from None
                doc = _KeyDoc(data, self._hosts)
                self._docs[key] = doc
        return doc

    def _page_url(self, key: str, project: str) -> str:
        base = self.public_url(key)
        return f"{base}/{project}/" if key == _DEFAULT_KEY else f"{base}{project}/"

    def listing(self, key: str, project: str) -> Listing | None:
        """The project's page on ``key`` as recorded; None if the key is not in the snapshot."""
        doc = self._doc(key)
        if doc is None:
            return None
        name = _canon(project)
        common = {
            "index_url": self.public_url(key),
            "project": name,
            "origin": "snapshot",
            "fetched_at": self.date,
            "page_url": self._page_url(key, name),
        }
        p = doc.project(name)
        if p is None and key == _DEFAULT_KEY:
            # the snapshot records a few projects of the public default index, not all of it: an
            # unrecorded one is unknown (no verdict may rest on its absence)
            return Listing(status="error", error="not recorded in the snapshot", **common)  # type: ignore[arg-type]
        if p is None or p.get("absent"):
            return Listing(status="absent", derived=doc.derived_page, **common)  # type: ignore[arg-type]
        if p.get("present") and not p.get("files") and not p.get("groups"):
            return Listing(status="ok", files=(), derived=True, **common)  # type: ignore[arg-type]
        files, _, generated = doc.files(name)
        return Listing(
            status="ok",
            files=files,
            derived=generated or doc.derived_page,
            **common,  # type: ignore[arg-type]
        )

    def metadata(self, key: str, filename: str) -> CoreMetadata | None:
        """Requires-Dist / Requires-Python of one listed file, if the snapshot records it."""
        doc = self._doc(key)
        if doc is None:
            return None
        dist = filename.split("-", 1)[0]
        name = _canon(dist)
        if doc.project(name) is None:
            return None
        _, metas, _ = doc.files(name)
        idx = metas.get(filename)
        if idx is None:
            return None
        row = doc.doc["meta"][idx]
        mname, version, rd_idx, rp, derived = row
        return CoreMetadata(
            name=mname,
            version=version,
            requires_dist=tuple(doc.doc["rd"][rd_idx]),
            requires_python=rp,
            source="snapshot",
            origin="snapshot",
            derived=bool(derived) or doc.derived_page,
            evidence=f"snapshot {self.date} {key} {filename}",
        )

    def patterns(self, key: str, project: str) -> list[DependencyPattern]:
        """Dependency patterns recorded for ``project`` on ``key`` (empty if none)."""
        doc = self._doc(key)
        if doc is None:
            return []
        out: list[DependencyPattern] = []
        for p in doc.doc.get("patterns", {}).get(_canon(project), ()):
            pin = p.get("pin")
            out.append(
                DependencyPattern(
                    project=str(p["project"]),
                    requires=str(p["requires"]),
                    marker=p.get("marker"),
                    pin=pin if pin in ("index-only", "same-version") else "none",
                    note=str(p.get("note", "")),
                    derived=bool(p.get("derived", True)),
                )
            )
        return out
