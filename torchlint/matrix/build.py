"""The matrix as data: the resolution model's outcomes as rows (platform × a run of Pythons) and
cells (package → version, index, backend, or the reason for a gap), one section per fork.

Nothing is decided here that the model did not decide: a cell restates one
:class:`~torchlint.resolution.model.Outcome` (its pick, wheel, failure and intent) in words and
merges consecutive Pythons whose cells say the same. Every renderer (terminal, JSON, HTML, the
``check`` summary line) reads these records.
"""

from __future__ import annotations

import os
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, replace
from typing import TYPE_CHECKING

from torchlint.index.urls import parse_pytorch_url, redact, variant_kind
from torchlint.routing import SNAPSHOT_DEFAULT_URL, index_display
from torchlint.targets import _OS_NAMES, PLATFORMS, Target, describe, python_ranges

if TYPE_CHECKING:
    from torchlint.check import CheckOptions
    from torchlint.project.model import IndexDef
    from torchlint.resolution.candidates import Candidate
    from torchlint.resolution.forks import Fork
    from torchlint.resolution.model import Outcome, Resolution
    from torchlint.rules.base import RuleContext

#: Intent, strongest first (a row takes the strongest of its cells).
INTENTS = ("required", "explicit", "inferred", "no")
#: Why a cell has nothing to install (``gap``), as short words for the table.
GAP_WORDS = {
    "platform": "no wheel for platform",
    "python": "no wheel for Python",
    "not-listed": "version not listed",
    "lock-fails": "lock fails",
    "unknown": "unknown",
}
#: The failure kinds that mean "the version asked for is not on the index".
_NOT_LISTED = ("absent", "no-match")
_FAILURE_WORDS = {
    "python": "no version for this Python",
    "platform": "no wheel for the fork's platforms",
    "required": "no wheel for a required target",
    "family": "torch pin cannot be met",
    "orphan": "a dependency is unreachable",
    "conflict": "two indexes in one fork",
    "closed": "a dependency is on no index",
}


@dataclass(frozen=True)
class Cell:
    """One package on a run of targets: what uv locks and whether it installs (else why not)."""

    package: str
    #: ``ok``, ``no-wheel``, ``fails`` or ``unknown`` (the model's ``Outcome.status``).
    status: str
    version: str | None
    #: ``cpu``, ``cu130``, ``rocm6.4``, ``xpu``…, ``default`` (the default index), or None.
    backend: str | None
    #: ``cpu``, ``cuda``, ``rocm``, ``xpu``, ``default``, ``other`` (for colour), or None.
    backend_kind: str | None
    #: The index's name, ``default`` for the default index, else its (redacted) URL.
    index: str | None
    index_url: str | None
    #: Why nothing installs: ``platform``, ``python``, ``not-listed``, ``lock-fails``, ``unknown``.
    gap: str | None
    #: The model's failure kind when the lock fails (``no-match``, ``orphan``…).
    failure: str | None
    #: One sentence: the gap's reason, or how the pick came about (a fallback).
    reason: str | None
    #: ``required``, ``explicit``, ``inferred`` or ``no``.
    intent: str
    #: The build uv preferred but passed over here (``2.15.0+cpu`` when it locks ``2.15.0``).
    fallback_from: str | None = None

    @property
    def short(self) -> str:
        """The cell as the terminal shows it."""
        if self.status == "ok":
            return f"{self.version} {self.index}"
        if self.status == "unknown":
            return "unknown"
        words = GAP_WORDS.get(self.gap or "", self.gap or "gap")
        if self.gap == "lock-fails" and self.failure in _FAILURE_WORDS:
            words = f"lock fails: {_FAILURE_WORDS[self.failure]}"
        return f"{words}"


@dataclass
class Row:
    """A platform and a run of consecutive Pythons whose cells say the same."""

    platform: str
    pythons: list[tuple[int, int]]
    targets: list[str]
    intent: str
    required: bool
    cells: dict[str, Cell | None]
    #: package → target name → the wheel that installs there (None: none does).
    wheels: dict[str, dict[str, str | None]] = field(default_factory=dict)

    @property
    def python_text(self) -> str:
        return python_ranges(self.pythons)

    @property
    def gaps(self) -> list[Cell]:
        return [c for c in self.cells.values() if c is not None and c.status != "ok"]


@dataclass
class Section:
    """One fork: the extras and groups uv resolves together (the base fork when no conflicts)."""

    label: str
    extras: list[str]
    groups: list[str]
    chosen: list[tuple[str, str]]
    rows: list[Row]


@dataclass
class ProjectMatrix:
    file: str
    manager: str
    mode: str
    lock_fails: bool
    packages: list[str]
    sections: list[Section]
    #: Target names with a gap the author intends (intent other than ``no``), for ``check``.
    intended_gaps: list[str]
    #: Packages whose release (local label aside) differs between intended targets of one fork.
    differing: list[str] = field(default_factory=list)


@dataclass
class Matrix:
    projects: list[ProjectMatrix]
    #: The lines saying what the facts rest on (live, cache, snapshot and its date), as ``check``.
    basis: list[str]
    origins: list[str]
    snapshot_date: str | None


# ------------------------------------------------------------------------------------ from model


def project_matrix(ctx: RuleContext, res: Resolution | None = None) -> ProjectMatrix:
    """The matrix of one project, read from its resolution model (computed once per run)."""
    if res is None:
        from torchlint.resolution import resolve

        res = resolve(ctx)
    mirrors = ctx.probe.options.mirrors if ctx.probe is not None else None
    packages = list(dict.fromkeys(o.package for o in res.outcomes))
    packages.sort(key=_package_order)
    by_key: dict[tuple[Fork, str, str], Outcome] = {}
    for o in res.outcomes:
        by_key[(o.fork, o.target.name, o.package)] = o
    sections = []
    for fork in res.forks:
        rows = _rows(fork, res.targets, packages, by_key, (mirrors, ctx.router.default_index))
        if not any(any(c is not None for c in r.cells.values()) for r in rows):
            continue
        sections.append(
            Section(
                label=fork.label,
                extras=sorted(fork.extras),
                groups=sorted(fork.groups),
                chosen=[(k, n) for k, n in fork.chosen],
                rows=rows,
            )
        )
    head = summarize(ctx, res)
    return ProjectMatrix(
        differing=head.differing,
        file=head.file,
        manager=ctx.project.manager,
        mode=res.mode,
        lock_fails=head.lock_fails,
        packages=packages,
        sections=sections,
        intended_gaps=head.intended_gaps,
    )


@dataclass
class Summary:
    """What ``check``'s summary line needs, without building the cells (cheap: every check
    run computes it)."""

    file: str
    lock_fails: bool
    intended_gaps: list[str]
    differing: list[str]


def summarize(ctx: RuleContext, res: Resolution) -> Summary:
    gaps = sorted(
        {o.target.name for o in res.outcomes if o.status in ("no-wheel", "fails") and o.intent != "no"},
        key=_target_order,
    )
    releases: dict[tuple[Fork, str], set[str]] = {}
    for o in res.outcomes:
        if o.status == "ok" and o.intent != "no" and o.pick is not None:
            releases.setdefault((o.fork, o.package), set()).add(o.pick.version.public)
    packages = sorted(dict.fromkeys(o.package for o in res.outcomes), key=_package_order)
    differing = [p for p in packages if any(len(v) > 1 for (_f, q), v in releases.items() if q == p)]
    return Summary(ctx.project.file.display, res.lock_fails, gaps, differing)


def _package_order(name: str) -> tuple[int, str]:
    first = ("torch", "torchvision", "torchaudio")
    return (first.index(name) if name in first else len(first) + ("triton" in name), name)


def _target_order(name: str) -> tuple[int, str]:
    plats = [p.name for p in PLATFORMS]
    for i, p in enumerate(plats):
        if name.startswith(p + "-py"):
            return (i, name)
    return (len(plats), name)


def _rows(
    fork: Fork,
    targets: Sequence[Target],
    packages: Sequence[str],
    by_key: Mapping[tuple[Fork, str, str], Outcome],
    where: tuple[Mapping[str, str] | None, IndexDef],
) -> list[Row]:
    rows: list[Row] = []
    for plat in PLATFORMS:
        mine = sorted((t for t in targets if t.platform == plat), key=lambda t: t.python)
        prev: Row | None = None
        for t in mine:
            outcomes = {p: by_key.get((fork, t.name, p)) for p in packages}
            cells = {p: (_cell(o, *where) if o is not None else None) for p, o in outcomes.items()}
            present = [o for o in outcomes.values() if o is not None]
            intent = min((o.intent for o in present), key=INTENTS.index, default="inferred")
            if t.required:
                intent = "required"
            wheels = {p: o.wheel.filename if o.wheel is not None else None for p, o in outcomes.items() if o}
            adjacent = prev is not None and prev.pythons[-1][1] + 1 == t.python[1]
            if adjacent and prev is not None and _same(prev.cells, cells) and prev.intent == intent:
                prev.cells = {p: _joined(prev.cells[p], c) for p, c in cells.items()}
                prev.pythons.append(t.python)
                prev.targets.append(t.name)
                for p, w in wheels.items():
                    prev.wheels.setdefault(p, {})[t.name] = w
                continue
            prev = Row(
                platform=plat.name,
                pythons=[t.python],
                targets=[t.name],
                intent=intent,
                required=t.required,
                cells=cells,
                wheels={p: {t.name: w} for p, w in wheels.items()},
            )
            rows.append(prev)
    return rows


def _same(a: Mapping[str, Cell | None], b: Mapping[str, Cell | None]) -> bool:
    """Do two targets' cells say the same? A failing lock's reason may name the target it stems
    from ("no wheel for the required macos-x86_64-py3.10"): failures of one kind merge anyway."""
    if a.keys() != b.keys():
        return False
    for p, x in a.items():
        y = b[p]
        if x is None or y is None or x.status != "fails":
            if x != y:
                return False
        elif replace(x, reason=None) != replace(y, reason=None):
            return False
    return True


def _joined(a: Cell | None, b: Cell | None) -> Cell | None:
    if a is None or b is None or a.reason == b.reason or not b.reason:
        return a
    if a.reason and b.reason in a.reason:
        return a
    return replace(a, reason=f"{a.reason} {b.reason}" if a.reason else b.reason)


def _cell(o: Outcome, mirrors: Mapping[str, str] | None, default: IndexDef) -> Cell:
    status = o.status
    version = str(o.pick.version) if o.pick is not None else None
    backend, kind = _backend(o, mirrors, default)
    gap = failure = reason = None
    if status == "unknown":
        gap, reason = "unknown", o.unknown
    elif status == "fails" and o.failure is not None:
        failure = o.failure.kind
        gap = "not-listed" if failure in _NOT_LISTED else "lock-fails"
        reason = _sentence(o.failure.detail)
        backend = kind = None
    elif status == "no-wheel":
        gap, reason = _no_wheel(o)
    if status == "ok" and o.fallback_from is not None and o.pick is not None:
        reason = (
            f"uv prefers {o.package} {o.fallback_from.version}, which has no wheel here, and locks "
            f"{o.pick.version} for this platform."
        )
    return Cell(
        package=o.package,
        status=status,
        version=version if status != "fails" else None,
        backend=backend if status != "fails" else None,
        backend_kind=kind if status != "fails" else None,
        index=_index_name(o, default) if o.index is not None else None,
        index_url=_index_url(o),
        gap=gap,
        failure=failure,
        reason=reason.strip() if reason else None,
        intent=o.intent,
        fallback_from=str(o.fallback_from.version) if o.fallback_from is not None else None,
    )


def _sentence(text: str) -> str:
    text = text.strip()
    if not text:
        return text
    return text if text.endswith((".", "!", "?")) else text + "."


def _backend(
    o: Outcome, mirrors: Mapping[str, str] | None, default: IndexDef
) -> tuple[str | None, str | None]:
    """The build a pick is: its local label when it names a device (``+cu130``), else the PyTorch
    index's variant (``whl/cpu`` serves macOS wheels without a label), else the default index."""
    if o.pick is None:
        return None, None
    local = o.pick.version.local
    if local and variant_kind(local) != "unknown":
        return local, variant_kind(local)
    if o.index is not None and o.index.url != SNAPSHOT_DEFAULT_URL:
        try:
            pt = parse_pytorch_url(o.index.url, mirrors)
        except Exception:
            pt = None
        if pt is not None and pt.variant:
            kind = variant_kind(pt.variant)
            return pt.variant, kind if kind != "unknown" else "other"
        if pt is None:
            return (
                ("default", "default")
                if _is_default(o.index, default)
                else (_index_name(o, default), "other")
            )
        return pt.key, "other"
    return "default", "default"


def _is_default(idx: IndexDef, default: IndexDef) -> bool:
    return idx is default or idx.default or idx.url in (SNAPSHOT_DEFAULT_URL, default.url)


def _index_name(o: Outcome, default: IndexDef) -> str:
    idx = o.index
    assert idx is not None
    if idx.name:
        return idx.name
    return "default" if _is_default(idx, default) else redact(idx.url)


def _index_url(o: Outcome) -> str | None:
    if o.index is None:
        return None
    return o.index.url if o.index.url == SNAPSHOT_DEFAULT_URL else redact(o.index.url)


def _no_wheel(o: Outcome) -> tuple[str, str]:
    """No wheel of the locked version installs here: for this Python only, or for the platform."""
    t, pick = o.target, o.pick
    assert pick is not None
    where = f"{_OS_NAMES.get(t.os, t.os)} {t.arch}"
    index = index_display(o.index) if o.index is not None else "no index"
    minors = [(3, m) for m in range(8, 16) if pick.for_target(Target(t.platform, (3, m))) is not None]
    if minors:
        return (
            "python",
            f"{o.package} {pick.version} on {index} has wheels for Python {python_ranges(minors)} only.",
        )
    newer = next((c for c in o.allowed if c.for_target(t) is not None), None)
    if newer is not None:
        tail = f" (the newest allowed version with one is {newer.version})"
    else:
        from torchlint.resolution.candidates import versions

        last = None
        if o.listing is not None:
            key = (id(o.listing), t.platform.name)
            hit = _NEWEST.get(key)
            if hit is None or hit[0] is not o.listing:
                found = next((c for c in versions(o.listing) if _any_python(c, t)), None)
                hit = _NEWEST[key] = (o.listing, found)
            last = hit[1]
        tail = " (no allowed version has one" + (
            f"; the newest with one is {last.version})" if last is not None else ")"
        )
    return "platform", f"{o.package} {pick.version} on {index} has no wheel for {where}{tail}."


@dataclass(frozen=True)
class GapGroup:
    """One reason for one package, with every target of a section it holds on (for the list
    under a table: a lock that fails the same way everywhere is one line, not one per row)."""

    package: str
    where: str
    intended: bool
    reason: str


def gap_groups(section: Section) -> list[GapGroup]:
    groups: dict[tuple[str, str, bool], list[str]] = {}
    for r in section.rows:
        for c in r.gaps:
            key = (c.package, c.reason or c.short, r.intent != "no" or c.status == "fails")
            groups.setdefault(key, []).extend(r.targets)
    return [
        GapGroup(package, describe([_target_of(n) for n in names]), intended, reason)
        for (package, reason, intended), names in groups.items()
    ]


#: (listing, platform) → the newest version on it with a wheel for the platform (every fork and
#: Python of a project asks the same question; the walk over a nightly listing is not free).
_NEWEST: dict[tuple[int, str], tuple[object, Candidate | None]] = {}


def _any_python(c: Candidate, t: Target) -> bool:
    return any(c.for_target(Target(t.platform, (3, m))) is not None for m in range(8, 16))


# ------------------------------------------------------------------------------------ a run


def gap_line(matrix: ProjectMatrix | Summary) -> str | None:
    """``check``'s one summary line when intended targets have gaps, or get different releases
    of a package (CUDA builds often lag the CPU ones: Linux 2.14.1+cu130, macOS 2.15.0)."""
    tail = f"`torchlint matrix {matrix.file}` shows what every target gets"
    if not matrix.intended_gaps:
        if not matrix.differing:
            return None
        names = ", ".join(f"`{p}`" for p in matrix.differing)
        return f"Note: intended targets get different releases of {names}: {tail}"
    where = describe([_target_of(n) for n in matrix.intended_gaps])
    n = len(matrix.intended_gaps)
    what = (
        f"the lock fails ({where})"
        if matrix.lock_fails
        else f"gaps on {n} intended target{'s' if n != 1 else ''} ({where})"
    )
    return f"Note: {what}: {tail}"


def _target_of(name: str) -> Target:
    plat_name, _, py = name.rpartition("-py")
    plat = next(p for p in PLATFORMS if p.name == plat_name)
    major, minor = (int(x) for x in py.split(".")[:2])
    return Target(plat, (major, minor))


def build_matrix(
    paths: Sequence[str], options: CheckOptions, environ: Mapping[str, str] | None = None
) -> Matrix:
    """The matrix of every project at *paths*, from the same facts ``check`` would use."""
    from torchlint.check import CheckResult, discover, project_context, record_probe
    from torchlint.index.probe import Probe
    from torchlint.report.summary import basis

    env = dict(os.environ if environ is None else environ)
    probe = Probe(options.probe, env)
    probe.progress = options.progress
    projects = []
    result = CheckResult()
    try:
        for path in discover(paths):
            ctx = project_context(path, options, probe, env)
            projects.append(project_matrix(ctx))
    finally:
        probe.close()
    record_probe(result, probe)
    return Matrix(
        projects=projects,
        basis=basis(result),
        origins=sorted(result.origins),
        snapshot_date=result.snapshot_date,
    )
