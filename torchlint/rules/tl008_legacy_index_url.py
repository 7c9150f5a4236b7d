"""## What it does
Finds PyTorch index URLs of a retired or unknown shape:

* the legacy flat pages `torch_stable.html` / `torch_nightly.html` (as `find-links` or a
  `format = "flat"` index);
* the aggregated `https://download.pytorch.org/whl` index;
* a download.pytorch.org URL that matches no known channel or variant (`/whl/release/cu126`,
  `/whl/cpu-cxx11-abi`, a typo such as `/whl/cu12.8`).

The help names the per-variant index to use, from the local label of the pins
(`torch==2.3.1+cu121` → `https://download.pytorch.org/whl/cu121`).

## Why is this bad?
The flat pages stopped being generated in June 2024 (nightlies) and no longer list current
releases; the aggregated `/whl` index dropped older CUDA variants, so `torch==2.3.1+cu121`
is "not found" there while `/whl/cu121` still serves it (pytorch/pytorch#170511). A URL of an
unknown shape is usually a typo or a retired variant, and answers 403 for every project, which
uv treats as "not here".

## Example
```toml
[project]
dependencies = ["torch==1.8.0+cu111"]

[tool.uv]
find-links = ["https://download.pytorch.org/whl/torch_stable.html"]
```

## Use instead
```toml
[tool.uv.sources]
torch = { index = "pytorch-cu111" }

[[tool.uv.index]]
name = "pytorch-cu111"
url = "https://download.pytorch.org/whl/cu111"
explicit = true
```

## Fix safety
No automatic fix: the per-variant index serves a different set of versions than the old page,
and routing torch to it needs a sources entry.

## References
- astral-sh/uv#12709, astral-sh/uv#9647, pytorch/pytorch#170511, pytorch/benchmark#2363
"""

from __future__ import annotations

from collections.abc import Iterator
from urllib.parse import urlsplit, urlunsplit

from torchlint.diagnostics import Diagnostic
from torchlint.index.urls import LEGACY_VARIANTS, PYTORCH_ROOT, is_pytorch_host, parse_pytorch_url
from torchlint.project.model import IndexDef
from torchlint.rules.base import Example, Rule, RuleContext
from torchlint.rules.common import TORCH_FAMILY
from torchlint.rules.config_helpers import index_location, index_where, local_labels, mirrors

RULE = Rule(
    code="TL008",
    name="legacy-index-url",
    severity="warning",
    needs="config",
    summary="`torch_stable.html` find-links, the aggregated `/whl` index, a URL matching no known channel",
)


def _suggest(ctx: RuleContext, channel: str, variant: str | None) -> str:
    prefix = PYTORCH_ROOT + "/whl" + ("" if channel == "stable" else f"/{channel}")
    labels = [
        lb
        for lb in local_labels(ctx.project, set(TORCH_FAMILY) | {"torch"})
        if not lb.startswith("git") and "cxx11" not in lb
    ]
    if variant and variant not in LEGACY_VARIANTS:
        return f"use the per-variant index `{prefix}/{variant}` (explicit, with `[tool.uv.sources]` entries)"
    if labels:
        urls = ", ".join(f"`{prefix}/{lb}`" for lb in labels)
        return f"use the per-variant index matching the pins' local labels: {urls} (explicit, with `[tool.uv.sources]` entries)"
    return (
        f"use a per-variant index such as `{prefix}/cpu`, `{prefix}/cu128`, `{prefix}/rocm6.4` or `{prefix}/xpu` "
        "(explicit, with `[tool.uv.sources]` entries)"
    )


def _parent(url: str) -> str:
    parts = urlsplit(url)
    path = parts.path.rstrip("/").rpartition("/")[0]
    return urlunsplit((parts.scheme, parts.netloc, path, "", ""))


def check(ctx: RuleContext) -> Iterator[Diagnostic]:
    mm = mirrors(ctx)
    for idx in ctx.project.indexes:
        location = index_location(idx)
        if location is None:
            continue
        pt = parse_pytorch_url(idx.url, mm)
        where = index_where(idx)
        if pt is None:
            if not is_pytorch_host(idx.url):
                continue
            if idx.format == "flat" and _project_page(idx, mm):
                continue  # find-links on a project page of a known index (/whl/nightly/cpu/torch/)
            yield ctx.diagnostic(
                f"{where} is on the PyTorch host but matches no known channel or variant "
                "(`/whl/<variant>`, `/whl/nightly/<variant>`, `/whl/test/<variant>`): the host answers 403 "
                'for every project there, which uv reads as "not on this index"',
                location,
                help=_suggest(ctx, "stable", None),
            )
            continue
        if pt.flat:
            yield ctx.diagnostic(
                f"{where} is a legacy flat page: `{pt.key.rpartition('/')[2]}` has not been generated since "
                "June 2024 and lists no current releases",
                location,
                help=_suggest(ctx, pt.channel, pt.variant),
            )
        elif pt.kind == "aggregated":
            yield ctx.diagnostic(
                f"{where} is the aggregated `/{pt.key}` index, which no longer lists older CUDA variants "
                "(`torch==2.3.1+cu121` is not found there) and mixes every accelerator's builds",
                location,
                help=_suggest(ctx, pt.channel, None),
            )
        elif pt.kind == "unknown":
            legacy = pt.variant in LEGACY_VARIANTS
            what = "a retired variant" if legacy else "no known variant"
            yield ctx.diagnostic(
                f"{where} names {what} (`{pt.variant}`): current PyTorch indexes are `cpu`, `cuXXX`, "
                "`rocmX.Y` and `xpu`",
                location,
                help=_suggest(ctx, pt.channel, None),
            )


def _project_page(idx: IndexDef, mm: dict[str, str]) -> bool:
    parent = parse_pytorch_url(_parent(idx.url), mm)
    return parent is not None and not parent.flat and parent.kind not in ("aggregated", "unknown")


EXAMPLES = (
    Example(
        "bad",
        """\
[project]
name = "demo"
version = "0.1.0"
requires-python = ">=3.8"
dependencies = ["torch==1.8.0+cu111"]

[tool.uv]
find-links = ["https://download.pytorch.org/whl/torch_stable.html"]
""",
        expect=("TL008",),
        title="the legacy `torch_stable.html` page",
    ),
    Example(
        "bad",
        """\
[project]
name = "demo"
version = "0.1.0"
requires-python = ">=3.10"
dependencies = ["torch==2.3.1+cu121"]

[tool.uv.sources]
torch = { index = "pytorch" }

[[tool.uv.index]]
name = "pytorch"
url = "https://download.pytorch.org/whl"
explicit = true
""",
        expect=("TL008",),
        title="the aggregated `/whl` index (pytorch/pytorch#170511)",
    ),
    Example(
        "good",
        """\
[project]
name = "demo"
version = "0.1.0"
requires-python = ">=3.10"
dependencies = ["torch==2.3.1+cu121"]

[tool.uv]
environments = ["sys_platform == 'linux' and platform_machine == 'x86_64'"]

[tool.uv.sources]
torch = { index = "pytorch-cu121" }

[[tool.uv.index]]
name = "pytorch-cu121"
url = "https://download.pytorch.org/whl/cu121"
explicit = true
""",
    ),
)
