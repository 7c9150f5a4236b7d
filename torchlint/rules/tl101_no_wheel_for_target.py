"""## What it does
For every requirement routed to an index (a `[tool.uv.sources]` pin, or the default chain for the
torch family), reads that index's listing and checks, per target platform and Python, that the
version uv would lock has a wheel for the target. `+cpu` / `+cuXXX` pins routed for macOS, CUDA
builds without Linux aarch64 wheels, Python minors without wheels, and Intel macOS after torch
2.2.2 are the usual finds.

## Why is this bad?
uv resolves one lock for every platform. It picks the newest version the requirement allows,
and only checks that a wheel exists for your machine when it installs: `uv sync` then fails with
"can't be installed because it doesn't have a source distribution or wheel for the current
platform" on a colleague's Mac or in a Linux arm64 container (astral-sh/uv#9036, #8746, #9209).
A CUDA index routed unconditionally has no macOS wheels at all.

Severity: **warning** (an **error** for a target in `required-environments`). **Info** when no
configuration change could serve the target (no index torchlint knows has a wheel for that
platform and Python in an allowed version: Intel macOS after torch 2.2.2, a Python minor
without wheels yet), and for a backend extra of a `conflicts` set (the uv guide's pattern) when
another extra serves the platform. uv ≥ 0.5.12 falls back to the version without local label
(`2.5.1` for `2.5.1+cpu`) when that one has the wheel, so that is not reported.

## Example
```toml
[project]
dependencies = ["torch==2.5.1+cu124 ; sys_platform != 'darwin'", "torch==2.5.1 ; sys_platform == 'darwin'"]

[tool.uv.sources]
torch = [{ index = "pytorch-cu124", marker = "sys_platform != 'darwin'" }]
```
The cu124 index has `2.5.1+cu124` for Linux x86_64 and Windows only; Linux aarch64 is routed
there too.

## Use instead
Narrow the source and the pin to the platforms the index serves, and give the others their own
line:
```toml
dependencies = [
  "torch==2.5.1+cu124 ; sys_platform == 'win32' or (sys_platform == 'linux' and platform_machine == 'x86_64')",
  "torch==2.5.1 ; sys_platform == 'darwin' or platform_machine == 'aarch64'",
]
```
or add the platform to `[tool.uv] required-environments` so uv picks a version that has it.

## Fix safety
No automatic fix: which platforms a project supports is the author's decision.

## References
- astral-sh/uv#9036, #9209, #8746, #10262, #8358; uv guide ("fail to install on macOS")
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field

from torchlint.diagnostics import Diagnostic, Related
from torchlint.index.model import FileEntry
from torchlint.rules.base import Example, Rule, RuleContext
from torchlint.rules.common import Candidate, short_versions
from torchlint.rules.listing_helpers import (
    Group,
    memo_routing,
    origin,
    page,
    prerelease,
    targets_text,
    wheel_platforms,
)
from torchlint.targets import Target

RULE = Rule(
    code="TL101",
    name="no-wheel-for-target",
    severity="warning",
    needs="listing",
    summary="the index a target is routed to has no wheel for it in the version uv locks",
)


@dataclass
class Gap:
    group: Group
    head: Candidate
    #: "platform" (no wheel for the platform at all) or "python" (only this Python is missing).
    kind: str
    cls: str  # "warning" | "error" | "info-unservable" | "info-variant" | "info-older"
    older: Candidate | None
    elsewhere: str | None
    targets: list[Target] = field(default_factory=list)


def _fallback_ok(allowed: list[Candidate], head: Candidate, t: Target) -> bool:
    """uv ≥ 0.5.12 uses another build of the same public version when the local one lacks *t*."""
    return any(c.version.public == head.version.public and c.for_target(t) for c in allowed)


def _uv_before_fallback(ctx: RuleContext) -> bool:
    rv = ctx.project.uv.required_version
    if rv is None:
        return False
    from packaging.specifiers import InvalidSpecifier, SpecifierSet

    try:
        spec = SpecifierSet(str(rv.value))
    except InvalidSpecifier:
        return False
    return spec.contains("0.5.11")


def check(ctx: RuleContext) -> Iterator[Diagnostic]:
    routing = memo_routing(ctx)
    groups = routing.groups()
    project = ctx.project
    old_uv = _uv_before_fallback(ctx)
    gaps: list[tuple[Group, Target, Candidate, str, Candidate | None]] = []
    served: set[tuple[str, str]] = set()  # (package, target name) some group serves
    for g in groups:
        allowed = g.allowed(prerelease(ctx, g.req))
        if not allowed:
            continue  # nothing allowed at all: TL102 / TL103
        head = allowed[0]
        for t in g.targets:
            if head.for_target(t) is not None or (not old_uv and _fallback_ok(allowed, head, t)):
                served.add((g.req.name, t.name))
                continue
            older = next((c for c in allowed if c.for_target(t) is not None), None)
            if older is not None and (t.required or project.manager == "pip"):
                served.add((g.req.name, t.name))
                continue  # uv backtracks for a required environment; pip resolves per machine
            kind = (
                "python"
                if any(head.for_target(Target(t.platform, (3, m))) for m in range(8, 16))
                else "platform"
            )
            if kind == "python" and older is not None:
                served.add((g.req.name, t.name))
                continue  # uv forks on Requires-Python and takes the older version there
            gaps.append((g, t, head, kind, older))
    findings: dict[tuple[object, ...], Gap] = {}
    for g, t, head, kind, older in gaps:
        own = g.merged or (g.index,)
        elsewhere = routing.served_elsewhere(g.req.name, g.req.specifier, t, [g.listing], own)
        scoped = g.req.scope.kind in ("extra", "group") and project.uv.conflicts is not None
        if t.required:
            cls = "error"
        elif elsewhere is None:
            cls = "info-unservable"
        elif scoped and (g.req.name, t.name) in served:
            cls = "info-variant"
        elif older is not None:
            cls = (
                "info-older"
                if routing.served_elsewhere(g.req.name, _at_least(head), t, own=own) is None
                else "warning"
            )
        else:
            cls = "warning"
        if cls.startswith("info"):
            kind = "any"
        key = (id(g.req), g.index.url, id(g.source), cls, str(head.version), kind)
        gap = findings.get(key)
        if gap is None:
            gap = findings[key] = Gap(g, head, kind, cls, older, elsewhere)
        gap.targets.append(t)
    for gap in findings.values():
        yield _diagnostic(ctx, gap)
    yield from _direct_wheels(ctx)


def _direct_wheels(ctx: RuleContext) -> Iterator[Diagnostic]:
    """A requirement that *is* one wheel URL (PO4): its tags say which targets it can serve."""
    from urllib.parse import unquote, urlsplit

    from torchlint.index.filenames import parse_wheel
    from torchlint.rules.common import supports

    for req in ctx.project.requirements:
        url = req.requirement.url
        if not url or not urlsplit(url).path.endswith(".whl"):
            continue
        name = unquote(urlsplit(url).path.rsplit("/", 1)[-1])
        wheel = parse_wheel(name)
        if wheel is None:
            continue
        entry = FileEntry(filename=name, url=url)
        missing = [t for t in ctx.targets_for(req) if not supports(entry, t)]
        if not missing:
            continue
        tags = ", ".join(sorted(str(t) for t in wheel.tags))
        yield ctx.diagnostic(
            f"`{req.name}` is a single wheel URL ({tags}), which cannot be installed on {targets_text(missing)}",
            req.location,
            targets=missing,
            evidence=[f"the wheel's tags: {tags}"],
            help="use an index (explicit, with sources) instead of one wheel, or add a marker limiting the "
            "requirement to the platform and Python the wheel is for",
        )


def _at_least(head: Candidate):  # type: ignore[no-untyped-def]
    from packaging.specifiers import SpecifierSet

    return SpecifierSet(f">={head.version.public}")


def _diagnostic(ctx: RuleContext, gap: Gap) -> Diagnostic:
    g, head = gap.group, gap.head
    allowed = g.allowed(prerelease(ctx, g.req))
    idx = g.index_name
    where = "routed to" if g.kind == "pinned" else "looked up on"
    tt = targets_text(gap.targets)
    spec = str(g.req.specifier) or "any version"
    ev = [
        f"{page(g.listing)} ({origin(g.listing)}): {g.req.name} {spec} allows {short_versions(allowed)}",
        f"{g.req.name} {head.version} there has wheels for {wheel_platforms(head)}",
    ]
    if gap.older is not None:
        ev.append(f"the newest allowed version with a wheel for {tt} is {gap.older.version}")
    if gap.elsewhere == page(g.listing):
        ev.append(f"{idx} has a build without the local label for {tt}; relax the pin to use it")
    elif gap.elsewhere is not None and gap.cls != "info-unservable":
        ev.append(f"{gap.elsewhere} has a wheel for {tt} in an allowed version")
    what = {"python": "Python", "platform": "platform"}.get(gap.kind, "platform and Python")
    if gap.older is None:
        message = (
            f"`{g.req.name}` is {where} {idx} on {tt}, which has no wheel for this {what} in any "
            f"version `{g.req.name} {spec}` allows ({len(allowed)} listed there)"
        )
    else:
        message = (
            f"`{g.req.name}` is {where} {idx} on {tt}: uv locks {head.version}, which has no wheel "
            f"for this {what}, so installing there fails (the newest version with one is {gap.older.version})"
        )
    severity: str = "warning"
    help_: str | None
    if gap.cls == "error":
        severity = "error"
        help_ = "route this platform to an index that has it, or widen the requirement"
    elif gap.cls == "info-unservable":
        severity = "info"
        message += "; no index torchlint knows serves it, so no configuration change can fix this"
        help_ = "narrow `environments` (or requires-python) if this target is not supported"
    elif gap.cls == "info-variant":
        severity = "info"
        message += f"; another {g.req.scope.kind} of the `conflicts` set serves it (select that one there)"
        help_ = f"add marker = \"sys_platform != '{_sys(gap.targets)}'\" to this source entry, or document it"
    elif gap.cls == "info-older":
        severity = "info"
        help_ = (
            "add the platform to [tool.uv] required-environments to lock a version that has a wheel for it"
        )
    else:
        help_ = (
            "add a marker to the source entry so this platform uses another index, or add it to "
            "[tool.uv] required-environments"
        )
    related = [Related(f"`{g.req.name}` is declared here", g.req.location)]
    if g.index.location is not None and g.source is not None:
        related.append(Related(f"{index_display_plain(g)} is defined here", g.index.location))
    return ctx.diagnostic(
        message,
        g.location,
        targets=gap.targets,
        related=related,
        evidence=ev,
        help=help_,
        severity=severity,  # type: ignore[arg-type]
        basis=origin(g.listing),
    )


def index_display_plain(g: Group) -> str:
    return g.index_name


def _sys(targets: list[Target]) -> str:
    return targets[0].platform.sys_platform


EXAMPLES = (
    Example(
        "bad",
        """\
[project]
name = "demo"
version = "0.1.0"
requires-python = ">=3.11,<3.13"
dependencies = [
  "torch==2.5.1 ; sys_platform == 'darwin'",
  "torch==2.5.1+cu124 ; sys_platform != 'darwin'",
]

[tool.uv.sources]
torch = [{ index = "pytorch-cu124", marker = "sys_platform != 'darwin'" }]

[[tool.uv.index]]
name = "pytorch-cu124"
url = "https://download.pytorch.org/whl/cu124"
explicit = true
""",
        expect=("TL101",),
        title="a `+cu124` pin for every non-macOS platform also covers Linux aarch64 (astral-sh/uv#8746)",
    ),
    Example(
        "bad",
        """\
[project]
name = "demo"
version = "0.1.0"
requires-python = ">=3.11,<3.13"
dependencies = ["torch>=2.7"]

[tool.uv.sources]
torch = { index = "pytorch-cu128" }

[[tool.uv.index]]
name = "pytorch-cu128"
url = "https://download.pytorch.org/whl/cu128"
explicit = true
""",
        expect=("TL101",),
        title="an unconditional CUDA source: macOS has no wheel there",
    ),
    Example(
        "good",
        """\
[project]
name = "demo"
version = "0.1.0"
requires-python = ">=3.11,<3.13"
dependencies = [
  "torch==2.5.1 ; sys_platform == 'darwin' or platform_machine == 'aarch64'",
  "torch==2.5.1+cu124 ; sys_platform == 'win32' or (sys_platform == 'linux' and platform_machine == 'x86_64')",
]

[tool.uv]
environments = ["sys_platform == 'darwin' and platform_machine == 'arm64'", "sys_platform != 'darwin'"]

[tool.uv.sources]
torch = [{ index = "pytorch-cu124", marker = "sys_platform == 'win32' or (sys_platform == 'linux' and platform_machine == 'x86_64')" }]

[[tool.uv.index]]
name = "pytorch-cu124"
url = "https://download.pytorch.org/whl/cu124"
explicit = true
""",
        title="the pin narrowed to the platforms the index serves",
    ),
)
