"""PyTorch index URL knowledge: channels, variants, ``--mirror`` rewriting and redaction.

Pure functions over strings, stdlib only (this module is imported by the pre-commit path).

A PyTorch index is recognised by its path shape on the PyTorch host, or on any prefix that a
mirror mapping (``FROM -> TO``) relates to it:

* ``/whl/<variant>``, ``/whl/nightly/<variant>``, ``/whl/test/<variant>`` (PEP 503 indexes),
* ``/whl``, ``/whl/nightly``, ``/whl/test`` (the aggregated indexes),
* ``/whl/torch_stable.html``, ``/whl/nightly/torch_nightly.html``, ``/whl/cu118/torch_stable.html``
  and similar legacy flat (find-links) pages,

with an optional ``/simple`` suffix and trailing slashes.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Literal
from urllib.parse import quote, unquote, urlsplit, urlunsplit

PYTORCH_ROOT = "https://download.pytorch.org"
PYTORCH_HOST = "download.pytorch.org"

Channel = Literal["stable", "test", "nightly"]
Kind = Literal["cpu", "cuda", "rocm", "xpu", "aggregated", "flat", "unknown"]

_VARIANT_KINDS: tuple[tuple[re.Pattern[str], Kind], ...] = (
    (re.compile(r"cpu"), "cpu"),
    (re.compile(r"cu\d+"), "cuda"),
    (re.compile(r"rocm\d+(?:\.\d+){1,2}"), "rocm"),
    (re.compile(r"xpu"), "xpu"),
)
#: Variants that existed on the index but are not a device kind of their own.
LEGACY_VARIANTS = frozenset({"cpu-cxx11-abi", "cpu_pypi_pkg"})
_FLAT_PAGES: dict[str, Channel] = {
    "torch_stable.html": "stable",
    "torch_nightly.html": "nightly",
    "torch_test.html": "test",
}
_CHANNEL_SEGMENTS: dict[str, Channel] = {"nightly": "nightly", "test": "test"}
# A path segment that could name a variant we do not know yet (reported as kind "unknown").
_VARIANT_LIKE = re.compile(r"[a-z0-9][a-z0-9._+-]*")
_SECRET_QUERY = re.compile(r"token|key|passw|secret|signature|sig$|auth|credential", re.IGNORECASE)


@dataclass(frozen=True)
class PytorchIndex:
    """A recognised PyTorch index URL."""

    #: The URL as given, with any credentials removed.
    url: str
    channel: Channel
    #: ``cpu``, ``cu128``, ``rocm6.4``, ``xpu``, a legacy/unknown name, or ``None`` for the
    #: aggregated ``/whl`` index and for channel-wide flat pages.
    variant: str | None
    kind: Kind
    #: A legacy ``*.html`` find-links page.
    flat: bool
    #: Path relative to the PyTorch root, e.g. ``whl/nightly/cu128`` (no leading/trailing slash).
    key: str


def variant_kind(variant: str) -> Kind:
    """``cu128`` -> ``cuda``, ``rocm6.4`` -> ``rocm``; legacy and unknown names -> ``unknown``."""
    v = variant.lower()
    for pattern, kind in _VARIANT_KINDS:
        if pattern.fullmatch(v):
            return kind
    return "unknown"


def local_label_for(variant: str) -> str:
    """The local version label PyTorch puts on this variant's wheels: ``cu128`` -> ``+cu128``.

    Legacy names use dots as PEP 440 local labels do: ``cpu-cxx11-abi`` -> ``+cpu.cxx11.abi``.
    """
    return "+" + re.sub(r"[-_]", ".", variant.lower())


# --------------------------------------------------------------------------------------------
# URL plumbing


def _norm_prefix(url: str) -> str:
    """Lower-case scheme and host, drop userinfo, query, fragment and trailing slashes."""
    try:
        parts = urlsplit(url.strip())
    except ValueError:
        return url.strip().rstrip("/")
    netloc = parts.netloc.rpartition("@")[2].lower()
    return urlunsplit((parts.scheme.lower(), netloc, parts.path.rstrip("/"), "", ""))


def _norm_url_keep_query(url: str) -> tuple[str, str]:
    """(normalised URL without query, ``?query#fragment`` tail)."""
    try:
        parts = urlsplit(url.strip())
    except ValueError:
        return url.strip(), ""
    netloc = parts.netloc.rpartition("@")[2].lower()
    tail = ("?" + parts.query if parts.query else "") + ("#" + parts.fragment if parts.fragment else "")
    return urlunsplit((parts.scheme.lower(), netloc, parts.path, "", "")), tail


def _strip_prefix(url: str, prefix: str) -> str | None:
    """The rest of ``url`` after ``prefix`` (both normalised), at a path boundary, else None."""
    if not prefix:
        return None
    if url == prefix:
        return ""
    if url.startswith(prefix) and url[len(prefix)] == "/":
        return url[len(prefix) :]
    return None


def apply_mirrors(url: str, mirrors: Mapping[str, str]) -> str:
    """Rewrite ``url`` by the longest matching mirror prefix (``FROM -> TO``).

    Prefixes are compared with trailing slashes stripped and scheme/host case-insensitively,
    at a path-segment boundary. Credentials in ``url`` are not carried to the mirror (the TO
    prefix may carry its own). Returns ``url`` unchanged when no prefix matches.
    """
    if not mirrors:
        return url
    norm, tail = _norm_url_keep_query(url)
    best: tuple[int, str, str] | None = None
    for frm, to in mirrors.items():
        p = _norm_prefix(frm)
        rest = _strip_prefix(norm, p)
        if rest is not None and (best is None or len(p) > best[0]):
            best = (len(p), to, rest)
    if best is None:
        return url
    _, to, rest = best
    return to.strip().rstrip("/") + rest + tail


def split_credentials(url: str) -> tuple[str, tuple[str, str] | None]:
    """``https://u:p@host/x`` -> (``https://host/x``, (``u``, ``p``)); a lone token -> (token, "")."""
    try:
        parts = urlsplit(url)
    except ValueError:
        return url, None
    if "@" not in parts.netloc:
        return url, None
    userinfo, _, hostport = parts.netloc.rpartition("@")
    user, sep, password = userinfo.partition(":")
    clean = urlunsplit((parts.scheme, hostport, parts.path, parts.query, parts.fragment))
    return clean, (unquote(user), unquote(password) if sep else "")


def redact(url: str) -> str:
    """Hide secrets: ``user:pass@`` -> ``user:***@``, ``token@`` -> ``***@``, ``?token=x`` -> ``?token=***``.

    Never raises; a string that is not a URL is returned with anything that looks like
    userinfo masked.
    """
    try:
        parts = urlsplit(url)
    except ValueError:
        return re.sub(r"//[^/@\s]*@", "//***@", url)
    netloc = parts.netloc
    if "@" in netloc:
        userinfo, _, hostport = netloc.rpartition("@")
        user, sep, _password = userinfo.partition(":")
        netloc = f"{user}:***@{hostport}" if sep and user else f"***@{hostport}"
    query = parts.query
    if query:
        out = []
        for item in query.split("&"):
            name, sep, value = item.partition("=")
            if sep and value and _SECRET_QUERY.search(unquote(name)):
                item = f"{name}=***"
            out.append(item)
        query = "&".join(out)
    return urlunsplit((parts.scheme, netloc, parts.path, query, parts.fragment))


def origin_of(url: str) -> str:
    """``scheme://host:port`` (lower case, no userinfo, default ports made explicit)."""
    try:
        parts = urlsplit(url)
        scheme = parts.scheme.lower()
        host = (parts.hostname or "").lower()
        port = parts.port or {"http": 80, "https": 443}.get(scheme, 0)
    except ValueError:
        return ""
    return f"{scheme}://{host}:{port}"


def quote_path(path: str) -> str:
    """Percent-quote a path the way a URL needs it (``+`` becomes ``%2B``)."""
    return quote(path, safe="/:@!$&'()*,;=~-._")


# --------------------------------------------------------------------------------------------
# Recognition


def _parse_path(path: str, url: str) -> PytorchIndex | None:
    segs = [unquote(s) for s in path.split("/") if s]
    if segs and segs[-1].lower() == "simple":
        segs = segs[:-1]
    if not segs or segs[0].lower() != "whl":
        return None
    rest = [s.lower() for s in segs[1:]]
    channel: Channel = "stable"
    if rest and rest[0] in _CHANNEL_SEGMENTS:
        channel = _CHANNEL_SEGMENTS[rest[0]]
        rest = rest[1:]
    flat = False
    if rest and rest[-1].endswith((".html", ".htm")):
        page = rest[-1]
        if page not in _FLAT_PAGES:
            return None
        if channel == "stable":
            channel = _FLAT_PAGES[page]
        flat = True
        rest = rest[:-1]
    if len(rest) > 1:
        return None
    key = "/".join(s for s in ["whl", *segs[1:]]).lower()
    if not rest:
        kind: Kind = "flat" if flat else "aggregated"
        return PytorchIndex(url=url, channel=channel, variant=None, kind=kind, flat=flat, key=key)
    variant = rest[0]
    if not _VARIANT_LIKE.fullmatch(variant):
        return None
    kind = "flat" if flat else variant_kind(variant)
    return PytorchIndex(url=url, channel=channel, variant=variant, kind=kind, flat=flat, key=key)


def parse_pytorch_url(url: str, mirrors: Mapping[str, str] | None = None) -> PytorchIndex | None:
    """Recognise a PyTorch index URL (on the PyTorch host or a mirror of it), else None.

    ``mirrors`` maps public prefixes (FROM) to replacement prefixes (TO). A URL under a TO
    prefix is mapped back to its FROM form; a URL under either prefix is also tried with that
    prefix standing for the PyTorch root (``https://mirror/pytorch`` -> ``.../whl/cu128``).
    """
    clean, _ = split_credentials(url.strip())
    norm = _norm_prefix(clean)
    candidates: list[str] = [norm]
    roots: list[str] = []
    for frm, to in (mirrors or {}).items():
        f, t = _norm_prefix(frm), _norm_prefix(to)
        rest = _strip_prefix(norm, t)
        if rest is not None:
            candidates.append(f + rest)
            roots.append(rest)
        rest = _strip_prefix(norm, f)
        if rest is not None:
            roots.append(rest)
    for cand in candidates:
        try:
            parts = urlsplit(cand)
        except ValueError:
            continue
        if parts.scheme in ("http", "https") and (parts.hostname or "").lower() == PYTORCH_HOST:
            found = _parse_path(parts.path, clean)
            if found is not None:
                return found
    for rest in roots:
        found = _parse_path(rest, clean)
        if found is not None:
            return found
    return None


def is_pytorch_host(url: str) -> bool:
    """True when ``url`` is on the PyTorch index host (any scheme case, port, credentials)."""
    try:
        return (urlsplit(url.strip()).hostname or "").lower() == PYTORCH_HOST
    except ValueError:
        return False


_USERINFO_IN_TEXT = re.compile(r"(?i)\b([a-z][a-z0-9+.-]*://)([^/\s@\"'<>]+)@")


def redact_text(text: str) -> str:
    """Mask credentials in any URL inside *text* (a source line shown in a report).

    Each character of the user-info becomes ``*``, so columns after it (the caret under a
    finding) stay where they were.
    """
    return _USERINFO_IN_TEXT.sub(lambda m: m.group(1) + "*" * len(m.group(2)) + "@", text)
