"""``[tool.torchlint]``: the project's settings, validated with positions.

The table lives in the ``pyproject.toml`` being checked (the first one when several are given);
``--config PATH`` names another file instead: a TOML file with the same keys at its top level,
or a ``pyproject.toml`` with a ``[tool.torchlint]`` table. Keys are kebab-case, like ruff's.
Unknown keys and values of the wrong type end the run with exit code 2 and one
``path:line:col: message`` line (with a "did you mean" for near misses). Command-line options
win over the file.

The accepted keys are exactly those of the JSON Schema shipped in
``torchlint/resources/torchlint.schema.json`` (a test keeps them in step); :func:`json_schema`
returns it for validate-pyproject (the ``validate_pyproject.tool_schema`` entry point).
"""

from __future__ import annotations

import difflib
import json
import os
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from torchlint.errors import InputError

if TYPE_CHECKING:
    from torchlint.project.model import SourceFile
    from torchlint.project.positions import Path

#: Every key ``[tool.torchlint]`` accepts (the JSON Schema's properties, in the same order).
KEYS = (
    "select",
    "ignore",
    "extend-select",
    "extend-ignore",
    "per-file-ignores",
    "mirrors",
    "targets",
    "offline",
    "cache-ttl",
    "default-index",
    "output-format",
    "pedantic",
    "fail-on",
)
CACHE_TTL_KEYS = ("nightly", "stable", "other")
#: ``fail-on`` / ``--fail-on``: the lowest severity that makes the exit code 1.
FAIL_ON = ("error", "warning")
_SCHEMA_FILE = os.path.join(os.path.dirname(os.path.abspath(__file__)), "resources", "torchlint.schema.json")


@dataclass
class Config:
    """Validated settings; ``None`` / empty means "not set" (the built-in default applies)."""

    #: Display path of the file the settings came from (None: no configuration).
    source: str | None = None
    #: Directory ``per-file-ignores`` globs are relative to.
    base_dir: str = "."
    #: From ``--config`` (applies to every checked project) rather than a checked pyproject.
    explicit: bool = False
    select: list[str] | None = None
    ignore: list[str] = field(default_factory=list)
    #: ``ignore = { TL101 = "reason" }``: why each code is ignored (documentation only).
    ignore_reasons: dict[str, str] = field(default_factory=dict)
    extend_select: list[str] = field(default_factory=list)
    extend_ignore: list[str] = field(default_factory=list)
    per_file_ignores: dict[str, list[str]] = field(default_factory=dict)
    mirrors: dict[str, str] = field(default_factory=dict)
    targets: list[str] | None = None
    offline: bool | None = None
    cache_ttl: dict[str, float] = field(default_factory=dict)
    default_index: str | None = None
    output_format: str | None = None
    #: Also run the pedantic rules and show infos (targets nobody intends, fallbacks, estimates).
    pedantic: bool | None = None
    fail_on: str | None = None


def json_schema() -> dict[str, Any]:
    """The JSON Schema of ``[tool.torchlint]`` (for validate-pyproject and editors)."""
    with open(_SCHEMA_FILE, encoding="utf-8") as f:
        schema: dict[str, Any] = json.load(f)
    return schema


# --------------------------------------------------------------------------- loading


def normalize_paths(paths: Sequence[str]) -> list[str]:
    """*paths* with a ``uv.toml`` replaced by the ``pyproject.toml`` beside it (which reads it).

    pre-commit passes the files that changed; a changed ``uv.toml`` means its project changed.
    """
    out: list[str] = []
    for p in paths:
        if os.path.basename(p).lower() == "uv.toml":
            beside = os.path.join(os.path.dirname(p), "pyproject.toml")
            if os.path.isfile(beside):
                p = beside
        if p not in out:
            out.append(p)
    return out


def find_config(paths: Sequence[str]) -> str | None:
    """The pyproject.toml whose ``[tool.torchlint]`` applies to a run over *paths* (the first one)."""
    from torchlint.project.detect import discover

    files = discover(normalize_paths(paths))
    if not files:
        return None
    first = files[0]
    if os.path.basename(first).lower() == "pyproject.toml":
        return first
    beside = os.path.join(os.path.dirname(os.path.abspath(first)), "pyproject.toml")
    return beside if os.path.isfile(beside) else None


def load(paths: Sequence[str], config_path: str | None = None) -> Config:
    """The run's configuration: ``--config`` if given, else the first checked pyproject's table."""
    from torchlint.project.tomlfile import load_toml_file

    if config_path is not None:
        if os.path.isdir(config_path):
            config_path = os.path.join(config_path, "pyproject.toml")
        sf = load_toml_file(config_path)
        tool = sf.data.get("tool")
        if isinstance(tool, dict) and "torchlint" in tool:
            cfg = from_source(sf, ("tool", "torchlint"))
        elif os.path.basename(config_path).lower() == "pyproject.toml":
            cfg = Config(source=sf.display, base_dir=os.path.dirname(sf.path))
        else:
            cfg = from_source(sf, ())
        cfg.explicit = True
        return cfg
    path = find_config(paths)
    if path is None or not os.path.isfile(path):
        return Config()
    return from_source(load_toml_file(path), ("tool", "torchlint"))


def from_source(sf: SourceFile, base: Path) -> Config:
    """Validate the table at *base* of a loaded file (``()`` for a standalone config file)."""
    table: Any = sf.data
    for part in base:
        table = table.get(part) if isinstance(table, dict) else None
    cfg = Config(source=sf.display, base_dir=os.path.dirname(sf.path))
    if table is None:
        return cfg
    where = "[tool.torchlint]" if base else "torchlint configuration"
    if not isinstance(table, dict):
        raise _err(sf, base, f"{where} must be a table, not {_kind(table)}")
    _Validator(sf, base, where, cfg).run(table)
    return cfg


# --------------------------------------------------------------------------- validation


def _kind(value: Any) -> str:
    import datetime

    if isinstance(value, bool):
        return "a boolean"
    if isinstance(value, int):
        return "an integer"
    if isinstance(value, float):
        return "a float"
    if isinstance(value, str):
        return "a string"
    if isinstance(value, list):
        return "an array"
    if isinstance(value, dict):
        return "a table"
    if isinstance(value, (datetime.date, datetime.time)):
        return "a date or time"
    return type(value).__name__


def _err(sf: SourceFile, path: Path, message: str, *, key: bool = False) -> InputError:
    span = sf.positions.key(path) if key else None
    if span is None:
        loc = sf.loc(*path)
        return InputError(message, sf.display, loc.row, loc.column)
    return InputError(message, sf.display, span.line, span.column)


def _suggest(word: str, choices: Sequence[str]) -> str:
    close = difflib.get_close_matches(word, list(choices), n=1, cutoff=0.6)
    return f"; did you mean `{close[0]}`?" if close else ""


class _Validator:
    def __init__(self, sf: SourceFile, base: Path, where: str, cfg: Config) -> None:
        self.sf = sf
        self.base = base
        self.where = where
        self.cfg = cfg

    def fail(self, path: Path, message: str, *, key: bool = False) -> InputError:
        return _err(self.sf, (*self.base, *path), message, key=key)

    def run(self, table: dict[str, Any]) -> None:
        handlers: dict[str, Callable[[Any], None]] = {
            "select": lambda v: setattr(self.cfg, "select", self.codes("select", v)),
            "ignore": self.ignore,
            "extend-select": lambda v: setattr(self.cfg, "extend_select", self.codes("extend-select", v)),
            "extend-ignore": lambda v: setattr(self.cfg, "extend_ignore", self.codes("extend-ignore", v)),
            "per-file-ignores": self.per_file_ignores,
            "mirrors": self.mirrors,
            "targets": self.targets,
            "offline": self.offline,
            "cache-ttl": self.cache_ttl,
            "default-index": lambda v: setattr(self.cfg, "default_index", self.string("default-index", v)),
            "output-format": self.output_format,
            "pedantic": self.pedantic,
            "fail-on": self.fail_on,
        }
        assert tuple(handlers) == KEYS
        for key, value in table.items():
            handler = handlers.get(key)
            if handler is None:
                hint = _suggest(key, KEYS) or _suggest(key.replace("_", "-"), KEYS)
                raise self.fail((key,), f"unknown key `{key}` in {self.where}{hint}", key=True)
            handler(value)

    # each checker gets the raw value and returns the clean one

    def string(self, key: str, value: Any, path: Path | None = None) -> str:
        if not isinstance(value, str):
            raise self.fail(path or (key,), f"`{key}` must be a string, not {_kind(value)}")
        if not value.strip():
            raise self.fail(path or (key,), f"`{key}` must not be empty")
        return value.strip()

    def string_list(self, key: str, value: Any, path: Path, what: str) -> list[str]:
        if not isinstance(value, list):
            raise self.fail(path, f"`{key}` must be an array of {what}, not {_kind(value)}")
        out = []
        for i, item in enumerate(value):
            if not isinstance(item, str):
                raise self.fail((*path, i), f"`{key}` must be an array of {what}, not {_kind(item)} items")
            out.append(item.strip())
        return out

    def selector(self, key: str, code: str, path: Path) -> str:
        from torchlint.engine import validate_selectors

        try:
            validate_selectors([code], key)
        except InputError:
            from torchlint.engine import all_rules

            known = [r.code for r in all_rules()]
            hint = _suggest(code.upper(), known)
            raise self.fail(
                path, f"`{key}`: unknown rule selector {code!r} (see `torchlint rules`){hint}"
            ) from None
        return code.strip().upper()

    def codes(self, key: str, value: Any, path: Path | None = None) -> list[str]:
        path = path or (key,)
        items = self.string_list(key, value, path, "rule codes")
        return [self.selector(key, c, (*path, i)) for i, c in enumerate(items)]

    def ignore(self, value: Any) -> None:
        if isinstance(value, dict):
            for code, reason in value.items():
                if not isinstance(reason, str):
                    raise self.fail(
                        ("ignore", code),
                        f"`ignore`: the reason for {code} must be a string, not {_kind(reason)}",
                    )
                clean = self.selector("ignore", code, ("ignore", code))
                self.cfg.ignore.append(clean)
                self.cfg.ignore_reasons[clean] = reason
            return
        if not isinstance(value, list):
            raise self.fail(
                ("ignore",),
                f"`ignore` must be an array of rule codes or a table of code = reason, not {_kind(value)}",
            )
        self.cfg.ignore = self.codes("ignore", value)

    def per_file_ignores(self, value: Any) -> None:
        if not isinstance(value, dict):
            raise self.fail(
                ("per-file-ignores",),
                f"`per-file-ignores` must be a table of glob = [codes], not {_kind(value)}",
            )
        for glob, codes in value.items():
            self.cfg.per_file_ignores[glob] = self.codes(
                "per-file-ignores", codes, ("per-file-ignores", glob)
            )

    def mirrors(self, value: Any) -> None:
        if not isinstance(value, dict):
            raise self.fail(("mirrors",), f"`mirrors` must be a table of FROM = TO URLs, not {_kind(value)}")
        for src, dst in value.items():
            if not src.strip():
                raise self.fail(
                    ("mirrors", src), "`mirrors`: the URL prefix to replace must not be empty", key=True
                )
            self.cfg.mirrors[src.strip()] = self.string("mirrors", dst, ("mirrors", src))

    def targets(self, value: Any) -> None:
        from torchlint.targets import parse_target_option

        items = self.string_list("targets", value, ("targets",), "target names")
        for i, t in enumerate(items):
            try:
                parse_target_option(t)
            except InputError as e:
                raise self.fail(
                    ("targets", i), "`targets`: " + e.message.replace("--target ", "target ")
                ) from None
        self.cfg.targets = items

    def offline(self, value: Any) -> None:
        if not isinstance(value, bool):
            raise self.fail(("offline",), f"`offline` must be true or false, not {_kind(value)}")
        self.cfg.offline = value

    def pedantic(self, value: Any) -> None:
        if not isinstance(value, bool):
            raise self.fail(("pedantic",), f"`pedantic` must be true or false, not {_kind(value)}")
        self.cfg.pedantic = value

    def fail_on(self, value: Any) -> None:
        level = self.string("fail-on", value)
        if level not in FAIL_ON:
            hint = _suggest(level, FAIL_ON)
            raise self.fail(
                ("fail-on",), f"`fail-on`: expected one of {', '.join(FAIL_ON)}, not {level!r}{hint}"
            )
        self.cfg.fail_on = level

    def cache_ttl(self, value: Any) -> None:
        if not isinstance(value, dict):
            raise self.fail(
                ("cache-ttl",), f"`cache-ttl` must be a table like {{ nightly = 900 }}, not {_kind(value)}"
            )
        for key, seconds in value.items():
            if key not in CACHE_TTL_KEYS:
                hint = _suggest(key, CACHE_TTL_KEYS)
                raise self.fail(
                    ("cache-ttl", key),
                    f"unknown key `{key}` in `cache-ttl` (expected nightly, stable or other){hint}",
                    key=True,
                )
            if isinstance(seconds, bool) or not isinstance(seconds, (int, float)):
                raise self.fail(
                    ("cache-ttl", key), f"`cache-ttl.{key}` must be a number of seconds, not {_kind(seconds)}"
                )
            if seconds < 0:
                raise self.fail(("cache-ttl", key), f"`cache-ttl.{key}` must not be negative")
            self.cfg.cache_ttl[key] = float(seconds)

    def output_format(self, value: Any) -> None:
        from torchlint.report import FORMATS

        fmt = self.string("output-format", value)
        if fmt not in FORMATS:
            hint = _suggest(fmt, FORMATS)
            raise self.fail(
                ("output-format",),
                f"`output-format`: unknown format {fmt!r} (expected one of {', '.join(FORMATS)}){hint}",
            )
        self.cfg.output_format = fmt


# --------------------------------------------------------------------------- merging with the CLI


def resolve_codes(
    cfg: Config,
    select: Sequence[str] = (),
    ignore: Sequence[str] = (),
    extend_select: Sequence[str] = (),
    extend_ignore: Sequence[str] = (),
    pedantic: bool = False,
) -> list[str]:
    """The rule codes a run enables: the file's selection, then the command line's on top (ruff's layers).

    ``--select`` on the command line replaces the file's selection entirely; otherwise
    ``--extend-select`` adds to it and ``--ignore`` / ``--extend-ignore`` remove from it (the more
    specific selector wins; ignore wins a tie).
    """
    from torchlint.engine import all_rules, select_rules, selector_specificity

    cli_ignore = [*ignore, *extend_ignore]
    if select:
        return [r.code for r in select_rules(select, cli_ignore, extend_select, pedantic=pedantic)]
    chosen = {
        r.code
        for r in select_rules(
            cfg.select or (), [*cfg.ignore, *cfg.extend_ignore], cfg.extend_select, pedantic=pedantic
        )
    }
    for r in all_rules():
        s, i = selector_specificity(r.code, extend_select), selector_specificity(r.code, cli_ignore)
        if s > i and (pedantic or not r.rule.pedantic or _named(r.code, extend_select)):
            chosen.add(r.code)
        elif i:
            chosen.discard(r.code)
    return sorted(chosen)


def _named(code: str, selectors: Sequence[str]) -> bool:
    """Does a selector name *code* exactly (what switches a pedantic rule on without --pedantic)?"""
    return any(s.strip().upper() == code for s in selectors)


def ignored_by_path(cfg: Config, filename: str, code: str) -> bool:
    """True when ``per-file-ignores`` silences *code* in *filename* (a display path)."""
    if not cfg.per_file_ignores:
        return False
    from fnmatch import fnmatchcase

    from torchlint.engine import selector_specificity

    absolute = os.path.abspath(filename)
    try:
        rel = os.path.relpath(absolute, os.path.abspath(cfg.base_dir)).replace(os.sep, "/")
    except ValueError:
        rel = absolute
    names = (rel, absolute.replace(os.sep, "/"), os.path.basename(absolute))
    for glob, codes in cfg.per_file_ignores.items():
        pats = {glob, glob[3:]} if glob.startswith("**/") else {glob}
        if any(fnmatchcase(n, p) for n in names for p in pats) and selector_specificity(code, codes):
            return True
    return False
