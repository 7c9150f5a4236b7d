"""One check run: load each file, build targets and routing, probe, run the rules.

Kept apart from the CLI so tests, the benchmark and other front ends call the same pipeline.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

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
    #: Directories whose listing decided which files were checked (for result replay).
    dirs: list[str] = field(default_factory=list)
    #: Diagnostics dropped by suppression comments or ``per-file-ignores``.
    suppressed: int = 0
    #: Infos not shown (no ``--pedantic``): gaps on targets nobody intends, fallbacks, estimates.
    hidden: int = 0
    fail_on: str = "warning"
    requests: int = 0
    bytes_received: int = 0
    origins: set[str] = field(default_factory=set)
    snapshot_date: str | None = None
    #: (context, resolution model) of each file whose model the run computed: the HTML report
    #: builds the matrix from them (:func:`torchlint.matrix.build.project_matrix`).
    models: list[tuple[Any, Any]] = field(default_factory=list)
    #: One line per file whose intended targets have gaps, pointing at ``torchlint matrix``.
    matrix_notes: list[str] = field(default_factory=list)
    #: For result replay: until when the facts are fresh; ``replayable`` False after a degraded run.
    valid_until: float | None = None
    replayable: bool = True
    #: One line for stderr when hosts did not answer before the run's network deadline.
    network_note: str | None = None

    @property
    def exit_code(self) -> int:
        failing = ("error",) if self.fail_on == "error" else ("error", "warning")
        return 1 if any(d.severity in failing for d in self.diagnostics) else 0


def discover(paths: Sequence[str], searched: list[str] | None = None) -> list[str]:
    from torchlint.config import normalize_paths
    from torchlint.project.detect import discover as _discover

    return _discover(normalize_paths(paths), searched)


def load_project(path: str) -> Project:
    from torchlint.project.detect import load_any

    return load_any(path)


def project_context(
    path: str, options: CheckOptions, probe: Probe | None, env: Mapping[str, str]
) -> RuleContext:
    """Load *path* and build what rules and the resolution model read: targets (required ones
    from ``--target``, ``[tool.torchlint] targets`` or ``--config``), routing, the run's probe.

    ``check`` and ``matrix`` share it, so both judge the same targets from the same facts.
    """
    from torchlint.routing import Router, resolve_default_index
    from torchlint.targets import build_targets

    run_cfg = options.config or Config()
    project = load_project(path)
    # every checked file's [tool.torchlint] must be valid; --config's targets apply to all
    own = from_source(project.file, ("tool", "torchlint"))
    required = (run_cfg.targets if run_cfg.explicit else own.targets) or []
    targets = build_targets(project, options.targets, required)
    router = Router(project, resolve_default_index(project, options.default_index, dict(env)))
    return RuleContext(project, targets, router, probe)


def run_check(
    paths: Sequence[str], options: CheckOptions, environ: Mapping[str, str] | None = None
) -> CheckResult:
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
        if not paths:  # the nearest configuration upward: a closer one appearing changes the answer
            from torchlint.project.discovery import upward_candidates

            for candidate in upward_candidates(os.getcwd()):
                result.inputs.append(candidate)
                if os.path.isfile(candidate):
                    break
        for path in discover(paths, result.dirs):
            ctx = project_context(path, options, probe, env)
            project = ctx.project
            result.files.append(project.file.display)
            if _nothing_to_check(project):
                result.notes.append(
                    f"{project.file.display}: nothing to check (no PyTorch package and no package index)"
                )
            result.inputs.extend(_inputs_of(project))
            if project.members or _is_workspace_root(project):
                # a new member directory changes the answer and is no recorded input: run again
                result.replayable = False
            run = run_rules(ctx, rules)
            if needs_probe:
                _add_matrix(ctx, result)
            found = _member_fixes_dropped(project, run.diagnostics)
            result.diagnostics.extend(_filter(project, rules, found, run.skipped, run_cfg, result))
            result.skipped.extend(run.skipped)
    finally:
        if probe is not None:
            probe.close()
    if probe is not None and needs_probe:
        record_probe(result, probe)
    from torchlint.bounds import bounded, capped_per_line

    result.diagnostics = [bounded(d) for d in capped_per_line(result.diagnostics)]
    if not options.pedantic:
        shown = [d for d in result.diagnostics if d.severity != "info" or d.code in options.show_info]
        result.hidden = len(result.diagnostics) - len(shown)
        result.diagnostics = shown
    # the first screen is the one that matters: errors, then warnings, then infos; by file and line
    result.diagnostics.sort(key=lambda d: (SEVERITY_ORDER[d.severity], *d.sort_key()[:3], d.code))
    return result


def _nothing_to_check(project: Project) -> bool:
    """No torch-family requirement, no index and nothing invalid: the rules have nothing to say."""
    from torchlint.rules.common import TORCH_FAMILY

    torchy = any(r.name in TORCH_FAMILY for r in [*project.requirements, *project.overrides])
    return not torchy and not project.indexes and not project.problems and not project.uv.find_links


def _is_workspace_root(project: Project) -> bool:
    from torchlint.project.workspace import workspace_table

    return project.manager == "uv" and workspace_table(project.file.data) is not None


def _member_fixes_dropped(project: Project, found: list[Diagnostic]) -> list[Diagnostic]:
    """Fixes edit the root's file: a finding located in a workspace member keeps no fix."""
    if not project.members:
        return found
    import dataclasses

    own = project.file.display
    return [
        d if d.fix is None or d.location.filename == own else dataclasses.replace(d, fix=None) for d in found
    ]


def _add_matrix(ctx: RuleContext, result: CheckResult) -> None:
    """The summary line when intended targets have gaps or differ, read from the model the rules
    just used (memoised, so no second solve); the model is kept for the HTML report's matrix,
    which is built only when that format renders."""
    from torchlint.matrix.build import gap_line, summarize
    from torchlint.resolution import resolve

    try:
        res = resolve(ctx)
        line = gap_line(summarize(ctx, res))
    except Exception:  # the rules already reported what they could; the matrix is an extra
        return
    result.models.append((ctx, res))
    if line is not None:
        result.matrix_notes.append(line)


def record_probe(result: CheckResult, probe: Probe) -> None:
    """What the run's facts rest on (live, cache, snapshot and its date), for the footer."""
    result.notes.extend(probe.notes)
    result.requests = probe.stats.requests
    result.bytes_received = probe.stats.bytes_received
    result.origins = set(probe.origins)
    result.valid_until = probe.valid_until
    result.replayable = result.replayable and not probe.degraded
    result.network_note = probe.network_note
    if "snapshot" in result.origins:
        result.snapshot_date = probe.snapshot.date


def _inputs_of(project: Project) -> list[str]:
    """The files a project's result depends on: its own, those it pulled in, and the ``uv.toml``
    and ``uv.lock`` beside it whether or not they exist (one appearing later changes the answer)."""
    own = os.path.abspath(project.file.path)
    found = [own, *(os.path.abspath(f.path) for f in project.extra_files)]
    found += [os.path.join(os.path.dirname(own), name) for name in ("uv.toml", "uv.lock")]
    if project.manager == "uv" and os.path.basename(own).lower() == "pyproject.toml":
        from torchlint.project.workspace import searched_for_root

        found += searched_for_root(own)  # a workspace root appearing above changes the answer
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
