"""## What it does
Checks how extras and dependency groups select a PyTorch variant (CPU, CUDA, ROCm, XPU):

* a `[tool.uv.sources]` entry that selects an extra or group with its `marker`
  (`marker = "extra == 'cuda'"`) instead of the `extra = "cuda"` / `group = "cuda"` key;
* extras or groups that route the same package to different indexes (or one to an index and
  one to the default index) without a `[tool.uv] conflicts` entry declaring them mutually
  exclusive (two indexes: `uv lock` stops with "conflicting indexes", an error; an index and
  the default routing: uv locks and every extra gets the routed build, a warning);
* a source `extra` / `group` that names an extra or group the project does not define (uv
  rejects the project: error);
* a package declared in `[project] dependencies` that extras or groups also route to variant
  indexes, when the variants do not pin their build (`==2.7.1+cpu` forces it; `>=2.7` does not);
* uv workspace members whose sources route one package to different indexes (one lock serves
  the whole workspace: uv stops with "conflicting indexes"; error).

## Why is this bad?
uv resolves one lock for every extra and group. Only the `extra =` / `group =` keys tell uv
that a source belongs to one extra, and only `conflicts` lets uv fork the resolution so that
`--extra cpu` and `--extra cu126` get different torch builds. With a marker instead, or without
`conflicts`, uv resolves one torch for every extra: `uv sync --extra cpu` still installs the
CUDA build (astral-sh/uv#17108), or the lock stops with "Requirements contain conflicting
indexes". A torch in base `dependencies` next to variant extras is resolved for the base fork
too, where it comes from the default index; older uv versions produced locks whose base torch
lacked the CUDA runtime dependencies (astral-sh/uv#14237). uv 0.13 gives each variant its own
build, so that combination is only an info (`--pedantic`).

## Example
```toml
[project.optional-dependencies]
cuda = ["torch>=2.7.0"]
cpu = ["torch>=2.7.0"]

[tool.uv.sources]
torch = { index = "pytorch-cu126", marker = "extra == 'cuda'" }
```

## Use instead
```toml
[tool.uv]
conflicts = [[{ extra = "cpu" }, { extra = "cuda" }]]

[tool.uv.sources]
torch = [
  { index = "pytorch-cpu", extra = "cpu" },
  { index = "pytorch-cu126", extra = "cuda" },
]
```

## Fix safety
Two unsafe fixes. A marker that only says `extra == 'x'` becomes the `extra = "x"` key. Extras
or groups that route a package to different indexes without `conflicts` are declared mutually
exclusive: the fix adds `conflicts = [[{ extra = "cpu" }, { extra = "cu124" }]]` to `[tool.uv]`
(or appends the set to an existing `conflicts` array). Both change which torch each extra
installs (uv forks the resolution), and a project that wants two of these extras installed
together needs another layout; there is no fix for the other findings.

## References
- uv guide, "Using uv with PyTorch": configuring accelerators with optional dependencies
- astral-sh/uv#17108, astral-sh/uv#14237, astral-sh/uv#9160
"""

from __future__ import annotations

import difflib
import re
from collections.abc import Iterator

from torchlint.diagnostics import Diagnostic, Fix, Location, Related
from torchlint.project.model import DeclaredRequirement, SourceEntry
from torchlint.project.requirements import canonical
from torchlint.rules.base import Example, Rule, RuleContext
from torchlint.rules.config_helpers import (
    Activator,
    conflict_sets,
    declared_conflicting,
    describe_activator,
    marker_selectors,
    mirrors,
    pytorch,
)
from torchlint.rules.workspace_conflicts import workspace_index_conflicts

RULE = Rule(
    code="TL004",
    name="variant-selector",
    severity="warning",
    needs="config",
    summary="extras/groups used as a backend switch without `extra =`/`group =` keys or `conflicts`",
    fix_availability="sometimes",
)


def _selects(entry: SourceEntry) -> list[Activator]:
    """The extras/groups an entry is scoped to, by key or by marker."""
    out: list[Activator] = []
    if entry.extra:
        out.append(("extra", entry.extra))
    if entry.group:
        out.append(("group", entry.group))
    for act in marker_selectors(entry.marker_raw):
        if act not in out:
            out.append(act)
    return out


def _route_label(key: tuple[str, ...]) -> str:
    if not key:
        return "the default routing"
    return ", ".join(f"`{k}`" for k in key)


def check(ctx: RuleContext) -> Iterator[Diagnostic]:
    yield from _marker_selectors(ctx)
    yield from _unknown_scopes(ctx)
    yield from _missing_conflicts(ctx)
    yield from _base_and_variants(ctx)
    yield from workspace_index_conflicts(ctx)


def _marker_selectors(ctx: RuleContext) -> Iterator[Diagnostic]:
    if ctx.project.manager != "uv":
        return  # Poetry and PDM evaluate `extra` in a dependency's marker as written
    for package, entries in ctx.project.sources.items():
        for entry in entries:
            acts = marker_selectors(entry.marker_raw)
            if not acts or entry.location is None:
                continue
            keys = ", ".join(f'{k} = "{n}"' for k, n in acts)
            names = " and ".join(describe_activator(a) for a in acts)
            target = f"index `{entry.index}`" if entry.index else "its source"
            # uv reads `extra == 'x'` in a source marker as true (the source applies to every
            # declaration): that changes something only where the package is declared outside
            # the selected extras; negated terms (`extra != 'y'`) were read differently across uv
            # releases (astral-sh/uv#17967), so those are not certain either
            reqs = ctx.project.requirements_named(package)
            contained = bool(reqs) and all(
                r.scope.kind in ("extra", "group")
                and (str(r.scope.kind), canonical(r.scope.name or "")) in acts
                for r in reqs
            )
            negated = _NEGATED.search(entry.marker_raw or "") is not None
            yield ctx.diagnostic(
                f'source for `{package}` selects {names} with `marker = "{entry.marker_raw}"`: '
                f"uv scopes a source to an extra or group only with the `extra =` / `group =` key, so "
                f"`{package}` from {target} is not tied to {names} and one `{package}` is resolved for every extra",
                entry.location,
                help=f"write `{keys}` in the entry instead of the marker, and declare the variants "
                "mutually exclusive in `[tool.uv] conflicts`",
                fix=_key_fix(ctx, entry),
                severity="info" if contained or negated else None,
            )


_NEGATED = re.compile(r"""extra\s*!=|!=\s*extra|\bnot\s+in\b""")
_ONLY_EXTRA = re.compile(r"""^\s*(?:extra\s*==\s*['"]([^'"]+)['"]|['"]([^'"]+)['"]\s*==\s*extra)\s*$""")


def _key_fix(ctx: RuleContext, entry: SourceEntry) -> Fix | None:
    """``marker = "extra == 'x'"`` → ``extra = "x"`` when the marker says nothing else.

    Unsafe: the entry becomes really scoped to the extra, so uv forks on it (which is what the
    marker meant, but the resolution changes).
    """
    from torchlint.fix import builders
    from torchlint.fix.ops import SetInlineTable

    m = _ONLY_EXTRA.match(entry.marker_raw or "")
    path = builders.source_path(ctx.project, entry)
    if m is None or path is None or entry.extra is not None:
        return None
    name = m.group(1) or m.group(2)
    items = [(k, str(v)) for k, v in entry.raw.items() if k != "marker" and isinstance(v, str)]
    if len(items) != len(entry.raw) - 1:
        return None  # a non-string value we would not rewrite faithfully
    return Fix(
        "unsafe",
        f'scope the source with `extra = "{name}"` instead of the marker',
        ops=(SetInlineTable(path, (*items, ("extra", name))),),
    )


def _unknown_scopes(ctx: RuleContext) -> Iterator[Diagnostic]:
    project = ctx.project
    for package, entries in project.sources.items():
        for entry in entries:
            for kind, name, defined in (
                ("extra", entry.extra, project.extras),
                ("group", entry.group, project.groups),
            ):
                if name is None or name in defined or entry.location is None:
                    continue
                close = difflib.get_close_matches(name, defined, n=1, cutoff=0.6)
                where = "[project.optional-dependencies]" if kind == "extra" else "[dependency-groups]"
                listed = ", ".join(f"`{d}`" for d in defined) or "none"
                yield ctx.diagnostic(
                    f"source for `{package}` applies to {kind} `{name}`, which the project does not define "
                    f"in {where} (defined: {listed}); uv rejects the project",
                    entry.location,
                    help=f"did you mean `{close[0]}`?" if close else f"define the {kind} or remove the entry",
                    severity="error",
                )


def _missing_conflicts(ctx: RuleContext) -> Iterator[Diagnostic]:
    project = ctx.project
    if project.manager != "uv":
        return  # pixi solves each environment (feature set) on its own; `conflicts` is uv's
    sets = conflict_sets(project)
    # uncovered pairs -> packages, first entry location
    found: dict[tuple[tuple[Activator, Activator], ...], list[tuple[str, SourceEntry | None, str, bool]]] = {}
    for package, entries in project.effective_sources().items():
        scoped = [(e, _selects(e)) for e in entries if e.kind == "index" and e.index]
        if not any(acts for _, acts in scoped):
            continue
        declared: list[Activator] = []
        for req in project.requirements_named(package):
            if req.scope.kind in ("extra", "group") and req.scope.name:
                act: Activator = (str(req.scope.kind), req.scope.name)
                if act not in declared:
                    declared.append(act)
        if len(declared) < 2:
            continue
        keys: dict[Activator, tuple[str, ...]] = {}
        for act in declared:
            idx = tuple(sorted({e.index for e, acts in scoped if act in acts and e.index}))
            keys[act] = idx
        if len(set(keys.values())) < 2:
            continue
        pairs: list[tuple[Activator, Activator]] = []
        for i, a in enumerate(declared):
            for b in declared[i + 1 :]:
                if keys[a] != keys[b] and not declared_conflicting(sets, a, b):
                    pairs.append((a, b))
        if not pairs:
            continue
        count: dict[Activator, int] = {}
        for a, b in pairs:
            count[a] = count.get(a, 0) + 1
            count[b] = count.get(b, 0) + 1
        worst = max(count, key=lambda k: count[k])
        first = next((e for e, acts in scoped if worst in acts), None) or next(
            (e for e, acts in scoped if acts), None
        )
        detail = "; ".join(
            f"{describe_activator(a)} → {_route_label(keys[a])}, {describe_activator(b)} → {_route_label(keys[b])}"
            for a, b in pairs[:4]
        )
        if len(pairs) > 4:
            detail += f"; … ({len(pairs)} pairs in all)"
        # a variant left on the default routing beside one routed elsewhere is harmless when the
        # routed one is in a declared `conflicts` set: uv then has a fork without it, where the
        # default-routed variant resolves on its own (only both together share one build)
        hard = any(
            not (
                (not keys[a] and any(b in cs for cs in sets)) or (not keys[b] and any(a in cs for cs in sets))
            )
            for a, b in pairs
        )
        found.setdefault(tuple(pairs), []).append((package, first, detail, hard))
    for uncovered, items in found.items():
        packages = ", ".join(f"`{p}`" for p, _, _, _ in items)
        _, first, detail, _ = items[0]
        names = sorted({a for pair in uncovered for a in pair})
        location = (
            first.location
            if first is not None and first.location is not None
            else project.requirements_named(items[0][0])[0].location
        )
        related = []
        if project.uv.conflicts is not None and project.uv.conflicts.location is not None:
            related.append(Related("`conflicts` is declared here", project.uv.conflicts.location))
        conflict = ", ".join(f'{{ {k} = "{n}" }}' for k, n in names)
        hard = any(h for _, _, _, h in items)
        stops = _lock_stops(ctx, [p for p, _, _, _ in items])
        consequence = (
            'uv lock stops with "conflicting indexes"'
            if stops
            else "uv resolves them together, so one build serves every variant"
        )
        yield ctx.diagnostic(
            f"{packages} routed to different indexes per extra/group ({detail}), but `[tool.uv] conflicts` "
            f"does not declare these mutually exclusive: {consequence}",
            location,
            related=related,
            help=f"add `conflicts = [[{conflict}]]` to `[tool.uv]`",
            fix=_conflicts_fix(ctx, location, names, conflict),
            severity="error" if stops else (None if hard else "info"),
        )


def _lock_stops(ctx: RuleContext, packages: list[str]) -> bool:
    """Does the resolution model see two indexes for one of *packages* in one fork (uv's
    "Requirements contain conflicting indexes" error, checked with real uv)?"""
    if ctx.probe is None:
        return False
    from torchlint.rules.model_helpers import model

    return any(o.package in packages for o in model(ctx).failing(("conflict",)))


def _conflicts_fix(ctx: RuleContext, location: Location, names: list[Activator], text: str) -> Fix | None:
    """Declare the extras/groups mutually exclusive in ``[tool.uv] conflicts`` (unsafe: uv forks)."""
    from torchlint.fix.ops import AddConflict

    project = ctx.project
    if project.manager != "uv" or location.filename != project.file.display:
        return None
    declared = project.uv.conflicts
    if (
        declared is not None
        and declared.location is not None
        and declared.location.filename != location.filename
    ):
        return None  # declared in a uv.toml: the set belongs there
    return Fix(
        "unsafe",
        f"declare [{text}] mutually exclusive in `[tool.uv] conflicts`",
        ops=(AddConflict(tuple(names)),),
    )


def _routed_somewhere(
    ctx: RuleContext, req: DeclaredRequirement, entries: list[tuple[SourceEntry, list[Activator]]]
) -> bool:
    """Does a variant entry scoped to *req*'s extra/group apply on a target where *req* holds?"""
    act = ctx.activation(req)
    mine = (str(req.scope.kind), req.scope.name)
    return any(
        t.matches(req.marker, act.extras, act.groups) and t.matches(e.marker, act.extras, act.groups)
        for t in ctx.targets
        for e, acts in entries
        if mine in acts
    )


def _pins_local(req: DeclaredRequirement) -> bool:
    return any(spec.operator in ("==", "===") and "+" in spec.version for spec in req.specifier)


def _base_and_variants(ctx: RuleContext) -> Iterator[Diagnostic]:
    project = ctx.project
    mm = mirrors(ctx)
    for package, entries in project.sources.items():
        base = [r for r in project.requirements_named(package) if r.scope.kind == "project"]
        if not base:
            continue
        variant_entries = []
        for e in entries:
            acts = _selects(e)
            if not acts or e.kind != "index" or not e.index:
                continue
            idx = ctx.router.index_named(e.index)
            if idx is None or pytorch(idx, mm) is None:
                continue
            variant_entries.append((e, acts))
        if not variant_entries:
            continue
        scopes = {a for _, acts in variant_entries for a in acts}
        scoped_reqs = [
            r
            for r in project.requirements_named(package)
            if r.scope.kind != "project"
            and (r.scope.kind, r.scope.name) in scopes
            and _routed_somewhere(ctx, r, variant_entries)
        ]
        if scoped_reqs and all(_pins_local(r) for r in scoped_reqs):
            continue  # `==2.7.1+cpu` in each variant: the fork's build is forced, whatever the base says
        for req in base:
            targets = []
            for t in ctx.targets_for(req):
                if any(
                    t.matches(e.marker, [a[1]] if a[0] == "extra" else [], [a[1]] if a[0] == "group" else [])
                    for e, acts in variant_entries
                    for a in acts
                ):
                    targets.append(t)
            if not targets:
                continue
            indexes = ", ".join(sorted({f"`{e.index}`" for e, _ in variant_entries}))
            by = ", ".join(sorted({describe_activator(a) for _, acts in variant_entries for a in acts}))
            when = "unconditionally" if req.marker is None else f"(marker `{req.marker}`)"
            # uv 0.13 gives each extra or group its own build here (checked with real uv on the
            # local index, and in the corpus' own locks): a note, not a failure
            yield ctx.diagnostic(
                f"`{package}` is declared {when} in [project] dependencies and also routed to variant indexes "
                f"{indexes} by {by}: without a variant selected, the base requirement comes from the default "
                "routing (older uv versions produced locks where that base build lacked its accelerator "
                "dependencies, astral-sh/uv#14237)",
                req.location,
                targets=targets,
                related=[Related("variant source", e.location) for e, _ in variant_entries[:3] if e.location],
                help=f"nothing fails with current uv; declaring `{package}` only in the variant extras/groups "
                "makes the choice explicit",
                severity="info",
            )


EXAMPLES = (
    Example(
        "bad",
        """\
[project]
name = "demo"
version = "0.1.0"
requires-python = ">=3.10"
dependencies = []

[project.optional-dependencies]
cuda = ["torch>=2.7.0", "torchvision>=0.22.0"]
cpu = ["torch>=2.7.0", "torchvision>=0.22.0"]

[tool.uv.sources]
torch = { index = "pytorch-cu126", marker = "extra == 'cuda'" }
torchvision = { index = "pytorch-cu126", marker = "extra == 'cuda'" }

[[tool.uv.index]]
name = "pytorch-cu126"
url = "https://download.pytorch.org/whl/cu126"
explicit = true
""",
        expect=("TL004",),
        title="an extra selected with a marker, no `conflicts` (astral-sh/uv#17108)",
        fixed="""\
[project]
name = "demo"
version = "0.1.0"
requires-python = ">=3.10"
dependencies = []

[project.optional-dependencies]
cuda = ["torch>=2.7.0", "torchvision>=0.22.0"]
cpu = ["torch>=2.7.0", "torchvision>=0.22.0"]

[tool.uv]
conflicts = [[{ extra = "cpu" }, { extra = "cuda" }]]

[tool.uv.sources]
torch = { index = "pytorch-cu126", extra = "cuda" }
torchvision = { index = "pytorch-cu126", extra = "cuda" }

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
dependencies = []

[project.optional-dependencies]
cpu = ["torch>=2.7.0"]
cu126 = ["torch>=2.7.0"]

[tool.uv.sources]
torch = [
  { index = "pytorch-cpu", extra = "cpu" },
  { index = "pytorch-cu126", extra = "cu126" },
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
        expect=("TL004",),
        title='backend extras without `conflicts`: uv stops with "conflicting indexes for package `torch`"',
        fixed="""\
[project]
name = "demo"
version = "0.1.0"
requires-python = ">=3.10"
dependencies = []

[project.optional-dependencies]
cpu = ["torch>=2.7.0"]
cu126 = ["torch>=2.7.0"]

[tool.uv]
conflicts = [[{ extra = "cpu" }, { extra = "cu126" }]]

[tool.uv.sources]
torch = [
  { index = "pytorch-cpu", extra = "cpu" },
  { index = "pytorch-cu126", extra = "cu126" },
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

[dependency-groups]
cpu = ["torch>=2.6.0"]
cu126 = ["torch>=2.6.0"]

[tool.uv]
conflicts = [[{ group = "cpu" }, { group = "cu126" }]]

[tool.uv.sources]
torch = [
  { index = "pytorch-cpu", group = "cpu" },
  { index = "pytorch-cu126", group = "cu126" },
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
        expect=("TL004",),
        title="torch in base dependencies and in variant groups (astral-sh/uv#14237)",
    ),
    Example(
        "good",
        """\
[project]
name = "demo"
version = "0.1.0"
requires-python = ">=3.10"
dependencies = []

[project.optional-dependencies]
cpu = ["torch>=2.7.0", "torchvision>=0.22.0"]
cu126 = ["torch>=2.7.0", "torchvision>=0.22.0"]

[tool.uv]
conflicts = [[{ extra = "cpu" }, { extra = "cu126" }]]

[tool.uv.sources]
torch = [
  { index = "pytorch-cpu", extra = "cpu" },
  { index = "pytorch-cu126", extra = "cu126" },
]
torchvision = [
  { index = "pytorch-cpu", extra = "cpu" },
  { index = "pytorch-cu126", extra = "cu126" },
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
