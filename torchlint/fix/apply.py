"""Apply fixes to a file's text, verify them, show them as a diff, write them atomically.

Guarantees (each pinned by tests):

* edits go through tomlkit on leaf values, array items and new keys, never whole tables, so
  comments, key order, quoting, inline-vs-array style and blank lines stay as they were;
* after each fix the new text is re-parsed with tomllib and must equal the data the fix intended
  (the old data with the operations applied); otherwise that fix is refused and the text is left
  as it was before it;
* the file's line endings (LF or CRLF), byte-order mark and final newline are kept;
* the write is atomic (a temporary file in the same directory, then ``os.replace``), keeps the
  file mode, writes through a symlink to its target, and is refused if the file changed since it
  was read.
"""

from __future__ import annotations

import difflib
import os
import re
import stat
import sys
import tempfile
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from torchlint.fix.ops import Op, OpError, apply_to_data

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover
    import tomli as tomllib

BOM = b"\xef\xbb\xbf"


class FixError(Exception):
    """A file cannot be fixed safely (one line, exit code 2 at the CLI)."""


@dataclass
class SourceBytes:
    """A file as read for fixing: raw bytes and the decoded text without BOM."""

    path: str
    raw: bytes
    text: str
    bom: bool
    crlf: bool

    @classmethod
    def read(cls, path: str) -> SourceBytes:
        from torchlint.project.tomlfile import OVERLAY

        over = OVERLAY.get(os.path.realpath(path)) if OVERLAY else None
        try:
            if over is not None:
                raw = over
            else:
                with open(path, "rb") as f:
                    raw = f.read()
        except OSError as e:
            raise FixError(f"{path}: cannot read: {e.strerror or e}") from None
        bom = raw.startswith(BOM)
        body = raw[3:] if bom else raw
        try:
            text = body.decode("utf-8")
        except UnicodeDecodeError:
            raise FixError(f"{path}: not valid UTF-8; not editing it") from None
        return cls(path, raw, text, bom, "\r\n" in text)

    def encode(self, text: str) -> bytes:
        return (BOM if self.bom else b"") + text.encode("utf-8")


@dataclass
class FixOutcome:
    text: str
    applied: list[int] = field(default_factory=list)
    refused: list[tuple[int, str]] = field(default_factory=list)

    @property
    def changed(self) -> bool:
        return bool(self.applied)


def _normalise_eol(new: str, crlf: bool) -> str:
    if not crlf:
        return new
    return re.sub(r"(?<!\r)\n", "\r\n", new)


def apply_fixes(text: str, fixes: Sequence[tuple[Op, ...]], crlf: bool | None = None) -> FixOutcome:
    """Apply each fix's operations in turn; a fix that fails verification is skipped."""
    import tomlkit
    from tomlkit.exceptions import TOMLKitError

    crlf = ("\r\n" in text) if crlf is None else crlf
    outcome = FixOutcome(text)
    try:
        data: dict[str, Any] = tomllib.loads(text)
    except tomllib.TOMLDecodeError as e:
        raise FixError(f"invalid TOML, not editing it: {e}") from None
    for i, ops in enumerate(fixes):
        try:
            doc = tomlkit.parse(outcome.text)
        except (TOMLKitError, ValueError, RecursionError) as e:
            raise FixError(f"tomlkit cannot edit this file safely ({type(e).__name__}: {e})") from None
        try:
            for op in ops:
                op.apply_doc(doc)
            intended = apply_to_data(data, ops)
            new = _normalise_eol(tomlkit.dumps(doc), crlf)
            if tomllib.loads(new) != intended:
                outcome.refused.append((i, "the edited file would not mean what the fix intends"))
                continue
        except (OpError, TOMLKitError, ValueError, TypeError, KeyError) as e:
            outcome.refused.append((i, f"{type(e).__name__}: {e}"))
            continue
        if new == outcome.text:
            continue
        outcome.text, data = new, intended
        outcome.applied.append(i)
    return outcome


def unified_diff(old: str, new: str, display: str) -> str:
    """A ``git apply``-able diff with ``a/`` and ``b/`` headers and the no-newline marker."""
    rel = display.replace(os.sep, "/")
    lines = list(
        difflib.unified_diff(
            old.splitlines(keepends=True),
            new.splitlines(keepends=True),
            fromfile=f"a/{rel}",
            tofile=f"b/{rel}",
        )
    )
    out = []
    for line in lines:
        if not line.endswith("\n"):
            line += "\n\\ No newline at end of file\n"
        out.append(line)
    return "".join(out)


def changed_span(old: str, new: str) -> tuple[int, int, str]:
    """(start, end in *old*, replacement): the smallest single edit turning *old* into *new*."""
    start = 0
    limit = min(len(old), len(new))
    while start < limit and old[start] == new[start]:
        start += 1
    end_old, end_new = len(old), len(new)
    while end_old > start and end_new > start and old[end_old - 1] == new[end_new - 1]:
        end_old -= 1
        end_new -= 1
    return start, end_old, new[start:end_new]


def offset_to_row_col(text: str, offset: int) -> tuple[int, int]:
    row = text.count("\n", 0, offset) + 1
    col = offset - (text.rfind("\n", 0, offset) + 1) + 1
    return row, col


def write_atomic(src: SourceBytes, new_text: str) -> None:
    """Write *new_text* over ``src.path`` atomically; refuse if the file changed since it was read."""
    target = os.path.realpath(src.path)
    try:
        with open(target, "rb") as f:
            current = f.read()
    except OSError as e:
        raise FixError(f"{src.path}: cannot re-read before writing: {e.strerror or e}") from None
    if current != src.raw:
        raise FixError(f"{src.path}: changed since it was read; not writing (run again)")
    mode = stat.S_IMODE(os.stat(target).st_mode)
    folder = os.path.dirname(target) or "."
    fd, tmp = tempfile.mkstemp(dir=folder, prefix=".torchlint-", suffix=".tmp")
    try:
        with os.fdopen(fd, "wb") as f:
            f.write(src.encode(new_text))
            f.flush()
            os.fsync(f.fileno())
        os.chmod(tmp, mode)
        os.replace(tmp, target)
    except BaseException:
        try:
            os.unlink(tmp)
        except OSError:
            pass
        raise


def create_atomic(path: str, text: str) -> None:
    """Create *path* with *text* atomically; refuse if it appeared meanwhile (``torchlint init``)."""
    folder = os.path.dirname(os.path.abspath(path)) or "."
    fd, tmp = tempfile.mkstemp(dir=folder, prefix=".torchlint-", suffix=".tmp")
    try:
        with os.fdopen(fd, "wb") as f:
            f.write(text.encode("utf-8"))
            f.flush()
            os.fsync(f.fileno())
        os.chmod(tmp, 0o644)
        try:
            os.link(tmp, path)  # fails if the file exists: never overwrite what was not read
        except FileExistsError:
            raise FixError(f"{path}: appeared since init started; not writing (run again)") from None
        except OSError:
            if os.path.exists(path):
                raise FixError(f"{path}: appeared since init started; not writing (run again)") from None
            os.replace(tmp, path)
    finally:
        try:
            os.unlink(tmp)
        except OSError:
            pass
