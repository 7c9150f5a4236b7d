"""Which indexes uv consults for a package on a target: uv's documented semantics, from config alone.

This is a model of uv's index rules, not a resolver:

* a ``[tool.uv.sources]`` entry applies when its ``marker`` holds on the target and its ``extra`` /
  ``group`` is active; the first applicable entry wins; ``index = "name"`` pins the package to that
  index (explicit or not), git/path/url/workspace sources use no index at all;
* sources apply only to requirements the project itself declares (uv ignores sources for
  transitive dependencies, astral-sh/uv#15003);
* a package without an applicable source is looked up in the non-explicit indexes in definition
  order and then the default index, which always comes last; under ``first-index`` (uv's default)
  the first index that has the package is the only one used;
* ``explicit = true`` indexes are consulted only for packages pinned to them.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Literal

from torchlint.project.model import IndexDef, Project, SourceEntry
from torchlint.targets import Target

RouteKind = Literal["pinned", "chain", "direct"]

#: Stands in for the public default index when no configuration or environment names one.
SNAPSHOT_DEFAULT_URL = "snapshot:default"


@dataclass(frozen=True, slots=True)
class Route:
    package: str
    target: Target
    kind: RouteKind
    #: Indexes uv consults, in priority order.
    indexes: tuple[IndexDef, ...]
    source: SourceEntry | None = None
    strategy: str = "first-index"

    @property
    def pinned_index(self) -> IndexDef | None:
        return self.indexes[0] if self.kind == "pinned" and self.indexes else None


class Router:
    """Routing for one project, with the default index already decided."""

    def __init__(self, project: Project, default_index: IndexDef) -> None:
        self.project = project
        self.default_index = default_index
        strategy = project.uv.index_strategy
        self.strategy = str(strategy.value) if strategy is not None else "first-index"
        by_name: dict[str, IndexDef] = {}
        for idx in project.indexes:
            # sources may only name indexes defined in the project's own pyproject (uv's rule)
            if idx.name and idx.name not in by_name and idx.origin == "[[tool.uv.index]]":
                by_name[idx.name] = idx
        self._by_name = by_name
        chain = [i for i in project.indexes if not i.explicit and not i.default and i.format != "flat"]
        flat = [i for i in project.indexes if i.format == "flat" and not i.explicit]
        self._chain = tuple([*chain, *flat, default_index])

    def index_named(self, name: str) -> IndexDef | None:
        return self._by_name.get(name)

    def default_chain(self) -> tuple[IndexDef, ...]:
        """Indexes a package without an applicable source is looked up in, in order."""
        return self._chain

    def applicable_sources(
        self, package: str, target: Target, extras: Iterable[str] = (), groups: Iterable[str] = ()
    ) -> list[SourceEntry]:
        ex, gr = set(extras), set(groups)
        out = []
        for entry in self.project.sources_for(package):
            if entry.extra is not None and entry.extra not in ex:
                continue
            if entry.group is not None and entry.group not in gr:
                continue
            if not target.matches(entry.marker, ex, gr):
                continue
            out.append(entry)
        return out

    def route(
        self,
        package: str,
        target: Target,
        extras: Iterable[str] = (),
        groups: Iterable[str] = (),
        declared: bool = True,
    ) -> Route:
        """Where uv looks for *package* on *target*; ``declared=False`` for transitive dependencies."""
        if declared:
            for entry in self.applicable_sources(package, target, extras, groups):
                if entry.kind == "index" and entry.index:
                    idx = self._by_name.get(entry.index)
                    if idx is None:  # undeclared index: uv errors (TL002); nothing to consult
                        return Route(package, target, "pinned", (), entry, self.strategy)
                    return Route(package, target, "pinned", (idx,), entry, self.strategy)
                if entry.kind in ("git", "path", "url", "workspace"):
                    return Route(package, target, "direct", (), entry, self.strategy)
        return Route(package, target, "chain", self._chain, None, self.strategy)


def resolve_default_index(
    project: Project,
    cli_default: str | None,
    environ: dict[str, str],
) -> IndexDef:
    """The default index, by the precedence users know from uv and pip.

    ``--default-index``, ``UV_DEFAULT_INDEX``, ``UV_INDEX_URL``, ``PIP_INDEX_URL``, a
    ``default = true`` index, ``[tool.uv] index-url``; otherwise the snapshot's record of the
    public default index stands in.
    """
    for value, origin in (
        (cli_default, "--default-index"),
        (environ.get("UV_DEFAULT_INDEX"), "UV_DEFAULT_INDEX"),
        (environ.get("UV_INDEX_URL"), "UV_INDEX_URL"),
        (environ.get("PIP_INDEX_URL"), "PIP_INDEX_URL"),
    ):
        if value:
            return IndexDef(url=value.strip(), default=True, origin=origin, order=10_000)
    for idx in project.indexes:
        if idx.default:
            return idx
    return IndexDef(url=SNAPSHOT_DEFAULT_URL, default=True, origin="snapshot", order=10_000)


def index_display(idx: IndexDef) -> str:
    """How messages name an index: its name, else its (redacted) URL."""
    from torchlint.index.urls import redact

    if idx.url == SNAPSHOT_DEFAULT_URL:
        return "the default index"
    if idx.name:
        return f"`{idx.name}`"
    if idx.default:
        return f"the default index <{redact(idx.url)}>"
    return f"<{redact(idx.url)}>"
