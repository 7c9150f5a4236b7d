"""What a chosen PyTorch index serves, asked through the index layer (live, cache or snapshot).

Nothing here is a table: which variants exist, which platforms and Pythons the torch builds of an
index cover, and which torch-family projects it has all come from the index's listings, through
:class:`~torchlint.index.probe.Probe` (so ``--offline`` reads the bundled snapshot and says so).
Index URLs are built from the PyTorch root in :mod:`torchlint.index.urls`.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from torchlint.index.probe import Probe
from torchlint.index.urls import PYTORCH_ROOT
from torchlint.project.model import IndexDef
from torchlint.resolution.candidates import versions
from torchlint.targets import PLATFORMS, Platform, Target, python_ranges


@dataclass(frozen=True)
class Choice:
    """One backend on one channel: the index init writes for it."""

    variant: str
    nightly: bool

    @property
    def key(self) -> str:
        return f"whl/nightly/{self.variant}" if self.nightly else f"whl/{self.variant}"

    @property
    def url(self) -> str:
        return f"{PYTORCH_ROOT}/{self.key}"

    @property
    def name(self) -> str:
        return f"pytorch-nightly-{self.variant}" if self.nightly else f"pytorch-{self.variant}"

    @property
    def label(self) -> str:
        return f"{self.variant} (nightly)" if self.nightly else self.variant


@dataclass
class IndexFacts:
    choice: Choice
    #: The torch page could be read and lists wheels.
    ok: bool
    #: Why not (for the refusal message).
    problem: str | None = None
    #: Platform → the Python minors (of those asked) some torch version has a wheel for there.
    served: dict[Platform, set[tuple[int, int]]] = field(default_factory=dict)
    #: Newest torch version per platform (for messages).
    newest: dict[Platform, str] = field(default_factory=dict)
    #: torch-family projects the index lists (asked for the ones the project declares).
    lists: set[str] = field(default_factory=set)
    #: Where the facts came from ("snapshot 2026-11-26", "live").
    origin: str = ""

    #: Platforms the newest torch release of the index has wheels for (an index may keep an old
    #: build for a platform it no longer serves: xpu's 2.3.0 for Linux aarch64).
    current: set[Platform] = field(default_factory=set)
    #: Platform → the Python minors the newest torch release has wheels for there.
    latest: dict[Platform, set[tuple[int, int]]] = field(default_factory=dict)

    def platforms(self) -> tuple[Platform, ...]:
        return tuple(p for p in PLATFORMS if p in self.current)

    def pythons(self, platforms: tuple[Platform, ...] | None = None) -> set[tuple[int, int]]:
        out: set[tuple[int, int]] = set()
        for p in platforms if platforms is not None else PLATFORMS:
            out |= self.served.get(p, set())
        return out

    def describe_pythons(self, platforms: tuple[Platform, ...] | None = None) -> str:
        pys = self.pythons(platforms)
        return f"Python {python_ranges(pys)}" if pys else "no Python"


def index_def(choice: Choice) -> IndexDef:
    return IndexDef(url=choice.url, name=choice.name, explicit=True)


def known_variants(probe: Probe, nightly: bool) -> list[str]:
    """The variants the snapshot records on a channel (``cu128``, ``rocm6.4``...), for ``auto``."""
    prefix = "whl/nightly/" if nightly else "whl/"
    out = []
    for key in probe.snapshot.keys():  # noqa: SIM118 (a method of Snapshot, not a dict)
        if key.startswith(prefix) and "/" not in key[len(prefix) :]:
            out.append(key[len(prefix) :])
    return out


def current_platforms(probe: Probe, index: IndexDef, pythons: list[tuple[int, int]]) -> set[Platform] | None:
    """Platforms the newest torch on *index* (the default index, say) has wheels for; None: unknown."""
    listing = probe.listing(index, "torch")
    cands = versions(listing) if listing.ok else []
    if not cands:
        return None
    newest = cands[0].version.public
    latest = [c for c in cands if c.version.public == newest]
    return {
        p for p in PLATFORMS if any(c.for_target(Target(p, py)) is not None for c in latest for py in pythons)
    }


def index_facts(probe: Probe, choice: Choice, pythons: list[tuple[int, int]], family: set[str]) -> IndexFacts:
    """Which platforms and Pythons torch on *choice*'s index has wheels for, and which of *family* it lists."""
    idx = index_def(choice)
    probe.prefetch([(idx, name) for name in sorted({"torch", *family})])
    listing = probe.listing(idx, "torch")
    origin: str = listing.origin
    if listing.origin == "snapshot":
        origin = f"the bundled snapshot of {probe.snapshot.date}"
    facts = IndexFacts(choice, ok=False, origin=origin)
    if listing.status == "absent":
        facts.problem = f"{choice.url}/ has no torch page (no such variant on the {'nightly' if choice.nightly else 'stable'} channel?)"
        return facts
    if not listing.ok and probe.options.offline and probe.snapshot_key(choice.url) is None:
        facts.problem = (
            f"{choice.url}/ is not an index the bundled snapshot of {probe.snapshot.date} records "
            "(no such variant on this channel, or one too new: try without --offline)"
        )
        return facts
    if not listing.ok:
        facts.problem = f"{choice.url}/torch/ could not be read: {listing.error or listing.status}"
        return facts
    cands = versions(listing)
    if not cands:
        facts.problem = f"{choice.url}/torch/ lists no wheels"
        return facts
    facts.ok = True
    newest = cands[0].version.public  # candidates come newest first
    latest = [c for c in cands if c.version.public == newest]
    for plat in PLATFORMS:
        for py in pythons:
            if any(c.for_target(Target(plat, py)) is not None for c in latest):
                facts.current.add(plat)
                facts.latest.setdefault(plat, set()).add(py)
        for py in pythons:
            t = Target(plat, py)
            for c in cands:
                if c.for_target(t) is not None:
                    facts.served.setdefault(plat, set()).add(py)
                    if plat not in facts.newest or c.version > _v(facts.newest[plat]):
                        facts.newest[plat] = str(c.version)
                    break
    for name in family:
        lst = probe.listing(idx, name)
        if lst.ok and (lst.files or lst.origin == "snapshot"):
            facts.lists.add(name)
    return facts


def _v(text: str):  # type: ignore[no-untyped-def]
    from packaging.version import Version

    return Version(text)
