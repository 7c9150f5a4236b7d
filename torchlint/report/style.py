"""Colour for human-readable output, decided once: --color, then NO_COLOR, FORCE_COLOR, TTY."""

from __future__ import annotations

import os
from typing import IO

_CODES = {
    "red": "31",
    "yellow": "33",
    "blue": "34",
    "magenta": "35",
    "cyan": "36",
    "bold": "1",
    "dim": "2",
    "green": "32",
}


def use_color(choice: str, stream: IO[str]) -> bool:
    if choice == "always":
        return True
    if choice == "never":
        return False
    if os.environ.get("NO_COLOR"):
        return False
    if os.environ.get("FORCE_COLOR"):
        return True
    try:
        return stream.isatty()
    except (AttributeError, ValueError):
        return False


def paint(text: str, *styles: str, color: bool) -> str:
    if not color or not styles:
        return text
    codes = ";".join(_CODES[s] for s in styles)
    return f"\x1b[{codes}m{text}\x1b[0m"


SEVERITY_STYLE = {"error": ("red", "bold"), "warning": ("yellow", "bold"), "info": ("cyan",)}
