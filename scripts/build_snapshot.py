#!/usr/bin/env python3
"""Build torchlint's bundled index snapshot from the in-repo facts file.

Reads ONLY ``data/pytorch-index-facts.json`` (or ``--facts``) and writes, into ``--out``
(default ``torchlint/index/data``):

* ``manifest.json``: snapshot date, one-line source, the index keys and their documents;
* one gzip'd JSON document per index key (``whl/cpu``, ``whl/nightly/cu128``, ``default`` ...).

Stdlib only; the output is byte-for-byte deterministic for the same inputs.

Document format (``format`` 1)::

    {
      "key": "whl/cu128", "channel": "stable", "derived_page": false,
      "hashes": true,                 # the real page carries #sha256 fragments
      "projects": {
        "torch": {
          "files":  [[filename, url, sha256|null, pep658 0/1, upload_time|null,
                      requires_python|null, size|null, meta|null, derived 0/1], ...],
          "groups": [{"d": "/whl/cu128/", "h": 1, "n": "torch",
                      "v": [[version, meta|null, pep658 0/1], ...],
                      "t": [[python, abi, platform], ...]}, ...]
        },
        "numpy": {"present": 1}      # served, files not recorded
      },
      "rd":   [[requirement, ...], ...],              # interned Requires-Dist lists
      "meta": [[name, version, rd index, requires_python|null, derived 0/1], ...],
      "patterns": {"torch": [{project, requires, marker, pin, note, derived}, ...]}
    }

A group stands for the cross product versions x tags, every file derived (generated from the
documented naming pattern); its filename is ``{n}-{version}-{python}-{abi}-{platform}.whl``
and its URL ``hosts[h] + d + quote(filename)``. Explicit ``files`` win over a group file of
the same name. ``url`` of an explicit file is absolute, or root-relative (then the PyTorch host
is prefixed), or ``snapshot:default/...`` for the public default index (its host is never
written into this repository).
"""

from __future__ import annotations

import argparse
import datetime as _dt
import gzip
import hashlib
import io
import json
import re
import sys
from collections.abc import Iterable
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
FORMAT = 1
HOSTS = ["https://download.pytorch.org", "https://download-r2.pytorch.org", "snapshot:default"]
H_PT, H_R2, H_DEFAULT = 0, 1, 2
PEP658_SINCE = "2025-01-03"  # test-infra 960fd7ff8
R2_SINCE = "2026-04-06"  # prod torch-family hrefs on download-r2 (test-infra 5e452857b)

COMMON = ("filelock", "typing-extensions", "sympy", "networkx", "jinja2", "fsspec", "setuptools")
TRITON_FAMILY = (
    "triton",
    "pytorch-triton",
    "pytorch-triton-rocm",
    "pytorch-triton-xpu",
    "triton-rocm",
    "triton-xpu",
)
#: Packages whose hrefs point at download-r2 (facts: package_lists.r2_linked_packages_prod).
MARK_LINUX_X86 = 'platform_system == "Linux" and platform_machine == "x86_64"'
MARK_LINUX = 'platform_system == "Linux"'

_CANON = re.compile(r"[-_.]+")


def canon(name: str) -> str:
    return _CANON.sub("-", name).lower()


def vkey(v: str) -> tuple[int, ...]:
    """Sort key for plain release versions (X.Y.Z)."""
    out = []
    for part in v.split("+")[0].split("."):
        m = re.match(r"\d+", part)
        out.append(int(m.group(0)) if m else 0)
    return tuple(out)


def req_name(req: str) -> str:
    m = re.match(r"\s*([A-Za-z0-9][A-Za-z0-9._-]*)", req)
    return canon(m.group(1)) if m else ""


def req_marker(req: str) -> str | None:
    return req.split(";", 1)[1].strip() if ";" in req else None


def plat_class(platform: str) -> str | None:
    if platform.startswith("macosx"):
        return "macos_arm64" if platform.endswith("arm64") else "macos_x86_64"
    if platform == "win_amd64":
        return "windows_x86_64"
    if platform == "win_arm64":
        return "windows_arm64"
    if "aarch64" in platform:
        return "linux_aarch64"
    if "x86_64" in platform:
        return "linux_x86_64"
    return None


def split_wheel(filename: str) -> tuple[str, str, str, str, str] | None:
    """(dist, version, python, abi, platform) of a wheel filename; build tag dropped."""
    if not filename.endswith(".whl"):
        return None
    parts = filename[:-4].split("-")
    if len(parts) == 6:
        parts = parts[:2] + parts[3:]
    if len(parts) != 5:
        return None
    return parts[0], parts[1], parts[2], parts[3], parts[4]


class Builder:
    def __init__(self, facts: dict[str, Any], date: str) -> None:
        self.f = facts
        self.date = date
        self.releases: dict[str, Any] = facts["releases"]
        self.order = sorted(self.releases, key=vkey)
        self.variants: dict[str, Any] = facts["variants"]
        self.pypi: dict[str, Any] = facts["pypi_files"]
        self.observed: list[dict[str, Any]] = facts["observed_wheels"]
        self.locks: list[dict[str, Any]] = facts["observed_lock_dependencies"]
        self.newest = self.order[-1]
        self.guesses: list[str] = []

    # ------------------------------------------------------------------ release facts
    def release_date(self, v: str) -> str:
        return str(self.releases[v]["pypi"].get("first_upload") or "")[:10]

    def pypi_requires_python(self, project: str, version: str) -> str | None:
        entry = self.pypi.get(project, {}).get(version)
        if not entry:
            return None
        vals = [x for x in entry.get("requires_python") or [] if x]
        return vals[0] if vals else None

    def pypi_meta(self, v: str, prefer: str = "linux_x86_64") -> tuple[dict[str, Any] | None, bool]:
        """PyPI core metadata for torch v (platform `prefer` first); (meta, exact_platform)."""
        metas = {
            p: m for p, m in self.releases[v].get("pypi_core_metadata", {}).items() if m.get("requires_dist")
        }
        if prefer in metas:
            return metas[prefer], True
        for p in ("linux_x86_64", "linux_aarch64", "win_amd64", "macos_arm64"):
            if p in metas:
                return metas[p], False
        return None, False

    def nearest_meta(self, v: str) -> dict[str, Any]:
        """PyPI metadata of v, else of the nearest earlier version that has some."""
        idx = self.order.index(v)
        for cand in [*reversed(self.order[: idx + 1]), *self.order[idx + 1 :]]:
            m, _ = self.pypi_meta(cand)
            if m:
                return m
        raise SystemExit("facts hold no PyPI core metadata at all")

    def requires_python(self, v: str) -> str | None:
        vals = [x for x in self.releases[v]["pypi"].get("requires_python") or [] if x]
        return vals[0] if vals else None

    def common_reqs(self, v: str) -> list[str]:
        meta = self.nearest_meta(v)
        return [r for r in meta["requires_dist"] if req_name(r) in COMMON or "extra ==" in r]

    def pypi_default_cuda(self, v: str) -> str | None:
        idx = self.order.index(v)
        for cand in reversed(self.order[: idx + 1]):
            line = self.releases[cand].get("pypi_default_cuda_runtime_requirement")
            if line:
                m = re.search(r"(?:==|\(==)\s*(\d+)\.(\d+)", line)
                if m:
                    return f"cu{m.group(1)}{m.group(2)}"
        return None

    def cuda_marker(self, v: str) -> str:
        idx = self.order.index(v)
        for cand in reversed(self.order[: idx + 1]):
            line = self.releases[cand].get("pypi_default_cuda_runtime_requirement")
            if line and ";" in line:
                return line.split(";", 1)[1].strip()
        return MARK_LINUX_X86

    def triton_line(self, v: str) -> str | None:
        idx = self.order.index(v)
        if vkey(v) < (2, 0):
            return None
        for cand in reversed(self.order[: idx + 1]):
            line = self.releases[cand].get("triton_requirement_pypi_linux_x86_64")
            if line:
                return str(line)
        return None

    def triton_pin(self, v: str) -> str | None:
        line = self.triton_line(v)
        if not line:
            return None
        m = re.search(r"(?:==|~=|\(==)\s*([0-9][0-9.]*)", line)
        return m.group(1) if m else None

    def companion(self, project: str, v: str) -> str | None:
        val = self.releases[v].get(project)
        return str(val) if val else None

    def variant_versions(self, variant: str) -> list[str]:
        vs = set(self.variants.get(variant, {}).get("torch_versions") or [])
        for v, r in self.releases.items():
            if variant in (r.get("observed_on_pytorch_index") or {}):
                vs.add(v)
        return sorted((v for v in vs if v in self.releases), key=vkey)

    def lock(self, package: str, version: str, index: str | None = None) -> dict[str, Any] | None:
        for x in self.locks:
            if x["package"] == package and x["version"] == version and (index is None or x["index"] == index):
                return x
        return None

    # ------------------------------------------------------------------ wheel tags
    def pypi_tags(self, project: str, version: str) -> dict[str, list[tuple[str, str, str]]]:
        """platform class -> [(python, abi, pypi platform)] from PyPI's file list."""
        out: dict[str, list[tuple[str, str, str]]] = {}
        entry = self.pypi.get(project, {}).get(version)
        for f in (entry or {}).get("files", []):
            sp = split_wheel(f["filename"])
            if not sp:
                continue
            pc = plat_class(sp[4])
            if pc:
                t = (sp[2], sp[3], sp[4])
                if t not in out.setdefault(pc, []):
                    out[pc].append(t)
        return out

    def py_abi(self, project: str, version: str, pc: str, torch_v: str) -> list[tuple[str, str]]:
        tags = self.pypi_tags(project, version).get(pc) if version else None
        if not tags:
            tags = self.pypi_tags("torch", torch_v).get(pc)
        if not tags and pc == "linux_aarch64":
            tags = self.pypi_tags("torch", torch_v).get("linux_x86_64")
        seen: list[tuple[str, str]] = []
        for py, abi, _ in tags or []:
            if abi == "none" and py.startswith("cp"):
                abi = py  # mac-only "none" abi; real abi elsewhere
            if (py, abi) not in seen:
                seen.append((py, abi))
        return seen

    def aarch64_cuda(self, variant: str, v: str) -> bool:
        if vkey(v) < (2, 6):
            return False
        if v == "2.6.0":
            return variant == "cu126"
        cuda = self.variants[variant].get("cuda")
        idx = self.order.index(v)
        for cand in reversed(self.order[: idx + 1]):
            listed = (self.releases[cand].get("test_infra_release_matrix") or {}).get(
                "cuda_aarch64_arches_listed"
            )
            if listed:
                if f"{cuda}-aarch64" in listed:
                    return True
                break
        return "linux_aarch64" in (self.releases[v].get("observed_on_pytorch_index") or {}).get(variant, [])

    def x86_tag(self, kind: str, variant: str, v: str) -> str:
        if kind == "xpu":
            return "linux_x86_64" if vkey(v) < (2, 10) else "manylinux_2_28_x86_64"
        if vkey(v) >= (2, 7) or (v == "2.6.0" and variant == "cu126"):
            return "manylinux_2_28_x86_64"
        return "linux_x86_64"

    # ------------------------------------------------------------------ metadata rules
    def cuda_names(self, variant: str, v: str) -> list[str] | None:
        """Dependency names of torch v+variant: lock file, else nearest lock of the same CUDA major and era."""
        lk = self.lock("torch", f"{v}+{variant}")
        if lk:
            return list(lk["dependency_names"])
        major = variant[:4]
        era = vkey(v) >= (2, 11)
        cands = []
        for x in self.locks:
            if x["package"] != "torch" or "+cu" not in x["version"]:
                continue
            base, local = x["version"].split("+", 1)
            if base not in self.releases or (vkey(base) >= (2, 11)) != era or base == "2.6.0":
                continue
            if local[:4] != major:
                continue
            dist = abs(self.order.index(base) - self.order.index(v))
            cands.append((local != variant, dist, -self.order.index(base), x["dependency_names"]))
        if cands:
            cands.sort(key=lambda c: (c[0], c[1], c[2]))
            return list(cands[0][3])
        return None

    def torch_reqs(self, kind: str, variant: str | None, v: str, local: bool) -> list[str]:
        """Requires-Dist of a torch build on a PyTorch index (always derived)."""
        common = self.common_reqs(v)
        if kind == "cpu" or not local or variant is None:
            return common
        if kind == "cuda":
            meta = self.nearest_meta(v)
            if self.pypi_default_cuda(v) == variant and self.pypi_meta(v)[0] is not None:
                return [r for r in meta["requires_dist"]]
            names = self.cuda_names(variant, v)
            if names is None:
                names = [*COMMON, "triton"]
            marker = self.cuda_marker(v)
            out = list(common)
            have = {req_name(r) for r in out}
            for n in sorted(set(names) - have - set(COMMON)):
                if n == "triton":
                    line = self.triton_line(v)
                    if line:
                        out.append(line)
                elif n.startswith(("nvidia-", "cuda-")):
                    out.append(f"{n}; {marker}")
            return out
        if kind == "rocm":
            pin = self.rocm_pin(v)
            if pin is None:
                return common
            return [*common, f"{self.rocm_triton_name(v)}=={pin}; {MARK_LINUX_X86}"]
        if kind == "xpu":
            lk = self.lock("torch", "2.13.0+xpu")
            intel = [
                n for n in (lk["dependency_names"] if lk else []) if n not in COMMON and "triton" not in n
            ]
            out = [*common, *intel]
            pin = self.xpu_pin(v)
            if pin:
                name = self.xpu_triton_name(v)
                out.append(
                    f"{name}=={pin}; {MARK_LINUX}" if name == "pytorch-triton-xpu" else f"{name}=={pin}"
                )
            return out
        return common

    def rocm_triton_name(self, v: str) -> str:
        return "pytorch-triton-rocm" if vkey(v) < (2, 10) else "triton-rocm"

    def xpu_triton_name(self, v: str) -> str:
        # facts: pytorch_triton_xpu-3.5.0 (torch 2.9's triton) is stored at the root, and the
        # ROCm package was renamed with triton 3.6 (torch 2.10); XPU assumed to follow.
        return "pytorch-triton-xpu" if vkey(v) < (2, 10) else "triton-xpu"

    def rocm_pin(self, v: str) -> str | None:
        lk = self.lock("torch", f"{v}+rocm6.3") or {}
        pinned = (lk.get("pinned_versions") or {}).get("pytorch-triton-rocm")
        if pinned:
            return str(pinned)
        return self.root_pin(self.rocm_triton_name(v), v)

    def xpu_pin(self, v: str) -> str | None:
        return self.root_pin(self.xpu_triton_name(v), v)

    def root_pin(self, name: str, v: str) -> str | None:
        """A root build of `name` uploaded on v's release day (observed), else the PyPI triton pin."""
        day = self.release_date(v)
        for w in self.observed:
            if (
                w["index"] == "(root)"
                and canon(w["package"]) == name
                and (w.get("upload_time") or "")[:10] == day
            ):
                return str(w["version"])
        return self.triton_pin(v)


# ---------------------------------------------------------------------- documents
class Doc:
    def __init__(self, key: str, channel: str, hashes: bool, derived_page: bool = False) -> None:
        self.key = key
        self.channel = channel
        self.hashes = hashes
        self.derived_page = derived_page
        self.projects: dict[str, dict[str, Any]] = {}
        self.rd: list[list[str]] = []
        self._rd_idx: dict[tuple[str, ...], int] = {}
        self.meta: list[list[Any]] = []
        self._meta_idx: dict[str, int] = {}
        self.patterns: dict[str, list[dict[str, Any]]] = {}

    def add_meta(self, name: str, version: str, reqs: Iterable[str], rp: str | None, derived: bool) -> int:
        t = tuple(reqs)
        ri = self._rd_idx.get(t)
        if ri is None:
            ri = self._rd_idx[t] = len(self.rd)
            self.rd.append(list(t))
        row = [name, version, ri, rp, int(derived)]
        k = json.dumps(row)
        mi = self._meta_idx.get(k)
        if mi is None:
            mi = self._meta_idx[k] = len(self.meta)
            self.meta.append(row)
        return mi

    def proj(self, name: str) -> dict[str, Any]:
        return self.projects.setdefault(canon(name), {})

    def add_file(self, project: str, row: list[Any]) -> None:
        p = self.proj(project)
        p.pop("present", None)
        files = p.setdefault("files", [])
        if any(r[0] == row[0] for r in files):
            return
        files.append(row)

    def add_group(
        self, project: str, dist: str, d: str, host: int, versions: list[list[Any]], tags: list[list[str]]
    ) -> None:
        if not versions or not tags:
            return
        p = self.proj(project)
        p.pop("present", None)
        groups = p.setdefault("groups", [])
        for g in groups:
            if g["d"] == d and g["h"] == host and g["n"] == dist and g["t"] == tags:
                g["v"].extend(v for v in versions if v not in g["v"])
                return
        groups.append({"d": d, "h": host, "n": dist, "v": versions, "t": tags})

    def add_absent(self, names: Iterable[str]) -> None:
        """Projects known *not* to be on this index (a project not recorded at all is unknown)."""
        for n in names:
            c = canon(n)
            if c and c not in self.projects:
                self.projects[c] = {"absent": 1}

    def add_present(self, names: Iterable[str]) -> None:
        for n in names:
            c = canon(n)
            if c and c.strip("-") and c not in self.projects:
                self.projects[c] = {"present": 1}

    def to_json(self) -> dict[str, Any]:
        projects = {}
        for name in sorted(self.projects):
            p = self.projects[name]
            out: dict[str, Any] = {}
            if "present" in p:
                out["present"] = 1
            if "absent" in p:
                out["absent"] = 1
            if p.get("files"):
                out["files"] = sorted(p["files"], key=lambda r: r[0])
            if p.get("groups"):
                gs = []
                for g in p["groups"]:
                    gs.append({**g, "v": sorted(g["v"], key=lambda x: x[0]), "t": sorted(g["t"])})
                out["groups"] = sorted(gs, key=lambda g: json.dumps(g, sort_keys=True))
            projects[name] = out
        return {
            "format": FORMAT,
            "key": self.key,
            "channel": self.channel,
            "hashes": self.hashes,
            "derived_page": self.derived_page,
            "projects": projects,
            "rd": self.rd,
            "meta": self.meta,
            "patterns": {k: self.patterns[k] for k in sorted(self.patterns)},
        }


def pattern(project: str, requires: str, marker: str | None, pin: str, note: str) -> dict[str, Any]:
    return {
        "project": project,
        "requires": requires,
        "marker": marker,
        "pin": pin,
        "note": note,
        "derived": True,
    }


def write_gz(path: Path, obj: Any) -> None:
    raw = json.dumps(obj, sort_keys=True, separators=(",", ":"), ensure_ascii=True).encode()
    buf = io.BytesIO()
    with gzip.GzipFile(filename="", mode="wb", fileobj=buf, mtime=0, compresslevel=9) as gz:
        gz.write(raw)
    path.write_bytes(buf.getvalue())


# ---------------------------------------------------------------------- the build
class SnapshotBuild:
    def __init__(self, facts: dict[str, Any], date: str) -> None:
        self.b = Builder(facts, date)
        self.f = facts
        self.date = date
        self.docs: dict[str, Doc] = {}
        self.allow = [
            canon(n)
            for n in [
                *facts["package_lists"]["generator_allow_list_current"],
                *facts["package_lists"]["links_copied_from_channel_root_into_subfolders"],
            ]
        ]
        mt = facts["package_lists"]["dependency_mirror_targets"]
        self.mirror_all = sorted(
            {canon(n) for group in mt.values() for names in group.values() for n in names}
        )
        dmin = _dt.date.fromisoformat(date)
        self.nightly_dates = [(dmin - _dt.timedelta(days=i)).strftime("%Y%m%d") for i in range(60, 0, -1)]

    # -- helpers
    def host_for(self, project: str, channel: str) -> int:
        r2 = canon(project) in {canon(n) for n in self.f["package_lists"]["r2_linked_packages_prod"]}
        return (
            H_R2
            if r2 and self.date >= R2_SINCE and channel in ("stable", "test", "nightly", "aggregate")
            else H_PT
        )

    def observed_row(
        self, w: dict[str, Any], doc: Doc, meta: int | None, pep658: bool, nightly: bool
    ) -> list[Any]:
        idx = w["index"]
        d = "/whl/" if idx == "(root)" else f"/whl/{idx}/"
        from urllib.parse import quote

        host = HOSTS[self.host_for(w["package"], doc.channel)]
        if (
            "download.pytorch.org" in (w.get("url_hosts") or [])
            and self.host_for(w["package"], doc.channel) == H_PT
        ):
            host = HOSTS[H_PT]
        url = host + d + quote(w["filename"])
        sha = None if nightly else w.get("sha256")
        return [w["filename"], url, sha, int(pep658), w.get("upload_time"), None, None, meta, 0]

    def file_meta(self, doc: Doc, filename: str, kind: str, variant: str | None) -> int | None:
        sp = split_wheel(filename)
        if not sp:
            return None
        dist, version, _, _, _plat = sp
        name = canon(dist)
        base, _, local = version.partition("+")
        b = self.b
        if name == "torch":
            tv = base
            if tv not in b.releases:
                return None
            reqs = b.torch_reqs(kind, variant, tv, bool(local))
            return doc.add_meta("torch", version, reqs, b.requires_python(tv), True)
        if name in ("torchvision", "torchaudio"):
            tv = self.torch_for_companion(name, base)
            if tv is None:
                return None
            torch_pin = f"{tv}+{local}" if local else tv
            reqs = [f"torch=={torch_pin}"]
            if name == "torchvision":
                reqs = ["numpy", f"torch=={torch_pin}", "pillow!=8.3.*,>=5.3.0"]
            return doc.add_meta(name, version, reqs, b.pypi_requires_python(name, base), True)
        if name in TRITON_FAMILY:
            lk = b.lock(name, version)
            if lk is None:
                return None
            return doc.add_meta(name, version, sorted(lk["dependency_names"]), None, True)
        return None

    def torch_for_companion(self, project: str, version: str) -> str | None:
        for v in self.b.order:
            if self.b.releases[v].get(project) == version:
                return v
        return None

    # -- generation of one variant's torch-family pages
    def gen_variant(self, doc: Doc, variant: str, versions: list[str], d: str, pep_by_date: bool) -> None:
        b = self.b
        kind = b.variants[variant]["kind"]
        for project in ("torch", "torchvision", "torchaudio"):
            host = self.host_for(project, doc.channel)
            by_tags: dict[tuple[tuple[str, str, str], ...], list[list[Any]]] = {}
            for v in versions:
                pv = v if project == "torch" else b.companion(project, v)
                if not pv:
                    continue
                pep = int(pep_by_date and b.release_date(v) >= PEP658_SINCE)
                builds: dict[str, list[tuple[str, str, str]]] = {}

                def add(
                    local: bool,
                    pc: str,
                    plat: str,
                    only: Iterable[str] | None = None,
                    *,
                    project: str = project,
                    pv: str = pv,
                    v: str = v,
                    builds: dict[str, list[tuple[str, str, str]]] = builds,
                ) -> None:
                    ver = f"{pv}+{variant}" if local else pv
                    for py, abi in b.py_abi(project, pv, pc, v):
                        if only is not None and (py not in only or abi != py):
                            continue
                        builds.setdefault(ver, []).append((py, abi, plat))

                if kind == "cpu":
                    add(True, "linux_x86_64", b.x86_tag(kind, variant, v))
                    add(True, "windows_x86_64", "win_amd64")
                    if vkey(v) < (2, 6):
                        add(False, "linux_aarch64", "manylinux_2_17_aarch64.manylinux2014_aarch64")
                    else:
                        add(True, "linux_aarch64", "manylinux_2_28_aarch64")
                        if v == "2.10.0" and project == "torch":
                            add(True, "linux_aarch64", "linux_aarch64")
                    if vkey(v) >= (2, 7) and project == "torch":
                        add(True, "windows_x86_64", "win_arm64", only=("cp311", "cp312", "cp313"))
                    # macOS: PyPI's own filenames (no local version), added as explicit files below
                elif kind == "cuda":
                    add(True, "linux_x86_64", b.x86_tag(kind, variant, v))
                    if variant != "cu134":
                        add(True, "windows_x86_64", "win_amd64")
                    if b.aarch64_cuda(variant, v):
                        tag = "linux_aarch64" if vkey(v) < (2, 7) else "manylinux_2_28_aarch64"
                        local = project == "torch" or vkey(v) >= (2, 10)
                        add(local, "linux_aarch64", tag)
                elif kind == "rocm":
                    add(True, "linux_x86_64", b.x86_tag(kind, variant, v))
                elif kind == "xpu":
                    add(True, "linux_x86_64", b.x86_tag(kind, variant, v))
                    add(True, "windows_x86_64", "win_amd64")
                for ver, tags in builds.items():
                    fname = f"{project}-{ver}-{tags[0][0]}-{tags[0][1]}-{tags[0][2]}.whl"
                    meta = self.file_meta(doc, fname, kind, variant)
                    by_tags.setdefault(tuple(sorted(set(tags))), []).append([ver, meta, pep])
                if kind == "cpu":
                    entry = b.pypi.get(project, {}).get(pv) or {}
                    for f in entry.get("files", []):
                        sp = split_wheel(f["filename"])
                        if not sp or not sp[4].startswith("macosx"):
                            continue
                        from urllib.parse import quote

                        meta = self.file_meta(doc, f["filename"], kind, variant)
                        url = HOSTS[host] + d + quote(f["filename"])
                        doc.add_file(project, [f["filename"], url, None, pep, None, None, None, meta, 1])
            for tags, vers in by_tags.items():
                doc.add_group(project, project, d, host, vers, [list(t) for t in tags])

    def add_observed(self, doc: Doc, index: str, kind: str, variant: str | None, nightly: bool) -> None:
        b = self.b
        for w in self.f["observed_wheels"]:
            if w["index"] != index:
                continue
            pkg = canon(w["package"])
            if pkg not in ("torch", "torchvision", "torchaudio", *TRITON_FAMILY):
                continue
            sp = split_wheel(w["filename"])
            pep = nightly
            if sp and pkg in ("torch", "torchvision", "torchaudio") and not nightly:
                base = sp[1].split("+")[0]
                tv = base if pkg == "torch" else self.torch_for_companion(pkg, base)
                pep = bool(tv and b.release_date(tv) >= PEP658_SINCE)
            meta = self.file_meta(doc, w["filename"], kind, variant) if kind else None
            doc.add_file(pkg, self.observed_row(w, doc, meta, pep, nightly))

    # -- root-stored triton builds (ROCm / XPU) that the variant pages need
    def gen_root_triton(self, doc: Doc, root: str, pins: dict[str, set[str]]) -> None:
        """pins: package -> versions; generate linux (and windows for triton-xpu) wheels."""
        from urllib.parse import quote

        b = self.b
        observed = {w["filename"] for w in self.f["observed_wheels"]}
        for pkg, versions in sorted(pins.items()):
            dist = pkg.replace("-", "_")
            host = self.host_for(pkg, doc.channel)
            for ver in sorted(versions, key=vkey):
                # CPython tags: those of the torch releases that pin this version
                users = [v for v in b.order if ver in (b.triton_pin(v), b.rocm_pin(v), b.xpu_pin(v))] or [
                    b.newest
                ]
                pys: list[tuple[str, str]] = []
                for v in users:
                    for t in b.py_abi("torch", v, "linux_x86_64", v):
                        if t not in pys:
                            pys.append(t)
                if pkg.endswith("rocm"):
                    plats = ["linux_x86_64"]
                elif pkg == "triton-xpu":
                    plats = ["manylinux_2_27_x86_64.manylinux_2_28_x86_64", "win_amd64"]
                else:
                    plats = ["manylinux_2_27_x86_64.manylinux_2_28_x86_64"]
                if any(o.startswith(f"{dist}-{ver}-") for o in observed):
                    continue  # observed builds of this version are listed as observed files
                tags = [[py, abi, p] for py, abi in pys for p in plats]
                meta = doc.add_meta(pkg, ver, ["setuptools"] if pkg.endswith("rocm") else [], None, True)
                doc.add_group(pkg, dist, root, host, [[ver, meta, 0]], tags)
                _ = quote

    # -- keys
    def stable_like(self, key: str, variant: str, channel: str, versions: list[str]) -> Doc:
        b = self.b
        doc = Doc(key, channel, hashes=True)
        kind = b.variants[variant]["kind"]
        d = f"/{key}/"
        self.gen_variant(doc, variant, versions, d, pep_by_date=True)
        # observed files of this folder win over generated ones of the same name
        obs_index = key[len("whl/") :]
        self.add_observed(doc, obs_index, kind, variant, nightly=False)
        # channel root: stored once, listed in every subfolder
        root_index = "(root)" if channel == "stable" else "test"
        root_dir = "/whl/" if channel == "stable" else "/whl/test/"
        self.add_observed(doc, root_index, "", None, nightly=False)
        self.root_pins(doc, root_dir, versions if channel == "test" else None)
        self.fill_present(doc, variant)
        self.add_patterns(doc, kind, versions, nightly=False)
        return doc

    def root_pins(self, doc: Doc, root_dir: str, only_versions: list[str] | None) -> None:
        b = self.b
        pins: dict[str, set[str]] = {}
        for variant, info in b.variants.items():
            kind = info.get("kind")
            if kind not in ("rocm", "xpu"):
                continue
            for v in b.variant_versions(variant):
                if only_versions is not None and v not in only_versions:
                    continue
                if kind == "rocm":
                    pin = b.rocm_pin(v)
                    name = b.rocm_triton_name(v)
                else:
                    pin = b.xpu_pin(v)
                    name = b.xpu_triton_name(v)
                if pin and vkey(v) >= (2, 0):
                    pins.setdefault(name, set()).add(pin)
        self.gen_root_triton(doc, root_dir, pins)

    def fill_present(self, doc: Doc, variant: str | None) -> None:
        names = set(self.allow) | set(self.mirror_all)
        names -= {"torch", "torchvision", "torchaudio", *TRITON_FAMILY}
        doc.add_present(sorted(names))

    def add_patterns(self, doc: Doc, kind: str, versions: list[str], nightly: bool) -> None:
        b = self.b
        pats: list[dict[str, Any]] = []
        newest = versions[-1] if versions else b.newest
        if nightly:
            if kind in ("cpu", "cuda"):
                pats.append(
                    pattern(
                        "torch",
                        "pytorch-triton",
                        MARK_LINUX,
                        "index-only",
                        "nightly torch pins a pytorch-triton build (X.Y.Z+git<sha>) that only the nightly index serves",
                    )
                )
            elif kind == "rocm":
                pats.append(
                    pattern(
                        "torch",
                        "pytorch-triton-rocm",
                        MARK_LINUX_X86,
                        "index-only",
                        "nightly ROCm torch pins a pytorch-triton-rocm build (X.Y.Z+git<sha>) stored at the nightly root",
                    )
                )
            elif kind == "xpu":
                pats.append(
                    pattern(
                        "torch",
                        "pytorch-triton-xpu",
                        MARK_LINUX,
                        "index-only",
                        "nightly XPU torch pins a pytorch-triton-xpu build (X.Y.Z+git<sha>) stored at the nightly root",
                    )
                )
        elif kind == "rocm":
            name = b.rocm_triton_name(newest)
            pats.append(
                pattern(
                    "torch",
                    name,
                    MARK_LINUX_X86,
                    "index-only",
                    f"ROCm torch pins {name} (stored at the channel root, listed in every subfolder, "
                    "absent from the public default index); pytorch-triton-rocm up to 2.9, triton-rocm from 2.10",
                )
            )
        elif kind == "xpu":
            name = b.xpu_triton_name(newest)
            pats.append(
                pattern(
                    "torch",
                    name,
                    MARK_LINUX if name == "pytorch-triton-xpu" else None,
                    "index-only",
                    f"XPU torch pins {name} (stored at the channel root, absent from the public default index); "
                    "pytorch-triton-xpu up to 2.9, triton-xpu from 2.10",
                )
            )
        elif kind == "cuda":
            line = b.triton_line(newest) or ""
            pats.append(
                pattern(
                    "torch",
                    "triton",
                    req_marker(line),
                    "none",
                    "stable CUDA torch pins the public triton release (PyPI pin; some versions are also mirrored at the PyTorch root)",
                )
            )
        for comp in ("torchvision", "torchaudio"):
            pats.append(
                pattern(
                    comp,
                    "torch",
                    None,
                    "same-version",
                    f"{comp} requires torch=={{same release}} with the same local label (+variant)",
                )
            )
        for p in pats:
            doc.patterns.setdefault(p["project"], []).append(p)

    # -- nightly
    def nightly_doc(self, variant: str) -> Doc:
        from urllib.parse import quote

        b = self.b
        key = f"whl/nightly/{variant}"
        doc = Doc(key, "nightly", hashes=False)
        kind = b.variants[variant]["kind"] if variant in b.variants else "cuda"
        newest = b.newest
        mj, mn = vkey(newest)[:2]
        torch_next = f"{mj}.{mn + 1}.0"
        tv_newest = max((r["torchvision"] for r in b.releases.values() if r.get("torchvision")), key=vkey)
        tvm = vkey(tv_newest)
        vision_next = f"{tvm[0]}.{tvm[1] + 1}.0"
        audio_next = torch_next
        py_tags = b.py_abi("torch", newest, "linux_x86_64", newest)
        # pins of pytorch-triton-family for the 60 dates
        pins = self.nightly_pins()
        d = f"/{key}/"
        rp = b.requires_python(newest)
        common = b.common_reqs(newest)
        cuda_names = b.cuda_names(variant, b.order[-1]) if kind == "cuda" else None
        if kind == "cuda" and cuda_names is None:
            cuda_names = b.cuda_names("cu130" if variant >= "cu13" else "cu126", "2.12.1")
        trit = {
            "cpu": "pytorch-triton",
            "cuda": "pytorch-triton",
            "rocm": "pytorch-triton-rocm",
            "xpu": "pytorch-triton-xpu",
        }[kind]
        trit_marker = {"rocm": MARK_LINUX_X86}.get(kind, MARK_LINUX)
        plats: list[tuple[str, str, bool]] = [("linux_x86_64", "manylinux_2_28_x86_64", True)]
        if kind in ("cpu", "cuda"):
            plats.append(("linux_aarch64", "manylinux_2_28_aarch64", True))
        if kind in ("cpu", "xpu") or (kind == "cuda" and variant != "cu134"):
            plats.append(("windows_x86_64", "win_amd64", True))
        for project, nextv in (
            ("torch", torch_next),
            ("torchvision", vision_next),
            ("torchaudio", audio_next),
        ):
            host = self.host_for(project, "nightly")
            by_tags: dict[tuple[tuple[str, str, str], ...], list[list[Any]]] = {}
            for i, date in enumerate(self.nightly_dates):
                base = f"{nextv}.dev{date}"
                torch_ver = f"{torch_next}.dev{date}"
                pin = pins[trit][i // 20]
                builds: dict[str, list[tuple[str, str, str]]] = {}
                for pc, plat, _ in plats:
                    local = not (project != "torch" and pc == "linux_aarch64" and kind == "cuda")
                    ver = f"{base}+{variant}" if local else base
                    for py, abi in py_tags:
                        builds.setdefault(ver, []).append((py, abi, plat))
                if kind == "cpu":
                    for py, abi in py_tags:
                        builds.setdefault(base, []).append((py, abi, "macosx_14_0_arm64"))
                for ver, tags in builds.items():
                    local = "+" in ver
                    tpin = f"{torch_ver}+{variant}" if local else torch_ver
                    if project == "torch":
                        reqs = list(common)
                        if kind == "cuda":
                            reqs += [
                                f"{n}; {MARK_LINUX}"
                                for n in sorted(set(cuda_names or ()))
                                if n.startswith(("nvidia-", "cuda-"))
                            ]
                        elif kind == "xpu":
                            lk = b.lock("torch", "2.13.0+xpu")
                            reqs += [
                                n
                                for n in (lk["dependency_names"] if lk else [])
                                if n not in COMMON and "triton" not in n
                            ]
                        reqs.append(f"{trit}=={pin}; {trit_marker}")
                        meta = doc.add_meta("torch", ver, reqs, rp, True)
                    elif project == "torchvision":
                        meta = doc.add_meta(
                            project, ver, ["numpy", f"torch=={tpin}", "pillow!=8.3.*,>=5.3.0"], rp, True
                        )
                    else:
                        meta = doc.add_meta(project, ver, [f"torch=={tpin}"], rp, True)
                    by_tags.setdefault(tuple(sorted(set(tags))), []).append([ver, meta, 1])
            for tags, vers in by_tags.items():
                doc.add_group(project, project, d, host, vers, [list(t) for t in tags])
        # nightly root: pytorch-triton family (listed in every nightly subfolder)
        for pkg, versions in pins.items():
            dist = pkg.replace("-", "_")
            host = self.host_for(pkg, "nightly")
            if pkg == "pytorch-triton":
                plat_list = [
                    "manylinux_2_27_x86_64.manylinux_2_28_x86_64",
                    "manylinux_2_27_aarch64.manylinux_2_28_aarch64",
                ]
            elif pkg == "pytorch-triton-rocm":
                plat_list = ["linux_x86_64"]
            else:
                plat_list = ["manylinux_2_27_x86_64.manylinux_2_28_x86_64", "win_amd64"]
            tags = [[py, abi, p] for py, abi in py_tags for p in plat_list]
            vers = [[v, doc.add_meta(pkg, v, ["setuptools>=40.8.0"], rp, True), 1] for v in versions]
            doc.add_group(pkg, dist, "/whl/nightly/", host, vers, tags)
        # observed nightly torch-family files all predate the 60-version window: pruned, not listed
        for w in self.f["observed_wheels"]:
            if w["index"] == "nightly" and canon(w["package"]) in TRITON_FAMILY:
                doc.add_file(canon(w["package"]), self.observed_row(w, doc, None, True, True))
        self.fill_present(doc, variant)
        self.add_patterns(doc, kind, [], nightly=True)
        _ = quote
        return doc

    def nightly_pins(self) -> dict[str, list[str]]:
        out: dict[str, list[str]] = {}
        for pkg in ("pytorch-triton", "pytorch-triton-rocm", "pytorch-triton-xpu"):
            vs = []
            for block in range(3):
                first = self.nightly_dates[block * 20]
                h = hashlib.sha256(f"{pkg} {first}".encode()).hexdigest()[:8]
                vs.append(f"3.10.0+git{h}")
            out[pkg] = vs
        return out

    # -- default index
    def default_doc(self) -> Doc:
        b = self.b
        doc = Doc("default", "default", hashes=True)
        for project in ("torch", "torchvision", "torchaudio", "triton", "pytorch-triton-rocm"):
            for version, entry in sorted(b.pypi.get(project, {}).items(), key=lambda kv: vkey(kv[0])):
                rp = next((x for x in entry.get("requires_python") or [] if x), None)
                for f in entry.get("files", []):
                    fn = f["filename"]
                    sp = split_wheel(fn)
                    meta = None
                    if project == "torch" and sp:
                        pc = plat_class(sp[4]) or "linux_x86_64"
                        prefer = {"windows_x86_64": "win_amd64", "macos_x86_64": "macos_arm64"}.get(pc, pc)
                        m, exact = b.pypi_meta(version, prefer)
                        if m:
                            meta = doc.add_meta(
                                "torch",
                                version,
                                m["requires_dist"],
                                m.get("requires_python") or rp,
                                not exact,
                            )
                        else:
                            nm = b.nearest_meta(version)
                            meta = doc.add_meta("torch", version, nm["requires_dist"], rp, True)
                    elif project in ("torchvision", "torchaudio") and sp:
                        tv = self.torch_for_companion(project, version)
                        if tv:
                            reqs = [f"torch=={tv}"]
                            if project == "torchvision":
                                reqs = ["numpy", f"torch=={tv}", "pillow!=8.3.*,>=5.3.0"]
                            meta = doc.add_meta(project, version, reqs, rp, True)
                    doc.add_file(
                        project,
                        [
                            fn,
                            f"snapshot:default/{fn}",
                            f.get("sha256"),
                            int(fn.endswith(".whl")),
                            f.get("upload_time"),
                            rp,
                            f.get("size"),
                            meta,
                            0,
                        ],
                    )
        ph = "pytorch_triton-0.0.1-py3-none-any.whl"
        doc.add_file(
            "pytorch-triton",
            [
                ph,
                f"snapshot:default/{ph}",
                None,
                1,
                None,
                None,
                None,
                doc.add_meta("pytorch-triton", "0.0.1", [], None, True),
                1,
            ],
        )
        names: set[str] = set(COMMON) | {
            "mpmath",
            "markupsafe",
            "numpy",
            "pillow",
            "cuda-toolkit",
            "cuda-bindings",
        }
        names |= {"optree", "opt-einsum", "pyyaml", "mkl", "requests"}
        for r in b.releases.values():
            for m in (r.get("pypi_core_metadata") or {}).values():
                for req in m.get("requires_dist") or []:
                    names.add(req_name(req))
        lk = b.lock("torch", "2.13.0+xpu")
        names |= {canon(n) for n in (lk["dependency_names"] if lk else [])}
        for grp in ("(all)", "cu126", "cu130"):
            names |= {
                canon(n) for n in self.f["package_lists"]["dependency_mirror_targets"]["torch"].get(grp, [])
            }
        names -= {"torch", "torchvision", "torchaudio", *TRITON_FAMILY}
        doc.add_present(sorted(n for n in names if n))
        # the index-only Triton builds are absent from the public default index (the facts say so;
        # any other project the snapshot does not record is unknown there, not absent)
        doc.add_absent(TRITON_FAMILY)
        for comp in ("torchvision", "torchaudio"):
            doc.patterns.setdefault(comp, []).append(
                pattern(comp, "torch", None, "same-version", f"{comp} requires torch=={{same release}}")
            )
        doc.patterns.setdefault("torch", []).append(
            pattern("torch", "triton", MARK_LINUX, "none", "torch pins the public triton release on Linux")
        )
        return doc

    # -- everything
    def build(self) -> dict[str, Doc]:
        b = self.b
        stable = [
            "cpu",
            "cu116",
            "cu117",
            "cu118",
            "cu121",
            "cu124",
            "cu126",
            "cu128",
            "cu129",
            "cu130",
            "cu132",
        ]
        stable += sorted(
            (v for v, i in b.variants.items() if i.get("kind") == "rocm" and b.variant_versions(v)),
            key=lambda s: vkey(s[4:]),
        )
        stable.append("xpu")
        for variant in stable:
            self.docs[f"whl/{variant}"] = self.stable_like(
                f"whl/{variant}", variant, "stable", b.variant_versions(variant)
            )
        # current variants: those of the newest release whose variants are known, plus cpu and xpu
        current = ["cpu", "xpu"]
        for v in reversed(b.order):
            vs = [
                name
                for name, i in b.variants.items()
                if v in (i.get("torch_versions") or []) and name not in current
            ]
            if any(b.variants[x]["kind"] == "cuda" for x in vs):
                current += vs
                break
        # test channel: the current variants (plus cu128, observed there), versions from 2.7.0
        test_variants = sorted(set(current) | {"cu128"})
        for variant in test_variants:
            vs = [v for v in b.variant_versions(variant) if vkey(v) >= (2, 7)]
            obs = {
                w["filename"].split("-")[1].split("+")[0]
                for w in self.f["observed_wheels"]
                if w["index"] == f"test/{variant}" and w["package"] == "torch"
            }
            vs = sorted(set(vs) | {v for v in obs if v in b.releases}, key=vkey)
            doc = self.stable_like(f"whl/test/{variant}", variant, "test", vs)
            doc.derived_page = True
            self.docs[f"whl/test/{variant}"] = doc
        # aggregated /whl: union of the current variants' pages
        agg = Doc("whl", "aggregate", hashes=True, derived_page=True)
        for variant in current:
            src = self.stable_like("whl/" + variant, variant, "stable", b.variant_versions(variant))
            self.merge(agg, src)
        self.docs["whl"] = agg
        rocm_newest = max(
            (v for v, i in b.variants.items() if i.get("kind") == "rocm"), key=lambda s: vkey(s[4:])
        )
        for variant in ("cpu", "cu126", "cu128", "cu130", "cu132", rocm_newest, "xpu"):
            self.docs[f"whl/nightly/{variant}"] = self.nightly_doc(variant)
        self.docs["default"] = self.default_doc()
        return self.docs

    def merge(self, dst: Doc, src: Doc) -> None:
        remap: dict[int, int] = {}
        for i, row in enumerate(src.meta):
            remap[i] = dst.add_meta(row[0], row[1], src.rd[row[2]], row[3], bool(row[4]))
        for name, p in src.projects.items():
            if "present" in p and name not in dst.projects:
                dst.projects[name] = {"present": 1}
            for row in p.get("files", []):
                r = list(row)
                r[7] = remap.get(r[7]) if r[7] is not None else None
                dst.add_file(name, r)
            for g in p.get("groups", []):
                vers = [[v, remap.get(m) if m is not None else None, pep] for v, m, pep in g["v"]]
                dst.add_group(name, g["n"], g["d"], g["h"], vers, g["t"])
        for proj, pats in src.patterns.items():
            for pat in pats:
                if pat not in dst.patterns.setdefault(proj, []):
                    dst.patterns[proj].append(pat)


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    ap.add_argument("--facts", default=str(ROOT / "data" / "pytorch-index-facts.json"))
    ap.add_argument("--out", default=str(ROOT / "torchlint" / "index" / "data"))
    ap.add_argument("--date", default="2026-11-26", help="snapshot date (YYYY-MM-DD)")
    args = ap.parse_args(argv)
    _dt.date.fromisoformat(args.date)
    facts = json.loads(Path(args.facts).read_text(encoding="utf-8"))
    docs = SnapshotBuild(facts, args.date).build()
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    for old in out.glob("*.json.gz"):
        old.unlink()
    keys: dict[str, Any] = {}
    for key in sorted(docs):
        doc = docs[key]
        fname = key.replace("/", "_") + ".json.gz"
        write_gz(out / fname, doc.to_json())
        keys[key] = {"file": fname, "channel": doc.channel}
    manifest = {
        "format": FORMAT,
        "date": args.date,
        "source": (
            f"scripts/build_snapshot.py from data/pytorch-index-facts.json ({facts['schema'].get('retrieved', '?')}); "
            "observed files from public lock files and issue text, the rest derived from documented patterns"
        ),
        "hosts": HOSTS,
        "keys": keys,
    }
    (out / "manifest.json").write_text(
        json.dumps(manifest, sort_keys=True, indent=1) + "\n", encoding="utf-8"
    )
    total = sum(p.stat().st_size for p in out.iterdir() if p.is_file())
    print(f"wrote {len(keys)} index documents to {out} ({total / 1024:.0f} KiB)", file=sys.stderr)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
