"""uv workspaces: find a member's root, list the members, load the workspace as one project.

uv locks a workspace as one resolution (one ``uv.lock`` at the root), so torchlint checks it as
one :class:`~torchlint.project.model.Project`: the root's, with every member's requirements added
(each keeping its own file:line:col). What uv does, checked with real ``uv lock``
(``tests/test_workspace_uv.py``):

* members are the directories the root's ``[tool.uv.workspace] members`` globs match, minus those
  ``exclude`` globs match; the root is a member itself; a matched directory without a
  ``pyproject.toml`` is an error;
* the root's ``[tool.uv.sources]`` apply to every member; a member's own entry for a package
  replaces the root's for that member's requirements;
* ``[[tool.uv.index]]`` tables of members are indexes of the workspace too (after the root's);
* settings (``environments``, ``index-strategy``, overrides …) are the root's only, except
  ``conflicts``: a member's sets count for the workspace (its items name the member);
* a requirement on another member needs a ``{ workspace = true }`` source, or uv refuses it;
* a project finds its root upward: the nearest ancestor ``pyproject.toml`` with
  ``[tool.uv.workspace]`` whose members include it (otherwise it is a project of its own).
"""

from __future__ import annotations

import glob
import os
from typing import Any

from torchlint.project.model import DeclaredRequirement, Problem, Project, Setting
from torchlint.project.requirements import canonical, parse_specifier

#: Members a workspace may have before torchlint stops listing them (a glob gone wrong).
MAX_MEMBERS = 500
#: Ancestors searched for a workspace root.
MAX_DEPTH = 64


def workspace_table(data: dict[str, Any]) -> dict[str, Any] | None:
    tool = data.get("tool")
    uv = tool.get("uv") if isinstance(tool, dict) else None
    ws = uv.get("workspace") if isinstance(uv, dict) else None
    return ws if isinstance(ws, dict) else None


def _globs(ws: dict[str, Any], key: str) -> list[tuple[int, str]]:
    val = ws.get(key)
    return [(i, g) for i, g in enumerate(val) if isinstance(g, str)] if isinstance(val, list) else []


def _expand(root_dir: str, pattern: str) -> list[str]:
    full = os.path.join(glob.escape(root_dir), pattern)
    hits = glob.glob(full, recursive=True)
    return sorted(os.path.normpath(h) for h in hits if os.path.isdir(h))


def member_dirs(root_dir: str, ws: dict[str, Any]) -> tuple[list[str], list[tuple[int, str]]]:
    """The member directories (excluding the root) and the (glob index, directory) pairs that
    match a directory without a ``pyproject.toml``."""
    root_dir = os.path.normpath(os.path.abspath(root_dir))
    excluded = {d for _, g in _globs(ws, "exclude") for d in _expand(root_dir, g)}
    found: list[str] = []
    missing: list[tuple[int, str]] = []
    for i, pattern in _globs(ws, "members"):
        for d in _expand(root_dir, pattern):
            if d == root_dir or d in excluded or d in found:
                continue
            if not os.path.isfile(os.path.join(d, "pyproject.toml")):
                missing.append((i, d))
                continue
            found.append(d)
            if len(found) >= MAX_MEMBERS:
                return found, missing
    return found, missing


#: (path, mtime, size) → ``[tool.uv.workspace]``: a directory search asks about the same
#: ancestors once per configuration it finds.
_SEEN: dict[tuple[str, int, int], dict[str, Any] | None] = {}


def _read_workspace(pyproject: str) -> dict[str, Any] | None:
    """``[tool.uv.workspace]`` of a pyproject, or None: a file that cannot be read or parsed is
    no root (the loader reports it when it is the one checked)."""
    from torchlint.errors import InputError
    from torchlint.project.tomlfile import parse_toml, read_text

    try:
        st = os.stat(pyproject)
    except OSError:
        return None
    key = (os.path.abspath(pyproject), st.st_mtime_ns, st.st_size)
    if key in _SEEN:
        return _SEEN[key]
    try:
        text = read_text(pyproject)
        # most files have no workspace: skip parsing them (a directory search asks about many)
        found = workspace_table(parse_toml(text, pyproject)) if "workspace" in text else None
    except InputError:
        found = None
    if len(_SEEN) < 4096:
        _SEEN[key] = found
    return found


def find_root(pyproject: str) -> str | None:
    """The workspace root's ``pyproject.toml`` for the project at *pyproject* (itself when it
    is a root), or None when it belongs to no workspace."""
    here = os.path.dirname(os.path.abspath(pyproject))
    if _read_workspace(pyproject) is not None:
        return os.path.abspath(pyproject)
    d = here
    for _ in range(MAX_DEPTH):
        parent = os.path.dirname(d)
        if parent == d:
            return None
        d = parent
        candidate = os.path.join(d, "pyproject.toml")
        if not os.path.isfile(candidate):
            continue
        ws = _read_workspace(candidate)
        if ws is None:
            continue
        members, _ = member_dirs(d, ws)
        # the nearest workspace decides: a project it does not include stands alone (uv's rule)
        return candidate if os.path.normpath(here) in members else None
    return None


def searched_for_root(pyproject: str) -> list[str]:
    """The ancestor ``pyproject.toml`` paths :func:`find_root` looks at (for result replay)."""
    out: list[str] = []
    d = os.path.dirname(os.path.abspath(pyproject))
    for _ in range(MAX_DEPTH):
        parent = os.path.dirname(d)
        if parent == d:
            break
        d = parent
        out.append(os.path.join(d, "pyproject.toml"))
    return out


def load_workspace(root: Project) -> Project:
    """Add the members of the workspace whose root is *root* (a loaded uv project) to it."""
    from torchlint.project.uv import load_uv_project

    ws = workspace_table(root.file.data)
    if ws is None:
        return root
    root_dir = os.path.dirname(root.file.path)
    dirs, missing = member_dirs(root_dir, ws)
    for i, d in missing:
        root.problems.append(
            Problem(
                f"workspace member `{os.path.relpath(d, root_dir)}` has no pyproject.toml "
                f"(uv refuses the workspace)",
                root.file.loc("tool", "uv", "workspace", "members", i),
            )
        )
    members = [load_uv_project(os.path.join(d, "pyproject.toml"), read_uv_toml=False) for d in dirs]
    names = {canonical(m.name) for m in [root, *members] if m.name}
    owners = {m.file.display: canonical(m.name) for m in [root, *members] if m.name}
    for m in members:
        _merge(root, m, names)
    root.requirements = _check_member_requirements(root, names, owners)
    for i, idx in enumerate(root.indexes):
        idx.order = i
    return root


def _merge_conflicts(root: Project, member: Project) -> None:
    """A member's ``conflicts`` count for the workspace (uv 0.13, checked with real uv); an item
    without ``package`` names the member itself."""
    setting = member.uv.conflicts
    if setting is None or not isinstance(setting.value, list):
        return
    own = member.name or ""
    sets = [
        [{**item, "package": item.get("package", own)} if isinstance(item, dict) else item for item in group]
        if isinstance(group, list)
        else group
        for group in setting.value
    ]
    if root.uv.conflicts is None or not isinstance(root.uv.conflicts.value, list):
        root.uv.conflicts = Setting(sets, setting.location)
    else:
        root.uv.conflicts = Setting([*root.uv.conflicts.value, *sets], root.uv.conflicts.location)


def _merge(root: Project, member: Project, names: set[str]) -> None:
    if member.name:
        root.member_packages.append(canonical(member.name))
    _merge_conflicts(root, member)
    root.members.append(member.file)
    root.extra_files.append(member.file)
    root.member_sources[member.file.display] = member.sources
    root.requirements.extend(member.requirements)
    root.extras.extend(e for e in member.extras if e not in root.extras)
    root.groups.extend(g for g in member.groups if g not in root.groups)
    root_names = {i.name for i in root.indexes if i.name}
    for idx in member.indexes:
        # only [[tool.uv.index]] tables: a member's index-url / extra-index-url are settings
        if idx.origin == "[[tool.uv.index]]" and (idx.name is None or idx.name not in root_names):
            root.indexes.append(idx)
    root.problems.extend(member.problems)
    root.unknown_keys.extend(member.unknown_keys)
    if member.requires_python is not None:
        if root.requires_python is None:
            root.requires_python = member.requires_python
            root.requires_python_location = member.requires_python_location
        else:
            both = parse_specifier(f"{root.requires_python},{member.requires_python}")
            if both is not None:
                root.requires_python = both  # uv locks for every member's Python at once


def _check_member_requirements(
    root: Project, names: set[str], owners: dict[str, str]
) -> list[DeclaredRequirement]:
    """Drop requirements on members (the lock builds them from the workspace), reporting those
    without the ``workspace = true`` source uv insists on; a project naming itself
    (``all = ["pkg[extra]"]``) needs none."""
    kept = []
    for r in root.requirements:
        if r.name not in names:
            kept.append(r)
            continue
        if owners.get(r.location.filename) == r.name:
            continue
        entries = root.sources_for(r.name, r)
        if not any(e.kind == "workspace" for e in entries) and not r.requirement.url:
            root.problems.append(
                Problem(
                    f"`{r.name}` is a workspace member but has no `{r.name} = {{ workspace = true }}` "
                    f"in [tool.uv.sources] (uv refuses it)",
                    r.location,
                )
            )
    return kept
