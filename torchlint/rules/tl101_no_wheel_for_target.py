"""## What it does
Reads torchlint's model of the lock (which version uv picks for each routed package on each
platform and Python, from the routed index's listing) and reports where that version has no wheel:
`+cpu` / `+cuXXX` builds routed for macOS, CUDA builds without Linux aarch64 wheels, a Python minor
without wheels.

## Why is this bad?
uv resolves one lock for every platform. It picks the newest version the requirement allows and,
unless `[tool.uv] environments` or `required-environments` name the platform, only finds out that
the version has no wheel for your machine when it installs: `uv sync` fails with "doesn't have a
source distribution or wheel for the current platform" on a colleague's Mac or in a Linux arm64
container (astral-sh/uv#9036, #8746, #9209). When `environments` does name the platform, uv rejects
such versions at lock time, and `uv lock` fails when none is left ("has no Linux-compatible
wheels").

Severity:
- **error** when `uv lock` fails that way, or when the target is one the project names
  (`environments`, `required-environments`, `[tool.torchlint] targets`);
- **warning** for a target uv resolves for that nothing excludes;
- targets nobody means are not reported (only with `--pedantic`): the other backend's platforms
  of a `conflicts` set (`--extra cu130` on a Mac), Pythons above every wheel with an open
  `requires-python`, platforms a marker-limited route's index never built (ROCm on aarch64),
  platforms no index serves at all (Intel macOS after torch 2.2.2). `torchlint matrix` shows them.

A non-explicit PyTorch index that makes uv take a package from it everywhere is reported once, by
TL001, not here per package and platform.

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

from collections.abc import Iterator, Sequence

from torchlint.diagnostics import Diagnostic, Related
from torchlint.index.model import FileEntry
from torchlint.resolution.forks import Fork
from torchlint.resolution.intent import has_upper_bound
from torchlint.resolution.model import Outcome
from torchlint.rules.base import Example, Rule, RuleContext
from torchlint.rules.common import short_versions
from torchlint.rules.model_helpers import (
    forks_text,
    index_text,
    location_of,
    lock_fails,
    manager_help,
    model,
    origin,
    page,
    severity_of,
    shadowing_index,
    sync,
    targets_text,
    tool,
    wheel_platforms,
)
from torchlint.targets import Target

RULE = Rule(
    code="TL101",
    name="no-wheel-for-target",
    severity="warning",
    needs="listing",
    summary="the version uv locks for a target has no wheel there (or no version has one)",
)


def check(ctx: RuleContext) -> Iterator[Diagnostic]:
    res = model(ctx)
    failing: dict[tuple[object, ...], list[Outcome]] = {}
    missing: dict[tuple[object, ...], list[Outcome]] = {}
    key: tuple[object, ...]
    for o in res:
        if shadowing_index(ctx, o):
            continue  # TL001 reports the index that causes it
        if o.failure is not None and o.failure.kind in ("platform", "required", "python"):
            key = (o.package, o.failure.kind, id(location_of(o)), o.index.url if o.index else None)
            failing.setdefault(key, []).append(o)
        elif o.status == "no-wheel" and o.pick is not None:
            key = (o.package, id(location_of(o)), str(o.pick.version), o.index.url if o.index else None)
            missing.setdefault(key, []).append(o)
    for group in failing.values():
        yield _lock_fails(ctx, group)
    for group in missing.values():
        diag = _no_wheel(ctx, group, res.forks)
        if diag is not None:
            yield diag
    yield from _direct_wheels(ctx)


def _lock_fails(ctx: RuleContext, group: list[Outcome]) -> Diagnostic:
    o = group[0]
    assert o.failure is not None
    where = {n for x in group if x.failure is not None for n in x.failure.where}
    if where:  # the targets that cause it (the required ones), not every target of the fork
        group = [x for x in group if x.target.name in where] or group
    tt = targets_text(group)
    if o.failure.kind == "python":
        pys = sorted({x.target.python for x in group})
        low = f"{pys[0][0]}.{pys[0][1]}"
        message = (
            f"{lock_fails(ctx)}: no version of `{o.package}` ({str(o.requirements[0].specifier) or 'any version'}) "
            f"on {index_text(o)} supports Python {low}, which `requires-python` allows ({o.failure.detail})"
        )
        return ctx.diagnostic(
            message,
            location_of(o),
            targets=[x.target for x in group],
            related=_related(o),
            evidence=list(o.failure.evidence),
            help=f"raise the lower bound of `requires-python` to what `{o.package}` supports",
            severity="error",
            basis=origin(o.listing) if o.listing is not None else "config",
        )
    if o.failure.kind == "required":
        why = "`required-environments` names it"
        help_ = manager_help(
            ctx,
            "route that platform to an index that has it (a marker on the source entry), widen the "
            "requirement, or take it out of `required-environments`",
        )
    else:
        why = "`[tool.uv] environments` includes it, so uv rejects versions without a wheel there"
        help_ = manager_help(
            ctx,
            "route that platform to an index that has it (a marker on the source entry), or narrow "
            "`environments` to the platforms the index serves",
        )
    spec = str(o.requirements[0].specifier) or "any version"
    message = (
        f"{lock_fails(ctx)}: no version of `{o.package}` ({spec}) on {index_text(o)} has a wheel for "
        f"{tt}, and {why}"
    )
    evidence = [*o.failure.evidence]
    if o.listing is not None and o.allowed:
        evidence.append(
            f"{o.package} {o.allowed[0].version} there has wheels for {wheel_platforms(o.allowed[0])}"
        )
    return ctx.diagnostic(
        message,
        location_of(o),
        targets=[x.target for x in group],
        related=_related(o),
        evidence=evidence,
        help=help_,
        severity="error",
        basis=origin(o.listing) if o.listing is not None else "config",
    )


def _no_wheel(ctx: RuleContext, group: list[Outcome], every_fork: Sequence[Fork]) -> Diagnostic | None:
    shown = [o for o in group if o.intent != "no"]
    severity = severity_of(shown) if shown else "info"
    if severity == "info":
        shown = group
    o = shown[0]
    assert o.pick is not None and o.listing is not None
    tt = targets_text(shown)
    older = next((c for c in o.allowed if any(c.for_target(x.target) for x in shown)), None)
    other_python = [
        any(o.pick.for_target(Target(x.target.platform, (3, m))) for m in range(8, 16)) for x in shown
    ]
    what = "Python" if all(other_python) else "platform" if not any(other_python) else "platform and Python"
    where = "routed to" if o.route.kind == "pinned" else "looked up on"
    scope = forks_text(sorted({x.fork for x in shown}, key=lambda f: f.label), every_fork)
    message = (
        f"`{o.package}` is {where} {index_text(o)} on {tt}{scope}: {tool(ctx)} locks {o.pick.version}, which has no "
        f"wheel for this {what}, so {sync(ctx)} fails there"
    )
    if older is not None and older is not o.pick:
        message += f" (the newest allowed version with one is {older.version})"
    spec = str(o.requirements[0].specifier) or "any version"
    evidence = [
        f"{page(o.listing)} ({origin(o.listing)}): {o.package} {spec} allows {short_versions(o.allowed)}",
        f"{o.package} {o.pick.version} there has wheels for {wheel_platforms(o.pick)}",
    ]
    if what == "Python" and not has_upper_bound(ctx.project.requires_python):
        help_ = (
            "give `requires-python` an upper bound the wheels cover, or allow a version with wheels for "
            "this Python"
        )
    elif older is not None and older is not o.pick:
        help_ = manager_help(
            ctx,
            "add the platform to `[tool.uv] required-environments` so uv locks a version that has a wheel "
            "there, or route it to another index with a marker on the source entry",
        )
    else:
        help_ = manager_help(
            ctx,
            "add a marker to the source entry so this platform uses an index that has it (or the default "
            "index), or exclude the platform with `[tool.uv] environments`",
        )
    return ctx.diagnostic(
        message,
        location_of(o),
        targets=[x.target for x in shown],
        related=_related(o),
        evidence=evidence,
        help=help_,
        severity=severity,
        basis=origin(o.listing),
    )


def _related(o: Outcome) -> list[Related]:
    req = o.requirements[0]
    out = [Related(f"`{o.package}` is declared here", req.location)]
    if o.route.kind == "pinned" and o.index is not None and o.index.location is not None:
        out.append(Related(f"{index_text(o)} is defined here", o.index.location))
    return out


def _direct_wheels(ctx: RuleContext) -> Iterator[Diagnostic]:
    """A requirement that *is* one wheel URL (PO4): its tags say which targets it can serve."""
    from urllib.parse import unquote, urlsplit

    from torchlint.index.filenames import parse_wheel
    from torchlint.project.model import DeclaredRequirement
    from torchlint.resolution.intent import arch_named
    from torchlint.rules.common import supports
    from torchlint.targets import describe

    # one finding per package and scope: a family of wheel URLs (one per Python and platform, each
    # with its marker) is one root cause, reported where the package's first URL is written
    found: dict[tuple[str, str], tuple[DeclaredRequirement, set[Target], list[str]]] = {}
    named: dict[str, set[str]] = {}

    def _named(package: str) -> set[str]:
        if package not in named:
            named[package] = arch_named(ctx.project, package)
        return named[package]

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
        if req.marker is not None:
            # a marker-limited URL is meant where its wheel's platform is: the other
            # architectures of the OS it names are not targets unless a marker names them
            wheel_platforms = {t.platform.name for t in ctx.targets if supports(entry, t)}
            missing = [
                t
                for t in missing
                if t.platform.name in wheel_platforms or t.platform.name in _named(req.name) or t.required
            ]
        if not missing:
            continue
        _first, targets, names = found.setdefault((req.name, req.scope.label()), (req, set(), []))
        targets.update(missing)
        names.append(name)
    for (package, _scope), (first, targets, names) in found.items():
        ts = sorted(targets, key=lambda t: (t.python, t.platform.name))
        what = (
            f"a single wheel URL ({names[0]})"
            if len(names) == 1
            else f"{len(names)} wheel URLs ({names[0]} …)"
        )
        yield ctx.diagnostic(
            f"`{package}` is {what} whose tags do not cover {describe(ts)}, where the requirement applies",
            first.location,
            targets=ts,
            evidence=[f"the wheels: {', '.join(names[:3])}" + (" …" if len(names) > 3 else "")],
            help="use an index (explicit, with sources) instead of wheel URLs, or give each URL a marker "
            "limiting it to the platform and Python its wheel is for",
        )


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
