"""## What it does
Checks requirements looked up on a PyTorch **nightly** index:

* a stable (or test) PyTorch index is reachable for the same package in the same lookup
  (`unsafe-best-match`, pip's `--extra-index-url`), so a final release such as `2.15.0+cpu`
  beats every `2.16.0.devYYYYMMDD+cu130` build (**warning**);
* the pre-release policy excludes every build the nightly index lists (**warning**);
* a pinned nightly is older than the oldest build the index still lists: nightlies are deleted
  after a window of builds (**warning**; TL102 reports the missing pin as an error);
* the newest nightly is numbered below the newest stable release on the default index, so
  "upgrading to the nightly" silently keeps the stable build (**info**).

An explicit nightly index pinned in `[tool.uv.sources]` without a lower bound is **not**
reported: uv's default pre-release policy (`if-necessary`) takes the nightlies when the index
lists nothing else.

## Why is this bad?
Each of these makes the environment run something other than the nightly the configuration
asks for, or stops it from resolving at all, without an error that names the cause
(pytorch/ci-infra#661, pytorch/torchchat#1408, meta-pytorch/torchcodec#963).

## Example
```toml
[tool.uv]
index-strategy = "unsafe-best-match"

[[tool.uv.index]]
url = "https://download.pytorch.org/whl/nightly/cu130"

[[tool.uv.index]]
url = "https://download.pytorch.org/whl/cpu"
```

## Use instead
Make each PyTorch index explicit and route the package to the nightly index only, with a
nightly floor (`torch>=2.16.0.dev0`).

## Fix safety
No automatic fix.

## References
- pytorch/ci-infra#661; pytorch/test-infra `s3_management/manage.py` (retention window);
  meta-pytorch/torchcodec#963
"""

from __future__ import annotations

from collections.abc import Iterator

from torchlint.diagnostics import Diagnostic, Related
from torchlint.project.model import IndexDef
from torchlint.rules.base import Example, Rule, RuleContext
from torchlint.rules.common import versions
from torchlint.rules.listing_helpers import Group, channel, is_pin, memo_routing, origin, page, prerelease

RULE = Rule(
    code="TL105",
    name="nightly-hygiene",
    severity="warning",
    needs="listing",
    summary="nightly index mixed with stable ones, excluded by the pre-release policy, aged-out pins, stale numbering",
)


def _nightly(ctx: RuleContext, g: Group) -> list[IndexDef]:
    idxs = g.merged or (g.index,)
    return [i for i in idxs if channel(i, ctx) == "nightly"]


def check(ctx: RuleContext) -> Iterator[Diagnostic]:
    routing = memo_routing(ctx)
    merged: dict[tuple[object, ...], Group] = {}
    for g0 in routing.groups():
        if not _nightly(ctx, g0):
            continue
        key = (id(g0.req), g0.listing.index_url, id(g0.source))
        if key in merged:
            merged[key].targets.extend(t for t in g0.targets if t not in merged[key].targets)
        else:
            merged[key] = Group(
                g0.req, g0.platform, list(g0.targets), g0.index, g0.source, g0.listing, g0.kind, g0.merged
            )
    later = list(merged.values())
    for g in later:
        allowed = g.allowed(prerelease(ctx, g.req))
        others = [i for i in g.merged if channel(i, ctx) in ("stable", "test")]
        if others and allowed:
            dev = next((c for c in g.cands if c.version.is_prerelease), None)
            fin = next((c for c in g.cands if not c.version.is_prerelease), None)
            if not allowed[0].version.is_prerelease:
                what = f"the final {allowed[0].version} beats every nightly" + (
                    f" such as {dev.version}" if dev else ""
                )
            else:
                what = (
                    f"{allowed[0].version} sorts highest today, but the day {allowed[0].version.base_version} is "
                    f"released on the stable index it beats every nightly of that series"
                    + (f" (the stable index has {fin.version} now)" if fin else "")
                )
            yield ctx.diagnostic(
                f"`{g.req.name}` is looked up on nightly and stable PyTorch indexes together "
                f"({g.index_name}): {what}",
                g.location,
                targets=g.targets,
                evidence=[f"{page(g.listing)} and the other indexes merged ({origin(g.listing)})"],
                help="make the PyTorch indexes explicit and route the package to the nightly index only",
                basis=origin(g.listing),
            )
            continue
        pin = is_pin(g.req.specifier)
        devs = [c for c in g.cands if c.version.is_devrelease]
        if pin is not None and devs and "dev" in pin:
            from packaging.version import InvalidVersion, Version

            try:
                pv = Version(pin)
            except InvalidVersion:
                continue
            oldest = devs[-1]
            if pv < oldest.version and not any(c.version == pv for c in g.cands):
                yield ctx.diagnostic(
                    f"`{g.req.name}=={pin}` is older than the oldest nightly {g.index_name} still lists "
                    f"({oldest.version}); nightly builds are deleted after a window of "
                    f"{len(devs)} builds",
                    g.location,
                    targets=g.targets,
                    evidence=[
                        f"{page(g.listing)} ({origin(g.listing)}): {devs[0].version} … {oldest.version}"
                    ],
                    help="pin a nightly the index lists, or re-lock with a floor instead of a pin",
                    basis=origin(g.listing),
                )
            continue
        if not allowed and devs and prerelease(ctx, g.req) is False:
            yield ctx.diagnostic(
                f"`{g.req.name}` is routed to nightly {g.index_name}, but the pre-release policy excludes "
                f"every build it lists ({devs[0].version} …)",
                g.location,
                targets=g.targets,
                related=[Related(f"`{g.req.name}` is declared here", g.req.location)],
                evidence=[f"{page(g.listing)} ({origin(g.listing)}) lists only pre-releases"],
                help=f'add prerelease-package = {{ {g.req.name} = "allow" }} (uv >= 0.12.1) or a floor '
                f"such as `{g.req.name}>={devs[0].version.base_version}.dev0`",
                basis=origin(g.listing),
            )
    yield from _stale(ctx, later)


def _stale(ctx: RuleContext, groups: list[Group]) -> Iterator[Diagnostic]:
    probe = ctx.probe
    assert probe is not None
    default = ctx.router.default_chain()[-1]
    probe.prefetch({(default, g.req.name) for g in groups})
    seen: set[tuple[str, str]] = set()
    for g in groups:
        if (g.req.name, g.listing.index_url) in seen:
            continue
        seen.add((g.req.name, g.listing.index_url))
        devs = [c for c in g.cands if c.version.is_prerelease]
        if not devs:
            continue
        lst = probe.listing(default, g.req.name)
        if not lst.ok:
            continue
        finals = [c for c in versions(lst) if not c.version.is_prerelease]
        if not finals:
            continue
        newest_dev, newest_final = devs[0], finals[0]
        if newest_dev.version.release <= newest_final.version.release:
            yield ctx.diagnostic(
                f"the newest nightly of `{g.req.name}` on {g.index_name} ({newest_dev.version}) is numbered "
                f"below the newest stable release ({newest_final.version}); a resolver that sees both "
                "keeps the stable one",
                g.location,
                targets=g.targets,
                evidence=[
                    f"{page(g.listing)} ({origin(g.listing)}): newest {newest_dev.version}",
                    f"{page(lst)} ({origin(lst)}): newest {newest_final.version}",
                ],
                severity="info",
                basis=origin(g.listing),
            )


EXAMPLES = (
    Example(
        "bad",
        """\
[project]
name = "demo"
version = "0.1.0"
requires-python = ">=3.12,<3.14"
dependencies = ["torch"]

[tool.uv]
index-strategy = "unsafe-best-match"
environments = ["sys_platform == 'linux' and platform_machine == 'x86_64'"]

[[tool.uv.index]]
name = "nightly"
url = "https://download.pytorch.org/whl/nightly/cu130"

[[tool.uv.index]]
name = "cpu"
url = "https://download.pytorch.org/whl/cpu"
""",
        expect=("TL105",),
        title="a final +cpu build beats the CUDA nightly (pytorch/ci-infra#661)",
    ),
    Example(
        "good",
        """\
[project]
name = "demo"
version = "0.1.0"
requires-python = ">=3.12,<3.14"
dependencies = ["torch>=2.16.0.dev0", "pytorch-triton"]

[tool.uv]
environments = ["sys_platform == 'linux' and platform_machine == 'x86_64'"]

[tool.uv.sources]
torch = { index = "nightly" }
pytorch-triton = { index = "nightly" }

[[tool.uv.index]]
name = "nightly"
url = "https://download.pytorch.org/whl/nightly/cu130"
explicit = true
""",
        title="an explicit nightly index with a nightly floor",
    ),
)
