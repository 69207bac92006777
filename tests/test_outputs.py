"""Whole outputs or none: atomic folders and files, the overwrite policy, the lock, and the
CLI's exit codes (0, 1, 2, 130) with one line on stderr and no traceback."""

from __future__ import annotations

import hashlib
import os
import signal
import socket
import time
from pathlib import Path

import pytest
from click.testing import CliRunner

import linkage.brief as brief_mod
from conversions.errors import ConversionError
from linkage.cli import main
from linkage.errors import InputError
from linkage.outputs import (
    OutputDir,
    OutputError,
    OutputExistsError,
    OutputLock,
    OutputLockedError,
    _signals_held,
    write_files,
)
from optimize.results import ScenarioResult

ROOT = Path(__file__).resolve().parents[1]
FLEET = ROOT / "examples" / "data" / "demo_fleet.csv"
SCENARIO = ROOT / "examples" / "enterprise_compliance.toml"


def invoke(*args, **kw):
    return CliRunner().invoke(main, [str(a) for a in args], **kw)


def tree(d: Path) -> dict[str, str]:
    """Every file under ``d`` (hidden ones included) -> SHA-256 of its bytes."""
    return {str(p.relative_to(d)): hashlib.sha256(p.read_bytes()).hexdigest()
            for p in sorted(d.rglob("*")) if p.is_file()}


def one_line_error(result, code=2, start="error: "):
    assert result.exit_code == code, (result.output, result.exception)
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith(start), result.stderr
    assert "Traceback" not in result.output
    return lines[0]


def old_output(d: Path) -> Path:
    d.mkdir(parents=True)
    (d / "plan.csv").write_text("the old plan\n")
    (d / "mine.txt").write_text("a file of the user's\n")
    return d


# --------------------------------------------------------------------------- OutputDir
def test_new_folder_appears_whole_and_leaves_nothing_else(tmp_path):
    with OutputDir(tmp_path / "out") as d:
        assert d.parent == tmp_path and d.name.startswith(".out.tmp-")
        (d / "a.csv").write_text("a\n")
        assert not (tmp_path / "out").exists()  # nothing at the final place while writing
    assert {p.name for p in tmp_path.iterdir()} == {"out"}  # no temp folder, no lock file
    assert (tmp_path / "out" / "a.csv").read_text() == "a\n"


@pytest.mark.parametrize("exc", [RuntimeError("disk full"), KeyboardInterrupt()])
def test_failure_over_an_existing_output_keeps_it_byte_identical(tmp_path, exc):
    out = old_output(tmp_path / "out")
    before = tree(tmp_path)
    with pytest.raises(type(exc)), OutputDir(out, overwrite=True) as d:
        (d / "plan.csv").write_text("half a new pl")
        raise exc
    assert tree(tmp_path) == before
    assert {p.name for p in tmp_path.iterdir()} == {"out"}


def test_existing_output_refused_without_overwrite_and_replaced_with_it(tmp_path):
    out = old_output(tmp_path / "out")
    before = tree(tmp_path)
    with pytest.raises(OutputExistsError, match="already exists; use --overwrite"):
        OutputDir(out).__enter__()
    assert tree(tmp_path) == before
    with OutputDir(out, overwrite=True) as d:
        (d / "plan.csv").write_text("new\n")
    assert tree(out) == {"plan.csv": hashlib.sha256(b"new\n").hexdigest()}  # mine.txt gone
    assert {p.name for p in tmp_path.iterdir()} == {"out"}


def test_an_empty_existing_folder_is_used_without_overwrite(tmp_path):
    (tmp_path / "out").mkdir()
    with OutputDir(tmp_path / "out") as d:
        (d / "x").write_text("x")
    assert (tmp_path / "out" / "x").read_text() == "x"


def test_parent_folders_created_for_a_failed_output_are_removed(tmp_path):
    with pytest.raises(RuntimeError), OutputDir(tmp_path / "a" / "b" / "out"):
        raise RuntimeError
    assert list(tmp_path.iterdir()) == []


def test_stale_temporary_folder_of_a_killed_run_is_removed(tmp_path):
    stale = tmp_path / ".out.tmp-999999"
    stale.mkdir()
    (stale / "half.csv").write_text("x")
    with OutputDir(tmp_path / "out") as d:
        (d / "a").write_text("a")
    assert {p.name for p in tmp_path.iterdir()} == {"out"}


def test_lock_refuses_a_second_run_and_is_removed_after(tmp_path):
    out = tmp_path / "out"
    with OutputLock(out) as lock:
        assert lock.path == tmp_path / ".out.lock" and lock.path.exists()
        with pytest.raises(OutputLockedError, match="another linkage run"):
            OutputLock(out).acquire()
        with pytest.raises(OutputLockedError), OutputDir(out):
            pass  # pragma: no cover
        with pytest.raises(OutputLockedError):
            write_files({out: lambda p: p.write_text("x")})
    assert list(tmp_path.iterdir()) == []
    with OutputDir(out) as d:  # free again
        (d / "a").write_text("a")


@pytest.mark.parametrize("kind", ["dir", "file"])
def test_unwritable_places_are_refused_before_any_work(tmp_path, kind):
    (tmp_path / "f").write_text("a file")
    with pytest.raises(OutputError, match="is not a folder"):
        if kind == "dir":
            OutputDir(tmp_path / "f" / "out").__enter__()
        else:
            write_files({tmp_path / "f" / "x.csv": lambda p: p.write_text("x")})
    assert {p.name for p in tmp_path.iterdir()} == {"f"}


@pytest.mark.skipif(os.geteuid() == 0, reason="root writes anywhere")
def test_read_only_parent_is_refused(tmp_path):  # pragma: no cover - not run as root
    ro = tmp_path / "ro"
    ro.mkdir()
    ro.chmod(0o555)
    try:
        with pytest.raises(OutputError, match="permission denied"):
            OutputDir(ro / "out").__enter__()
    finally:
        ro.chmod(0o755)


def test_replacing_the_working_folder_or_an_input_is_refused(tmp_path, monkeypatch):
    work = tmp_path / "work"
    (work / "inputs").mkdir(parents=True)
    (work / "inputs" / "s.toml").write_text("")
    monkeypatch.chdir(work / "inputs")
    with pytest.raises(OutputError, match="would delete"):
        OutputDir(work, overwrite=True).__enter__()
    monkeypatch.chdir(tmp_path)
    with pytest.raises(OutputError, match="would delete"):
        OutputDir(work, overwrite=True, protect=[work / "inputs" / "s.toml"]).__enter__()
    assert (work / "inputs" / "s.toml").exists()


def test_interrupts_are_held_back_during_the_final_renames():
    caught = []
    try:
        with _signals_held():
            signal.raise_signal(signal.SIGINT)  # lands inside: must not interrupt here
            caught.append("finished inside")
    except KeyboardInterrupt:
        caught.append("delivered after")
    assert caught == ["finished inside", "delivered after"]


# --------------------------------------------------------------------------- write_files
def test_two_files_are_written_together_or_not_at_all(tmp_path):
    a, b = tmp_path / "a.csv", tmp_path / "b.csv"
    a.write_text("old a\n")
    b.write_text("old b\n")

    def broken(p):
        p.write_text("half")
        raise OSError(28, "No space left on device")

    with pytest.raises(OSError):
        write_files({a: lambda p: p.write_text("new a\n"), b: broken}, overwrite=True)
    assert a.read_text() == "old a\n" and b.read_text() == "old b\n"
    assert {p.name for p in tmp_path.iterdir()} == {"a.csv", "b.csv"}
    with pytest.raises(OutputError, match="same file"):
        write_files({a: lambda p: None, tmp_path / "sub" / ".." / "a.csv": lambda p: None},
                    overwrite=True)


# --------------------------------------------------------------------------- CLI: files
def test_credits_out_refused_when_it_exists_and_replaced_with_overwrite(tmp_path):
    out = tmp_path / "c.csv"
    out.write_text("old\n")
    line = one_line_error(invoke("credits", FLEET, "--out", out))
    assert str(out) in line and "--overwrite" in line
    assert out.read_text() == "old\n"
    fresh = tmp_path / "fresh.csv"
    assert invoke("credits", FLEET, "--out", fresh).exit_code == 0
    r = invoke("credits", FLEET, "--out", out, "--overwrite")
    assert r.exit_code == 0, r.output
    assert out.read_bytes() == fresh.read_bytes()
    assert {p.name for p in tmp_path.iterdir()} == {"c.csv", "fresh.csv"}


def test_credits_out_and_detail_on_one_path_refused(tmp_path):
    line = one_line_error(invoke("credits", FLEET, "--out", tmp_path / "x.csv", "--detail",
                                 tmp_path / "sub" / ".." / "x.csv"))
    assert "--out and --detail name the same file" in line
    assert list(tmp_path.iterdir()) == []


def test_credits_out_under_a_file_is_exit_2(tmp_path):
    (tmp_path / "f").write_text("")
    line = one_line_error(invoke("credits", FLEET, "--detail", tmp_path / "f" / "d.csv"))
    assert "is not a folder" in line


def test_ledger_out_refused_when_it_exists(tmp_path):
    credits = tmp_path / "credits.csv"
    assert invoke("credits", FLEET, "--out", credits).exit_code == 0
    tx = tmp_path / "tx.csv"
    tx.write_text("old\n")
    one_line_error(invoke("ledger", credits, "--years", "2024-2025", "--out", tx))
    assert tx.read_text() == "old\n"
    r = invoke("ledger", credits, "--years", "2024-2025", "--out", tx, "--overwrite")
    assert r.exit_code == 0, r.output
    assert tx.read_text().startswith("enterprise,")


# --------------------------------------------------------------------------- CLI: folders
@pytest.fixture(scope="module")
def optimized(tmp_path_factory):
    out = tmp_path_factory.mktemp("opt") / "plan"
    r = invoke("optimize", SCENARIO, "--out", out)
    assert r.exit_code == 0, r.output
    return out


def test_optimize_existing_out_refused_then_replaced(optimized, tmp_path):
    out = old_output(tmp_path / "plan")
    before = tree(tmp_path)
    line = one_line_error(invoke("optimize", SCENARIO, "--out", out))
    assert "already exists" in line
    assert tree(tmp_path) == before
    r = invoke("optimize", SCENARIO, "--out", out, "--overwrite")
    assert r.exit_code == 0, r.output
    assert tree(out) == tree(optimized)  # the old files (mine.txt too) are gone
    assert {p.name for p in tmp_path.iterdir()} == {"plan"}


def test_failure_mid_write_leaves_the_old_output(tmp_path, monkeypatch):
    out = old_output(tmp_path / "plan")
    before = tree(tmp_path)

    def broken(self):
        raise RuntimeError("injected failure while writing summary.json")

    monkeypatch.setattr(ScenarioResult, "summary", broken)
    r = invoke("optimize", SCENARIO, "--out", out, "--overwrite")
    line = one_line_error(r, code=1, start="internal error: RuntimeError: injected failure")
    assert "LINKAGE_DEBUG=1" in line
    assert tree(tmp_path) == before  # plan.csv was written into the temporary folder only


def test_locked_out_is_exit_2(tmp_path):
    with OutputLock(tmp_path / "m"):
        line = one_line_error(invoke("market", ROOT / "examples" / "industry_market.toml",
                                     "--out", tmp_path / "m"))
    assert "another linkage run" in line
    assert list(tmp_path.iterdir()) == []


def _fake_compose(fail_with=None):
    def compose(scenario, out, progress, used=None):
        (out / "brief.md").write_text("new brief\n")
        if fail_with is not None:
            raise fail_with
        (out / "brief.html").write_text("<p>new brief</p>")
        b = brief_mod.Brief(out, sections=["1"], files=[out / "brief.md", out / "brief.html"])
        return b
    return compose


@pytest.mark.parametrize(("exc", "code"), [(KeyboardInterrupt(), 130),
                                           (RuntimeError("boom"), 1)])
def test_interrupted_brief_over_an_old_one_leaves_it_intact(tmp_path, monkeypatch, exc, code):
    out = tmp_path / "brief"
    out.mkdir()
    (out / "brief.md").write_text("old brief\n")
    (out / "brief.html").write_text("<p>old brief</p>")
    before = tree(tmp_path)
    monkeypatch.setattr(brief_mod, "_compose", _fake_compose(exc))
    r = invoke("brief", "--out", out, "--overwrite")
    assert r.exit_code == code, r.output
    assert "Traceback" not in r.output
    assert tree(tmp_path) == before  # brief.md and brief.html still agree
    monkeypatch.setattr(brief_mod, "_compose", _fake_compose())
    r = invoke("brief", "--out", out, "--overwrite")
    assert r.exit_code == 0, r.output
    assert (out / "brief.md").read_text() == "new brief\n"
    assert {p.name for p in tmp_path.iterdir()} == {"brief"}


def test_brief_on_a_toml_syntax_error_is_exit_2(tmp_path):
    bad = tmp_path / "bad.toml"
    bad.write_text("[scenario\nname = 1\n")
    line = one_line_error(invoke("brief", bad, "--out", tmp_path / "b"))
    assert str(bad) in line and "TOML" in line
    assert {p.name for p in tmp_path.iterdir()} == {"bad.toml"}


# --------------------------------------------------------------------------- exit codes
@pytest.mark.parametrize(("exc", "code", "start"), [
    (InputError("negative price", file="p.csv", row=3, column="price"), 2,
     "error: p.csv, row 3, column 'price': negative price"),
    (ConversionError("unknown unit 'km**'"), 2, "error: unknown unit 'km**'"),
    (KeyError("x"), 1, "internal error: KeyError: 'x' (set LINKAGE_DEBUG=1"),
    (KeyboardInterrupt(), 130, "interrupted"),
])
def test_one_error_handler_for_every_command(monkeypatch, exc, code, start):
    def raise_(*a, **k):
        raise exc

    monkeypatch.setattr("linkage.cli.compute_credits", raise_)
    monkeypatch.delenv("LINKAGE_DEBUG", raising=False)
    one_line_error(invoke("credits", FLEET), code=code, start=start)


def test_linkage_debug_shows_the_exception(monkeypatch):
    def raise_(*a, **k):
        raise KeyError("x")

    monkeypatch.setattr("linkage.cli.compute_credits", raise_)
    monkeypatch.setenv("LINKAGE_DEBUG", "1")
    r = invoke("credits", FLEET)
    assert isinstance(r.exception, KeyError)


def test_usage_errors_keep_exit_2():
    assert invoke("credits").exit_code == 2
    assert invoke("optimize", SCENARIO, "--bogus").exit_code == 2


def test_unreachable_scheduler_is_exit_2_quickly(tmp_path):
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
    s.close()  # nothing listens there now
    t0 = time.monotonic()
    line = one_line_error(invoke("sweep", ROOT / "examples" / "cea_sweep.toml", "--scheduler",
                                 f"tcp://127.0.0.1:{port}", "--out", tmp_path / "s"))
    assert time.monotonic() - t0 < 10
    assert "cannot reach the Dask scheduler" in line
    assert list(tmp_path.iterdir()) == []
