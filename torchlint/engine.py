"""Rule registry, selection and the run loop.

Rules are discovered from the ``torchlint.rules`` package (one module per rule, named
``tlNNN_<name>.py``). Selection works like ruff's: ``--select`` / ``--ignore`` /
``--extend-select`` by full code or prefix (``TL2`` selects every metadata rule). A rule that
needs index data the run cannot get is skipped with a stated reason instead of guessing.
"""

from __future__ import annotations

import importlib
import pkgutil
from collections.abc import Sequence
from dataclasses import dataclass, field
from types import ModuleType

from torchlint.diagnostics import Diagnostic
from torchlint.errors import InputError
from torchlint.rules.base import Rule, RuleContext


@dataclass(frozen=True)
class RuleModule:
    rule: Rule
    module: ModuleType

    @property
    def code(self) -> str:
        return self.rule.code


_REGISTRY: list[RuleModule] | None = None


def all_rules() -> list[RuleModule]:
    """Every rule module, sorted by code."""
    global _REGISTRY
    if _REGISTRY is None:
        import torchlint.rules as pkg

        found = []
        for info in pkgutil.iter_modules(pkg.__path__):
            if not info.name.startswith("tl"):
                continue
            mod = importlib.import_module(f"torchlint.rules.{info.name}")
            rule = getattr(mod, "RULE", None)
            if isinstance(rule, Rule):
                found.append(RuleModule(rule, mod))
        _REGISTRY = sorted(found, key=lambda r: r.code)
    return _REGISTRY


def rule_by_code(code: str) -> RuleModule | None:
    code = code.strip().upper()
    for r in all_rules():
        if r.code == code or r.rule.name == code.lower():
            return r
    return None


def selector_specificity(code: str, selectors: Sequence[str]) -> int:
    """Length of the longest selector that matches *code* (0 if none); ALL matches everything.

    The one rule for selectors everywhere: CLI and settings layers, ``per-file-ignores``.
    """
    best = 0
    for s in selectors:
        s = s.strip().upper()
        if s == "ALL":
            best = max(best, 1)
        elif code.startswith(s):
            best = max(best, len(s) + 1)
    return best


def validate_selectors(selectors: Sequence[str], option: str) -> None:
    codes = [r.code for r in all_rules()]
    for s in selectors:
        u = s.strip().upper()
        if u == "ALL" or any(c.startswith(u) for c in codes) or u == "TL000":
            continue
        raise InputError(f"{option}: unknown rule selector {s!r} (see `torchlint rules`)")


def select_rules(
    select: Sequence[str] = (),
    ignore: Sequence[str] = (),
    extend_select: Sequence[str] = (),
    pedantic: bool = False,
) -> list[RuleModule]:
    """ruff's resolution: the most specific selector wins; ignore beats select at equal specificity.

    Pedantic rules (``Rule.pedantic``) are chosen only with *pedantic*, or when a selector names
    their exact code (``--extend-select TL203``): like ruff's opt-in rules, a prefix or ``ALL``
    does not switch them on.
    """
    base = list(select) if select else ["ALL"]
    chosen = []
    for r in all_rules():
        s = max(selector_specificity(r.code, base), selector_specificity(r.code, extend_select))
        i = selector_specificity(r.code, ignore)
        if not (s and s > i):
            continue
        exact = any(x.strip().upper() == r.code for x in (*base, *extend_select))
        if r.rule.pedantic and not (pedantic or exact):
            continue
        chosen.append(r)
    return chosen


@dataclass
class RunResult:
    diagnostics: list[Diagnostic] = field(default_factory=list)
    skipped: list[tuple[str, str]] = field(default_factory=list)


def run_rules(ctx: RuleContext, rules: Sequence[RuleModule]) -> RunResult:
    result = RunResult()
    for rm in rules:
        if rm.rule.needs != "config" and ctx.probe is None:
            result.skipped.append((rm.code, "needs index data, and probing is disabled"))
            continue
        ctx.rule = rm.rule
        found: list[Diagnostic] = []
        try:
            for diag in rm.module.check(ctx):
                found.append(diag)
        except Exception as e:  # a bug in one rule must not hide the others' findings
            result.skipped.append((rm.code, f"internal error, please report it: {type(e).__name__}: {e}"))
            continue
        result.diagnostics.extend(found)
    ctx.rule = None
    return result
