"""Load a Poetry project (``[tool.poetry]``, Poetry 1 and 2) into the Project model.

How Poetry's settings map onto the model (which speaks uv's index semantics, see
:mod:`torchlint.routing`):

``[[tool.poetry.source]]``
    One :class:`IndexDef` each, named, in definition order (``declared_in`` says
    ``[[tool.poetry.source]]``; ``origin`` is ``[[tool.uv.index]]`` because that is what routing and
    TL002 treat as "an index a source may name").

    * ``priority = "explicit"`` → ``explicit=True``: consulted only for dependencies that name it
      with ``source = "..."``, like a uv explicit index.
    * ``priority = "primary"`` (Poetry's default when no priority is given): Poetry disables the
      implicit PyPI as soon as one primary source exists (unless a source named ``PyPI`` is
      declared), so the first primary source is the default index (``default=True``) and further
      primary sources are non-explicit indexes consulted before it. Poetry merges the candidates
      of all primary sources (best version wins), so with two or more primaries
      ``project.uv.index_strategy`` is set to ``unsafe-best-match``.
    * ``priority = "default"`` / legacy ``default = true`` → ``default=True`` (replaces PyPI).
    * ``priority = "supplemental"`` / legacy ``secondary = true`` → non-explicit. Poetry consults
      them only after PyPI (the model cannot place an index after the default one: routing puts
      every non-explicit index first; gap, documented), but they are still queried for every
      package that PyPI lacks, which is what TL001 warns about (PO3, python-poetry/poetry#4704).
    * A source named ``PyPI`` (any case) without a URL re-enables PyPI: no IndexDef is created
      (the public default index stands in) and primary sources become ordinary non-explicit ones.

Dependencies
    ``[tool.poetry.dependencies]`` (base), ``[tool.poetry.group.<g>.dependencies]`` (group ``g``),
    legacy ``[tool.poetry.dev-dependencies]`` (group ``dev``); optional dependencies belong to the
    extras of ``[tool.poetry.extras]`` that list them. Each becomes a :class:`DeclaredRequirement`:
    ``^``/``~``/bare/wildcard constraints are converted to PEP 440 (``native_constraint`` keeps
    the original), ``markers`` / ``platform`` / ``python`` become one marker, ``extras`` are kept.
    A list of constraint tables (multiple-constraint dependencies) gives one requirement each.
    ``source = "name"`` gives a ``SourceEntry(kind="index")`` with the same marker; ``url`` (a
    direct wheel URL, PO4), ``git``, ``path`` give sources of that kind and ``url`` is also kept on
    the requirement (``name @ url``) so a rule can read the wheel tags.

Poetry 2 ``[project]``
    ``[project] dependencies`` are the requirements; ``[tool.poetry.dependencies]`` entries for the
    same names only add ``source`` / ``markers`` (and are otherwise not new requirements).
    ``python`` in ``[tool.poetry.dependencies]`` is ``requires-python`` unless ``[project]`` sets it.

Gaps: Poetry's ``||`` constraints become an empty specifier; supplemental sources are modelled
as consulted before PyPI; ``allow-prereleases`` is not modelled.
"""

from __future__ import annotations

import re
from typing import Any

from torchlint.project.model import (
    BASE,
    DeclaredRequirement,
    IndexDef,
    Problem,
    Project,
    Scope,
    Setting,
    SourceEntry,
    SourceFile,
)
from torchlint.project.requirements import canonical, parse_marker, parse_requirement, parse_specifier
from torchlint.project.tomlfile import load_toml_file

Path = tuple[str | int, ...]

_VERSION = re.compile(
    r"^v?(\d+(?:\.\d+)*)((?:[.-]?(?:a|b|rc|alpha|beta|c|pre|preview|post|dev)\d*)*)(\+[\w.]+)?$"
)
_OP = re.compile(r"^(\^|~=|~|===|==|!=|<=|>=|<|>|=)?\s*(.*)$")


def load_poetry_project(path: str) -> Project:
    sf = load_toml_file(path)
    project = Project(manager="poetry", file=sf)
    data = sf.data
    tool = data.get("tool") if isinstance(data.get("tool"), dict) else {}
    assert isinstance(tool, dict)
    poetry = tool.get("poetry") if isinstance(tool.get("poetry"), dict) else {}
    assert isinstance(poetry, dict)
    if isinstance(tool.get("torchlint"), dict):
        project.torchlint = tool["torchlint"]
    proj = data.get("project")
    pep621 = isinstance(proj, dict)
    if isinstance(proj, dict):
        from torchlint.project.uv import _load_project_table

        _load_project_table(project, sf, proj)
    if isinstance(data.get("dependency-groups"), dict):
        from torchlint.project.uv import _load_groups

        _load_groups(project, sf, data["dependency-groups"])
    if project.name is None and isinstance(poetry.get("name"), str):
        project.name = poetry["name"]
    _load_sources(project, sf, poetry)
    extras_of = _extras_of(project, poetry)
    deps = poetry.get("dependencies")
    if isinstance(deps, dict):
        _load_deps(project, sf, deps, ("tool", "poetry", "dependencies"), BASE, pep621, extras_of)
    groups = poetry.get("group")
    if isinstance(groups, dict):
        for g, table in groups.items():
            if isinstance(table, dict) and isinstance(table.get("dependencies"), dict):
                scope = Scope("group", canonical(g))
                if scope.name not in project.groups:
                    project.groups.append(str(scope.name))
                _load_deps(
                    project, sf, table["dependencies"], ("tool", "poetry", "group", g, "dependencies"), scope
                )
    dev = poetry.get("dev-dependencies")
    if isinstance(dev, dict):
        if "dev" not in project.groups:
            project.groups.append("dev")
        _load_deps(project, sf, dev, ("tool", "poetry", "dev-dependencies"), Scope("group", "dev"))
    for i, idx in enumerate(project.indexes):
        idx.order = i
    return project


# --------------------------------------------------------------------------- sources


def _load_sources(project: Project, sf: SourceFile, poetry: dict[str, Any]) -> None:
    sources = poetry.get("source")
    if not isinstance(sources, list):
        return
    entries: list[tuple[int, dict[str, Any], str]] = []
    pypi_declared = False
    for i, src in enumerate(sources):
        loc = sf.header_loc("tool", "poetry", "source", i)
        if not isinstance(src, dict):
            project.problems.append(Problem("`[[tool.poetry.source]]` entries must be tables", loc))
            continue
        name = src.get("name")
        if not isinstance(name, str):
            project.problems.append(Problem("Poetry source has no `name`", loc))
            continue
        priority = src.get("priority")
        if not isinstance(priority, str):
            priority = (
                "default"
                if src.get("default") is True
                else "secondary"
                if src.get("secondary") is True
                else "primary"
            )
        if priority not in ("primary", "supplemental", "explicit", "default", "secondary"):
            project.problems.append(
                Problem(
                    f"unknown Poetry source priority {priority!r}",
                    sf.loc("tool", "poetry", "source", i, "priority"),
                )
            )
            continue
        if name.lower() == "pypi" and not isinstance(src.get("url"), str):
            pypi_declared = True
            continue
        if not isinstance(src.get("url"), str):
            project.problems.append(Problem(f"Poetry source `{name}` has no `url`", loc))
            continue
        entries.append((i, src, priority))
    primaries = [e for e in entries if e[2] == "primary"]
    has_default = any(e[2] == "default" for e in entries)
    first_primary_default = bool(primaries) and not pypi_declared and not has_default
    for i, src, priority in entries:
        path: Path = ("tool", "poetry", "source", i)
        default = priority == "default" or (first_primary_default and primaries[0][0] == i)
        project.indexes.append(
            IndexDef(
                url=src["url"],
                name=src["name"],
                explicit=priority == "explicit",
                default=default,
                origin="[[tool.uv.index]]",
                declared_in="[[tool.poetry.source]]",
                location=sf.header_loc(*path),
                url_location=sf.loc(*path, "url"),
            )
        )
    if len(primaries) + (1 if has_default else 0) + (1 if pypi_declared and primaries else 0) > 1:
        i = primaries[-1][0] if primaries else entries[0][0]
        project.uv.index_strategy = Setting("unsafe-best-match", sf.header_loc("tool", "poetry", "source", i))
    # Default indexes come last in uv's order; keep one default (the first) like uv does.
    defaults = [d for d in project.indexes if d.default]
    for extra in defaults[1:]:
        extra.default = False


# --------------------------------------------------------------------------- dependencies


def _extras_of(project: Project, poetry: dict[str, Any]) -> dict[str, list[str]]:
    """Package -> the extras (``[tool.poetry.extras]``) that list it."""
    out: dict[str, list[str]] = {}
    extras = poetry.get("extras")
    if not isinstance(extras, dict):
        return out
    for extra, names in extras.items():
        e = canonical(extra)
        if e not in project.extras:
            project.extras.append(e)
        if isinstance(names, list):
            for n in names:
                if isinstance(n, str):
                    req, _ = parse_requirement(n)
                    out.setdefault(canonical(req.name if req else n), []).append(e)
    return out


def _load_deps(
    project: Project,
    sf: SourceFile,
    deps: dict[str, Any],
    base: Path,
    scope: Scope,
    pep621: bool = False,
    extras_of: dict[str, list[str]] | None = None,
) -> None:
    for pkg, val in deps.items():
        name = canonical(pkg)
        if name == "python" and scope == BASE:
            if isinstance(val, str) and project.requires_python is None:
                spec_text, _ = convert_constraint(val)
                spec = parse_specifier(spec_text)
                if spec is None:
                    project.problems.append(Problem(f"invalid python constraint {val!r}", sf.loc(*base, pkg)))
                else:
                    project.requires_python = spec
                    project.requires_python_location = sf.loc(*base, pkg)
            continue
        items = val if isinstance(val, list) else [val]
        override_only = pep621 and scope == BASE and bool(project.requirements_named(name))
        for i, item in enumerate(items):
            path: Path = (*base, pkg, i) if isinstance(val, list) else (*base, pkg)
            _load_dep(
                project, sf, pkg, name, item, path, scope, i, isinstance(val, list), override_only, extras_of
            )


def _load_dep(
    project: Project,
    sf: SourceFile,
    pkg: str,
    name: str,
    item: Any,
    path: Path,
    scope: Scope,
    position: int,
    in_list: bool,
    override_only: bool,
    extras_of: dict[str, list[str]] | None,
) -> None:
    loc = sf.loc(*path)
    table: dict[str, Any] = (
        {"version": item} if isinstance(item, str) else item if isinstance(item, dict) else {}
    )
    if not table:
        project.problems.append(Problem(f"Poetry dependency `{pkg}` must be a string or a table", loc))
        return
    markers: list[str] = []
    if isinstance(table.get("markers"), str):
        markers.append(table["markers"])
    if isinstance(table.get("platform"), str):
        markers.append(f"sys_platform == '{table['platform']}'")
    if isinstance(table.get("python"), str):
        pm = python_marker(table["python"])
        if pm:
            markers.append(pm)
    marker_raw = " and ".join(f"({m})" if len(markers) > 1 else m for m in markers) or None
    marker = None
    if marker_raw is not None:
        marker, err = parse_marker(marker_raw)
        if marker is None:
            project.problems.append(Problem(f"invalid marker for `{pkg}`: {marker_raw!r}: {err}", loc))
            return
    url = table.get("url") if isinstance(table.get("url"), str) else None
    kind: Any = "unknown"
    index = None
    if isinstance(table.get("source"), str):
        kind, index = "index", table["source"]
        if index.lower() == "pypi" and not any(
            i.name and i.name.lower() == "pypi" for i in project.indexes
        ):  # Poetry's reserved name for the public default index: no source to follow
            kind, index = "unknown", None
    else:
        for k in ("url", "git", "path"):
            if isinstance(table.get(k), str):
                kind = k
                break
    extras = (
        [e for e in table.get("extras", []) if isinstance(e, str)]
        if isinstance(table.get("extras"), list)
        else []
    )
    native = table.get("version") if isinstance(table.get("version"), str) else None
    if not override_only and not (table.get("optional") is True and not (extras_of or {}).get(name)):
        raw = pkg + (f"[{','.join(extras)}]" if extras else "")
        if url is not None:
            raw += f" @ {url}"
        elif native is not None:
            spec, ok = convert_constraint(native)
            if not ok:
                project.problems.append(Problem(f"invalid version constraint {native!r} for `{pkg}`", loc))
                return
            raw += spec
        if marker_raw:
            raw += f" ; {marker_raw}"
        req, err = parse_requirement(raw)
        if req is None:
            project.problems.append(Problem(f"invalid dependency `{pkg}`: {err}", loc))
            return
        scopes = [scope]
        if table.get("optional") is True and extras_of and extras_of.get(name):
            scopes = [Scope("extra", e) for e in extras_of[name]]
        for sc in scopes:
            project.requirements.append(
                DeclaredRequirement(raw, name, req, sc, loc, native_constraint=native)
            )
    if kind != "unknown":
        entry_raw = {
            k: v
            for k, v in table.items()
            if k in ("source", "url", "git", "path", "markers", "platform", "python")
        }
        project.sources.setdefault(name, []).append(
            SourceEntry(
                package=name,
                kind=kind,
                index=index,
                marker_raw=marker_raw,
                marker=marker,
                group=scope.name if scope.kind == "group" else None,
                location=sf.loc(*path, "source") if index is not None else loc,
                position=len(project.sources.get(name, [])),
                in_list=in_list,
                raw=entry_raw,
            )
        )


# --------------------------------------------------------------------------- constraints


def _bump(release: list[int], at: int) -> str:
    out = [*release[:at], release[at] + 1] if at < len(release) else [*release, 1]
    out += [0] * (len(release) - len(out))
    return ".".join(str(x) for x in out)


def convert_constraint(text: str) -> tuple[str, bool]:
    """A Poetry version constraint as a PEP 440 specifier text; (text, parsed-ok).

    ``^1.2.3`` → ``>=1.2.3,<2.0.0``; ``^0.2.3`` → ``>=0.2.3,<0.3.0``; ``~1.2.3`` → ``>=1.2.3,<1.3.0``;
    ``~1`` → ``>=1,<2``; ``1.2.3`` → ``==1.2.3``; ``*`` → any; ``>=1 <2`` → ``>=1,<2``. A local
    label (``^2.0.0+cu118``) is dropped from range bounds (PEP 440 allows it only with ``==``);
    ``||`` alternatives cannot be expressed and give "any".
    """
    text = text.strip()
    if text in ("", "*") or "||" in text or "|" in text:
        return "", True
    parts = [p for p in re.split(r"\s*,\s*|\s+(?=[<>=!^~])", text) if p]
    out: list[str] = []
    for part in parts:
        m = _OP.match(part.strip())
        if m is None:
            return "", False
        op, ver = m.group(1) or "", m.group(2).strip()
        if ver in ("*", ""):
            continue
        if op in ("^", "~") or (op == "" and "*" not in ver and not ver.endswith(".x")):
            vm = _VERSION.match(ver)
            if vm is None:
                return "", False
            release = [int(x) for x in vm.group(1).split(".")]
            lower = ver.split("+")[0]
            if op == "":
                out.append(f"=={ver}")
                continue
            if op == "^":
                first = next((i for i, x in enumerate(release) if x != 0), len(release) - 1)
                upper = _bump(release, first)
            else:
                upper = _bump(release, 1 if len(release) > 1 else 0)
            out.append(f">={lower}")
            out.append(f"<{upper}")
        elif op == "" or op == "=":
            out.append(f"=={ver.replace('.x', '.*')}")
        else:
            if op in (">=", ">", "<", "<=") and "+" in ver:
                ver = ver.split("+")[0]
            out.append(f"{op}{ver}")
    spec = ",".join(out)
    return spec, parse_specifier(spec) is not None


def python_marker(text: str) -> str | None:
    """A Poetry ``python = "..."`` constraint as a marker (``python_version >= '3.10' and ...``)."""
    spec_text, ok = convert_constraint(text)
    spec = parse_specifier(spec_text) if ok else None
    if spec is None or not spec_text:
        return None
    clauses = []
    for s in spec:
        var = "python_full_version" if s.version.count(".") >= 2 else "python_version"
        clauses.append(f"{var} {s.operator} '{s.version}'")
    return " and ".join(clauses) or None
