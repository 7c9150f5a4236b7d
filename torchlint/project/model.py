"""The Project model: what every loader (uv, Poetry, PDM, pixi, requirements) produces.

Rules read only this model, never raw TOML, so one rule covers every manager where the failure
exists. Every value keeps the :class:`~torchlint.diagnostics.Location` it was read from.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Literal

from torchlint.diagnostics import Location

if TYPE_CHECKING:
    from packaging.markers import Marker
    from packaging.requirements import Requirement
    from packaging.specifiers import SpecifierSet

    from torchlint.project.positions import Positions

ScopeKind = Literal["project", "extra", "group"]


@dataclass(frozen=True, slots=True)
class Scope:
    """Where a requirement is declared: base dependencies, an extra, or a dependency group."""

    kind: ScopeKind
    name: str | None = None

    def label(self) -> str:
        if self.kind == "project":
            return "[project] dependencies"
        if self.kind == "extra":
            return f"extra `{self.name}`"
        return f"group `{self.name}`"


BASE = Scope("project")


@dataclass(slots=True)
class DeclaredRequirement:
    """A requirement as the user wrote it, parsed with packaging."""

    raw: str
    #: Canonical (PEP 503) name.
    name: str
    requirement: Requirement
    scope: Scope
    location: Location

    #: ``--hash`` values from a requirements file ("sha256:...").
    hashes: tuple[str, ...] = ()
    #: The constraint as written in the manager's own syntax when it was converted
    #: (Poetry ``^2.0.0+cu118`` -> ``>=2.0.0,<3.0.0``).
    native_constraint: str | None = None

    @property
    def specifier(self) -> SpecifierSet:
        return self.requirement.specifier

    @property
    def marker(self) -> Marker | None:
        return self.requirement.marker


@dataclass(slots=True, eq=False)
class IndexDef:
    """One package index the configuration defines, in uv's priority order."""

    url: str
    name: str | None = None
    explicit: bool = False
    default: bool = False
    format: str = "simple"
    authenticate: str | None = None
    ignore_error_codes: tuple[int, ...] = ()
    #: Where it came from: "[[tool.uv.index]]", "uv.toml", "index-url", "extra-index-url",
    #: "find-links", "--default-index", "UV_DEFAULT_INDEX", "snapshot" ...
    origin: str = "[[tool.uv.index]]"
    location: Location | None = None
    url_location: Location | None = None
    #: Definition order (lower = consulted first); the default index always comes last.
    order: int = 0
    #: The manager-specific syntax that defined it when ``origin`` alone does not say
    #: ("[[tool.poetry.source]]", "[[tool.pdm.source]]", "pixi pypi-dependencies index", ...).
    #: Named indexes of other managers use ``origin = "[[tool.uv.index]]"`` because that is what
    #: routing and TL002 treat as "an index sources may name".
    declared_in: str | None = None
    #: PDM ``include_packages`` / ``exclude_packages`` globs (apply to transitive packages too).
    include_packages: tuple[str, ...] = ()
    exclude_packages: tuple[str, ...] = ()

    def label(self) -> str:
        return f"`{self.name}`" if self.name else f"<{self.url}>"


SourceKind = Literal["index", "git", "path", "url", "workspace", "unknown"]


@dataclass(slots=True)
class SourceEntry:
    """One entry of ``[tool.uv.sources]`` (or the equivalent of another manager)."""

    #: Canonical package name.
    package: str
    kind: SourceKind
    index: str | None = None
    marker_raw: str | None = None
    marker: Marker | None = None
    extra: str | None = None
    group: str | None = None
    location: Location | None = None
    #: Position among the package's entries (0 for a single table).
    position: int = 0
    #: True when the value is a list of tables (``torch = [{...}]``).
    in_list: bool = False
    #: The entry's raw table (for fixes).
    raw: dict[str, Any] = field(default_factory=dict)


@dataclass(slots=True)
class Setting:
    """A scalar or list setting with where it was written."""

    value: Any
    location: Location | None = None


@dataclass(slots=True)
class EnvironmentMarker:
    raw: str
    marker: Marker
    location: Location


@dataclass(slots=True)
class UvSettings:
    index_strategy: Setting | None = None
    prerelease: Setting | None = None
    find_links: list[Setting] = field(default_factory=list)
    index_url: Setting | None = None
    extra_index_url: list[Setting] = field(default_factory=list)
    environments: list[EnvironmentMarker] = field(default_factory=list)
    required_environments: list[EnvironmentMarker] = field(default_factory=list)
    conflicts: Setting | None = None
    required_version: Setting | None = None
    default_groups: Setting | None = None
    torch_backend: Setting | None = None
    prerelease_package: dict[str, Setting] = field(default_factory=dict)


@dataclass(slots=True)
class Problem:
    """A value torchlint could not parse: reported as TL000 at its own location."""

    message: str
    location: Location


@dataclass(slots=True)
class SourceFile:
    """A loaded configuration file: text, parsed data and positions."""

    path: str
    display: str
    text: str
    data: dict[str, Any]
    positions: Positions

    def loc(self, *toml_path: str | int) -> Location:
        """The best location for a TOML path (value, else key, else header, else nearest parent)."""
        span = self.positions.best(tuple(toml_path))
        return Location(
            filename=self.display,
            row=span.line,
            column=span.column,
            end_row=span.end_line,
            end_column=span.end_column,
            toml_path=dotted(toml_path),
        )

    def header_loc(self, *toml_path: str | int) -> Location:
        """The ``[table]`` / ``[[array]]`` header line of a table path (else :meth:`loc`)."""
        span = self.positions.header(tuple(toml_path))
        if span is None:
            return self.loc(*toml_path)
        return Location(
            self.display, span.line, span.column, span.end_line, span.end_column, dotted(toml_path)
        )


def dotted(path: tuple[str | int, ...]) -> str:
    out = ""
    for part in path:
        if isinstance(part, int):
            out += f"[{part}]"
        else:
            out += ("." if out else "") + part
    return out


@dataclass(slots=True)
class Project:
    """Everything torchlint knows about one project's configuration."""

    manager: str
    file: SourceFile
    name: str | None = None
    requires_python: SpecifierSet | None = None
    requires_python_location: Location | None = None
    requirements: list[DeclaredRequirement] = field(default_factory=list)
    extras: list[str] = field(default_factory=list)
    groups: list[str] = field(default_factory=list)
    indexes: list[IndexDef] = field(default_factory=list)
    sources: dict[str, list[SourceEntry]] = field(default_factory=dict)
    uv: UvSettings = field(default_factory=UvSettings)
    #: Keys in ``[tool.uv]`` and sub-tables uv does not know (for TL006).
    unknown_keys: list[tuple[str, Location]] = field(default_factory=list)
    #: Raw ``[tool.uv.pip]`` keys (apply to ``uv pip`` only).
    uv_pip_keys: list[tuple[str, Location]] = field(default_factory=list)
    problems: list[Problem] = field(default_factory=list)
    #: ``[tool.torchlint]`` table, raw.
    torchlint: dict[str, Any] = field(default_factory=dict)
    #: Other files that contributed (uv.toml).
    extra_files: list[SourceFile] = field(default_factory=list)
    #: Options the manager ignores where they are written (pip: index options on a requirement
    #: line); reported by TL006.
    ignored_options: list[IgnoredOption] = field(default_factory=list)
    #: The lock file beside the configuration (``uv.lock``), when there is one.
    lock: LockFile | None = None
    #: Constraints (pip ``-c`` files, ``[tool.uv] constraint-dependencies``): they limit versions
    #: but do not add requirements.
    constraints: list[DeclaredRequirement] = field(default_factory=list)
    #: ``[tool.uv] override-dependencies``: they replace every requirement of their package.
    overrides: list[DeclaredRequirement] = field(default_factory=list)
    #: uv workspace members (other than the root) that contributed requirements, in load order.
    members: list[SourceFile] = field(default_factory=list)
    #: Each member's own ``[tool.uv.sources]`` by its display path: for a package it names, it
    #: replaces the root's entries for that member's requirements (uv's rule).
    member_sources: dict[str, dict[str, list[SourceEntry]]] = field(default_factory=dict)
    #: Canonical project names of the workspace's members (``conflicts`` items may name them).
    member_packages: list[str] = field(default_factory=list)

    def sources_for(self, package: str, requirement: DeclaredRequirement | None = None) -> list[SourceEntry]:
        """The sources entries that apply to *requirement* (a member's own, else the root's)."""
        if self.member_sources:
            if requirement is None:
                requirement = next((r for r in self.requirements if r.name == package), None)
            if requirement is not None:
                own = self.member_sources.get(requirement.location.filename)
                if own is not None and package in own:
                    return own[package]
        return self.sources.get(package, [])

    def effective_sources(self) -> dict[str, list[SourceEntry]]:
        """Package → the entries its requirements take (in a workspace, a member's own entries
        replace the root's for the requirements that member declares)."""
        if not self.member_sources:
            return self.sources
        out: dict[str, list[SourceEntry]] = {}
        for name in [*self.sources, *(n for own in self.member_sources.values() for n in own)]:
            if name not in out:
                out[name] = self.sources_for(name)
        return out

    def all_sources(self) -> list[SourceEntry]:
        """Every sources entry of the root and of every member (for checks of the entries)."""
        out = [e for entries in self.sources.values() for e in entries]
        for own in self.member_sources.values():
            out.extend(e for entries in own.values() for e in entries)
        return out

    #: ``requirements_named``'s index: (number of requirements it was built from, name -> list).
    _named: tuple[int, dict[str, list[DeclaredRequirement]]] | None = field(
        default=None, repr=False, compare=False
    )

    def requirements_named(self, name: str) -> list[DeclaredRequirement]:
        """The requirements of one package (an index rebuilt when requirements were added:
        rules ask per package, and a scan per question is quadratic in a large file)."""
        if self._named is None or self._named[0] != len(self.requirements):
            index: dict[str, list[DeclaredRequirement]] = {}
            for r in self.requirements:
                index.setdefault(r.name, []).append(r)
            self._named = (len(self.requirements), index)
        return list(self._named[1].get(name, ()))

    def declared_names(self) -> set[str]:
        return {r.name for r in self.requirements}

    def index_by_name(self, name: str) -> IndexDef | None:
        for idx in self.indexes:
            if idx.name == name:
                return idx
        return None


# --------------------------------------------------------------------------- other managers
# Appended for the Poetry / PDM / pixi / requirements-file loaders and uv.lock (TL401).


@dataclass(slots=True)
class IgnoredOption:
    """An option the manager reads but does not apply where it is written.

    pip ignores index options (``--index-url``, ``--extra-index-url``, ``--find-links``,
    ``--pre`` …) written on a requirement line: only ``--hash``, ``--config-settings`` and
    ``--global-option`` apply per requirement. Rule TL006 (ineffective setting) reports these.
    """

    #: The option as written ("--index-url").
    option: str
    #: Its value, if any.
    value: str | None
    #: Why it has no effect (one sentence).
    reason: str
    location: Location
    #: The requirement the option was written on (canonical name), if any.
    package: str | None = None


@dataclass(slots=True)
class LockedFile:
    """A wheel or sdist recorded in a lock file."""

    url: str | None
    hash: str | None = None
    filename: str | None = None
    size: int | None = None


@dataclass(slots=True)
class LockedPackage:
    """One ``[[package]]`` of ``uv.lock``."""

    #: Canonical name.
    name: str
    version: str | None
    #: "registry", "git", "url", "path", "directory", "editable", "virtual" or "unknown".
    source_kind: str
    #: The registry (index) URL for "registry"; the URL / path otherwise.
    source_url: str | None
    wheels: list[LockedFile] = field(default_factory=list)
    sdist: LockedFile | None = None
    location: Location | None = None
    #: ``[[package]]`` index in the lock (for TOML paths).
    position: int = 0


@dataclass(slots=True)
class LockFile:
    """A lock file found beside the configuration (``uv.lock`` today)."""

    kind: str
    file: SourceFile
    version: int | None = None
    packages: list[LockedPackage] = field(default_factory=list)

    def packages_named(self, name: str) -> list[LockedPackage]:
        return [p for p in self.packages if p.name == name]
