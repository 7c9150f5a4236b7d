"""The bundled snapshot: facts it must encode, API behaviour, load budget, determinism."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from pathlib import Path

import pytest

from torchlint.index.snapshot import DependencyPattern, Snapshot, SnapshotError

ROOT = Path(__file__).resolve().parent.parent
DATA = ROOT / "torchlint" / "index" / "data"
BUILD = ROOT / "scripts" / "build_snapshot.py"


@pytest.fixture(scope="module")
def snap() -> Snapshot:
    return Snapshot.bundled()


def names(snap: Snapshot, key: str, project: str) -> list[str]:
    listing = snap.listing(key, project)
    assert listing is not None
    return [f.filename for f in listing.files]


def versions(snap: Snapshot, key: str, project: str) -> set[str]:
    return {fn.split("-")[1] for fn in names(snap, key, project)}


def newest_nightly(snap: Snapshot, key: str) -> str:
    files = [
        fn for fn in names(snap, key, "torch") if "manylinux_2_28_x86_64" in fn and "-cp312-cp312-" in fn
    ]
    return max(files)


def test_keys_cover_the_brief(snap: Snapshot) -> None:
    keys = set(snap.keys())
    for k in ["whl/cpu", "whl/cu118", "whl/cu121", "whl/cu124", "whl/cu126", "whl/cu128", "whl/cu129"]:
        assert k in keys
    for k in ["whl/cu130", "whl/cu132", "whl/xpu", "whl", "default"]:
        assert k in keys
    for r in ["6.1", "6.2", "6.2.4", "6.3", "6.4", "7.0", "7.1", "7.2"]:
        assert f"whl/rocm{r}" in keys
    for v in ["cpu", "cu126", "cu128", "cu130", "xpu"]:
        assert f"whl/nightly/{v}" in keys
    assert any(k.startswith("whl/nightly/rocm") for k in keys)
    assert any(k.startswith("whl/test/") for k in keys)
    assert snap.date == "2026-11-26"
    assert "pytorch-index-facts.json" in snap.source


def test_cpu_251_local_labels_and_mac(snap: Snapshot) -> None:
    fns = [fn for fn in names(snap, "whl/cpu", "torch") if fn.startswith("torch-2.5.1")]
    assert "torch-2.5.1+cpu-cp312-cp312-linux_x86_64.whl" in fns
    assert "torch-2.5.1+cpu-cp312-cp312-win_amd64.whl" in fns
    assert "torch-2.5.1-cp312-none-macosx_11_0_arm64.whl" in fns
    assert not [fn for fn in fns if "+cpu" in fn and "macosx" in fn]
    # aarch64 on the cpu index has no local label up to 2.5
    assert "torch-2.5.1-cp312-cp312-manylinux_2_17_aarch64.manylinux2014_aarch64.whl" in fns
    assert not [fn for fn in fns if "+cpu" in fn and "aarch64" in fn]
    # from 2.7 the Linux x86_64 tag is manylinux_2_28
    assert "torch-2.8.0+cpu-cp313-cp313-manylinux_2_28_x86_64.whl" in names(snap, "whl/cpu", "torch")
    # macOS x86_64 ends at 2.2.2
    mac_x86 = {fn.split("-")[1] for fn in names(snap, "whl/cpu", "torch") if "macosx_10_9_x86_64" in fn}
    assert "2.2.2" in mac_x86
    assert not [v for v in mac_x86 if v.startswith(("2.3", "2.4", "2.5", "2.6", "2.7", "2.8", "2.9"))]


def test_observed_hash_and_url(snap: Snapshot) -> None:
    listing = snap.listing("whl/cpu", "torch")
    assert listing is not None
    by = {f.filename: f for f in listing.files}
    f = by["torch-2.8.0+cpu-cp313-cp313-manylinux_2_28_x86_64.whl"]
    assert f.sha256 is not None and f.sha256.startswith("8f81dedb")
    assert f.url.startswith("https://download") and "/whl/cpu/torch-2.8.0%2Bcpu-" in f.url
    assert f.requires_python is None  # PyTorch pages carry no data-requires-python
    assert f.has_metadata  # 2.8.0 uploaded after 2025-01 (derived)
    old = by["torch-2.5.1+cpu-cp312-cp312-linux_x86_64.whl"]
    assert not old.has_metadata


def test_cuda_indexes(snap: Snapshot) -> None:
    assert not [fn for fn in names(snap, "whl/cu124", "torch") if "macosx" in fn]
    assert not [fn for fn in names(snap, "whl/cu128", "torch") if "macosx" in fn]
    assert not [v for v in versions(snap, "whl/cu121", "torch") if v.startswith("2.6.0")]
    assert "2.6.0+cu124" in versions(snap, "whl/cu124", "torch")
    assert not [v for v in versions(snap, "whl/cu124", "torch") if v.startswith("2.7")]
    cu128 = names(snap, "whl/cu128", "torch")
    assert "torch-2.7.0+cu128-cp312-cp312-manylinux_2_28_aarch64.whl" in cu128
    assert "torch-2.9.1+cu128-cp312-cp312-win_amd64.whl" in cu128
    # 2.5.1 on cu124: CPU aarch64 wheels without a local label (observed)
    assert "torch-2.5.1-cp312-cp312-linux_aarch64.whl" in names(snap, "whl/cu124", "torch")
    # Windows cp313 missing for 2.5.1+cu124
    assert "torch-2.5.1+cu124-cp313-cp313-win_amd64.whl" not in names(snap, "whl/cu124", "torch")


def test_rocm_is_linux_x86_64_only_and_needs_root_triton(snap: Snapshot) -> None:
    fns = names(snap, "whl/rocm6.4", "torch")
    assert fns and all("x86_64" in fn for fn in fns if "+rocm" in fn)
    fn = "torch-2.9.1+rocm6.4-cp312-cp312-manylinux_2_28_x86_64.whl"
    assert fn in fns
    meta = snap.metadata("whl/rocm6.4", fn)
    assert meta is not None and meta.derived and meta.origin == "snapshot" and meta.source == "snapshot"
    assert meta.evidence == f"snapshot {snap.date} whl/rocm6.4 {fn}"
    (req,) = [r for r in meta.requires_dist if r.startswith("pytorch-triton-rocm")]
    pin = req.split(";")[0].split("==")[1]
    assert 'platform_system == "Linux"' in req
    assert any(f"pytorch_triton_rocm-{pin}-" in x for x in names(snap, "whl/rocm6.4", "pytorch-triton-rocm"))
    default = snap.listing("default", "pytorch-triton-rocm")
    assert default is not None and not [f for f in default.files if f"-{pin}-" in f.filename]
    # 2.10+ ROCm builds use triton-rocm
    m2 = snap.metadata("whl/rocm7.2", "torch-2.12.1+rocm7.2-cp312-cp312-manylinux_2_28_x86_64.whl")
    assert m2 is not None
    (req2,) = [r for r in m2.requires_dist if r.startswith("triton-rocm")]
    pin2 = req2.split(";")[0].split("==")[1]
    assert any(f"triton_rocm-{pin2}-" in x for x in names(snap, "whl/rocm7.2", "triton-rocm"))
    assert snap.listing("default", "triton-rocm").status == "absent"  # type: ignore[union-attr]
    pats = snap.patterns("whl/rocm7.2", "torch")
    assert [p.requires for p in pats] == ["triton-rocm"] and pats[0].pin == "index-only"


def test_xpu_needs_root_triton(snap: Snapshot) -> None:
    fn = "torch-2.13.0+xpu-cp312-cp312-win_amd64.whl"
    assert fn in names(snap, "whl/xpu", "torch")
    meta = snap.metadata("whl/xpu", fn)
    assert meta is not None
    (req,) = [r for r in meta.requires_dist if r.startswith("triton-xpu")]
    pin = req.split(";")[0].split("==")[1]
    assert pin == "3.7.2"  # the root build uploaded on 2.13.0's release day (observed)
    assert f"triton_xpu-{pin}-cp312-cp312-win_amd64.whl" in names(snap, "whl/xpu", "triton-xpu")
    assert snap.listing("default", "triton-xpu").status == "absent"  # type: ignore[union-attr]
    assert snap.listing("default", "pytorch-triton-xpu").status == "absent"  # type: ignore[union-attr]
    assert any(r.startswith("intel-") for r in meta.requires_dist)
    old = snap.metadata("whl/xpu", "torch-2.8.0+xpu-cp312-cp312-linux_x86_64.whl")
    assert old is not None and any(r.startswith("pytorch-triton-xpu==") for r in old.requires_dist)


def test_nightly_cpu_requires_index_only_triton(snap: Snapshot) -> None:
    key = "whl/nightly/cpu"
    newest = newest_nightly(snap, key)
    assert newest.startswith("torch-2.16.0.dev20261125+cpu-")
    meta = snap.metadata(key, newest)
    assert meta is not None and meta.derived
    (req,) = [r for r in meta.requires_dist if r.startswith("pytorch-triton")]
    assert 'platform_system == "Linux"' in req
    pin = req.split(";")[0].split("==")[1]
    assert "+git" in pin
    assert any(f"pytorch_triton-{pin}-" in fn for fn in names(snap, key, "pytorch-triton"))
    default = snap.listing("default", "pytorch-triton")
    assert default is not None
    assert {f.filename for f in default.files} == {"pytorch_triton-0.0.1-py3-none-any.whl"}
    # stored at the nightly root: listed in every nightly subfolder
    assert any(f"pytorch_triton-{pin}-" in fn for fn in names(snap, "whl/nightly/cu128", "pytorch-triton"))
    # mac arm64 nightly on nightly/cpu has no local label
    assert any(
        fn.startswith("torch-2.16.0.dev20261125-") and "macosx_14_0_arm64" in fn
        for fn in names(snap, key, "torch")
    )
    pats = snap.patterns(key, "torch")
    assert pats == [
        DependencyPattern(
            project="torch",
            requires="pytorch-triton",
            marker='platform_system == "Linux"',
            pin="index-only",
            note=pats[0].note,
            derived=True,
        )
    ]
    assert snap.patterns(key, "torchvision")[0].pin == "same-version"


def test_nightly_pages(snap: Snapshot) -> None:
    listing = snap.listing("whl/nightly/cu128", "torch")
    assert listing is not None and listing.derived
    assert all(f.sha256 is None and f.has_metadata for f in listing.files)
    dates = {f.filename.split("-")[1].split(".dev")[1].split("+")[0] for f in listing.files}
    assert len(dates) == 60 and max(dates) == "20261125" and min(dates) == "20260927"
    tv = names(snap, "whl/nightly/cu128", "torchvision")
    assert any(fn.startswith("torchvision-0.30.0.dev20261125+cu128-") for fn in tv)
    m = snap.metadata("whl/nightly/cu128", [fn for fn in tv if "+cu128" in fn][-1])
    assert m is not None and any(
        r.startswith("torch==2.16.0.dev") and r.endswith("+cu128") for r in m.requires_dist
    )


def test_default_index(snap: Snapshot) -> None:
    listing = snap.listing("default", "torch")
    assert listing is not None and listing.ok and not listing.derived
    assert listing.index_url == "snapshot:default"
    assert all("+" not in f.filename.split("-")[1] for f in listing.files)
    f = next(f for f in listing.files if f.filename == "torch-2.9.1-cp312-cp312-manylinux_2_28_x86_64.whl")
    assert f.sha256 and f.requires_python == ">=3.10" and f.size
    meta = snap.metadata("default", f.filename)
    assert meta is not None and not meta.derived
    assert any(r.startswith("triton==3.5.1") for r in meta.requires_dist)
    for name in [
        "filelock",
        "typing-extensions",
        "sympy",
        "networkx",
        "jinja2",
        "numpy",
        "nvidia-cublas-cu12",
    ]:
        got = snap.listing("default", name)
        assert got is not None and got.ok and got.files == () and got.derived
    assert snap.listing("default", "triton") is not None


def test_listing_shape(snap: Snapshot) -> None:
    assert snap.listing("whl/cu999", "torch") is None
    absent = snap.listing("whl/cpu", "no-such-project")
    assert absent is not None and absent.status == "absent"
    present = snap.listing("whl/cpu", "NumPy")
    assert present is not None and present.ok and present.files == () and present.derived
    assert present.project == "numpy"
    lst = snap.listing("whl/cu128", "Torch_Vision".replace("_", ""))
    assert lst is not None and lst.project == "torchvision"
    t = snap.listing("whl/cu128", "torch")
    assert t is not None
    assert t.index_url == "https://download.pytorch.org/whl/cu128/"
    assert t.origin == "snapshot" and t.fetched_at == snap.date and t.derived
    assert all(f.url.startswith("https://download") for f in t.files)
    agg = snap.listing("whl", "torch")
    assert agg is not None and agg.derived and agg.files
    assert snap.metadata("whl/cpu", "nope-1.0-py3-none-any.whl") is None
    assert snap.metadata("whl/unknown", "torch-2.8.0+cpu-cp313-cp313-manylinux_2_28_x86_64.whl") is None


@pytest.mark.parametrize(
    ("url", "key"),
    [
        ("https://download.pytorch.org/whl/nightly/cpu/", "whl/nightly/cpu"),
        ("https://download.pytorch.org/whl/nightly/cpu", "whl/nightly/cpu"),
        ("https://download.pytorch.org/whl/cu128/simple/", "whl/cu128"),
        ("https://download.pytorch.org/whl/cu128/simple", "whl/cu128"),
        ("http://download.pytorch.org/whl/rocm6.4", "whl/rocm6.4"),
        ("https://download.pytorch.org/whl/", "whl"),
        ("https://download.pytorch.org/whl/test/cu128/", "whl/test/cu128"),
        ("https://DOWNLOAD.pytorch.org/whl/xpu/", "whl/xpu"),
        ("snapshot:default", "default"),
        ("https://download.pytorch.org/whl/cu999/", None),
        ("https://mirror.example.com/whl/cpu/", None),
        ("https://example.com/simple/", None),
        ("not a url", None),
    ],
)
def test_key_for_url(snap: Snapshot, url: str, key: str | None) -> None:
    assert snap.key_for_url(url) == key
    if key is not None:
        assert snap.key_for_url(snap.public_url(key)) == key


def test_public_url(snap: Snapshot) -> None:
    assert snap.public_url("default") == "snapshot:default"
    assert snap.public_url("whl/nightly/cu128") == "https://download.pytorch.org/whl/nightly/cu128/"


def test_from_path_errors(tmp_path: Path) -> None:
    with pytest.raises(SnapshotError):
        Snapshot.from_path(tmp_path / "missing")
    (tmp_path / "manifest.json").write_text("{not json", encoding="utf-8")
    with pytest.raises(SnapshotError) as exc:
        Snapshot.from_path(tmp_path)
    assert "\n" not in str(exc.value)


def test_import_is_light() -> None:
    code = "import sys, torchlint.index.snapshot; assert 'packaging' not in sys.modules, 'packaging imported'"
    subprocess.run([sys.executable, "-c", code], check=True, cwd=ROOT)


def test_load_budget() -> None:
    import gc

    sizes = sum(p.stat().st_size for p in DATA.iterdir() if p.is_file())
    assert sizes <= 3 * 1024 * 1024
    # measure the snapshot, not a garbage-collector pass over the rest of the suite's heap, nor
    # other threads or processes (CPU time of this thread)
    gc.collect()
    gc.disable()
    try:
        _measure_load_budget(sizes)
    finally:
        gc.enable()


def _measure_load_budget(sizes: int) -> None:
    t0 = time.thread_time()
    s = Snapshot.from_path(DATA)
    t_manifest = time.thread_time() - t0
    load: dict[str, float] = {}
    expand: dict[str, float] = {}
    for key in list(s.keys()):
        t1 = time.thread_time()
        s.listing(key, "numpy")  # loads the key's document; numpy is a present-name (no expansion)
        t2 = time.thread_time()
        s.listing(key, "torch")  # expands the generated torch files
        load[key], expand[key] = t2 - t1, time.thread_time() - t2
    wl = max(load, key=load.__getitem__)
    we = max(expand, key=expand.__getitem__)
    print(
        f"\nsnapshot size {sizes / 1024:.0f} KiB; manifest {t_manifest * 1000:.2f} ms; "
        f"slowest document load {wl} {load[wl] * 1000:.2f} ms; "
        f"slowest torch expansion {we} {expand[we] * 1000:.2f} ms"
    )
    assert t_manifest < 0.05
    assert load[wl] < 0.15
    assert expand[we] < 0.5


def test_build_is_deterministic(tmp_path: Path) -> None:
    # One build, under a hash seed other than the one the bundled data was written with: equal
    # bytes show the script reproduces the committed data and depends on no hash or set order
    # (a second build in the same test proved no more, at twice the cost).
    out = tmp_path / "a"
    env = dict(os.environ, PYTHONHASHSEED="12345")
    subprocess.run([sys.executable, str(BUILD), "--out", str(out)], check=True, capture_output=True, env=env)
    built = {p.name: p.read_bytes() for p in sorted(out.iterdir())}
    bundled = {p.name: p.read_bytes() for p in sorted(DATA.iterdir()) if p.is_file()}
    assert bundled == built
    manifest = json.loads(built["manifest.json"])
    assert manifest["date"] == "2026-11-26"


def test_no_registry_hosts_written() -> None:
    import gzip

    banned = ["pypi" + ".org", "pythonhosted" + ".org", "npmjs", "debian" + ".org"]
    for p in DATA.iterdir():
        raw = gzip.decompress(p.read_bytes()) if p.suffix == ".gz" else p.read_bytes()
        text = raw.decode()
        for b in banned:
            assert b not in text, (p.name, b)
