"""The httpx client of the probe layer: listings and wheel metadata, bounded in every way.

Timeouts (per operation and per attempt), retries with backoff for 5xx and transport errors,
bounded concurrency, byte caps enforced while streaming (on decoded bytes, so a gzip bomb
stops at the cap), manual redirects (at most 5, never https -> http, credentials dropped on
a change of origin). METADATA comes from the PEP 658 sidecar, else from HTTP Range reads of
the zip; a whole wheel is never downloaded. No public method raises (``KeyboardInterrupt``
excepted); failures come back as ``error`` listings or :class:`MetadataUnavailable`.
Credentials are sent as basic auth and appear in no result, message or cache file.
"""

from __future__ import annotations

import hashlib
import netrc
import os
import re
import threading
import time
import zlib
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, replace
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypeVar
from urllib.parse import urlsplit, urlunsplit

if TYPE_CHECKING:
    import httpx

from torchlint import __version__
from torchlint.index.cache import DiskCache
from torchlint.index.filenames import canonical_name
from torchlint.index.model import CoreMetadata, FileEntry, Listing, MetadataUnavailable, ProbeStats
from torchlint.index.simple import (
    ACCEPT,
    filter_flat_listing,
    is_flat_url,
    now_iso,
    parse_project_page,
    project_url,
)
from torchlint.index.urls import origin_of, redact, split_credentials
from torchlint.index.zipmeta import MAX_METADATA_BYTES, ZipMetaError, parse_metadata, read_metadata

T = TypeVar("T")
R = TypeVar("R")

Auth = tuple[str, str]
_RETRY_STATUSES = frozenset({429, 500, 502, 503, 504})
_REDIRECTS = frozenset({301, 302, 303, 307, 308})
_ABSENT = frozenset({403, 404, 410})
_MAX_REDIRECTS = 5
#: A compressed body is refused once it has inflated past the floor at more than the ratio.
_BOMB_FLOOR = 4 << 20
_BOMB_RATIO = 200
#: Largest piece of decoded output produced at a time.
_PIECE = 1 << 20
_CONTENT_RANGE = re.compile(r"bytes\s+(\d+)-(\d+)/(\d+|\*)", re.IGNORECASE)


def _load_httpx() -> Any:
    """Import httpx on first network use: an offline run (cache, snapshot) never pays for it."""
    global httpx
    import httpx as module

    httpx = module  # type: ignore[name-defined]
    return module


RANGE_UNSUPPORTED = "index ignores Range requests; metadata unavailable without a full download"


class _FetchError(Exception):
    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


class _RangeUnsupported(Exception):
    pass


@dataclass(frozen=True, slots=True)
class _Response:
    status: int
    headers: httpx.Headers
    body: bytes
    url: str


class _Decoder:
    """Content-Encoding decoding with a bound on the output of every step."""

    def __init__(self, encoding: str) -> None:
        enc = encoding.strip().lower()
        self.encoding = enc
        self._z: zlib._Decompress | None = None
        if enc in ("", "identity"):
            pass
        elif enc in ("gzip", "x-gzip"):
            self._z = zlib.decompressobj(wbits=16 + zlib.MAX_WBITS)
        elif enc == "deflate":
            self._z = None  # chosen on first bytes: zlib-wrapped or raw
        else:
            raise _FetchError(f"unsupported Content-Encoding {enc!r}")
        self._first = True

    def feed(self, data: bytes, room: int) -> Iterator[bytes]:
        """Decode ``data`` in pieces of at most :data:`_PIECE` bytes, stopping once more than
        ``room`` bytes came out (more than ``room`` = over cap). The caller checks each piece,
        so a bomb never costs more than one piece of memory beyond what was accepted."""
        if self.encoding in ("", "identity"):
            yield data
            return
        if self._z is None:
            wbits = zlib.MAX_WBITS if data[:1] and (data[0] & 0x0F) == 8 else -zlib.MAX_WBITS
            self._z = zlib.decompressobj(wbits=wbits)
        out = 0
        while True:
            try:
                piece = self._z.decompress(data, min(max(room - out, 0) + 1, _PIECE))
            except zlib.error as exc:
                raise _FetchError(f"corrupt {self.encoding} body: {exc}") from exc
            out += len(piece)
            yield piece
            data = self._z.unconsumed_tail
            if not data or out > room:
                return


def _fmt_mb(n: int) -> str:
    return f"{n / (1 << 20):g} MB"


def _short(exc: BaseException) -> str:
    text = str(exc).strip().splitlines()[0] if str(exc).strip() else ""
    return f"{type(exc).__name__}: {text}"[:200] if text else type(exc).__name__


#: Seconds the run waits past its network deadline for requests ending on their own timeouts.
_DEADLINE_GRACE = 0.5


@dataclass
class HostSilence:
    """What one host left unanswered in a run: requests that timed out, requests not sent."""

    timed_out: int = 0
    not_sent: int = 0
    waiting: int = 0


def _host_of(url: str) -> str:
    try:
        return urlsplit(url).netloc.rpartition("@")[2].lower() or url
    except ValueError:
        return "?"


def _metadata_url(url: str) -> str:
    parts = urlsplit(url)
    return urlunsplit((parts.scheme, parts.netloc, parts.path + ".metadata", parts.query, ""))


class SimpleClient:
    """Fetch listings and metadata from simple repositories. Thread-safe; use :meth:`map`."""

    def __init__(
        self,
        *,
        timeout: float = 10.0,
        connect_timeout: float = 5.0,
        retries: int = 2,
        max_concurrency: int = 8,
        cache: DiskCache | None = None,
        refresh: bool = False,
        offline: bool = False,
        max_page_bytes: int = 64 << 20,
        max_metadata_bytes: int = 16 << 20,
        range_cap_bytes: int = 32 << 20,
        user_agent: str = f"torchlint/{__version__}",
        transport: httpx.BaseTransport | None = None,
        run_budget: float | None = None,
    ) -> None:
        self.timeout = timeout
        #: Seconds all network work of the run may take, from its first request (None: no bound).
        self.run_budget = run_budget
        self._run_deadline: float | None = None
        #: Per origin: what did not answer (for the run's one-line note).
        self.silent: dict[str, HostSilence] = {}
        #: Pages answered from a stale cache entry because the index did not answer.
        self.stale_pages: list[str] = []
        self.connect_timeout = connect_timeout
        self.retries = max(0, retries)
        self.max_concurrency = max(1, max_concurrency)
        self.cache = cache
        self.refresh = refresh
        self.offline = offline
        self.max_page_bytes = max_page_bytes
        self.max_metadata_bytes = max_metadata_bytes
        self.range_cap_bytes = range_cap_bytes
        self.stats = ProbeStats()
        self._lock = threading.Lock()
        self._auth_by_origin: dict[str, Auth] = {}
        self._flat_pages: dict[str, Listing] = {}
        self._netrc_loaded = False
        self._netrc: netrc.netrc | None = None
        self._netrc_auth: httpx.NetRCAuth | None = None
        # Per attempt, a wall-clock bound on top of httpx's per-operation timeouts (a server
        # that drips one byte per second never trips a read timeout): connect, headers and the
        # whole body within ``timeout``.
        self._attempt_budget = timeout
        self._transport = transport
        self._user_agent = user_agent
        self._client: httpx.Client | None = None
        # range support per origin, learnt once per run (a HEAD request, like uv)
        self._range_ok: dict[str, bool] = {}
        self._range_gates: dict[str, threading.Lock] = {}
        # origins that timed out or refused connections after every retry: reason, per run
        self._dead_origins: dict[str, str] = {}
        self._unreachable_urls: dict[str, set[str]] = {}

    @property
    def _http(self) -> httpx.Client:
        with self._lock:
            if self._client is None:
                self._client = self._make_client()
            return self._client

    def _make_client(self) -> httpx.Client:
        _load_httpx()
        timeout, connect_timeout, transport, user_agent = (
            self.timeout,
            self.connect_timeout,
            self._transport,
            self._user_agent,
        )
        from torchlint.index.tls import LazyTrustContext

        return httpx.Client(
            trust_env=True,
            # verified like httpx's default, but the CA bundle is read on the first TLS connection
            verify=LazyTrustContext(),
            follow_redirects=False,
            timeout=httpx.Timeout(timeout, connect=connect_timeout),
            limits=httpx.Limits(
                max_connections=self.max_concurrency, max_keepalive_connections=self.max_concurrency
            ),
            http2=False,
            transport=transport,
            headers={"User-Agent": user_agent},
        )

    # -- lifecycle -------------------------------------------------------------------------

    def close(self) -> None:
        if self._client is not None:
            self._client.close()

    def __enter__(self) -> SimpleClient:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def map(self, fn: Callable[[T], R], items: Iterable[T], late: Callable[[T], R] | None = None) -> list[R]:
        """``[fn(x) for x in items]`` with at most ``max_concurrency`` running; ``fn`` must not raise.

        With ``late`` and a run budget, the wait ends at the run's deadline (plus a short grace
        for requests ending on their own timeouts): an item not done by then gets ``late(x)``
        and its worker (a daemon thread) is abandoned, so no server can hold the run longer.
        """
        work = list(items)
        if late is None or self.run_budget is None or self.offline:
            if len(work) <= 1 or self.max_concurrency == 1:
                return [fn(x) for x in work]
            with ThreadPoolExecutor(max_workers=min(self.max_concurrency, len(work))) as pool:
                return list(pool.map(fn, work))
        return self._map_until_deadline(fn, work, late)

    def _map_until_deadline(self, fn: Callable[[T], R], work: list[T], late: Callable[[T], R]) -> list[R]:
        results: dict[int, R] = {}
        errors: list[BaseException] = []
        todo = list(range(len(work)))
        cond = threading.Condition()

        def worker() -> None:
            while True:
                with cond:
                    if not todo:
                        return
                    i = todo.pop(0)
                try:
                    r = fn(work[i])
                except BaseException as exc:  # re-raised in the caller's thread, never lost
                    with cond:
                        errors.append(exc)
                        cond.notify_all()
                    return
                with cond:
                    results[i] = r
                    cond.notify_all()

        for _ in range(min(self.max_concurrency, len(work))):
            threading.Thread(target=worker, daemon=True, name="torchlint-fetch").start()
        with cond:
            while len(results) < len(work) and not errors:
                left = self.deadline_left()
                if left is not None and left < -_DEADLINE_GRACE:
                    break
                cond.wait(0.05 if left is None else min(max(left + _DEADLINE_GRACE, 0.01), 0.25))
            done = dict(results)
            todo.clear()  # workers still running take nothing new
        if errors:
            raise errors[0]
        return [done[i] if i in done else late(work[i]) for i in range(len(work))]

    def deadline_left(self) -> float | None:
        """Seconds left of the run's network budget; None before the first request (or unbounded)."""
        with self._lock:
            if self._run_deadline is None:
                return None
            return self._run_deadline - time.monotonic()

    def _start_clock(self) -> float | None:
        """Start the run's network clock on the first request; seconds left (None: unbounded)."""
        if self.run_budget is None:
            return None
        with self._lock:
            if self._run_deadline is None:
                self._run_deadline = time.monotonic() + self.run_budget
            return self._run_deadline - time.monotonic()

    def silence(self, url: str, *, timed_out: int = 0, not_sent: int = 0, waiting: int = 0) -> None:
        """Count what a host left unanswered (for the run's one-line note)."""
        host = _host_of(url)
        with self._lock:
            h = self.silent.setdefault(host, HostSilence())
            h.timed_out += timed_out
            h.not_sent += not_sent
            h.waiting += waiting

    # -- bookkeeping -----------------------------------------------------------------------

    def _count(self, *, requests: int = 0, received: int = 0, from_cache: int = 0) -> None:
        with self._lock:
            self.stats.requests += requests
            self.stats.bytes_received += received
            self.stats.from_cache += from_cache

    def _error(self, where: str, reason: str) -> None:
        with self._lock:
            self.stats.errors.append(f"{redact(where)}: {reason}")

    def _remember_auth(self, url: str, auth: Auth) -> None:
        with self._lock:
            self._auth_by_origin[origin_of(url)] = auth

    def _learned_auth(self, url: str) -> Auth | None:
        with self._lock:
            return self._auth_by_origin.get(origin_of(url))

    def _netrc_for(self, url: str) -> httpx.Auth | None:
        with self._lock:
            if not self._netrc_loaded:
                self._netrc_loaded = True
                path = os.environ.get("NETRC") or str(Path.home() / ".netrc")
                try:
                    if os.path.isfile(path):
                        self._netrc = netrc.netrc(path)
                        self._netrc_auth = _load_httpx().NetRCAuth(path)
                except (OSError, netrc.NetrcParseError, RuntimeError):
                    self._netrc = None
            if self._netrc is None or self._netrc_auth is None:
                return None
            host = (urlsplit(url).hostname or "").lower()
            if host and self._netrc.authenticators(host) is not None:
                return self._netrc_auth
            return None

    def _resolve_auth(self, url: str, auth: Auth | None) -> tuple[str, httpx.Auth | None, Auth | None]:
        """(URL without userinfo, httpx auth to send, the basic credentials if any)."""
        clean, creds = split_credentials(url)
        basic = auth or creds or self._learned_auth(clean)
        if basic is not None:
            return clean, _load_httpx().BasicAuth(basic[0], basic[1]), basic
        return clean, self._netrc_for(clean), None

    @staticmethod
    def _scrub(text: str, secret: Auth | None) -> str:
        if secret:
            for s in secret:
                if len(s) >= 3:
                    text = text.replace(s, "***")
        return text

    # -- HTTP ------------------------------------------------------------------------------

    def _request(
        self,
        url: str,
        headers: dict[str, str],
        auth: httpx.Auth | None,
        *,
        cap: int,
        what: str,
        partial: bool = False,
        scope: str | None = None,
    ) -> _Response:
        """GET with retries and redirects; the body is read up to ``cap`` decoded bytes.

        ``scope``: what a run of timeouts condemns (an index URL for its pages; by default the
        origin, for files), so one stalled index on a shared mirror host spares the others.

        ``partial``: a Range request; a 200 answer raises :class:`_RangeUnsupported` before any
        of its body is read. Raises :class:`_FetchError` with a one-line reason.
        """
        tries = self.retries + 1
        delay = 0.2
        last = ""
        origin = scope or origin_of(url)
        unreachable = False
        made = 0
        cut_short = False
        for attempt in range(tries):
            with self._lock:
                dead = self._dead_origins.get(origin)
            if dead is not None:
                # Another request already spent its retries on this origin: do not pay again.
                self.silence(url, not_sent=1)
                raise _FetchError(f"{dead}; not asked again")
            left = self._start_clock()
            if attempt and left is not None and left < min(delay, 2.0) + 0.2:
                break  # no time for another try before the run's deadline
            if attempt:
                time.sleep(min(delay, 2.0))
                delay *= 3
                left = self.deadline_left()
            if left is not None and left <= 0.05:
                if not made:
                    self.silence(url, not_sent=1)
                    raise _FetchError(
                        f"not asked: the run's {self.run_budget:g} s network deadline had passed"
                    )
                break
            made += 1
            budget = self.timeout if left is None else min(self.timeout, left)
            try:
                resp = self._follow(url, headers, auth, cap=cap, what=what, partial=partial, budget=budget)
            except httpx.TimeoutException:
                cut = budget < self.timeout
                last = f"timed out after {self.timeout:g} s" if not cut or made == 1 else last
                cut_short = cut_short or cut
                unreachable = True
                self.silence(url, timed_out=1)
                left = self.deadline_left()
                if left is not None and left < self.timeout:
                    # a try shorter than the one that just timed out would not get an answer
                    # either; the time left is for the other indexes and phases
                    break
                continue
            except httpx.TransportError as exc:
                last = f"connection failed ({_short(exc)})"
                # a refused or failed connection is about the host; a body cut short is not
                unreachable = isinstance(exc, httpx.ConnectError)
                continue
            if resp.status in _RETRY_STATUSES:
                last = f"HTTP {resp.status}"
                unreachable = False
                continue
            return resp
        suffix = f" after {made} tries" if made > 1 else ""
        if cut_short:
            suffix += " (cut short by the run's network deadline)"
        if unreachable:
            # Timeouts and refused connections on two different URLs are about the host, not a
            # page: every later request to it then fails at once instead of paying the retries
            # again (an HTTP 5xx or a cut-short body is about one response and stays per URL).
            with self._lock:
                failed = self._unreachable_urls.setdefault(origin, set())
                failed.add(url)
                if len(failed) >= 2:
                    self._dead_origins.setdefault(origin, last + suffix)
        raise _FetchError(last + suffix)

    def _follow(
        self,
        url: str,
        headers: dict[str, str],
        auth: httpx.Auth | None,
        *,
        cap: int,
        what: str,
        partial: bool,
        budget: float | None = None,
    ) -> _Response:
        """One attempt: at most ``budget`` seconds for every hop's connect, headers and body."""
        http = self._http  # loads httpx
        current = url
        start_origin = origin_of(url)
        deadline = time.monotonic() + (self._attempt_budget if budget is None else budget)
        for _hop in range(_MAX_REDIRECTS + 1):
            send_auth = auth if origin_of(current) == start_origin else None
            left = deadline - time.monotonic()
            if left <= 0:
                raise httpx.ReadTimeout("attempt budget exceeded")
            op = httpx.Timeout(min(self.timeout, left), connect=min(self.connect_timeout, left))
            with http.stream("GET", current, headers=headers, auth=send_auth, timeout=op) as resp:
                self._count(requests=1)
                if resp.status_code in _REDIRECTS and "location" in resp.headers:
                    target = str(resp.url.join(resp.headers["location"]))
                    old, new = urlsplit(current).scheme.lower(), urlsplit(target).scheme.lower()
                    if new not in ("http", "https"):
                        raise _FetchError(f"refused redirect to a {new or 'relative'} URL")
                    if old == "https" and new == "http":
                        raise _FetchError("refused redirect from https to http")
                    current = target
                    continue
                if partial and resp.status_code == 200:
                    raise _RangeUnsupported()
                if resp.status_code in _RETRY_STATUSES or (
                    resp.status_code >= 300 and resp.status_code != 304
                ):
                    # Error bodies are not needed; do not read them.
                    return _Response(resp.status_code, resp.headers, b"", current)
                body = self._read_body(resp, cap=cap, what=what, partial=partial, deadline=deadline)
                return _Response(resp.status_code, resp.headers, body, current)
        raise _FetchError(f"too many redirects (more than {_MAX_REDIRECTS})")

    def _read_body(
        self, resp: httpx.Response, *, cap: int, what: str, partial: bool, deadline: float | None = None
    ) -> bytes:
        """Read the body in a loop that checks a monotonic deadline after every chunk: a server
        sending one byte at a time keeps each read within the timeout, never the whole body."""
        decoder = _Decoder(resp.headers.get("content-encoding", ""))
        if partial and decoder.encoding not in ("", "identity"):
            raise _FetchError("server encoded a range response")
        if deadline is None:
            deadline = time.monotonic() + self._attempt_budget
        out: list[bytes] = []
        total = 0
        received = 0
        for raw, decoded in self._raw_chunks(resp):
            self._count(received=len(raw))
            received += len(raw)
            for data in [raw] if decoded else decoder.feed(raw, cap - total):
                total += len(data)
                if total > cap:
                    if partial:
                        raise _FetchError("range response larger than requested")
                    raise _FetchError(f"{what} larger than {_fmt_mb(cap)}")
                if not decoded and total > _BOMB_FLOOR and total > _BOMB_RATIO * received:
                    # Index pages compress 5-30x; a body that inflates this much is a bomb, and
                    # reading it up to the cap would cost the cap in memory per concurrent request.
                    raise _FetchError(
                        f"{decoder.encoding} {what} inflates more than {_BOMB_RATIO}x; refusing to decode it"
                    )
                out.append(data)
            if time.monotonic() > deadline:
                raise httpx.ReadTimeout("attempt budget exceeded")
        return b"".join(out)

    @staticmethod
    def _raw_chunks(resp: httpx.Response) -> Iterator[tuple[bytes, bool]]:
        """(bytes, already decoded) chunks: raw from the network, or the body of an in-memory
        response (a mock transport's), which httpx has already read and decoded."""
        if resp.is_stream_consumed:
            yield resp.content, True
            return
        for raw in resp.iter_raw():
            yield raw, False

    # -- listings --------------------------------------------------------------------------

    def get_listing(
        self,
        index_url: str,
        project: str,
        *,
        fetch_url: str | None = None,
        ttl: float = 600,
        auth: Auth | None = None,
    ) -> Listing:
        """The project's page on ``index_url`` (fetched from ``fetch_url`` if given). Never raises."""
        return self._listing_safely(index_url, project, fetch_url, ttl, auth, None)

    def get_flat_listing(
        self,
        index_url: str,
        project: str,
        *,
        fetch_url: str | None = None,
        ttl: float = 600,
        auth: Auth | None = None,
    ) -> Listing:
        """``project``'s files on a flat (find-links) page: the page itself, filtered. Never raises."""
        return self._listing_safely(index_url, project, fetch_url, ttl, auth, True)

    def _listing_safely(
        self,
        index_url: str,
        project: str,
        fetch_url: str | None,
        ttl: float,
        auth: Auth | None,
        flat: bool | None,
    ) -> Listing:
        try:
            return self._get_listing(index_url, project, fetch_url, ttl, auth, flat)
        except Exception as exc:
            reason = f"internal error: {type(exc).__name__}"
            self._error(index_url, reason)
            return Listing(
                index_url=redact(index_url),
                project=canonical_name(project),
                status="error",
                error=reason,
                fetched_at=now_iso(),
            )

    def _get_listing(
        self,
        index_url: str,
        project: str,
        fetch_url: str | None,
        ttl: float,
        auth: Auth | None,
        flat_hint: bool | None,
    ) -> Listing:
        name = canonical_name(project)
        clean, http_auth, basic = self._resolve_auth(fetch_url or index_url, auth)
        if basic is not None:
            self._remember_auth(clean, basic)
        flat = is_flat_url(clean) if flat_hint is None else flat_hint
        page = clean if flat else project_url(clean, name)
        key = f"{page}#{name}" if flat else page
        shown_index = redact(index_url)
        shown_page = redact(page)

        def mine(listing: Listing, origin: str) -> Listing:
            return replace(listing, index_url=shown_index, project=name, origin=origin)  # type: ignore[arg-type]

        def failed(reason: str) -> Listing:
            reason = self._scrub(reason, basic)
            self._error(page, reason)
            if cached is not None and cached.listing.status == "ok" and not self.offline:
                # the index did not answer: the copy we have, however old, beats the snapshot
                with self._lock:
                    self.stale_pages.append(shown_page)
                self._count(from_cache=1)
                return mine(cached.listing, "cache")
            return Listing(
                index_url=shown_index,
                project=name,
                status="error",
                error=reason,
                fetched_at=now_iso(),
                page_url=shown_page,
            )

        cached = self.cache.get_listing(key) if self.cache is not None else None
        if cached is not None and not self.refresh and cached.age() < ttl:
            self._count(from_cache=1)
            return mine(cached.listing, "cache")
        if self.offline:
            if cached is not None:
                self._count(from_cache=1)
                return mine(cached.listing, "cache")
            return failed("offline and not cached")
        if flat:
            with self._lock:
                whole = self._flat_pages.get(page)
            if whole is not None:
                listing = filter_flat_listing(whole, name)
                if self.cache is not None:
                    self.cache.put_listing(key, listing)
                return mine(listing, "live")

        headers = {"Accept": ACCEPT, "Accept-Encoding": "gzip, deflate"}
        if cached is not None and cached.listing.status == "ok":
            if cached.etag:
                headers["If-None-Match"] = cached.etag
            if cached.last_modified:
                headers["If-Modified-Since"] = cached.last_modified
        try:
            resp = self._request(
                page,
                headers,
                http_auth,
                cap=self.max_page_bytes,
                what="page",
                scope=clean if not flat else page,
            )
        except _FetchError as exc:
            return failed(exc.reason)

        if resp.status == 304:
            if cached is None:
                return failed("unexpected HTTP 304")
            if self.cache is not None:
                self.cache.put_listing(key, cached.listing, cached.etag, cached.last_modified)
            self._count(from_cache=1)
            return mine(cached.listing, "cache")
        if resp.status == 200:
            content_type = resp.headers.get("content-type", "")
            listing = parse_project_page(resp.body, content_type, page, name, index_url)
            if not listing.ok:
                return failed(listing.error or "unreadable page")
            if flat:
                with self._lock:
                    self._flat_pages[page] = listing
                listing = filter_flat_listing(listing, name)
            if self.cache is not None:
                self.cache.put_listing(
                    key, listing, resp.headers.get("etag"), resp.headers.get("last-modified")
                )
            return mine(listing, "live")
        if resp.status in _ABSENT:
            listing = Listing(
                index_url=shown_index,
                project=name,
                status="absent",
                fetched_at=now_iso(),
                page_url=shown_page,
            )
            if self.cache is not None:
                self.cache.put_listing(key, listing)
            return listing
        if resp.status == 401:
            return failed("authentication required (HTTP 401)")
        return failed(f"HTTP {resp.status}")

    # -- metadata --------------------------------------------------------------------------

    def get_metadata(
        self, file: FileEntry, *, auth: Auth | None = None
    ) -> CoreMetadata | MetadataUnavailable:
        """METADATA of ``file`` via PEP 658, else HTTP Range reads. Never raises."""
        try:
            return self._get_metadata(file, auth)
        except Exception as exc:
            reason = f"internal error: {type(exc).__name__}"
            self._error(file.url, reason)
            return MetadataUnavailable(filename=file.filename, reason=reason)

    def _core(self, body: bytes, file: FileEntry, source: str, origin: str, where: str) -> CoreMetadata:
        name, version, requires, rp = parse_metadata(body)
        return CoreMetadata(
            name=name,
            version=version,
            requires_dist=requires,
            requires_python=rp,
            source=source,  # type: ignore[arg-type]
            origin=origin,  # type: ignore[arg-type]
            evidence=redact(split_credentials(where)[0]),
        )

    def _supports_ranges(self, url: str, auth: httpx.Auth | None) -> bool:
        """Does the server answer Range requests for this origin? One HEAD per origin per run.

        Like uv, ask before reading: a server that ignores Range would start sending the whole
        wheel (gigabytes for a CUDA build). A HEAD that fails says nothing, and the ranged GET
        itself then decides (it closes a 200 answer before reading its body).
        """
        origin = origin_of(url)
        with self._lock:
            known = self._range_ok.get(origin)
            gate = self._range_gates.setdefault(origin, threading.Lock())
        if known is not None:
            return known
        with gate:  # concurrent readers of one origin wait for a single HEAD
            with self._lock:
                known = self._range_ok.get(origin)
            if known is not None:
                return known
            return self._ask_ranges(url, origin, auth)

    def _ask_ranges(self, url: str, origin: str, auth: httpx.Auth | None) -> bool:
        left = self._start_clock()
        if left is not None and left <= 0.05:
            return True  # past the deadline: the ranged GET fails at once and says why
        op = self.timeout if left is None else min(self.timeout, left)
        http = self._http  # loads httpx
        try:
            resp = http.request(
                "HEAD",
                url,
                auth=auth,
                follow_redirects=True,
                headers={"Accept-Encoding": "identity"},
                timeout=httpx.Timeout(op, connect=min(self.connect_timeout, op)),
            )
        except Exception:
            return True
        self._count(requests=1)
        if resp.status_code != 200:
            return True
        ok = "bytes" in resp.headers.get("accept-ranges", "").lower()
        with self._lock:
            self._range_ok[origin] = ok
        return ok

    def _get_metadata(self, file: FileEntry, auth: Auth | None) -> CoreMetadata | MetadataUnavailable:
        clean, http_auth, basic = self._resolve_auth(file.url, auth)

        def unavailable(reason: str, origin: str = "live") -> MetadataUnavailable:
            reason = self._scrub(reason, basic)
            self._error(clean, reason)
            return MetadataUnavailable(filename=file.filename, reason=reason, origin=origin)  # type: ignore[arg-type]

        if file.has_metadata:
            result = self._metadata_pep658(file, clean, http_auth, unavailable)
            if result is not None:
                return result
        if not file.filename.lower().endswith(".whl"):
            return unavailable("not a wheel: metadata would need a build")
        cached = self.cache.get_metadata(clean) if self.cache is not None else None
        if cached is not None:
            try:
                meta = self._core(cached, file, "range", "cache", clean)
            except ZipMetaError:
                pass
            else:
                self._count(from_cache=1)
                return meta
        if self.offline:
            return unavailable("offline and not cached", "cache")
        if not self._supports_ranges(clean, http_auth):
            return unavailable(RANGE_UNSUPPORTED)
        budget = [self.range_cap_bytes]
        headers_base = {"Accept-Encoding": "identity"}

        def fetch_range(start: int | None, length: int) -> tuple[bytes, int | None]:
            if length > budget[0]:
                raise ZipMetaError(f"range reads would exceed {_fmt_mb(self.range_cap_bytes)}")
            rng = f"bytes=-{length}" if start is None else f"bytes={start}-{start + length - 1}"
            resp = self._request(
                clean, {**headers_base, "Range": rng}, http_auth, cap=length, what="range", partial=True
            )
            if resp.status == 416:
                raise ZipMetaError("range not satisfiable")
            if resp.status in _ABSENT:
                raise _FetchError(f"wheel not found (HTTP {resp.status})")
            if resp.status == 401:
                raise _FetchError("authentication required (HTTP 401)")
            if resp.status != 206:
                raise _FetchError(f"HTTP {resp.status}")
            budget[0] -= len(resp.body)
            m = _CONTENT_RANGE.search(resp.headers.get("content-range", ""))
            if m is None:
                raise ZipMetaError("206 answer without a usable Content-Range")
            first = int(m[1])
            if start is not None and first != start:
                raise ZipMetaError("server answered a different range")
            total = None if m[3] == "*" else int(m[3])
            return resp.body, total

        try:
            data = read_metadata(
                fetch_range, filename=file.filename, max_size=min(MAX_METADATA_BYTES, self.max_metadata_bytes)
            )
        except _RangeUnsupported:
            return unavailable(RANGE_UNSUPPORTED)
        except ZipMetaError as exc:
            return unavailable(f"cannot read METADATA by range requests: {exc.reason}")
        except _FetchError as exc:
            return unavailable(exc.reason)
        try:
            meta = self._core(data, file, "range", "live", clean)
        except ZipMetaError as exc:
            return unavailable(f"invalid METADATA: {exc.reason}")
        if self.cache is not None:
            self.cache.put_metadata(clean, data)
        return meta

    def _metadata_pep658(
        self,
        file: FileEntry,
        clean: str,
        http_auth: httpx.Auth | None,
        unavailable: Callable[..., MetadataUnavailable],
    ) -> CoreMetadata | MetadataUnavailable | None:
        """The PEP 658 sidecar; None when the index does not actually serve it (fall back)."""
        murl = _metadata_url(clean)
        cached = self.cache.get_metadata(murl) if self.cache is not None else None
        if cached is not None and (
            file.metadata_sha256 is None or hashlib.sha256(cached).hexdigest() == file.metadata_sha256
        ):
            try:
                meta = self._core(cached, file, "pep658", "cache", murl)
            except ZipMetaError:
                pass
            else:
                self._count(from_cache=1)
                return meta
        if self.offline:
            return unavailable("offline and not cached", "cache")
        try:
            resp = self._request(
                murl,
                {"Accept-Encoding": "gzip, deflate"},
                http_auth,
                cap=self.max_metadata_bytes,
                what="metadata",
            )
        except _FetchError as exc:
            return unavailable(exc.reason)
        if resp.status in _ABSENT:
            return None
        if resp.status == 401:
            return unavailable("authentication required (HTTP 401)")
        if resp.status != 200:
            return unavailable(f"HTTP {resp.status}")
        if file.metadata_sha256 is not None and hashlib.sha256(resp.body).hexdigest() != file.metadata_sha256:
            return unavailable("metadata hash mismatch")
        try:
            meta = self._core(resp.body, file, "pep658", "live", murl)
        except ZipMetaError as exc:
            return unavailable(f"invalid METADATA: {exc.reason}")
        if self.cache is not None:
            self.cache.put_metadata(murl, resp.body)
        return meta
