"""Check time, output size and memory against input size (issue 16): ``python benchmarks/sizes.py``.

Generates each input shape at growing sizes in a temporary directory and runs the real CLI on it
(``check FILE --offline --no-cache``, full output), one process per run. Prints a Markdown table
(size in bytes, wall and user+system CPU seconds, peak RSS, output bytes); the growth from row to
row is what matters (linear: ten times the input, about ten times the time).
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import tempfile
from pathlib import Path

HEAD = '[project]\nname = "demo"\nversion = "0.1.0"\nrequires-python = ">=3.12"\n'
INDEX = '\n[[tool.uv.index]]\nname = "pytorch-cu128"\nurl = "https://download.pytorch.org/whl/cu128"\nexplicit = true\n'
SOURCES = '\n[tool.uv.sources]\ntorch = [{ index = "pytorch-cu128" }]\n'


def dependencies(n: int) -> tuple[str, str]:
    """``n`` dependencies, one per line (a 10 MB pyproject at n = 150,000)."""
    deps = "".join(f"  \"package-number-{i:07d}>=1.0,<2.0 ; python_version >= '3.12'\",\n" for i in range(n))
    return "pyproject.toml", HEAD + "dependencies = [\n" + deps + '  "torch>=2.5",\n]\n' + SOURCES + INDEX


def one_line(n: int) -> tuple[str, str]:
    """``n`` dependencies on one line (1 MB at n = 60,000)."""
    deps = ", ".join(f'"pkg-{i:07d}>=1"' for i in range(n))
    return "pyproject.toml", HEAD + "dependencies = [" + deps + ', "torch"]\n' + SOURCES + INDEX


def inline_table(n: int) -> tuple[str, str]:
    """An inline table of ``n`` unknown keys in ``[tool.uv]``: one finding per key, on one line."""
    table = ", ".join(f"k{i} = {i}" for i in range(n))
    return "pyproject.toml", HEAD + 'dependencies = ["torch"]\n[tool]\nuv = { ' + table + " }\n"


def requirements(n: int) -> tuple[str, str]:
    """A requirements file of ``n`` lines (9 MB at n = 150,000)."""
    lines = "".join(f"package-number-{i:07d}>=1.0,<2.0 ; python_version >= '3.12'\n" for i in range(n))
    return (
        "requirements.txt",
        "--extra-index-url https://download.pytorch.org/whl/cu128\n" + lines + "torch>=2.5\n",
    )


SHAPES = {
    "dependencies": (dependencies, [1_500, 15_000, 150_000]),
    "one line": (one_line, [600, 6_000, 60_000]),
    "inline table": (inline_table, [1_000, 10_000, 100_000]),
    "requirements": (requirements, [1_500, 15_000, 150_000]),
}

_WRAPPER = (
    "import resource, subprocess, sys, time\n"
    "t = time.monotonic()\n"
    "p = subprocess.run(sys.argv[2:], stdin=subprocess.DEVNULL, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL)\n"
    "wall = time.monotonic() - t\n"
    "r = resource.getrusage(resource.RUSAGE_CHILDREN)\n"
    "open(sys.argv[1], 'w').write(f'{wall} {r.ru_utime + r.ru_stime} {r.ru_maxrss} {len(p.stdout)} {p.returncode}')\n"
)


def measure(exe: list[str], name: str, text: str, tmp: Path) -> dict[str, float]:
    folder = tmp / "case"
    folder.mkdir(exist_ok=True)
    (folder / name).write_text(text, encoding="utf-8")
    out = tmp / "m.txt"
    subprocess.run(
        [sys.executable, "-c", _WRAPPER, str(out), *exe, "check", name, "--offline", "--no-cache"],
        cwd=folder,
        check=False,
        timeout=600,
    )
    wall, cpu, rss, size, code = out.read_text().split()
    return {
        "wall": float(wall),
        "cpu": float(cpu),
        "rss_mb": int(rss) / 1024,
        "out": int(size),
        "exit": int(code),
    }


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--shape", action="append", choices=sorted(SHAPES), help="only these shapes")
    args = ap.parse_args()
    exe = [str(Path(sys.executable).with_name("torchlint"))]
    rows = [
        "| shape | items | input bytes | wall s | CPU s | peak RSS MB | output bytes | exit |",
        "|---|---:|---:|---:|---:|---:|---:|---:|",
    ]
    with tempfile.TemporaryDirectory(prefix="tl-sizes-") as d:
        tmp = Path(d)
        for shape in args.shape or list(SHAPES):
            make, sizes = SHAPES[shape]
            for n in sizes:
                name, text = make(n)
                m = measure(exe, name, text, tmp)
                rows.append(
                    f"| {shape} | {n:,} | {len(text.encode()):,} | {m['wall']:.2f} | {m['cpu']:.2f} | "
                    f"{m['rss_mb']:.0f} | {m['out']:,} | {m['exit']} |"
                )
                print(rows[-1], file=sys.stderr, flush=True)
    print("\n".join(rows))
    print(f"\n(load average at the end: {os.getloadavg()[0]:.1f}; {os.cpu_count()} CPUs)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
