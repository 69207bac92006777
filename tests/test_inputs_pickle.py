"""Issue 10: a pickled ``conversions`` Quantity unpickles in any process that imported
``conversions`` (pint looks the units up in its application registry, which the import sets to
``conversions.ureg``): through a child process both ways and through a process pool, as the
sweep's executors need.
"""

from __future__ import annotations

import pickle
import subprocess
import sys
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path

import pint
import pytest

import conversions
from conversions import Q_, InputError, LinkageError

ROOT = Path(__file__).resolve().parents[1]


def _run(code: str, stdin: bytes = b"") -> bytes:
    res = subprocess.run([sys.executable, "-c", code], input=stdin, capture_output=True,
                         cwd=ROOT, check=False)
    assert res.returncode == 0, res.stderr.decode()
    return res.stdout


def _double(q: pint.Quantity) -> pint.Quantity:
    """Runs in a worker: converts with the domain units and returns a Quantity."""
    return (2 * q).to("kg_CO2e")


def test_application_registry_is_conversions_ureg():
    assert pint.get_application_registry().get() is conversions.ureg


def test_quantity_pickled_in_a_child_unpickles_in_the_parent():
    data = _run("import pickle, sys, conversions\n"
                "sys.stdout.buffer.write(pickle.dumps(conversions.Q_(1234.5, 't_CO2e')))\n")
    q = pickle.loads(data)
    assert q._REGISTRY is conversions.ureg
    assert q.to("kg_CO2e").magnitude == pytest.approx(1_234_500.0)


def test_quantity_pickled_in_the_parent_unpickles_in_a_child():
    data = pickle.dumps(Q_(2088.0, "CNY/nev_credit"))
    out = _run("import pickle, sys, conversions\n"
               "q = pickle.loads(sys.stdin.buffer.read())\n"
               "assert q._REGISTRY is conversions.ureg\n"
               "print(q.to('CNY/nev_credit').magnitude, q.units)\n", stdin=data)
    assert out.decode().split() == ["2088.0", "CNY", "/", "nev_credit"]


def test_quantity_round_trip_through_a_process_pool():
    with ProcessPoolExecutor(max_workers=1) as pool:
        got = pool.submit(_double, Q_(1.5, "t_CO2e")).result(timeout=120)
    assert got._REGISTRY is conversions.ureg
    assert str(got.units) == "kg_CO2e"
    assert got.magnitude == pytest.approx(3000.0)


def test_located_errors_survive_pickling():
    err = InputError("expected a number", file="f.csv", row=3, column="volume")
    back = pickle.loads(pickle.dumps(err))
    assert type(back) is InputError and isinstance(back, LinkageError)
    assert (back.file, back.row, back.column, back.rule) == ("f.csv", 3, "volume",
                                                             "expected a number")
    assert str(back) == str(err) == "f.csv, row 3, column 'volume': expected a number"
