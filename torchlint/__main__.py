"""``torchlint`` and ``python -m torchlint``.

Kept tiny: importing the CLI (click) happens here, everything heavier loads inside commands.
"""

from __future__ import annotations

import sys


def main() -> None:
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


if __name__ == "__main__":
    main()
