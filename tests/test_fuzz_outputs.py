"""Output paths: an existing ``--out`` is refused unless ``--overwrite``; an ``--out`` whose
parent is a file, or ``--out`` equal to ``--detail``, is refused cleanly; and a handful of real
subprocess runs check the exit code and stderr outside click's test runner.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
from fuzz_strategies import (
    PRICES_TEXT,
    REFUSE,
    SWEEP_DOC,
    Snapshot,
    assert_clean_outcome,
    credits_csv_text,
    dump_toml,
    invoke,
    message_lines,
    small_fleet_text,
    tiny_scenario,
    write_support,
)

ROOT = Path(__file__).resolve().parents[1]


def _command(name: str, tmp: Path, out: Path) -> list[object]:
    """A valid, fast command line of ``name`` writing to ``out``."""
    if name == "credits":
        return ["credits", write_support(tmp, "fleet.csv", small_fleet_text()), "--out", out]
    if name == "ledger":
        return ["ledger", write_support(tmp, "credits.csv", credits_csv_text()), "--years",
                "2024-2025", "--prices", write_support(tmp, "prices.csv", PRICES_TEXT),
                "--out", out]
    if name in ("optimize", "market", "brief"):
        sc = write_support(tmp, "scenario.toml", dump_toml(tiny_scenario(
            1 if name != "market" else 2)))
        return [name, sc, "--out", out]
    if name == "sweep":
        write_support(tmp, "scenario.toml", dump_toml(tiny_scenario(2)))
        return ["sweep", write_support(tmp, "sweep.toml", dump_toml(SWEEP_DOC)), "--out", out]
    raise ValueError(name)


FILE_OUTPUTS = ["credits", "ledger"]
DIR_OUTPUTS = ["optimize", "market", "sweep", "brief"]


# once for a file output, once for a folder, once for the sweep (which also resumes)
@pytest.mark.parametrize("name", ["credits", "optimize", "sweep"])
def test_existing_out_refused_unless_overwrite(tmp_path, name):
    out = tmp_path / ("out.csv" if name in FILE_OUTPUTS else "out")
    if name in FILE_OUTPUTS:
        out.write_text("keep me\n")
    else:
        out.mkdir()
        (out / "keep.txt").write_text("keep me\n")
    args = _command(name, tmp_path, out)
    snap = Snapshot.take([out])
    res = invoke(args)
    assert_clean_outcome(res, [out], snapshot=snap, expect=REFUSE, key="overwrite|out.csv|out")
    res = invoke([*args, "--overwrite"])
    assert_clean_outcome(res, [out])
    assert res.exit_code == 0, res.output
    if name in FILE_OUTPUTS:
        assert out.read_text() != "keep me\n"
    else:
        assert not (out / "keep.txt").exists()


@pytest.mark.parametrize("name", FILE_OUTPUTS + DIR_OUTPUTS)
def test_out_under_a_file_refused(tmp_path, name):
    blocker = tmp_path / "afile"
    blocker.write_text("I am a file\n")
    out = blocker / ("out.csv" if name in FILE_OUTPUTS else "out")
    res = invoke(_command(name, tmp_path, out))
    assert_clean_outcome(res, [out], expect=REFUSE, key="afile")
    assert blocker.read_text() == "I am a file\n"


def test_out_equal_to_detail_refused(tmp_path):
    out = tmp_path / "same.csv"
    fleet = write_support(tmp_path, "fleet.csv", small_fleet_text())
    res = invoke(["credits", fleet, "--out", out, "--detail", out])
    assert_clean_outcome(res, [out], expect=REFUSE, key="detail|same.csv")


def test_file_output_onto_a_directory_refused(tmp_path):
    out = tmp_path / "adir"
    out.mkdir()
    fleet = write_support(tmp_path, "fleet.csv", small_fleet_text())
    snap = Snapshot.take([out])
    res = invoke(["credits", fleet, "--out", out])
    assert_clean_outcome(res, [out], snapshot=snap, expect=REFUSE, key="adir")


# ----- real processes: exit code and stderr as a shell sees them


def _subprocess_cases(tmp: Path) -> list[tuple[str, list[str], str]]:
    fleet = tmp / "fleet_latin1.csv"
    fleet.write_bytes(small_fleet_text().replace("Demo Auto A", "Société A").encode("latin-1"))
    sc = tmp / "scenario_inf.toml"
    sc.write_text(dump_toml(tiny_scenario(1)).replace("penalty_cny_per_credit = 5000",
                                                      "penalty_cny_per_credit = inf"))
    prices = tmp / "prices_gbk.csv"
    prices.write_bytes("year,nev_buy_price_cny_per_credit\n2024,￥800\n2025,￥900\n"
                       .encode("gbk"))
    cr = write_support(tmp, "credits.csv", credits_csv_text())
    return [
        ("credits on a latin-1 fleet", ["credits", str(fleet), "--out", str(tmp / "o1.csv")],
         fleet.name),
        ("convert km/0", ["convert", "1", "km/0", "--to", "m"], ""),
        ("ledger on a GBK price file", ["ledger", str(cr), "--years", "2024-2025", "--prices",
                                        str(prices), "--out", str(tmp / "o2.csv")],
         prices.name),
        ("optimize with an infinite penalty", ["optimize", str(sc), "--out", str(tmp / "o3")],
         sc.name),
    ]


def test_real_processes_exit_2_with_one_line(tmp_path):
    env = {**os.environ, "PYTHONPATH": str(ROOT) + os.pathsep + os.environ.get("PYTHONPATH",
                                                                              "")}
    cases = _subprocess_cases(tmp_path)
    before = sorted(p.name for p in tmp_path.iterdir())
    procs = [subprocess.Popen([sys.executable, "-m", "linkage.cli", *args],
                              stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                              env=env, cwd=tmp_path) for _, args, _ in cases]
    failures = []
    for (label, _, fname), proc in zip(cases, procs, strict=True):
        stdout, stderr = proc.communicate(timeout=300)
        lines = message_lines(stderr)
        problems = []
        if proc.returncode != 2:
            problems.append(f"exit {proc.returncode}")
        if "Traceback" in stderr + stdout:
            problems.append("traceback")
        if len(lines) != 1:
            problems.append(f"{len(lines)} stderr lines")
        if fname and not any(fname in ln for ln in lines):
            problems.append(f"message does not name {fname}")
        if problems:
            failures.append(f"{label}: {', '.join(problems)}: {(lines or [''])[-1][:160]}")
    after = sorted(p.name for p in tmp_path.iterdir())
    if after != before:
        failures.append(f"wrote {sorted(set(after) - set(before))}")
    assert not failures, "\n".join(failures)
