"""Load a pixi workspace (``pixi.toml``, or ``[tool.pixi.*]`` in a pyproject.toml) into the Project model.

pixi resolves PyPI dependencies with uv, so uv's index semantics apply directly:

* ``[pypi-options] index-url`` → the default index (``default=True``, origin ``index-url``);
  ``extra-index-urls`` → non-explicit indexes in order (origin ``extra-index-url``); ``find-links``
  (``{ url = ... }`` or ``{ path = ... }``) → flat indexes; ``index-strategy`` → ``project.uv``.
* ``[pypi-dependencies] torch = { version = "...", index = "<URL>" }``: pixi names indexes by URL,
  so each distinct per-package URL becomes one **explicit** :class:`IndexDef` whose ``name`` is the
  URL (origin ``[[tool.uv.index]]``, ``declared_in`` ``pixi pypi-dependencies index``), and the
  dependency gets a ``SourceEntry(kind="index", index=<URL>)``. An extra index with the same URL
  stays a separate, non-explicit entry (so a dependency of torch is still found there: PX2's fix).
* Platform targets ``[target.<platform>.pypi-dependencies]`` add the requirement and its source with
  the platform's marker (``linux-64`` → ``sys_platform == 'linux' and platform_machine == 'x86_64'``,
  ``osx`` → ``sys_platform == 'darwin'`` …). Features ``[feature.<f>.pypi-dependencies]`` (and
  ``[feature.<f>.target.<p>.pypi-dependencies]``, ``[feature.<f>.pypi-options]``) become dependency
  group ``f``.
* ``platforms`` (``[workspace]`` / ``[project]`` / ``[tool.pixi.project]``) become
  ``project.uv.environments`` markers, so targets outside them are not checked.
* ``python`` in ``[dependencies]`` (a conda spec such as ``>=3.11,<3.13`` or ``3.11.*``) is
  ``requires-python`` when no ``[project] requires-python`` exists.

pixi accepts TOML 1.1 (multi-line inline tables); a ``pixi.toml`` tomllib rejects is retried with
those tables joined onto one line (positions still come from the original text).

Gaps: conda ``[dependencies]`` are not requirements (they come from conda channels); a feature's
``pypi-options`` are merged into the project's.
"""

from __future__ import annotations

import fnmatch
import os
import re
from typing import Any

from torchlint.errors import InputError
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
)
from torchlint.project.requirements import canonical, parse_marker, parse_requirement, parse_specifier
from torchlint.project.tomlfile import display_path, load_toml_file, parse_toml, read_text

Path = tuple[str | int, ...]

#: pixi platform (and platform selector) → PEP 508 marker.
PLATFORM_MARKERS = {
    "linux-64": "sys_platform == 'linux' and platform_machine == 'x86_64'",
    "linux-aarch64": "sys_platform == 'linux' and platform_machine == 'aarch64'",
    "linux-ppc64le": "sys_platform == 'linux' and platform_machine == 'ppc64le'",
    "osx-64": "sys_platform == 'darwin' and platform_machine == 'x86_64'",
    "osx-arm64": "sys_platform == 'darwin' and platform_machine == 'arm64'",
    "win-64": "sys_platform == 'win32' and platform_machine == 'AMD64'",
    "win-arm64": "sys_platform == 'win32' and platform_machine == 'ARM64'",
    "linux": "sys_platform == 'linux'",
    "osx": "sys_platform == 'darwin'",
    "win": "sys_platform == 'win32'",
    "unix": "sys_platform != 'win32'",
}

PIXI_INDEX = "pixi pypi-dependencies index"


def load_pixi_project(path: str) -> Project:
    """Load ``pixi.toml`` (top-level tables) or a pyproject.toml with ``[tool.pixi]``."""
    sf = _load(path)
    project = Project(manager="pixi", file=sf)
    data = sf.data
    base: Path = ()
    root: dict[str, Any] = data
    if os.path.basename(path).lower() != "pixi.toml":
        from torchlint.project.uv import _load_groups, _load_project_table

        if isinstance(data.get("project"), dict):
            _load_project_table(project, sf, data["project"])
        if isinstance(data.get("dependency-groups"), dict):
            _load_groups(project, sf, data["dependency-groups"])
        tool = data.get("tool") if isinstance(data.get("tool"), dict) else {}
        assert isinstance(tool, dict)
        if isinstance(tool.get("torchlint"), dict):
            project.torchlint = tool["torchlint"]
        pixi = tool.get("pixi")
        root = pixi if isinstance(pixi, dict) else {}
        base = ("tool", "pixi")
    elif isinstance(data.get("tool"), dict) and isinstance(data["tool"].get("torchlint"), dict):
        project.torchlint = data["tool"]["torchlint"]
    loader = _Loader(project, sf)
    loader.workspace(root, base)
    for key in ("workspace", "project"):  # the workspace base applies to every environment
        if isinstance(root.get(key), dict):
            loader.options(root[key].get("pypi-options"), (*base, key, "pypi-options"))
    loader.options(root.get("pypi-options"), (*base, "pypi-options"))
    loader.dependencies(root, base, BASE, None)
    features = root.get("feature")
    if isinstance(features, dict):
        for f, table in features.items():
            if not isinstance(table, dict):
                continue
            g = canonical(f)
            if g not in project.groups:
                project.groups.append(g)
            fbase: Path = (*base, "feature", f)
            loader.options(table.get("pypi-options"), (*fbase, "pypi-options"))
            # a feature's `platforms` narrows its environments to those platforms (pixi's rule)
            loader.feature_marker = loader.platforms_marker(table.get("platforms"))
            loader.dependencies(table, fbase, Scope("group", g), None)
            loader.feature_marker = None
    for i, idx in enumerate(project.indexes):
        idx.order = i
    general = _override_by_target(project)
    for entries in project.sources.values():
        # platform-specific entries first (uv applies the first whose marker holds)
        entries.sort(key=lambda e: e.marker is None or id(e) in general)
        for i, e in enumerate(entries):
            e.position = i
    return project


def _complement(raw: str) -> str:
    """The negation of a platform selector's marker (``a == 'x' and b == 'y'`` → ``a != 'x' or b != 'y'``)."""
    parts = [p.strip() for p in raw.split(" and ")]
    return " or ".join(p.replace(" == ", " != ") if " == " in p else p.replace(" != ", " == ") for p in parts)


def _override_by_target(project: Project) -> set[int]:
    """A ``[target.<platform>]`` entry *replaces* the general one on that platform (pixi's rule).

    The model reads requirements and sources as uv would, all applying together; so the general
    requirement and its source get the complement of each overriding platform's marker.
    """
    from packaging.requirements import Requirement

    general: set[int] = set()
    specific: dict[tuple[str, object], list[str]] = {}
    for r in project.requirements:
        if r.marker is not None and str(r.marker) and r.raw.split(";", 1)[-1].strip() in _MARKER_TEXTS:
            specific.setdefault((r.name, r.scope), []).append(r.raw.split(";", 1)[-1].strip())
    for r in project.requirements:
        markers = specific.get((r.name, r.scope))
        if not markers or r.marker is not None:
            continue
        extra = " and ".join(f"({_complement(m)})" for m in markers)
        req = Requirement(f"{r.raw} ; {extra}")
        r.requirement = req
        for e in project.sources.get(r.name, []):
            if e.marker is None and e.group == (r.scope.name if r.scope.kind == "group" else None):
                marker, _ = parse_marker(extra)
                e.marker_raw, e.marker = extra, marker
                general.add(id(e))
    return general


_MARKER_TEXTS = frozenset(PLATFORM_MARKERS.values())


def _load(path: str) -> SourceFile:
    try:
        return load_toml_file(path)
    except InputError as first:
        if "invalid TOML" not in first.message:
            raise
        from torchlint.project.positions import scan

        text = read_text(path)
        shown = display_path(path)
        try:
            data = parse_toml(_join_inline_tables(text), shown)
        except InputError:
            raise first from None
        return SourceFile(os.path.abspath(path), shown, text, data, scan(text))


_STRING = re.compile(r'"(?:[^"\\\n]|\\.)*"|\'[^\'\n]*\'')


def _join_inline_tables(text: str) -> str:
    """TOML 1.1 → 1.0: newlines (and trailing commas) inside ``{ }`` removed; comments dropped there."""
    out: list[str] = []
    depth = 0
    i, n = 0, len(text)
    while i < n:
        c = text[i]
        if c in "\"'":
            m = _STRING.match(text, i)
            end = m.end() if m else i + 1
            out.append(text[i:end])
            i = end
            continue
        if c == "#":
            j = text.find("\n", i)
            j = n if j < 0 else j
            if depth == 0:
                out.append(text[i:j])
            i = j
            continue
        if c == "{":
            depth += 1
        elif c == "}" and depth > 0:
            depth -= 1
            while out and out[-1] in (" ", "\t", ","):
                out.pop()
            out.append(" ")
        elif c == "\n" and depth > 0:
            out.append(" ")
            i += 1
            continue
        out.append(c)
        i += 1
    return "".join(out)


class _Loader:
    def __init__(self, project: Project, sf: SourceFile) -> None:
        self.project = project
        self.sf = sf
        self.by_url: dict[str, IndexDef] = {}
        #: Named platforms (pixi ≥ 0.50: ``{ name = "linux-64-cuda", platform = "linux-64" }``).
        self.named: dict[str, str] = {}
        #: The marker of the feature being loaded when its ``platforms`` narrow it.
        self.feature_marker: str | None = None

    def subdir_of(self, name: str) -> str | None:
        """The conda subdir a platform name stands for: a subdir itself, an explicit ``name``, or
        the name pixi synthesises for an unnamed table (``linux-64-cuda-12-0``: subdir first)."""
        if name in PLATFORM_MARKERS:
            return name
        if name in self.named:
            return self.named[name]
        prefixes = [p for p in PLATFORM_MARKERS if "-" in p and name.startswith(p + "-")]
        return max(prefixes, key=len) if prefixes else None

    def platforms_marker(self, plats: Any) -> str | None:
        """The marker of a feature's ``platforms`` list (None: every workspace platform)."""
        if not isinstance(plats, list) or not plats:
            return None
        subdirs = sorted({d for p in plats if isinstance(p, str) and (d := self.subdir_of(p)) is not None})
        if not subdirs:
            return None
        if len(subdirs) == 1:
            return PLATFORM_MARKERS[subdirs[0]]
        return " or ".join(f"({PLATFORM_MARKERS[d]})" for d in subdirs)

    def selector(self, plat: str) -> str | None:
        """The marker of a ``[target.<selector>]``: a platform, a family (``osx``), or a glob over
        named platforms (``*-cuda``) standing for the platforms they name."""
        if plat in PLATFORM_MARKERS:
            return PLATFORM_MARKERS[plat]
        hits = sorted(
            {
                phys
                for name, phys in self.named.items()
                if fnmatch.fnmatchcase(name, plat) and phys in PLATFORM_MARKERS
            }
        )
        if not hits:
            return None
        if len(hits) == 1:
            return PLATFORM_MARKERS[hits[0]]
        return " or ".join(f"({PLATFORM_MARKERS[h]})" for h in hits)

    def workspace(self, root: dict[str, Any], base: Path) -> None:
        sf, project = self.sf, self.project
        for key in ("workspace", "project"):
            ws = root.get(key)
            if not isinstance(ws, dict):
                continue
            if project.name is None and isinstance(ws.get("name"), str):
                project.name = ws["name"]
            plats = ws.get("platforms")
            if isinstance(plats, list) and not project.uv.environments:
                for i, p in enumerate(plats):
                    loc = sf.loc(*base, key, "platforms", i)
                    if isinstance(p, dict):  # pixi ≥ 0.50: { platform = "linux-64", cuda = "12.4", name = … }
                        if isinstance(p.get("name"), str) and isinstance(p.get("platform"), str):
                            self.named[p["name"]] = p["platform"]
                        p = p.get("platform")
                    raw = PLATFORM_MARKERS.get(p) if isinstance(p, str) else None
                    if raw is None:
                        if not isinstance(p, str) or not p.startswith(("emscripten", "wasi", "noarch")):
                            project.problems.append(Problem(f"unknown pixi platform {p!r}", loc))
                        continue
                    marker, _ = parse_marker(raw)
                    assert marker is not None
                    project.uv.environments.append(EnvironmentMarker(raw, marker, loc))
        deps = root.get("dependencies")
        if project.requires_python is None and isinstance(deps, dict) and isinstance(deps.get("python"), str):
            text = deps["python"].strip()
            if re.fullmatch(r"\d+(\.\d+)*", text):
                text = f"=={text}.*" if text.count(".") < 2 else f"=={text}"
            elif re.fullmatch(r"\d+(\.\d+)*\.\*", text):
                text = f"=={text}"
            spec = parse_specifier(text.replace(" ", ""))
            if spec is not None:
                project.requires_python = spec
                project.requires_python_location = sf.loc(*base, "dependencies", "python")

    def options(self, opts: Any, path: Path) -> None:
        if not isinstance(opts, dict):
            return
        sf, project = self.sf, self.project
        iu = opts.get("index-url")
        if isinstance(iu, str):
            loc = sf.loc(*path, "index-url")
            project.uv.index_url = Setting(iu, loc)
            project.indexes.append(
                IndexDef(
                    url=iu,
                    default=True,
                    origin="index-url",
                    declared_in="[pypi-options]",
                    location=loc,
                    url_location=loc,
                )
            )
        extras = opts.get("extra-index-urls")
        if isinstance(extras, list):
            for i, url in enumerate(extras):
                if isinstance(url, str):
                    loc = sf.loc(*path, "extra-index-urls", i)
                    project.uv.extra_index_url.append(Setting(url, loc))
                    project.indexes.append(
                        IndexDef(
                            url=url,
                            origin="extra-index-url",
                            declared_in="[pypi-options]",
                            location=loc,
                            url_location=loc,
                        )
                    )
        links = opts.get("find-links")
        if isinstance(links, list):
            for i, link in enumerate(links):
                url = link.get("url") or link.get("path") if isinstance(link, dict) else link
                if isinstance(url, str):
                    loc = sf.loc(*path, "find-links", i)
                    project.uv.find_links.append(Setting(url, loc))
                    project.indexes.append(
                        IndexDef(
                            url=url,
                            format="flat",
                            origin="find-links",
                            declared_in="[pypi-options]",
                            location=loc,
                            url_location=loc,
                        )
                    )
        strategy = opts.get("index-strategy")
        if isinstance(strategy, str):
            project.uv.index_strategy = Setting(strategy, sf.loc(*path, "index-strategy"))

    def dependencies(self, table: dict[str, Any], base: Path, scope: Scope, platform: str | None) -> None:
        deps = table.get("pypi-dependencies")
        if isinstance(deps, dict):
            for pkg, val in deps.items():
                self.dependency(pkg, val, (*base, "pypi-dependencies", pkg), scope, platform)
        targets = table.get("target")
        if platform is None and isinstance(targets, dict):
            for plat, sub in targets.items():
                if not isinstance(sub, dict):
                    continue
                if self.selector(plat) is None:
                    self.project.problems.append(
                        Problem(
                            f"unknown pixi platform selector {plat!r}", self.sf.loc(*base, "target", plat)
                        )
                    )
                    continue
                self.dependencies(sub, (*base, "target", plat), scope, plat)

    def _index(self, url: str, path: Path) -> IndexDef:
        idx = self.by_url.get(url)
        if idx is None:
            loc = self.sf.loc(*path, "index")
            idx = IndexDef(
                url=url,
                name=url,
                explicit=True,
                origin="[[tool.uv.index]]",
                declared_in=PIXI_INDEX,
                location=loc,
                url_location=loc,
            )
            self.by_url[url] = idx
            self.project.indexes.append(idx)
        return idx

    def dependency(self, pkg: str, val: Any, path: Path, scope: Scope, platform: str | None) -> None:
        sf, project = self.sf, self.project
        loc = sf.loc(*path)
        name = canonical(pkg)
        table: dict[str, Any] = (
            {"version": val} if isinstance(val, str) else val if isinstance(val, dict) else {}
        )
        if not table:
            project.problems.append(Problem(f"pypi dependency `{pkg}` must be a string or a table", loc))
            return
        v = table.get("version")
        version = v.strip() if isinstance(v, str) and v.strip() != "*" else ""
        extras = (
            [e for e in table.get("extras", []) if isinstance(e, str)]
            if isinstance(table.get("extras"), list)
            else []
        )
        marker_raw = self.selector(platform) if platform else None
        if self.feature_marker:
            marker_raw = f"({self.feature_marker}) and ({marker_raw})" if marker_raw else self.feature_marker
        raw = pkg + (f"[{','.join(extras)}]" if extras else "")
        url = table.get("url") if isinstance(table.get("url"), str) else None
        if url:
            raw += f" @ {url}"
        elif version:
            raw += version if version[0] in "<>=!~" else f"=={version}"
        if marker_raw:
            raw += f" ; {marker_raw}"
        req, err = parse_requirement(raw)
        if req is None:
            project.problems.append(Problem(f"invalid pypi dependency `{pkg}`: {err}", loc))
            return
        project.requirements.append(DeclaredRequirement(raw, name, req, scope, loc))
        kind: Any = None
        index = None
        if isinstance(table.get("index"), str):
            kind, index = "index", self._index(table["index"], path).name
        else:
            kind = next((k for k in ("url", "git", "path") if isinstance(table.get(k), str)), None)
        if kind is None:
            return
        marker = parse_marker(marker_raw)[0] if marker_raw else None
        entries = project.sources.setdefault(name, [])
        entries.append(
            SourceEntry(
                package=name,
                kind=kind,
                index=index,
                marker_raw=marker_raw,
                marker=marker,
                group=scope.name if scope.kind == "group" else None,
                location=sf.loc(*path, "index") if index else loc,
                position=len(entries),
                in_list=False,
                raw=dict(table),
            )
        )
