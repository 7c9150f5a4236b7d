from __future__ import annotations

import pytest

from torchlint.index.filenames import (
    glibc_version,
    macos_version,
    parse_sdist,
    parse_wheel,
    platform_arch,
    platform_os,
    tag_matches,
)

LINUX_X86 = ("linux", "x86_64")
LINUX_ARM = ("linux", "aarch64")
MAC_ARM = ("macos", "arm64")
MAC_X86 = ("macos", "x86_64")
WIN = ("windows", "amd64")


@pytest.mark.parametrize(
    ("filename", "project", "version", "local", "public", "build", "platforms"),
    [
        (
            "torch-2.5.1+cpu-cp312-cp312-linux_x86_64.whl",
            "torch",
            "2.5.1+cpu",
            "cpu",
            "2.5.1",
            (),
            {"linux_x86_64"},
        ),
        (
            "torch-2.5.1%2Bcpu-cp312-cp312-linux_x86_64.whl",
            "torch",
            "2.5.1+cpu",
            "cpu",
            "2.5.1",
            (),
            {"linux_x86_64"},
        ),
        (
            "torch-2.9.1-cp312-none-macosx_11_0_arm64.whl",
            "torch",
            "2.9.1",
            None,
            "2.9.1",
            (),
            {"macosx_11_0_arm64"},
        ),
        (
            "torch-2.8.0+cpu-cp313-cp313t-manylinux_2_28_x86_64.whl",
            "torch",
            "2.8.0+cpu",
            "cpu",
            "2.8.0",
            (),
            {"manylinux_2_28_x86_64"},
        ),
        (
            "pytorch_triton-3.2.0+git35c6c7c6-cp312-cp312-linux_x86_64.whl",
            "pytorch-triton",
            "3.2.0+git35c6c7c6",
            "git35c6c7c6",
            "3.2.0",
            (),
            {"linux_x86_64"},
        ),
        (
            "torch-2.10.0-3-cp312-cp312-manylinux_2_28_x86_64.whl",
            "torch",
            "2.10.0",
            None,
            "2.10.0",
            (3, ""),
            {"manylinux_2_28_x86_64"},
        ),
        (
            "triton-3.5.0-cp312-cp312-manylinux_2_27_aarch64.manylinux_2_28_aarch64.whl",
            "triton",
            "3.5.0",
            None,
            "3.5.0",
            (),
            {"manylinux_2_27_aarch64", "manylinux_2_28_aarch64"},
        ),
    ],
)
def test_parse_wheel(
    filename: str,
    project: str,
    version: str,
    local: str | None,
    public: str,
    build: tuple[object, ...],
    platforms: set[str],
) -> None:
    w = parse_wheel(filename)
    assert w is not None
    assert w.project == project
    assert str(w.version) == version
    assert w.local == local
    assert w.public == public
    assert w.build == build
    assert w.platform_tags == platforms


@pytest.mark.parametrize(
    "bad", ["torch.whl", "torch-2.5.1.whl", "torch-notaversion-cp312-cp312-linux_x86_64.whl", "x.tar.gz", ""]
)
def test_parse_wheel_invalid(bad: str) -> None:
    assert parse_wheel(bad) is None


def test_wheel_tag_sets() -> None:
    w = parse_wheel("torch-2.8.0+cpu-cp313-cp313t-manylinux_2_28_x86_64.whl")
    assert w is not None
    assert w.python_tags == {"cp313"}
    assert w.abi_tags == {"cp313t"}
    assert w.supports("linux", "x86_64", (3, 13), free_threaded=True)
    assert not w.supports("linux", "x86_64", (3, 13))


def test_parse_sdist() -> None:
    s = parse_sdist("torch_audio-2.5.1.tar.gz")
    assert s is not None and s.project == "torch-audio" and str(s.version) == "2.5.1"
    assert parse_sdist("numpy-2.0.0.zip") is not None
    assert parse_sdist("numpy-2.0.0-cp312-cp312-linux_x86_64.whl") is None
    assert parse_sdist("garbage.tar.gz") is None


@pytest.mark.parametrize(
    ("tag", "os_", "arch"),
    [
        ("manylinux_2_28_x86_64", "linux", "x86_64"),
        ("manylinux2014_aarch64", "linux", "aarch64"),
        ("manylinux1_x86_64", "linux", "x86_64"),
        ("linux_x86_64", "linux", "x86_64"),
        ("musllinux_1_2_x86_64", "musllinux", "x86_64"),
        ("macosx_11_0_arm64", "macos", "arm64"),
        ("macosx_10_9_universal2", "macos", "universal2"),
        ("win_amd64", "windows", "amd64"),
        ("win_arm64", "windows", "arm64"),
        ("win32", "windows", "x86"),
        ("any", "any", "any"),
        ("ios_13_0_arm64_iphoneos", "other", "13_0_arm64_iphoneos"),
    ],
)
def test_platform_os_arch(tag: str, os_: str, arch: str) -> None:
    assert platform_os(tag) == os_
    assert platform_arch(tag) == arch


def test_versions_of_platform_tags() -> None:
    assert macos_version("macosx_11_0_arm64") == (11, 0)
    assert macos_version("macosx_10_15_x86_64") == (10, 15)
    assert macos_version("linux_x86_64") is None
    assert glibc_version("manylinux2014_x86_64") == (2, 17)
    assert glibc_version("manylinux_2_28_aarch64") == (2, 28)
    assert glibc_version("linux_x86_64") is None


@pytest.mark.parametrize(
    ("tag", "target", "py", "ft", "expected"),
    [
        ("py3-none-any", LINUX_X86, (3, 12), False, True),
        ("py3-none-any", WIN, (3, 10), True, True),
        ("py2.py3-none-any", MAC_ARM, (3, 12), False, True),
        ("py312-none-any", LINUX_X86, (3, 13), False, True),
        ("py314-none-any", LINUX_X86, (3, 13), False, False),
        ("py2-none-any", LINUX_X86, (3, 12), False, False),
        ("cp39-abi3-manylinux_2_17_x86_64", LINUX_X86, (3, 12), False, True),
        ("cp313-abi3-manylinux_2_17_x86_64", LINUX_X86, (3, 12), False, False),
        ("cp39-abi3-manylinux_2_17_x86_64", LINUX_X86, (3, 13), True, False),
        ("cp312-cp312-linux_x86_64", LINUX_X86, (3, 12), False, True),
        ("cp312-cp312-linux_x86_64", LINUX_X86, (3, 13), False, False),
        ("cp312-cp312-linux_x86_64", LINUX_X86, (3, 12), True, False),
        ("cp312-cp312-linux_x86_64", LINUX_ARM, (3, 12), False, False),
        ("cp312-none-macosx_11_0_arm64", MAC_ARM, (3, 12), False, True),
        ("cp312-none-macosx_11_0_arm64", ("macos", "aarch64"), (3, 12), False, True),
        ("cp312-none-macosx_11_0_arm64", MAC_X86, (3, 12), False, False),
        ("cp312-none-macosx_11_0_arm64", MAC_ARM, (3, 11), False, False),
        ("cp313-cp313t-manylinux_2_28_x86_64", LINUX_X86, (3, 13), True, True),
        ("cp313-cp313t-manylinux_2_28_x86_64", LINUX_X86, (3, 13), False, False),
        ("cp313-cp313-manylinux_2_28_x86_64", LINUX_X86, (3, 13), True, False),
        ("cp312-cp312-manylinux_2_27_aarch64.manylinux_2_28_aarch64", LINUX_ARM, (3, 12), False, True),
        (
            "cp312-cp312-manylinux_2_27_aarch64.manylinux_2_28_aarch64",
            ("linux", "arm64"),
            (3, 12),
            False,
            True,
        ),
        ("cp310-cp310-manylinux1_x86_64", LINUX_X86, (3, 10), False, True),
        ("cp310-cp310-manylinux2010_x86_64", LINUX_X86, (3, 10), False, True),
        ("cp310-cp310-manylinux2014_aarch64", LINUX_ARM, (3, 10), False, True),
        ("cp312-cp312-musllinux_1_2_x86_64", LINUX_X86, (3, 12), False, False),
        ("cp312-cp312-macosx_10_9_universal2", MAC_X86, (3, 12), False, True),
        ("cp312-cp312-macosx_10_9_universal2", MAC_ARM, (3, 12), False, True),
        ("cp312-cp312-macosx_10_13_x86_64", MAC_ARM, (3, 12), False, False),
        ("cp312-cp312-win_amd64", WIN, (3, 12), False, True),
        ("cp312-cp312-win_amd64", ("windows", "x86_64"), (3, 12), False, True),
        ("cp312-cp312-win_arm64", WIN, (3, 12), False, False),
        ("cp312-cp312-win_arm64", ("windows", "arm64"), (3, 12), False, True),
        ("cp312-cp312-win_amd64", LINUX_X86, (3, 12), False, False),
        ("pp310-pypy310_pp73-manylinux_2_17_x86_64", LINUX_X86, (3, 10), False, False),
        ("not-a-tag", LINUX_X86, (3, 12), False, False),
    ],
)
def test_tag_matches(
    tag: str, target: tuple[str, str], py: tuple[int, int], ft: bool, expected: bool
) -> None:
    assert tag_matches(tag, target[0], target[1], py, ft) is expected


def test_tag_matches_packaging_tag_and_bounds() -> None:
    from packaging.tags import Tag

    assert tag_matches(Tag("cp312", "cp312", "manylinux_2_28_x86_64"), "linux", "x86_64", (3, 12))
    # glibc / macOS bounds, when given
    assert not tag_matches("cp312-cp312-manylinux_2_28_x86_64", "linux", "x86_64", (3, 12), glibc=(2, 17))
    assert tag_matches("cp312-cp312-manylinux2014_x86_64", "linux", "x86_64", (3, 12), glibc=(2, 17))
    assert not tag_matches("cp312-none-macosx_14_0_arm64", "macos", "arm64", (3, 12), macos=(13, 0))
    assert tag_matches("cp312-none-macosx_11_0_arm64", "macos", "arm64", (3, 12), macos=(13, 0))
