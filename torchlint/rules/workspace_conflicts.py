"""Workspace members that route one package to different indexes (part of TL004).

uv locks a workspace as one resolution: when one member's ``[tool.uv.sources]`` sends ``torch``
to the CPU index and another's to a CUDA index, and both requirements hold on some target, the
lock stops with "Requirements contain conflicting indexes for package `torch`" (checked with real
``uv lock``, ``tests/test_workspace_uv.py``). Extras and groups that ``conflicts`` declares
mutually exclusive are resolved apart and are left to the rest of TL004.
"""

from __future__ import annotations

from collections.abc import Iterator

from torchlint.diagnostics import Diagnostic, Related
from torchlint.project.model import DeclaredRequirement, SourceEntry
from torchlint.rules.base import RuleContext
from torchlint.rules.config_helpers import conflict_sets


def _first_index(ctx: RuleContext, r: DeclaredRequirement, target: object) -> SourceEntry | None:
    from torchlint.targets import Target

    assert isinstance(target, Target)
    ex = [r.scope.name] if r.scope.kind == "extra" and r.scope.name else []
    gr = [r.scope.name] if r.scope.kind == "group" and r.scope.name else []
    if not target.matches(r.marker, ex, gr):
        return None
    for e in ctx.project.sources_for(r.name, r):
        if e.extra is not None and e.extra not in ex:
            continue
        if e.group is not None and e.group not in gr:
            continue
        if target.matches(e.marker, ex, gr):
            return e if e.kind == "index" and e.index else None
    return None


def workspace_index_conflicts(ctx: RuleContext) -> Iterator[Diagnostic]:
    project = ctx.project
    if project.manager != "uv" or not project.member_sources:
        return
    exclusive = {a for s in conflict_sets(project) for a in s}
    seen: set[tuple[str, str, str]] = set()
    by_name: dict[str, list[DeclaredRequirement]] = {}
    for r in project.requirements:
        if r.scope.kind != "project" and (r.scope.kind, r.scope.name) in exclusive:
            continue
        by_name.setdefault(r.name, []).append(r)
    for name, reqs in by_name.items():
        files = {r.location.filename for r in reqs}
        if len(files) < 2:
            continue
        for i, a in enumerate(reqs):
            for b in reqs[i + 1 :]:
                if a.location.filename == b.location.filename:
                    continue
                hits = []
                for t in ctx.targets:
                    ea, eb = _first_index(ctx, a, t), _first_index(ctx, b, t)
                    if ea is not None and eb is not None and ea.index != eb.index:
                        hits.append((t, ea, eb))
                if not hits:
                    continue
                _, ea, eb = hits[0]
                key = (name, str(ea.index), str(eb.index))
                if key in seen or ea.location is None or eb.location is None:
                    continue
                seen.add(key)
                yield ctx.diagnostic(
                    f"`{name}` is routed to `{ea.index}` for {a.location.filename} and to `{eb.index}` for "
                    f'{b.location.filename}; a workspace has one lock, so uv stops with "Requirements '
                    f'contain conflicting indexes for package `{name}`"',
                    ea.location,
                    targets=[t for t, _, _ in hits],
                    related=[
                        Related(f"`{eb.index}` is chosen here", eb.location),
                        Related(f"`{name}` is declared here", a.location),
                        Related(f"`{name}` is declared here too", b.location),
                    ],
                    help=(
                        "route the package to one index for the whole workspace (in the root's "
                        "[tool.uv.sources]), or put the variants in extras declared in `conflicts`"
                    ),
                    severity="error",
                )
