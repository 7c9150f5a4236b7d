"""## What it does
Compares `uv.lock` with the configuration and the indexes it names. For each locked package it
reports:

* a package locked from a registry the configuration no longer routes it to (torch locked from
  `/whl/cu124` while `[tool.uv.sources]` now says `cu126`);
* a locked nightly version its nightly index no longer lists (nightly indexes keep about 60 days);
* a locked version whose wheels mix entries with and without a `hash`.

## Why is this bad?
`uv sync --locked` and `uv sync --frozen` install what the lock says, not what the configuration
says: after changing the torch index the environment silently keeps the old build until someone
runs `uv lock`. A nightly that was pruned from its index makes every fresh install fail with a
404. A version whose wheels are partly unhashed cannot be installed with hash checking and
usually means the index stopped publishing `#sha256` fragments between two locks
(pytorch/pytorch#164347, astral-sh/uv#12467).

## Example
```toml
[project]
name = "demo"
version = "0.1.0"
dependencies = ["torch==2.7.1"]

[tool.uv.sources]
torch = { index = "pytorch-cu126" }

[[tool.uv.index]]
name = "pytorch-cu126"
url = "https://download.pytorch.org/whl/cu126"
explicit = true
```
with a `uv.lock` still saying
`source = { registry = "https://download.pytorch.org/whl/cu124" }` for torch.

## Use instead
Re-lock after changing indexes or sources (`uv lock`, or `uv lock --upgrade-package torch`), and
commit the lock with the configuration change.

## Fix safety
No automatic fix: re-locking can change many versions and needs the network.

## References
- uv docs, "Locking and syncing": `--locked`, `--frozen`
- pytorch/pytorch#164347 (hash fragments dropped), astral-sh/uv#9651 (nightly retention)
"""

from __future__ import annotations

from collections.abc import Iterator

from torchlint.diagnostics import Diagnostic, Location, Related
from torchlint.index.urls import parse_pytorch_url, redact
from torchlint.project.model import IndexDef, LockedPackage
from torchlint.routing import index_display
from torchlint.rules.base import Activation, Example, Rule, RuleContext
from torchlint.rules.common import wheel_version

RULE = Rule(
    code="TL401",
    name="lock-drift",
    severity="warning",
    needs="listing",
    summary="uv.lock disagrees with the configuration or the index: other index, pruned nightly, mixed hashes",
)


def _norm(url: str) -> str:
    return url.rstrip("/")


def check(ctx: RuleContext) -> Iterator[Diagnostic]:
    lock = ctx.project.lock
    if lock is None:
        return
    mirrors = ctx.probe.options.mirrors if ctx.probe is not None else {}
    nightly: list[tuple[LockedPackage, IndexDef]] = []
    for pkg in lock.packages:
        if pkg.source_kind != "registry" or not pkg.source_url:
            continue
        pt = parse_pytorch_url(pkg.source_url, mirrors)
        yield from _drift(ctx, pkg, pt is not None and not pt.flat)
        yield from _mixed_hashes(ctx, pkg)
        if pt is not None and pt.channel == "nightly" and not pt.flat and pkg.version:
            nightly.append((pkg, IndexDef(url=pkg.source_url, origin="uv.lock", location=pkg.location)))
    if nightly and ctx.probe is not None:
        yield from _pruned(ctx, nightly)


def _lock_loc(ctx: RuleContext, pkg: LockedPackage) -> Location:
    assert ctx.project.lock is not None
    return pkg.location or Location(ctx.project.lock.file.display)


def _drift(ctx: RuleContext, pkg: LockedPackage, locked_is_pytorch: bool) -> Iterator[Diagnostic]:
    assert pkg.source_url is not None
    project, router = ctx.project, ctx.router
    mirrors = ctx.probe.options.mirrors if ctx.probe is not None else {}
    reqs = project.requirements_named(pkg.name)
    activations: list[Activation | None] = [ctx.activation(r) for r in reqs] or [None]
    now: dict[str, IndexDef] = {}
    pinned: list[IndexDef] = []
    where: Location | None = None
    for t in ctx.targets:
        for act in activations:
            route = router.route(
                pkg.name,
                t,
                act.extras if act else (),
                act.groups if act else (),
                declared=bool(reqs),
            )
            if route.kind == "direct":
                return
            for idx in route.indexes:
                now.setdefault(_norm(idx.url), idx)
            if route.kind == "pinned" and route.indexes:
                pinned.append(route.indexes[0])
                if where is None and route.source is not None:
                    where = route.source.location
    if not now or _norm(pkg.source_url) in now:
        return
    pinned_pytorch = any(parse_pytorch_url(i.url, mirrors) is not None for i in pinned)
    if not (locked_is_pytorch or pinned_pytorch):
        return  # e.g. locked from the public default index, whose URL the config does not name
    names = ", ".join(index_display(i) for i in list(now.values())[:3])
    location = where or (reqs[0].location if reqs else _lock_loc(ctx, pkg))
    message = (
        f"`{pkg.name}` {pkg.version} is locked from <{redact(pkg.source_url)}>, but the configuration now "
        f"routes it to {names}: `uv sync --locked`/`--frozen` keeps installing the old build until you re-lock"
    )
    yield ctx.diagnostic(
        message,
        location,
        related=[Related("locked here", _lock_loc(ctx, pkg))],
        evidence=[
            f"uv.lock: [[package]] {pkg.name} {pkg.version} source registry = {redact(pkg.source_url)}"
        ],
        help=f"run `uv lock --upgrade-package {pkg.name}` and commit uv.lock",
    )


def _mixed_hashes(ctx: RuleContext, pkg: LockedPackage) -> Iterator[Diagnostic]:
    hashed = [w for w in pkg.wheels if w.hash]
    unhashed = [w for w in pkg.wheels if not w.hash]
    if not hashed or not unhashed:
        return
    example = unhashed[0].filename or unhashed[0].url or "?"
    yield ctx.diagnostic(
        f"`{pkg.name}` {pkg.version} has {len(hashed)} hashed and {len(unhashed)} unhashed wheels in uv.lock "
        f"(e.g. {example}): installs with hash checking fail for the unhashed ones",
        _lock_loc(ctx, pkg),
        evidence=[f"unhashed: {w.filename}" for w in unhashed[:3]],
        help=f"re-lock `{pkg.name}` once its index publishes hashes for every file (`uv lock --upgrade-package {pkg.name}`)",
    )


def _pruned(ctx: RuleContext, items: list[tuple[LockedPackage, IndexDef]]) -> Iterator[Diagnostic]:
    from packaging.version import InvalidVersion, Version

    probe = ctx.probe
    assert probe is not None
    probe.prefetch({(idx, pkg.name) for pkg, idx in items})
    for pkg, idx in items:
        listing = probe.listing(idx, pkg.name)
        if not listing.ok or not listing.files:
            continue
        try:
            locked = Version(pkg.version or "")
        except InvalidVersion:
            continue
        listed = {v for v in (wheel_version(f) for f in listing.files) if v is not None}
        if not listed or locked in listed:
            continue
        newest = max(listed)
        origin = listing.origin + (", derived" if listing.derived else "")
        yield ctx.diagnostic(
            f"`{pkg.name}` {pkg.version} is locked from the nightly index <{redact(idx.url)}>, which no longer "
            f"lists it (newest: {newest}): a fresh `uv sync` fails to download it",
            _lock_loc(ctx, pkg),
            evidence=[
                f"{redact(idx.url)}/{pkg.name}/ lists {len(listed)} versions, not {pkg.version} ({origin})"
            ],
            help=f"re-lock: `uv lock --upgrade-package {pkg.name}`",
            basis=origin,
        )


_PYPROJECT = """\
[project]
name = "demo"
version = "0.1.0"
requires-python = ">=3.12"
dependencies = ["torch==2.7.1"]

[tool.uv.sources]
torch = { index = "pytorch-cu126" }

[[tool.uv.index]]
name = "pytorch-cu126"
url = "https://download.pytorch.org/whl/cu126"
explicit = true
"""

_LOCK = """\
version = 1
revision = 3
requires-python = ">=3.12"

[[package]]
name = "torch"
version = "2.7.1+cu124"
source = { registry = "https://download.pytorch.org/whl/cu124" }
wheels = [
    { url = "https://download.pytorch.org/whl/cu124/torch-2.7.1%2Bcu124-cp312-cp312-manylinux_2_28_x86_64.whl", hash = "sha256:00" },
]
"""

EXAMPLES = (
    Example(
        "bad",
        _PYPROJECT,
        expect=("TL401",),
        title="sources now say cu126, uv.lock still has torch from cu124 (the uv.lock is in EXAMPLE_FILES)",
    ),
    Example("good", _PYPROJECT, title="the same configuration, re-locked (or with no uv.lock)"),
)

#: Files written beside pyproject.toml for an example (index into EXAMPLES → file name → text).
EXAMPLE_FILES: dict[int, dict[str, str]] = {0: {"uv.lock": _LOCK}}
