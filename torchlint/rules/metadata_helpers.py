"""Helpers the metadata rules TL202, TL203 and TL204 share: where uv finds a package on a target,
what the candidate it would pick requires, and how messages cite those facts.

Routing comes from :class:`torchlint.routing.Router`, facts from :class:`torchlint.index.probe.Probe`;
nothing here fetches or parses by itself.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

from torchlint.index.model import CoreMetadata, FileEntry, Listing, MetadataUnavailable
from torchlint.index.urls import parse_pytorch_url, redact
from torchlint.project.model import DeclaredRequirement, IndexDef
from torchlint.rules.common import Candidate, allows_prereleases, matching, versions
from torchlint.targets import Target

if TYPE_CHECKING:
    from torchlint.index.probe import Probe
    from torchlint.rules.base import RuleContext


def is_pytorch_index(ctx: RuleContext, idx: IndexDef) -> bool:
    """Is *idx* a PyTorch index (as written, or through ``--mirror``)?"""
    mirrors = ctx.probe.options.mirrors if ctx.probe is not None else {}
    try:
        return parse_pytorch_url(idx.url, mirrors) is not None
    except Exception:  # an unparsable URL is TL000's business
        return False


def origin_text(item: Listing | CoreMetadata) -> str:
    if item.origin == "snapshot":
        return "snapshot" + (", derived" if item.derived else "")
    return item.origin


def page_url(listing: Listing) -> str:
    return redact(listing.page_url or f"{listing.index_url.rstrip('/')}/{listing.project}/")


@dataclass
class Found:
    """Where uv takes a package from on one target: the index and its listing."""

    index: IndexDef
    listing: Listing
    pinned: bool


def locate(
    ctx: RuleContext,
    name: str,
    target: Target,
    extras: Iterable[str] = (),
    groups: Iterable[str] = (),
    declared: bool = True,
) -> Found | str | None:
    """The index uv takes *name* from on *target* (first index that has it, uv's ``first-index``).

    Returns a :class:`Found`, ``"absent"`` when every index uv consults answers that it does not
    serve the project, or None when that cannot be known (a direct source, an index that could
    not be asked, an undeclared index).
    """
    probe = ctx.probe
    assert probe is not None
    route = ctx.router.route(name, target, extras, groups, declared=declared)
    if route.kind == "direct" or not route.indexes:
        return None
    if route.kind == "pinned":
        idx = route.indexes[0]
        lst = probe.listing(idx, name)
        return Found(idx, lst, True) if lst.ok else None
    probe.prefetch((idx, name) for idx in route.indexes)
    for idx in route.indexes:
        lst = probe.listing(idx, name)
        if lst.ok:
            return Found(idx, lst, False)
        if lst.status == "error":
            return None
    return "absent"


def candidates_for(
    ctx: RuleContext, listing: Listing, req: DeclaredRequirement, targets: Sequence[Target]
) -> list[Candidate]:
    """Versions of *req* on *listing* that satisfy its specifier and install on one of *targets*."""
    pre = allows_prereleases(ctx.project, req.name, req.specifier)
    return [
        c
        for c in matching(versions(listing), req.specifier, pre)
        if any(c.for_target(t) is not None for t in targets)
    ]


def wheel_for(cand: Candidate, targets: Sequence[Target]) -> tuple[Target, FileEntry] | None:
    for t in targets:
        f = cand.for_target(t)
        if f is not None:
            return t, f
    return None


def requires(
    probe: Probe, index: IndexDef, listing: Listing, entry: FileEntry, project: str
) -> tuple[list[tuple[str, list[str]]], bool]:
    """The Requires-Dist lines of *entry*, each with its evidence; and whether they are complete.

    When the metadata cannot be read, the snapshot's recorded dependency patterns stand in (not
    complete: only the patterns are known).
    """
    md = probe.metadata(index, entry, listing)
    if isinstance(md, CoreMetadata):
        how = origin_text(md) if md.source == "snapshot" else f"{md.source}, {origin_text(md)}"
        ev = f"METADATA of {entry.filename} ({how})"
        return [(line, [ev]) for line in md.requires_dist], True
    assert isinstance(md, MetadataUnavailable)
    out = []
    for pat in probe.patterns(index, project):
        line = pat.requires + (f" ; {pat.marker}" if pat.marker else "")
        ev = (
            f"metadata of {entry.filename} unavailable ({md.reason}); the snapshot of "
            f"{probe.snapshot.date} records the pattern: {pat.note} (derived)"
        )
        out.append((line, [ev]))
    return out, False


def series_heads(cands: Sequence[Candidate]) -> list[Candidate]:
    """The newest candidate of each release series (``2.6``, ``0.21`` ...), newest first."""
    heads: list[Candidate] = []
    for c in cands:
        if not heads or heads[-1].version.release[:2] != c.version.release[:2]:
            heads.append(c)
    return heads


def platforms(targets: Iterable[Target]) -> str:
    return ", ".join(sorted({t.platform.name for t in targets}))
