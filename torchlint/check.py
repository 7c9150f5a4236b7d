"""One check run: load each file, build targets and routing, probe, run the rules.

Kept apart from the CLI so tests, the benchmark and other front ends call the same pipeline.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field

from torchlint.config import Config, from_source, ignored_by_path
from torchlint.diagnostics import SEVERITY_ORDER, Diagnostic
from torchlint.engine import RuleModule, all_rules, run_rules, select_rules
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
    #: Exact rule codes to run (from :func:`torchlint.config.resolve_codes`); overrides the selectors.
    codes: Sequence[str] | None = None
    #: The run's configuration (``per-file-ignores``; with ``explicit``, also ``targets``).
    config: Config | None = None
    #: Called with a one-line status before network probes (the CLI shows it on a TTY).
    progress: Callable[[str], None] | None = None
    #: Show infos (targets nobody intends, fallbacks); without it they are only counted.
    pedantic: bool = False
    #: Rule codes whose infos are shown anyway (named exactly in --select / --extend-select).
    show_info: Sequence[str] = ()
    #: The lowest severity that makes the exit code 1: "warning" (default) or "error".
    fail_on: str = "warning"


@dataclass
class CheckResult:
    diagnostics: list[Diagnostic] = field(default_factory=list)
    skipped: list[tuple[str, str]] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    files: list[str] = field(default_factory=list)
    #: Absolute paths of every file the run read or looked for (for result replay).
    inputs: list[str] = field(default_factory=list)
    #: Diagnostics dropped by suppression comments or ``per-file-ignores``.
    suppressed: int = 0
    #: Infos not shown (no ``--pedantic``): gaps on targets nobody intends, fallbacks, estimates.
    hidden: int = 0
    fail_on: str = "warning"
    requests: int = 0
    bytes_received: int = 0
    origins: set[str] = field(default_factory=set)
    snapshot_date: str | None = None
    #: For result replay: until when the facts are fresh; ``replayable`` False after a degraded run.
    valid_until: float | None = None
    replayable: bool = True
    #: One line for stderr when hosts did not answer before the run's network deadline.
    network_note: str | None = None

    @property
    def exit_code(self) -> int:
        failing = ("error",) if self.fail_on == "error" else ("error", "warning")
        return 1 if any(d.severity in failing for d in self.diagnostics) else 0


def discover(paths: Sequence[str]) -> list[str]:
    from torchlint.config import normalize_paths
    from torchlint.project.detect import discover as _discover

    return _discover(normalize_paths(paths))


def load_project(path: str) -> Project:
    from torchlint.project.detect import load_any

    return load_any(path)


def run_check(
    paths: Sequence[str], options: CheckOptions, environ: Mapping[str, str] | None = None
) -> CheckResult:
    from torchlint.routing import Router, resolve_default_index
    from torchlint.targets import build_targets

    env = dict(os.environ if environ is None else environ)
    if options.codes is not None:
        wanted = set(options.codes)
        rules: list[RuleModule] = [r for r in all_rules() if r.code in wanted]
    else:
        rules = select_rules(options.select, options.ignore, options.extend_select)
    needs_probe = not options.config_only and any(r.rule.needs != "config" for r in rules)
    probe = Probe(options.probe, env) if not options.config_only else None
    if probe is not None:
        probe.progress = options.progress
    run_cfg = options.config or Config()
    result = CheckResult(fail_on=options.fail_on)
    try:
        for path in discover(paths):
            project = load_project(path)
            result.files.append(project.file.display)
            result.inputs.extend(_inputs_of(project))
            # every checked file's [tool.torchlint] must be valid; --config's targets apply to all
            own = from_source(project.file, ("tool", "torchlint"))
            required = (run_cfg.targets if run_cfg.explicit else own.targets) or []
            targets = build_targets(project, options.targets, required)
            router = Router(project, resolve_default_index(project, options.default_index, env))
            ctx = RuleContext(project, targets, router, probe)
            run = run_rules(ctx, rules)
            result.diagnostics.extend(_filter(project, rules, run.diagnostics, run.skipped, run_cfg, result))
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
        result.network_note = probe.network_note
        if "snapshot" in result.origins:
            result.snapshot_date = probe.snapshot.date
    from torchlint.bounds import bounded, capped_per_line

    result.diagnostics = [bounded(d) for d in capped_per_line(result.diagnostics)]
    if not options.pedantic:
        shown = [d for d in result.diagnostics if d.severity != "info" or d.code in options.show_info]
        result.hidden = len(result.diagnostics) - len(shown)
        result.diagnostics = shown
    # the first screen is the one that matters: errors, then warnings, then infos; by file and line
    result.diagnostics.sort(key=lambda d: (SEVERITY_ORDER[d.severity], *d.sort_key()[:3], d.code))
    return result


def _inputs_of(project: Project) -> list[str]:
    """The files a project's result depends on: its own, those it pulled in, and the ``uv.toml``
    and ``uv.lock`` beside it whether or not they exist (one appearing later changes the answer)."""
    own = os.path.abspath(project.file.path)
    found = [own, *(os.path.abspath(f.path) for f in project.extra_files)]
    found += [os.path.join(os.path.dirname(own), name) for name in ("uv.toml", "uv.lock")]
    return list(dict.fromkeys(found))


def _filter(
    project: Project,
    rules: Sequence[RuleModule],
    found: list[Diagnostic],
    skipped: Sequence[tuple[str, str]],
    cfg: Config,
    result: CheckResult,
) -> list[Diagnostic]:
    """Apply suppression comments (reporting unused ones as TL900), then ``per-file-ignores``."""
    from torchlint import suppressions

    skipped_codes = {code for code, _ in skipped}
    active = [r.code for r in rules if r.code not in skipped_codes]
    every = [r.code for r in all_rules()]
    outcome = suppressions.apply(
        [project.file, *project.extra_files],
        found,
        known=every,
        active=active,
        report_unused="TL900" in active,
        # every rule of the default selection ran (pedantic ones are opt-in): a bare suppression
        # that silences nothing can be called unused
        complete={r.code for r in all_rules() if not r.rule.pedantic} <= set(active),
    )
    kept = [*outcome.kept, *outcome.unused]
    out = [d for d in kept if not ignored_by_path(cfg, d.location.filename, d.code)]
    result.suppressed += outcome.suppressed + len(kept) - len(out)
    return out
