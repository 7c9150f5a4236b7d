"""Replay the result of an identical earlier check without doing the work again.

A pre-commit hook runs torchlint on every commit, usually on an unchanged configuration, against a
warm cache. Importing the CLI, the TOML and packaging parsers and evaluating markers costs several
times the interpreter's own start-up, so a check whose inputs are byte-for-byte those of an earlier
run replays that run's output instead.

The key covers what the arguments say: torchlint's own code (version and file stamps), the
arguments, the working directory, the relevant environment variables (hashed, never stored),
whether stdout is a terminal, the bundled or given snapshot, and the disk cache's generation stamp
(bumped on every cache write). The files a run depends on are only known once it has run (a
directory's ``requirements*.txt``, a requirements file's ``-r`` includes, the ``uv.lock`` and
``uv.toml`` beside a pyproject), so the run records them, with the content hash of each and the
listing of each directory it searched, and a replay checks every one: a changed, new or deleted
input means a real run. A result that used live or cached index pages is replayed only while every page it
used is still fresh, so a replay never serves staler facts than a real run would.

Standard library only: this module runs before anything else is imported.
"""

from __future__ import annotations

import hashlib
import json
import os
import sys
import time

# not ``typing.TYPE_CHECKING``: importing typing costs a replay 5 ms (mypy honours the name)
TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import Any

#: Bumped when the stored format changes.
FORMAT = 2
MAX_ENTRIES = 256
_ENV_PREFIXES = ("TORCHLINT_", "UV_", "PIP_")
_ENV_NAMES = ("NO_COLOR", "FORCE_COLOR", "NETRC", "HOME", "XDG_CACHE_HOME", "TERM")
#: Options that change files or must always look at the network: never replayed.
_NEVER = (
    "-",  # standard input is not a recorded input
    "--stdin-filename",
    "--refresh",
    "--fix",
    "--diff",
    "--unsafe-fixes",
    "--no-cache",
    "-h",
    "--help",
    "--show-fixes",
    # a settings file outside the key's inputs, and a report written to a file instead of stdout
    "--config",
    "-o",
    "--output-file",
)


def cache_root() -> str | None:
    root = os.environ.get("TORCHLINT_CACHE_DIR")
    if root:
        return root
    if sys.platform == "win32":
        base = os.environ.get("LOCALAPPDATA")
        return os.path.join(base, "torchlint", "Cache") if base else None
    if sys.platform == "darwin":
        return os.path.expanduser("~/Library/Caches/torchlint")
    return os.path.join(os.environ.get("XDG_CACHE_HOME") or os.path.expanduser("~/.cache"), "torchlint")


def _code_stamp() -> str:
    """Version plus the newest mtime under the package (an edited checkout invalidates results)."""
    from torchlint import __version__

    here = os.path.dirname(os.path.abspath(__file__))
    newest = 0
    stack = [here]
    seen = 0
    while stack and seen < 2000:
        d = stack.pop()
        try:
            with os.scandir(d) as it:
                for e in it:
                    seen += 1
                    if e.is_dir(follow_symlinks=False):
                        if e.name != "__pycache__":
                            stack.append(e.path)
                    elif e.name.endswith((".py", ".gz", ".json", ".j2")):
                        newest = max(newest, e.stat().st_mtime_ns)
        except OSError:
            continue
    return f"{__version__}:{newest}"


def _paths(args: list[str]) -> list[str]:
    """The path arguments of ``check`` (``pyproject.toml`` when there are none)."""
    paths: list[str] = []
    skip_next = False
    takes_value = {
        "--output-format",
        "--select",
        "--ignore",
        "--extend-select",
        "--extend-ignore",
        "--snapshot",
        "--mirror",
        "--default-index",
        "--target",
        "--timeout",
        "--color",
        "--config",
        "-o",
        "--output-file",
    }
    for a in args:
        if skip_next:
            skip_next = False
            continue
        if a in takes_value:
            skip_next = True
            continue
        if a.startswith("-"):
            continue
        paths.append(a)
    return paths or ["pyproject.toml"]


def _listing(directory: str) -> list[str] | None:
    """What discovery sees in a directory: its names and those of its ``requirements/``."""
    try:
        names = sorted(os.listdir(directory))
    except OSError:
        return None
    sub = os.path.join(directory, "requirements")
    if os.path.isdir(sub):
        try:
            names += ["requirements/" + n for n in sorted(os.listdir(sub))]
        except OSError:
            return None
    return names


def _digest(path: str) -> str | None:
    """sha256 of a file's bytes; None when it does not exist (its absence is a fact too)."""
    try:
        with open(path, "rb") as fh:
            return hashlib.sha256(fh.read()).hexdigest()
    except FileNotFoundError:
        return None


def _unchanged(entry: dict[str, Any]) -> bool:
    """Are the recorded inputs and directory listings exactly as they were?"""
    inputs = entry.get("inputs")
    dirs = entry.get("dirs")
    if not isinstance(inputs, dict) or not isinstance(dirs, dict):
        return False
    try:
        for path, digest in inputs.items():
            if _digest(path) != digest:
                return False
    except OSError:
        return False
    return all(_listing(d) == names for d, names in dirs.items())


def _snapshot_stamp(args: list[str]) -> str:
    path = None
    for i, a in enumerate(args):
        if a == "--snapshot" and i + 1 < len(args):
            path = args[i + 1]
        elif a.startswith("--snapshot="):
            path = a.split("=", 1)[1]
    if path is None:
        path = os.path.join(os.path.dirname(os.path.abspath(__file__)), "index", "data")
    try:
        st = os.stat(os.path.join(path, "manifest.json") if os.path.isdir(path) else path)
        return f"{os.path.abspath(path)}:{st.st_mtime_ns}:{st.st_size}"
    except OSError:
        return f"{path}:missing"


def _generation(root: str) -> str:
    try:
        st = os.stat(os.path.join(root, "generation"))
        return f"{st.st_mtime_ns}:{st.st_size}"
    except OSError:
        return "none"


def key_for(argv: list[str]) -> tuple[str, str] | None:
    """(key, results directory) for ``torchlint check ...``, or None if this run must not replay."""
    if len(argv) < 2 or argv[1] != "check" or any(a in _NEVER or a.split("=")[0] in _NEVER for a in argv):
        return None
    root = cache_root()
    if not root:
        return None
    args = argv[2:]
    h = hashlib.sha256()
    parts: list[Any] = [FORMAT, _code_stamp(), args, os.getcwd(), _snapshot_stamp(args), _generation(root)]
    try:
        parts.append(os.isatty(1))
    except (OSError, ValueError):
        parts.append(False)
    env = sorted((k, v) for k, v in os.environ.items() if k.startswith(_ENV_PREFIXES) or k in _ENV_NAMES)
    parts.append(env)
    h.update(json.dumps(parts, sort_keys=True, default=str).encode())
    return h.hexdigest(), os.path.join(root, "results")


def try_replay(argv: list[str]) -> int | None:
    """Write a stored result and return its exit code, or None when there is none to replay."""
    found = key_for(argv)
    if found is None:
        return None
    key, folder = found
    try:
        with open(os.path.join(folder, key + ".json"), encoding="utf-8") as f:
            entry = json.load(f)
        if entry.get("format") != FORMAT:
            return None
        valid_until = entry.get("valid_until")
        if valid_until is not None and time.time() >= float(valid_until):
            return None
        if not _unchanged(entry):
            return None
        sys.stdout.write(entry["stdout"])
        sys.stdout.flush()
        if entry["stderr"]:
            sys.stderr.write(entry["stderr"])
            sys.stderr.flush()
        return int(entry["exit_code"])
    except (OSError, ValueError, KeyError, TypeError):
        return None


def store(
    argv: list[str],
    stdout: str,
    stderr: str,
    exit_code: int,
    valid_until: float | None,
    inputs: list[str],
    searched: list[str] | None = None,
) -> None:
    """Remember a finished check's output (best effort: a read-only cache just means no replay).

    *inputs*: every file the run read or looked for (absolute paths; a missing one is recorded
    as absent). The directories among the path arguments, and *searched* (the folders a
    recursive directory search went through), are recorded by their listing.
    """
    found = key_for(argv)
    if found is None:
        return
    key, folder = found
    try:
        digests = {os.path.abspath(p): _digest(p) for p in inputs}
    except OSError:
        return
    dirs: dict[str, list[str] | None] = {}
    for p in [*_paths(argv[2:]), *(searched or ())]:
        if os.path.isdir(p):
            dirs[os.path.abspath(p)] = _listing(p)
    entry = {
        "format": FORMAT,
        "inputs": digests,
        "dirs": dirs,
        "stdout": stdout,
        "stderr": stderr,
        "exit_code": exit_code,
        "valid_until": valid_until,
        "stored_at": time.time(),
    }
    try:
        os.makedirs(folder, exist_ok=True)
        import tempfile  # only a miss stores: a replay never pays for it

        fd, tmp = tempfile.mkstemp(dir=folder, prefix=".tmp-", suffix=".json")
        try:
            with os.fdopen(fd, "w", encoding="utf-8") as f:
                json.dump(entry, f)
            os.replace(tmp, os.path.join(folder, key + ".json"))
        except BaseException:
            try:
                os.unlink(tmp)
            except OSError:
                pass
            raise
        _prune(folder)
    except OSError:
        return


def _prune(folder: str) -> None:
    try:
        entries = [e for e in os.scandir(folder) if e.name.endswith(".json") and not e.name.startswith(".")]
        if len(entries) <= MAX_ENTRIES:
            return
        entries.sort(key=lambda e: e.stat().st_mtime)
        for e in entries[: len(entries) - MAX_ENTRIES]:
            os.unlink(e.path)
    except OSError:
        return
