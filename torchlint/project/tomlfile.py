"""Read a TOML file into data + positions, turning every failure into one clean line.

tomllib decides validity (it is the reference parser uv's users rely on); the position scanner
only runs on text tomllib accepted.
"""

from __future__ import annotations

import os
import re
import stat
import sys
from typing import TYPE_CHECKING, Any

from torchlint.errors import InputError
from torchlint.project.model import SourceFile

if TYPE_CHECKING:
    from torchlint.project.positions import Positions

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover - exercised on 3.10 only
    import tomli as tomllib

#: Refuse absurd inputs before parsing them (a config file is kilobytes).
MAX_BYTES = 16 << 20

_AT = re.compile(r"\(at line (\d+), column (\d+)\)|\(at end of document\)")


#: Files shown under another name (standard input written to a temporary file: its --stdin-filename).
ALIASES: dict[str, str] = {}


def display_path(path: str) -> str:
    """The path as the user should see it: relative to the working directory when inside it."""
    alias = ALIASES.get(os.path.abspath(path))
    if alias is not None:
        return alias
    try:
        rel = os.path.relpath(path)
    except ValueError:  # different drive on Windows
        return path
    return path if rel.startswith("..") else rel


#: Files read from memory instead of the disk (absolute real path -> bytes): ``--diff`` runs the
#: same fixpoint as ``--fix`` on the texts it would write, without writing them.
OVERLAY: dict[str, bytes] = {}


def read_text(path: str) -> str:
    """Read a config file as text; one-line errors for every way that can fail."""
    shown = display_path(path)
    if OVERLAY:
        over = OVERLAY.get(os.path.realpath(path))
        if over is not None:
            return _decode(over, shown)
    if os.path.isdir(path):
        raise InputError("is a directory, not a file", shown)
    try:
        st = os.stat(path)
        if not stat.S_ISREG(st.st_mode):
            # A FIFO or a device would block or never end; a config file is a regular file.
            raise InputError("not a regular file", shown)
        size = st.st_size
        if size > MAX_BYTES:
            raise InputError(
                f"file is {size // (1 << 20)} MB; refusing to read more than {MAX_BYTES >> 20} MB", shown
            )
        with open(path, "rb") as f:
            raw = f.read(MAX_BYTES + 1)
    except FileNotFoundError:
        raise InputError("no such file", shown) from None
    except PermissionError:
        raise InputError("permission denied", shown) from None
    except OSError as e:
        raise InputError(f"cannot read: {e.strerror or e}", shown) from None
    return _decode(raw, shown)


def _decode(raw: bytes, shown: str) -> str:
    if raw.startswith(b"\xef\xbb\xbf"):
        raw = raw[3:]
    try:
        return raw.decode("utf-8")
    except UnicodeDecodeError as e:
        line = raw[: e.start].count(b"\n") + 1
        col = e.start - (raw.rfind(b"\n", 0, e.start) + 1) + 1
        raise InputError(f"not valid UTF-8 (byte 0x{raw[e.start]:02x})", shown, line, col) from None


def parse_toml(text: str, shown: str) -> dict[str, Any]:
    try:
        data: dict[str, Any] = tomllib.loads(text)
        return data
    except tomllib.TOMLDecodeError as e:
        msg = str(e)
        line, col = 1, 1
        m = _AT.search(msg)
        if m and m.group(1):
            line, col = int(m.group(1)), int(m.group(2))
        elif m:
            line = text.count("\n") + 1
            col = len(text) - (text.rfind("\n") + 1) + 1
        msg = _AT.sub("", msg).strip()
        raise InputError(f"invalid TOML: {msg}", shown, line, col) from None
    except RecursionError:
        raise InputError("invalid TOML: nesting too deep", shown) from None


#: The files parsed in this process, by absolute path and text: a run reads a pyproject for
#: its settings, to pick its loader and to load it, and parsing a 10 MB file costs seconds.
_PARSED: dict[str, tuple[str, dict[str, Any], Positions]] = {}


def load_toml_file(path: str) -> SourceFile:
    """Read, parse and scan a TOML file; an unchanged file is parsed once per process (the
    parsed data is shared: loaders only read it)."""
    from torchlint.project.positions import scan

    shown = display_path(path)
    text = read_text(path)
    full = os.path.abspath(path)
    hit = _PARSED.get(full)
    if hit is not None and hit[0] == text:
        return SourceFile(path=full, display=shown, text=hit[0], data=hit[1], positions=hit[2])
    data = parse_toml(text, shown)
    positions = scan(text)
    if len(_PARSED) > 16:
        _PARSED.clear()
    _PARSED[full] = (text, data, positions)
    return SourceFile(path=full, display=shown, text=text, data=data, positions=positions)
