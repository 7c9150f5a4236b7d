"""Errors that end a run with exit code 2 and one line on stderr.

Bad input is the user's to fix, so it is reported as ``path:line:col: message`` (the form
editors and CI annotate), never as a traceback. Anything that is a problem in a value of an
otherwise valid file is a diagnostic instead (see ``TL000``), so the rest still gets checked.
"""

from __future__ import annotations


class InputError(Exception):
    """A file or option torchlint cannot work with: one line, exit code 2."""

    def __init__(self, message: str, path: str | None = None, line: int = 1, column: int = 1) -> None:
        super().__init__(message)
        self.message = message
        self.path = path
        self.line = line
        self.column = column

    def __str__(self) -> str:
        if self.path is None:
            return self.message
        return f"{self.path}:{self.line}:{self.column}: {self.message}"
