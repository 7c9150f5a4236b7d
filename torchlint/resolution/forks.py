"""The extras and groups uv resolves together: one fork per choice among ``conflicts``.

uv locks every extra and dependency group of a project in one universal resolution, except that
members of a ``[tool.uv] conflicts`` set are never active together: uv forks once per member (and
once with none of them). Everything else is active in every fork.
"""

from __future__ import annotations

import itertools
from dataclasses import dataclass

from torchlint.project.model import DeclaredRequirement, Project
from torchlint.rules.config_helpers import Activator, canonical, conflict_sets

#: More forks than this are not enumerated (the rest are represented by the first ones).
MAX_FORKS = 32


@dataclass(frozen=True, slots=True)
class Fork:
    """One activation uv resolves: the extras and groups active in it."""

    extras: frozenset[str]
    groups: frozenset[str]
    #: The members of ``conflicts`` sets this fork selects (empty: the base fork).
    chosen: tuple[Activator, ...] = ()

    @property
    def label(self) -> str:
        if not self.chosen:
            return "base"
        return ", ".join(f"{kind} `{name}`" for kind, name in self.chosen)

    def applies(self, req: DeclaredRequirement) -> bool:
        """Is *req* part of the resolution in this fork (by its scope)?"""
        scope = req.scope
        if scope.kind == "project" or scope.name is None:
            return True
        name = canonical(scope.name)
        return name in (self.extras if scope.kind == "extra" else self.groups)


def activation_forks(project: Project) -> list[Fork]:
    """The forks uv makes for *project*: the base one first, then one per conflicting choice."""
    extras = {canonical(e) for e in project.extras}
    groups = {canonical(g) for g in project.groups}
    for req in project.requirements:  # loaders record scopes; be robust to ones not listed
        if req.scope.kind == "extra" and req.scope.name:
            extras.add(canonical(req.scope.name))
        elif req.scope.kind == "group" and req.scope.name:
            groups.add(canonical(req.scope.name))
    sets = [s for s in conflict_sets(project) if len(s) >= 2]
    conflicting = set().union(*sets) if sets else set()
    free_extras = frozenset(e for e in extras if ("extra", e) not in conflicting)
    free_groups = frozenset(g for g in groups if ("group", g) not in conflicting)
    forks: list[Fork] = []
    seen: set[tuple[frozenset[str], frozenset[str]]] = set()
    options = [[None, *sorted(s)] for s in sets]
    for combo in itertools.islice(itertools.product(*options), MAX_FORKS * 4):
        chosen = tuple(dict.fromkeys(c for c in combo if c is not None))
        if any(_together(a, b, sets) for a, b in itertools.combinations(chosen, 2)):
            continue
        fork_extras = free_extras | {n for k, n in chosen if k == "extra"}
        fork_groups = free_groups | {n for k, n in chosen if k == "group"}
        key = (fork_extras, fork_groups)
        if key in seen:
            continue
        seen.add(key)
        forks.append(Fork(fork_extras, fork_groups, chosen))
        if len(forks) >= MAX_FORKS:
            break
    return forks or [Fork(free_extras, free_groups)]


def _together(a: Activator, b: Activator, sets: list[set[Activator]]) -> bool:
    return any(a in s and b in s for s in sets)
