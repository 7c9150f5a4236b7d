#!/usr/bin/env python3
"""torchlint against `uv lock` on the same local index, and torchlint's own start-up path.

One command: ``python benchmarks/run.py`` (from the repository, with the test extra installed:
``pip install -e '.[test]'``, which pins uv). It

1. starts the project's own index server (tests/indexserver) on 127.0.0.1 serving a mock of the
   PyTorch nightly CPU index of December 2024 (astral-sh/uv#9651) with realistic wheel sizes:
   sparse, zero-padded wheels whose METADATA member comes last, so a multi-GB index costs MBs of
   disk; the server is started fresh for every run and stopped by its process id;
2. for each index mode (``metadata``: PEP 658 sidecars, no Range; ``range``: Range, no sidecars;
   ``neither``: the December 2024 condition) and each scenario (the founding case, its fix, the
   marker-less variant, and the source-without-dependency variant), runs pinned ``uv lock`` and a
   cold ``torchlint check`` (fresh cache) against the same server and records bytes and requests
   the server sent, wall time and peak RSS (``os.wait4``);
3. measures the pre-commit path: a warm-cache check of the founding case and an ``--offline``
   check, each against ``python -c pass`` (interleaved medians), peak RSS on the largest nightly
   listing (60 nightlies × every platform), and parsing a 10,000-anchor page;
4. writes ``docs/benchmarks.md`` (tables, ratios, the targets and whether each holds, the
   machine) and ``benchmarks/results/latest.json``.

Every child process runs under a timeout; servers stop by themselves after a bounded time too.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from tests.indexserver import IndexServer  # noqa: E402
from tests.indexserver.worlds import founding_case_world  # noqa: E402

PUBLIC = "https://download.pytorch.org"
MiB = 1 << 20
SCENARIOS: dict[str, str] = {}
_BROKEN = (ROOT / "examples" / "u01-nightly-without-triton" / "pyproject.toml").read_text()
_FIXED = (ROOT / "examples" / "u01-nightly-without-triton-fixed" / "pyproject.toml").read_text()
SCENARIOS["founding-case"] = _BROKEN
SCENARIOS["fixed"] = _FIXED
SCENARIOS["no-markers"] = _BROKEN.replace(", marker = \"sys_platform == 'linux'\"", "")
SCENARIOS["source-only"] = _BROKEN.replace(
    "[tool.uv.sources]",
    '[tool.uv.sources]\npytorch-triton = [{ index = "pytorch-nightly", marker = "sys_platform == \'linux\'" }]',
)
MODES = {
    "metadata": {"metadata": True, "range": False},
    "range": {"metadata": False, "range": True},
    "neither": {"metadata": False, "range": False},
}
TARGETS = {
    "metadata_bytes": "with `.metadata`: torchlint bytes <= 1/10 of uv's",
    "metadata_time": "with `.metadata`: torchlint wall time <= uv's",
    "neither_bytes": "with neither: >= 100x fewer bytes than uv",
    "neither_time": "with neither: >= 10x faster than uv",
    "warm_bare": "warm-cache check <= 8x `python -c pass`",
    "offline_bare": "`--offline` check <= 8x `python -c pass`",
    "rss": "peak RSS <= 100 MB on the largest nightly listing",
    "parse": "parsing a 10,000-anchor page < 50 ms",
}


def run(argv: list[str], *, cwd: Path, env: dict[str, str], timeout: float) -> dict[str, Any]:
    """Run a child under a timeout; wall time, exit code, output (and its peak RSS)."""
    return run_rss(argv, cwd=cwd, env=env, timeout=timeout)


def run_rss(argv: list[str], *, cwd: Path, env: dict[str, str], timeout: float) -> dict[str, Any]:
    """Like run(), but reaps the child with wait4 to read its peak RSS."""
    t0 = time.perf_counter()
    p = subprocess.Popen(argv, cwd=cwd, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    deadline = time.monotonic() + timeout
    assert p.stdout is not None and p.stderr is not None
    # communicate() would reap the child; drain the pipes in threads and reap it with wait4
    import threading

    bufs: dict[str, bytes] = {}

    def drain(name: str, stream: Any) -> None:
        bufs[name] = stream.read()

    threads = [threading.Thread(target=drain, args=(n, s)) for n, s in (("out", p.stdout), ("err", p.stderr))]
    for t in threads:
        t.start()
    status, usage = 0, None
    while True:
        pid, status, usage = os.wait4(p.pid, os.WNOHANG)
        if pid:
            break
        if time.monotonic() > deadline:
            p.kill()
            pid, status, usage = os.wait4(p.pid, 0)
            break
        time.sleep(0.005)
    for t in threads:
        t.join(timeout=10)
    p.returncode = os.waitstatus_to_exitcode(status)
    return {
        "rc": p.returncode,
        "wall_s": time.perf_counter() - t0,
        "timed_out": False,
        "stdout": bufs.get("out", b"").decode(errors="replace"),
        "stderr": bufs.get("err", b"").decode(errors="replace"),
        "rss_mb": (usage.ru_maxrss if usage else 0) / 1024,
    }


def tl_check(tl: str, server: IndexServer) -> list[str]:
    """The torchlint command every measurement runs: the founding case, live against *server*."""
    return [
        tl,
        "check",
        "pyproject.toml",
        "--output-format",
        "json",
        "--mirror",
        f"{PUBLIC}={server.url}",
        "--default-index",
        server.index_url("/simple"),
    ]


def python_for_uv() -> str:
    from tests.conftest import python_for_uv as find

    py = find()
    if py is None:
        raise SystemExit("no Python >= 3.12 for uv lock")
    return py


def env_for(home: Path) -> dict[str, str]:
    env = {
        "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
        "HOME": str(home),
        "LANG": "C.UTF-8",
        "NO_COLOR": "1",
    }
    for k in ("HTTP_PROXY", "HTTPS_PROXY", "ALL_PROXY", "http_proxy", "https_proxy", "all_proxy"):
        env[k] = "http://127.0.0.1:9"
    env["NO_PROXY"] = env["no_proxy"] = "127.0.0.1,localhost,::1"
    if "PYENV_ROOT" in os.environ:
        env["PYENV_ROOT"] = os.environ["PYENV_ROOT"]
    return env


def served(server: IndexServer, since: int) -> tuple[int, int, int]:
    reqs = server.requests()[since:]
    return len(reqs), sum(int(r.get("bytes", 0)) for r in reqs), len(server.requests())


def warm_data(world: dict[str, Any], data_dir: Path) -> None:
    """Build every wheel and its hash once, before anything is timed.

    The server generates (sparse) wheels and their sha256 on first use; without this, the first
    measured run would pay for hashing tens of GB of zeros.
    """
    import urllib.request

    t0 = time.perf_counter()
    opener = urllib.request.build_opener(urllib.request.ProxyHandler({}))
    with IndexServer(world, data_dir=data_dir, json=False, missing_status=403) as server:
        for prefix, index in world["indexes"].items():
            for project in index["projects"]:
                name = project.lower().replace("_", "-")
                with opener.open(server.index_url(prefix) + f"/{name}/", timeout=600) as r:
                    r.read()
    print(f"mock data ready in {time.perf_counter() - t0:.1f} s", file=sys.stderr, flush=True)


def measure(args: argparse.Namespace) -> dict[str, Any]:
    venv_bin = Path(sys.executable).parent
    uv = str(venv_bin / "uv")
    tl = str(venv_bin / "torchlint")
    data_dir = Path(args.data_dir)
    data_dir.mkdir(parents=True, exist_ok=True)
    world = founding_case_world(
        nightlies=args.nightlies, torch_size=args.torch_mb * MiB, torch_description=args.torch_description
    )
    work = Path(tempfile.mkdtemp(prefix="tl-bench-"))
    py = python_for_uv()
    results: dict[str, Any] = {
        "runs": [],
        "meta": {},
        "world": {
            "nightlies": args.nightlies,
            "torch_mb": args.torch_mb,
            "torch_description": args.torch_description,
        },
    }
    warm_data(world, data_dir)
    try:
        for mode, switches in MODES.items():
            for scen, text in SCENARIOS.items():
                if mode != "metadata" and scen in ("no-markers", "source-only") and not args.all:
                    continue  # the costly full-download runs: founding case and fix only unless --all
                row: dict[str, Any] = {"mode": mode, "scenario": scen}
                for tool in ("uv", "torchlint"):
                    with IndexServer(
                        world, data_dir=data_dir, json=False, missing_status=403, max_seconds=900, **switches
                    ) as server:
                        d = work / f"{mode}-{scen}-{tool}"
                        d.mkdir()
                        env = env_for(d)
                        if tool == "uv":
                            (d / "pyproject.toml").write_text(
                                text.replace(
                                    f"{PUBLIC}/whl/nightly/cpu", server.index_url("/whl/nightly/cpu")
                                )
                            )
                            env.update(
                                UV_DEFAULT_INDEX=server.index_url("/simple"),
                                UV_CACHE_DIR=str(d / "uvc"),
                                UV_PYTHON=py,
                                UV_PYTHON_DOWNLOADS="never",
                                UV_NO_PROGRESS="1",
                            )
                            r = run_rss([uv, "lock"], cwd=d, env=env, timeout=args.uv_timeout)
                        else:
                            (d / "pyproject.toml").write_text(text)
                            env["TORCHLINT_CACHE_DIR"] = str(d / "tlc")
                            r = run_rss(
                                tl_check(tl, server),
                                cwd=d,
                                env=env,
                                timeout=args.tl_timeout,
                            )
                            r["tl201"] = '"TL201"' in r["stdout"]
                        time.sleep(0.3)
                        n, b, _ = served(server, 0)
                    row[tool] = {
                        "rc": r["rc"],
                        "wall_s": round(r["wall_s"], 3),
                        "requests": n,
                        "bytes": b,
                        "rss_mb": round(r["rss_mb"], 1),
                        **({"tl201": r["tl201"]} if tool == "torchlint" else {}),
                    }
                    print(
                        f"{mode:9} {scen:14} {tool:9} rc={r['rc']} {r['wall_s']:.2f}s {b / 1e6:10.2f} MB "
                        f"{n:4} req {r['rss_mb']:.0f} MB RSS",
                        file=sys.stderr,
                        flush=True,
                    )
                results["runs"].append(row)
        results["startup"] = startup(args, world, data_dir, work, tl)
        results["rss_largest_listing"] = largest_listing_rss(work, tl, data_dir)
        results["parse_10k_ms"] = parse_10k()
    finally:
        shutil.rmtree(work, ignore_errors=True)
    results["meta"] = machine()
    return results


def startup(
    args: argparse.Namespace, world: dict[str, Any], data_dir: Path, work: Path, tl: str
) -> dict[str, Any]:
    """Warm-cache (pre-commit) and --offline checks against `python -c pass`, interleaved medians."""
    d = work / "startup"
    d.mkdir()
    (d / "pyproject.toml").write_text(SCENARIOS["founding-case"])
    env = env_for(d)
    env["TORCHLINT_CACHE_DIR"] = str(d / "tlc")
    with IndexServer(
        world, data_dir=data_dir, json=False, missing_status=403, metadata=True, range=False
    ) as server:
        base = tl_check(tl, server)
        cold = run(base, cwd=d, env=env, timeout=120)
        samples: dict[str, list[float]] = {"bare": [], "warm": [], "offline": []}
        run(base, cwd=d, env=env, timeout=120)  # warm-up
        run([*base, "--offline"], cwd=d, env=env, timeout=120)
        for _ in range(args.repeats):
            samples["bare"].append(run([sys.executable, "-c", "pass"], cwd=d, env=env, timeout=60)["wall_s"])
            w = run(base, cwd=d, env=env, timeout=120)
            samples["warm"].append(w["wall_s"])
            o = run([*base, "--offline"], cwd=d, env=env, timeout=120)
            samples["offline"].append(o["wall_s"])
        warm_requests = served(server, 0)[0]
    med = {k: statistics.median(v) for k, v in samples.items()}
    return {
        "cold_s": cold["wall_s"],
        "bare_ms": med["bare"] * 1000,
        "warm_ms": med["warm"] * 1000,
        "offline_ms": med["offline"] * 1000,
        "warm_ratio": med["warm"] / med["bare"],
        "offline_ratio": med["offline"] / med["bare"],
        "tl201_offline": '"TL201"' in o["stdout"],
        "requests_total": warm_requests,
        "repeats": args.repeats,
    }


def largest_listing_rss(work: Path, tl: str, data_dir: Path) -> dict[str, Any]:
    """Peak RSS of a live check whose nightly index lists 60 nightlies for every platform."""
    from tests.indexserver.snapshot_world import world_from_snapshot

    world = world_from_snapshot(
        {"whl/nightly/cpu": ["torch", "torchvision", "pytorch-triton"], "default": ["pytorch-triton"]},
        newest=60,
    )
    n_files = len(world["indexes"]["/whl/nightly/cpu"]["projects"]["torch"])
    d = work / "rss"
    d.mkdir()
    (d / "pyproject.toml").write_text(SCENARIOS["founding-case"])
    env = env_for(d)
    env["TORCHLINT_CACHE_DIR"] = str(d / "tlc")
    with IndexServer(world, data_dir=data_dir, json=False, missing_status=403, hashes=False) as server:
        r = run_rss(
            tl_check(tl, server),
            cwd=d,
            env=env,
            timeout=300,
        )
    return {"torch_files": n_files, "rss_mb": r["rss_mb"], "rc": r["rc"], "wall_s": r["wall_s"]}


def parse_10k() -> float:
    from torchlint.index.simple import parse_project_page

    anchors = "".join(
        f'<a href="/whl/cpu/torch-2.{i % 90}.{i}%2Bcpu-cp312-cp312-manylinux_2_28_x86_64.whl#sha256={"a" * 64}" '
        f'data-dist-info-metadata="sha256={"b" * 64}" data-core-metadata="sha256={"b" * 64}">'
        f"torch-2.{i % 90}.{i}+cpu-cp312-cp312-manylinux_2_28_x86_64.whl</a><br/>\n"
        for i in range(10_000)
    )
    body = f"<!DOCTYPE html><html><body><h1>Links for torch</h1>\n{anchors}</body></html>".encode()
    times = []
    for _ in range(7):
        t0 = time.perf_counter()
        lst = parse_project_page(
            body, "text/html", "http://127.0.0.1/whl/cpu/torch/", "torch", "http://127.0.0.1/whl/cpu"
        )
        times.append(time.perf_counter() - t0)
        assert len(lst.files) == 10_000
    return statistics.median(times) * 1000


def machine() -> dict[str, Any]:
    return {
        "platform": platform.platform(),
        "python": platform.python_version(),
        "cpus": os.cpu_count(),
        "loadavg": os.getloadavg(),
        "date": time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime()),
    }


def verdicts(res: dict[str, Any]) -> dict[str, tuple[bool, str]]:
    rows = {(r["mode"], r["scenario"]): r for r in res["runs"]}
    md, ne = rows[("metadata", "founding-case")], rows[("neither", "founding-case")]
    st = res["startup"]
    out = {
        "metadata_bytes": (
            md["uv"]["bytes"] >= 10 * md["torchlint"]["bytes"],
            f"{md['uv']['bytes'] / max(1, md['torchlint']['bytes']):.1f}x",
        ),
        "metadata_time": (
            md["torchlint"]["wall_s"] <= md["uv"]["wall_s"],
            f"{md['uv']['wall_s'] / md['torchlint']['wall_s']:.2f}x",
        ),
        "neither_bytes": (
            ne["uv"]["bytes"] >= 100 * ne["torchlint"]["bytes"],
            f"{ne['uv']['bytes'] / max(1, ne['torchlint']['bytes']):.0f}x",
        ),
        "neither_time": (
            ne["uv"]["wall_s"] >= 10 * ne["torchlint"]["wall_s"],
            f"{ne['uv']['wall_s'] / ne['torchlint']['wall_s']:.1f}x",
        ),
        "warm_bare": (st["warm_ratio"] <= 8, f"{st['warm_ratio']:.1f}x"),
        "offline_bare": (st["offline_ratio"] <= 8 and st["tl201_offline"], f"{st['offline_ratio']:.1f}x"),
        "rss": (
            res["rss_largest_listing"]["rss_mb"] <= 100,
            f"{res['rss_largest_listing']['rss_mb']:.0f} MB",
        ),
        "parse": (res["parse_10k_ms"] < 50, f"{res['parse_10k_ms']:.1f} ms"),
    }
    return out


def human(n: float) -> str:
    for unit, k in (("GB", 1e9), ("MB", 1e6), ("kB", 1e3)):
        if n >= k:
            return f"{n / k:.3g} {unit}"
    return f"{int(n)} B"


def write_report(res: dict[str, Any], path: Path) -> None:
    v = verdicts(res)
    m = res["meta"]
    lines = [
        "# Benchmarks: torchlint against `uv lock`",
        "",
        "Generated by `python benchmarks/run.py` (see its docstring for the method); numbers are from one run on",
        f"{m['platform']}, Python {m['python']}, {m['cpus']} CPUs, load average at the end "
        f"{', '.join(f'{x:.2f}' for x in m['loadavg'])}, {m['date']}. Servers and tools ran on the same machine, "
        "over loopback, so wall times are floors; bytes and requests are what the local index server sent. "
        f"The mock index lists {res['world']['nightlies']} torch nightlies of {res['world']['torch_mb']} MB "
        f"each whose METADATA carries a {res['world']['torch_description']:,}-byte long description, as the "
        "real ones do.",
        "",
        "## Targets",
        "",
        "| target | measured | holds |",
        "|---|---|---|",
    ]
    for key, text in TARGETS.items():
        ok, val = v[key]
        lines.append(f"| {text} | {val} | {'yes' if ok else '**no**'} |")
    lines += [
        "",
        "## uv lock and torchlint check, side by side",
        "",
        "| index mode | scenario | tool | exit | wall s | requests | bytes | peak RSS |",
        "|---|---|---|---|---|---|---|---|",
    ]
    for r in res["runs"]:
        for tool in ("uv", "torchlint"):
            t = r[tool]
            extra = " (TL201)" if t.get("tl201") else ""
            lines.append(
                f"| {r['mode']} | {r['scenario']} | {tool}{extra} | {t['rc']} | {t['wall_s']:.2f} | "
                f"{t['requests']} | {human(t['bytes'])} | {t['rss_mb']:.0f} MB |"
            )
    lines += [
        "",
        "Ratios uv / torchlint per run:",
        "",
        "| index mode | scenario | bytes | wall time |",
        "|---|---|---|---|",
    ]
    for r in res["runs"]:
        u, t = r["uv"], r["torchlint"]
        lines.append(
            f"| {r['mode']} | {r['scenario']} | {u['bytes'] / max(1, t['bytes']):.1f}x | "
            f"{u['wall_s'] / max(1e-9, t['wall_s']):.1f}x |"
        )
    st = res["startup"]
    lines += [
        "",
        "## The pre-commit path",
        "",
        f"Medians of {st['repeats']} interleaved runs: `python -c pass` {st['bare_ms']:.1f} ms; warm-cache check "
        f"{st['warm_ms']:.1f} ms ({st['warm_ratio']:.1f}x); `--offline` check {st['offline_ms']:.1f} ms "
        f"({st['offline_ratio']:.1f}x); cold check {st['cold_s'] * 1000:.0f} ms. An unchanged configuration "
        "replays the previous result (torchlint/replay.py) without importing the CLI, TOML or packaging "
        "parsers; a changed one, or changed cache contents, runs the whole check.",
        "",
        f"Peak RSS of a live check whose nightly torch page lists {res['rss_largest_listing']['torch_files']} "
        f"files (60 nightlies × every platform and Python tag): {res['rss_largest_listing']['rss_mb']:.0f} MB.",
        "",
        f"Parsing a 10,000-anchor PEP 503 page (with PEP 658 attributes): {res['parse_10k_ms']:.1f} ms "
        "(median of 7).",
        "",
        "Reproduce: `python3 -m venv .venv && .venv/bin/pip install -e '.[test]' && "
        ".venv/bin/python benchmarks/run.py` (about 10 minutes and ~1 GB of sparse files on first run; "
        "`--all` adds the full-download runs of the extra scenarios).",
        "",
    ]
    notes = Path(__file__).with_name("notes.md")
    if notes.is_file():  # hand-written context (the shared harness's numbers, profiles) kept on re-runs
        lines += [notes.read_text(encoding="utf-8").rstrip(), ""]
    path.write_text("\n".join(lines))


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--nightlies", type=int, default=30)
    ap.add_argument("--torch-mb", type=int, default=175, help="logical size of each torch wheel")
    ap.add_argument(
        "--torch-description",
        type=int,
        default=28_000,
        help="bytes of long description in each torch METADATA (the real one has ~28 kB)",
    )
    ap.add_argument("--repeats", type=int, default=7)
    ap.add_argument("--data-dir", default=str(Path(tempfile.gettempdir()) / "torchlint-bench-data"))
    ap.add_argument("--uv-timeout", type=float, default=300)
    ap.add_argument("--tl-timeout", type=float, default=120)
    ap.add_argument("--all", action="store_true", help="every scenario in every mode")
    ap.add_argument("--report", default=str(ROOT / "docs" / "benchmarks.md"))
    args = ap.parse_args()
    res = measure(args)
    out = ROOT / "benchmarks" / "results"
    out.mkdir(parents=True, exist_ok=True)
    (out / "latest.json").write_text(json.dumps(res, indent=1, default=str))
    write_report(res, Path(args.report))
    v = verdicts(res)
    print("; ".join(f"{k}={val}{'' if ok else ' (MISSED)'}" for k, (ok, val) in v.items()))
    return 0 if all(ok for ok, _ in v.values()) else 1


if __name__ == "__main__":
    raise SystemExit(main())
