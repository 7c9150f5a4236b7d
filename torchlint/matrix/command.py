"""The ``torchlint matrix`` click command: options as ``check`` reads them, then one renderer.

Kept out of :mod:`torchlint.cli` (which only registers it) so the command's options and its
renderers live together.
"""

from __future__ import annotations

import os
import sys

import click

FORMATS = ("text", "json", "html")


@click.command()
@click.argument("paths", nargs=-1, type=click.Path())
@click.option("--output-format", type=click.Choice(FORMATS), default="text", show_default=True)
@click.option(
    "-o", "--output-file", type=click.Path(dir_okay=False), help="Write the matrix to FILE instead of stdout."
)
@click.option(
    "--config", "config_path", type=click.Path(), help="Settings file (instead of [tool.torchlint])."
)
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
    "--target", "targets", multiple=True, help="A target the project must work on (marked required)."
)
@click.option("--timeout", type=float, default=10.0, show_default=True, help="Seconds per network request.")
@click.option("--color", type=click.Choice(["auto", "always", "never"]), default="auto", show_default=True)
def matrix(
    paths: tuple[str, ...],
    output_format: str,
    output_file: str | None,
    config_path: str | None,
    offline: bool | None,
    refresh: bool,
    no_cache: bool,
    snapshot_path: str | None,
    mirror: tuple[str, ...],
    default_index: str | None,
    targets: tuple[str, ...],
    timeout: float,
    color: str,
) -> None:
    """What uv locks and installs on every target of PATHS (default ./pyproject.toml).

    Rows are platforms and runs of Pythons with the same answer, columns the torch-family and
    Triton packages; each cell is the version and index uv would lock there, or why nothing
    installs. Forks (conflicting extras or groups) are separate sections.
    """
    from torchlint import config as tlconfig
    from torchlint.check import CheckOptions
    from torchlint.cli import _mirrors, _offline, _Status, _write_atomic
    from torchlint.errors import InputError
    from torchlint.index.probe import ProbeOptions
    from torchlint.matrix.build import build_matrix
    from torchlint.report.style import use_color

    env = os.environ
    status = _Status(sys.stderr)
    try:
        cfg = tlconfig.load(paths, config_path)
        if timeout <= 0 or timeout > 600:
            raise InputError("--timeout must be between 0 and 600 seconds")
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
        options = CheckOptions(
            targets=targets,
            default_index=default_index or (None if env_index else cfg.default_index),
            probe=probe_opts,
            config=cfg,
            progress=status.show if output_format == "text" and status.enabled else None,
        )
        try:
            result = build_matrix(list(paths), options)
        finally:
            status.clear()
    except InputError as e:
        click.echo(f"error: {e}" if e.path is None else str(e), err=True)
        sys.exit(2)
    if output_format == "json":
        from torchlint.matrix import json_format

        text = json_format.render(result)
    elif output_format == "html":
        from torchlint.matrix import html

        text = html.render(result)
    else:
        from torchlint.matrix import terminal

        painted = color == "always" if output_file else use_color(color, sys.stdout)
        text = terminal.render(result, color=painted)
    if output_file:
        try:
            _write_atomic(output_file, text)
        except OSError as e:
            click.echo(f"{output_file}:1:1: cannot write the matrix: {e.strerror or e}", err=True)
            sys.exit(2)
    else:
        sys.stdout.write(text)
        sys.stdout.flush()
    if output_format != "text":
        sys.stderr.write("".join(line + "\n" for line in result.basis))
    sys.exit(0)
