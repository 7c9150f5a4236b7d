"""Which targets the author means the project to work on, read from what they wrote.

A missing wheel matters only where the project is meant to install. Each outcome of the model is
marked, first match wins:

* ``required``: the target is in ``[tool.uv] required-environments`` or ``[tool.torchlint]
  targets`` / ``--target`` (the author said it must work);
* ``no`` — nothing the author wrote asks for it, and the configuration cannot have meant it:

  - a fork that selects one member of a ``conflicts`` set (``--extra cu130``) on a target
    another fork serves (the user picks the CPU extra, or none, on a Mac);
  - with no upper bound on ``requires-python``: a Python the locked version has no wheel for
    while it has wheels for the platform (a new Python before the stack supports it), or above
    every wheel any allowed version has (the honest fix is an upper bound, not another index);
  - a platform the routed index has no wheel for in any build of an allowed version as new as the
    one uv locks (CUDA or ROCm builds on macOS, an old CUDA variant on Linux aarch64), when the author limited the route with a marker or
    ``environments`` and named no architecture of that platform (a route so limited is written
    for the platforms its index serves); an unconditional route is meant everywhere;
  - a target no index serves in an allowed version as new as the one uv locks (Intel macOS,
    dropped after torch 2.2.2);
* ``explicit``: ``[tool.uv] environments`` is set and covers the target;
* ``inferred``: everything else uv resolves for.

Findings about ``required`` and ``explicit`` targets are errors, about ``inferred`` ones
warnings; ``no`` targets appear only in ``torchlint matrix`` (and with ``--pedantic``).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from torchlint.resolution.candidates import Candidate, matching, versions
from torchlint.targets import PLATFORMS, Target

if TYPE_CHECKING:
    from packaging.markers import Marker
    from packaging.specifiers import SpecifierSet

    from torchlint.index.model import Listing
    from torchlint.project.model import Project
    from torchlint.resolution.forks import Fork
    from torchlint.resolution.model import Outcome, Resolution
    from torchlint.rules.base import RuleContext


def arch_named(project: Project, package: str | None = None) -> set[str]:
    """Platforms a marker singles out by architecture (``platform_machine``): the markers of
    *package*'s requirements and sources (every package's when None), and ``environments``."""
    markers: list[Marker] = [
        r.marker for r in project.requirements if r.marker is not None and package in (None, r.name)
    ]
    markers += [
        e.marker
        for name, entries in project.sources.items()
        if package in (None, name)
        for e in entries
        if e.marker is not None
    ]
    markers += [e.marker for e in (*project.uv.environments, *project.uv.required_environments)]
    out: set[str] = set()
    probes = [Target(p, (3, 12)) for p in PLATFORMS]
    for m in markers:
        if "platform_machine" not in str(m):
            continue
        holds = {t.platform.name for t in probes if t.matches(m)}
        if holds and len(holds) < len(probes):
            out |= holds
    return out


def has_upper_bound(spec: SpecifierSet | None) -> bool:
    """Does ``requires-python`` cap the Python 3 minors (``<3.13``; Poetry's ``^3.10`` = ``<4.0`` does not)?"""
    if spec is None:
        return False
    for s in spec:
        if s.operator in ("<", "<=") and not s.version.startswith(("4", "5", "6", "7", "8", "9")):
            return True
        if s.operator in ("==", "===", "~=") and s.version.count(".") >= 1:
            return True
    return False


def mark_intent(ctx: RuleContext, res: Resolution) -> None:
    project = ctx.project
    envs = bool(project.uv.environments)
    by_package: dict[str, set[str]] = {}
    upper = has_upper_bound(project.requires_python)
    served: set[tuple[str, str, object]] = {
        (o.package, o.target.name, o.fork) for o in res.outcomes if o.status == "ok"
    }
    memo: dict[tuple[object, ...], str] = {}
    python_named = any(
        "python_" in str(e.marker) for e in (*project.uv.environments, *project.uv.required_environments)
    )
    for o in res.outcomes:
        if o.target.required:
            # a required platform is met at some Python (uv's own reading of the entries); a
            # Python beyond every wheel under an open `requires-python` stays out of intent
            o.intent = "no" if not python_named and _python_gap(o, upper) else "required"
            continue
        if o.fork.chosen and any(
            (o.package, o.target.name, f) in served for f in res.forks if f is not o.fork
        ):
            o.intent = "no"
            continue
        markers = [r.marker for r in o.requirements]
        if o.route.source is not None:
            markers.append(o.route.source.marker)
        limited = envs or any(_limits_platforms(m, o.fork) for m in markers)
        pick = str(o.pick.version) if o.pick is not None else None
        key = (id(o.listing), o.package, str(o.requirements[0].specifier), o.target.name, pick, limited)
        hit = memo.get(key)
        if hit is None:
            if o.package not in by_package:
                by_package[o.package] = arch_named(project, o.package)
            hit = memo[key] = _inferred(ctx, o, by_package[o.package], upper, limited)
        o.intent = "explicit" if hit == "inferred" and envs else hit  # type: ignore[assignment]


def _limits_platforms(marker: Marker | None, fork: Fork) -> bool:
    """Does *marker* hold on some platforms and not on others (``extra == 'cuda'`` does not)?"""
    if marker is None:
        return False
    holds = {p.name for p in PLATFORMS if Target(p, (3, 12)).matches(marker, fork.extras, fork.groups)}
    return 0 < len(holds) < len(PLATFORMS)


def _inferred(ctx: RuleContext, o: Outcome, named: set[str], upper: bool, limited: bool) -> str:
    t = o.target
    listing = o.listing
    if listing is None:
        return "inferred"
    pick = o.pick
    if _python_gap(o, upper):
        return "no"
    # the routed index builds no allowed version as new as the locked one (any build of it) for
    # this platform: the route was written for the platforms it serves (a CUDA index on macOS,
    # an old CUDA variant on Linux aarch64), unless a marker names this architecture
    spec = _relaxed(o.requirements[0].specifier)
    if pick is not None:
        from packaging.specifiers import SpecifierSet

        spec &= SpecifierSet(f">={pick.version.public}")
    every = matching(versions(listing), spec, True)
    if limited and t.platform.name not in named and not any(_platform_served(c, t) for c in every):
        return "no"
    if not _served_somewhere(ctx, o, t, at_least=pick):
        return "no"  # no index serves it in an allowed version as new as the one uv locks
    return "inferred"


def _python_gap(o: Outcome, upper: bool) -> bool:
    """Under an open ``requires-python``: only this Python lacks a wheel of the locked version
    (a new Python before the stack supports it), or it is above every wheel of every allowed one."""
    if upper or o.listing is None:
        return False
    t, pick = o.target, o.pick
    if pick is not None and pick.for_target(t) is None:
        builds = [c for c in o.allowed if c.version.public == pick.version.public] or [pick]
        if any(_platform_served(c, t) for c in builds):
            return True
    return bool(o.allowed) and not any(_python_served(c, t) for c in o.allowed)


def _python_served(c: Candidate, t: Target) -> bool:
    return any(c.for_target(Target(p, t.python)) is not None for p in PLATFORMS)


def _platform_served(c: Candidate, t: Target) -> bool:
    return any(c.for_target(Target(t.platform, (3, m))) is not None for m in range(8, 16))


def _served_somewhere(ctx: RuleContext, o: Outcome, t: Target, at_least: Candidate | None = None) -> bool:
    """Does the routed index or the default index have a wheel for *t* in an allowed version (as
    new as *at_least*'s release, when given)?

    Local labels are ignored (``2.5.1+cu124`` asks for 2.5.1 in some build): a target that no
    build of an allowed version serves anywhere is not one a configuration change can reach, and
    one served only by releases older than the one uv locks (Intel macOS: torch ≤ 2.2.2) is a
    platform upstream dropped, not one the configuration forgot.
    """
    spec = _relaxed(o.requirements[0].specifier)
    if at_least is not None:
        from packaging.specifiers import SpecifierSet

        spec &= SpecifierSet(f">={at_least.version.public}")
    listings: list[Listing] = [o.listing] if o.listing is not None else []
    probe = ctx.probe
    if probe is not None:
        for idx in ctx.router.default_chain()[-1:]:
            lst = probe.listing(idx, o.package)
            if lst.ok:
                listings.append(lst)
    for lst in listings:
        if any(c.for_target(t) is not None for c in matching(versions(lst), spec, True)):
            return True
    return False


def _relaxed(spec: SpecifierSet) -> SpecifierSet:
    from packaging.specifiers import SpecifierSet

    return SpecifierSet(",".join(f"{s.operator}{s.version.split('+', 1)[0]}" for s in spec))
