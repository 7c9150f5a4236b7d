"""Helpers the config-only rules (TL004-TL008, TL301, TL302) share.

Pure functions over the Project model: which indexes are PyTorch indexes, how an index is named in
a message, what ``[tool.uv] conflicts`` declares, which extras/groups a marker string selects,
and which URLs the configuration holds (for the security rules). Nothing here fetches anything.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass
from typing import TYPE_CHECKING

from torchlint.index.urls import PytorchIndex, parse_pytorch_url, redact

if TYPE_CHECKING:
    from torchlint.diagnostics import Location
    from torchlint.project.model import IndexDef, Project
    from torchlint.rules.base import RuleContext

#: ("extra" | "group", canonical name)
Activator = tuple[str, str]

_EXTRA_EQ = re.compile(r"""\bextra\s*==\s*(['"])([^'"]+)\1|(['"])([^'"]+)\3\s*==\s*extra\b""")
_IN_SET = re.compile(r"""(['"])([^'"]+)\1\s+in\s+(extras|dependency_groups)\b""")


def canonical(name: str) -> str:
    """PEP 503 normalisation (extras and groups are normalised the same way)."""
    return re.sub(r"[-_.]+", "-", name).lower()


def mirrors(ctx: RuleContext) -> dict[str, str]:
    return dict(ctx.probe.options.mirrors) if ctx.probe is not None else {}


def pytorch(idx: IndexDef, mirror_map: dict[str, str]) -> PytorchIndex | None:
    return parse_pytorch_url(idx.url, mirror_map)


def index_where(idx: IndexDef) -> str:
    """How a message names an index: ``index `pytorch-cu126``` or ``find-links <url>`` (redacted)."""
    if idx.name:
        return f"index `{idx.name}` <{redact(idx.url)}>"
    origin = idx.origin.replace("[tool.uv] ", "")
    return f"`{origin}` <{redact(idx.url)}>"


def index_location(idx: IndexDef) -> Location | None:
    """The URL's position, or the table header when the URL carries a secret.

    Report formats that print the source line (``full``, ``html``) would otherwise show the
    secret; a header line (``[[tool.uv.index]]``) never holds it.
    """
    if redact(idx.url) != idx.url and idx.location is not None:
        return idx.location
    return idx.url_location or idx.location


def marker_selectors(marker_raw: str | None) -> list[Activator]:
    """Extras / groups a marker string selects positively (``extra == 'cu124'``, ``'x' in extras``)."""
    if not marker_raw:
        return []
    out: list[Activator] = []
    for m in _EXTRA_EQ.finditer(marker_raw):
        # skip `extra != 'x'` (the regex only matches ==) and keep the order of appearance
        name = m.group(2) or m.group(4)
        act = ("extra", canonical(name))
        if act not in out:
            out.append(act)
    for m in _IN_SET.finditer(marker_raw):
        start = m.start()
        if marker_raw[:start].rstrip().endswith("not"):
            continue
        act = ("extra" if m.group(3) == "extras" else "group", canonical(m.group(2)))
        if act not in out:
            out.append(act)
    return out


def conflict_sets(project: Project) -> list[set[Activator]]:
    """``[tool.uv] conflicts`` as sets of (kind, name); items naming another package are skipped."""
    setting = project.uv.conflicts
    if setting is None or not isinstance(setting.value, list):
        return []
    own = canonical(project.name) if project.name else None
    # in a workspace, items may name any member (uv resolves the whole workspace together)
    ours = {own, *project.member_packages} if own is not None else set(project.member_packages)
    out: list[set[Activator]] = []
    for group in setting.value:
        if not isinstance(group, list):
            continue
        items: set[Activator] = set()
        for item in group:
            if not isinstance(item, dict):
                continue
            pkg = item.get("package")
            if isinstance(pkg, str) and ours and canonical(pkg) not in ours:
                continue
            for kind in ("extra", "group"):
                val = item.get(kind)
                if isinstance(val, str):
                    items.add((kind, canonical(val)))
        if items:
            out.append(items)
    return out


def declared_conflicting(sets: list[set[Activator]], a: Activator, b: Activator) -> bool:
    return any(a in s and b in s for s in sets)


def describe_activator(act: Activator) -> str:
    return f"{act[0]} `{act[1]}`"


@dataclass(frozen=True)
class ConfigUrl:
    """A URL the configuration holds, where it is written, and what it is for."""

    url: str
    location: Location
    what: str


def config_urls(project: Project) -> Iterator[ConfigUrl]:
    """Every index / find-links URL (and direct requirement URL) with a position in a file."""
    seen: set[tuple[str, int, int]] = set()
    for idx in project.indexes:
        loc = index_location(idx)
        if loc is None:
            continue
        key = (idx.url, loc.row, loc.column)
        if key in seen:
            continue
        seen.add(key)
        yield ConfigUrl(idx.url, loc, index_where(idx))
    for req in [*project.requirements, *project.constraints]:
        url = req.requirement.url
        if not url:
            continue
        key = (url, req.location.row, req.location.column)
        if key in seen:
            continue
        seen.add(key)
        yield ConfigUrl(url, req.location, f"the direct URL <{redact(url)}> of `{req.name}`")


def local_labels(project: Project, names: frozenset[str] | set[str] | None = None) -> list[str]:
    """Local version labels pinned in requirements (``torch==2.3.1+cu121`` -> ``cu121``), in order."""
    out: list[str] = []
    for req in project.requirements:
        if names is not None and req.name not in names:
            continue
        for spec in req.specifier:
            _, plus, label = spec.version.partition("+")
            label = label.rstrip(".*").lower()
            if plus and label and label not in out:
                out.append(label)
    return out


def variant_for_legacy(project: Project, pt: PytorchIndex) -> str | None:
    """The one per-variant index a legacy page or the aggregated index stands for, if it is clear.

    From the page's own path (``/whl/cu118/torch_stable.html`` -> ``cu118``), else from the
    local labels of the torch-family pins (``torch==2.0.1+cu118``). ``None`` when there is no
    such hint, when the hints disagree, or when the variant is not a current kind (cpu, cuXXX,
    rocmX.Y, xpu).
    """
    from torchlint.index.urls import LEGACY_VARIANTS, variant_kind
    from torchlint.rules.common import TORCH_FAMILY

    labels = [lb for lb in local_labels(project, set(TORCH_FAMILY) | {"torch"}) if lb not in LEGACY_VARIANTS]
    found = {pt.variant.lower()} if pt.variant else set(labels)
    if pt.variant and labels and set(labels) != found:
        return None
    if len(found) != 1:
        return None
    (variant,) = found
    return variant if variant_kind(variant) != "unknown" else None
