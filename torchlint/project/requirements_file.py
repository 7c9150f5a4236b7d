"""Load a pip requirements file (``requirements*.txt``, constraints files) into the Project model.

Parsing follows pip's ``req_file`` module:

* logical lines: a trailing ``\\`` joins the next line; ``#`` at the start or after whitespace
  starts a comment; blank lines are skipped;
* a line whose first token starts with ``-`` is an *option line*; otherwise the text before the
  first ``-`` token is the requirement (PEP 508, ``name @ url``, or a wheel URL) and the rest are
  per-requirement options. pip applies only ``--hash``, ``--config-settings`` and
  ``--global-option`` there and **silently ignores every other option on a requirement line**
  (``torch --index-url …/cu126`` installs torch from the default index): those are recorded in
  ``project.ignored_options`` for TL006;
* ``-r`` / ``--requirement`` and ``-c`` / ``--constraint`` include files relative to the including
  file (depth ≤ 10, cycles reported as problems); constraints go to ``project.constraints``.

Index options map onto uv's model (:mod:`torchlint.routing`):

* ``--index-url`` / ``-i`` → ``IndexDef(default=True, origin="--index-url")``: it replaces the
  default index. As in pip, a later ``--index-url`` (or ``--no-index``) replaces every index
  option seen before it; the replaced ones become ignored options.
* ``--extra-index-url`` → ``IndexDef(origin="--extra-index-url")``, non-explicit. pip merges the
  candidates of all indexes and takes the best version, which is uv's ``unsafe-best-match``:
  ``project.uv.index_strategy`` is set to it (at the first extra index) so rules judge pip's
  behaviour, not uv's ``first-index``.
* ``-f`` / ``--find-links`` → ``IndexDef(format="flat", origin="--find-links")``.
* ``--pre`` on its own line → ``project.uv.prerelease = "allow"``.
* ``--hash`` values are kept on the requirement (``DeclaredRequirement.hashes``).

Every value carries a :class:`Location` (file, line and column of the requirement or option).

Gaps: ``--no-index`` cannot remove the default index from the model (recorded, not routed);
find-links pages are also merged by pip but do not set ``unsafe-best-match``; ``${VAR}`` is not
expanded; remote (``https://``) includes are not fetched.
"""

from __future__ import annotations

import os
import re
from collections.abc import Iterator
from dataclasses import dataclass, field

from torchlint.diagnostics import Location
from torchlint.errors import InputError
from torchlint.project.model import (
    BASE,
    DeclaredRequirement,
    IgnoredOption,
    IndexDef,
    Problem,
    Project,
    Setting,
    SourceEntry,
    SourceFile,
)
from torchlint.project.requirements import canonical, parse_requirement
from torchlint.project.tomlfile import display_path, read_text

MAX_DEPTH = 10

_COMMENT = re.compile(r"(^|\s+)#.*$")
_TOKEN = re.compile(r"\S+")
_WHEEL = re.compile(r"^([A-Za-z0-9][A-Za-z0-9._]*?)-([^-/]+?)(-\d[^-]*)?-[^-]+-[^-]+-[^-]+\.whl$")

#: option → canonical long name; value-taking options listed in _TAKES_VALUE.
_ALIASES = {
    "-i": "--index-url",
    "--index-url": "--index-url",
    "--extra-index-url": "--extra-index-url",
    "-f": "--find-links",
    "--find-links": "--find-links",
    "-r": "--requirement",
    "--requirement": "--requirement",
    "-c": "--constraint",
    "--constraint": "--constraint",
    "-e": "--editable",
    "--editable": "--editable",
    "--no-index": "--no-index",
    "--pre": "--pre",
    "--prefer-binary": "--prefer-binary",
    "--require-hashes": "--require-hashes",
    "--trusted-host": "--trusted-host",
    "--only-binary": "--only-binary",
    "--no-binary": "--no-binary",
    "--use-feature": "--use-feature",
    "--hash": "--hash",
    "--global-option": "--global-option",
    "-C": "--config-settings",
    "--config-settings": "--config-settings",
    "-Z": "--always-unzip",
    "--always-unzip": "--always-unzip",
}
_TAKES_VALUE = {
    "--index-url",
    "--extra-index-url",
    "--find-links",
    "--requirement",
    "--constraint",
    "--editable",
    "--trusted-host",
    "--only-binary",
    "--no-binary",
    "--use-feature",
    "--hash",
    "--global-option",
    "--config-settings",
}
_PER_REQUIREMENT = {"--hash", "--global-option", "--config-settings"}
_SHORT_WITH_VALUE = ("-i", "-f", "-r", "-c", "-e", "-C")


@dataclass(slots=True)
class _Line:
    text: str
    #: (offset in text, row, 1-based column) for each physical piece.
    pieces: list[tuple[int, int, int]]

    def point(self, offset: int) -> tuple[int, int]:
        row, col, start = self.pieces[0][1], self.pieces[0][2], 0
        for off, r, c in self.pieces:
            if off <= offset:
                start, row, col = off, r, c
        return row, col + offset - start

    def loc(self, display: str, start: int, end: int) -> Location:
        r0, c0 = self.point(start)
        r1, c1 = self.point(max(start, end - 1))
        return Location(display, r0, c0, r1, c1 + 1)


@dataclass(slots=True)
class _Option:
    name: str
    value: str | None
    start: int
    end: int
    value_start: int
    value_end: int


@dataclass
class _State:
    project: Project
    seen: set[str] = field(default_factory=set)
    #: Index options in effect (pip replaces them on --index-url / --no-index).
    index_urls: list[IndexDef] = field(default_factory=list)
    find_links: list[IndexDef] = field(default_factory=list)
    no_index: Location | None = None


def load_requirements_file(path: str) -> Project:
    sf = _source(path)
    project = Project(manager="pip", file=sf)
    state = _State(project)
    state.seen.add(os.path.realpath(path))
    _parse(state, sf, 0, constraint=False)
    project.indexes = [*state.index_urls, *state.find_links]
    for i, idx in enumerate(project.indexes):
        idx.order = i
    extras = [i for i in state.index_urls if i.origin == "--extra-index-url"]
    if extras:
        project.uv.index_strategy = Setting("unsafe-best-match", extras[0].location)
    return project


def _source(path: str) -> SourceFile:
    from torchlint.project.positions import scan

    text = read_text(path)
    return SourceFile(os.path.abspath(path), display_path(path), text, {}, scan(""))


def logical_lines(text: str) -> Iterator[_Line]:
    """pip's join_lines + ignore_comments, keeping where each character came from."""
    buf = ""
    pieces: list[tuple[int, int, int]] = []
    for row, physical in enumerate(text.splitlines(), start=1):
        if not pieces and physical.lstrip().startswith("#"):
            continue
        pieces.append((len(buf), row, 1))
        if physical.endswith("\\") and not physical.endswith("\\\\"):
            buf += physical[:-1]
            continue
        buf += physical
        yield from _finish(buf, pieces)
        buf, pieces = "", []
    if pieces:
        yield from _finish(buf, pieces)


def _finish(buf: str, pieces: list[tuple[int, int, int]]) -> Iterator[_Line]:
    m = _COMMENT.search(buf)
    if m is not None:
        buf = buf[: m.start()]
    if buf.strip():
        yield _Line(buf, pieces)


def _options(line: _Line, tokens: list[re.Match[str]]) -> tuple[list[_Option], list[tuple[str, int, int]]]:
    """Parse option tokens; returns options and unknown option tokens."""
    out: list[_Option] = []
    unknown: list[tuple[str, int, int]] = []
    i = 0
    while i < len(tokens):
        tok = tokens[i]
        word, start, end = tok.group(), tok.start(), tok.end()
        i += 1
        name, value, vs, ve = word, None, end, end
        if word.startswith("--") and "=" in word:
            name, _, value = word.partition("=")
            vs = start + len(name) + 1
        elif not word.startswith("--") and word[:2] in _SHORT_WITH_VALUE and len(word) > 2:
            name, value, vs = word[:2], word[2:], start + 2
        canon = _ALIASES.get(name)
        if canon is None:
            unknown.append((word, start, end))
            continue
        if canon in _TAKES_VALUE and value is None and i < len(tokens):
            v = tokens[i]
            value, vs, ve, end = v.group(), v.start(), v.end(), v.end()
            i += 1
        out.append(_Option(canon, value, start, end, vs, ve))
    return out, unknown


def _parse(state: _State, sf: SourceFile, depth: int, constraint: bool) -> None:
    project = state.project
    for line in logical_lines(sf.text):
        tokens = list(_TOKEN.finditer(line.text))
        if not tokens:
            continue
        first_opt = next((k for k, t in enumerate(tokens) if t.group().startswith("-")), len(tokens))
        opts, unknown = _options(line, tokens[first_opt:])
        for word, s, e in unknown:
            project.problems.append(Problem(f"unknown pip option {word!r}", line.loc(sf.display, s, e)))
        if first_opt == 0:
            for opt in opts:
                _option_line(state, sf, line, opt, depth)
            continue
        req_end = tokens[first_opt - 1].end()
        req_start = tokens[0].start()
        _requirement_line(state, sf, line, line.text[req_start:req_end], req_start, req_end, opts, constraint)


def _option_line(state: _State, sf: SourceFile, line: _Line, opt: _Option, depth: int) -> None:
    project = state.project
    loc = line.loc(sf.display, opt.start, opt.end)
    vloc = line.loc(sf.display, opt.value_start, opt.value_end) if opt.value else loc
    if opt.name in _TAKES_VALUE and not opt.value:
        project.problems.append(Problem(f"`{opt.name}` needs a value", loc))
        return
    if opt.name == "--index-url":
        assert opt.value is not None
        if state.no_index is not None:
            project.ignored_options.append(
                IgnoredOption(opt.name, opt.value, "pip ignores index URLs after `--no-index`", loc)
            )
            return
        _replace_indexes(state, f"replaced by the `--index-url` at {sf.display}:{loc.row}")
        state.index_urls.append(
            IndexDef(url=opt.value, default=True, origin="--index-url", location=loc, url_location=vloc)
        )
        project.uv.index_url = Setting(opt.value, vloc)
    elif opt.name == "--extra-index-url":
        assert opt.value is not None
        if state.no_index is not None:
            project.ignored_options.append(
                IgnoredOption(opt.name, opt.value, "pip ignores index URLs after `--no-index`", loc)
            )
            return
        state.index_urls.append(
            IndexDef(url=opt.value, origin="--extra-index-url", location=loc, url_location=vloc)
        )
        project.uv.extra_index_url.append(Setting(opt.value, vloc))
    elif opt.name == "--find-links":
        assert opt.value is not None
        state.find_links.append(
            IndexDef(url=opt.value, format="flat", origin="--find-links", location=loc, url_location=vloc)
        )
        project.uv.find_links.append(Setting(opt.value, vloc))
    elif opt.name == "--no-index":
        _replace_indexes(state, f"`--no-index` at {sf.display}:{loc.row} disables every index")
        state.no_index = loc
    elif opt.name == "--pre":
        project.uv.prerelease = Setting("allow", loc)
    elif opt.name in ("--requirement", "--constraint"):
        assert opt.value is not None
        _include(state, sf, opt.value, vloc, depth, opt.name == "--constraint")
    elif opt.name in _PER_REQUIREMENT:
        project.problems.append(Problem(f"`{opt.name}` must follow a requirement on the same line", loc))


def _replace_indexes(state: _State, reason: str) -> None:
    for idx in state.index_urls:
        assert idx.location is not None
        state.project.ignored_options.append(
            IgnoredOption(idx.origin, idx.url, f"pip never uses it: {reason}", idx.location)
        )
    state.index_urls = []
    state.project.uv.index_url = None
    state.project.uv.extra_index_url = []


def _include(state: _State, sf: SourceFile, target: str, loc: Location, depth: int, constraint: bool) -> None:
    project = state.project
    if re.match(r"^[a-z][a-z0-9+.-]*://", target, re.I):
        return  # remote includes are not fetched
    path = os.path.join(os.path.dirname(sf.path), target)
    real = os.path.realpath(path)
    if real in state.seen:
        project.problems.append(Problem(f"`{target}` is already included (include cycle)", loc))
        return
    if depth + 1 > MAX_DEPTH:
        project.problems.append(Problem(f"includes nested deeper than {MAX_DEPTH} files", loc))
        return
    try:
        sub = _source(path)
    except InputError as e:
        project.problems.append(Problem(f"cannot include `{target}`: {e.message}", loc))
        return
    state.seen.add(real)
    project.extra_files.append(sub)
    _parse(state, sub, depth + 1, constraint)


def _requirement_line(
    state: _State,
    sf: SourceFile,
    line: _Line,
    text: str,
    start: int,
    end: int,
    opts: list[_Option],
    constraint: bool,
) -> None:
    project = state.project
    loc = line.loc(sf.display, start, end)
    req, err = parse_requirement(text)
    url = None
    if req is None:
        wheel = _WHEEL.match(text.rsplit("/", 1)[-1].split("#")[0])
        if wheel is not None and "/" in text:
            from urllib.parse import unquote

            url = text
            req, err = parse_requirement(f"{unquote(wheel.group(1))} @ {text}")
        elif "/" in text or text.startswith(".") or text.startswith(("git+", "hg+", "svn+", "bzr+")):
            return  # a path, archive or VCS URL without a name: nothing an index decides
    if req is None:
        project.problems.append(Problem(f"invalid requirement {text!r}: {err}", loc))
        return
    name = canonical(req.name)
    hashes = tuple(o.value for o in opts if o.name == "--hash" and o.value)
    dr = DeclaredRequirement(text, name, req, BASE, loc, hashes=hashes)
    (project.constraints if constraint else project.requirements).append(dr)
    if req.url or url:
        entries = project.sources.setdefault(name, [])
        entries.append(
            SourceEntry(name, "url", location=loc, position=len(entries), raw={"url": req.url or url})
        )
    for o in opts:
        if o.name in _PER_REQUIREMENT:
            continue
        project.ignored_options.append(
            IgnoredOption(
                o.name,
                o.value,
                f"pip ignores `{o.name}` written on a requirement line; put it on a line of its own",
                line.loc(sf.display, o.start, o.end),
                package=name,
            )
        )
