"""``torchlint`` and ``python -m torchlint``.

Kept tiny: importing the CLI (click) happens here, everything heavier loads inside commands.

A command-line run ends with ``os._exit`` once its output is flushed: by then every file it
writes (fixed configs, the cache, ``-o`` reports, replay records) is closed and every worker
thread has been joined, and tearing down the interpreter's heap (modules, parsed listings)
would cost about 100 ms of a pre-commit hook's budget for nothing. The garbage collector's
first threshold is raised for the run (as mypy does): a check allocates many long-lived
objects (classes, parsed listings) and few cycles, and the default threshold of 700 makes it
rescan them dozens of times during start-up. Library use (``torchlint.cli.main`` in tests, ``run_check``) is
unaffected by either.
"""

from __future__ import annotations

import gc
import os
import sys


def _exit(code: object) -> None:
    """Flush what was written, then leave without interpreter teardown."""
    if code is None:
        status = 0
    elif isinstance(code, int):
        status = code
    else:  # SystemExit("message"): print it like Python does
        sys.stderr.write(f"{code}\n")
        status = 1
    try:
        sys.stdout.flush()
        sys.stderr.flush()
    except (OSError, ValueError):  # a closed pipe: the status still tells
        status = status or 1
    os._exit(status & 0xFF if status >= 0 else 1)


def main() -> None:
    gc.set_threshold(200_000, 50, 100)
    try:
        if len(sys.argv) > 1 and sys.argv[1] == "check":
            from torchlint.replay import try_replay

            code = try_replay(sys.argv)
            if code is not None:
                sys.exit(code)
        from torchlint.cli import main as cli

        try:
            cli(prog_name="torchlint")
        except KeyboardInterrupt:
            sys.stderr.write("interrupted\n")
            sys.exit(130)
    except SystemExit as stop:
        _exit(stop.code)
    _exit(0)


if __name__ == "__main__":
    main()
