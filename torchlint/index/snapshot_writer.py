"""``torchlint snapshot``: write a fresh snapshot from the live indexes.

Starts from the bundled snapshot (its keys, projects, present-names and dependency patterns) and
replaces every recorded project page with what the live index lists today, plus the METADATA of
the newest version's wheels (one per platform). Pages that cannot be fetched keep their bundled
record, and the manifest says how many were refreshed. The result is a directory that
``torchlint check --snapshot DIR`` reads like the bundled one.
"""

from __future__ import annotations

import datetime as _dt
import gzip
import json
import os
import shutil
import tempfile
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from torchlint.errors import InputError
from torchlint.index.filenames import parse_wheel, platform_arch, platform_os
from torchlint.index.model import CoreMetadata, FileEntry, Listing
from torchlint.index.snapshot import _DATA_DIR, Snapshot
from torchlint.index.urls import apply_mirrors, redact

#: Versions per project whose metadata is recorded (newest first).
METADATA_VERSIONS = 2


def _read_doc(path: Path) -> dict[str, Any]:
    with gzip.open(path, "rb") as fh:
        data: dict[str, Any] = json.loads(fh.read())
    return data


def _write_doc(path: Path, doc: dict[str, Any]) -> None:
    raw = json.dumps(doc, separators=(",", ":"), sort_keys=True).encode()
    with open(path, "wb") as fh, gzip.GzipFile(fileobj=fh, mode="wb", mtime=0) as gz:
        gz.write(raw)


def _platform_key(f: FileEntry) -> tuple[str, str]:
    w = parse_wheel(f.filename)
    assert w is not None
    plat = sorted(t.platform for t in w.tags)[0]
    return platform_os(plat), platform_arch(plat)


def _newest_wheels(files: tuple[FileEntry, ...]) -> dict[tuple[Any, tuple[str, str]], list[FileEntry]]:
    """Wheels of the newest METADATA_VERSIONS versions, grouped by (version, (os, arch))."""
    by_version: dict[Any, list[FileEntry]] = {}
    for f in files:
        w = parse_wheel(f.filename)
        if w is not None:
            by_version.setdefault(w.version, []).append(f)
    out: dict[tuple[Any, tuple[str, str]], list[FileEntry]] = {}
    for v in sorted(by_version, reverse=True)[:METADATA_VERSIONS]:
        for f in sorted(by_version[v], key=lambda e: e.filename):
            out.setdefault((v, _platform_key(f)), []).append(f)
    return out


def _unmirror(url: str, mirrors: Mapping[str, str]) -> str:
    """The public URL of a file fetched through ``--mirror`` (the snapshot records public URLs)."""
    for public, local in sorted(mirrors.items(), key=lambda kv: -len(kv[1])):
        if url.startswith(local.rstrip("/")):
            return public.rstrip("/") + url[len(local.rstrip("/")) :]
    return url


def _refresh_project(
    doc: dict[str, Any],
    name: str,
    listing: Listing,
    metas: dict[str, CoreMetadata],
    mirrors: Mapping[str, str],
) -> None:
    rd: list[list[str]] = doc.setdefault("rd", [])
    meta: list[list[Any]] = doc.setdefault("meta", [])
    interned: dict[tuple[str, ...], int] = {tuple(r): i for i, r in enumerate(rd)}
    rows = []
    for f in listing.files:
        idx = None
        md = metas.get(f.url)
        if md is not None:
            key = tuple(md.requires_dist)
            if key not in interned:
                rd.append(list(key))
                interned[key] = len(rd) - 1
            meta.append([md.name, md.version, interned[key], md.requires_python, 0])
            idx = len(meta) - 1
        rows.append(
            [
                f.filename,
                redact(_unmirror(f.url, mirrors)),
                f.sha256,
                int(f.has_metadata),
                f.upload_time,
                f.requires_python,
                f.size,
                idx,
                0,
            ]
        )
    doc["projects"][name] = {"files": rows}


def write_live_snapshot(
    out_dir: str, mirrors: Mapping[str, str], default_index: str | None, timeout: float
) -> str:
    """Write the snapshot; returns a one-line summary."""
    from torchlint.index.client import SimpleClient

    base = Snapshot.bundled()
    out = Path(out_dir)
    if out.exists() and any(out.iterdir()) and not (out / "manifest.json").is_file():
        raise InputError(f"{out_dir}: exists and is not a snapshot directory; refusing to write there")
    manifest = json.loads((_DATA_DIR / "manifest.json").read_text(encoding="utf-8"))
    tmp = Path(tempfile.mkdtemp(prefix=".snapshot-", dir=str(out.parent if str(out.parent) else ".")))
    refreshed = kept = 0
    try:
        with SimpleClient(timeout=timeout, cache=None, refresh=True) as client:
            for key, info in sorted(manifest["keys"].items()):
                doc = _read_doc(_DATA_DIR / info["file"])
                if key == "default" and not default_index:
                    _write_doc(tmp / info["file"], doc)
                    continue
                index_url = default_index if key == "default" and default_index else base.public_url(key)
                assert index_url is not None
                names = [n for n, p in doc.get("projects", {}).items() if p.get("files") or p.get("groups")]
                fetch = [(n, apply_mirrors(index_url, mirrors)) for n in names]

                def get(item: tuple[str, str], url: str = index_url) -> Listing:
                    return client.get_listing(url, item[0], fetch_url=item[1])

                listings = client.map(get, fetch)
                for name, lst in zip(names, listings, strict=True):
                    if lst.status != "ok":
                        kept += 1
                        continue
                    # one METADATA read per version and platform; the wheels of one version for one
                    # platform (several Python tags) share it
                    groups = _newest_wheels(lst.files)
                    reps = [fs[0] for fs in groups.values()]
                    mds = client.map(client.get_metadata, reps)
                    metas = {
                        f.url: m
                        for fs, m in zip(groups.values(), mds, strict=True)
                        if isinstance(m, CoreMetadata)
                        for f in fs
                    }
                    _refresh_project(doc, name, lst, metas, mirrors)
                    refreshed += 1
                doc["derived_page"] = False if refreshed else doc.get("derived_page", False)
                _write_doc(tmp / info["file"], doc)
        manifest["date"] = _dt.date.today().isoformat()
        manifest["source"] = (
            f"torchlint snapshot from live indexes: {refreshed} project pages refreshed, {kept} kept from the "
            f"bundled snapshot of {base.date}"
        )
        (tmp / "manifest.json").write_text(
            json.dumps(manifest, indent=1, sort_keys=True) + "\n", encoding="utf-8"
        )
        if out.exists():
            shutil.rmtree(out)
        os.replace(tmp, out)
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise
    return f"wrote {out_dir}: {refreshed} project pages refreshed from live indexes, {kept} kept from the snapshot of {base.date}"
