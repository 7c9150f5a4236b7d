"""Command line: thin click commands over :mod:`torchlint.check` and the rule registry.

Exit codes follow ruff: 0 clean, 1 findings (an error or a warning), 2 usage, config or parse
error (one ``path:line:col: message`` line on stderr, never a traceback).
"""

from __future__ import annotations

import json
import os
import sys
from typing import Any

import click

from torchlint import __version__
from torchlint.errors import InputError
from torchlint.report import FORMATS


def _split(values: tuple[str, ...]) -> list[str]:
    out: list[str] = []
    for v in values:
        out.extend(x.strip() for x in v.split(",") if x.strip())
    return out


def _mirrors(values: tuple[str, ...]) -> dict[str, str]:
    out = {}
    for v in values:
        src, sep, dst = v.partition("=")
        if not sep or not src.strip() or not dst.strip():
            raise InputError(f"--mirror {v!r}: expected FROM=TO (two URL prefixes)")
        out[src.strip()] = dst.strip()
    return out


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, "-V", "--version", prog_name="torchlint", message="%(prog)s %(version)s")
def main() -> None:
    """Lint PyTorch package-index configuration before the resolver runs."""


@main.command()
@click.argument("paths", nargs=-1, type=click.Path())
@click.option(
    "--output-format", type=click.Choice(list(FORMATS)), default=None, help="How to print diagnostics."
)
@click.option(
    "-o", "--output-file", type=click.Path(dir_okay=False), help="Write the report to FILE instead of stdout."
)
@click.option(
    "--config", "config_path", type=click.Path(), help="Settings file (instead of [tool.torchlint])."
)
@click.option("--select", multiple=True, help="Rule codes or prefixes to enable (comma-separated).")
@click.option("--ignore", multiple=True, help="Rule codes or prefixes to disable.")
@click.option("--extend-select", multiple=True, help="Rule codes or prefixes to enable in addition.")
@click.option("--extend-ignore", multiple=True, help="Rule codes or prefixes to disable in addition.")
@click.option("--offline/--no-offline", default=None, help="No network: cache, then the bundled snapshot.")
@click.option("--refresh", is_flag=True, default=False, help="Ignore cached index pages (revalidate them).")
@click.option("--no-cache", is_flag=True, default=False, help="Neither read nor write the disk cache.")
@click.option(
    "--snapshot", "snapshot_path", type=click.Path(), help="Use this snapshot instead of the bundled one."
)
@click.option(
    "--mirror", multiple=True, metavar="FROM=TO", help="Fetch URLs starting with FROM from TO instead."
)
@click.option(
    "--default-index", metavar="URL", help="The default index (otherwise from UV_DEFAULT_INDEX, ...)."
)
@click.option(
    "--target",
    "targets",
    multiple=True,
    help="A target the project must work on (a gap there is an error), e.g. linux-x86_64 or "
    "macos-arm64-py3.12; the same as [tool.torchlint] targets.",
)
@click.option(
    "--timeout",
    type=float,
    default=10.0,
    show_default=True,
    help="Seconds per network request (connect, headers and body); all network work ends by this plus 1 s.",
)
@click.option("--fix", is_flag=True, default=False, help="Apply safe fixes to the files.")
@click.option("--unsafe-fixes", is_flag=True, default=False, help="Also apply (or show) unsafe fixes.")
@click.option("--diff", is_flag=True, default=False, help="Print the fixes as a unified diff; write nothing.")
@click.option("--show-fixes", is_flag=True, default=False, help="List the fixes applied (or available).")
@click.option("--statistics", is_flag=True, default=False, help="Print the number of findings per rule.")
@click.option("--exit-zero", is_flag=True, default=False, help="Exit 0 even when there are findings.")
@click.option(
    "--fail-on",
    type=click.Choice(["error", "warning"]),
    default=None,
    help="Lowest severity that makes the exit code 1 (default: warning; [tool.torchlint] fail-on).",
)
@click.option(
    "--pedantic",
    is_flag=True,
    default=False,
    help="Also run the pedantic rules and show infos (targets nobody intends, fallbacks, estimates).",
)
@click.option("--color", type=click.Choice(["auto", "always", "never"]), default="auto", show_default=True)
@click.option("-q", "--quiet", is_flag=True, default=False, help="Print diagnostics only, no summary.")
@click.option(
    "--stdin-filename",
    metavar="PATH",
    help="With `-` as the path: the name of the file read from standard input (its kind and how it is shown).",
)
def check(
    paths: tuple[str, ...],
    output_format: str | None,
    output_file: str | None,
    config_path: str | None,
    select: tuple[str, ...],
    ignore: tuple[str, ...],
    extend_select: tuple[str, ...],
    extend_ignore: tuple[str, ...],
    offline: bool | None,
    refresh: bool,
    no_cache: bool,
    snapshot_path: str | None,
    mirror: tuple[str, ...],
    default_index: str | None,
    targets: tuple[str, ...],
    timeout: float,
    fix: bool,
    unsafe_fixes: bool,
    diff: bool,
    show_fixes: bool,
    statistics: bool,
    exit_zero: bool,
    fail_on: str | None,
    pedantic: bool,
    color: str,
    quiet: bool,
    stdin_filename: str | None,
) -> None:
    """Check PATHS (pyproject.toml files or directories; default ./pyproject.toml).

    Settings come from [tool.torchlint] in the first checked pyproject.toml (or --config);
    options given here win. Diagnostics go to stdout (or --output-file), status to stderr.
    """
    import gc

    # A check allocates a few long-lived objects per requirement; the default thresholds run a
    # full collection over them again and again on a 100,000-requirement file.
    gc.freeze()
    gc.set_threshold(50_000, 20, 20)
    from torchlint import config as tlconfig
    from torchlint.check import CheckOptions, run_check
    from torchlint.engine import validate_selectors
    from torchlint.index.probe import ProbeOptions
    from torchlint.report import render
    from torchlint.report.style import use_color

    env = os.environ
    status = _Status(sys.stderr)
    stdin_dir: str | None = None
    try:
        if "-" in paths:
            if fix or diff:
                raise InputError("--fix and --diff need files, not standard input")
            from torchlint.project.stdin import from_stdin

            stdin_dir, real = from_stdin(sys.stdin, stdin_filename)
            paths = tuple(real if p == "-" else p for p in paths)
        cfg = tlconfig.load(paths, config_path)
        sel, ign = _split(select), _split(ignore)
        ext_sel, ext_ign = _split(extend_select), _split(extend_ignore)
        for values, name in ((sel, "--select"), (ign, "--ignore"), (ext_sel, "--extend-select")):
            validate_selectors(values, name)
        validate_selectors(ext_ign, "--extend-ignore")
        if timeout <= 0 or timeout > 600:
            raise InputError("--timeout must be between 0 and 600 seconds")
        fmt = output_format or env.get("TORCHLINT_OUTPUT_FORMAT") or cfg.output_format or "full"
        if fmt not in FORMATS:
            raise InputError(f"unknown output format {fmt!r} (TORCHLINT_OUTPUT_FORMAT)")
        probe_opts = ProbeOptions(
            offline=_offline(offline, env.get("TORCHLINT_OFFLINE", ""), cfg.offline),
            refresh=refresh,
            mirrors={**cfg.mirrors, **_mirrors(mirror)},
            timeout=timeout,
            cache_dir=env.get("TORCHLINT_CACHE_DIR") or None,
            no_cache=no_cache,
            snapshot_path=snapshot_path,
        )
        for kind, seconds in cfg.cache_ttl.items():
            setattr(probe_opts, f"ttl_{kind}", seconds)
        env_index = any(env.get(n) for n in ("UV_DEFAULT_INDEX", "UV_INDEX_URL", "PIP_INDEX_URL"))
        human = fmt in ("full", "concise")
        pedantic = pedantic or bool(cfg.pedantic)
        options = CheckOptions(
            codes=tlconfig.resolve_codes(cfg, sel, ign, ext_sel, ext_ign, pedantic=pedantic),
            pedantic=pedantic,
            show_info=[c.strip().upper() for c in (*sel, *ext_sel, *(cfg.extend_select or ()))],
            fail_on=fail_on or cfg.fail_on or "warning",
            targets=targets,
            default_index=default_index or (None if env_index else cfg.default_index),
            probe=probe_opts,
            config=cfg,
            progress=status.show if human and not quiet and status.enabled else None,
        )
        try:
            result = run_check(list(paths), options)
        finally:
            status.clear()
        flow = None
        if fix or diff:
            from torchlint.fix.flow import run_fix_flow

            flow = run_fix_flow(
                result,
                write=fix and not diff,
                unsafe=unsafe_fixes,
                recheck=lambda: run_check(list(paths), options),
            )
            result = flow.result
    except InputError as e:
        click.echo(_early_mask()(f"error: {e}" if e.path is None else str(e)), err=True)
        sys.exit(2)
    except Exception as e:  # a fix that cannot be written safely: one line, exit 2
        from torchlint.fix.apply import FixError

        if not isinstance(e, FixError):
            raise
        click.echo(_early_mask()(f"error: {e}"), err=True)
        sys.exit(2)
    from torchlint.report.mask import Masker

    sources = _sources(result.files)
    masked = Masker.for_run(env, sources.values(), sys.argv[1:])
    if diff:
        assert flow is not None
        sys.stdout.write(masked(flow.diff))
        from torchlint.fix.flow import fix_summary

        for line in fix_summary(flow, wrote=False):
            click.echo(masked(line), err=True)
        sys.exit(1 if flow.diff else 0)
    if stdin_dir is not None:
        import shutil

        shutil.rmtree(stdin_dir, ignore_errors=True)
    if (fmt not in ("full", "concise") or show_fixes) and stdin_dir is None:
        from torchlint.fix.run import attach_edits

        attach_edits(result)
    painted = color == "always" if output_file else use_color(color, sys.stdout)
    if statistics:
        text = _statistics(result.diagnostics, fmt == "json")
    else:
        text = render(fmt, result, sources, color=painted and human)
    if quiet and human and not statistics:
        text = (
            "\n".join(
                line
                for line in text.splitlines()
                if not line.startswith(("Found ", "All checks", "Index facts", "Note:", "Skipped "))
            )
            + "\n"
        )
    err = ""
    if not human and not quiet:
        from torchlint.report.summary import basis

        err = "".join(line + "\n" for line in basis(result))
    if human and not quiet and not statistics:
        from torchlint.fix.flow import fix_summary, fixable_hint

        extra = fix_summary(flow, wrote=True) if flow is not None else []
        if show_fixes:
            items = flow.fixed if flow is not None else [d for d in result.diagnostics if d.fix is not None]
            verb = "Fixed" if flow is not None else "Fixable"
            extra += [
                f"{verb}: {d.location.filename}:{d.location.row}: {d.code} {d.fix.message}"
                for d in items
                if d.fix
            ]
        hint = fixable_hint(result, unsafe_fixes) if flow is None else None
        if hint:
            extra.append(hint)
        if extra:
            text += "\n".join(extra) + "\n"
    text, err = masked(text), masked(err)
    if output_file:
        try:
            _write_atomic(output_file, text)
        except OSError as e:
            click.echo(f"{output_file}:1:1: cannot write the report: {e.strerror or e}", err=True)
            sys.exit(2)
    else:
        sys.stdout.write(text)
        sys.stdout.flush()
    if result.network_note:  # on stderr in every format, terminal or not
        err = masked(f"torchlint: {result.network_note}\n") + err
    sys.stderr.write(err)
    code = 0 if exit_zero else result.exit_code
    if result.replayable and not output_file and not fix:
        from torchlint import replay

        replay.store(sys.argv, text, err, code, result.valid_until, result.inputs, result.dirs)
    sys.exit(code)


def _early_mask() -> Any:
    """A masker for an error before the files were read (environment, netrc, arguments)."""
    from torchlint.report.mask import Masker

    return Masker.for_run(os.environ, (), sys.argv[1:])


def _offline(flag: bool | None, env_value: str, configured: bool | None) -> bool:
    """--offline/--no-offline, then TORCHLINT_OFFLINE, then [tool.torchlint] offline."""
    if flag is not None:
        return flag
    v = env_value.strip().lower()
    if v in ("1", "true", "yes", "on"):
        return True
    if v in ("0", "false", "no", "off"):
        return False
    return bool(configured)


class _Status:
    """One status line on stderr, rewritten in place; only when stderr is a terminal."""

    def __init__(self, stream: Any) -> None:
        self.stream = stream
        try:
            self.enabled = bool(stream.isatty())
        except (AttributeError, ValueError):
            self.enabled = False
        self.shown = False

    def show(self, message: str) -> None:
        self.stream.write("\r\x1b[2K" + message)
        self.stream.flush()
        self.shown = True

    def clear(self) -> None:
        if self.shown:
            self.stream.write("\r\x1b[2K")
            self.stream.flush()
            self.shown = False


def _statistics(diagnostics: list[Any], as_json: bool) -> str:
    """Findings per rule, most frequent first (ruff's ``--statistics``)."""
    counts: dict[tuple[str, str], int] = {}
    for d in diagnostics:
        counts[(d.code, d.name)] = counts.get((d.code, d.name), 0) + 1
    rows = sorted(counts.items(), key=lambda kv: (-kv[1], kv[0][0]))
    if as_json:
        items = [{"code": c, "name": n, "count": k} for (c, n), k in rows]
        return json.dumps(items, indent=2) + "\n"
    return "".join(f"{k:>4}  {c}  {n}\n" for (c, n), k in rows)


def _write_atomic(path: str, text: str) -> None:
    """Write *text* to *path* through a temporary file in the same directory, then rename.

    The report gets the mode any new file gets (0666 minus the umask; an existing report keeps
    its mode): ``mkstemp`` alone would leave 0600, unreadable to a CI artifact step.
    """
    import stat
    import tempfile

    try:
        mode = stat.S_IMODE(os.stat(path).st_mode)
    except OSError:
        umask = os.umask(0o22)
        os.umask(umask)
        mode = 0o666 & ~umask
    folder = os.path.dirname(os.path.abspath(path))
    fd, tmp = tempfile.mkstemp(dir=folder, prefix=".torchlint-", suffix=".tmp")
    try:
        with os.fdopen(fd, "w", encoding="utf-8", newline="") as f:
            f.write(text)
        os.chmod(tmp, mode)
        os.replace(tmp, path)
    except BaseException:
        try:
            os.unlink(tmp)
        except OSError:
            pass
        raise


def _sources(files: list[str]) -> dict[str, str]:
    out = {}
    for f in files:
        try:
            with open(f, encoding="utf-8-sig", errors="replace") as fh:
                out[f] = fh.read()
        except OSError:
            continue
    return out


@main.command()
@click.argument("code")
@click.option("--output-format", type=click.Choice(["text", "json"]), default="text", show_default=True)
def rule(code: str, output_format: str) -> None:
    """Explain one rule (its documentation and examples)."""
    from torchlint.docs import rule_json, rule_markdown
    from torchlint.engine import rule_by_code

    rm = rule_by_code(code)
    if rm is None:
        click.echo(f"error: unknown rule {code!r} (see `torchlint rules`)", err=True)
        sys.exit(2)
    if output_format == "json":
        click.echo(json.dumps(rule_json(rm), indent=2))
    else:
        click.echo(rule_markdown(rm))


@main.command()
@click.option("--output-format", type=click.Choice(["text", "json"]), default="text", show_default=True)
def rules(output_format: str) -> None:
    """List every rule."""
    from torchlint.engine import all_rules

    items: list[dict[str, Any]] = [
        {
            "code": r.rule.code,
            "name": r.rule.name,
            "severity": r.rule.severity,
            "needs": r.rule.needs,
            "fix": r.rule.fix_availability,
            "summary": r.rule.summary,
        }
        for r in all_rules()
    ]
    if output_format == "json":
        click.echo(json.dumps(items, indent=2))
        return
    for it in items:
        click.echo(f"{it['code']}  {it['name']:<28} {it['severity']:<8} {it['needs']:<9} {it['summary']}")


@main.command()
@click.option("--out", "out_dir", type=click.Path(file_okay=False), required=True, help="Directory to write.")
@click.option(
    "--mirror", multiple=True, metavar="FROM=TO", help="Fetch URLs starting with FROM from TO instead."
)
@click.option("--default-index", metavar="URL", help="Index to record as the default index.")
@click.option("--timeout", type=float, default=10.0, show_default=True)
def snapshot(out_dir: str, mirror: tuple[str, ...], default_index: str | None, timeout: float) -> None:
    """Write a fresh snapshot from the live indexes (the keys of the bundled one)."""
    from torchlint.index.snapshot_writer import write_live_snapshot

    try:
        summary = write_live_snapshot(out_dir, _mirrors(mirror), default_index, timeout)
    except InputError as e:
        click.echo(f"error: {e}", err=True)
        sys.exit(2)
    click.echo(summary)


def _register_matrix() -> None:
    from torchlint.matrix.command import matrix

    main.add_command(matrix)


_register_matrix()


@main.command()
@click.argument("path", default=".", type=click.Path())
@click.option(
    "--backend",
    required=True,
    metavar="SPEC",
    help="cu128 | cpu | rocm6.4 | xpu (one build); cu128:linux,windows (that build there, the default "
    "build elsewhere); cpu,cu128 (a choice: one extra each, in `conflicts`); auto (from this host's GPU).",
)
@click.option("--nightly", is_flag=True, default=False, help="Use the nightly channel of the index.")
@click.option(
    "--python", "python", metavar="X.Y", help="requires-python = '>=X.Y' (new projects, or none set)."
)
@click.option(
    "--platforms",
    multiple=True,
    help="Platforms the project must work on (linux, macos-arm64, windows, ...; comma-separated): "
    "sets [tool.uv] environments and required-environments.",
)
@click.option(
    "--groups", is_flag=True, default=False, help="Write a choice as dependency groups, not extras."
)
@click.option("--dry-run", is_flag=True, default=False, help="Print the diff; write nothing.")
@click.option("--force", is_flag=True, default=False, help="Replace existing torch-family routing.")
@click.option("--offline/--no-offline", default=None, help="No network: cache, then the bundled snapshot.")
@click.option("--timeout", type=float, default=10.0, show_default=True, help="Seconds per network request.")
def init(
    path: str,
    backend: str,
    nightly: bool,
    python: str | None,
    platforms: tuple[str, ...],
    groups: bool,
    dry_run: bool,
    force: bool,
    offline: bool | None,
    timeout: float,
) -> None:
    """Write the PyTorch index configuration for SPEC into PATH/pyproject.toml (created if missing).

    Every torch-family package the project declares is routed to an explicit index, the Triton
    build the index's torch needs is added where only that index serves it, and the result is
    checked with torchlint's rules before it is written (atomically, comments kept).
    """
    from torchlint.index.probe import ProbeOptions
    from torchlint.init.run import InitOptions, run_init

    env = os.environ
    if timeout <= 0 or timeout > 600:
        click.echo("error: --timeout must be between 0 and 600 seconds", err=True)
        sys.exit(2)
    opts = InitOptions(
        path=path,
        backend=backend,
        nightly=nightly,
        python=python,
        platforms=tuple(_split(platforms)),
        groups=groups,
        dry_run=dry_run,
        force=force,
        probe=ProbeOptions(
            offline=_offline(offline, env.get("TORCHLINT_OFFLINE", ""), None),
            timeout=timeout,
            cache_dir=env.get("TORCHLINT_CACHE_DIR") or None,
        ),
    )
    try:
        result = run_init(opts)
    except InputError as e:
        click.echo(f"error: {e}" if e.path is None else str(e), err=True)
        sys.exit(2)
    for note in result.notes:
        click.echo(f"note: {note}", err=True)
    if dry_run:
        sys.stdout.write(result.diff)
        return
    if result.wrote:
        verb = "created" if result.created else "updated"
        click.echo(f"{verb} {result.display}; run `uv lock` next", err=True)
    else:
        click.echo(f"{result.display} already configured; nothing to do", err=True)
