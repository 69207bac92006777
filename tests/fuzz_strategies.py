"""Strategies and the outcome contract of the fuzz suite (``tests/test_fuzz_*.py``).

Every case starts from a valid bundled input (the demo fleet and enterprise tables, the
example scenario and sweep files, a rulebook override as in the README, a credits CSV written
by ``linkage credits --out``, a price file) and breaks or perturbs one thing. A case carries
what the command must do with it:

``REFUSE``
    exit 2 with one line naming the file (and the row or key where known), nothing written.
``SAME``
    exit 0 with the same result as the unperturbed input (row order, CRLF, BOM, quoting,
    comments, a year table instead of a list, ...).
``REFUSE_OR_SAME``
    either of the two (e.g. ``"1,500"`` may be read as 1500 or refused, never as 1.5 or 1).
``ANY``
    exit 0 or exit 2, but never a traceback, never exit 1, nothing half-written.

:func:`clean_outcome_problems` checks the contract and returns what is broken (the
findings collector in ``notes/fuzz-repro`` uses it); :func:`assert_clean_outcome` asserts it.
Mutations are functions ``mutation(draw) -> Case``: hypothesis tests call them with the
``draw`` of a composite strategy, :func:`representatives` with a deterministic ``draw`` that
returns each strategy's simplest value (one representative case per mutation class).
"""

from __future__ import annotations

import csv
import datetime as dt
import hashlib
import io
import math
import re
import tempfile
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field, replace
from functools import cache
from pathlib import Path
from typing import Any

from click.testing import CliRunner, Result
from hypothesis import HealthCheck, Phase, find, settings
from hypothesis import strategies as st

ROOT = Path(__file__).resolve().parents[1]
EXAMPLES = ROOT / "examples"
DATA = EXAMPLES / "data"

REFUSE, SAME, REFUSE_OR_SAME, ANY = "refuse", "same", "refuse-or-same", "any"


def fuzz_settings(max_examples: int) -> settings:
    """Deterministic hypothesis settings: fixed seed, no example database, no deadline."""
    return settings(
        derandomize=True,
        database=None,
        deadline=None,
        max_examples=max_examples,
        phases=[Phase.explicit, Phase.generate, Phase.shrink],
        suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large,
                               HealthCheck.function_scoped_fixture],
    )


# --------------------------------------------------------------------------------------------
# cases


@dataclass(frozen=True)
class Case:
    """One input file (or option value) and what the command must do with it.

    Attributes
    ----------
    label : str
        Mutation class, e.g. ``"fleet: inf in a numeric cell"``.
    content : bytes
        The file's bytes (empty for option-only cases).
    expect : str
        ``REFUSE``, ``SAME``, ``REFUSE_OR_SAME`` or ``ANY``.
    name : str
        File name to write the content under.
    row : int, optional
        Spreadsheet row (header = row 1) the refusal must name.
    key : str, optional
        Key or column the refusal must name (any of ``key.split("|")``).
    equivalent : bytes, optional
        For ``SAME``/``REFUSE_OR_SAME``: the content the result must equal (default: the
        unperturbed base).
    args : tuple of str
        Extra command-line options.
    detail : str
        The mutation's parameters, for the findings list.
    """

    label: str
    content: bytes
    expect: str
    name: str = "input.csv"
    row: int | None = None
    key: str | None = None
    equivalent: bytes | None = None
    args: tuple[str, ...] = ()
    detail: str = ""


Draw = Callable[[st.SearchStrategy[Any]], Any]


@dataclass(frozen=True)
class Mutation:
    """A named mutation class: ``make(draw) -> Case``."""

    label: str
    make: Callable[[Draw], Case]

    def __call__(self, draw: Draw) -> Case:
        return self.make(draw)


def minimal_draw(strategy: st.SearchStrategy[Any]) -> Any:
    """The simplest value of ``strategy`` (deterministic): what hypothesis shrinks to."""
    return find(strategy, lambda _: True,
                settings=settings(database=None, derandomize=True, max_examples=50))


def representatives(mutations: Sequence[Mutation]) -> list[Case]:
    """One deterministic case per mutation class."""
    return [m(minimal_draw) for m in mutations]


def cases_from(mutations: Sequence[Mutation]) -> st.SearchStrategy[Case]:
    """A strategy drawing a mutation class, then its parameters."""

    @st.composite
    def _cases(draw: Draw) -> Case:
        m = draw(st.sampled_from(list(mutations)))
        return m(draw)

    return _cases()


# --------------------------------------------------------------------------------------------
# the outcome contract

_runner = CliRunner()


def invoke(args: Sequence[str], env: dict[str, str] | None = None) -> Result:
    """Run ``linkage ARGS`` in-process (click's CliRunner on ``linkage.cli.main``)."""
    from linkage.cli import main

    return _runner.invoke(main, [str(a) for a in args], env=env, catch_exceptions=True)


def _tree_digest(path: Path) -> str:
    h = hashlib.sha256()
    if path.is_file():
        h.update(path.read_bytes())
    elif path.is_dir():
        for p in sorted(path.rglob("*")):
            h.update(str(p.relative_to(path)).encode())
            if p.is_file():
                h.update(p.read_bytes())
    return h.hexdigest()


@dataclass
class Snapshot:
    """What was on disk around the output paths before a command ran."""

    listings: dict[Path, set[str]] = field(default_factory=dict)
    digests: dict[Path, str | None] = field(default_factory=dict)

    @classmethod
    def take(cls, out_paths: Iterable[Path]) -> Snapshot:
        snap = cls()
        for p in map(Path, out_paths):
            parent = p.parent
            snap.listings[parent] = set(_listing(parent))
            snap.digests[p] = _tree_digest(p) if p.exists() else None
        return snap


def _listing(d: Path) -> list[str]:
    try:
        return sorted(x.name for x in d.iterdir()) if d.is_dir() else []
    except OSError:
        return []


def message_lines(text: str) -> list[str]:
    """Non-empty lines of ``text``, progress-bar redraws (``\\r``) split off."""
    out = []
    for line in re.split(r"[\r\n]+", text or ""):
        line = line.strip()
        if line.startswith("[") and "error:" in line:  # a message glued to a progress bar
            line = line[line.index("error:"):]
        if line and not line.startswith("["):  # progress bars start with "["
            out.append(line)
    return out


def clean_outcome_problems(
    result: Result,
    out_paths: Sequence[Path] = (),
    *,
    snapshot: Snapshot | None = None,
    expect: str = ANY,
    files: Sequence[str] = (),
    row: int | None = None,
    key: str | None = None,
) -> list[str]:
    """Everything that breaks the CLI contract (empty list: clean).

    Parameters
    ----------
    result : click.testing.Result
        The command's result.
    out_paths : sequence of Path
        Output paths the command was asked to write.
    snapshot : Snapshot, optional
        Taken before the command ran (default: assume none of ``out_paths`` existed).
    expect : str
        ``REFUSE`` demands exit 2; the others allow 0 or 2 (``SAME`` is checked by the caller).
    files : sequence of str
        Input files; a refusal must name one of them (basename).
    row, key : optional
        A refusal must name ``row N`` / one of the ``|``-separated key names.
    """
    problems: list[str] = []
    stdout, stderr = result.stdout or "", result.stderr or ""
    if "Traceback" in stdout + stderr:
        problems.append("traceback in output")
    exc = result.exception
    code = result.exit_code
    if exc is not None and not isinstance(exc, SystemExit):
        problems.append(f"exit {code}: internal error {type(exc).__name__}: "
                        f"{str(exc).splitlines()[0] if str(exc) else ''}")
    elif code not in (0, 2):
        problems.append(f"exit {code} (only 0 or 2 allowed): {_first_line(stderr or stdout)}")
    if expect == REFUSE and code == 0:
        problems.append(f"accepted (exit 0), expected a refusal: {_first_line(stdout)}")
    snap = snapshot or Snapshot.take(out_paths)
    if code == 2:
        problems += _refusal_problems(stderr, files, row, key)
        for p in map(Path, out_paths):
            before = snap.digests.get(p)
            if before is None and p.exists():
                problems.append(f"refused but wrote {p.name}")
            elif before is not None and _tree_digest(p) != before:
                problems.append(f"refused but changed the existing {p.name}")
    if code in (0, 2):
        for parent, names in snap.listings.items():
            allowed = names | {Path(p).name for p in out_paths if code == 0}
            extra = sorted(n for n in set(_listing(parent)) - allowed
                           if n not in _documented_leftovers(out_paths))
            if extra:
                problems.append(f"left behind {extra} next to the output")
    if code == 0:
        for p in map(Path, out_paths):
            if not p.exists():
                problems.append(f"exit 0 but {p.name} was not written")
    return problems


def _documented_leftovers(out_paths: Sequence[Path]) -> set[str]:
    """A failed sweep keeps its results in ``.<out>.partial`` (user guide), for --resume."""
    return {f".{Path(p).name}.partial" for p in out_paths}


def _first_line(text: str) -> str:
    lines = message_lines(text)
    return lines[0][:200] if lines else ""


def _refusal_problems(stderr: str, files: Sequence[str], row: int | None,
                      key: str | None) -> list[str]:
    lines = message_lines(stderr)
    if not lines:
        return ["exit 2 without a message on stderr"]
    problems = []
    if len(lines) != 1:
        problems.append(f"exit 2 with {len(lines)} lines on stderr, expected one: "
                        f"{' / '.join(lines[:4])[:300]}")
    msg = " ".join(lines)
    names = [Path(f).name for f in files]
    if names and not any(n in msg for n in names):
        problems.append(f"message does not name the file {names}: {msg[:200]}")
    if row is not None and not re.search(rf"\b(row|line)s?\s*{row}\b", msg):
        problems.append(f"message does not name row {row}: {msg[:200]}")
    if key is not None and not any(k in msg for k in key.split("|")):
        problems.append(f"message does not name the key {key!r}: {msg[:200]}")
    return problems


def assert_clean_outcome(
    result: Result,
    out_paths: Sequence[Path] = (),
    *,
    snapshot: Snapshot | None = None,
    expect: str = ANY,
    files: Sequence[str] = (),
    row: int | None = None,
    key: str | None = None,
) -> None:
    """Assert the CLI contract: exit 0, or exit 2 with one clean line and nothing written.

    See :func:`clean_outcome_problems` for the parameters.
    """
    problems = clean_outcome_problems(result, out_paths, snapshot=snapshot, expect=expect,
                                      files=files, row=row, key=key)
    assert not problems, "; ".join(problems) + (
        f"\n--- exit {result.exit_code}\n--- stdout:\n{(result.stdout or '')[:1500]}"
        f"\n--- stderr:\n{(result.stderr or '')[-1500:]}")


# --------------------------------------------------------------------------------------------
# CSV tables


def read_rows(text: str) -> tuple[list[str], list[list[str]]]:
    rows = list(csv.reader(io.StringIO(text)))
    return rows[0], [r for r in rows[1:] if r]


def write_rows(header: Sequence[str], rows: Iterable[Sequence[str]], *,
               quoting: int = csv.QUOTE_MINIMAL, newline: str = "\n") -> str:
    buf = io.StringIO()
    w = csv.writer(buf, quoting=quoting, lineterminator=newline)
    w.writerow(header)
    w.writerows(rows)
    return buf.getvalue()


@dataclass(frozen=True)
class TableSpec:
    """A valid base table and the meaning of its columns.

    ``kinds`` maps a column to ``"int"`` (whole, >= 0), ``"pos"`` (a number > 0), ``"nonneg"``
    (>= 0), ``"signed"`` (any finite number), ``"year"``, ``"text"``, ``"bool"`` or ``"enum"``.
    ``required`` columns must be present; ``keys`` identify a row (duplicates refused).
    """

    what: str
    name: str
    text: str
    kinds: dict[str, str]
    required: tuple[str, ...]
    keys: tuple[str, ...]
    header_only: str = REFUSE

    @property
    def header(self) -> list[str]:
        return read_rows(self.text)[0]

    @property
    def rows(self) -> list[list[str]]:
        return read_rows(self.text)[1]

    def case(self, label: str, text_or_bytes: str | bytes, expect: str, **kw: Any) -> Case:
        content = (text_or_bytes.encode() if isinstance(text_or_bytes, str)
                   else text_or_bytes)
        return Case(f"{self.what}: {label}", content, expect, name=self.name, **kw)


NUMERIC_KINDS = ("int", "pos", "nonneg", "signed", "year")

# (label, text, expectation, equivalent text for REFUSE_OR_SAME or None)
BAD_NUMBERS: list[tuple[str, str]] = [
    ("inf", "inf"), ("-inf", "-inf"), ("nan", "nan"), ("NaN", "NaN"), ("1e400", "1e400"),
    ("text", "abc"), ("bool text", "TRUE"), ("currency sign", "¥800"),
    ("dollar sign", "$800"), ("percent", "50%"), ("hex", "0x10"),
]


def _cell_targets(spec: TableSpec, kinds: tuple[str, ...]) -> list[tuple[int, str]]:
    """(row index, column) of non-empty cells whose column is of one of ``kinds``."""
    hdr = spec.header
    out = []
    for i, r in enumerate(spec.rows):
        for j, c in enumerate(hdr):
            if spec.kinds.get(c) in kinds and j < len(r) and r[j].strip():
                out.append((i, c))
    return out


def _set_cell(spec: TableSpec, i: int, col: str, value: str) -> str:
    hdr, rows = spec.header, [list(r) for r in spec.rows]
    rows[i][hdr.index(col)] = value
    return write_rows(hdr, rows)


def table_mutations(spec: TableSpec) -> list[Mutation]:
    """Every mutation class of a CSV table."""
    hdr, rows = spec.header, spec.rows
    muts: list[Mutation] = []

    def cell(kinds: tuple[str, ...]) -> Callable[[Draw], tuple[int, str]]:
        targets = _cell_targets(spec, kinds)
        return lambda draw: draw(st.sampled_from(targets))

    numeric = cell(NUMERIC_KINDS)

    def bad_number(draw: Draw) -> Case:
        i, col = numeric(draw)
        label, value = draw(st.sampled_from(BAD_NUMBERS))
        # pandas (and most readers) take a literal "nan" in an optional cell as empty
        expect = ANY if value.lower() == "nan" and col not in spec.required else REFUSE
        return spec.case(f"{label} in a numeric cell", _set_cell(spec, i, col, value), expect,
                         row=i + 2, key=col, detail=f"row {i + 2} {col} = {value}")

    def thousands(draw: Draw) -> Case:
        i, col = cell(("int", "pos", "nonneg", "signed"))(draw)
        v = rows[i][hdr.index(col)]
        big = "1500" if "." not in v else "1500.5"
        return spec.case("thousands separator '1,500'", _set_cell(spec, i, col, big[:1] + ","
                                                                   + big[1:]),
                         REFUSE_OR_SAME, row=i + 2, key=col,
                         equivalent=_set_cell(spec, i, col, big).encode(),
                         detail=f"row {i + 2} {col} = 1,500")

    def negative(draw: Draw) -> Case:
        i, col = cell(("int", "pos", "nonneg"))(draw)
        return spec.case("negative value", _set_cell(spec, i, col, "-5"), REFUSE,
                         row=i + 2, key=col, detail=f"row {i + 2} {col} = -5")

    def zero_pos(draw: Draw) -> Case:
        i, col = cell(("pos",))(draw)
        return spec.case("zero in a positive column", _set_cell(spec, i, col, "0"), REFUSE,
                         row=i + 2, key=col, detail=f"row {i + 2} {col} = 0")

    def fractional(draw: Draw) -> Case:
        i, col = cell(("int", "year"))(draw)
        v = rows[i][hdr.index(col)]
        return spec.case("fractional whole number", _set_cell(spec, i, col, v + ".5"), REFUSE,
                         row=i + 2, key=col, detail=f"row {i + 2} {col} = {v}.5")

    def whole_float(draw: Draw) -> Case:
        i, col = cell(("int", "year"))(draw)
        v = rows[i][hdr.index(col)]
        return spec.case("whole number written 2024.0", _set_cell(spec, i, col, v + ".0"),
                         REFUSE_OR_SAME, row=i + 2, key=col, detail=f"row {i + 2} {col}")

    def bad_year(draw: Draw) -> Case:
        i, col = cell(("year",))(draw)
        value = draw(st.sampled_from(["y2024", "", "20 24", "-2024", "2024-01-01"]))
        return spec.case("bad year", _set_cell(spec, i, col, value), REFUSE, row=i + 2,
                         key=col, detail=f"row {i + 2} {col} = {value!r}")

    def empty_required(draw: Draw) -> Case:
        cols = [c for c in spec.required if c in hdr]
        i = draw(st.integers(0, len(rows) - 1))
        col = draw(st.sampled_from(cols))
        return spec.case("empty required cell", _set_cell(spec, i, col, ""), REFUSE,
                         row=i + 2, key=col, detail=f"row {i + 2} {col} empty")

    def bad_bool(draw: Draw) -> Case:
        i, col = cell(("bool",))(draw)
        value = draw(st.sampled_from(["maybe", "2", "yes please", "nan"]))
        return spec.case("bad boolean", _set_cell(spec, i, col, value), REFUSE, row=i + 2,
                         key=col, detail=f"row {i + 2} {col} = {value!r}")

    def bad_enum(draw: Draw) -> Case:
        i, col = cell(("enum",))(draw)
        return spec.case("unknown category", _set_cell(spec, i, col, "DIESEL"), REFUSE,
                         row=i + 2, key=col, detail=f"row {i + 2} {col} = DIESEL")

    def huge(draw: Draw) -> Case:
        i, col = numeric(draw)
        value = draw(st.sampled_from(["1e15", "9" * 30, "1e308"]))
        return spec.case("huge number", _set_cell(spec, i, col, value), ANY, row=i + 2,
                         key=col, detail=f"row {i + 2} {col} = {value}")

    def spaces_in_number(draw: Draw) -> Case:
        i, col = numeric(draw)
        v = rows[i][hdr.index(col)]
        return spec.case("spaces around a number", _set_cell(spec, i, col, f" {v} "),
                         REFUSE_OR_SAME, row=i + 2, key=col, detail=f"row {i + 2} {col}")

    def shuffled(draw: Draw) -> Case:
        perm = draw(st.permutations(range(len(rows))))
        return spec.case("rows reordered", write_rows(hdr, [rows[k] for k in perm]), SAME,
                         detail=f"order {list(perm)[:8]}...")

    def columns_reordered(draw: Draw) -> Case:
        perm = draw(st.permutations(range(len(hdr))))
        return spec.case("columns reordered",
                         write_rows([hdr[k] for k in perm],
                                    [[r[k] if k < len(r) else "" for k in perm] for r in rows]),
                         SAME)

    def crlf(draw: Draw) -> Case:
        return spec.case("CRLF line endings", write_rows(hdr, rows, newline="\r\n"), SAME)

    def bom(draw: Draw) -> Case:
        return spec.case("UTF-8 BOM", b"\xef\xbb\xbf" + write_rows(hdr, rows).encode(), SAME)

    def quoted(draw: Draw) -> Case:
        return spec.case("every field quoted",
                         write_rows(hdr, rows, quoting=csv.QUOTE_ALL), SAME)

    def trailing_blank(draw: Draw) -> Case:
        return spec.case("trailing blank lines", write_rows(hdr, rows) + "\n\n", SAME)

    def upper_header(draw: Draw) -> Case:
        return spec.case("header in upper case",
                         write_rows([h.upper() for h in hdr], rows), REFUSE_OR_SAME)

    def empty_file(draw: Draw) -> Case:
        return spec.case("empty file", b"", REFUSE)

    def header_only(draw: Draw) -> Case:
        return spec.case("header only", write_rows(hdr, []), spec.header_only)

    def missing_column(draw: Draw) -> Case:
        col = draw(st.sampled_from(list(spec.required)))
        k = hdr.index(col)
        return spec.case("required column missing",
                         write_rows([h for h in hdr if h != col],
                                    [r[:k] + r[k + 1:] for r in rows]),
                         REFUSE, key=col, detail=f"without {col}")

    def misspelt_column(draw: Draw) -> Case:
        col = draw(st.sampled_from(list(spec.required)))
        bad = col[:-1] if len(col) > 4 else col + "x"
        return spec.case("misspelt column",
                         write_rows([bad if h == col else h for h in hdr], rows),
                         REFUSE, key=f"{col}|{bad}", detail=f"{col} -> {bad}")

    def extra_column(draw: Draw) -> Case:
        return spec.case("unknown extra column",
                         write_rows([*hdr, "colour"], [[*r, "red"] for r in rows]),
                         REFUSE_OR_SAME, key="colour")

    def duplicate_column(draw: Draw) -> Case:
        col = draw(st.sampled_from(list(spec.required)))
        k = hdr.index(col)
        return spec.case("duplicated column", write_rows([*hdr, col], [[*r, r[k]] for r in rows]),
                         REFUSE, key=col, detail=col)

    def duplicate_row(draw: Draw) -> Case:
        i = draw(st.integers(0, len(rows) - 1))
        return spec.case("duplicated row", write_rows(hdr, [*rows, rows[i]]), REFUSE,
                         detail=f"row {i + 2} repeated as row {len(rows) + 2}")

    def ragged_row(draw: Draw) -> Case:
        i = draw(st.integers(0, len(rows) - 1))
        rr = [list(r) for r in rows]
        rr[i] = [*rr[i], "surplus", "cells"]
        return spec.case("row with more cells than the header", write_rows(hdr, rr), REFUSE,
                         row=i + 2, detail=f"row {i + 2}")

    def non_utf8(draw: Draw) -> Case:
        i = draw(st.integers(0, len(rows) - 1))
        enc = draw(st.sampled_from(["latin-1", "gbk"]))
        name = "Société Générale" if enc == "latin-1" else "比亚迪汽车"
        text = _set_cell(spec, i, hdr[0], name)
        return spec.case(f"non-UTF-8 file ({enc})", text.encode(enc), REFUSE,
                         detail=f"row {i + 2} {hdr[0]} = {name} in {enc}")

    def utf16(draw: Draw) -> Case:
        return spec.case("UTF-16 file", write_rows(hdr, rows).encode("utf-16"), REFUSE_OR_SAME)

    def semicolons(draw: Draw) -> Case:
        buf = io.StringIO()
        w = csv.writer(buf, delimiter=";", lineterminator="\n")
        w.writerow(hdr)
        w.writerows(rows)
        return spec.case("semicolon-separated", buf.getvalue(), REFUSE)

    def truncated(draw: Draw) -> Case:
        data = write_rows(hdr, rows).encode()
        cut = draw(st.integers(1, len(data) - 1))
        return spec.case("truncated file", data[:cut], ANY, detail=f"first {cut} bytes")

    def garbage(draw: Draw) -> Case:
        data = draw(st.binary(min_size=1, max_size=64))
        return spec.case("random bytes", data, REFUSE, detail=repr(data))

    def nul_byte(draw: Draw) -> Case:
        data = write_rows(hdr, rows).encode()
        k = draw(st.integers(0, len(data) - 1))
        return spec.case("NUL byte", data[:k] + b"\x00" + data[k:], ANY, detail=f"at {k}")

    gated: list[tuple[Callable[[Draw], Case], tuple[str, ...] | None]] = [
        (bad_number, NUMERIC_KINDS), (thousands, ("int", "pos", "nonneg", "signed")),
        (negative, ("int", "pos", "nonneg")), (zero_pos, ("pos",)),
        (fractional, ("int", "year")), (whole_float, ("int", "year")), (bad_year, ("year",)),
        (bad_bool, ("bool",)), (bad_enum, ("enum",)), (huge, NUMERIC_KINDS),
        (spaces_in_number, NUMERIC_KINDS),
    ]
    fns = [fn for fn, kinds in gated if kinds is None or _cell_targets(spec, kinds)]
    fns += [
        empty_required, shuffled, columns_reordered, crlf, bom, quoted, trailing_blank,
        upper_header, empty_file, header_only, missing_column, misspelt_column, extra_column,
        duplicate_column, duplicate_row, ragged_row, non_utf8, utf16, semicolons, truncated,
        garbage, nul_byte,
    ]
    for fn in fns:
        muts.append(Mutation(f"{spec.what}: {fn.__name__}", fn))
    return muts


# --------------------------------------------------------------------------------------------
# the bundled tables


FLEET_KINDS = {
    "enterprise": "text", "year": "year", "model": "text", "powertrain": "enum",
    "volume_vehicles": "int", "curb_mass_kg": "pos", "seat_rows": "int",
    "fuel_consumption_l_per_100km": "nonneg", "off_cycle_reduction_l_per_100km": "nonneg",
    "electric_range_km": "nonneg", "energy_consumption_kwh_per_100km": "pos",
    "battery_energy_density_wh_per_kg": "pos", "fuel_cell_power_kw": "pos",
    "phev_cs_condition_met": "bool",
}


@cache
def small_fleet_text() -> str:
    """The demo fleet restricted to 2024 (every powertrain, 19 rows): fast to account."""
    hdr, rows = read_rows((DATA / "demo_fleet.csv").read_text(encoding="utf-8"))
    return write_rows(hdr, [r for r in rows if r[1] == "2024"])


def fleet_spec() -> TableSpec:
    return TableSpec("fleet", "fleet.csv", small_fleet_text(), FLEET_KINDS,
                     ("enterprise", "year", "model", "powertrain", "volume_vehicles",
                      "curb_mass_kg"),
                     ("enterprise", "year", "model"))


def enterprises_spec() -> TableSpec:
    return TableSpec(
        "enterprises", "enterprises.csv",
        (DATA / "demo_enterprises.csv").read_text(encoding="utf-8"),
        {"enterprise": "text", "group": "text", "small_independent": "bool",
         "previous_cafc_actual_l_per_100km": "pos"},
        ("enterprise",), ("enterprise",), header_only=ANY)


@cache
def credits_csv_text() -> str:
    """Statements written by ``linkage credits --out`` for the demo fleet, 2023-2025."""
    with tempfile.TemporaryDirectory() as d:
        out = Path(d) / "credits.csv"
        res = invoke(["credits", DATA / "demo_fleet.csv", "--enterprises",
                      DATA / "demo_enterprises.csv", "--out", out])
        assert res.exit_code == 0, res.output
        hdr, rows = read_rows(out.read_text(encoding="utf-8"))
    return write_rows(hdr, [r for r in rows if r[1] in ("2023", "2024", "2025")])


def credits_spec() -> TableSpec:
    kinds = {"enterprise": "text", "year": "year", "cafc_credits": "signed",
             "nev_credits": "signed"}
    return TableSpec("credits", "credits.csv", credits_csv_text(), kinds,
                     ("enterprise", "year", "cafc_credits", "nev_credits"),
                     ("enterprise", "year"))


PRICES_TEXT = write_rows(
    ["year", "nev_buy_price_cny_per_credit", "nev_sell_price_cny_per_credit"],
    [["2023", "1200", "1100"], ["2024", "1500", "1400"], ["2025", "1600", "1500"]])


def prices_spec() -> TableSpec:
    return TableSpec("prices", "prices.csv", PRICES_TEXT,
                     {"year": "year", "nev_buy_price_cny_per_credit": "nonneg",
                      "nev_sell_price_cny_per_credit": "nonneg"},
                     ("year", "nev_buy_price_cny_per_credit"), ("year",))


def prices_extra_mutations() -> list[Mutation]:
    spec = prices_spec()
    hdr, rows = spec.header, spec.rows

    def missing_year(draw: Draw) -> Case:
        i = draw(st.sampled_from([k for k, r in enumerate(rows)
                                  if r[0] in LEDGER_YEARS.split("-")]))
        return spec.case("a simulated year without a price",
                         write_rows(hdr, rows[:i] + rows[i + 1:]), REFUSE, key=rows[i][0],
                         detail=f"without {rows[i][0]}")

    def sell_above_buy(draw: Draw) -> Case:
        i = draw(st.integers(0, len(rows) - 1))
        rr = [list(r) for r in rows]
        rr[i][2] = str(int(rr[i][1]) + 500)
        return spec.case("sell price above buy price", write_rows(hdr, rr), REFUSE,
                         row=i + 2, detail=f"row {i + 2}")

    def duplicate_year_other_price(draw: Draw) -> Case:
        i = draw(st.integers(0, len(rows) - 1))
        extra = [rows[i][0], "9999", "9000"]
        return spec.case("a year given twice with different prices",
                         write_rows(hdr, [*rows, extra]), REFUSE, key=rows[i][0],
                         detail=f"year {rows[i][0]} twice")

    return [Mutation(f"prices: {f.__name__}", f)
            for f in (missing_year, sell_above_buy, duplicate_year_other_price)]


def credits_extra_mutations() -> list[Mutation]:
    spec = credits_spec()
    hdr, rows = spec.header, spec.rows

    def missing_statement(draw: Draw) -> Case:
        cands = [i for i, r in enumerate(rows) if r[1] == "2024"]
        i = draw(st.sampled_from(cands))
        return spec.case("an enterprise without a statement for a simulated year",
                         write_rows(hdr, rows[:i] + rows[i + 1:]), REFUSE, key="2024",
                         detail=f"without row {i + 2} ({rows[i][0]} 2024)")

    return [Mutation("credits: missing_statement", missing_statement)]


# --------------------------------------------------------------------------------------------
# XLSX fleets


def _typed(value: str, kind: str | None) -> Any:
    if value == "":
        return None
    if kind in ("int", "year"):
        return int(value)
    if kind in ("pos", "nonneg", "signed"):
        return float(value)
    if kind == "bool":
        return value.strip().lower() == "true"
    return value


def xlsx_bytes(header: Sequence[str], rows: Sequence[Sequence[Any]]) -> bytes:
    from openpyxl import Workbook

    wb = Workbook()
    ws = wb.active
    ws.append(list(header))
    for r in rows:
        ws.append(list(r))
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()


def xlsx_fleet_mutations() -> list[Mutation]:
    spec = fleet_spec()
    hdr = spec.header
    typed = [[_typed(v, FLEET_KINDS.get(c)) for v, c in zip(r, hdr, strict=True)]
             for r in spec.rows]
    base_csv = spec.text.encode()

    def case(label: str, rows: Sequence[Sequence[Any]], expect: str, **kw: Any) -> Case:
        return Case(f"fleet xlsx: {label}", xlsx_bytes(hdr, rows), expect, name="fleet.xlsx",
                    **kw)

    def with_cell(i: int, col: str, value: Any) -> list[list[Any]]:
        rr = [list(r) for r in typed]
        rr[i][hdr.index(col)] = value
        return rr

    def same_as_csv(draw: Draw) -> Case:
        return case("typed copy of the CSV fleet", typed, SAME, equivalent=base_csv)

    def bool_cell(draw: Draw) -> Case:
        i, col = draw(st.sampled_from(_cell_targets(spec, NUMERIC_KINDS)))
        v = draw(st.booleans())
        return case("boolean cell in a numeric column", with_cell(i, col, v), REFUSE,
                    row=i + 2, key=col, detail=f"row {i + 2} {col} = {v}")

    def date_cell(draw: Draw) -> Case:
        i, col = draw(st.sampled_from(_cell_targets(spec, NUMERIC_KINDS)))
        v = dt.datetime(2024, 1, 1)
        return case("date cell in a numeric column", with_cell(i, col, v), REFUSE, row=i + 2,
                    key=col, detail=f"row {i + 2} {col} = 2024-01-01")

    def text_number(draw: Draw) -> Case:
        i, col = draw(st.sampled_from(_cell_targets(spec, ("int", "pos", "nonneg"))))
        v = spec.rows[i][hdr.index(col)]
        return case("number stored as text", with_cell(i, col, v), REFUSE_OR_SAME,
                    row=i + 2, key=col, equivalent=base_csv, detail=f"row {i + 2} {col}")

    def float_whole(draw: Draw) -> Case:
        i, col = draw(st.sampled_from(_cell_targets(spec, ("int",))))
        v = float(spec.rows[i][hdr.index(col)])
        return case("whole number stored as float", with_cell(i, col, v), REFUSE_OR_SAME,
                    row=i + 2, key=col, equivalent=base_csv, detail=f"row {i + 2} {col}")

    def nonfinite_cell(draw: Draw) -> Case:
        i, col = draw(st.sampled_from(_cell_targets(spec, NUMERIC_KINDS)))
        v = draw(st.sampled_from(["=1/0", "#DIV/0!", "=NA()"]))
        return case("error or formula cell in a numeric column", with_cell(i, col, v),
                    REFUSE, row=i + 2, key=col, detail=f"row {i + 2} {col} = {v}")

    def bool_text_in_bool(draw: Draw) -> Case:
        i, col = draw(st.sampled_from(_cell_targets(spec, ("bool",))))
        return case("number in the boolean column", with_cell(i, col, 7), REFUSE, row=i + 2,
                    key=col, detail=f"row {i + 2} {col} = 7")

    return [Mutation(f"fleet xlsx: {f.__name__}", f) for f in
            (same_as_csv, bool_cell, date_cell, text_number, float_whole, nonfinite_cell,
             bool_text_in_bool)]


# --------------------------------------------------------------------------------------------
# TOML


class Raw(str):
    """A TOML value written verbatim (``1e400``, a broken literal, ...)."""


def toml_value(v: Any) -> str:
    if isinstance(v, Raw):
        return str(v)
    if isinstance(v, bool):
        return "true" if v else "false"
    if isinstance(v, int):
        return str(v)
    if isinstance(v, float):
        if math.isnan(v):
            return "nan"
        if math.isinf(v):
            return "inf" if v > 0 else "-inf"
        return repr(v)
    if isinstance(v, str):
        return '"' + v.replace("\\", "\\\\").replace('"', '\\"') + '"'
    if isinstance(v, list):
        return "[" + ", ".join(toml_value(x) for x in v) + "]"
    if isinstance(v, dict):
        return "{" + ", ".join(f"{_key(k)} = {toml_value(x)}" for k, x in v.items()) + "}"
    if isinstance(v, dt.date | dt.datetime):
        return v.isoformat()
    raise TypeError(type(v))


def _key(k: Any) -> str:
    k = str(k)
    return k if re.fullmatch(r"[A-Za-z0-9_-]+", k) else toml_value(k)


def dump_toml(doc: dict[str, Any]) -> str:
    """Write ``doc`` as TOML: top-level tables, arrays of tables one level deep."""
    lines: list[str] = []
    scalars = {k: v for k, v in doc.items() if not _is_table(v) and not _is_aot(v)}
    for k, v in scalars.items():
        lines.append(f"{_key(k)} = {toml_value(v)}")
    for k, v in doc.items():
        if _is_table(v):
            _table(lines, _key(k), v, aot=False)
        elif _is_aot(v):
            for item in v:
                _table(lines, _key(k), item, aot=True)
    return "\n".join(lines) + "\n"


def _is_table(v: Any) -> bool:
    return isinstance(v, dict) and not isinstance(v, Raw)


def _is_aot(v: Any) -> bool:
    return isinstance(v, list) and bool(v) and all(_is_table(x) for x in v)


def _table(lines: list[str], name: str, tbl: dict[str, Any], *, aot: bool) -> None:
    lines.append(f"\n[[{name}]]" if aot else f"\n[{name}]")
    subs = []
    for k, v in tbl.items():
        if _is_aot(v) and aot:
            subs.append((k, v))
        elif _is_table(v) and aot and k == "opening":
            subs.append((k, v))
        else:
            lines.append(f"{_key(k)} = {toml_value(v)}")
    for k, v in subs:
        if isinstance(v, list):
            for item in v:
                lines.append(f"[[{name}.{_key(k)}]]")
                lines += [f"{_key(a)} = {toml_value(b)}" for a, b in item.items()]
        else:
            lines.append(f"[{name}.{_key(k)}]")
            lines += [f"{_key(a)} = {toml_value(b)}" for a, b in v.items()]


def get_path(doc: Any, path: tuple[Any, ...]) -> Any:
    for p in path:
        doc = doc[p]
    return doc


def with_value(doc: dict[str, Any], path: tuple[Any, ...], value: Any) -> dict[str, Any]:
    import copy

    new = copy.deepcopy(doc)
    get_path(new, path[:-1])[path[-1]] = value
    return new


def without(doc: dict[str, Any], path: tuple[Any, ...]) -> dict[str, Any]:
    import copy

    new = copy.deepcopy(doc)
    del get_path(new, path[:-1])[path[-1]]
    return new


def leaf_name(path: tuple[Any, ...]) -> str:
    names = [str(p) for p in path if not isinstance(p, int)]
    return names[-1]


NONFINITE = [("inf", math.inf), ("-inf", -math.inf), ("nan", math.nan),
             ("1e400", Raw("1e400"))]
WRONG_TYPES = [("bool", True), ("string", "1000"), ("table", {"a": 1}), ("date",
               dt.date(2024, 1, 1))]


@dataclass(frozen=True)
class TomlSpec:
    """A valid TOML document and the meaning of its values.

    ``numbers`` lists paths of finite numbers (lists: each element) and ``nonneg`` those that
    must be >= 0; ``required`` paths must be present; ``name`` is the file name.
    """

    what: str
    name: str
    doc: dict[str, Any]
    numbers: tuple[tuple[Any, ...], ...]
    nonneg: tuple[tuple[Any, ...], ...]
    required: tuple[tuple[Any, ...], ...]
    tables: tuple[tuple[Any, ...], ...]

    def case(self, label: str, content: str | bytes, expect: str, **kw: Any) -> Case:
        data = content.encode() if isinstance(content, str) else content
        return Case(f"{self.what}: {label}", data, expect, name=self.name, **kw)


def toml_mutations(spec: TomlSpec) -> list[Mutation]:
    """Every mutation class of a TOML input."""
    doc = spec.doc
    text = dump_toml(doc)

    def number_path(draw: Draw, paths: tuple[tuple[Any, ...], ...]) -> tuple[Any, ...]:
        path = draw(st.sampled_from(list(paths)))
        v = get_path(doc, path)
        if isinstance(v, list):
            path = (*path, draw(st.integers(0, len(v) - 1)))
        return path

    def nonfinite(draw: Draw) -> Case:
        path = number_path(draw, spec.numbers)
        label, v = draw(st.sampled_from(NONFINITE))
        return spec.case(f"{label} number", dump_toml(with_value(doc, path, v)), REFUSE,
                         key=leaf_name(path), detail=f"{_dotted(path)} = {label}")

    def wrong_type(draw: Draw) -> Case:
        path = number_path(draw, spec.numbers)
        label, v = draw(st.sampled_from(WRONG_TYPES))
        return spec.case(f"{label} instead of a number", dump_toml(with_value(doc, path, v)),
                         REFUSE, key=leaf_name(path), detail=f"{_dotted(path)} = {v!r}")

    def negative(draw: Draw) -> Case:
        path = number_path(draw, spec.nonneg)
        v = get_path(doc, path)
        neg = -abs(v) if v else -1
        return spec.case("negative number", dump_toml(with_value(doc, path, neg)), REFUSE,
                         key=leaf_name(path), detail=f"{_dotted(path)} = {neg}")

    def unknown_key(draw: Draw) -> Case:
        where = draw(st.sampled_from(list(spec.tables)))
        k = draw(st.sampled_from(["colour", "nev_buy_prices", "basedon", "Years"]))
        tbl = dict(get_path(doc, where)) if where else dict(doc)
        tbl[k] = 1
        new = with_value(doc, where, tbl) if where else tbl
        return spec.case("unknown key", dump_toml(new), REFUSE, key=k,
                         detail=f"{_dotted((*where, k))} = 1")

    def missing_key(draw: Draw) -> Case:
        path = draw(st.sampled_from(list(spec.required)))
        return spec.case("required key missing", dump_toml(without(doc, path)), REFUSE,
                         key=leaf_name(path), detail=f"without {_dotted(path)}")

    def list_for_table(draw: Draw) -> Case:
        path = draw(st.sampled_from([t for t in spec.tables if t]))
        return spec.case("a list where a table belongs",
                         dump_toml(with_value(doc, path, [1, 2])), REFUSE,
                         key=leaf_name(path), detail=f"{_dotted(path)} = [1, 2]")

    def scalar_for_table(draw: Draw) -> Case:
        path = draw(st.sampled_from([t for t in spec.tables if t]))
        return spec.case("a string where a table belongs",
                         dump_toml(with_value(doc, path, "x")), REFUSE,
                         key=leaf_name(path), detail=f"{_dotted(path)} = 'x'")

    def syntax_error(draw: Draw) -> Case:
        lines = text.splitlines()
        k = draw(st.integers(0, len(lines) - 1))
        how = draw(st.sampled_from(["unclosed [", "unterminated string", "missing value",
                                    "duplicate key"]))
        bad = {"unclosed [": "[scenario", "unterminated string": 'name = "abc',
               "missing value": "x = ", "duplicate key": lines[k] if "=" in lines[k] else
               "a = 1\na = 2"}[how]
        return spec.case("TOML syntax error", "\n".join([*lines[:k], bad, *lines[k:]]) + "\n",
                         REFUSE, detail=f"{how} at line {k + 1}")

    def empty(draw: Draw) -> Case:
        return spec.case("empty file", b"", REFUSE)

    def non_utf8(draw: Draw) -> Case:
        return spec.case("non-UTF-8 bytes", text.replace("1", "\udcff", 1)
                         .encode("utf-8", "surrogateescape"), REFUSE)

    def bom(draw: Draw) -> Case:
        return spec.case("UTF-8 BOM", b"\xef\xbb\xbf" + text.encode(), REFUSE_OR_SAME)

    def crlf(draw: Draw) -> Case:
        return spec.case("CRLF line endings", text.replace("\n", "\r\n"), SAME)

    def comments(draw: Draw) -> Case:
        noisy = "\n".join(f"  {ln}   # comment" if ln and not ln.startswith("[") else ln
                          for ln in text.splitlines())
        return spec.case("comments and indentation (no-op)", "# header\n\n" + noisy + "\n",
                         SAME)

    def garbage(draw: Draw) -> Case:
        data = draw(st.binary(min_size=1, max_size=64))
        return spec.case("random bytes", data, REFUSE, detail=repr(data))

    fns = [nonfinite, wrong_type, negative, unknown_key, missing_key, list_for_table,
           scalar_for_table, syntax_error, empty, non_utf8, bom, crlf, comments, garbage]
    if not spec.nonneg:
        fns.remove(negative)
    return [Mutation(f"{spec.what}: {f.__name__}", f) for f in fns]


def _dotted(path: Sequence[Any]) -> str:
    out = ""
    for p in path:
        out += f"[{p}]" if isinstance(p, int) else (f".{p}" if out else str(p))
    return out


# ----- scenarios


def tiny_scenario(enterprises: int = 1) -> dict[str, Any]:
    """A one- or two-enterprise, two-year scenario (fast to solve)."""
    ents = [{
        "name": "Tiny Motors",
        "group": "Tiny Group",
        "cafc_credits": [4000, -6000],
        "nev_credits": [-1700, -2600],
        "nev_carry_eligible": [True, False],
        "opening": {"cafc": {"2023": 2000}, "nev": {"2023": 600}, "pool": {}},
        "abatement": [{"kind": "nev", "cost_cny_per_credit": 1800,
                       "max_credits_per_year": 800}],
    }]
    if enterprises > 1:
        ents.append({"name": "Tiny EV", "cafc_credits": [5000, 5000],
                     "nev_credits": [3000, 2500],
                     "abatement": [{"kind": "nev", "cost_cny_per_credit": 900,
                                    "max_credits_per_year": 500}]})
    doc: dict[str, Any] = {
        "scenario": {"name": "tiny", "years": [2024, 2025], "discount_rate": 0.05,
                     "rules": "default"},
        "enterprise": ents,
        "market": {"nev_buy_price_cny_per_credit": [1000, 1300],
                   "nev_sell_price_cny_per_credit": [900, 1200],
                   "supply_demand_ratio": [1.4, 1.2],
                   "affiliate_cafc_available_credits": [0, 1000]},
        "linkage": {"basis": "ttw-real-world", "cea_price_cny_per_t_co2e": [80, 100],
                    "allow_cea_for_deficits": True, "cea_clears": ["cafc"],
                    "max_cea_deficit_share": 0.2, "allow_credit_offsets": False},
        "penalty": {"penalty_cny_per_credit": 5000},
    }
    if enterprises > 1:
        doc["market"]["nev_transaction_cost_cny_per_credit"] = 20
        del doc["market"]["nev_buy_price_cny_per_credit"]
        del doc["market"]["nev_sell_price_cny_per_credit"]
    return doc


def scenario_spec(enterprises: int = 1) -> TomlSpec:
    doc = tiny_scenario(enterprises)
    e0 = ("enterprise", 0)
    market = ((("market", "nev_buy_price_cny_per_credit"),
               ("market", "nev_sell_price_cny_per_credit")) if enterprises == 1
              else (("market", "nev_transaction_cost_cny_per_credit"),))
    numbers = (
        *market,
        ("market", "supply_demand_ratio"),
        ("linkage", "cea_price_cny_per_t_co2e"), ("linkage", "max_cea_deficit_share"),
        ("penalty", "penalty_cny_per_credit"), ("scenario", "discount_rate"),
        (*e0, "cafc_credits"), (*e0, "nev_credits"),
        (*e0, "abatement", 0, "cost_cny_per_credit"),
        (*e0, "abatement", 0, "max_credits_per_year"),
        (*e0, "opening", "cafc", "2023"),
        ("scenario", "years"),
    )
    nonneg = (
        *market, ("market", "supply_demand_ratio"), ("linkage", "cea_price_cny_per_t_co2e"),
        ("penalty", "penalty_cny_per_credit"), (*e0, "abatement", 0, "cost_cny_per_credit"),
        (*e0, "abatement", 0, "max_credits_per_year"), (*e0, "opening", "cafc", "2023"),
        ("market", "affiliate_cafc_available_credits"),
    )
    required = (("scenario", "years"), (*e0, "name"), (*e0, "cafc_credits"),
                (*e0, "nev_credits"), ("scenario",), ("enterprise",))
    tables = ((), ("scenario",), ("market",), ("linkage",), ("penalty",), e0)
    return TomlSpec("scenario" if enterprises == 1 else "market scenario",
                    "scenario.toml", doc, numbers, nonneg, required, tables)


def scenario_extra_mutations(enterprises: int = 1) -> list[Mutation]:
    """Scenario-specific classes: year order, year tables, wrong lengths, unknown names."""
    spec = scenario_spec(enterprises)
    doc = spec.doc
    per_year = [p for p in (("market", "nev_buy_price_cny_per_credit"),
                            ("market", "nev_sell_price_cny_per_credit"),
                            ("market", "supply_demand_ratio"),
                            ("market", "affiliate_cafc_available_credits"),
                            ("linkage", "cea_price_cny_per_t_co2e")) if p[-1] in get_path(doc,
                                                                                          p[:-1])]
    ent_lists = ["cafc_credits", "nev_credits", "nev_carry_eligible"]

    def years_reversed(draw: Draw) -> Case:
        new = with_value(doc, ("scenario", "years"), [2025, 2024])
        for p in per_year:
            new = with_value(new, p, list(reversed(get_path(doc, p))))
        for i, e in enumerate(doc["enterprise"]):
            for k in ent_lists:
                if k in e:
                    new = with_value(new, ("enterprise", i, k), list(reversed(e[k])))
        return spec.case("years listed in reverse with their lists", dump_toml(new), SAME)

    def year_tables(draw: Draw) -> Case:
        new = doc
        for p in per_year:
            vals = get_path(doc, p)
            new = with_value(new, p, {"2024": vals[0], "2025": vals[1]})
        return spec.case("{year = value} tables instead of lists", dump_toml(new),
                         REFUSE_OR_SAME)

    def wrong_length(draw: Draw) -> Case:
        p = draw(st.sampled_from(per_year + [("enterprise", 0, k) for k in ent_lists[:2]]))
        vals = get_path(doc, p)
        extra = draw(st.sampled_from(["short", "long"]))
        new_vals = vals[:1] if extra == "short" else [*vals, vals[-1]]
        return spec.case("list length differs from years", dump_toml(with_value(doc, p,
                         new_vals)), REFUSE, key=leaf_name(p), detail=f"{_dotted(p)} {extra}")

    def year_table_wrong_year(draw: Draw) -> Case:
        p = draw(st.sampled_from(per_year))
        vals = get_path(doc, p)
        return spec.case("{year = value} table with a year outside the scenario",
                         dump_toml(with_value(doc, p, {"2024": vals[0], "2031": vals[1]})),
                         REFUSE, key=leaf_name(p) + "|2031|2025", detail=_dotted(p))

    def bad_years(draw: Draw) -> Case:
        label, v = draw(st.sampled_from([
            ("fractional", [2024.5, 2025.5]), ("duplicated", [2024, 2024]),
            ("gap", [2024, 2026]), ("string", "2024-2025"), ("empty", []),
            ("bool", [True, False]), ("uncovered by the rules", [1999, 2000]),
        ]))
        return spec.case(f"years {label}", dump_toml(with_value(doc, ("scenario", "years"),
                         v)), REFUSE, key="years", detail=f"years = {v!r}")

    def bool_for_bool_list(draw: Draw) -> Case:
        new = with_value(doc, ("enterprise", 0, "nev_carry_eligible"), [1, 0])
        return spec.case("numbers instead of booleans", dump_toml(new), REFUSE,
                         key="nev_carry_eligible")

    def unknown_names(draw: Draw) -> Case:
        path, v = draw(st.sampled_from([
            (("linkage", "basis"), "no-such-basis"),
            (("scenario", "rules"), "no_such_rules.toml"),
            (("enterprise", 0, "abatement", 0, "kind"), "hydrogen"),
            (("linkage", "cea_clears"), ["cafc", "gold"]),
        ]))
        return spec.case("unknown name", dump_toml(with_value(doc, path, v)), REFUSE,
                         key=leaf_name(path) + f"|{v}", detail=f"{_dotted(path)} = {v!r}")

    def basis_table(draw: Draw) -> Case:
        v = draw(st.sampled_from([-1, 0, math.inf, math.nan, "200000 kg"]))
        new = with_value(doc, ("linkage", "basis"),
                         {"base": "ttw-lab", "lifetime_distance": v})
        return spec.case("bad assumption in a basis table", dump_toml(new), REFUSE,
                         key="lifetime_distance", detail=f"lifetime_distance = {v!r}")

    def enterprise_table_not_array(draw: Draw) -> Case:
        new = dict(doc)
        new["enterprise"] = doc["enterprise"][0]
        txt = dump_toml({k: v for k, v in new.items() if k != "enterprise"})
        inline = "enterprise = " + toml_value({k: v for k, v in doc["enterprise"][0].items()})
        return spec.case("[enterprise] a table instead of [[enterprise]]",
                         inline + "\n" + txt, REFUSE, key="enterprise")

    fns = [years_reversed, year_tables, wrong_length, year_table_wrong_year, bad_years,
           bool_for_bool_list, unknown_names, basis_table, enterprise_table_not_array]
    if enterprises == 1:
        def sell_above_buy(draw: Draw) -> Case:
            new = with_value(doc, ("market", "nev_sell_price_cny_per_credit"), [1100, 1400])
            return spec.case("sell price above buy price", dump_toml(new), REFUSE,
                             key="nev_sell_price_cny_per_credit")

        def reserve_price_cny_per_credit(draw: Draw) -> Case:
            label, v = draw(st.sampled_from([*NONFINITE, ("negative", -100)]))
            new = with_value(doc, ("market", "reserve_price_cny_per_credit"), v)
            return spec.case(f"reserve price {label}", dump_toml(new), REFUSE,
                             key="reserve_price_cny_per_credit")

        fns += [sell_above_buy, reserve_price_cny_per_credit]
    return [Mutation(f"{spec.what}: {f.__name__}", f) for f in fns]


# ----- rulebooks


RULEBOOK_DOC: dict[str, Any] = {
    "rulebook": {"family": "custom", "years": [2024, 2024]},
    "parameter": [{"key": "nev.ratio", "years": 2024, "value": 0.30, "unit": "1",
                   "status": "scenario", "source": "my assumption"}],
}


def rulebook_spec() -> TomlSpec:
    p0 = ("parameter", 0)
    return TomlSpec("rulebook", "my_rules.toml", RULEBOOK_DOC,
                    numbers=((*p0, "value"), (*p0, "years"), ("rulebook", "years")),
                    nonneg=((*p0, "value"),),
                    # [rulebook] years is optional: without based_on it only declares the
                    # span its parameters must lie in
                    required=((*p0, "key"), (*p0, "value"), (*p0, "unit"), (*p0, "years"),
                              (*p0, "status"), (*p0, "source")),
                    tables=((), ("rulebook",), p0))


def rulebook_extra_mutations() -> list[Mutation]:
    spec = rulebook_spec()
    doc = spec.doc
    p0 = ("parameter", 0)

    def bad_unit(draw: Draw) -> Case:
        u = draw(st.sampled_from(["km", "km/0", "km**", "(km", "", "CNY", "kg/kg/",
                                  "percent_of_nothing"]))
        return spec.case("unit unparseable or of the wrong dimension",
                         dump_toml(with_value(doc, (*p0, "unit"), u)), REFUSE, key="unit",
                         detail=f"unit = {u!r}")

    def bad_status(draw: Draw) -> Case:
        return spec.case("unknown status", dump_toml(with_value(doc, (*p0, "status"), "vibes")),
                         REFUSE, key="status")

    def unknown_parameter(draw: Draw) -> Case:
        k = draw(st.sampled_from(["nev.ratioo", "nev", "ratio", "nev.ratio.extra"]))
        return spec.case("unknown parameter key", dump_toml(with_value(doc, (*p0, "key"), k)),
                         REFUSE, key=k, detail=f"key = {k!r}")

    def years_reversed(draw: Draw) -> Case:
        return spec.case("year range reversed",
                         dump_toml(with_value(doc, ("rulebook", "years"), [2025, 2024])),
                         REFUSE, key="years")

    def parameter_years_outside(draw: Draw) -> Case:
        return spec.case("parameter years outside the rulebook's",
                         dump_toml(with_value(doc, (*p0, "years"), 2026)), REFUSE, key="years")

    def misspelt_based_on(draw: Draw) -> Case:
        new = with_value(doc, ("rulebook", "basedon"), 2023)
        return spec.case("misspelt [rulebook] key 'basedon'", dump_toml(new), REFUSE,
                         key="basedon")

    def parameter_table_not_array(draw: Draw) -> Case:
        txt = dump_toml({"rulebook": doc["rulebook"]}) + "\n[parameter]\n" + "\n".join(
            f"{k} = {toml_value(v)}" for k, v in doc["parameter"][0].items()) + "\n"
        return spec.case("[parameter] a table instead of [[parameter]]", txt, REFUSE,
                         key="parameter")

    return [Mutation(f"rulebook: {f.__name__}", f) for f in
            (bad_unit, bad_status, unknown_parameter, years_reversed,
             parameter_years_outside, misspelt_based_on, parameter_table_not_array)]


# ----- sweeps


SWEEP_DOC: dict[str, Any] = {
    "sweep": {"base": "scenario.toml", "model": "industry", "batch_size": 2},
    "grid": {"linkage.cea_price_cny_per_t_co2e": [50, 100]},
}


# the sweep used to fuzz base scenarios: varies a rule, so no scenario key is masked
SWEEP_OVER_BASE_DOC: dict[str, Any] = {
    "sweep": {"base": "scenario.toml", "model": "industry", "batch_size": 2},
    "grid": {"rule.nev.ratio": [0.28, 0.3]},
}


def sweep_spec() -> TomlSpec:
    return TomlSpec("sweep", "sweep.toml", SWEEP_DOC,
                    numbers=(("sweep", "batch_size"), ("grid", "linkage.cea_price_cny_per_t_co2e")),
                    nonneg=(("sweep", "batch_size"), ("grid", "linkage.cea_price_cny_per_t_co2e")),
                    required=(("sweep", "base"), ("sweep",)),
                    tables=((), ("sweep",), ("grid",)))


def sweep_extra_mutations() -> list[Mutation]:
    spec = sweep_spec()
    doc = spec.doc

    def bad_batch(draw: Draw) -> Case:
        v = draw(st.sampled_from([0, -1, 1.5, True, "10"]))
        return spec.case("bad batch_size", dump_toml(with_value(doc, ("sweep", "batch_size"),
                         v)), REFUSE, key="batch_size", detail=f"batch_size = {v!r}")

    def bad_model(draw: Draw) -> Case:
        return spec.case("unknown model", dump_toml(with_value(doc, ("sweep", "model"),
                         "galaxy")), REFUSE, key="model")

    def grid_shapes(draw: Draw) -> Case:
        label, v = draw(st.sampled_from([("a scalar", 50), ("an empty list", []),
                                         ("a table", {"a": 1}), ("strings", ["a", "b"])]))
        return spec.case(f"grid value {label}", dump_toml(with_value(
            doc, ("grid", "linkage.cea_price_cny_per_t_co2e"), v)), REFUSE,
            key="cea_price_cny_per_t_co2e",
            detail=f"linkage.cea_price_cny_per_t_co2e = {v!r}")

    def grid_unknown_path(draw: Draw) -> Case:
        k = draw(st.sampled_from(["linkage.cea_prize", "nonsense", "rule.nev.ratioo",
                                  "market..x"]))
        new = dict(doc)
        new["grid"] = {k: [1, 2]}
        return spec.case("grid varies an unknown key", dump_toml(new), REFUSE, key=k)

    def case_shape(draw: Draw) -> Case:
        label, v = draw(st.sampled_from([("a table", {"linkage.cea_price_cny_per_t_co2e": 10}),
                                         ("a list of numbers", [1, 2])]))
        new = dict(doc)
        new["case"] = v
        return spec.case(f"[case] {label}", dump_toml(new), REFUSE, key="case")

    def base_missing(draw: Draw) -> Case:
        v = draw(st.sampled_from(["nope.toml", ".", ""]))
        return spec.case("base scenario missing or a directory", dump_toml(with_value(
            doc, ("sweep", "base"), v)), REFUSE, key="base", detail=f"base = {v!r}")

    return [Mutation(f"sweep: {f.__name__}", f) for f in
            (bad_batch, bad_model, grid_shapes, grid_unknown_path, case_shape, base_missing)]



# --------------------------------------------------------------------------------------------
# targets: how a command runs a case, and what "the same result" means


def _sorted_lines(path: Path) -> list[str]:
    lines = path.read_text(encoding="utf-8").splitlines()
    return [lines[0], *sorted(lines[1:])] if lines else []


def _approx_equal(a: float, b: float) -> bool:
    return math.isclose(a, b, rel_tol=1e-7, abs_tol=1e-4)


def _csv_records(path: Path, keys: Sequence[str], values: Sequence[str]) -> dict[Any, tuple]:
    with open(path, encoding="utf-8", newline="") as fh:
        rows = list(csv.DictReader(fh))
    return {tuple(r[k] for k in keys): tuple(float(r[v] or "nan") for v in values)
            for r in rows}


def _same_records(a: dict[Any, tuple], b: dict[Any, tuple]) -> bool:
    return a.keys() == b.keys() and all(
        all(_approx_equal(x, y) or (math.isnan(x) and math.isnan(y))
            for x, y in zip(a[k], b[k], strict=True)) for k in a)


@dataclass(frozen=True)
class Target:
    """One CLI command fed one kind of input file.

    ``build(case_path, tmp) -> (args, out_paths, files)``; ``result(out_paths, stdout)``
    extracts what must be equal for ``SAME``.
    """

    name: str
    build: Callable[[Path, Path], tuple[list[Any], list[Path], list[str]]]
    result: Callable[[list[Path], str], Any]
    same: Callable[[Any, Any], bool] = lambda a, b: a == b


def run_case(target: Target, case: Case, *, equivalent: bytes | None = None) -> tuple[
        Result, list[str], Any]:
    """Write ``case`` to a fresh directory, run the target, check the contract.

    Returns the result, the contract problems and (exit 0) the extracted result.
    """
    with tempfile.TemporaryDirectory(prefix="fuzz-") as d:
        tmp = Path(d)
        path = tmp / case.name
        path.write_bytes(case.content if equivalent is None else equivalent)
        args, outs, files = target.build(path, tmp)
        snap = Snapshot.take(outs)
        res = invoke([*args, *case.args])
        problems = clean_outcome_problems(res, outs, snapshot=snap, expect=case.expect,
                                          files=files, row=case.row, key=case.key)
        value = target.result(outs, res.stdout or "") if res.exit_code == 0 and not problems \
            else None
    return res, problems, value


_base_results: dict[tuple[str, bytes, str], Any] = {}


def check_case(target: Target, case: Case, base: bytes) -> tuple[Result, list[str]]:
    """Run ``case`` and, for SAME / REFUSE_OR_SAME accepted, compare with its equivalent."""
    res, problems, value = run_case(target, case)
    if problems or res.exit_code != 0 or case.expect not in (SAME, REFUSE_OR_SAME):
        return res, problems
    ref = case.equivalent if case.equivalent is not None else base
    key = (target.name, ref, case.name if case.equivalent is not None else "")
    if key not in _base_results:
        name = case.name if case.equivalent is None else _equivalent_name(case)
        rres, rprob, rvalue = run_case(target, replace(case, name=name, expect=ANY, args=()),
                                       equivalent=ref)
        assert rres.exit_code == 0 and not rprob, (
            f"the reference input of {case.label} fails: {rprob} {rres.output[:500]}")
        _base_results[key] = rvalue
    if not target.same(value, _base_results[key]):
        problems.append(f"exit 0 but the result differs from the equivalent input's "
                        f"({_short(value)} vs {_short(_base_results[key])})")
    return res, problems


def _equivalent_name(case: Case) -> str:
    return "equivalent" + (".csv" if case.name.endswith((".csv", ".xlsx")) else
                           Path(case.name).suffix)


def _short(v: Any) -> str:
    text = repr(v)
    return text[:160] + ("..." if len(text) > 160 else "")


def assert_case(target: Target, case: Case, base: bytes) -> None:
    """Assert the contract (and equality for SAME cases) for ``case`` on ``target``."""
    res, problems = check_case(target, case, base)
    assert not problems, (
        f"[{case.label}] {case.detail}: " + "; ".join(problems)
        + f"\n--- exit {res.exit_code}\n--- stdout:\n{(res.stdout or '')[:1200]}"
        + f"\n--- stderr:\n{(res.stderr or '')[-1200:]}")


def write_support(tmp: Path, name: str, content: str | bytes) -> Path:
    p = tmp / name
    p.write_bytes(content.encode() if isinstance(content, str) else content)
    return p


def credits_fleet_target() -> Target:
    def build(path: Path, tmp: Path):
        out = tmp / "statements.csv"
        return (["credits", path, "--out", out, "--detail", tmp / "detail.csv"],
                [out, tmp / "detail.csv"], [path.name])

    return Target("credits fleet", build, lambda outs, _: _sorted_lines(outs[0]))


def credits_enterprises_target() -> Target:
    def build(path: Path, tmp: Path):
        fleet = write_support(tmp, "fleet_ok.csv", small_fleet_text())
        out = tmp / "statements.csv"
        return (["credits", fleet, "--enterprises", path, "--out", out], [out], [path.name])

    return Target("credits enterprises", build, lambda outs, _: _sorted_lines(outs[0]))


def rules_target() -> Target:
    def build(path: Path, tmp: Path):
        return (["rules", "--rules", path, "--year", "2024", "--format", "json"], [],
                [path.name])

    return Target("rules", build, lambda _, stdout: stdout)


def credits_rules_target() -> Target:
    def build(path: Path, tmp: Path):
        fleet = write_support(tmp, "fleet_ok.csv", small_fleet_text())
        out = tmp / "statements.csv"
        return (["credits", fleet, "--rules", path, "--out", out], [out], [path.name])

    return Target("credits --rules", build, lambda outs, _: _sorted_lines(outs[0]))


LEDGER_YEARS = "2024-2025"


def ledger_credits_target() -> Target:
    def build(path: Path, tmp: Path):
        prices = write_support(tmp, "prices_ok.csv", PRICES_TEXT)
        out = tmp / "transactions.csv"
        return (["ledger", path, "--years", LEDGER_YEARS, "--prices", prices, "--out", out],
                [out], [path.name])

    return Target("ledger credits", build, lambda outs, _: _sorted_lines(outs[0]))


def ledger_prices_target() -> Target:
    def build(path: Path, tmp: Path):
        cr = write_support(tmp, "credits_ok.csv", credits_csv_text())
        out = tmp / "transactions.csv"
        return (["ledger", cr, "--years", LEDGER_YEARS, "--prices", path, "--out", out],
                [out], [path.name])

    return Target("ledger prices", build, lambda outs, _: _sorted_lines(outs[0]))


def ledger_enterprises_target() -> Target:
    def build(path: Path, tmp: Path):
        cr = write_support(tmp, "credits_ok.csv", credits_csv_text())
        out = tmp / "transactions.csv"
        return (["ledger", cr, "--years", LEDGER_YEARS, "--enterprises", path, "--out", out],
                [out], [path.name])

    return Target("ledger enterprises", build, lambda outs, _: _sorted_lines(outs[0]))


def _summary_cost(out: Path) -> float:
    import json

    return float(json.loads((out / "summary.json").read_text(encoding="utf-8"))
                 ["total_cost_cny"])


def optimize_target() -> Target:
    def build(path: Path, tmp: Path):
        out = tmp / "plan"
        return ["optimize", path, "--out", out], [out], [path.name]

    return Target("optimize", build, lambda outs, _: _summary_cost(outs[0]),
                  lambda a, b: _approx_equal(a, b))


def market_target() -> Target:
    def build(path: Path, tmp: Path):
        out = tmp / "market"
        return ["market", path, "--out", out], [out], [path.name]

    def result(outs: list[Path], _: str) -> Any:
        return _csv_records(outs[0] / "prices.csv", ["year"], ["nev_price_cny_per_credit"]), \
            _summary_cost(outs[0])

    def same(a: Any, b: Any) -> bool:
        return _same_records(a[0], b[0]) and _approx_equal(a[1], b[1])

    return Target("market", build, result, same)


def brief_target() -> Target:
    def build(path: Path, tmp: Path):
        out = tmp / "brief"
        return ["brief", path, "--out", out], [out], [path.name]

    return Target("brief", build, lambda outs, _: sorted(p.name for p in outs[0].iterdir()))


def _sweep_result(outs: list[Path], _: str) -> Any:
    return _csv_records(outs[0] / "results.csv", ["scenario_id", "year"],
                        ["total_cost_cny", "nev_price_cny_per_credit"])


def sweep_target() -> Target:
    """The case is the sweep file; its base is the valid two-enterprise scenario."""
    def build(path: Path, tmp: Path):
        write_support(tmp, "scenario.toml", dump_toml(tiny_scenario(2)))
        out = tmp / "run"
        return ["sweep", path, "--out", out], [out], [path.name]

    return Target("sweep", build, _sweep_result, _same_records)


def sweep_base_target() -> Target:
    """The case is the base scenario of a valid sweep file."""
    def build(path: Path, tmp: Path):
        sw = write_support(tmp, "sweep_ok.toml",
                           dump_toml(with_value(SWEEP_OVER_BASE_DOC, ("sweep", "base"),
                                                path.name)))
        out = tmp / "run"
        return ["sweep", sw, "--out", out], [out], [path.name, sw.name]

    return Target("sweep base", build, _sweep_result, _same_records)


# --------------------------------------------------------------------------------------------
# option values


@dataclass(frozen=True)
class OptionCase:
    """A command line with one option value fuzzed, and what must happen.

    ``build(tmp) -> (args, out_paths)`` writes the valid input files it needs; ``same_as``
    (for SAME / REFUSE_OR_SAME) is the option value list giving the reference result.
    """

    label: str
    command: str
    option: str
    value: str
    expect: str
    same_as: tuple[str, ...] | None = None


def _opt_args(command: str, option: str, value: str | None, tmp: Path) -> tuple[
        list[Any], list[Path], list[str]]:
    opt = [option, value] if value is not None and option.startswith("-") else (
        [] if value is None else [value])
    if command == "credits":
        fleet = write_support(tmp, "fleet_ok.csv", small_fleet_text())
        out = tmp / "statements.csv"
        return ["credits", fleet, *opt, "--out", out], [out], []
    if command == "rules":
        return ["rules", "--format", "json", *opt], [], []
    if command == "ledger":
        cr = write_support(tmp, "credits_ok.csv", credits_csv_text())
        pr = write_support(tmp, "prices_ok.csv", PRICES_TEXT)
        out = tmp / "transactions.csv"
        years = [] if option == "--years" else ["--years", LEDGER_YEARS]
        return ["ledger", cr, *years, "--prices", pr, *opt, "--out", out], [out], []
    if command == "sweep":
        write_support(tmp, "scenario.toml", dump_toml(tiny_scenario(2)))
        sw = write_support(tmp, "sweep_ok.toml", dump_toml(SWEEP_DOC))
        out = tmp / "run"
        return ["sweep", sw, *opt, "--out", out], [out], []
    raise ValueError(command)


def run_option_case(case: OptionCase) -> tuple[Result, list[str]]:
    """Run an option case (and its reference for SAME) and check the contract."""
    with tempfile.TemporaryDirectory(prefix="fuzz-") as d:
        tmp = Path(d)
        args, outs, files = _opt_args(case.command, case.option, case.value, tmp)
        snap = Snapshot.take(outs)
        res = invoke(args)
        key = None
        if case.option.startswith("-"):
            names = [case.option.lstrip("-"), *(t for t in re.split(r"[-,=]", case.value) if t)]
            if case.option == "--years":
                names.append("year")
            key = "|".join(names)
        problems = clean_outcome_problems(res, outs, snapshot=snap, expect=case.expect,
                                          files=files, key=key)
        value = _option_result(case.command, outs, res)
    if problems or res.exit_code != 0 or case.same_as is None:
        return res, problems
    with tempfile.TemporaryDirectory(prefix="fuzz-") as d:
        tmp = Path(d)
        args, outs, _ = _opt_args(case.command, case.option, None, tmp)
        opt = list(case.same_as)
        if case.option == "--years" and case.command == "ledger":
            args = [*args[:2], "--years", *opt, *args[2:]]
        else:
            args = [*args[:-2], *opt, *args[-2:]] if outs else [*args, *opt]
        ref = invoke(args)
        assert ref.exit_code == 0, ref.output
        ref_value = _option_result(case.command, outs, ref)
    if value != ref_value:
        problems.append(f"exit 0 but the result differs from {' '.join(opt)}'s")
    return res, problems


def _option_result(command: str, outs: list[Path], res: Result) -> Any:
    if res.exit_code != 0:
        return None
    if command == "rules":
        return res.stdout
    if command == "sweep":
        return _sweep_result(outs, "")
    return _sorted_lines(outs[0]) if outs and outs[0].exists() else None


OPTION_VALUES: list[tuple[str, str, str, str, tuple[str, ...] | None]] = [
    # command, option, value, expectation, reference option values for SAME
    ("credits", "--year", "2024", SAME, ()),
    ("credits", "--year", "2024.5", REFUSE, None),
    ("credits", "--year", "abc", REFUSE, None),
    ("credits", "--year", "1999", REFUSE, None),
    ("credits", "--year", "2031", REFUSE, None),
    ("credits", "--year", "-2024", REFUSE, None),
    ("credits", "--adjustments", "lenient", REFUSE, None),
    ("rules", "--year", "2024.5", REFUSE, None),
    ("rules", "--year", "1999", REFUSE, None),
    ("rules", "--year", "abc", REFUSE, None),
    ("rules", "--format", "xml", REFUSE, None),
    ("ledger", "--years", "2024-2025", SAME, ("2024,2025",)),
    ("ledger", "--years", "2025-2024", REFUSE, None),
    ("ledger", "--years", "2024.5", REFUSE, None),
    ("ledger", "--years", "2024-2025.5", REFUSE, None),
    ("ledger", "--years", "2024--2025", REFUSE, None),
    ("ledger", "--years", "abc", REFUSE, None),
    ("ledger", "--years", "", REFUSE, None),
    ("ledger", "--years", "1999-2000", REFUSE, None),
    ("ledger", "--years", "2024,2024", REFUSE_OR_SAME, ("2024",)),
    ("ledger", "--years", "2025,2024", REFUSE_OR_SAME, ("2024-2025",)),
    ("ledger", "--years", "2024-2030", REFUSE, None),
    ("ledger", "--reserve-price", "nan", REFUSE, None),
    ("ledger", "--reserve-price", "inf", REFUSE, None),
    ("ledger", "--reserve-price", "-inf", REFUSE, None),
    ("ledger", "--reserve-price", "1e400", REFUSE, None),
    ("ledger", "--reserve-price", "-100", REFUSE, None),
    ("ledger", "--reserve-price", "abc", REFUSE, None),
    ("ledger", "--reserve-price", "1500", ANY, None),
    ("ledger", "--pool-ratio", "2024=nan", REFUSE, None),
    ("ledger", "--pool-ratio", "2024=inf", REFUSE, None),
    ("ledger", "--pool-ratio", "2024=-1", REFUSE, None),
    ("ledger", "--pool-ratio", "2024=abc", REFUSE, None),
    ("ledger", "--pool-ratio", "2024.5=1.2", REFUSE, None),
    ("ledger", "--pool-ratio", "2024", REFUSE, None),
    ("ledger", "--pool-ratio", "2030=1.2", REFUSE, None),
    ("ledger", "--pool-ratio", "2024=1.2", ANY, None),
    ("sweep", "--workers", "0", REFUSE, None),
    ("sweep", "--workers", "-1", REFUSE, None),
    ("sweep", "--workers", "abc", REFUSE, None),
    ("sweep", "--workers", "1", SAME, ()),
]


def option_cases() -> list[OptionCase]:
    return [OptionCase(f"{c} {o} {v!r}", c, o, v, e, s) for c, o, v, e, s in OPTION_VALUES]


# ----- convert

CONVERT_BAD_VALUES = ["inf", "-inf", "nan", "1e400", "abc", "", "0x10", "1e", "--"]
CONVERT_BAD_UNITS = ["km/0", "km**", "(km", "km)", "", "1/0", "kg/(", "m^^2", "nosuchunit",
                     "km km", "__import__('os')", "km/", "2 km", "0 km", "km**1e400",
                     "km**nan"]
CONVERT_BAD_SETS = ["lifetime_distance=inf km", "lifetime_distance=nan km",
                    "lifetime_distance=-1 km", "lifetime_distance=0 km",
                    "lifetime_distance=200000 kg", "lifetime_distance=abc",
                    "lifetime_distance=1e400 km", "lifetime_distance=(km",
                    "nonsense=1 km", "lifetime_distance"]


def convert_cases() -> list[tuple[str, list[str], str, str | None]]:
    """(label, args, expectation, key) of ``linkage convert``."""
    out: list[tuple[str, list[str], str, str | None]] = []
    for v in CONVERT_BAD_VALUES:
        out.append((f"convert value {v!r}", ["convert", v, "km", "--to", "m"], REFUSE, None))
    for u in CONVERT_BAD_UNITS:
        out.append((f"convert unit {u!r}", ["convert", "5", u, "--to", "m"], REFUSE, None))
        out.append((f"convert --to {u!r}", ["convert", "5", "km", "--to", u], REFUSE, None))
    for s in CONVERT_BAD_SETS:
        out.append((f"convert --set {s!r}", ["convert", "1000", "cafc_credit", "--to",
                    "t_CO2e", "--basis", "ttw-real-world", "--set", s], REFUSE, None))
    out += [
        ("convert wrong dimension", ["convert", "5", "km", "--to", "kg"], REFUSE, None),
        ("convert unknown basis", ["convert", "1000", "cafc_credit", "--to", "t_CO2e",
                                   "--basis", "no-such-basis"], REFUSE, "no-such-basis"),
        ("convert credits to CO2e without a basis", ["convert", "1000", "cafc_credit", "--to",
                                                     "t_CO2e"], REFUSE, None),
        ("convert negative credits", ["convert", "-1000", "cafc_credit", "--to", "t_CO2e",
                                      "--basis", "ttw-real-world"], ANY, None),
    ]
    return out
