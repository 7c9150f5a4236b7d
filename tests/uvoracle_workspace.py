"""Real ``uv lock`` on a whole uv workspace (root plus members) against the local index server.

``tests/uvoracle.run_lock`` locks one pyproject and drops ``[tool.uv.workspace]`` (a member's
directory cannot be checked out offline). Here the members *are* given: every file is written into
the temporary directory at its relative path, URLs are rewritten to the server exactly as
``run_lock`` does, ``workspace = true`` sources are kept, and one ``uv lock`` runs at the root — the
one resolution uv makes for every member together.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import tomlkit
from packaging.utils import canonicalize_name

from tests.conftest import uv_exe
from tests.uvoracle import (
    PYPI_PLACEHOLDER,
    LockOutcome,
    _rewrite_urls,
    served,
    tomllib,
    uv_lock,
    world_for,
)


def _rewrite_member(text: str, server_url: str) -> str:
    """URLs to the server; a member needs a version (uv locks it) and no build backend."""
    doc = tomlkit.parse(_rewrite_urls(text, server_url))
    project = doc.get("project")
    if project is not None and "version" not in project:
        project["version"] = "0.1.0"
    tool = doc.get("tool")
    uv = tool.get("uv") if tool is not None else None
    if uv is not None:
        for idx in uv.get("index") or []:
            url = str(idx.get("url", ""))
            if not url.startswith(server_url) and url.startswith(("http://", "https://")):
                idx["url"] = server_url + "/simple"
    if "build-system" in doc:
        del doc["build-system"]
    return tomlkit.dumps(doc)


def _merged_data(files: dict[str, dict[str, Any]]) -> dict[str, Any]:
    """One project's worth of requirements (for the world), without the members' own names."""
    names = {canonicalize_name(str((d.get("project") or {}).get("name") or "")) for d in files.values()}
    deps: list[str] = []
    for d in files.values():
        proj = d.get("project") or {}
        lines = [x for x in proj.get("dependencies") or [] if isinstance(x, str)]
        for extra in (proj.get("optional-dependencies") or {}).values():
            lines += [x for x in extra or [] if isinstance(x, str)]
        for group in (d.get("dependency-groups") or {}).values():
            lines += [x for x in group or [] if isinstance(x, str)]
        for line in lines:
            head = line.split(";")[0].split("[")[0]
            for op in "<>=!~ @":
                head = head.split(op)[0]
            if canonicalize_name(head.strip()) not in names:
                deps.append(line)
    root = files["pyproject.toml"]
    return {"project": {"name": (root.get("project") or {}).get("name") or "root", "dependencies": deps}}


def run_lock_workspace(files: dict[str, str], workdir: Path, *, timeout: float = 300) -> LockOutcome:
    """Lock the workspace *files* (relative path → text; ``pyproject.toml`` is the root)."""
    uv = uv_exe()
    assert uv is not None, "uv is not installed"
    assert "pyproject.toml" in files, "the workspace root is files['pyproject.toml']"
    parsed = {
        rel: tomllib.loads(PYPI_PLACEHOLDER.sub("https://placeholder.invalid/simple", text))
        for rel, text in files.items()
        if rel.endswith(".toml")
    }
    everything = "\n".join(files.values())
    world = world_for(everything, _merged_data(parsed))
    workdir.mkdir(parents=True, exist_ok=True)
    root = parsed["pyproject.toml"]
    with served(world) as server:
        written: list[str] = []
        for rel, text in files.items():
            target = workdir / rel
            target.parent.mkdir(parents=True, exist_ok=True)
            out = _rewrite_member(text, server.url) if rel.endswith(".toml") else text
            target.write_text(out, encoding="utf-8")
            written.append(f"# {rel}\n{out}")
        ok, stderr, lock = uv_lock(
            workdir, server, root, (root.get("project") or {}).get("requires-python") or ">=3.12", timeout
        )
    return LockOutcome(ok, stderr, lock, "\n".join(written), [])
