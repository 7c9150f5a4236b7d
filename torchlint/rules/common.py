"""What several rules share: the torch family (candidates now live in :mod:`torchlint.resolution`)."""

from __future__ import annotations

from torchlint.resolution.candidates import (
    Candidate,
    allows_prereleases,
    matching,
    newest_for,
    short_versions,
    supports,
    versions,
    wheel_version,
)

__all__ = [
    "TORCH_FAMILY",
    "Candidate",
    "allows_prereleases",
    "matching",
    "newest_for",
    "short_versions",
    "supports",
    "versions",
    "wheel_version",
]

#: Packages built per accelerator variant against one torch build (ABI-coupled): uv-torch's
#: "system dependency" list plus xformers, which the PyTorch indexes also build per variant.
#: Triton packages are not members: torch *requires* them (TL201 reads that from metadata).
TORCH_FAMILY = frozenset(
    {
        "torch",
        "torchvision",
        "torchaudio",
        "torchcodec",
        "torchao",
        "torchrec",
        "torchtext",
        "torchtune",
        "torch-tensorrt",
        "torcharrow",
        "torchcsprng",
        "torchdistx",
        "fbgemm-gpu",
        "fbgemm-gpu-genai",
        "xformers",
    }
)
