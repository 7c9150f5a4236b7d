"""``torchlint check -``: the configuration comes from standard input (ruff's convention).

The loaders read files, so the text is written to a private temporary folder under the name
``--stdin-filename`` gives (which decides the loader: ``pyproject.toml``, ``pixi.toml``,
``requirements.txt`` …) and shown under that name in every diagnostic.
"""

from __future__ import annotations

import os
import tempfile
from typing import TextIO

from torchlint.errors import InputError
from torchlint.project.tomlfile import ALIASES

#: The most standard input torchlint reads (a configuration is kilobytes).
MAX_BYTES = 4 * 1024 * 1024


def from_stdin(stream: TextIO, filename: str | None) -> tuple[str, str]:
    """(temporary folder, file path) holding standard input, shown as *filename* (or ``-``)."""
    text = stream.read(MAX_BYTES + 1)
    if len(text) > MAX_BYTES:
        raise InputError(f"standard input is larger than {MAX_BYTES} bytes", filename or "-")
    name = os.path.basename(filename) if filename else "pyproject.toml"
    folder = tempfile.mkdtemp(prefix="torchlint-stdin-")
    path = os.path.join(folder, name or "pyproject.toml")
    with open(path, "w", encoding="utf-8") as f:
        f.write(text)
    ALIASES[os.path.abspath(path)] = filename or "-"
    return folder, path
