"""## What it does
Checks the environment markers that route PyTorch packages:

* `platform_system` compared with a `sys_platform` value (`'darwin'`, `'linux'`, `'win32'`),
  `sys_platform` compared with a `platform_system` value (`'Darwin'`, `'Linux'`, `'Windows'`),
  and other case errors: such a comparison is never true (`==`) or always true (`!=`);
* a sources entry that applies on no platform and Python at all;
* two sources entries of one package that both match on some target with different
  destinations: uv takes the first, so the second never applies there (the targets are named);
* the `platform_system != 'Darwin'` CPU-index workaround from the 2024 uv guide (info).

## Why is this bad?
Markers fail silently. `platform_system == 'darwin'` is false everywhere (`platform_system` is
`Darwin` on macOS), so the macOS entry never applies and macOS falls back to the default index.
Overlapping entries look like a per-platform split but the first entry wins on the overlap, so
the variant a target gets depends on the order of the list. The Darwin workaround was needed
before uv 0.5.12 learned to fall back from `+cpu` to the macOS build; the guide dropped it in
December 2024 and now uses `sys_platform` markers.

## Example
```toml
[tool.uv.sources]
torch = [
  { index = "pytorch-cu126", marker = "platform_system == 'linux'" },
  { index = "pytorch-cpu", marker = "platform_system == 'darwin'" },
]
```

## Use instead
```toml
[tool.uv.sources]
torch = [
  { index = "pytorch-cu126", marker = "sys_platform == 'linux'" },
  { index = "pytorch-cpu", marker = "sys_platform == 'darwin'" },
]
```

## Fix safety
A never-true comparison in a `[tool.uv.sources]` entry's marker is rewritten to the canonical
one (`platform_system == 'linux'` → `sys_platform == 'linux'`). Unsafe: the entry starts
applying on the platforms the marker names, which changes where the package comes from there.
There is no fix for markers elsewhere, for overlapping entries or for the Darwin workaround.

## References
- uv guide, "Using uv with PyTorch" (history: astral-sh/uv#9210, #10046, #11113)
- PEP 508 environment markers; Python docs for `sys.platform` and `platform.system()`
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass

from torchlint.diagnostics import Diagnostic, Fix, Location, Related
from torchlint.project.model import SourceEntry
from torchlint.rules.base import Example, Rule, RuleContext
from torchlint.rules.config_helpers import mirrors, pytorch
from torchlint.targets import NEWEST_PYTHON, OLDEST_PYTHON, PLATFORMS, Target, describe

RULE = Rule(
    code="TL007",
    name="marker-hygiene",
    severity="warning",
    needs="config",
    summary="markers that are never true (`platform_system == 'darwin'`), overlapping sources entries, the obsolete Darwin workaround",
    fix_availability="sometimes",
)

_OP = r"(===|==|!=)"
_CMP = re.compile(rf"""\b(platform_system|sys_platform|os_name)\s*{_OP}\s*(['"])([^'"]*)\3""")
_CMP_REV = re.compile(rf"""(['"])([^'"]*)\1\s*{_OP}\s*(platform_system|sys_platform|os_name)\b""")

_VALID = {
    "platform_system": {
        "Darwin",
        "Linux",
        "Windows",
        "Java",
        "FreeBSD",
        "OpenBSD",
        "NetBSD",
        "AIX",
        "SunOS",
        "Emscripten",
    },
    "sys_platform": {
        "linux",
        "darwin",
        "win32",
        "cygwin",
        "emscripten",
        "wasi",
        "aix",
        "freebsd",
        "ios",
        "android",
    },
    "os_name": {"posix", "nt", "java"},
}
#: value (lower case) -> (platform_system value, sys_platform value, os_name value)
_OS = {
    "darwin": ("Darwin", "darwin", "posix"),
    "macos": ("Darwin", "darwin", "posix"),
    "osx": ("Darwin", "darwin", "posix"),
    "linux": ("Linux", "linux", "posix"),
    "windows": ("Windows", "win32", "nt"),
    "win32": ("Windows", "win32", "nt"),
    "win64": ("Windows", "win32", "nt"),
    "win": ("Windows", "win32", "nt"),
    "nt": ("Windows", "win32", "nt"),
}
_INDEX = {"platform_system": 0, "sys_platform": 1, "os_name": 2}


@dataclass(frozen=True)
class _Bad:
    variable: str
    op: str
    value: str
    fix: str


def bad_comparisons(marker: str) -> list[_Bad]:
    """Comparisons in *marker* whose value the variable never takes (wrong variable or case)."""
    out: list[_Bad] = []
    found = [(m.group(1), m.group(2), m.group(4)) for m in _CMP.finditer(marker)]
    found += [(m.group(4), m.group(3), m.group(2)) for m in _CMP_REV.finditer(marker)]
    for var, op, value in found:
        if value in _VALID[var]:
            continue
        os_ = _OS.get(value.lower())
        if os_ is None:
            continue
        right = os_[_INDEX[var]]
        fix = f"sys_platform {op} '{os_[1]}'" if var != "os_name" else f"{var} {op} '{right}'"
        out.append(_Bad(var, op, value, fix))
    return out


def _marker_places(ctx: RuleContext) -> Iterator[tuple[str, str, Location]]:
    """(what, marker string, location) for every marker the configuration writes."""
    for package, entries in ctx.project.sources.items():
        for e in entries:
            if e.marker_raw and e.location is not None:
                yield f"the source for `{package}`", e.marker_raw, e.location
    for req in [*ctx.project.requirements, *ctx.project.constraints]:
        if req.marker is not None:
            yield f"the requirement `{req.raw.strip()}`", str(req.marker), req.location
    for key, envs in (
        ("environments", ctx.project.uv.environments),
        ("required-environments", ctx.project.uv.required_environments),
    ):
        for env in envs:
            yield f"`{key}`", env.raw, env.location


def check(ctx: RuleContext) -> Iterator[Diagnostic]:
    reported: set[int] = set()
    seen: set[tuple[int, int, str]] = set()
    for what, marker, location in _marker_places(ctx):
        for bad in bad_comparisons(marker):
            key = (location.row, location.column, bad.value)
            if key in seen:
                continue
            seen.add(key)
            reported.add(id(location))
            truth = "never true" if bad.op != "!=" else "always true"
            takes = ", ".join(f"'{v}'" for v in sorted(_VALID[bad.variable])[:3])
            yield ctx.diagnostic(
                f"`{bad.variable} {bad.op} '{bad.value}'` in {what} is {truth}: `{bad.variable}` is never "
                f"'{bad.value}' (it takes values like {takes})",
                location,
                help=f"write `{bad.fix}`",
                fix=_marker_fix(ctx, location, marker, bad),
            )
    yield from _darwin_workaround(ctx)
    yield from _never_applies(ctx, reported)
    yield from _overlaps(ctx)


def _marker_fix(ctx: RuleContext, location: Location, marker: str, bad: _Bad) -> Fix | None:
    """Rewrite the comparison in a sources entry's marker to the canonical one.

    Unsafe: the entry starts (or stops) applying on the platforms the marker names, which is what
    it was evidently meant to do, but it changes where packages come from there.
    """
    import re

    from torchlint.fix import builders

    for entries in ctx.project.sources.values():
        for e in entries:
            if e.location != location or e.marker_raw != marker:
                continue
            pattern = re.compile(rf"{bad.variable}\s*{re.escape(bad.op)}\s*['\"]{re.escape(bad.value)}['\"]")
            new = pattern.sub(bad.fix, marker, count=1)
            path = builders.source_path(ctx.project, e)
            if new == marker or path is None:
                return None
            return Fix("unsafe", f"write `{bad.fix}`", ops=(builders.set_in(path, "marker", new),))
    return None


def _darwin_workaround(ctx: RuleContext) -> Iterator[Diagnostic]:
    mm = mirrors(ctx)
    pattern = re.compile(r"""platform_system\s*!=\s*['"]Darwin['"]""")
    for package, entries in ctx.project.sources.items():
        for e in entries:
            if not e.marker_raw or e.location is None or not pattern.search(e.marker_raw) or not e.index:
                continue
            idx = ctx.router.index_named(e.index)
            pt = pytorch(idx, mm) if idx is not None else None
            if pt is None or pt.kind != "cpu":
                continue
            yield ctx.diagnostic(
                f"the source for `{package}` uses the 2024 guide's `platform_system != 'Darwin'` workaround for "
                f"CPU index `{e.index}`: since uv 0.5.12 macOS can use the CPU index too (uv falls back from "
                "`+cpu` to the macOS build), and the guide now writes `sys_platform` markers",
                e.location,
                help="drop the marker (CPU everywhere), or write positive `sys_platform` markers per platform",
                severity="info",
            )


def _contexts(ctx: RuleContext) -> list[tuple[tuple[str, ...], tuple[str, ...]]]:
    out: list[tuple[tuple[str, ...], tuple[str, ...]]] = [((), ())]
    out += [((x,), ()) for x in ctx.project.extras]
    out += [((), (g,)) for g in ctx.project.groups]
    return out


def _all_targets() -> list[Target]:
    return [Target(p, (3, m)) for p in PLATFORMS for m in range(OLDEST_PYTHON[1], NEWEST_PYTHON[1] + 1)]


def _never_applies(ctx: RuleContext, reported: set[int]) -> Iterator[Diagnostic]:
    everything = _all_targets()
    for package, entries in ctx.project.sources.items():
        for e in entries:
            if e.marker is None or e.location is None or id(e.location) in reported:
                continue
            ex = [e.extra] if e.extra else list(ctx.project.extras)
            gr = [e.group] if e.group else list(ctx.project.groups)
            ok = any(
                t.matches(e.marker, [x], [g] if g else [])
                for t in everything
                for x in [*ex, ""]
                for g in [*gr, ""]
            )
            if ok:
                continue
            yield ctx.diagnostic(
                f'the source for `{package}` has `marker = "{e.marker_raw}"`, which holds on no platform and '
                "Python version: the entry never applies",
                e.location,
                help="fix the marker or remove the entry",
            )


def _destination(e: SourceEntry) -> str:
    if e.kind == "index":
        return f"index `{e.index}`"
    return f"{e.kind} source"


def _overlaps(ctx: RuleContext) -> Iterator[Diagnostic]:
    if ctx.project.manager == "pixi":
        return  # a pixi target table replaces the general entry; named platforms are separate solves
    contexts = _contexts(ctx)
    for package, entries in ctx.project.sources.items():
        if len(entries) < 2:
            continue
        pairs: dict[tuple[int, int], list[Target]] = {}
        wins: set[int] = set()
        for t in ctx.targets:
            for ex, gr in contexts:
                applicable = ctx.router.applicable_sources(package, t, ex, gr)
                if applicable:
                    wins.add(entries.index(applicable[0]))
                if len(applicable) < 2:
                    continue
                first = applicable[0]
                for other in applicable[1:]:
                    if _destination(other) == _destination(first) and other.raw == first.raw:
                        continue
                    if _destination(other) == _destination(first):
                        continue
                    key = (entries.index(first), entries.index(other))
                    lst = pairs.setdefault(key, [])
                    if t not in lst:
                        lst.append(t)
        for (i, j), targets in pairs.items():
            first, other = entries[i], entries[j]
            if other.location is None:
                continue
            related = [Related("this entry wins", first.location)] if first.location else []
            yield ctx.diagnostic(
                f"sources entries {i + 1} and {j + 1} for `{package}` both match on {describe(targets)}: uv uses "
                f"the first ({_destination(first)}), so entry {j + 1} ({_destination(other)}) never applies there",
                other.location,
                targets=targets,
                related=related,
                help="make the markers disjoint (e.g. `sys_platform == 'linux'` / `sys_platform != 'linux'`)",
                # an entry that wins elsewhere is only shadowed where both match: uv accepts it
                severity="info" if j in wins and not any(t.required for t in targets) else None,
            )


EXAMPLES = (
    Example(
        "bad",
        """\
[project]
name = "demo"
version = "0.1.0"
requires-python = ">=3.10"
dependencies = ["torch>=2.6.0"]

[tool.uv.sources]
torch = [
  { index = "pytorch-cu126", marker = "platform_system == 'linux'" },
  { index = "pytorch-cpu", marker = "platform_system == 'darwin'" },
]

[[tool.uv.index]]
name = "pytorch-cpu"
url = "https://download.pytorch.org/whl/cpu"
explicit = true

[[tool.uv.index]]
name = "pytorch-cu126"
url = "https://download.pytorch.org/whl/cu126"
explicit = true
""",
        expect=("TL007",),
        title="`platform_system` compared with `sys_platform` values",
        fixed="""\
[project]
name = "demo"
version = "0.1.0"
requires-python = ">=3.10"
dependencies = ["torch>=2.6.0"]

[tool.uv.sources]
torch = [
  { index = "pytorch-cu126", marker = "sys_platform == 'linux'" },
  { index = "pytorch-cpu", marker = "sys_platform == 'darwin'" },
]

[[tool.uv.index]]
name = "pytorch-cpu"
url = "https://download.pytorch.org/whl/cpu"
explicit = true

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
requires-python = ">=3.10"
dependencies = ["torch>=2.6.0"]

[tool.uv.sources]
torch = [
  { index = "pytorch-cu126", marker = "sys_platform != 'darwin'" },
  { index = "pytorch-cpu", marker = "sys_platform != 'linux'" },
]

[[tool.uv.index]]
name = "pytorch-cpu"
url = "https://download.pytorch.org/whl/cpu"
explicit = true

[[tool.uv.index]]
name = "pytorch-cu126"
url = "https://download.pytorch.org/whl/cu126"
explicit = true
""",
        expect=("TL007",),
        title="overlapping entries: Windows matches both, the first wins",
    ),
    Example(
        "good",
        """\
[project]
name = "demo"
version = "0.1.0"
requires-python = ">=3.10"
dependencies = ["torch>=2.6.0"]

[tool.uv.sources]
torch = [
  { index = "pytorch-cpu", marker = "sys_platform != 'linux'" },
  { index = "pytorch-cu126", marker = "sys_platform == 'linux'" },
]

[[tool.uv.index]]
name = "pytorch-cpu"
url = "https://download.pytorch.org/whl/cpu"
explicit = true

[[tool.uv.index]]
name = "pytorch-cu126"
url = "https://download.pytorch.org/whl/cu126"
explicit = true
""",
    ),
)
