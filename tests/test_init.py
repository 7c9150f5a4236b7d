"""``torchlint init --backend SPEC``: the configuration it writes passes ``torchlint check`` with no
findings, real ``uv lock`` on the local index locks the intended build on every intended target, the
original file's bytes are kept, and each refusal is one line with exit code 2.

Every spec runs on a new project and on an existing one with comments (offline, on the bundled
snapshot). The results are computed once per session and shared by the check, byte and uv tests.
"""

from __future__ import annotations

import difflib
from dataclasses import dataclass
from pathlib import Path

import pytest

from tests.conftest import uv_exe
from tests.helpers import run_cli
from torchlint.check import CheckOptions, run_check
from torchlint.errors import InputError
from torchlint.index.probe import ProbeOptions
from torchlint.init import host
from torchlint.init.run import InitOptions, InitResult, run_init
from torchlint.init.spec import marker_for, parse_platforms, parse_spec
from torchlint.targets import PLATFORMS, Target

#: An existing project: comments, a table after [project], no torch yet.
EXISTING = """\
# Our service (this comment stays)
[project]
name = "service"
version = "1.2.0"
requires-python = ">=3.11"
dependencies = [
    "numpy>=2",  # arrays
]

# lint settings
[tool.ruff]
line-length = 100  # wide screens
"""

#: An existing project that already declares the torch family (not routed anywhere).
EXISTING_TORCH = """\
[project]
name = "vision"
version = "0.1.0"
requires-python = ">=3.11"
dependencies = [
    "torch>=2.5",   # the model
    "torchvision",  # the transforms
    "pillow",
]

[tool.uv]
dev-dependencies = []  # kept
"""

LINUX, LINUX_ARM, MAC, _MAC_INTEL, WINDOWS = PLATFORMS


@dataclass(frozen=True)
class Case:
    id: str
    backend: str
    #: (platform, extras, groups) → the index torch must come from there ("default": the default index).
    expect: tuple[tuple[object, tuple[str, ...], tuple[str, ...], str], ...]
    nightly: bool = False
    groups: bool = False
    #: Other packages that must be locked from the chosen index on Linux x86_64 (Triton builds).
    also: tuple[tuple[str, str], ...] = ()


CASES = [
    Case("cpu", "cpu", ((LINUX, (), (), "whl/cpu"), (MAC, (), (), "whl/cpu"), (WINDOWS, (), (), "whl/cpu"))),
    Case(
        "cu128",
        "cu128",
        ((LINUX, (), (), "whl/cu128"), (LINUX_ARM, (), (), "whl/cu128"), (WINDOWS, (), (), "whl/cu128")),
    ),
    Case(
        "cu128-split",
        "cu128:linux,windows",
        ((LINUX, (), (), "whl/cu128"), (WINDOWS, (), (), "whl/cu128"), (MAC, (), (), "default")),
    ),
    Case(
        "cpu-or-cu128",
        "cpu,cu128",
        (
            (LINUX, ("cpu",), (), "whl/cpu"),
            (MAC, ("cpu",), (), "whl/cpu"),
            (LINUX, ("cu128",), (), "whl/cu128"),
            (WINDOWS, ("cu128",), (), "whl/cu128"),
        ),
    ),
    Case(
        "cpu-or-cu128-groups",
        "cpu,cu128",
        ((LINUX, (), ("cpu",), "whl/cpu"), (WINDOWS, (), ("cu128",), "whl/cu128")),
        groups=True,
    ),
    Case(
        "rocm6.4",
        "rocm6.4",
        ((LINUX, (), (), "whl/rocm6.4"),),
        also=(("pytorch-triton-rocm", "whl/rocm6.4"),),
    ),
    Case(
        "xpu",
        "xpu",
        ((LINUX, (), (), "whl/xpu"), (WINDOWS, (), (), "whl/xpu")),
        also=(("triton-xpu", "whl/xpu"),),
    ),
    Case(
        "cu128-nightly",
        "cu128",
        ((LINUX, (), (), "whl/nightly/cu128"), (WINDOWS, (), (), "whl/nightly/cu128")),
        nightly=True,
        also=(("pytorch-triton", "whl/nightly/cu128"),),
    ),
]
STARTS = {"fresh": None, "existing": EXISTING}


def _init(tmp: Path, case: Case, start: str | None, **kw: object) -> InitResult:
    tmp.mkdir(parents=True, exist_ok=True)
    if start is not None:
        (tmp / "pyproject.toml").write_text(start, encoding="utf-8")
    opts = InitOptions(
        path=str(tmp),
        backend=case.backend,
        nightly=case.nightly,
        groups=case.groups,
        probe=ProbeOptions(offline=True),
        environ={},
        **kw,  # type: ignore[arg-type]
    )
    return run_init(opts)


@pytest.fixture(scope="session")
def results(tmp_path_factory: pytest.TempPathFactory) -> dict[tuple[str, str], tuple[InitResult, Path]]:
    out = {}
    for case in CASES:
        for start_id, start in STARTS.items():
            folder = tmp_path_factory.mktemp(f"init-{case.id}-{start_id}")
            out[(case.id, start_id)] = (_init(folder, case, start), folder / "pyproject.toml")
    return out


PAIRS = [(c, s) for c in CASES for s in STARTS]
IDS = [f"{c.id}-{s}" for c, s in PAIRS]


@pytest.mark.parametrize(("case", "start"), PAIRS, ids=IDS)
def test_result_passes_check(results, case: Case, start: str) -> None:  # type: ignore[no-untyped-def]
    result, path = results[(case.id, start)]
    assert result.wrote and path.read_text(encoding="utf-8") == result.new_text
    checked = run_check([str(path)], CheckOptions(probe=ProbeOptions(offline=True), pedantic=False), {})
    assert checked.diagnostics == [], [f"{d.code} {d.message}" for d in checked.diagnostics]
    assert checked.exit_code == 0


@pytest.mark.parametrize(("case", "start"), PAIRS, ids=IDS)
def test_original_bytes_kept(results, case: Case, start: str) -> None:  # type: ignore[no-untyped-def]
    result, _path = results[(case.id, start)]
    if STARTS[start] is None:
        assert result.created and result.old_text == ""
        return
    old, new = STARTS[start], result.new_text
    ops = difflib.SequenceMatcher(None, old, new, autojunk=False).get_opcodes()
    assert {tag for tag, *_ in ops} <= {"equal", "insert"}, ops
    assert sum(i2 - i1 for tag, i1, i2, _, _ in ops if tag == "equal") == len(old)
    for comment in ("# Our service (this comment stays)", "# arrays", "# lint settings", "# wide screens"):
        assert comment in new


def test_every_torch_family_package_is_routed(tmp_path: Path) -> None:
    case = Case("x", "cu128:linux,windows", ())
    result = _init(tmp_path, case, EXISTING_TORCH)
    text = result.new_text
    marker = "marker = \"sys_platform == 'linux' or sys_platform == 'win32'\""
    assert f'torch = [{{ index = "pytorch-cu128", {marker} }}]' in text
    assert f'torchvision = [{{ index = "pytorch-cu128", {marker} }}]' in text
    assert "pillow =" not in text.split("[tool.uv.sources]")[1]
    ops = difflib.SequenceMatcher(None, EXISTING_TORCH, text, autojunk=False).get_opcodes()
    assert {tag for tag, *_ in ops} <= {"equal", "insert"}
    checked = run_check(
        [str(tmp_path / "pyproject.toml")], CheckOptions(probe=ProbeOptions(offline=True)), {}
    )
    assert checked.diagnostics == [], [f"{d.code} {d.message}" for d in checked.diagnostics]


def test_nightly_adds_its_triton_from_metadata(results) -> None:  # type: ignore[no-untyped-def]
    result, _ = results[("cu128-nightly", "existing")]
    # the marker is the Requires-Dist marker of the nightly torch's METADATA, in uv's quoting
    assert "\"pytorch-triton ; platform_system == 'Linux'\"" in result.new_text
    assert 'pytorch-triton = [{ index = "pytorch-nightly-cu128" }]' in result.new_text
    stable, _ = results[("cu128", "existing")]
    assert "triton" not in stable.new_text  # stable cu128's triton is on the default index too


def test_init_again_changes_nothing(results, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    result, _ = results[("cu128-split", "existing")]
    again = _init(tmp_path, Case("x", "cu128:linux,windows", ()), result.new_text)
    assert again.new_text == result.new_text and not again.wrote and again.diff == ""


@pytest.mark.uv
@pytest.mark.slow
@pytest.mark.skipif(uv_exe() is None, reason="uv is not installed")
@pytest.mark.parametrize(("case", "start"), PAIRS, ids=IDS)
def test_uv_locks_the_intended_build(
    results, case: Case, start: str, tmp_path: Path, indexserver_data_dir: Path
) -> None:  # type: ignore[no-untyped-def]
    from tests.uvoracle import picks, run_lock

    result, _ = results[(case.id, start)]
    outcome = run_lock(result.new_text, tmp_path / "lock", data_dir=indexserver_data_dir, timeout=120)
    assert outcome.ok, outcome.stderr
    assert outcome.lock is not None
    for platform, extras, groups, index in case.expect:
        got = picks(outcome.lock, Target(platform, (3, 12)), extras, groups)  # type: ignore[arg-type]
        torch = got.get("torch")
        where = f"{platform.name} extras={extras} groups={groups}"  # type: ignore[attr-defined]
        assert torch is not None, f"no torch on {where}"
        assert torch.index == index, f"{where}: torch {torch.version} from {torch.index}"
        assert torch.wheel is not None, f"{where}: torch {torch.version} has no wheel there"
        if index.startswith("whl/") and platform is LINUX:
            variant = index.rsplit("/", 1)[1]
            assert torch.version.endswith("+" + variant), torch.version
        if platform is LINUX:
            for name, from_index in case.also:
                assert name in got and got[name].index == from_index, (name, got.get(name))


# ------------------------------------------------------------------------------------ refusals


def _refused(tmp_path: Path, args: list[str], text: str | None = EXISTING) -> str:
    if text is not None:
        (tmp_path / "pyproject.toml").write_text(text, encoding="utf-8")
    before = (tmp_path / "pyproject.toml").read_bytes() if text is not None else None
    proc = run_cli(["init", *args, "--offline"], cwd=tmp_path)
    assert proc.returncode == 2, (proc.stdout, proc.stderr)
    assert "Traceback" not in proc.stderr and proc.stdout == ""
    lines = proc.stderr.strip().splitlines()
    assert len(lines) == 1, proc.stderr
    if before is not None:
        assert (tmp_path / "pyproject.toml").read_bytes() == before
    else:
        assert not (tmp_path / "pyproject.toml").exists()
    return lines[0]


ROUTED = EXISTING.replace(
    "\n# lint settings",
    '\n[[tool.uv.index]]\nname = "mirror"\nurl = "https://download.pytorch.org/whl/cu126"\nexplicit = true\n\n'
    '[tool.uv.sources]\ntorch = { index = "mirror" }\n\n# lint settings',
).replace('"numpy>=2",  # arrays', '"numpy>=2",  # arrays\n    "torch",')


def test_refuses_a_project_routed_elsewhere(tmp_path: Path) -> None:
    line = _refused(tmp_path, ["--backend", "cu128"], ROUTED)
    assert line.startswith("pyproject.toml:17:9: init refused: [tool.uv.sources] already routes `torch`")
    assert "--force" in line and "check --fix" in line
    proc = run_cli(["init", "--backend", "cu128:linux", "--offline", "--force"], cwd=tmp_path)
    assert proc.returncode == 0, proc.stderr
    text = (tmp_path / "pyproject.toml").read_text()
    assert 'torch = [{ index = "pytorch-cu128", marker = "sys_platform == \'linux\'" }]' in text
    assert 'torch = { index = "mirror" }' not in text


def test_refuses_a_non_explicit_pytorch_index(tmp_path: Path) -> None:
    text = ROUTED.replace('explicit = true\n\n[tool.uv.sources]\ntorch = { index = "mirror" }\n', "\n")
    line = _refused(tmp_path, ["--backend", "cu128"], text)
    assert "index `mirror` is a PyTorch index without `explicit = true`" in line


def test_refuses_a_backend_without_wheels_for_the_python_range(tmp_path: Path) -> None:
    line = _refused(tmp_path, ["--backend", "cu118"], EXISTING.replace(">=3.11", ">=3.15"))
    assert "init refused: cu118 has no torch wheels for Python 3.15" in line


def test_refuses_an_unknown_variant(tmp_path: Path) -> None:
    line = _refused(tmp_path, ["--backend", "cu999"])
    assert (
        "init refused: cu999: https://download.pytorch.org/whl/cu999/ is not an index the bundled snapshot"
        in line
    )


def test_refuses_a_split_on_platforms_without_builds(tmp_path: Path) -> None:
    line = _refused(tmp_path, ["--backend", "cu128:linux,macos"])
    assert "cu128 has no torch wheels for macos-arm64, macos-x86_64" in line


def test_refuses_a_choice_with_torch_in_the_base_dependencies(tmp_path: Path) -> None:
    line = _refused(tmp_path, ["--backend", "cpu,cu128"], EXISTING_TORCH)
    assert line.startswith("pyproject.toml:6:5: init refused: `torch` is declared in [project] dependencies")


@pytest.mark.parametrize(
    ("spec", "reason"),
    [
        ("", "empty SPEC"),
        ("cuda", "'cuda' is not a backend name"),
        ("cu128:", "expected platforms after ':'"),
        ("cpu,cu128:linux", "a platform split names one backend"),
        ("cu128:linux,beos", "unknown platform 'beos'"),
        ("cpu,cpu", "named twice"),
        ("auto,cu128", "`auto` stands alone"),
        ("cu128:linux,macos,windows", "the split names every platform"),
    ],
)
def test_malformed_spec(spec: str, reason: str) -> None:
    with pytest.raises(InputError) as e:
        parse_spec(spec)
    assert reason in str(e.value)


def test_malformed_options_exit_2(tmp_path: Path) -> None:
    assert "expected a Python version like 3.12" in _refused(
        tmp_path, ["--backend", "cpu", "--python", "three"]
    )
    assert "unknown platform 'mars'" in _refused(tmp_path, ["--backend", "cpu", "--platforms", "mars"])
    bad = tmp_path / "bad"
    bad.mkdir()
    assert "invalid TOML" in _refused(bad, ["--backend", "cpu"], "[project\n")


# ------------------------------------------------------------------------------------ options


def test_dry_run_prints_the_diff_and_writes_nothing(tmp_path: Path) -> None:
    (tmp_path / "pyproject.toml").write_text(EXISTING, encoding="utf-8")
    proc = run_cli(["init", "--backend", "cu128:linux,windows", "--dry-run", "--offline"], cwd=tmp_path)
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.startswith("--- a/pyproject.toml\n+++ b/pyproject.toml\n")
    assert "+[[tool.uv.index]]" in proc.stdout
    assert (tmp_path / "pyproject.toml").read_text() == EXISTING


def test_fresh_project_with_python_and_platforms(tmp_path: Path) -> None:
    result = _init(
        tmp_path, Case("x", "cu128", ()), None, python="3.12", platforms=("linux-x86_64", "windows")
    )
    text = result.new_text
    # required platforms: below the first Python the newest cu128 torch has no wheel for
    assert result.created and 'requires-python = ">=3.12,<3.15"' in text
    envs = "[\"sys_platform == 'linux' and platform_machine == 'x86_64'\", \"sys_platform == 'win32'\"]"
    assert f"environments = {envs}" in text and f"required-environments = {envs}" in text
    checked = run_check(
        [str(tmp_path / "pyproject.toml")], CheckOptions(probe=ProbeOptions(offline=True)), {}
    )
    assert checked.diagnostics == [], [f"{d.code} {d.message}" for d in checked.diagnostics]


def test_platforms_the_backend_does_not_serve_are_refused(tmp_path: Path) -> None:
    line = _refused(tmp_path, ["--backend", "rocm6.4", "--platforms", "windows"])
    assert "rocm6.4 has no torch wheels for windows-amd64" in line


# ------------------------------------------------------------------------------------ auto


def test_auto_reads_the_driver_like_uv_and_says_why(tmp_path: Path) -> None:
    (tmp_path / "pyproject.toml").write_text(EXISTING, encoding="utf-8")
    proc = run_cli(
        ["init", "--backend", "auto", "--dry-run", "--offline"],
        cwd=tmp_path,
        env={"UV_CUDA_DRIVER_VERSION": "550.54.14"},
    )
    assert proc.returncode == 0, proc.stderr
    why = next(line for line in proc.stderr.splitlines() if line.startswith("note: auto:"))
    os_name = host.host_os()
    # 550 meets CUDA 12.x's minimum (525.60.13 on Linux), not 13.x's (580): the newest 12.x variant
    assert why.startswith(
        "note: auto: cu129, because the NVIDIA driver is 550.54.14 (from UV_CUDA_DRIVER_VERSION)"
    )
    assert f"needs {host.minimum_driver('12.9', os_name)} or newer" in why
    assert "pytorch-cu129" in proc.stdout


def test_detect_order_and_parsing(tmp_path: Path) -> None:
    proc_text = (
        "NVRM version: NVIDIA UNIX Open Kernel Module for x86_64  550.144.03  Release Build  "
        "(dvs-builder@U16-I3-D08-1-2)  Mon Dec 30 17:26:13 UTC 2024\nGCC version:  gcc version 12.3.0\n"
    )
    files = {"/proc/driver/nvidia/version": proc_text}
    found = host.detect({}, read=files.get, run=lambda argv: None, pci_root=str(tmp_path / "none"))
    assert (found.kind, str(found.driver), found.how) == (
        "cuda",
        "550.144.3",
        "from /proc/driver/nvidia/version",
    )
    files["/sys/module/nvidia/version"] = "560.35.03\n"
    assert str(host.detect({}, read=files.get, run=lambda argv: None).driver) == "560.35.3"
    smi = host.detect(
        {}, read=lambda p: None, run=lambda argv: "572.60\n572.60\n" if argv[0] == "nvidia-smi" else None
    )
    assert (str(smi.driver), smi.how) == ("572.60", "from nvidia-smi")
    dev = tmp_path / "pci" / "0000:00:02.0"
    dev.mkdir(parents=True)
    (dev / "class").write_text("0x030000\n")
    (dev / "vendor").write_text("0x8086\n")
    xpu = host.detect(
        {},
        read=lambda p: Path(p).read_text() if Path(p).is_file() and "pci" in p else None,
        run=lambda argv: None,
        pci_root=str(tmp_path / "pci"),
    )
    assert xpu.kind == "xpu"
    none = host.detect({}, read=lambda p: None, run=lambda argv: None, pci_root=str(tmp_path / "none"))
    assert none.kind == "none"


def test_driver_minimums_are_data_with_a_source() -> None:
    data = host.driver_minimums()
    assert "NVIDIA CUDA Toolkit release notes" in data["source"]
    assert str(host.minimum_driver("12.8", "linux")) == "525.60.13"
    assert str(host.minimum_driver("13.0", "windows")) == "580"
    assert host.cuda_of("cu128") == "12.8" and host.cuda_of("cu92") == "9.2"


def test_markers_are_canonical() -> None:
    assert (
        marker_for(parse_platforms(["linux", "windows"], "x"))
        == "sys_platform == 'linux' or sys_platform == 'win32'"
    )
    assert (
        marker_for(parse_platforms(["linux-x86_64", "macos"], "x"))
        == "(sys_platform == 'linux' and platform_machine == 'x86_64') or sys_platform == 'darwin'"
    )


# ------------------------------------------------------------------------------------ README


def test_readme_init_example_is_real_output(tmp_path: Path) -> None:
    """The README's `init` run: its input file and its diff are what torchlint really prints."""
    import re
    import shlex

    from tests.conftest import ROOT

    text = (ROOT / "README.md").read_text(encoding="utf-8")
    section = text.split("## Writing a configuration: `torchlint init`", 1)[1].split("\n## ", 1)[0]
    (toml_block,) = re.findall(r"^```toml\n(.*?)^```", section, flags=re.S | re.M)
    (run_block,) = re.findall(r"^```text\n(.*?)^```", section, flags=re.S | re.M)
    command, _, shown = run_block.partition("\n")
    assert command.startswith("$ torchlint init ") and "--dry-run" in command
    (tmp_path / "pyproject.toml").write_text(toml_block, encoding="utf-8")
    proc = run_cli(shlex.split(command)[2:], cwd=tmp_path)
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout == shown
    assert (tmp_path / "pyproject.toml").read_text(encoding="utf-8") == toml_block


def test_refuses_a_file_without_a_project_table(tmp_path: Path) -> None:
    line = _refused(tmp_path, ["--backend", "cpu"], "[tool.ruff]\nline-length = 100\n")
    assert "init refused: the file has no [project] table" in line


def test_refuses_dynamic_dependencies(tmp_path: Path) -> None:
    text = '[project]\nname = "x"\nversion = "0.1.0"\ndynamic = ["dependencies"]\n'
    line = _refused(tmp_path, ["--backend", "cpu"], text)
    assert line.startswith("pyproject.toml:4:11: init refused: [project] dependencies are dynamic")


def test_crlf_and_bom_are_kept(tmp_path: Path) -> None:
    text = '[project]\r\nname = "x"\r\nversion = "0.1.0"\r\nrequires-python = ">=3.12"\r\n'
    (tmp_path / "pyproject.toml").write_bytes(b"\xef\xbb\xbf" + text.encode())
    proc = run_cli(["init", "--backend", "cu128:linux", "--offline"], cwd=tmp_path)
    assert proc.returncode == 0, proc.stderr
    raw = (tmp_path / "pyproject.toml").read_bytes()
    assert raw.startswith(b"\xef\xbb\xbf" + text.encode())
    assert b"\n" not in raw.replace(b"\r\n", b"")
    assert b'torch = [{ index = "pytorch-cu128", marker = "sys_platform == \'linux\'" }]' in raw


def test_an_existing_definition_of_the_index_is_reused(tmp_path: Path) -> None:
    text = (
        EXISTING
        + '\n[[tool.uv.index]]\nname = "pt"\nurl = "https://download.pytorch.org/whl/cu128/"\nexplicit = true\n'
    )
    result = _init(tmp_path, Case("x", "cu128:linux", ()), text)
    assert result.new_text.count("[[tool.uv.index]]") == 1
    assert 'torch = [{ index = "pt", marker = "sys_platform == \'linux\'" }]' in result.new_text


def test_findings_the_file_had_before_do_not_block(tmp_path: Path) -> None:
    text = EXISTING.replace("\n# lint settings", '\n[tool.uv]\ntorch-backend = "auto"\n\n# lint settings')
    result = _init(tmp_path, Case("x", "cu128:linux,windows", ()), text)
    assert result.wrote
    assert any(n.startswith("1 finding(s) the file had before remain") and "TL006" in n for n in result.notes)


def test_a_taken_index_name_is_not_redefined(tmp_path: Path) -> None:
    text = (
        EXISTING
        + '\n[[tool.uv.index]]\nname = "pytorch-cu128"\nurl = "https://download.pytorch.org/whl/test/cu128"\nexplicit = true\n'
    )
    result = _init(tmp_path, Case("x", "cu128:linux", ()), text)
    assert 'name = "pytorch-cu128-2"\nurl = "https://download.pytorch.org/whl/cu128"' in result.new_text
    assert 'index = "pytorch-cu128-2", marker = "sys_platform == \'linux\'"' in result.new_text


def test_force_moves_the_torch_family_into_the_choice(tmp_path: Path) -> None:
    result = _init(tmp_path, Case("x", "cpu,cu128", ()), EXISTING_TORCH, force=True)
    text = result.new_text
    assert 'cpu = ["torch>=2.5", "torchvision"]' in text and 'cu128 = ["torch>=2.5", "torchvision"]' in text
    deps = text.split("dependencies = [", 1)[1].split("]", 1)[0]
    assert "torch" not in deps and '"pillow"' in deps
    for comment in ("# the model", "# the transforms", "# kept"):
        assert comment in text  # a removed item's comment stays (joined to its neighbour's)
    checked = run_check(
        [str(tmp_path / "pyproject.toml")], CheckOptions(probe=ProbeOptions(offline=True)), {}
    )
    assert checked.diagnostics == [], [f"{d.code} {d.message}" for d in checked.diagnostics]


def test_a_split_project_table_is_refused_not_crashed(tmp_path: Path) -> None:
    text = (
        '[project]\nname = "x"\nversion = "0.1.0"\nrequires-python = ">=3.11"\ndependencies = []\n\n'
        '[build-system]\nrequires = ["hatchling"]\nbuild-backend = "hatchling.build"\n\n'
        '[project.urls]\nhome = "https://example.invalid"\n'
    )
    line = _refused(tmp_path, ["--backend", "cpu,cu128"], text)
    assert "init refused: the edit cannot be made safely" in line and "split over several places" in line
