"""Which loader reads a file: by its name and content.

One place decides, so ``torchlint check DIR`` and explicit paths agree.

* ``discover``: a file is checked as given; a directory contributes its ``pyproject.toml``,
  ``pixi.toml``, ``requirements*.txt``, ``constraints*.txt`` and ``requirements/*.txt`` (each its
  own project, reported in its own file; ``uv.toml`` is read by the uv loader with its
  pyproject). A directory with none of them is an input error.
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


def discover(paths: Sequence[str]) -> list[str]:
    """Files to check: given files as they are; a directory means the config files in it."""
    if not paths:
        paths = ["pyproject.toml"]
    out: list[str] = []
    for p in paths:
        if os.path.isdir(p):
            found = _scan_dir(p)
            if not found:
                raise InputError(
                    "no pyproject.toml, pixi.toml or requirements*.txt in this directory", display_path(p)
                )
            out.extend(f for f in found if f not in out)
        elif p not in out:
            out.append(p)
    # each workspace once, at its root (a member given or found stands for its whole workspace)
    return list(dict.fromkeys(workspace_of(p) for p in out))


def _scan_dir(d: str) -> list[str]:
    try:
        names = sorted(os.listdir(d))
    except OSError as e:
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
