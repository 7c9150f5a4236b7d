"""Load a uv project: ``[project]``, ``[dependency-groups]``, ``[tool.uv]`` and a sibling ``uv.toml``.

Follows uv's documented semantics for what each key means; anything torchlint cannot parse
becomes a :class:`~torchlint.project.model.Problem` at its own location (rule TL000), never an
exception, so one bad marker does not hide every other finding.
"""

from __future__ import annotations

import os
from typing import Any
from urllib.parse import urlsplit

from torchlint.project.model import (
    BASE,
    DeclaredRequirement,
    EnvironmentMarker,
    IndexDef,
    Problem,
    Project,
    Scope,
    Setting,
    SourceEntry,
    SourceFile,
    dotted,
)
from torchlint.project.requirements import canonical, parse_marker, parse_requirement, parse_specifier
from torchlint.project.tomlfile import load_toml_file
from torchlint.project.uv_keys import INDEX_KEYS, SOURCE_KEYS, UV_KEYS

Path = tuple[str | int, ...]


def load_uv_project(path: str, read_uv_toml: bool = True) -> Project:
    """Load ``pyproject.toml`` at *path* (and ``uv.toml`` beside it, which uv reads too, except
    for a workspace member: uv reads the configuration of the root)."""
    sf = load_toml_file(path)
    project = Project(manager="uv", file=sf)
    data = sf.data
    proj = data.get("project")
    if isinstance(proj, dict):
        _load_project_table(project, sf, proj)
    else:
        _wrong_type(project, sf, proj, ("project",), "a table")
    groups = data.get("dependency-groups")
    if isinstance(groups, dict):
        _load_groups(project, sf, groups)
    else:
        _wrong_type(project, sf, groups, ("dependency-groups",), "a table")
    tool = data.get("tool")
    uv = tool.get("uv") if isinstance(tool, dict) else None
    if isinstance(uv, dict):
        _load_tool_uv(project, sf, uv, ("tool", "uv"))
    else:
        _wrong_type(project, sf, uv, ("tool", "uv"), "a table")
    if isinstance(tool, dict) and isinstance(tool.get("torchlint"), dict):
        project.torchlint = tool["torchlint"]
    uv_toml = os.path.join(os.path.dirname(sf.path), "uv.toml")
    if read_uv_toml and os.path.isfile(uv_toml):
        extra = load_toml_file(uv_toml)
        project.extra_files.append(extra)
        # uv.toml has the [tool.uv] keys at its top level; it takes precedence over pyproject
        # for settings, but sources/indexes used by sources must be in the project itself.
        _load_tool_uv(project, extra, extra.data, ())
    for i, idx in enumerate(project.indexes):
        idx.order = i
    return project


def load_uv_toml(path: str) -> Project:
    """A ``uv.toml`` on its own (no pyproject beside it): uv's settings, no requirements."""
    sf = load_toml_file(path)
    project = Project(manager="uv", file=sf)
    _load_tool_uv(project, sf, sf.data, ())
    for i, idx in enumerate(project.indexes):
        idx.order = i
    return project


# --------------------------------------------------------------------------- [project]


def _type_name(value: Any) -> str:
    if isinstance(value, bool):
        return "a boolean"
    if isinstance(value, (int, float)):
        return "a number"
    if isinstance(value, str):
        return "a string"
    if isinstance(value, list):
        return "an array"
    if isinstance(value, dict):
        return "a table"
    return f"a {type(value).__name__}"


def _wrong_type(project: Project, sf: SourceFile, value: Any, path: Path, expected: str) -> None:
    """A TL000 problem for a value of the wrong type (uv rejects the file); None means absent."""
    if value is None:
        return
    project.problems.append(
        Problem(f"`{dotted(path)}` must be {expected}, not {_type_name(value)}", sf.loc(*path))
    )


def _load_project_table(project: Project, sf: SourceFile, proj: dict[str, Any]) -> None:
    name = proj.get("name")
    if isinstance(name, str):
        project.name = name
    else:
        _wrong_type(project, sf, name, ("project", "name"), "a string")
    rp = proj.get("requires-python")
    if not isinstance(rp, str):
        _wrong_type(project, sf, rp, ("project", "requires-python"), "a string")
    else:
        spec = parse_specifier(rp)
        loc = sf.loc("project", "requires-python")
        if spec is None:
            project.problems.append(Problem(f"invalid `requires-python` specifier {rp!r}", loc))
        else:
            project.requires_python = spec
            project.requires_python_location = loc
    deps = proj.get("dependencies")
    if isinstance(deps, list):
        _add_requirements(project, sf, deps, ("project", "dependencies"), BASE)
    else:
        _wrong_type(project, sf, deps, ("project", "dependencies"), "an array of requirement strings")
    opt = proj.get("optional-dependencies")
    if not isinstance(opt, dict):
        _wrong_type(project, sf, opt, ("project", "optional-dependencies"), "a table")
        return
    for extra, reqs in opt.items():
        project.extras.append(canonical(extra))
        if isinstance(reqs, list):
            _add_requirements(
                project,
                sf,
                reqs,
                ("project", "optional-dependencies", extra),
                Scope("extra", canonical(extra)),
            )
        else:
            _wrong_type(
                project,
                sf,
                reqs,
                ("project", "optional-dependencies", extra),
                "an array of requirement strings",
            )


def _add_requirements(project: Project, sf: SourceFile, items: list[Any], path: Path, scope: Scope) -> None:
    for i, raw in enumerate(items):
        loc = sf.loc(*path, i)
        if not isinstance(raw, str):
            if not (isinstance(raw, dict) and "include-group" in raw):
                project.problems.append(
                    Problem(f"requirement must be a string, not {type(raw).__name__}", loc)
                )
            continue
        req, err = parse_requirement(raw)
        if req is None:
            project.problems.append(Problem(f"invalid requirement {raw!r}: {err}", loc))
            continue
        project.requirements.append(DeclaredRequirement(raw, canonical(req.name), req, scope, loc))


def _load_groups(project: Project, sf: SourceFile, groups: dict[str, Any]) -> None:
    for group, items in groups.items():
        g = canonical(group)
        project.groups.append(g)
        if isinstance(items, list):
            _add_requirements(project, sf, items, ("dependency-groups", group), Scope("group", g))
        else:
            _wrong_type(project, sf, items, ("dependency-groups", group), "an array of requirements")
    # include-group: the included group's requirements also belong to the including group.
    by_group = {canonical(k): v for k, v in groups.items() if isinstance(v, list)}
    for group, items in groups.items():
        if not isinstance(items, list):
            continue
        seen: set[str] = set()
        stack = [
            it["include-group"]
            for it in items
            if isinstance(it, dict) and isinstance(it.get("include-group"), str)
        ]
        while stack and len(seen) < 256:
            inc = canonical(stack.pop())
            if inc in seen:
                continue
            seen.add(inc)
            if inc not in by_group:
                project.problems.append(
                    Problem(
                        f"group `{group}` includes unknown group `{inc}`", sf.loc("dependency-groups", group)
                    )
                )
                continue
            for r in [r for r in project.requirements if r.scope == Scope("group", inc)]:
                project.requirements.append(
                    DeclaredRequirement(
                        r.raw, r.name, r.requirement, Scope("group", canonical(group)), r.location
                    )
                )
            stack.extend(
                it["include-group"]
                for it in by_group[inc]
                if isinstance(it, dict) and isinstance(it.get("include-group"), str)
            )


# --------------------------------------------------------------------------- [tool.uv]


def _setting(sf: SourceFile, table: dict[str, Any], base: Path, key: str) -> Setting | None:
    if key not in table:
        return None
    return Setting(table[key], sf.loc(*base, key))


def _load_tool_uv(project: Project, sf: SourceFile, uv: dict[str, Any], base: Path) -> None:
    s = project.uv
    for key in uv:
        if key not in UV_KEYS:
            project.unknown_keys.append((key, _key_loc(sf, (*base, key))))
    for attr, key in (
        ("index_strategy", "index-strategy"),
        ("prerelease", "prerelease"),
        ("conflicts", "conflicts"),
        ("required_version", "required-version"),
        ("default_groups", "default-groups"),
        ("torch_backend", "torch-backend"),
    ):
        st = _setting(sf, uv, base, key)
        if st is not None:
            setattr(s, attr, st)
    pp = uv.get("prerelease-package")
    if not isinstance(pp, dict):
        _wrong_type(project, sf, pp, (*base, "prerelease-package"), "a table")
    else:
        for pkg, val in pp.items():
            s.prerelease_package[canonical(pkg)] = Setting(val, sf.loc(*base, "prerelease-package", pkg))
    for key, attr in (("environments", "environments"), ("required-environments", "required_environments")):
        val = uv.get(key)
        if not isinstance(val, (str, list)):
            _wrong_type(project, sf, val, (*base, key), "an array of marker strings")
        items = [val] if isinstance(val, str) else val if isinstance(val, list) else []
        for i, raw in enumerate(items):
            loc = sf.loc(*base, key, i) if isinstance(val, list) else sf.loc(*base, key)
            if not isinstance(raw, str):
                project.problems.append(Problem(f"`{key}` entries must be marker strings", loc))
                continue
            marker, err = parse_marker(raw)
            if marker is None:
                project.problems.append(Problem(f"invalid marker in `{key}`: {raw!r}: {err}", loc))
                continue
            getattr(s, attr).append(EnvironmentMarker(raw, marker, loc))
    # indexes, in uv's priority order: [[tool.uv.index]] first, then extra-index-url,
    # find-links; index-url is the default index (it replaces the public one).
    indexes = uv.get("index")
    if isinstance(indexes, list):
        for i, idx in enumerate(indexes):
            _add_index(project, sf, idx, (*base, "index", i), "uv.toml" if not base else "[[tool.uv.index]]")
    else:
        _wrong_type(project, sf, indexes, (*base, "index"), "an array of tables (`[[index]]`)")
    for key in ("extra-index-url", "find-links"):
        val = uv.get(key)
        if not isinstance(val, (str, list)):
            _wrong_type(project, sf, val, (*base, key), "an array of URL strings")
        items = [val] if isinstance(val, str) else val if isinstance(val, list) else []
        for i, url in enumerate(items):
            loc = sf.loc(*base, key, i) if isinstance(val, list) else sf.loc(*base, key)
            if not isinstance(url, str):
                project.problems.append(Problem(f"`{key}` entries must be URL strings", loc))
            else:
                st = Setting(url, loc)
                if key == "find-links":
                    s.find_links.append(st)
                    fmt = "flat"
                else:
                    s.extra_index_url.append(st)
                    fmt = "simple"
                project.indexes.append(
                    IndexDef(url=url, format=fmt, origin=f"[tool.uv] {key}", location=loc, url_location=loc)
                )
    iu = uv.get("index-url")
    if not isinstance(iu, str):
        _wrong_type(project, sf, iu, (*base, "index-url"), "a URL string")
    else:
        loc = sf.loc(*base, "index-url")
        s.index_url = Setting(iu, loc)
        project.indexes.append(
            IndexDef(url=iu, default=True, origin="[tool.uv] index-url", location=loc, url_location=loc)
        )
    sources = uv.get("sources")
    if isinstance(sources, dict) and base == ("tool", "uv"):
        _load_sources(project, sf, sources, (*base, "sources"))
    elif not isinstance(sources, dict):
        _wrong_type(project, sf, sources, (*base, "sources"), "a table")
    pip = uv.get("pip")
    if isinstance(pip, dict):
        for key in pip:
            project.uv_pip_keys.append((key, _key_loc(sf, (*base, "pip", key))))
    for key, target in (
        ("override-dependencies", project.overrides),
        ("constraint-dependencies", project.constraints),
    ):
        listed = uv.get(key)
        if isinstance(listed, list):
            kept = project.requirements
            project.requirements = target
            try:
                _add_requirements(project, sf, listed, (*base, key), Scope("project"))
            finally:
                project.requirements = kept
    for legacy in ("dev-dependencies",):
        dev = uv.get(legacy)
        if isinstance(dev, list):
            if "dev" not in project.groups:
                project.groups.append("dev")
            _add_requirements(project, sf, dev, (*base, legacy), Scope("group", "dev"))


def _key_loc(sf: SourceFile, path: Path) -> Any:
    span = sf.positions.key(path) or sf.positions.best(path)
    from torchlint.diagnostics import Location
    from torchlint.project.model import dotted

    return Location(sf.display, span.line, span.column, span.end_line, span.end_column, dotted(path))


def _add_index(project: Project, sf: SourceFile, idx: Any, path: Path, origin: str) -> None:
    loc = sf.header_loc(*path)
    if not isinstance(idx, dict):
        project.problems.append(Problem("`[[tool.uv.index]]` entries must be tables", loc))
        return
    url = idx.get("url")
    if not isinstance(url, str):
        if url is None:
            project.problems.append(Problem("index has no `url`", loc))
        else:
            _wrong_type(project, sf, url, (*path, "url"), "a URL string")
        return
    if not _parsable_url(url):
        project.problems.append(Problem(f"index `url` {url!r} is not a valid URL", sf.loc(*path, "url")))
        return
    for key, expected in _INDEX_TYPES:
        value = idx.get(key)
        if value is not None and not isinstance(value, bool if expected == "a boolean" else str):
            _wrong_type(project, sf, value, (*path, key), expected)
    for key in idx:
        if key not in INDEX_KEYS:
            project.unknown_keys.append((f"index.{key}", _key_loc(sf, (*path, key))))
    codes = idx.get("ignore-error-codes")
    fmt: Any = idx.get("format")
    project.indexes.append(
        IndexDef(
            url=url,
            name=idx.get("name") if isinstance(idx.get("name"), str) else None,
            explicit=idx.get("explicit") is True,
            default=idx.get("default") is True,
            format=fmt if isinstance(fmt, str) else "simple",
            authenticate=idx.get("authenticate") if isinstance(idx.get("authenticate"), str) else None,
            ignore_error_codes=tuple(c for c in codes if isinstance(c, int))
            if isinstance(codes, list)
            else (),
            origin=origin,
            location=loc,
            url_location=sf.loc(*path, "url"),
        )
    )


_INDEX_TYPES = (
    ("name", "a string"),
    ("explicit", "a boolean"),
    ("default", "a boolean"),
    ("format", "a string"),
    ("authenticate", "a string"),
)


def _parsable_url(url: str) -> bool:
    """Not empty, and (if it has a scheme) splittable with a valid port; paths are allowed."""
    if not url.strip():
        return False
    try:
        parts = urlsplit(url.strip())
        _ = parts.port
    except ValueError:
        return False
    return True


def _load_sources(project: Project, sf: SourceFile, sources: dict[str, Any], base: Path) -> None:
    for pkg, val in sources.items():
        name = canonical(pkg)
        entries: list[SourceEntry] = []
        items = val if isinstance(val, list) else [val]
        for i, entry in enumerate(items):
            path = (*base, pkg, i) if isinstance(val, list) else (*base, pkg)
            loc = sf.loc(*path)
            if not isinstance(entry, dict):
                project.problems.append(Problem(f"source for `{pkg}` must be a table", loc))
                continue
            for key in entry:
                if key not in SOURCE_KEYS:
                    project.unknown_keys.append((f"sources.{key}", _key_loc(sf, (*path, key))))
            kind: Any = "unknown"
            for k in ("index", "git", "path", "url", "workspace"):
                if k in entry:
                    kind = k
                    break
            for key in ("index", "marker", "extra", "group"):
                if key in entry and not isinstance(entry[key], str):
                    _wrong_type(project, sf, entry[key], (*path, key), "a string")
            marker = None
            marker_raw = entry.get("marker")
            if isinstance(marker_raw, str):
                marker, err = parse_marker(marker_raw)
                if marker is None:
                    project.problems.append(
                        Problem(
                            f"invalid marker in source for `{pkg}`: {marker_raw!r}: {err}",
                            sf.loc(*path, "marker"),
                        )
                    )
                    continue
            entries.append(
                SourceEntry(
                    package=name,
                    kind=kind,
                    index=entry.get("index") if isinstance(entry.get("index"), str) else None,
                    marker_raw=marker_raw if isinstance(marker_raw, str) else None,
                    marker=marker,
                    extra=canonical(entry["extra"]) if isinstance(entry.get("extra"), str) else None,
                    group=canonical(entry["group"]) if isinstance(entry.get("group"), str) else None,
                    location=loc,
                    position=i,
                    in_list=isinstance(val, list),
                    raw=dict(entry),
                )
            )
        project.sources.setdefault(name, []).extend(entries)
