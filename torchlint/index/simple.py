"""Project pages of a simple repository -> :class:`~torchlint.index.model.Listing`.

PEP 691 JSON and PEP 503 HTML (with the PEP 592/658/714 data attributes), plus legacy flat
find-links pages (``torch_stable.html``). HTML is read with a tolerant regular expression
rather than :mod:`html.parser`: PyTorch pages carry tens of thousands of anchors and a linter
run must stay fast. Parsing never raises: a page that cannot be read becomes an ``error``
listing with a one-line reason.
"""

from __future__ import annotations

import html
import json
import re
from dataclasses import replace
from datetime import datetime, timezone
from typing import Any
from urllib.parse import unquote, urljoin, urlsplit, urlunsplit

from torchlint.index.filenames import canonical_name, project_of_filename
from torchlint.index.model import FileEntry, Listing
from torchlint.index.urls import redact, split_credentials

ACCEPT = "application/vnd.pypi.simple.v1+json, application/vnd.pypi.simple.v1+html;q=0.2, text/html;q=0.1"
JSON_TYPE = "application/vnd.pypi.simple.v1+json"

# The fast path: one pass of one regular expression over the page. Its first alternative
# reads anchors written the usual way (``name="value"``); inside its repeated group every
# wanted attribute has its own capture group, so attributes come out of the regular
# expression engine already sorted. Its second alternative keeps the raw attribute text of any
# other anchor (single quotes, unquoted values) for :func:`_attrs`. No character class crosses
# a ``<``, so the work is linear in the page size whatever the input; a page where that loses
# anchors (a raw ``<`` inside a quoted value) is re-read by the slow path, which splits the
# page at each ``<a`` first (so it is linear too).
_ANCHOR = re.compile(
    r"""<a(?:\s+(?:href="([^"<]*)"|data-core-metadata="([^"<]*)"|data-dist-info-metadata="([^"<]*)"|"""
    r"""data-requires-python="([^"<]*)"|(data-yanked)(?:="[^"<]*")?|[\w:.-]+="[^"<]*"|[\w:.-]+))*\s*/?>"""
    r"""([^<]*)"""
    r"""|<a(\s[^>"'<]*(?:(?:"[^"<]*"|'[^'<]*')[^>"'<]*)*)>([^<]*)""",
    re.IGNORECASE,
)
_ANCHOR_START = re.compile(r"<a\s", re.IGNORECASE)
_ANCHOR_SPLIT = re.compile(r"<a(?=\s)", re.IGNORECASE)
_TAG_REST = re.compile(r"""([^>"']*(?:(?:"[^"]*"|'[^']*')[^>"']*)*)>([^<]*)""")
_ATTR = re.compile(
    r"""([^\s=/>"']+)(?:\s*=\s*(?:"([^"]*)"|'([^']*)'|([^\s>"']+)))?""",
    re.DOTALL,
)
_BASE = re.compile(r"""<base\b((?:[^>"']|"[^"]*"|'[^']*')*)>""", re.IGNORECASE)
_CHARSET = re.compile(r"charset\s*=\s*\"?([\w.:-]+)", re.IGNORECASE)


def now_iso() -> str:
    return datetime.now(timezone.utc).replace(microsecond=0).isoformat()


def project_url(index_url: str, project: str) -> str:
    """``<index>/<canonical-name>/`` (a query string on the index URL is kept at the end)."""
    if "?" not in index_url and "#" not in index_url:
        return index_url.rstrip("/") + "/" + canonical_name(project) + "/"
    parts = urlsplit(index_url)
    path = parts.path.rstrip("/") + "/" + canonical_name(project) + "/"
    return urlunsplit((parts.scheme, parts.netloc, path, parts.query, ""))


def is_flat_url(url: str) -> bool:
    """A find-links page (``*.html``) rather than a simple index root."""
    try:
        path = urlsplit(url).path
    except ValueError:
        return False
    return path.lower().endswith((".html", ".htm"))


def _decode(body: bytes, content_type: str) -> str:
    m = _CHARSET.search(content_type or "")
    if m:
        try:
            return body.decode(m[1], errors="replace")
        except LookupError:
            pass
    return body.decode("utf-8", errors="replace")


def _attrs(text: str) -> dict[str, str]:
    """All attributes of a tag (first occurrence wins), values HTML-unescaped."""
    out: dict[str, str] = {}
    for name, v1, v2, v3 in _ATTR.findall(text):
        name = name.lower()
        if name not in out:
            value = v1 or v2 or v3
            out[name] = html.unescape(value) if "&" in value else value
    return out


class _Resolver:
    """Fast ``urljoin`` for the common href shapes (absolute, absolute-path)."""

    def __init__(self, base: str) -> None:
        self.base = base
        try:
            parts = urlsplit(base)
            self.origin = f"{parts.scheme}://{parts.netloc}" if parts.scheme and parts.netloc else ""
        except ValueError:
            self.origin = ""

    def __call__(self, href: str) -> str:
        if href.startswith(("https://", "http://")):
            return href
        if href.startswith("/") and not href.startswith("//") and self.origin:
            return self.origin + href
        try:
            return urljoin(self.base, href)
        except ValueError:
            return href


def _metadata_attr(value: str | None) -> tuple[bool, str | None]:
    if value is None:
        return False, None
    v = value.strip()
    if v.lower() == "false":
        return False, None
    name, sep, digest = v.partition("=")
    if sep and name.strip().lower() == "sha256" and digest.strip():
        return True, digest.strip().lower()
    return True, None


def _filename_from_url(url: str) -> str:
    path = url.split("#", 1)[0].split("?", 1)[0]
    return unquote(path.rsplit("/", 1)[-1])


def _parse_html_entries(text: str, page_url: str) -> list[FileEntry]:
    base = page_url
    if "<base" in text or "<BASE" in text:
        m = _BASE.search(text)
        if m:
            href = _attrs(m[1]).get("href")
            if href:
                base = urljoin(page_url, href)
    rows: list[tuple[str, str, str, str, str, str, str, str]] = _ANCHOR.findall(text)
    if len(rows) != len(_ANCHOR_START.findall(text)):
        rows = []
        for chunk in _ANCHOR_SPLIT.split(text)[1:]:
            m = _TAG_REST.match(chunk)
            if m is not None:
                rows.append(("", "", "", "", "", "", " " + m[1], m[2]))
    resolve = _Resolver(base)
    origin = resolve.origin
    unescaped: dict[str, str] = {}
    files: list[FileEntry] = []
    append = files.append
    for href, core, dist, rp, yanked, label, raw, label2 in rows:
        if raw:
            attrs = _attrs(raw)
            href = attrs.get("href", "")
            core = attrs.get("data-core-metadata", "")
            dist = attrs.get("data-dist-info-metadata", "")
            rp = attrs.get("data-requires-python", "")
            yanked = "data-yanked" if "data-yanked" in attrs else ""
            label = label2
            has_core = "data-core-metadata" in attrs
            has_dist = "data-dist-info-metadata" in attrs
        else:
            if "&" in href:
                href = html.unescape(href)
            if rp and "&" in rp:
                rp = unescaped.get(rp) or unescaped.setdefault(rp, html.unescape(rp))
            has_core = bool(core)
            has_dist = bool(dist)
        if not href:
            continue
        url, hashed, fragment = href.partition("#")
        if url[:1] == "/" and url[1:2] != "/" and origin:
            url = origin + url
        elif not url.startswith(("https://", "http://")):
            url = resolve(url.strip())
        sha256 = (fragment[7:].strip().lower() or None) if hashed and fragment[:7] == "sha256=" else None
        filename = (html.unescape(label) if "&" in label else label).strip()
        if "/" in filename:
            # Legacy flat pages write ``cu118/torch-...whl``: the filename is the last part.
            filename = filename.rsplit("/", 1)[1]
        if not filename:
            filename = _filename_from_url(url)
        # An empty ``data-core-metadata=""`` is taken as absent (the attribute says nothing).
        meta = core if has_core and core else dist if has_dist and dist else None
        if meta is None:
            has_meta, meta_sha = False, None
        elif meta.startswith("sha256="):
            has_meta, meta_sha = True, meta[7:].strip().lower() or None
        else:
            has_meta, meta_sha = _metadata_attr(html.unescape(meta))
        append(FileEntry(filename, url, sha256, rp.strip() or None, has_meta, meta_sha, bool(yanked)))
    return files


def _json_metadata(value: Any) -> tuple[bool, str | None]:
    if isinstance(value, dict):
        digest = value.get("sha256")
        return True, digest.lower() if isinstance(digest, str) and digest else None
    return bool(value) and value is not None, None


def _parse_json_entries(text: str, page_url: str) -> list[FileEntry]:
    doc = json.loads(text)
    if not isinstance(doc, dict):
        raise ValueError("top level is not an object")
    raw_files = doc.get("files")
    if not isinstance(raw_files, list):
        raise ValueError('no "files" array')
    resolve = _Resolver(page_url)
    files: list[FileEntry] = []
    for item in raw_files:
        if not isinstance(item, dict):
            continue
        filename, url = item.get("filename"), item.get("url")
        if not isinstance(filename, str) or not isinstance(url, str) or not filename:
            continue
        url = resolve(url.split("#", 1)[0])
        hashes = item.get("hashes")
        sha256 = hashes.get("sha256") if isinstance(hashes, dict) else None
        meta = item.get("core-metadata", item.get("dist-info-metadata"))
        has_meta, meta_sha = _json_metadata(meta)
        rp = item.get("requires-python")
        yanked = item.get("yanked", False)
        size = item.get("size")
        upload = item.get("upload-time")
        files.append(
            FileEntry(
                filename=filename,
                url=url,
                sha256=sha256.lower() if isinstance(sha256, str) and sha256 else None,
                requires_python=rp.strip() or None if isinstance(rp, str) else None,
                has_metadata=has_meta,
                metadata_sha256=meta_sha,
                yanked=yanked is True or (isinstance(yanked, str) and yanked != ""),
                size=size if isinstance(size, int) and not isinstance(size, bool) else None,
                upload_time=upload if isinstance(upload, str) else None,
            )
        )
    return files


def _strip_userinfo(url: str) -> str:
    return split_credentials(url)[0]


def _is_json(content_type: str) -> bool:
    ct = (content_type or "").split(";", 1)[0].strip().lower()
    return ct == JSON_TYPE or ct == "application/json" or ct.endswith("+json")


def _looks_like_html(text: str) -> str | None:
    """None when ``text`` may be an HTML page, else why not."""
    if not text.strip():
        return "empty body"
    if "\x00" in text:
        return "binary content"
    if "<" not in text:
        return "no markup"
    return None


def parse_project_page(
    body: bytes, content_type: str, page_url: str, project: str, index_url: str
) -> Listing:
    """Parse a project page (JSON by ``content_type``, otherwise HTML) into a Listing.

    ``page_url`` resolves relative links; credentials in it never reach the result.
    ``index_url`` is stored redacted. Never raises.
    """
    clean_page = _strip_userinfo(page_url)
    base = Listing(
        index_url=redact(index_url),
        project=canonical_name(project),
        status="ok",
        page_url=redact(clean_page),
        fetched_at=now_iso(),
    )
    try:
        text = _decode(body, content_type)
        if _is_json(content_type):
            try:
                files = _parse_json_entries(text, clean_page)
            except (ValueError, TypeError, AttributeError, RecursionError) as exc:
                return replace(base, status="error", error=f"invalid JSON page: {_one_line(exc)}")
        else:
            problem = _looks_like_html(text)
            if problem is not None:
                return replace(base, status="error", error=f"invalid HTML page: {problem}")
            files = _parse_html_entries(text, clean_page)
    except Exception as exc:  # pragma: no cover - defensive: parsing must never raise
        return replace(base, status="error", error=f"unreadable page: {_one_line(exc)}")
    return replace(base, files=tuple(files))


def parse_flat_page(body: bytes, content_type: str, page_url: str, project: str, index_url: str) -> Listing:
    """A legacy find-links page: every anchor whose filename belongs to ``project``.

    A page without any file of the project gives an ``absent`` listing.
    """
    listing = parse_project_page(body, content_type, page_url, project, index_url)
    if not listing.ok:
        return listing
    return filter_flat_listing(listing, project)


def filter_flat_listing(listing: Listing, project: str) -> Listing:
    """Keep the files of ``project`` from a listing of a whole flat page."""
    want = canonical_name(project)
    files = tuple(f for f in listing.files if project_of_filename(f.filename) == want)
    return Listing(
        index_url=listing.index_url,
        project=want,
        status="ok" if files else "absent",
        files=files,
        origin=listing.origin,
        fetched_at=listing.fetched_at,
        page_url=listing.page_url,
    )


def _one_line(exc: BaseException) -> str:
    text = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
    return text[:200]
