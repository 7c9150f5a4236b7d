"""Read ``uv.lock`` into :class:`~torchlint.project.model.LockFile` (for TL401 lock drift).

Only what rules need: each ``[[package]]``'s name, version, source (``registry`` URL, or the
URL/path of a direct source), its wheels (url, hash, size) and sdist, with the position of the
``[[package]]`` header. A lock that cannot be read is a :class:`Problem` on the project, never an
exit: the configuration is still checked.
"""

from __future__ import annotations

import os
from typing import Any

from torchlint.errors import InputError
from torchlint.project.model import LockedFile, LockedPackage, LockFile, Problem, Project
from torchlint.project.requirements import canonical
from torchlint.project.tomlfile import load_toml_file

SOURCE_KINDS = ("registry", "git", "url", "path", "directory", "editable", "virtual")


def find_uv_lock(config_path: str) -> str | None:
    cand = os.path.join(os.path.dirname(os.path.abspath(config_path)), "uv.lock")
    return cand if os.path.isfile(cand) else None


def attach_uv_lock(project: Project) -> None:
    """Load the ``uv.lock`` beside the project's file into ``project.lock`` (if there is one)."""
    path = find_uv_lock(project.file.path)
    if path is None:
        return
    try:
        project.lock = load_uv_lock(path)
    except InputError as e:
        from torchlint.diagnostics import Location

        project.problems.append(
            Problem(f"uv.lock cannot be read: {e.message}", Location(e.path or "uv.lock", e.line, e.column))
        )


def _file(entry: Any) -> LockedFile | None:
    if not isinstance(entry, dict):
        return None
    url = entry.get("url") if isinstance(entry.get("url"), str) else None
    if url is None and isinstance(entry.get("path"), str):
        url = entry["path"]
    filename = url.rsplit("/", 1)[-1] if url else None
    if filename:
        from urllib.parse import unquote

        filename = unquote(filename.split("#")[0])
    return LockedFile(
        url=url,
        hash=entry.get("hash") if isinstance(entry.get("hash"), str) else None,
        filename=filename,
        size=entry.get("size") if isinstance(entry.get("size"), int) else None,
    )


def load_uv_lock(path: str) -> LockFile:
    sf = load_toml_file(path)
    data = sf.data
    lock = LockFile(
        kind="uv.lock", file=sf, version=data.get("version") if isinstance(data.get("version"), int) else None
    )
    packages = data.get("package")
    if not isinstance(packages, list):
        return lock
    for i, pkg in enumerate(packages):
        if not isinstance(pkg, dict) or not isinstance(pkg.get("name"), str):
            continue
        source = pkg.get("source") if isinstance(pkg.get("source"), dict) else {}
        assert isinstance(source, dict)
        kind = next((k for k in SOURCE_KINDS if k in source), "unknown")
        url = source.get(kind) if isinstance(source.get(kind), str) else None
        wheels = (
            [w for w in (_file(e) for e in pkg.get("wheels", []) or []) if w is not None]
            if isinstance(pkg.get("wheels"), list)
            else []
        )
        lock.packages.append(
            LockedPackage(
                name=canonical(pkg["name"]),
                version=pkg.get("version") if isinstance(pkg.get("version"), str) else None,
                source_kind=kind,
                source_url=url,
                wheels=wheels,
                sdist=_file(pkg.get("sdist")),
                location=sf.header_loc("package", i),
                position=i,
            )
        )
    return lock
