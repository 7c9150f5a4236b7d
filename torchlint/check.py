"""One check run: load each file, build targets and routing, probe, run the rules.

Kept apart from the CLI so tests, the benchmark and other front ends call the same pipeline.
"""

from __future__ import annotations

import os
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

from torchlint.diagnostics import SEVERITY_ORDER, Diagnostic
from torchlint.engine import RuleModule, run_rules, select_rules
from torchlint.index.probe import Probe, ProbeOptions
from torchlint.project.model import Project
from torchlint.rules.base import RuleContext


@dataclass
class CheckOptions:
    select: Sequence[str] = ()
    ignore: Sequence[str] = ()
    extend_select: Sequence[str] = ()
    targets: Sequence[str] = ()
    default_index: str | None = None
    probe: ProbeOptions = field(default_factory=ProbeOptions)
    #: Run only rules that need no index data (no probe is created).
    config_only: bool = False


@dataclass
class CheckResult:
    diagnostics: list[Diagnostic] = field(default_factory=list)
    skipped: list[tuple[str, str]] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    files: list[str] = field(default_factory=list)
    requests: int = 0
    bytes_received: int = 0
    origins: set[str] = field(default_factory=set)
    snapshot_date: str | None = None
    #: For result replay: until when the facts are fresh; ``replayable`` False after a degraded run.
    valid_until: float | None = None
    replayable: bool = True

    @property
    def exit_code(self) -> int:
        return 1 if any(d.severity in ("error", "warning") for d in self.diagnostics) else 0


def discover(paths: Sequence[str]) -> list[str]:
    from torchlint.project.detect import discover as _discover

    return _discover(paths)


def load_project(path: str) -> Project:
    from torchlint.project.detect import load_any

    return load_any(path)


def run_check(
    paths: Sequence[str], options: CheckOptions, environ: Mapping[str, str] | None = None
) -> CheckResult:
    from torchlint.routing import Router, resolve_default_index
    from torchlint.targets import build_targets

    env = dict(os.environ if environ is None else environ)
    rules: list[RuleModule] = select_rules(options.select, options.ignore, options.extend_select)
    needs_probe = not options.config_only and any(r.rule.needs != "config" for r in rules)
    probe = Probe(options.probe, env) if not options.config_only else None
    result = CheckResult()
    try:
        for path in discover(paths):
            project = load_project(path)
            result.files.append(project.file.display)
            cfg = project.torchlint
            required = cfg.get("targets", []) if isinstance(cfg.get("targets"), list) else []
            targets = build_targets(project, options.targets, [str(t) for t in required])
            router = Router(project, resolve_default_index(project, options.default_index, env))
            ctx = RuleContext(project, targets, router, probe)
            run = run_rules(ctx, rules)
            result.diagnostics.extend(run.diagnostics)
            result.skipped.extend(run.skipped)
    finally:
        if probe is not None:
            probe.close()
    if probe is not None and needs_probe:
        result.notes.extend(probe.notes)
        result.requests = probe.stats.requests
        result.bytes_received = probe.stats.bytes_received
        result.origins = set(probe.origins)
        result.valid_until = probe.valid_until
        result.replayable = not probe.degraded
        if "snapshot" in result.origins:
            result.snapshot_date = probe.snapshot.date
    result.diagnostics.sort(key=lambda d: (*d.sort_key()[:3], SEVERITY_ORDER[d.severity], d.code))
    return result
