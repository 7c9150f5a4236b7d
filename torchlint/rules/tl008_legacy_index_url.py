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
uv treats as "not here": a **warning** when the live index says so for the packages routed
there, an info when torchlint cannot tell (offline; the host also has channels it does not
know, such as `/whl/preview/<name>`), nothing when the index serves them.

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
When the variant is clear (from the page's path, `/whl/cu118/torch_stable.html`, or from the
local label every torch-family pin shares, `torch==1.8.0+cu111`), the fix points the index at
`/whl/<variant>` (dropping `format = "flat"`), or replaces a `find-links` / `extra-index-url`
entry with a `[[tool.uv.index]]` of that variant, with `explicit = true` and a
`[tool.uv.sources]` entry for each declared torch-family package not routed yet. It is unsafe:
the per-variant index serves a different set of versions than the old page. Without a clear
variant there is no fix.

## References
- astral-sh/uv#12709, astral-sh/uv#9647, pytorch/pytorch#170511, pytorch/benchmark#2363
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any
from urllib.parse import urlsplit, urlunsplit

from torchlint.diagnostics import Diagnostic, Fix
from torchlint.fix import builders
from torchlint.index.urls import (
    LEGACY_VARIANTS,
    PYTORCH_ROOT,
    PytorchIndex,
    is_pytorch_host,
    parse_pytorch_url,
)
from torchlint.project.model import IndexDef
from torchlint.rules.base import Example, Rule, RuleContext
from torchlint.rules.common import TORCH_FAMILY
from torchlint.rules.config_helpers import (
    index_location,
    index_where,
    local_labels,
    mirrors,
    variant_for_legacy,
)

RULE = Rule(
    code="TL008",
    name="legacy-index-url",
    severity="warning",
    needs="config",
    summary="`torch_stable.html` find-links, the aggregated `/whl` index, a URL matching no known channel",
    fix_availability="sometimes",
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
            served = _served(ctx, idx)
            if served is True:
                continue  # a channel torchlint does not know, but it serves what is routed there
            yield ctx.diagnostic(
                f"{where} is on the PyTorch host but matches no known channel or variant "
                "(`/whl/<variant>`, `/whl/nightly/<variant>`, `/whl/test/<variant>`)"
                + (
                    ': the host answers 403 for the projects routed there, which uv reads as "not on this index"'
                    if served is False
                    else "; check the URL (torchlint has no record of this channel)"
                ),
                location,
                help=_suggest(ctx, "stable", None),
                severity="warning" if served is False else "info",
            )
            continue
        if pt.flat:
            yield ctx.diagnostic(
                f"{where} is a legacy flat page: `{pt.key.rpartition('/')[2]}` has not been generated since "
                "June 2024 and lists no current releases",
                location,
                help=_suggest(ctx, pt.channel, pt.variant),
                fix=_fix(ctx, idx, pt),
            )
        elif pt.kind == "aggregated":
            yield ctx.diagnostic(
                f"{where} is the aggregated `/{pt.key}` index, which no longer lists older CUDA variants "
                "(`torch==2.3.1+cu121` is not found there) and mixes every accelerator's builds",
                location,
                help=_suggest(ctx, pt.channel, None),
                fix=_fix(ctx, idx, pt),
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


_URL_SETTINGS = {"[tool.uv] find-links": "find-links", "[tool.uv] extra-index-url": "extra-index-url"}


def _fix(ctx: RuleContext, idx: IndexDef, pt: PytorchIndex) -> Fix | None:
    """Point the index (or replace the find-links / extra-index-url entry) at the variant index.

    Unsafe: the per-variant index serves other versions than the page or aggregated index did.
    """
    project = ctx.project
    if project.manager != "uv" or idx.location is None or idx.location.filename != project.file.display:
        return None
    variant = variant_for_legacy(project, pt)
    url = builders.variant_url(idx.url, pt, variant) if variant else None
    if url is None:
        return None
    ops: list[Any] = []
    if idx.origin == "[[tool.uv.index]]":
        path = builders.index_path(project, idx)
        if path is None:
            return None
        ops.append(builders.set_in(path, "url", url))
        if idx.format == "flat":
            ops.append(builders.remove(path, "format"))
        if idx.name and not idx.default:
            if not idx.explicit:
                ops.append(builders.set_in(path, "explicit", True))
            for package in sorted(project.declared_names() & TORCH_FAMILY):
                if not project.sources.get(package):
                    ops.append(builders.route(package, [(("index", idx.name),)]))
        message = f"point index `{idx.name or idx.url}` at `{url}`"
    elif idx.origin in _URL_SETTINGS and project.file.data.get("tool", {}).get("uv") is not None:
        key = _URL_SETTINGS[idx.origin]
        value = project.file.data["tool"]["uv"].get(key)
        drop = builders.drop_url(("tool", "uv", key), value, idx.url)
        name = builders.index_name_for(url)
        route = builders.route_to_new_index(project, name, url)
        if drop is None or route is None:
            return None
        ops.extend([*route, drop])
        message = f"replace `{key}` <{idx.url}> with the explicit index `{name}` <{url}>"
    else:
        return None
    return Fix("unsafe", message, ops=tuple(ops))


def _served(ctx: RuleContext, idx: IndexDef) -> bool | None:
    """Does the index serve the packages routed to it? None: no live answer to tell."""
    if ctx.probe is None or ctx.probe.options.offline:
        return None
    names = [p for p, entries in ctx.project.sources.items() if any(e.index == idx.name for e in entries)]
    answers = [ctx.probe.listing(idx, n) for n in (names or ["torch"])[:3]]
    if any(a.ok for a in answers):
        return True
    if answers and all(a.status == "absent" and a.origin != "snapshot" for a in answers):
        return False
    return None


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
        fixed="""\
[project]
name = "demo"
version = "0.1.0"
requires-python = ">=3.8"
dependencies = ["torch==1.8.0+cu111"]

[tool.uv]

[[tool.uv.index]]
name = "pytorch-cu111"
url = "https://download.pytorch.org/whl/cu111"
explicit = true

[tool.uv.sources]
torch = [{ index = "pytorch-cu111" }]
""",
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
        fixed="""\
[project]
name = "demo"
version = "0.1.0"
requires-python = ">=3.10"
dependencies = ["torch==2.3.1+cu121"]

[tool.uv.sources]
torch = { index = "pytorch" }

[[tool.uv.index]]
name = "pytorch"
url = "https://download.pytorch.org/whl/cu121"
explicit = true
""",
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
