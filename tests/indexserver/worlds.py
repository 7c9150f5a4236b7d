"""Ready-made world specs for the index server."""

from __future__ import annotations

import datetime as _dt
from typing import Any

TRITON_NIGHTLY = "3.2.0+git35c6c7c6"
TRITON_MARKER = 'platform_system == "Linux" and platform_machine == "x86_64"'
PYS = ("cp312", "cp313")


def _file(
    filename: str,
    requires: list[str],
    *,
    requires_python: str | None = ">=3.9",
    size: int = 0,
    upload_time: str | None = None,
    **extra: Any,
) -> dict[str, Any]:
    spec: dict[str, Any] = {"filename": filename, "requires_dist": list(requires)}
    if requires_python:
        spec["requires_python"] = requires_python
    if size:
        spec["size"] = size
    if upload_time:
        spec["upload_time"] = upload_time
    spec.update(extra)
    return spec


def _pure(
    name: str, dist: str, version: str, requires: list[str] | None = None
) -> dict[str, list[dict[str, Any]]]:
    return {
        name: [
            _file(
                f"{dist}-{version}-py3-none-any.whl",
                requires or [],
                requires_python=">=3.8",
                upload_time="2024-06-01T00:00:00Z",
            )
        ]
    }


def founding_case_world(
    nightlies: int = 5, torch_size: int = 0, torch_description: int = 0
) -> dict[str, Any]:
    """The PyTorch nightly CPU index of December 2024 (astral-sh/uv#9651), plus a default index.

    ``/whl/nightly/cpu`` holds ``nightlies`` daily torch/torchvision builds (``+cpu`` wheels for
    Linux x86_64 and Windows, unlabelled macOS arm64 wheels) whose torch requires
    ``pytorch-triton==3.2.0+git35c6c7c6`` on Linux x86_64, and that pytorch-triton (served from
    ``/whl/nightly``). ``/simple`` is a default index with only a placeholder pytorch-triton 0.0.1,
    torch 2.5.0/2.5.1, torchvision 0.20.1 and the small pure-Python dependencies, so the fixed
    configuration (pytorch-triton pinned to the PyTorch index) resolves and the broken one does not.
    ``torch_size`` > 0 pads every torch wheel to that logical size (sparse on disk);
    ``torch_description`` gives every torch METADATA a long description of that many bytes.
    """
    described: dict[str, Any] = {"description_bytes": torch_description} if torch_description else {}
    start = _dt.date(2024, 12, 4) - _dt.timedelta(days=max(nightlies, 1) - 1)
    torch_files: list[dict[str, Any]] = []
    vision_files: list[dict[str, Any]] = []
    for i in range(nightlies):
        day = start + _dt.timedelta(days=i)
        stamp = day.strftime("%Y%m%d")
        when = f"{day.isoformat()}T07:15:00Z"
        tv = f"2.6.0.dev{stamp}"
        vv = f"0.21.0.dev{stamp}"
        torch_reqs = [
            "filelock",
            "typing-extensions>=4.10.0",
            'setuptools; python_version >= "3.12"',
            "sympy",
            "networkx",
            "jinja2",
            "fsspec",
            f"pytorch-triton=={TRITON_NIGHTLY}; {TRITON_MARKER}",
        ]
        vision_reqs = ["numpy", f"torch=={tv}", "pillow!=8.3.*,>=5.3.0"]
        for py in PYS:
            for plat in ("linux_x86_64", "win_amd64"):
                torch_files.append(
                    _file(
                        f"torch-{tv}+cpu-{py}-{py}-{plat}.whl",
                        torch_reqs,
                        size=torch_size,
                        upload_time=when,
                        **described,
                    )
                )
                vision_files.append(
                    _file(f"torchvision-{vv}+cpu-{py}-{py}-{plat}.whl", vision_reqs, upload_time=when)
                )
            torch_files.append(
                _file(
                    f"torch-{tv}-{py}-none-macosx_11_0_arm64.whl",
                    torch_reqs,
                    size=torch_size,
                    upload_time=when,
                    **described,
                )
            )
            vision_files.append(
                _file(f"torchvision-{vv}-{py}-{py}-macosx_11_0_arm64.whl", vision_reqs, upload_time=when)
            )
    triton_files = [
        _file(
            f"pytorch_triton-{TRITON_NIGHTLY}-{py}-{py}-linux_x86_64.whl",
            ["setuptools>=40.8.0"],
            url_dir="/whl/nightly",
            upload_time="2024-11-20T00:00:00Z",
        )
        for py in PYS
    ]

    stable_reqs = [
        "filelock",
        "typing-extensions>=4.8.0",
        "networkx",
        "jinja2",
        "fsspec",
        "sympy==1.13.1",
        'setuptools; python_version >= "3.12"',
    ]
    stable_torch: list[dict[str, Any]] = []
    for ver in ("2.5.0", "2.5.1"):
        for py in PYS:
            for plat in ("manylinux1_x86_64", "win_amd64", "macosx_11_0_arm64"):
                stable_torch.append(
                    _file(
                        f"torch-{ver}-{py}-{py}-{plat}.whl",
                        stable_reqs,
                        requires_python=">=3.8.0",
                        size=torch_size,
                        upload_time="2024-10-29T17:00:00Z",
                    )
                )
    stable_vision = [
        _file(
            f"torchvision-0.20.1-{py}-{py}-{plat}.whl",
            ["numpy", "torch==2.5.1", "pillow!=8.3.*,>=5.3.0"],
            requires_python=">=3.8",
            upload_time="2024-10-29T17:00:00Z",
        )
        for py in PYS
        for plat in ("manylinux1_x86_64", "win_amd64", "macosx_11_0_arm64")
    ]
    default: dict[str, list[dict[str, Any]]] = {
        "pytorch-triton": [
            _file(
                "pytorch_triton-0.0.1-py3-none-any.whl",
                [],
                requires_python=">=3.6",
                upload_time="2022-10-31T00:00:00Z",
            )
        ],
        "torch": stable_torch,
        "torchvision": stable_vision,
    }
    default.update(_pure("filelock", "filelock", "3.16.1"))
    default.update(_pure("typing-extensions", "typing_extensions", "4.12.2"))
    default.update(_pure("sympy", "sympy", "1.13.1", ["mpmath<1.4,>=1.1.0"]))
    default.update(_pure("mpmath", "mpmath", "1.3.0"))
    default.update(_pure("networkx", "networkx", "3.4.2"))
    default.update(_pure("jinja2", "jinja2", "3.1.4", ["MarkupSafe>=2.0"]))
    default.update(_pure("markupsafe", "MarkupSafe", "3.0.2"))
    default.update(_pure("fsspec", "fsspec", "2024.10.0"))
    default.update(_pure("setuptools", "setuptools", "75.6.0"))
    default.update(_pure("numpy", "numpy", "2.1.3"))
    default.update(_pure("pillow", "pillow", "11.0.0"))
    return {
        "indexes": {
            "/whl/nightly/cpu": {
                "projects": {
                    "torch": torch_files,
                    "torchvision": vision_files,
                    "pytorch-triton": triton_files,
                }
            },
            "/simple": {"projects": default},
        }
    }


def tiny_world() -> dict[str, Any]:
    """One index (``/simple``) with one small project ``demo`` (two versions, one ``+`` local label)."""
    return {
        "indexes": {
            "/simple": {
                "projects": {
                    "Demo_Pkg": [
                        _file(
                            "demo_pkg-1.0.0-py3-none-any.whl",
                            ["filelock>=3"],
                            upload_time="2024-01-01T00:00:00Z",
                        ),
                        _file(
                            "demo_pkg-1.1.0+cpu-cp312-cp312-linux_x86_64.whl",
                            ["filelock>=3"],
                            requires_python=">=3.12,<4",
                        ),
                    ],
                    "filelock": _pure("filelock", "filelock", "3.16.1")["filelock"],
                }
            }
        }
    }
