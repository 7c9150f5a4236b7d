"""Load a PDM project (``[project]`` + ``[tool.pdm]``) into the Project model.

How PDM's settings map onto the model (uv's index semantics, :mod:`torchlint.routing`):

``[[tool.pdm.source]]``
    One named :class:`IndexDef` each, in definition order (``declared_in`` =
    ``[[tool.pdm.source]]``, ``origin`` = ``[[tool.uv.index]]`` so routing and TL002 accept the
    name). ``type = "find_links"`` → ``format="flat"``. A source named ``pypi`` replaces the
    public default index → ``default=True``. ``verify_ssl`` is kept in ``SourceEntry.raw`` only.

    PDM always consults PyPI too (unless a source named ``pypi`` overrides it) and **merges**
    candidates from every source, taking the best version (like uv's ``unsafe-best-match``):
    ``project.uv.index_strategy`` is set to ``unsafe-best-match`` (at the first source), unless
    ``[tool.pdm.resolution] respect-source-order = true``, which makes PDM stop at the first
    source that has the package (uv's ``first-index``; the setting's location is kept).

``include_packages`` / ``exclude_packages``
    A source with ``include_packages`` serves the matching packages (globs, transitive
    dependencies too) and, for them, no other source does: the source is modelled as
    ``explicit=True`` and every *declared* requirement whose name matches a glob gets a
    ``SourceEntry(kind="index")`` pointing at it (location: the matching glob). The globs are
    kept on ``IndexDef.include_packages`` / ``exclude_packages``.

Dependencies
    ``[project]`` and ``[dependency-groups]`` as for uv; ``[tool.pdm.dev-dependencies]`` groups
    become dependency groups.

Gaps: routing applies sources only to declared requirements, so an ``include_packages`` glob that
matches an undeclared transitive package (``pytorch-triton``) is not routed (a router hook reading
``IndexDef.include_packages`` would close this); ``exclude_packages`` is recorded, not routed;
with ``respect-source-order`` PDM consults the implicit PyPI *first*, which the model (default
index last) cannot express.
"""

from __future__ import annotations

import fnmatch
from typing import Any

from torchlint.project.model import IndexDef, Problem, Project, Scope, Setting, SourceEntry, SourceFile
from torchlint.project.requirements import canonical
from torchlint.project.tomlfile import load_toml_file

Path = tuple[str | int, ...]


def load_pdm_project(path: str) -> Project:
    from torchlint.project.uv import _add_requirements, _load_groups, _load_project_table

    sf = load_toml_file(path)
    project = Project(manager="pdm", file=sf)
    data = sf.data
    if isinstance(data.get("project"), dict):
        _load_project_table(project, sf, data["project"])
    if isinstance(data.get("dependency-groups"), dict):
        _load_groups(project, sf, data["dependency-groups"])
    tool = data.get("tool") if isinstance(data.get("tool"), dict) else {}
    assert isinstance(tool, dict)
    if isinstance(tool.get("torchlint"), dict):
        project.torchlint = tool["torchlint"]
    pdm = tool.get("pdm") if isinstance(tool.get("pdm"), dict) else {}
    assert isinstance(pdm, dict)
    dev = pdm.get("dev-dependencies")
    if isinstance(dev, dict):
        for group, items in dev.items():
            g = canonical(group)
            if g not in project.groups:
                project.groups.append(g)
            if isinstance(items, list):
                _add_requirements(
                    project, sf, items, ("tool", "pdm", "dev-dependencies", group), Scope("group", g)
                )
    _load_sources(project, sf, pdm)
    for i, idx in enumerate(project.indexes):
        idx.order = i
    return project


def _globs(project: Project, sf: SourceFile, src: dict[str, Any], path: Path, key: str) -> tuple[str, ...]:
    val = src.get(key)
    if val is None:
        return ()
    if not isinstance(val, list) or not all(isinstance(v, str) for v in val):
        project.problems.append(Problem(f"`{key}` must be a list of package-name globs", sf.loc(*path, key)))
        return ()
    return tuple(val)


def _load_sources(project: Project, sf: SourceFile, pdm: dict[str, Any]) -> None:
    sources = pdm.get("source")
    resolution = pdm.get("resolution") if isinstance(pdm.get("resolution"), dict) else {}
    assert isinstance(resolution, dict)
    if not isinstance(sources, list):
        return
    defined = []
    for i, src in enumerate(sources):
        path: Path = ("tool", "pdm", "source", i)
        loc = sf.header_loc(*path)
        if not isinstance(src, dict):
            project.problems.append(Problem("`[[tool.pdm.source]]` entries must be tables", loc))
            continue
        name, url = src.get("name"), src.get("url")
        if not isinstance(name, str) or not isinstance(url, str):
            project.problems.append(Problem("PDM source needs a `name` and a `url`", loc))
            continue
        include = _globs(project, sf, src, path, "include_packages")
        exclude = _globs(project, sf, src, path, "exclude_packages")
        idx = IndexDef(
            url=url,
            name=name,
            explicit=bool(include),
            default=name.lower() == "pypi",
            format="flat" if src.get("type") == "find_links" else "simple",
            origin="[[tool.uv.index]]",
            declared_in="[[tool.pdm.source]]",
            location=loc,
            url_location=sf.loc(*path, "url"),
            include_packages=include,
            exclude_packages=exclude,
        )
        project.indexes.append(idx)
        defined.append(idx)
        if include:
            for req in project.requirements:
                hit = next(
                    (k for k, g in enumerate(include) if fnmatch.fnmatchcase(req.name, canonical(g))), None
                )
                if hit is None:
                    continue  # (an include wins over an exclude: `exclude_packages = ["*"]` beside
                    # `include_packages = ["torch"]` is PDM's pattern for "only torch from here")
                entries = project.sources.setdefault(req.name, [])
                if any(e.index == name for e in entries):
                    continue
                entries.append(
                    SourceEntry(
                        package=req.name,
                        kind="index",
                        index=name,
                        location=sf.loc(*path, "include_packages", hit),
                        position=len(entries),
                        raw={k: v for k, v in src.items() if k != "include_packages"},
                    )
                )
    if not defined:
        return
    rso = resolution.get("respect-source-order")
    if rso is True:
        project.uv.index_strategy = Setting(
            "first-index", sf.loc("tool", "pdm", "resolution", "respect-source-order")
        )
    else:
        project.uv.index_strategy = Setting("unsafe-best-match", defined[0].location)
