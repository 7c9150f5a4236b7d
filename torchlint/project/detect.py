"""Which loader reads a file: by its name and content.

One place decides, so ``torchlint check DIR`` and explicit paths agree.

* ``discover``: a file is checked as given; a directory contributes, in it and every folder below
  (:mod:`.discovery` skips environments, build outputs and ``.gitignore``'d paths), its
  ``pyproject.toml``, ``pixi.toml``, ``requirements*.txt``, ``constraints*.txt`` and
  ``requirements/*.txt`` (each its own project, reported in its own file; ``uv.toml`` is read by
  the uv loader with its pyproject; a workspace member stands for its workspace, checked once).
  A directory with none of them is an input error; no path means the nearest configuration
  upward from the working directory.
* ``load_any``: ``*.txt`` / ``*.in`` → pip requirements; ``pixi.toml`` → pixi; a pyproject with
  ``[tool.uv]`` → uv; else ``[tool.poetry]`` → Poetry, ``[tool.pdm]`` → PDM, ``[tool.pixi]`` → pixi;
  anything else → uv (``[project]`` only). A uv project gets the ``uv.lock`` beside it.
"""

from __future__ import annotations

import fnmatch
import os
from collections.abc import Sequence

from torchlint.errors import InputError
from torchlint.project.model import Project
from torchlint.project.tomlfile import display_path

#: File-name patterns a directory is searched for (case-insensitive), in report order.
DIR_PATTERNS = ("pyproject.toml", "pixi.toml", "requirements*.txt", "constraints*.txt")


def discover(paths: Sequence[str], searched: list[str] | None = None) -> list[str]:
    """Files to check: given files as they are; a directory means the config files in and below it.

    *searched* receives the directories whose listing decided the answer (for result replay)."""
    from torchlint.project.discovery import find_upward, walk

    if not paths:
        # the nearest configuration upward, as uv finds its project (a member finds its root below)
        nearest = find_upward(os.getcwd())
        paths = [os.path.relpath(nearest) if nearest else "pyproject.toml"]
    out: list[str] = []
    for p in paths:
        if os.path.isdir(p):
            dirs = list(walk(p))
            if searched is not None:
                searched.extend(dirs)
            found = [f for d in dirs for f in _scan_dir(d, top=d == os.path.normpath(p))]
            if not found:
                raise InputError(
                    "no pyproject.toml, pixi.toml or requirements*.txt in this directory or below",
                    display_path(p),
                )
            out.extend(f for f in found if f not in out)
        elif p not in out:
            out.append(p)
    # each workspace once, at its root (a member given or found stands for its whole workspace)
    unique: dict[str, str] = {}
    for p in out:
        shown = workspace_of(p)
        unique.setdefault(os.path.abspath(shown), shown)
    return list(unique.values())


def _scan_dir(d: str, top: bool = True) -> list[str]:
    try:
        names = sorted(os.listdir(d))
    except OSError as e:
        if not top:
            return []  # an unreadable folder below the one given: nothing to check there
        raise InputError(f"cannot read directory: {e.strerror or e}", display_path(d)) from None
    found: list[str] = []
    for pattern in DIR_PATTERNS:
        for n in names:
            full = os.path.join(d, n)
            if fnmatch.fnmatch(n.lower(), pattern) and os.path.isfile(full):
                found.append(full)
    sub = os.path.join(d, "requirements")
    if os.path.isdir(sub):
        try:
            found.extend(
                os.path.join(sub, n)
                for n in sorted(os.listdir(sub))
                if n.lower().endswith(".txt") and os.path.isfile(os.path.join(sub, n))
            )
        except OSError:
            pass
    return found


def kind_of(path: str, data: dict[str, object] | None = None) -> str:
    """ "uv", "poetry", "pdm", "pixi" or "pip" for *path* (TOML *data* when already parsed)."""
    name = os.path.basename(path).lower()
    if name.endswith((".txt", ".in")):
        return "pip"
    if name == "pixi.toml":
        return "pixi"
    if data is None:
        return "uv"
    tool = data.get("tool")
    if not isinstance(tool, dict):
        return "uv"
    if isinstance(tool.get("uv"), dict):
        return "uv"
    for key in ("poetry", "pdm", "pixi"):
        if isinstance(tool.get(key), dict):
            return key
    return "uv"


def _known_toml(data: dict[str, object]) -> bool:
    """Does a TOML file under another name hold tables a loader reads?"""
    tool = data.get("tool")
    if isinstance(tool, dict) and any(isinstance(tool.get(k), dict) for k in ("uv", "poetry", "pdm", "pixi")):
        return True
    return isinstance(data.get("project"), dict) or isinstance(data.get("dependency-groups"), dict)


def load_any(path: str) -> Project:
    """Load *path* with the loader for its kind."""
    kind = kind_of(path)
    if kind == "pip":
        from torchlint.project.requirements_file import load_requirements_file

        return load_requirements_file(path)
    if kind == "pixi":
        from torchlint.project.pixi import load_pixi_project

        return load_pixi_project(path)
    from torchlint.project.tomlfile import load_toml_file

    sf = load_toml_file(path)  # parsed once here to pick the loader (files are kilobytes)
    kind = kind_of(path, sf.data)
    name = os.path.basename(path).lower()
    if name == "uv.toml":  # a uv.toml without a pyproject beside it: settings only
        from torchlint.project.uv import load_uv_toml

        return load_uv_toml(path)
    if name != "pyproject.toml" and not _known_toml(sf.data):
        # given explicitly and nothing torchlint reads: say so instead of "All checks passed!"
        raise InputError(
            "not a configuration torchlint understands (expected a pyproject.toml, pixi.toml, uv.toml "
            "or requirements file)",
            sf.display,
        )
    if kind == "poetry":
        from torchlint.project.poetry import load_poetry_project

        return load_poetry_project(path)
    if kind == "pdm":
        from torchlint.project.pdm import load_pdm_project

        return load_pdm_project(path)
    if kind == "pixi":
        from torchlint.project.pixi import load_pixi_project

        return load_pixi_project(path)
    from torchlint.project.lock import attach_uv_lock
    from torchlint.project.uv import load_uv_project
    from torchlint.project.workspace import find_root, load_workspace, workspace_table

    # a workspace member is checked as its workspace: one resolution, the root's settings
    root = find_root(path) if os.path.basename(path).lower() == "pyproject.toml" else None
    project = load_uv_project(root or path)
    if workspace_table(project.file.data) is not None:
        load_workspace(project)
    attach_uv_lock(project)
    return project


def workspace_of(path: str) -> str:
    """The file that stands for *path* in a run: its workspace root's pyproject, else itself."""
    if os.path.basename(path).lower() != "pyproject.toml" or kind_of(path) == "pip":
        return path
    from torchlint.project.workspace import find_root

    root = find_root(path)
    if root is None or os.path.abspath(path) == root:
        return path
    return os.path.relpath(root) if not os.path.isabs(path) else root
