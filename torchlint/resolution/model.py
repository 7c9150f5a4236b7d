"""What the resolution model answers: per fork, package and target, what uv locks and installs.

Plain records, built by :mod:`torchlint.resolution.solver` and read by the rules, ``torchlint
matrix`` and the uv comparison test.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Literal

if TYPE_CHECKING:
    from torchlint.index.model import FileEntry, Listing
    from torchlint.project.model import DeclaredRequirement, IndexDef, Project
    from torchlint.resolution.candidates import Candidate
    from torchlint.resolution.forks import Fork
    from torchlint.routing import Route
    from torchlint.targets import Target

#: Why uv cannot lock a package in a fork (each maps to one rule):
#:
#: * ``absent``: the index uv uses has no page for the project (TL102, TL202);
#: * ``no-match``: no listed version satisfies the requirements (TL102; TL103 for a split);
#: * ``python``: no allowed version supports the fork's Python (Requires-Python);
#: * ``platform``: the fork is limited to platforms none of the allowed versions has a wheel for
#:   (uv rejects such versions at lock time: "has no Linux-compatible wheels"; TL101);
#: * ``required``: no allowed version has a wheel for a ``required-environments`` target (TL101);
#: * ``family``: a torch-family package's own torch pin cannot be met (TL204);
#: * ``orphan``: every allowed version requires a package uv never looks for where it exists (TL201);
#: * ``conflict``: two sources route the package to different indexes in one fork (TL004);
#: * ``closed``: the default index was replaced, and every allowed version requires a package no
#:   remaining index serves (TL202).
FailureKind = Literal[
    "absent", "no-match", "python", "platform", "required", "family", "orphan", "conflict", "closed"
]

Status = Literal["ok", "no-wheel", "fails", "unknown"]


@dataclass(frozen=True)
class Orphan:
    """A dependency of one version that uv cannot reach on one target."""

    dep: str
    #: The Requires-Dist line as written.
    line: str
    marker: str | None
    evidence: tuple[str, ...]


@dataclass(frozen=True)
class Failure:
    kind: FailureKind
    #: One sentence, for messages ("no version on `pytorch-cu124` matches torch==2.4.0+cu124").
    detail: str
    evidence: tuple[str, ...] = ()
    #: ``orphan``: what the newest allowed version requires and cannot get.
    orphans: tuple[Orphan, ...] = ()
    #: ``family``: the torch requirement of the package's newest allowed version.
    pin: str | None = None
    #: The targets that cause the failure when they are fewer than the fork's (``required``: the
    #: required ones); the whole lock fails either way.
    where: tuple[str, ...] = ()


@dataclass
class Outcome:
    """One package on one target in one fork: what uv locks there, and whether it installs."""

    package: str
    target: Target
    fork: Fork
    #: The declared requirements that apply here (their specifiers are intersected).
    requirements: tuple[DeclaredRequirement, ...]
    route: Route
    #: The index uv takes the package from (first-index: the first one that has it).
    index: IndexDef | None
    listing: Listing | None
    #: Versions the requirements and the pre-release policy allow, newest first (uv's order).
    allowed: tuple[Candidate, ...]
    pick: Candidate | None
    #: The wheel of ``pick`` that installs on ``target`` (None: ``uv sync`` fails there).
    wheel: FileEntry | None
    #: Names of the targets uv resolves together with this one (its fork).
    region: frozenset[str]
    failure: Failure | None = None
    #: The build uv preferred but passed over here for lack of a wheel (uv ≥ 0.5.12 takes
    #: another build of the same version, e.g. ``2.5.1`` for ``2.5.1+cpu`` on macOS).
    fallback_from: Candidate | None = None
    #: Newer allowed versions uv passed over, with why (first-rejected version and reason).
    passed_over: tuple[tuple[Candidate, str], ...] = ()
    #: No judgement possible (a direct source, an index that could not be read …): why.
    unknown: str | None = None
    #: Set by :mod:`torchlint.resolution.intent`: does the author mean this target to work?
    intent: Literal["required", "explicit", "inferred", "no"] = "inferred"

    @property
    def status(self) -> Status:
        if self.unknown is not None:
            return "unknown"
        if self.failure is not None:
            return "fails"
        return "ok" if self.wheel is not None else "no-wheel"

    @property
    def location_requirement(self) -> DeclaredRequirement:
        return self.requirements[0]


@dataclass
class Resolution:
    """The model for one project and run."""

    project: Project
    targets: list[Target]
    forks: list[Fork]
    outcomes: list[Outcome] = field(default_factory=list)
    #: The strategy the model followed: ``universal`` (uv: one lock, forks), ``lenient``
    #: (Poetry, PDM: one lock, no lock-time wheel checks) or ``per-target`` (pip, pixi).
    mode: str = "universal"

    def __iter__(self) -> Iterator[Outcome]:
        return iter(self.outcomes)

    def for_package(self, package: str) -> list[Outcome]:
        return [o for o in self.outcomes if o.package == package]

    def failing(self, kinds: Iterable[str] | None = None) -> list[Outcome]:
        wanted = set(kinds) if kinds is not None else None
        return [
            o for o in self.outcomes if o.failure is not None and (wanted is None or o.failure.kind in wanted)
        ]

    @property
    def lock_fails(self) -> bool:
        return self.mode != "per-target" and any(o.failure is not None for o in self.outcomes)

    def get(self, package: str, target: Target, fork: Fork) -> Outcome | None:
        for o in self.outcomes:
            if o.package == package and o.target == target and o.fork == fork:
                return o
        return None
