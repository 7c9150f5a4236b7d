"""## What it does
Reads the listing of every routed torch-family package (and every package pinned to an index)
and checks the `#sha256` fragments of the files of the version uv would lock: some files hashed
and others not is a **warning**; a listing without any hash (the PyTorch nightly and Triton
pages, by design) is **info**.

Only listings read live or from the cache are judged: the bundled snapshot does not record the
hash state of the files it derived from documented patterns.

## Why is this bad?
uv expects either all hashes or none for one version. When some wheels of `torch==2.7.0+cpu`
carry a hash and the Linux aarch64 one does not, the lock records a mix, and `uv sync` on the
unhashed platform fails with "Hash mismatch for `torch==2.7.0+cpu`" (astral-sh/uv#13432,
pytorch/pytorch#153469). A listing without hashes gives the lock no integrity check for those
files at all (pytorch/pytorch#173099).

## Example
```toml
[tool.uv.sources]
torch = { index = "pytorch-cpu" }

[[tool.uv.index]]
name = "pytorch-cpu"
url = "https://download.pytorch.org/whl/cpu"
explicit = true
```
(on a day the index lists `torch-2.7.0+cpu-…-manylinux_2_28_aarch64.whl` without `#sha256`)

## Use instead
Pin a version whose files are all hashed, or re-lock once the index restored the hashes.

## Fix safety
No automatic fix.

## References
- astral-sh/uv#13195, #13318, #13432, #18938; pytorch/pytorch#153469, #173099; pytorch/test-infra#6307
"""

from __future__ import annotations

from collections.abc import Iterator

from torchlint.diagnostics import Diagnostic
from torchlint.rules.base import Example, Rule, RuleContext
from torchlint.rules.listing_helpers import Group, memo_routing, origin, page, prerelease

RULE = Rule(
    code="TL303",
    name="missing-hashes",
    severity="warning",
    needs="listing",
    summary="a version's files are partly hashed, partly not (the lock mixes them)",
    pedantic=True,
)


def _judgeable(g: Group) -> bool:
    return g.listing.origin in ("live", "cache") or not g.listing.derived


def check(ctx: RuleContext) -> Iterator[Diagnostic]:
    routing = memo_routing(ctx)
    seen: set[tuple[str, str]] = set()
    groups: dict[tuple[str, str], list[Group]] = {}
    for g in routing.groups():
        if not _judgeable(g):
            continue
        allowed = g.allowed(prerelease(ctx, g.req))
        if not allowed:
            continue
        groups.setdefault((g.listing.index_url + "|" + g.req.name, str(allowed[0].version)), []).append(g)
    for (key, version), gs in groups.items():
        g = gs[0]
        head = g.allowed(prerelease(ctx, g.req))[0]
        targets = [t for x in gs for t in x.targets]
        files = head.files
        unhashed = [f for f in files if not f.sha256]
        if not unhashed:
            continue
        if len(unhashed) < len(files):
            names = ", ".join(f.filename for f in unhashed[:3]) + (" …" if len(unhashed) > 3 else "")
            yield ctx.diagnostic(
                f"{g.index_name} lists {len(files) - len(unhashed)} of the {len(files)} files of "
                f"`{g.req.name}` {version} with a sha256 hash and {len(unhashed)} without; the lock will "
                "mix hashed and unhashed wheels and `uv sync` can fail with a hash mismatch",
                g.location,
                targets=targets,
                evidence=[f"{page(g.listing)} ({origin(g.listing)}) without #sha256: {names}"],
                help="pin a version whose files are all hashed, or re-lock after the index restores the hashes",
                basis=origin(g.listing),
            )
            continue
        if key in {k for k, _ in seen}:
            continue
        if any(f.sha256 for f in g.listing.files):
            continue
        seen.add((key, version))
        yield ctx.diagnostic(
            f"{g.index_name} lists no sha256 hash for any file of `{g.req.name}`; the lock will have no "
            "integrity check for them (by design on the PyTorch nightly and Triton pages)",
            g.location,
            targets=targets,
            evidence=[
                f"{page(g.listing)} ({origin(g.listing)}): {len(g.listing.files)} files, none with #sha256"
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
requires-python = ">=3.10,<3.14"
dependencies = ["triton==3.4.0 ; sys_platform == 'linux'"]

[tool.uv.sources]
triton = { index = "pytorch-cpu" }

[[tool.uv.index]]
name = "pytorch-cpu"
url = "https://download.pytorch.org/whl/cpu"
explicit = true
""",
        expect=("TL303",),
        title="some wheels of one version listed without #sha256 (astral-sh/uv#13432)",
    ),
    Example(
        "good",
        """\
[project]
name = "demo"
version = "0.1.0"
requires-python = ">=3.10,<3.14"
dependencies = ["triton==3.4.0 ; sys_platform == 'linux'"]
""",
        title="the default index hashes every file",
    ),
)
