"""The contract every rule module follows, and the context the engine hands it.

A rule module holds, in order: its docstring (the documentation: What it does / Why is this
bad? / Example / Use instead / Fix safety / References), ``RULE`` (identity), ``check(ctx)``
(yields diagnostics) and ``EXAMPLES`` (bad and good configurations with the codes they must
produce). The docs generator and the test suite both read ``EXAMPLES``, so a rule cannot ship
undocumented or untested.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Literal

from torchlint.diagnostics import Diagnostic, Fix, Location, Related, Severity
from torchlint.targets import Target, describe

if TYPE_CHECKING:
    from torchlint.index.probe import Probe
    from torchlint.project.model import DeclaredRequirement, Project
    from torchlint.routing import Router

Needs = Literal["config", "listing", "metadata"]
FixAvailability = Literal["none", "sometimes", "always"]


@dataclass(frozen=True, slots=True)
class Rule:
    code: str
    #: kebab-case, reads as "allow <name>" (ruff's convention).
    name: str
    severity: Severity
    needs: Needs
    summary: str
    fix_availability: FixAvailability = "none"
    #: Opt-in (``--pedantic``, or the exact code in ``--select`` / ``--extend-select``): findings
    #: that are true but speculative (cost estimates, sort-order accidents, index hygiene).
    pedantic: bool = False


@dataclass(frozen=True, slots=True)
class Example:
    """A configuration and the codes torchlint must report on it (offline, on the snapshot)."""

    kind: Literal["bad", "good"]
    pyproject: str
    expect: tuple[str, ...] = ()
    title: str = ""
    #: For a fix: the expected text after ``--fix`` (``--unsafe-fixes`` when the fix is unsafe).
    fixed: str | None = None


@dataclass
class Activation:
    """The extras and groups active for a requirement (uv forks on these)."""

    extras: tuple[str, ...] = ()
    groups: tuple[str, ...] = ()


@dataclass
class RuleContext:
    project: Project
    targets: list[Target]
    router: Router
    probe: Probe | None
    rule: Rule | None = None
    diagnostics: list[Diagnostic] = field(default_factory=list)
    _targets_memo: dict[tuple[int, tuple[str, ...], tuple[str, ...]], tuple[object, list[Target]]] = field(
        default_factory=dict, repr=False
    )

    def activation(self, req: DeclaredRequirement) -> Activation:
        if req.scope.kind == "extra" and req.scope.name:
            return Activation(extras=(req.scope.name,))
        if req.scope.kind == "group" and req.scope.name:
            return Activation(groups=(req.scope.name,))
        return Activation()

    def targets_for(self, req: DeclaredRequirement) -> list[Target]:
        """Targets on which *req* is part of the resolution (its marker holds).

        Memoised per (marker object, extras, groups): requirements parsed alike share their
        marker, so a file with a hundred thousand of them asks each target once per marker.
        """
        act = self.activation(req)
        marker = req.marker
        key = (id(marker), act.extras, act.groups)
        hit = self._targets_memo.get(key)
        if hit is not None and hit[0] is marker:
            return list(hit[1])
        found = [t for t in self.targets if t.matches(marker, act.extras, act.groups)]
        self._targets_memo[key] = (marker, found)
        return list(found)

    def diagnostic(
        self,
        message: str,
        location: Location,
        *,
        targets: Sequence[Target] = (),
        related: Iterable[Related] = (),
        evidence: Iterable[str] = (),
        help: str | None = None,
        fix: Fix | None = None,
        severity: Severity | None = None,
        basis: str = "config",
    ) -> Diagnostic:
        """Build a diagnostic for the current rule, applying the severity policy.

        A warning about a required target (``required-environments`` or ``[tool.torchlint]
        targets``) is an error: the user has said that target must work.
        """
        assert self.rule is not None
        sev: Severity = severity or self.rule.severity
        if sev == "warning" and any(t.required for t in targets):
            sev = "error"
        return Diagnostic(
            code=self.rule.code,
            name=self.rule.name,
            severity=sev,
            message=message,
            location=location,
            targets=tuple(t.name for t in targets),
            related=tuple(related),
            evidence=tuple(evidence),
            help=help,
            fix=fix,
            basis=basis,
            extra={"targets_summary": describe(targets)} if targets else {},
        )


CheckFn = "Callable[[RuleContext], Iterator[Diagnostic]]"


def no_diagnostics() -> Iterator[Diagnostic]:
    return iter(())
