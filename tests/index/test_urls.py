from __future__ import annotations

import subprocess
import sys

import pytest

from torchlint.index.urls import (
    PYTORCH_ROOT,
    apply_mirrors,
    local_label_for,
    parse_pytorch_url,
    redact,
    split_credentials,
    variant_kind,
)

MIRRORS = {
    "https://download.pytorch.org": "https://mirror.corp.test/pytorch",
    "https://download.pytorch.org/whl": "https://whl-proxy.corp.test/",
}


@pytest.mark.parametrize(
    ("url", "expected"),
    [
        # (channel, variant, kind, flat, key)
        ("https://download.pytorch.org/whl/cu128", ("stable", "cu128", "cuda", False, "whl/cu128")),
        ("https://download.pytorch.org/whl/cu128/", ("stable", "cu128", "cuda", False, "whl/cu128")),
        ("https://download.pytorch.org/whl/cpu/simple", ("stable", "cpu", "cpu", False, "whl/cpu")),
        ("http://download.pytorch.org/whl/xpu", ("stable", "xpu", "xpu", False, "whl/xpu")),
        (
            "HTTPS://Download.PyTorch.ORG:443/whl/nightly/rocm6.4/",
            ("nightly", "rocm6.4", "rocm", False, "whl/nightly/rocm6.4"),
        ),
        (
            "https://download.pytorch.org/whl/test/rocm6.2.4",
            ("test", "rocm6.2.4", "rocm", False, "whl/test/rocm6.2.4"),
        ),
        ("https://download.pytorch.org/whl", ("stable", None, "aggregated", False, "whl")),
        ("https://download.pytorch.org/whl/", ("stable", None, "aggregated", False, "whl")),
        ("https://download.pytorch.org/whl/nightly", ("nightly", None, "aggregated", False, "whl/nightly")),
        (
            "https://download.pytorch.org/whl/torch_stable.html",
            ("stable", None, "flat", True, "whl/torch_stable.html"),
        ),
        (
            "https://download.pytorch.org/whl/nightly/torch_nightly.html",
            ("nightly", None, "flat", True, "whl/nightly/torch_nightly.html"),
        ),
        (
            "https://download.pytorch.org/whl/torch_nightly.html",
            ("nightly", None, "flat", True, "whl/torch_nightly.html"),
        ),
        (
            "https://download.pytorch.org/whl/test/torch_test.html",
            ("test", None, "flat", True, "whl/test/torch_test.html"),
        ),
        (
            "https://download.pytorch.org/whl/nightly/cu121/torch_nightly.html",
            ("nightly", "cu121", "flat", True, "whl/nightly/cu121/torch_nightly.html"),
        ),
        (
            "https://download.pytorch.org/whl/cu118/torch_stable.html",
            ("stable", "cu118", "flat", True, "whl/cu118/torch_stable.html"),
        ),
        (
            "https://download.pytorch.org/whl/cpu-cxx11-abi",
            ("stable", "cpu-cxx11-abi", "unknown", False, "whl/cpu-cxx11-abi"),
        ),
        (
            "https://download.pytorch.org/whl/cpu_pypi_pkg",
            ("stable", "cpu_pypi_pkg", "unknown", False, "whl/cpu_pypi_pkg"),
        ),
        ("https://download.pytorch.org/whl/cu", ("stable", "cu", "unknown", False, "whl/cu")),
        # credentials and ports are ignored for recognition
        (
            "https://user:pw@download.pytorch.org:8443/whl/cu126",
            ("stable", "cu126", "cuda", False, "whl/cu126"),
        ),
        # mirrors: TO prefix standing for the root, TO prefix standing for /whl
        ("https://mirror.corp.test/pytorch/whl/cu126", ("stable", "cu126", "cuda", False, "whl/cu126")),
        (
            "https://whl-proxy.corp.test/nightly/cu128",
            ("nightly", "cu128", "cuda", False, "whl/nightly/cu128"),
        ),
        ("https://WHL-PROXY.corp.test/cpu/", ("stable", "cpu", "cpu", False, "whl/cpu")),
    ],
)
def test_parse_pytorch_url(url: str, expected: tuple[object, ...]) -> None:
    got = parse_pytorch_url(url, MIRRORS)
    assert got is not None, url
    assert (got.channel, got.variant, got.kind, got.flat, got.key) == expected


@pytest.mark.parametrize(
    "url",
    [
        "https://example.test/whl/cu128",  # not the PyTorch host, not a mirror
        "https://download.pytorch.org/",
        "https://download.pytorch.org/libtorch/cu128",
        "https://download.pytorch.org/whl/cu128/torch/extra",
        "https://download.pytorch.org/whl/other_page.html",
        "https://mirror.corp.test/elsewhere/cu128",
        "not a url",
        "",
    ],
)
def test_parse_pytorch_url_rejects(url: str) -> None:
    assert parse_pytorch_url(url, MIRRORS) is None


def test_parse_pytorch_url_strips_credentials_from_result() -> None:
    got = parse_pytorch_url("https://alice:hunter22@download.pytorch.org/whl/cu128")
    assert got is not None
    assert "hunter22" not in repr(got)


def test_mirror_from_prefix_that_is_not_pytorch_host() -> None:
    mirrors = {"https://internal.test/pt": "https://download.pytorch.org"}
    got = parse_pytorch_url("https://internal.test/pt/whl/cu128", mirrors)
    assert got is not None and got.key == "whl/cu128"


def test_variant_helpers() -> None:
    assert variant_kind("cu128") == "cuda"
    assert variant_kind("rocm6.4") == "rocm"
    assert variant_kind("rocm6.2.4") == "rocm"
    assert variant_kind("cpu") == "cpu"
    assert variant_kind("xpu") == "xpu"
    assert variant_kind("rocm6") == "unknown"
    assert variant_kind("cpu-cxx11-abi") == "unknown"
    assert local_label_for("cu128") == "+cu128"
    assert local_label_for("rocm6.4") == "+rocm6.4"
    assert local_label_for("cpu-cxx11-abi") == "+cpu.cxx11.abi"
    assert PYTORCH_ROOT == "https://download.pytorch.org"


@pytest.mark.parametrize(
    ("url", "mirrors", "expected"),
    [
        (
            "https://download.pytorch.org/whl/cu128",
            {"https://download.pytorch.org/": "https://m.test/pt/"},
            "https://m.test/pt/whl/cu128",
        ),
        (  # longest prefix wins
            "https://download.pytorch.org/whl/cu128/",
            {
                "https://download.pytorch.org": "https://a.test",
                "https://download.pytorch.org/whl": "https://b.test/w",
            },
            "https://b.test/w/cu128/",
        ),
        (  # case-insensitive scheme and host; path boundary respected
            "HTTPS://Download.PyTorch.org/whl/cpu",
            {"https://download.pytorch.org/whl": "https://b.test"},
            "https://b.test/cpu",
        ),
        (
            "https://download.pytorch.org/whlx/cpu",
            {"https://download.pytorch.org/whl": "https://b.test"},
            "https://download.pytorch.org/whlx/cpu",
        ),
        (
            "https://other.test/simple",
            {"https://download.pytorch.org": "https://a.test"},
            "https://other.test/simple",
        ),
        ("https://download.pytorch.org/whl", {}, "https://download.pytorch.org/whl"),
        (  # credentials of the public URL are not carried to the mirror
            "https://u:secret1@download.pytorch.org/whl/cpu",
            {"https://download.pytorch.org": "https://a.test"},
            "https://a.test/whl/cpu",
        ),
    ],
)
def test_apply_mirrors(url: str, mirrors: dict[str, str], expected: str) -> None:
    assert apply_mirrors(url, mirrors) == expected


@pytest.mark.parametrize(
    ("url", "expected"),
    [
        ("https://user:pa55word@host.test/simple/", "https://user:***@host.test/simple/"),
        ("https://TOKEN123@host.test/simple/", "https://***@host.test/simple/"),
        ("https://host.test/simple/?token=abc&page=2", "https://host.test/simple/?token=***&page=2"),
        (
            "https://host.test/x?X-Amz-Signature=zz&api_key=k1",
            "https://host.test/x?X-Amz-Signature=***&api_key=***",
        ),
        ("https://host.test/simple/", "https://host.test/simple/"),
        ("https://u:p%40ss@host.test:8080/a", "https://u:***@host.test:8080/a"),
    ],
)
def test_redact(url: str, expected: str) -> None:
    assert redact(url) == expected


def test_split_credentials() -> None:
    assert split_credentials("https://u:p%40ss@h.test/x?q=1") == ("https://h.test/x?q=1", ("u", "p@ss"))
    assert split_credentials("https://tok@h.test/x") == ("https://h.test/x", ("tok", ""))
    assert split_credentials("https://h.test/x") == ("https://h.test/x", None)


def test_urls_and_filenames_do_not_import_httpx_or_packaging() -> None:
    code = (
        "import sys, torchlint.index.urls, torchlint.index.filenames;"
        "print(sorted(m for m in ('httpx', 'packaging') if m in sys.modules))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"
