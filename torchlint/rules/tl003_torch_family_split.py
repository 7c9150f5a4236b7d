"""## What it does
Finds torch-family packages (torchvision, torchaudio, torchcodec, torchao, xformers, …) that
come from a different index than `torch` on some target: one routed to a PyTorch variant index
while the other falls back to the default index, or the two routed to different variants
(`cu124` and `cu126`) or channels (stable and nightly).

## Why is this bad?
These packages are compiled against one torch build. Mixing a `+cu126` torch with a torchaudio
built for PyPI's CUDA (or for another variant) fails at import time: "libcusparseLt.so.0: cannot
open shared object file", "partially initialized module 'torchaudio'", "PyTorch and TorchAudio
were compiled with different CUDA versions" (astral-sh/uv#11411, sgl-project/sglang#18211).
Different variant indexes for torch and torchvision are always wrong.

## Example
```toml
[project]
dependencies = ["torch>=2.6.0", "torchvision>=0.21.0", "torchaudio>=2.6.0"]

[tool.uv.sources]
torch = [{ index = "pytorch-cu126", marker = "sys_platform == 'linux'" }]
torchvision = [{ index = "pytorch-cu126", marker = "sys_platform == 'linux'" }]
```

## Use instead
Give every declared family package the same sources entries as torch:
```toml
torchaudio = [{ index = "pytorch-cu126", marker = "sys_platform == 'linux'" }]
```

## Fix safety
Copying torch's sources to a sibling is safe when the sibling has no sources of its own;
replacing a sibling's different index is unsafe (it changes where the sibling comes from).
"""

from __future__ import annotations

from collections.abc import Iterator

from torchlint.diagnostics import Diagnostic, Fix, Related
from torchlint.fix import builders
from torchlint.index.urls import parse_pytorch_url
from torchlint.project.model import DeclaredRequirement, IndexDef
from torchlint.routing import Route, index_display
from torchlint.rules.base import Example, Rule, RuleContext
from torchlint.rules.common import TORCH_FAMILY
from torchlint.targets import Target

RULE = Rule(
    code="TL003",
    name="torch-family-split",
    severity="warning",
    needs="config",
    summary="torch routed to one index but torchvision/torchaudio/… to another, or not at all",
    fix_availability="sometimes",
)


def _where(route: Route) -> str:
    idx = route.pinned_index
    if route.kind == "direct":
        return "a direct (git/path/url) source"
    if idx is None:
        return "the default index chain"
    return f"index {index_display(idx)}"


def _variant(idx: IndexDef | None, mirrors: dict[str, str]) -> tuple[str, str | None] | None:
    if idx is None:
        return None
    pt = parse_pytorch_url(idx.url, mirrors)
    if pt is None:
        return None
    return (pt.channel, pt.variant)


def _pins_torch_build(ctx: RuleContext, package: str, *routes: Route) -> bool:
    """Do *package*'s builds on the PyTorch index in play require torch's exact build?

    torchvision and torchaudio require ``torch=={same release}`` with the same local label, so a
    copy from another index is compiled against another torch (the import-time failures above):
    a warning. A package with no such recorded pin (torchcodec and torchao declare none: PyPI's
    build beside a CUDA torch is a common, working choice) is an info. Read from the index's
    recorded dependency patterns (the snapshot's, or a mirror's snapshot key), not from names.
    """
    probe = ctx.probe
    if probe is None:
        return True
    for idx in (r.pinned_index for r in routes):
        if idx is not None and any(
            p.requires == "torch" and p.pin == "same-version" for p in probe.patterns(idx, package)
        ):
            return True
    return False


def check(ctx: RuleContext) -> Iterator[Diagnostic]:
    project = ctx.project
    mirrors = dict(ctx.probe.options.mirrors) if ctx.probe is not None else {}
    torch_reqs = project.requirements_named("torch")
    if not torch_reqs:
        return
    groups: dict[tuple[str, str, str, str], tuple[DeclaredRequirement, list[Target], Route, Route, str]] = {}
    for req in project.requirements:
        if req.name == "torch" or req.name not in TORCH_FAMILY:
            continue
        act = ctx.activation(req)
        for t in ctx.targets_for(req):
            # torch must be part of the same resolution fork on this target
            if not any(
                tr.scope in (req.scope,) or tr.scope.kind == "project"
                for tr in torch_reqs
                if t.matches(tr.marker, act.extras, act.groups)
            ):
                continue
            rt = ctx.router.route("torch", t, act.extras, act.groups)
            rf = ctx.router.route(req.name, t, act.extras, act.groups)
            if (rt.kind == "pinned" and not rt.indexes) or (rf.kind == "pinned" and not rf.indexes):
                continue  # a source names an undeclared index: TL002 reports it
            it, i_f = rt.pinned_index, rf.pinned_index
            if rt.kind == rf.kind and (
                it is i_f or (it is not None and i_f is not None and it.url == i_f.url)
            ):
                continue
            vt, vf = _variant(it, mirrors), _variant(i_f, mirrors)
            if vt is None and vf is None:
                continue  # neither side is a PyTorch index: not this rule's business
            if vt is not None and vf is not None and vt[1] != vf[1]:
                kind = "variant"
            elif vt is not None and vf is not None:
                kind = "channel"
            else:
                kind = "split"
            key = (req.name, req.scope.label(), kind, _where(rt) + "|" + _where(rf))
            if key not in groups:
                groups[key] = (req, [], rt, rf, kind)
            groups[key][1].append(t)
    for (_name, _scope, _kind, _), (req, targets, rt, rf, kind) in groups.items():
        if kind == "variant":
            message = (
                f"`{req.name}` comes from {_where(rf)} but `torch` from {_where(rt)}: builds for different "
                "accelerator variants are not ABI-compatible"
            )
            severity = "error"
        elif kind == "channel":
            message = f"`{req.name}` comes from {_where(rf)} but `torch` from {_where(rt)}: a different release channel"
            severity = "warning"
        elif _pins_torch_build(ctx, req.name, rt, rf):
            message = (
                f"`{req.name}` comes from {_where(rf)} but `torch` from {_where(rt)}: "
                f"`{req.name}` must be built for the same torch"
            )
            severity = "warning"
        else:
            message = (
                f"`{req.name}` comes from {_where(rf)} but `torch` from {_where(rt)}: its builds do not "
                "pin torch's build, so this works unless it loads compiled torch extensions"
            )
            severity = "info"
        entry = rf.source
        location = entry.location if entry is not None and entry.location is not None else req.location
        related = (
            [Related("`torch` is routed here", rt.source.location)]
            if rt.source and rt.source.location
            else []
        )
        fix = None
        if rt.source is not None and rt.source.index:
            help_ = f"give `{req.name}` the same `[tool.uv.sources]` entries as `torch`"
            if not ctx.project.sources.get(req.name):
                torch_entries = [builders.entry_like(e) for e in ctx.project.sources.get("torch", [])]
                fix = Fix(
                    "safe",
                    f"give `{req.name}` the same sources as `torch`",
                    ops=(builders.route(req.name, torch_entries),),
                )
        else:
            help_ = f"route `torch` and `{req.name}` to the same index"
        yield ctx.diagnostic(
            message,
            location,
            targets=targets,
            related=related,
            help=help_,
            severity=severity,  # type: ignore[arg-type]
            fix=fix,
        )


EXAMPLES = (
    Example(
        "bad",
        """\
[project]
name = "demo"
version = "0.1.0"
requires-python = ">=3.12"
dependencies = ["torch>=2.6.0", "torchvision>=0.21.0", "torchaudio>=2.6.0"]

[tool.uv.sources]
torch = [{ index = "pytorch-cu126", marker = "sys_platform == 'linux' or sys_platform == 'win32'" }]
torchvision = [{ index = "pytorch-cu126", marker = "sys_platform == 'linux' or sys_platform == 'win32'" }]

[[tool.uv.index]]
name = "pytorch-cu126"
url = "https://download.pytorch.org/whl/cu126"
explicit = true
""",
        expect=("TL003",),
        title="torchaudio not routed with torch (astral-sh/uv#11411)",
        fixed="""\
[project]
name = "demo"
version = "0.1.0"
requires-python = ">=3.12"
dependencies = ["torch>=2.6.0", "torchvision>=0.21.0", "torchaudio>=2.6.0"]

[tool.uv.sources]
torch = [{ index = "pytorch-cu126", marker = "sys_platform == 'linux' or sys_platform == 'win32'" }]
torchvision = [{ index = "pytorch-cu126", marker = "sys_platform == 'linux' or sys_platform == 'win32'" }]
torchaudio = [{ index = "pytorch-cu126", marker = "sys_platform == 'linux' or sys_platform == 'win32'" }]

[[tool.uv.index]]
name = "pytorch-cu126"
url = "https://download.pytorch.org/whl/cu126"
explicit = true
""",
    ),
    Example(
        "bad",
        """\
[project]
name = "demo"
version = "0.1.0"
requires-python = ">=3.12"
dependencies = ["torch==2.6.0", "torchvision==0.21.0"]

[tool.uv.sources]
torch = { index = "pytorch-cu124" }
torchvision = { index = "pytorch-cu126" }

[tool.uv]
environments = ["sys_platform == 'linux'"]

[[tool.uv.index]]
name = "pytorch-cu124"
url = "https://download.pytorch.org/whl/cu124"
explicit = true

[[tool.uv.index]]
name = "pytorch-cu126"
url = "https://download.pytorch.org/whl/cu126"
explicit = true
""",
        expect=("TL003",),
        title="two CUDA variants in one family",
    ),
    Example(
        "good",
        """\
[project]
name = "demo"
version = "0.1.0"
requires-python = ">=3.12"
dependencies = ["torch>=2.6.0", "torchvision>=0.21.0", "torchaudio>=2.6.0"]

[tool.uv.sources]
torch = [{ index = "pytorch-cu126", marker = "sys_platform == 'linux' or sys_platform == 'win32'" }]
torchvision = [{ index = "pytorch-cu126", marker = "sys_platform == 'linux' or sys_platform == 'win32'" }]
torchaudio = [{ index = "pytorch-cu126", marker = "sys_platform == 'linux' or sys_platform == 'win32'" }]

[[tool.uv.index]]
name = "pytorch-cu126"
url = "https://download.pytorch.org/whl/cu126"
explicit = true
""",
    ),
)
