"""Sweeps: streamed into a partial folder, whole at the end, resumable without duplicated rows,
locked against a second run, and stopped cleanly (workers included) by SIGTERM and Ctrl-C."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pandas as pd
import pytest
from click.testing import CliRunner

import optimize.sweep as sweep_mod
from linkage.cli import main
from linkage.outputs import OutputError, OutputLock, OutputLockedError
from optimize.sweep import expand_grid, run_scenarios

ROOT = Path(__file__).resolve().parents[1]
T_PER_CREDIT = 4.825
YEARS = [2025, 2026]
# six scenarios; with batch_size=1 a kill after k batches leaves k scenarios on disk
GRID = {"linkage.max_cea_deficit_share": [0.2, 1.0], "linkage.cea_price_cny_per_t_co2e": [50,
                                                                                             80,
                                                                                             200]}


def base_doc():
    # A needs 1,000 NEV credits a year; B sells 300 for free; C abates 400 at 500 and 600 at
    # 800 CNY/credit; CEAs clear a credit at 4.825 x CEA price (up to the share of deficits)
    return {
        "scenario": {"name": "resume base", "years": YEARS},
        "enterprise": [
            {"name": "A", "cafc_credits": [0, 0], "nev_credits": [-1000, -1000]},
            {"name": "B", "cafc_credits": [0, 0], "nev_credits": [300, 300],
             "nev_carry_eligible": False},
            {"name": "C", "cafc_credits": [0, 0], "nev_credits": [0, 0], "abatement": [
                {"kind": "nev", "cost_cny_per_credit": 500.0, "max_credits_per_year": 400.0},
                {"kind": "nev", "cost_cny_per_credit": 800.0, "max_credits_per_year": 600.0}]},
        ],
        "market": {"supply_demand_ratio": 1.8},
        "linkage": {"exchange_rate_credits_per_t_co2e": 1 / T_PER_CREDIT,
                    "cea_price_cny_per_t_co2e": 100.0,
                    "max_cea_deficit_share": 1.0},
    }


def price_by_hand(share, cea):
    """NEV price: CEAs set it when they clear all 700 credits cheaper than C's 500 segment
    (share 1.0); otherwise C's 800 segment is marginal."""
    per_credit = T_PER_CREDIT * cea
    return per_credit if share == 1.0 and per_credit < 500 else 800.0


def sort(t):
    return t.sort_values(["scenario_id", "year"]).reset_index(drop=True)


def listing(d: Path) -> set[str]:
    return {p.name for p in d.iterdir()}


class Killed(KeyboardInterrupt):
    """An interrupt injected after k batches."""


def kill_after(monkeypatch, k):
    real = sweep_mod._run_batch
    calls = {"n": 0}

    def batch(*args):
        if calls["n"] == k:
            raise Killed()
        calls["n"] += 1
        return real(*args)

    monkeypatch.setattr(sweep_mod, "_run_batch", batch)


@pytest.fixture(scope="module")
def straight(tmp_path_factory):
    out = tmp_path_factory.mktemp("straight") / "run"
    table = run_scenarios(base_doc(), expand_grid(GRID), batch_size=1, out=out)
    return table, out


def test_straight_run_is_right_and_leaves_only_its_folder(straight):
    table, out = straight
    assert listing(out.parent) == {"run"}  # no partial folder, no lock file
    assert listing(out) == {"results.csv", "manifest.json"}
    assert len(table) == 6 * len(YEARS)
    for _i, r in table.iterrows():
        assert r["nev_price_cny_per_credit"] == pytest.approx(price_by_hand(
            r["set:linkage.max_cea_deficit_share"], r["set:linkage.cea_price_cny_per_t_co2e"]))


@pytest.mark.parametrize("k", [4])
def test_killed_then_resumed_equals_straight(straight, tmp_path, monkeypatch, k):
    table, straight_out = straight
    out = tmp_path / "run"
    kill_after(monkeypatch, k)
    with pytest.raises(Killed):
        run_scenarios(base_doc(), expand_grid(GRID), batch_size=1, out=out)
    assert not out.exists()  # no output at all, only the partial folder
    partial = tmp_path / ".run.partial"
    assert listing(tmp_path) == {".run.partial"}
    on_disk = pd.read_csv(partial / "results.csv")
    assert sorted(set(on_disk["scenario_id"])) == list(range(k))
    assert len(on_disk) == k * len(YEARS)
    monkeypatch.undo()
    resumed = run_scenarios(base_doc(), expand_grid(GRID), batch_size=1, out=out, resume=True)
    assert listing(tmp_path) == {"run"}
    assert listing(out) == {"results.csv", "manifest.json"}
    pd.testing.assert_frame_equal(resumed, table)
    csv = pd.read_csv(out / "results.csv")
    assert not csv.duplicated(["scenario_id", "year"]).any()
    pd.testing.assert_frame_equal(sort(csv), sort(pd.read_csv(straight_out / "results.csv")))
    # the same text, row for row: the resumed rows are written exactly as a straight run's
    lines = (out / "results.csv").read_text().splitlines()
    straight_lines = (straight_out / "results.csv").read_text().splitlines()
    assert lines[0] == straight_lines[0] and sorted(lines) == sorted(straight_lines)
    m = json.loads((out / "manifest.json").read_text())
    assert len(m["resumed"]) == 1


def test_rows_cut_by_the_kill_are_dropped_on_resume(straight, tmp_path, monkeypatch):
    # the kill lands after a batch's rows reached results.csv (half a line included) but
    # before the journal recorded them: resume must cut them off and solve that batch again
    table, _ = straight
    out = tmp_path / "run"
    real = sweep_mod._ResultStream.append
    calls = {"n": 0}

    def append(self, batch, rows):
        if calls["n"] == 2:
            with open(self.csv, "ab") as fh:
                fh.write(b"2,0.2,100,2025,optimal,123.0\n2,0.2,100,20")
            raise Killed()
        calls["n"] += 1
        real(self, batch, rows)

    monkeypatch.setattr(sweep_mod._ResultStream, "append", append)
    with pytest.raises(Killed):
        run_scenarios(base_doc(), expand_grid(GRID), batch_size=1, out=out)
    monkeypatch.undo()
    resumed = run_scenarios(base_doc(), expand_grid(GRID), batch_size=1, out=out, resume=True)
    pd.testing.assert_frame_equal(resumed, table)
    csv = pd.read_csv(out / "results.csv")
    assert len(csv) == 6 * len(YEARS) and not csv.duplicated(["scenario_id", "year"]).any()


def test_partial_of_another_sweep_is_refused_and_kept(tmp_path, monkeypatch):
    out = tmp_path / "run"
    kill_after(monkeypatch, 2)
    with pytest.raises(Killed):
        run_scenarios(base_doc(), expand_grid(GRID), batch_size=1, out=out)
    monkeypatch.undo()
    partial = tmp_path / ".run.partial"
    before = {p.name: p.read_bytes() for p in partial.iterdir()}
    other = dict(GRID, **{"linkage.cea_price_cny_per_t_co2e": [50, 80]})
    with pytest.raises(OutputError, match="another sweep"):
        run_scenarios(base_doc(), expand_grid(other), batch_size=1, out=out, resume=True)
    with pytest.raises(OutputError, match="another sweep"):  # same changes, other batches
        run_scenarios(base_doc(), expand_grid(GRID), batch_size=2, out=out, resume=True)
    # without --resume the partial run is not silently discarded either
    with pytest.raises(OutputError, match="--resume"):
        run_scenarios(base_doc(), expand_grid(GRID), batch_size=1, out=out)
    assert {p.name: p.read_bytes() for p in partial.iterdir()} == before
    assert not out.exists()


def test_failure_before_any_result_leaves_nothing(tmp_path, monkeypatch):
    kill_after(monkeypatch, 0)
    with pytest.raises(Killed):
        run_scenarios(base_doc(), expand_grid(GRID), batch_size=1, out=tmp_path / "run")
    assert listing(tmp_path) == set()


def test_second_sweep_on_a_locked_output_is_refused(tmp_path):
    out = tmp_path / "run"
    with OutputLock(out):
        with pytest.raises(OutputLockedError, match="another linkage run"):
            run_scenarios(base_doc(), [{}], out=out)
    assert listing(tmp_path) == set()


def _write_sweep(tmp_path: Path, batch_size: int = 1, n: int = 8) -> Path:
    lines = ["[sweep]", f'base = "{(ROOT / "examples" / "industry_market.toml").as_posix()}"',
             'model = "industry"', f"batch_size = {batch_size}", "[grid]",
             '"linkage.max_cea_deficit_share" = [0.2, 1.0]',
             f'"linkage.cea_price_cny_per_t_co2e" = {[10 * i for i in range(n)]}']
    f = tmp_path / "sweep.toml"
    f.write_text("\n".join(lines) + "\n")
    return f


def test_cli_refuses_then_resumes(tmp_path, monkeypatch):
    f = _write_sweep(tmp_path, n=3)
    out = tmp_path / "run"
    kill_after(monkeypatch, 2)
    r = CliRunner().invoke(main, ["sweep", str(f), "--out", str(out)])
    assert r.exit_code == 130, r.output
    assert "--resume" in r.stderr and "Traceback" not in r.output
    monkeypatch.undo()
    r = CliRunner().invoke(main, ["sweep", str(f), "--out", str(out)])
    assert r.exit_code == 2 and "use --resume" in r.stderr
    r = CliRunner().invoke(main, ["sweep", str(f), "--out", str(out), "--resume"])
    assert r.exit_code == 0, r.output
    straight = CliRunner().invoke(main, ["sweep", str(f), "--out", str(tmp_path / "s")])
    assert straight.exit_code == 0
    pd.testing.assert_frame_equal(sort(pd.read_csv(out / "results.csv")),
                                  sort(pd.read_csv(tmp_path / "s" / "results.csv")))
    assert listing(tmp_path) == {"sweep.toml", "run", "s"}


# --------------------------------------------------------------------------- signals
def _children(pid: int) -> set[int]:
    out = set()
    for d in Path("/proc").iterdir():
        if d.name.isdigit():
            try:
                stat = (d / "stat").read_text()
            except OSError:
                continue
            if int(stat.rsplit(")", 1)[1].split()[1]) == pid:
                out.add(int(d.name))
    return out


def _alive(pid: int) -> bool:
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except OSError:
        return False
    return state != "Z"


@pytest.mark.skipif(not Path("/proc/self/stat").exists(), reason="needs /proc")
@pytest.mark.parametrize("how", ["SIGTERM", "SIGINT to the process group"])
def test_signal_stops_workers_and_keeps_old_output(tmp_path, how):
    f = _write_sweep(tmp_path, n=40)  # 80 scenarios: far from done when the signal lands
    out = tmp_path / "run"
    out.mkdir()
    (out / "old.txt").write_text("the previous output\n")
    env = dict(os.environ, PYTHONPATH=str(ROOT))
    proc = subprocess.Popen(
        [sys.executable, "-m", "linkage.cli", "sweep", str(f), "--workers", "2", "--out",
         str(out), "--overwrite"], cwd=tmp_path, env=env, stdout=subprocess.PIPE,
        stderr=subprocess.PIPE, text=True, start_new_session=True)
    journal = tmp_path / ".run.partial" / ".progress.jsonl"
    deadline = time.monotonic() + 60
    kids: set[int] = set()
    while time.monotonic() < deadline and proc.poll() is None:
        kids = _children(proc.pid)
        if len(kids) >= 2 and journal.exists() and journal.read_text().count("\n") >= 2:
            break
        time.sleep(0.05)
    assert proc.poll() is None, proc.communicate()
    assert len(kids) >= 2
    if how == "SIGTERM":
        proc.send_signal(signal.SIGTERM)
    else:  # Ctrl-C in a terminal reaches the parent and its workers
        os.killpg(proc.pid, signal.SIGINT)
    _out, err = proc.communicate(timeout=60)
    assert proc.returncode == (143 if how == "SIGTERM" else 130), err
    assert "Traceback" not in err
    assert not any(_alive(k) for k in kids), "a worker process survived"
    assert listing(out) == {"old.txt"}  # the old output, untouched
    assert (tmp_path / ".run.partial" / "results.csv").exists()
    assert listing(tmp_path) == {"sweep.toml", "run", ".run.partial"}
