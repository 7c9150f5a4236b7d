"""What torchlint knows about each index: live, then cache, then the bundled snapshot.

The probe is the only place that decides where a fact comes from. Rules ask it for listings and
metadata of (index, project) pairs; it answers from the network (through the disk cache) unless
``--offline``, and falls back to the snapshot when an index cannot be asked. Every answer carries
its origin, so a report can say what a verdict rests on.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from torchlint.index.model import CoreMetadata, FileEntry, Listing, MetadataUnavailable, ProbeStats
from torchlint.index.urls import apply_mirrors, parse_pytorch_url, redact
from torchlint.project.model import IndexDef
from torchlint.routing import SNAPSHOT_DEFAULT_URL

if TYPE_CHECKING:
    from torchlint.index.client import SimpleClient
    from torchlint.index.snapshot import DependencyPattern, Snapshot

#: Seconds a cached listing is fresh: nightly pages change daily, stable pages rarely.
TTL_NIGHTLY = 15 * 60
TTL_STABLE = 6 * 3600
TTL_OTHER = 3600
#: The run's network deadline is ``--timeout`` plus this, whatever the number of indexes,
#: retries and phases (listings, range support, metadata).
RUN_MARGIN = 1.0


@dataclass
class ProbeOptions:
    offline: bool = False
    refresh: bool = False
    mirrors: Mapping[str, str] = field(default_factory=dict)
    timeout: float = 10.0
    max_concurrency: int = 8
    cache_dir: str | None = None
    no_cache: bool = False
    snapshot_path: str | None = None
    ttl_nightly: float = TTL_NIGHTLY
    ttl_stable: float = TTL_STABLE
    ttl_other: float = TTL_OTHER


class Probe:
    def __init__(self, options: ProbeOptions, environ: Mapping[str, str] | None = None) -> None:
        self.options = options
        self.environ = dict(environ or {})
        self.stats = ProbeStats()
        self._listings: dict[tuple[str, str], Listing] = {}
        self._metadata: dict[str, CoreMetadata | MetadataUnavailable] = {}
        self._client: SimpleClient | None = None
        self._snapshot: Snapshot | None = None
        self._lock = threading.Lock()
        #: One-line notes about the run ("index X unusable: ...; using the snapshot").
        self.notes: list[str] = []
        self.origins: set[str] = set()
        #: Until when the facts used are fresh (None: they do not expire); for result replay.
        self.valid_until: float | None = None
        #: An index could not be asked live (so a result must not be replayed later).
        self.degraded = False
        #: Called with a one-line status before network fetches (the CLI shows it on a TTY).
        self.progress: Callable[[str], None] | None = None
        #: One line for stderr when hosts did not answer before the run's network deadline.
        self.network_note: str | None = None

    # ------------------------------------------------------------------ plumbing

    @property
    def snapshot(self) -> Snapshot:
        if self._snapshot is None:
            from torchlint.index.snapshot import Snapshot

            if self.options.snapshot_path:
                self._snapshot = Snapshot.from_path(self.options.snapshot_path)
            else:
                self._snapshot = Snapshot.bundled()
        return self._snapshot

    def _get_client(self) -> SimpleClient:
        with self._lock:
            if self._client is None:
                from torchlint.index.cache import DiskCache
                from torchlint.index.client import SimpleClient

                cache = None if self.options.no_cache else DiskCache(self.options.cache_dir)
                self._client = SimpleClient(
                    timeout=self.options.timeout,
                    run_budget=self.options.timeout + RUN_MARGIN,
                    max_concurrency=self.options.max_concurrency,
                    cache=cache,
                    refresh=self.options.refresh,
                    offline=self.options.offline,
                )
            return self._client

    def close(self) -> None:
        if self._client is not None:
            self._network_notes(self._client)
            self.stats.requests += self._client.stats.requests
            self.stats.bytes_received += self._client.stats.bytes_received
            self.stats.from_cache += self._client.stats.from_cache
            self.stats.errors.extend(self._client.stats.errors)
            self._client.close()
            self._client = None

    def _network_notes(self, client: SimpleClient) -> None:
        """The stale cache entries used, and the one line saying which hosts did not answer."""
        if client.stale_pages:
            n = len(client.stale_pages)
            self._note(
                f"{n} index page{'s' if n != 1 else ''} from an expired cache entry (the index did not "
                f"answer), e.g. <{client.stale_pages[0]}>"
            )
        if not client.silent:
            return
        parts = []
        for host, h in sorted(client.silent.items()):
            bits = []
            if h.timed_out:
                bits.append(f"{h.timed_out} request{'s' if h.timed_out != 1 else ''} timed out")
            if h.waiting:
                bits.append(f"{h.waiting} still waiting at the deadline")
            if h.not_sent:
                bits.append(f"{h.not_sent} not sent")
            parts.append(f"{host} ({', '.join(bits)})")
        self.network_note = (
            f"no answer from {', '.join(parts)} within the run's {client.run_budget or self.options.timeout:g} s "
            "network deadline (--timeout plus 1 s); what was missing came from the cache or the bundled "
            "snapshot; --offline skips the network"
        )

    def _note(self, text: str) -> None:
        with self._lock:
            if text not in self.notes:
                self.notes.append(text)

    def snapshot_key(self, url: str) -> str | None:
        """The snapshot key for an index URL as the user wrote it."""
        if url == SNAPSHOT_DEFAULT_URL:
            return "default"
        pt = parse_pytorch_url(url, self.options.mirrors)
        if pt is not None:
            return self.snapshot.key_for_url(f"https://download.pytorch.org/{pt.key}")
        return None

    def index_key(self, index: IndexDef) -> str | None:
        """The snapshot key of an index: by its URL, else ``default`` for the default index."""
        return self.snapshot_key(index.url) or ("default" if index.default else None)

    def _ttl(self, url: str) -> float:
        pt = parse_pytorch_url(url, self.options.mirrors)
        if pt is not None and pt.channel == "nightly":
            return self.options.ttl_nightly
        if pt is not None:
            return self.options.ttl_stable
        return self.options.ttl_other

    # ------------------------------------------------------------------ listings

    def listing(self, index: IndexDef, project: str) -> Listing:
        key = (index.url, project)
        cached = self._listings.get(key)
        if cached is not None:
            return cached
        result = self._fetch_listing(index, project)
        return self._keep_listing(index, project, result)

    def _keep_listing(self, index: IndexDef, project: str, result: Listing) -> Listing:
        key = (index.url, project)
        with self._lock:
            # the first answer stands (a fallback given at the deadline is not replaced later)
            result = self._listings.setdefault(key, result)
            if result.ok:  # a page that could not be read is no fact ("live data, 0 requests")
                self.origins.add(result.origin)
            if result.origin in ("live", "cache") and not self.options.offline:
                expiry = _epoch(result.fetched_at) + self._ttl(index.url)
                self.valid_until = expiry if self.valid_until is None else min(self.valid_until, expiry)
        return result

    def prefetch(self, pairs: Iterable[tuple[IndexDef, str]]) -> None:
        """Fetch several listings concurrently (each pair at most once per run)."""
        todo = []
        seen = set()
        for idx, proj in pairs:
            k = (idx.url, proj)
            if k in self._listings or k in seen:
                continue
            seen.add(k)
            todo.append((idx, proj))
        if not todo:
            return
        if self.options.offline:
            for idx, proj in todo:
                self.listing(idx, proj)
            return
        if self.progress is not None and len(todo) > 1:
            self.progress(f"probing {len(todo)} index pages…")
        client = self._get_client()
        client.map(lambda pair: self.listing(pair[0], pair[1]), todo, late=self._late_listing)

    def _late_listing(self, pair: tuple[IndexDef, str]) -> Listing:
        """A page still unanswered at the run's deadline: the cache or snapshot stands in."""
        index, project = pair
        if self._client is not None:
            self._client.silence(apply_mirrors(index.url, self.options.mirrors), waiting=1)
        lst = Listing(
            redact(index.url), project, "error", error="no answer within the run's network deadline"
        )
        self.degraded = True
        return self._keep_listing(index, project, self._after_error(index, project, lst))

    def _from_snapshot(self, index: IndexDef, project: str, why: str | None) -> Listing | None:
        key = self.snapshot_key(index.url)
        if key is None and index.default and index.url != SNAPSHOT_DEFAULT_URL:
            key = "default"
            self._note(
                f"no data for the default index <{redact(index.url)}> ({why or 'offline'}); "
                f"assuming it mirrors the public default index as recorded in the snapshot of {self.snapshot.date}"
            )
        if key is None:
            return None
        lst = self.snapshot.listing(key, project)
        if lst is not None and why:
            self._note(f"{why}; using the bundled snapshot of {self.snapshot.date} for {index_label(index)}")
        return lst

    def _fetch_listing(self, index: IndexDef, project: str) -> Listing:
        if index.url == SNAPSHOT_DEFAULT_URL:
            lst = self.snapshot.listing("default", project)
            if lst is None:
                return Listing(index.url, project, "error", error="the snapshot has no default index")
            return lst
        url = index.url
        fetch_url = apply_mirrors(url, self.options.mirrors)
        client = self._get_client()
        if index.format == "flat":
            lst = client.get_flat_listing(url, project, fetch_url=fetch_url, ttl=self._ttl(url))
        else:
            lst = client.get_listing(
                url, project, fetch_url=fetch_url, ttl=self._ttl(url), auth=self._auth(index)
            )
        if lst.status != "error":
            return lst
        return self._after_error(index, project, lst)

    def _after_error(self, index: IndexDef, project: str, lst: Listing) -> Listing:
        if self.options.offline:
            # offline and not in the cache: the snapshot stands in, which the report says once
            fallback = self._from_snapshot(index, project, None)
            if fallback is not None:
                self._note(
                    f"offline: the bundled snapshot of {self.snapshot.date} stands in for pages not in the cache"
                )
                return fallback
            self._note(f"offline: no data for {index_label(index)} (not in the cache or the snapshot)")
            return lst
        self.degraded = True
        why = f"{index_label(index)} unusable: {lst.error}"
        fallback = self._from_snapshot(index, project, why)
        if fallback is not None:
            return fallback
        if not self.options.offline:
            self._note(why)
        return lst

    def _auth(self, index: IndexDef) -> tuple[str, str] | None:
        """``UV_INDEX_<NAME>_USERNAME`` / ``_PASSWORD``, as uv reads them (never printed)."""
        if not index.name:
            return None
        env_name = "".join(c if c.isalnum() else "_" for c in index.name).upper()
        user = self.environ.get(f"UV_INDEX_{env_name}_USERNAME")
        password = self.environ.get(f"UV_INDEX_{env_name}_PASSWORD")
        if user is None and password is None:
            return None
        return (user or "", password or "")

    # ------------------------------------------------------------------ metadata

    def metadata(
        self, index: IndexDef, entry: FileEntry, listing: Listing
    ) -> CoreMetadata | MetadataUnavailable:
        cached = self._metadata.get(entry.url)
        if cached is not None:
            return cached
        result: CoreMetadata | MetadataUnavailable
        if listing.origin == "snapshot":
            key = self.index_key(index)
            md = self.snapshot.metadata(key, entry.filename) if key else None
            result = (
                md
                if md is not None
                else MetadataUnavailable(entry.filename, "not recorded in the snapshot", "snapshot")
            )
        else:
            result = self._get_client().get_metadata(entry, auth=self._auth(index))
            if isinstance(result, MetadataUnavailable):
                key = self.snapshot_key(index.url)
                md = self.snapshot.metadata(key, entry.filename) if key else None
                if md is not None:
                    result = md
        with self._lock:
            result = self._metadata.setdefault(entry.url, result)
            if isinstance(result, CoreMetadata):
                self.origins.add(result.origin)
        return result

    def prefetch_metadata(self, items: Iterable[tuple[IndexDef, FileEntry, Listing]]) -> None:
        todo = [it for it in items if it[1].url not in self._metadata]
        uniq = list({it[1].url: it for it in todo}.values())
        if self.options.offline or all(it[2].origin == "snapshot" for it in uniq):
            for it in uniq:
                self.metadata(*it)
            return
        if self.progress is not None and len(uniq) > 1:
            self.progress(f"reading the metadata of {len(uniq)} wheels…")
        self._get_client().map(lambda it: self.metadata(*it), uniq, late=self._late_metadata)

    def _late_metadata(self, item: tuple[IndexDef, FileEntry, Listing]) -> CoreMetadata | MetadataUnavailable:
        """Metadata still unanswered at the run's deadline: the snapshot's record, if any."""
        index, entry, _listing = item
        if self._client is not None:
            self._client.silence(entry.url, waiting=1)
        self.degraded = True
        key = self.snapshot_key(index.url)
        md = self.snapshot.metadata(key, entry.filename) if key else None
        result: CoreMetadata | MetadataUnavailable = (
            md
            if md is not None
            else MetadataUnavailable(entry.filename, "no answer within the run's network deadline")
        )
        with self._lock:
            result = self._metadata.setdefault(entry.url, result)
            if isinstance(result, CoreMetadata):
                self.origins.add(result.origin)
        return result

    def patterns(self, index: IndexDef, project: str) -> list[DependencyPattern]:
        key = self.snapshot_key(index.url)
        if key is None:
            return []
        return self.snapshot.patterns(key, project)


def _epoch(iso: str | None) -> float:
    import time
    from datetime import datetime

    if not iso:
        return time.time()
    try:
        return datetime.fromisoformat(iso.replace("Z", "+00:00")).timestamp()
    except ValueError:
        return time.time()


def index_label(index: IndexDef) -> str:
    if index.url == SNAPSHOT_DEFAULT_URL:
        return "the default index"
    if index.name:
        return f"index `{index.name}` <{redact(index.url)}>"
    return f"index <{redact(index.url)}>"
