from __future__ import annotations

import json
import os
import threading
import time
from pathlib import Path

import pytest

from torchlint.index.cache import DiskCache, cache_dir, cache_key
from torchlint.index.model import FileEntry, Listing

SECRET = "hunter22secret"
URL = f"https://alice:{SECRET}@private.test/simple/torch/"


def listing(n: int = 3) -> Listing:
    files = tuple(
        FileEntry(
            filename=f"torch-2.{i}.0+cu128-cp312-cp312-manylinux_2_28_x86_64.whl",
            url=f"https://private.test/files/torch-2.{i}.0%2Bcu128-cp312-cp312-manylinux_2_28_x86_64.whl",
            sha256=f"{i:064x}",
            requires_python=">=3.9" if i % 2 else None,
            has_metadata=bool(i % 3),
            metadata_sha256=f"{i:064x}" if i % 3 else None,
            yanked=i == 1,
            size=i * 1000 or None,
            upload_time="2025-01-01T00:00:00Z" if i % 5 == 0 else None,
        )
        for i in range(n)
    )
    return Listing(
        index_url="https://alice:***@private.test/simple",
        project="torch",
        status="ok",
        files=files,
        fetched_at="2025-01-01T00:00:00+00:00",
        page_url="https://private.test/simple/torch/",
    )


def all_bytes(root: Path) -> bytes:
    out = b""
    for p in root.rglob("*"):
        out += str(p).encode()
        if p.is_file():
            out += p.read_bytes()
    return out


def test_cache_dir_env_and_default(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setenv("TORCHLINT_CACHE_DIR", str(tmp_path / "c"))
    assert cache_dir() == tmp_path / "c"
    monkeypatch.delenv("TORCHLINT_CACHE_DIR")
    default = cache_dir()
    assert default.is_absolute() and "torchlint" in str(default)
    assert default != Path.cwd()


def test_listing_roundtrip_and_no_credentials(tmp_path: Path) -> None:
    cache = DiskCache(tmp_path)
    lst = listing()
    assert cache.get_listing(URL) is None
    assert cache.put_listing(URL, lst, etag='"abc"', last_modified="Wed, 01 Jan 2025 00:00:00 GMT")
    got = cache.get_listing(URL)
    assert got is not None
    assert got.listing.files == lst.files
    assert got.listing.origin == "cache"
    assert (got.etag, got.last_modified) == ('"abc"', "Wed, 01 Jan 2025 00:00:00 GMT")
    assert 0 <= got.age() < 5
    # keyed on the URL without credentials
    assert cache.get_listing("https://private.test/simple/torch/") is not None
    assert cache_key(URL) == cache_key("https://private.test/simple/torch/")
    assert SECRET.encode() not in all_bytes(tmp_path)


def test_metadata_roundtrip(tmp_path: Path) -> None:
    cache = DiskCache(tmp_path)
    assert cache.get_metadata(URL + "x.whl.metadata") is None
    assert cache.put_metadata(URL + "x.whl.metadata", b"Name: x\nVersion: 1\n")
    assert cache.get_metadata(URL + "x.whl.metadata") == b"Name: x\nVersion: 1\n"
    assert SECRET.encode() not in all_bytes(tmp_path)


def test_corrupt_entries_are_misses_and_removed(tmp_path: Path) -> None:
    cache = DiskCache(tmp_path)
    cache.put_listing(URL, listing())
    cache.put_metadata("https://h.test/a.whl", b"Name: a\nVersion: 1\n")
    files = [p for p in tmp_path.rglob("*") if p.is_file() and p.name != "generation"]
    assert len(files) == 2
    for p in files:
        p.write_bytes(p.read_bytes()[:-7])
    assert cache.get_listing(URL) is None
    assert cache.get_metadata("https://h.test/a.whl") is None
    assert cache.stats.corrupt == 2
    assert not any(p.exists() for p in files)


def test_other_format_version_is_a_miss(tmp_path: Path) -> None:
    cache = DiskCache(tmp_path)
    cache.put_listing(URL, listing())
    (path,) = [p for p in tmp_path.rglob("*.json")]
    doc = json.loads(path.read_bytes())
    doc["v"] = 999
    path.write_text(json.dumps(doc))
    assert cache.get_listing(URL) is None


def test_generation_changes_on_put(tmp_path: Path) -> None:
    cache = DiskCache(tmp_path)
    g0 = cache.generation()
    cache.put_listing(URL, listing())
    g1 = cache.generation()
    cache.put_metadata("https://h.test/a.whl", b"x")
    g2 = cache.generation()
    assert len({g0, g1, g2}) == 3
    assert DiskCache(tmp_path).generation() == g2


def test_unwritable_cache_degrades_silently(tmp_path: Path) -> None:
    blocker = tmp_path / "not-a-dir"
    blocker.write_text("a file where the cache directory should be")
    cache = DiskCache(blocker)
    assert cache.put_listing(URL, listing()) is False
    assert cache.put_metadata("https://h.test/a.whl", b"x") is False
    assert cache.get_listing(URL) is None
    assert cache.get_metadata("https://h.test/a.whl") is None
    assert cache.stats.write_errors >= 2
    assert cache.generation() == "empty"


@pytest.mark.skipif(os.name != "posix" or os.geteuid() == 0, reason="root ignores permissions")
def test_read_only_cache_dir(tmp_path: Path) -> None:
    root = tmp_path / "ro"
    root.mkdir()
    root.chmod(0o500)
    try:
        cache = DiskCache(root)
        assert cache.put_listing(URL, listing()) is False
        assert cache.stats.write_errors == 1
    finally:
        root.chmod(0o700)


def test_concurrent_writers_and_readers(tmp_path: Path) -> None:
    lst_a, lst_b = listing(5), listing(50)
    errors: list[str] = []

    def writer(lst: Listing) -> None:
        cache = DiskCache(tmp_path)
        for _ in range(40):
            cache.put_listing(URL, lst)

    def reader() -> None:
        cache = DiskCache(tmp_path)
        for _ in range(80):
            got = cache.get_listing(URL)
            if got is not None and got.listing.files not in (lst_a.files, lst_b.files):
                errors.append("torn read")
        if cache.stats.corrupt:
            errors.append("corrupt entry seen")

    threads = [threading.Thread(target=writer, args=(x,)) for x in (lst_a, lst_b)]
    threads += [threading.Thread(target=reader) for _ in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=30)
    assert errors == []
    assert not [p for p in tmp_path.rglob("*.part")]


def test_loading_5000_file_listing_is_fast(tmp_path: Path) -> None:
    cache = DiskCache(tmp_path)
    cache.put_listing(URL, listing(5000))
    best = float("inf")
    for _ in range(5):
        t0 = time.thread_time()
        got = cache.get_listing(URL)
        best = min(best, time.thread_time() - t0)
        assert got is not None and len(got.listing.files) == 5000
    print(f"cached 5,000-file listing loaded in {best * 1000:.1f} ms")
    assert best < 0.05
