"""Which loader reads a file: by its name and content.

One place decides, so ``torchlint check DIR`` and explicit paths agree.
"""

from __future__ import annotations

import os
from collections.abc import Sequence

from torchlint.errors import InputError
from torchlint.project.model import Project
from torchlint.project.tomlfile import display_path


def discover(paths: Sequence[str]) -> list[str]:
    """Files to check: given files as they are; a directory means its pyproject.toml."""
    if not paths:
        paths = ["pyproject.toml"]
    out = []
    for p in paths:
        if os.path.isdir(p):
            candidate = os.path.join(p, "pyproject.toml")
            if not os.path.isfile(candidate):
                raise InputError("no pyproject.toml in this directory", p)
            out.append(candidate)
        else:
            out.append(p)
    return out


def load_any(path: str) -> Project:
    """Load *path* with the loader for its kind (pyproject.toml / uv.toml today)."""
    name = os.path.basename(path).lower()
    if name.endswith(".txt") or name.endswith(".in"):
        raise InputError(
            "requirements files are not supported yet; check the pyproject.toml", display_path(path)
        )
    from torchlint.project.uv import load_uv_project

    return load_uv_project(path)
