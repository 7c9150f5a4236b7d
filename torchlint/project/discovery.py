"""Finding configurations: upward from the working directory, recursively below a directory.

* no path: the nearest ``pyproject.toml`` (or ``pixi.toml``) in the working directory or a parent,
  as uv finds its project; a workspace member then stands for its workspace (``detect``);
* a directory: every configuration below it, skipping virtual environments, VCS and tool folders,
  ``node_modules``, build outputs and what the ``.gitignore`` files on the way ignore. Bounded in
  depth and directory count, so a mistaken ``torchlint check /`` ends quickly.
"""

from __future__ import annotations

import fnmatch
import os
from collections.abc import Iterator

#: Folder names never searched (hidden folders — ``.venv``, ``.git``, ``.tox`` … — are skipped too).
SKIP_DIRS = frozenset(
    {"node_modules", "build", "dist", "__pycache__", "site-packages", "venv", "env", "target", "htmlcov"}
)
MAX_DEPTH = 24
MAX_DIRS = 20_000
#: Ancestors searched for a configuration.
MAX_UP = 64
UPWARD_NAMES = ("pyproject.toml", "pixi.toml")


def upward_candidates(start: str) -> Iterator[str]:
    """The configuration paths looked for, nearest first (the working directory, then parents)."""
    d = os.path.abspath(start)
    for _ in range(MAX_UP):
        for name in UPWARD_NAMES:
            yield os.path.join(d, name)
        parent = os.path.dirname(d)
        if parent == d:
            return
        d = parent


def find_upward(start: str) -> str | None:
    for path in upward_candidates(start):
        if os.path.isfile(path):
            return path
    return None


class GitIgnore:
    """The subset of ``.gitignore`` syntax configuration folders need: globs, ``/``-anchored and
    directory-only patterns, comments; a ``!`` negation re-includes what an earlier line ignored."""

    def __init__(self, base: str, lines: list[str]) -> None:
        self.base = base
        self.rules: list[tuple[bool, bool, bool, str]] = []
        for raw in lines:
            line = raw.rstrip("\n").rstrip()
            if not line or line.startswith("#"):
                continue
            negate = line.startswith("!")
            if negate:
                line = line[1:]
            dir_only = line.endswith("/")
            line = line.rstrip("/")
            # a slash at the start or in the middle anchors the pattern to the .gitignore's folder
            anchored = "/" in line
            line = line.lstrip("/")
            if line.startswith("**/"):
                line, anchored = line[3:], "/" in line[3:]
            if line:
                self.rules.append((negate, dir_only, anchored, line))

    @classmethod
    def read(cls, folder: str) -> GitIgnore | None:
        path = os.path.join(folder, ".gitignore")
        try:
            with open(path, encoding="utf-8", errors="replace") as f:
                lines = f.readlines()[:5000]
        except OSError:
            return None
        return cls(folder, lines)

    def ignored(self, path: str, is_dir: bool) -> bool:
        rel = os.path.relpath(path, self.base).replace(os.sep, "/")
        name = rel.rsplit("/", 1)[-1]
        out = False
        for negate, dir_only, anchored, pattern in self.rules:
            if dir_only and not is_dir:
                continue
            hit = fnmatch.fnmatchcase(rel, pattern) if anchored else fnmatch.fnmatchcase(name, pattern)
            if hit:
                out = not negate
        return out


def walk(top: str) -> Iterator[str]:
    """Directories below *top* (itself first) that discovery searches, in a stable order."""
    stack: list[tuple[str, int, tuple[GitIgnore, ...]]] = [(os.path.normpath(top), 0, ())]
    seen = 0
    while stack and seen < MAX_DIRS:
        d, depth, ignores = stack.pop()
        seen += 1
        yield d
        if depth >= MAX_DEPTH:
            continue
        own = GitIgnore.read(d)
        here = (*ignores, own) if own is not None else ignores
        try:
            names = sorted(os.listdir(d))
        except OSError:
            continue
        subdirs = []
        for n in names:
            full = os.path.join(d, n)
            if n.startswith(".") or n in SKIP_DIRS or n.endswith(".egg-info"):
                continue
            if not os.path.isdir(full) or os.path.islink(full):
                continue
            if os.path.isfile(os.path.join(full, "pyvenv.cfg")):
                continue  # a virtual environment under any name
            if any(g.ignored(full, True) for g in here):
                continue
            subdirs.append((full, depth + 1, here))
        stack.extend(reversed(subdirs))
