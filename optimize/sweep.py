"""Scenario sweeps: many variants of one scenario, serial or on any process executor or Dask.

A sweep takes a base scenario document and a list of changes (dotted keys -> values) and
returns one tidy DataFrame: one row per scenario and year with the varied values, the NEV price
(industry model) or shadow price (enterprise model), costs, flows and CO2 quantities.

Keys a change may set:

- any scenario key by its dotted path: ``"linkage.cea_price_cny_per_t_co2e"``,
  ``"linkage.exchange_rate_credits_per_t_co2e"``, ``"linkage.max_cea_deficit_share"``,
  ``"linkage.offset_cap_t_co2e"``, ``"market.supply_demand_ratio"``,
  ``"penalty.penalty_cny_per_credit"``, ``"linkage.basis.lifetime_distance"`` (a conversion
  assumption: the basis becomes a table based on the preset), ...; a key under its spelling
  before the one-vocabulary rename (``"linkage.cea_price"``) is read as the new key, with a
  :class:`DeprecationWarning`;
- ``"rule.<rulebook key>"``: a rule parameter for every scenario year, e.g.
  ``"rule.nev.ratio"`` or ``"rule.pool.deposit_trigger_ratio"`` (added with status
  ``scenario``).

Scenarios are cut into batches (``batch_size``) and each batch is one task: Dask ignores
``chunksize``, and a batch keeps one persistent model whose mutable prices (CEA price, penalty)
are changed between solves when only those change; any other change rebuilds. HiGHS runs on one
thread per solve. Use processes, not threads (Pyomo's output capture and HiGHS are not
thread-safe): :func:`process_pool` (a ``concurrent.futures.ProcessPoolExecutor``) or
``distributed.Client(...).get_executor()``. Results are streamed to ``results.csv`` batch by
batch, so memory stays flat; ``manifest.json`` records the inputs, the rulebook files and
their hashes, and package and solver versions. Both are written in ``.<out>.partial`` beside
``out`` and renamed to ``out`` when every scenario is done; an interrupted run keeps the
partial folder and ``resume=True`` continues it without writing any row twice.
"""

from __future__ import annotations

import dataclasses
import hashlib
import itertools
import json
import os
import platform
import signal
import sys
import time
import typing
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from concurrent.futures import Executor, ProcessPoolExecutor, as_completed
from importlib.metadata import PackageNotFoundError, version
from pathlib import Path
from typing import Any

import pandas as pd

from conversions.vocabulary import rename_deprecated
from linkage.console import did_you_mean, progress_bar
from linkage.errors import InputError
from linkage.outputs import OutputDir, OutputError, write_atomically
from linkage.rules import default_rule_files, schema
from linkage.rules.loader import _parse_value
from optimize.emissions import EMISSION_COLUMNS, emissions_ledger
from optimize.enterprise import EnterpriseModel
from optimize.industry import IndustryModel
from optimize.results import ScenarioResult
from optimize.scenario import ScenarioError, parse_scenario
from optimize.schema import (
    ScenarioDocument,
    SweepDocument,
    canonical_scenario,
    read_toml,
    scenario_years,
    validate_document,
)
from optimize.solver import solver_version

__all__ = ["MUTABLE_KEYS", "expand_grid", "load_sweep", "process_pool", "run_scenarios",
           "stop_executor"]

#: The emissions ledger's figures [t CO2e] in ``results.csv`` (their conversion basis in
#: ``basis``).
EMISSION_FIGURES = EMISSION_COLUMNS[2:-1]

#: Keys a batch changes on the persistent model without rebuilding it.
MUTABLE_KEYS = frozenset({"linkage.cea_price_cny_per_t_co2e", "penalty.penalty_cny_per_credit"})


def expand_grid(grid: Mapping[str, Sequence[Any]]) -> list[dict[str, Any]]:
    """Cartesian product of ``{key: [values]}`` as a list of changes."""
    keys = list(grid)
    return [dict(zip(keys, combo, strict=True))
            for combo in itertools.product(*(grid[k] for k in keys))]


def _apply(doc: dict[str, Any], change: Mapping[str, Any]) -> tuple[dict[str, Any], dict]:
    """Apply a change to a copy of the scenario document; rule overrides are returned apart.

    Only the tables on the path of a changed key are copied (the rest is shared with ``doc``,
    which nothing downstream modifies): a deep copy of a 119-enterprise document per scenario
    cost a third of a re-priced scenario.
    """
    d = dict(doc)
    rules: dict[str, Any] = {}
    for key, value in change.items():
        if key.startswith("rule."):
            rules[key[5:]] = value
            continue
        parts = key.split(".")  # names were checked by _check_keys
        node: Any = d
        for p in parts[:-1]:
            node = _own_table(node, p)
        node[parts[-1]] = value
    return d, rules


def _own_table(node: Any, name: str) -> Any:
    """``node[name]`` as a table of this copy: copied if it is one, created if missing (a
    basis preset name becomes ``{"base": name}``); anything else is left for the scenario's
    checks to refuse."""
    child = node.setdefault(name, {})
    if name == "basis" and isinstance(child, str):
        child = {"base": child}
    if isinstance(child, dict):
        child = node[name] = dict(child)
    return child


_INDUSTRY_COLUMNS = [
    "year", "status", "total_cost_cny", "nev_price_cny_per_credit",
    "implied_carbon_price_cny_per_t_co2e", "cost_cny", "traded_credits", "deposited_credits",
    "withdrawn_credits",
    "cea_surrendered_t_co2e", "offsets_sold_t_co2e", "abated_credits", "abated_t_co2e",
    "uncovered_credits", "technology_units", "offset_rent_cny_per_t_co2e", *EMISSION_FIGURES,
    "basis", "provisional_parameters",
]
_ENTERPRISE_COLUMNS = [
    "enterprise", "year", "status", "total_cost_cny", "shadow_price_nev_cny_per_credit",
    "shadow_price_cafc_cny_per_credit", "implied_carbon_price_cny_per_t_co2e", "cost_cny",
    "bought_credits", "sold_credits", "deposited_credits", "withdrawn_credits",
    "cea_surrendered_t_co2e", "offsets_sold_t_co2e",
    "abated_credits", "abated_t_co2e", "uncovered_credits", "technology_units",
    *EMISSION_FIGURES, "basis", "provisional_parameters",
]


#: Tables of a scenario a sweep may vary (``[[enterprise]]`` is a list: not addressable).
_VARIABLE_TABLES = ("scenario", "market", "linkage", "penalty")


def _key_problem(key: Any) -> str | None:
    """Why ``key`` is not a key a sweep can vary (None: it is)."""
    if not isinstance(key, str):
        return (f"expected a dotted key such as \"linkage.cea_price_cny_per_t_co2e\", got "
                f"{key!r}")
    if key.startswith("rule."):
        if key[5:] in schema():
            return None
        return "unknown rule parameter" + did_you_mean(key[5:], schema(), prefix="rule.")
    parts = key.split(".")
    if parts[0] not in _VARIABLE_TABLES or len(parts) < 2:
        return (f"cannot vary {key!r}: use scenario., market., linkage., penalty. or rule. "
                "keys")
    fields = ScenarioDocument.model_fields[parts[0]].annotation
    known = sorted(_table_model(fields).model_fields)
    if parts[1] not in known:
        return (f"unknown scenario key {key!r}"
                + did_you_mean(parts[1], known, prefix=f"{parts[0]}.")
                + f" (known in [{parts[0]}]: {', '.join(known)})")
    if len(parts) > 2 and parts[:2] != ["linkage", "basis"]:
        return f"{parts[0]}.{parts[1]} takes a value, not sub-keys"
    if len(parts) > 3:
        return "a basis assumption is linkage.basis.<assumption>"
    return None


def _table_model(annotation: Any) -> Any:
    args = [a for a in typing.get_args(annotation) if a is not type(None)]
    return args[0] if args else annotation


def _canonical_change(change: Mapping[str, Any], *, file: str | None = None,
                      where: str = "") -> dict[str, Any]:
    """A change with every scenario key of a deprecated spelling under its new name.

    ``"market.nev_buy_price"`` -> ``"market.nev_buy_price_cny_per_credit"`` (vocabulary context
    ``scenario.market``), with a :class:`DeprecationWarning` naming ``file``.

    Raises
    ------
    InputError
        The change gives a key under both its old and its new name (key ``where.<key>``).
    """
    by_table: dict[str, list[str]] = {}
    for k in change:
        parts = k.split(".") if isinstance(k, str) else []
        if len(parts) == 2 and parts[0] in _VARIABLE_TABLES:
            by_table.setdefault(parts[0], []).append(parts[1])
    renamed: dict[str, str] = {}
    for table, names in by_table.items():
        try:
            found = rename_deprecated(names, f"scenario.{table}", file=file, stacklevel=4)
        except InputError as exc:
            raise InputError(exc.rule, file=file, key=f"{where}{table}.{exc.key}") from None
        renamed.update({f"{table}.{old}": f"{table}.{new}" for old, new in found.items()})
    return {renamed.get(k, k): v for k, v in change.items()} if renamed else dict(change)


def _check_keys(keys: Iterable[str]) -> None:
    """Refuse, before any solve, keys no scenario can take (a typo would fail every row)."""
    for key in dict.fromkeys(keys):
        problem = _key_problem(key)
        if problem is not None:
            raise InputError(problem, key=key)


def _set_columns(change: Mapping[str, Any]) -> dict[str, Any]:
    return {f"set:{k}": json.dumps(v) if isinstance(v, list | dict) else v
            for k, v in change.items()}


def _emission_cells(row: Any) -> dict[str, Any]:
    """The emission figures of a ledger row (or a prices row) and its basis."""
    return {**{k: float(row[k]) for k in EMISSION_FIGURES}, "basis": row["basis"]}


def _outcome_rows(kind: str, sid: int, change: Mapping[str, Any], res: Any,
                  scenario: Any, tpc: float) -> list[dict[str, Any]]:
    base = {"scenario_id": sid, **_set_columns(change)}
    rows = []
    if kind == "industry":
        ent = res.enterprises.groupby("year").sum(numeric_only=True)
        by_year = res.prices.set_index("year")
        for r in res.prices.itertuples():
            e = ent.loc[r.year]
            rows.append({**base, "year": int(r.year), "status": res.status,
                         "total_cost_cny": res.total_cost_cny,
                         "nev_price_cny_per_credit": r.nev_price_cny_per_credit,
                         "implied_carbon_price_cny_per_t_co2e":
                             r.implied_carbon_price_cny_per_t_co2e,
                         "cost_cny": float(e["cost_cny"]),
                         "traded_credits": r.traded_credits,
                         "deposited_credits": float(e["deposited_credits"]),
                         "withdrawn_credits": float(e["withdrawn_credits"]),
                         "cea_surrendered_t_co2e": float(e["cea_surrendered_t_co2e"]),
                         "offsets_sold_t_co2e": float(e["offsets_sold_t_co2e"]),
                         "abated_credits": float(e["abated_credits"]),
                         "abated_t_co2e": float(e["abated_credits"]) * tpc,
                         "uncovered_credits": float(e["uncovered_credits"]),
                         "technology_units": float(e["technology_units"]),
                         "offset_rent_cny_per_t_co2e": r.offset_rent_cny_per_t_co2e,
                         **_emission_cells(by_year.loc[r.year]),
                         "provisional_parameters": ";".join(res.provisional_parameters)})
        return rows
    ledger = emissions_ledger(res.plan, scenario).set_index(["enterprise", "year"])
    for name, r in res.enterprises.items():
        plan = r.plan
        for y in scenario.years:
            p = plan[plan["year"] == y]

            def q(action: str, instrument: str | None = None, p: pd.DataFrame = p) -> float:
                m = p["action"] == action
                if instrument is not None:
                    m &= p["instrument"] == instrument
                return float(p.loc[m, "quantity"].sum())

            rows.append({**base, "enterprise": name, "year": y, "status": r.status,
                         "total_cost_cny": r.total_cost_cny,
                         "shadow_price_nev_cny_per_credit": r.shadow_price_nev_cny_per_credit[y],
                         "shadow_price_cafc_cny_per_credit":
                             r.shadow_price_cafc_cny_per_credit[y],
                         "implied_carbon_price_cny_per_t_co2e":
                             r.implied_carbon_price_cny_per_t_co2e[y],
                         "cost_cny": -float(p["cash_flow_cny"].sum()),
                         "bought_credits": q("buy", "nev_market"), "sold_credits": q("sell"),
                         "deposited_credits": q("deposit", "nev"),
                         "withdrawn_credits": q("withdraw", "pool"),
                         "cea_surrendered_t_co2e": q("buy", "cea"),
                         "offsets_sold_t_co2e": q("sell_offset") * tpc,
                         "abated_credits": q("abate"), "abated_t_co2e": q("abate") * tpc,
                         "uncovered_credits": sum(r.uncovered_credits[y].values()),
                         "technology_units": q("technology"),
                         **_emission_cells(ledger.loc[(name, y)]),
                         "provisional_parameters": ";".join(r.provisional_parameters)})
    return rows


def _run_batch(doc: dict[str, Any], base_dir: str | None, kind: str,
               batch: list[tuple[int, dict[str, Any]]]) -> list[dict[str, Any]]:
    """Solve one batch of scenarios (runs in a worker process) on one kept model."""
    kept = _KeptModel(doc, Path(base_dir) if base_dir else None, kind)
    rows: list[dict[str, Any]] = []
    for sid, change in batch:
        try:
            res, sc, tpc = kept.solve(change)
            rows += _outcome_rows(kind, sid, change, res, sc, tpc)
        except Exception as exc:  # a failed scenario is a row, not a crashed sweep
            # (key names are checked before the sweep starts: see _check_keys)
            kept.drop()
            rows.append({"scenario_id": sid, **_set_columns(change),
                         "status": f"failed: {type(exc).__name__}: {exc}"})
    return rows


class _KeptModel:
    """The model a batch keeps across its scenarios.

    Industry model: built (scenario parsed, model translated to HiGHS) for the first scenario
    and whenever a change other than the CEA price and the penalty (:data:`MUTABLE_KEYS`)
    differs, or the model lacks a link or a penalty; otherwise the new prices are read from
    the validated document (the scenario is not parsed again: nothing else differs) and set on
    the persistent model. Enterprise model: every scenario is parsed and built.
    """

    def __init__(self, doc: dict[str, Any], base: Path | None, kind: str) -> None:
        self.doc, self.base, self.kind = doc, base, kind
        self.drop()

    def drop(self) -> None:
        """Forget the model (after a failure: the next scenario rebuilds)."""
        self.model: Any = None
        self.key: str | None = None
        self.scenario: Any = None

    def _parse(self, d: dict[str, Any], rule_over: dict[str, Any]) -> Any:
        return parse_scenario(d, file="<sweep>", base=self.base, rule_overrides=rule_over)

    def solve(self, change: Mapping[str, Any]) -> tuple[Any, Any, float]:
        """Result, scenario and t CO2e per credit of one scenario."""
        d, rule_over = _apply(self.doc, change)
        if self.kind != "industry":
            return _solve_enterprises(self._parse(d, rule_over))
        # the checks parse_scenario starts with, and the prices the changes may set
        v = validate_document(ScenarioDocument, d, file="<sweep>", error=ScenarioError)
        assert isinstance(v, ScenarioDocument)
        penalty = v.penalty.penalty_cny_per_credit if v.penalty is not None else None
        structural = {k: x for k, x in change.items() if k not in MUTABLE_KEYS}
        key = json.dumps([structural, penalty is None, v.linkage is None], sort_keys=True,
                         default=str)
        if self.model is None or key != self.key:
            sc = self._parse(d, rule_over)
            self.model, self.key, self.scenario = IndustryModel(sc), key, sc
        else:
            cea = dict(v.linkage.cea_price_cny_per_t_co2e) if v.linkage is not None else {}
            sc = dataclasses.replace(self.scenario, cea_price_cny_per_t_co2e=cea,
                                     penalty_cny_per_credit=penalty)
            self.model.set_prices(cea_price_cny_per_t_co2e=sc.cea_price_cny_per_t_co2e or None,
                                  penalty_cny_per_credit=sc.penalty_cny_per_credit)
        res = self.model.solve()
        return res, sc, next(iter(self.model.firms.values()))._tpc()


def _solve_enterprises(sc: Any) -> tuple[Any, Any, float]:
    """Each enterprise of a scenario at its given prices."""
    res = ScenarioResult(sc)
    ms = [EnterpriseModel(sc, ent) for ent in sc.enterprises]
    for m_ in ms:
        res.enterprises[m_.ent.name] = m_.solve()
    return res, sc, ms[0]._tpc() if ms else float("nan")


def _rulebook_hashes(doc: Mapping[str, Any], base_dir: str | None) -> dict[str, str]:
    """SHA-256 of every rulebook file the sweep uses (shipped and the scenario's own)."""
    files = list(default_rule_files())
    own = doc.get("scenario", {}).get("rules", "default")
    if isinstance(own, str) and own != "default":
        p = Path(own)
        files.append(p if p.is_absolute() or base_dir is None else Path(base_dir) / p)
    return {str(p): hashlib.sha256(p.read_bytes()).hexdigest() if p.exists() else "missing"
            for p in files}


def _versions() -> dict[str, str]:
    out = {"python": sys.version.split()[0], "platform": platform.platform()}
    for pkg in ("dualcredit-linkage", "pyomo", "highspy", "pandas", "numpy", "pint"):
        try:
            out[pkg] = version(pkg)
        except PackageNotFoundError:
            out[pkg] = "not installed"
    out["HiGHS"] = solver_version()
    return out


class _ResultStream:
    """``results.csv`` of a run folder, appended batch by batch, with a journal for resuming.

    Each batch's rows are appended and flushed, then a line ``{"batch", "ids", "offset"}`` is
    appended to ``.progress.jsonl``. On resume the CSV is cut back to the last journalled
    offset (rows of a batch interrupted mid-write are dropped) and journalled batches are
    skipped, so no row is ever written twice.
    """

    JOURNAL = ".progress.jsonl"

    def __init__(self, run: Path, columns: list[str]) -> None:
        self.csv = run / "results.csv"
        self.journal = run / self.JOURNAL
        self.columns = columns

    def start(self) -> None:
        header = pd.DataFrame(columns=self.columns).to_csv(index=False).encode()
        self._append(self.csv, header, truncate=True)
        self._append(self.journal, self._record(None, [], len(header)), truncate=True)

    def reopen(self) -> set[int]:
        """Batches already on disk; cuts ``results.csv`` back to the last whole batch."""
        records = []
        if self.journal.exists():
            for line in self.journal.read_bytes().split(b"\n"):
                try:
                    records.append(json.loads(line))
                except ValueError:
                    break  # the last line was cut by the interrupt
        if not records or not self.csv.exists():
            self.start()
            return set()
        offset = int(records[-1]["offset"])
        if self.csv.stat().st_size < offset:
            raise OutputError(self.csv.parent, "results.csv is shorter than its journal "
                              "records: the partial run is damaged; remove it to start again")
        with open(self.csv, "r+b") as fh:
            fh.truncate(offset)
            fh.flush()
            os.fsync(fh.fileno())
        body = b"".join(json.dumps(r).encode() + b"\n" for r in records)
        self._append(self.journal, body, truncate=True)
        return {int(r["batch"]) for r in records if r["batch"] is not None}

    def append(self, batch: int, rows: list[dict[str, Any]]) -> None:
        # object columns: each value is written as itself, whatever else is in the batch,
        # so a resumed run writes the same text as a straight one
        frame = pd.DataFrame([[r.get(c) for c in self.columns] for r in rows],
                             columns=self.columns, dtype=object)
        size = self._append(self.csv, frame.to_csv(index=False, header=False).encode())
        ids = sorted({int(r["scenario_id"]) for r in rows})
        self._append(self.journal, self._record(batch, ids, size))

    def has_results(self) -> bool:
        """Whether at least one batch is recorded in the journal."""
        try:
            text = self.journal.read_text()
        except OSError:
            return False
        return any(line.startswith('{"batch": ') and not line.startswith('{"batch": null')
                   for line in text.splitlines())

    def finish(self) -> pd.DataFrame:
        self.journal.unlink()
        return pd.read_csv(self.csv)

    @staticmethod
    def _record(batch: int | None, ids: list[int], offset: int) -> bytes:
        return json.dumps({"batch": batch, "ids": ids, "offset": offset}).encode() + b"\n"

    @staticmethod
    def _append(path: Path, data: bytes, truncate: bool = False) -> int:
        with open(path, "wb" if truncate else "ab") as fh:
            fh.write(data)
            fh.flush()
            os.fsync(fh.fileno())
            return fh.tell()


def _inputs_sha256(doc: Mapping[str, Any], cases: list[tuple[int, dict[str, Any]]],
                   model: str, batch_size: int, rulebooks: Mapping[str, str]) -> str:
    """Identity of a sweep's inputs: a partial run resumes only under the same identity."""
    text = json.dumps({"base": doc, "changes": [c for _i, c in cases], "model": model,
                       "batch_size": batch_size, "rulebooks": rulebooks},
                      sort_keys=True, default=str)
    return hashlib.sha256(text.encode()).hexdigest()


def _solve_batches(doc: dict[str, Any], base_dir: str | None, model: str,
                   batches: list[tuple[int, list[tuple[int, dict[str, Any]]]]],
                   executor: Executor | None) -> Iterator[tuple[int, list[dict[str, Any]]]]:
    """Yield (batch number, rows) as batches finish; pending tasks are cancelled on exit."""
    if executor is None:
        for k, b in batches:
            yield k, _run_batch(doc, base_dir, model, b)
        return
    futures = {executor.submit(_run_batch, doc, base_dir, model, b): k for k, b in batches}
    try:
        for fut in as_completed(futures):
            yield futures[fut], fut.result()
    finally:  # an interrupt, a failure or a closed generator: start nothing more
        for fut in futures:
            fut.cancel()


def _ignore_interrupts() -> None:  # pragma: no cover - runs in the worker processes
    """Worker initializer: Ctrl-C reaches the whole process group; only the parent acts."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    signal.signal(signal.SIGTERM, signal.SIG_DFL)


def process_pool(workers: int) -> ProcessPoolExecutor:
    """A process pool for :func:`run_scenarios` whose workers leave interrupts to the parent.

    Stop it with :func:`stop_executor`.
    """
    return ProcessPoolExecutor(max_workers=workers, initializer=_ignore_interrupts)


def stop_executor(executor: Executor, *, now: bool = False, timeout_s: float = 5.0) -> None:
    """Shut an executor down; with ``now``, cancel its tasks and end its worker processes.

    Parameters
    ----------
    executor : Executor
    now : bool
        After an interrupt or a failure: cancel queued tasks and terminate the worker
        processes of a :class:`~concurrent.futures.ProcessPoolExecutor` (SIGTERM, then SIGKILL
        after ``timeout_s``) instead of waiting for them.
    timeout_s : float
        Seconds a worker has to exit after SIGTERM [s].
    """
    if not now:
        executor.shutdown(wait=True)
        return
    procs = list((getattr(executor, "_processes", None) or {}).values())
    try:
        executor.shutdown(wait=False, cancel_futures=True)
    except TypeError:  # executors without cancel_futures (e.g. Dask's)
        executor.shutdown(wait=False)
    for p in procs:
        if p.is_alive():
            p.terminate()
    for p in procs:
        p.join(timeout_s)
        if p.is_alive():  # pragma: no cover - a worker ignoring SIGTERM
            p.kill()
            p.join(timeout_s)


def run_scenarios(
    base: Mapping[str, Any] | str | Path,
    changes: Iterable[Mapping[str, Any]],
    *,
    model: str = "industry",
    executor: Executor | None = None,
    batch_size: int = 50,
    out: str | Path | None = None,
    progress: bool | None = None,
    overwrite: bool = False,
    resume: bool = False,
) -> pd.DataFrame:
    """Solve every variant of a base scenario and collect one tidy table.

    Parameters
    ----------
    base : mapping or path
        Scenario document or TOML file (relative paths resolve against its folder).
    changes : iterable of mapping
        One mapping of dotted keys -> values per scenario (see the module docstring);
        :func:`expand_grid` builds a grid. Keys of a deprecated spelling are renamed, with a
        :class:`DeprecationWarning`.
    model : {"industry", "enterprise"}
        Equilibrium prices of all enterprises together, or each enterprise at given prices.
    executor : concurrent.futures.Executor, optional
        Process pool (see :func:`process_pool`) or ``distributed.Client(...).get_executor()``;
        None: serial.
    batch_size : int
        Scenarios per task.
    out : path, optional
        Run folder: ``results.csv`` streamed batch by batch and ``manifest.json``. Written as
        ``.<name>.partial`` beside it and renamed into place when every scenario is done; a
        failed or interrupted run leaves ``out`` untouched and keeps the partial folder (once
        it holds results) for ``resume``.
    progress : bool, optional
        Progress bar on stderr (default: when stderr is a terminal).
    overwrite : bool
        Replace an existing (non-empty) ``out``; otherwise it is refused before any solve.
    resume : bool
        Continue the partial run of the same sweep (same base, changes, model, batch size and
        rulebooks; anything else is refused), skipping the batches already written.

    Returns
    -------
    DataFrame
        One row per scenario and year (and enterprise for ``model="enterprise"``), sorted by
        scenario id; columns ``set:<key>`` hold the varied values.

    Raises
    ------
    InputError
        A change sets a key no scenario can take.
    linkage.outputs.OutputError
        ``out`` cannot be written, exists (without ``overwrite``), is locked by another run,
        or has a partial run of another sweep (or one without ``resume``).
    """
    _check_run_arguments(model, batch_size)
    doc, base_dir, protect = _read_base(base)
    cases = list(enumerate(_canonical_change(c) for c in changes))
    _check_keys(k for _i, c in cases for k in c)
    batches = list(enumerate(cases[i:i + batch_size]
                             for i in range(0, len(cases), batch_size)))
    columns = _result_columns(cases, model)

    def solve(done: set[int]) -> Iterator[tuple[int, list[dict[str, Any]]]]:
        return _run_with_progress(doc, base_dir, model, batches, done, executor, len(cases),
                                  progress)

    if out is None:
        frames = [pd.DataFrame(rows).reindex(columns=columns) for _k, rows in solve(set())]
        table = pd.concat(frames, ignore_index=True) if frames else pd.DataFrame()
    else:
        manifest = _manifest(doc, base_dir, cases, model, batch_size, executor)
        target = OutputDir(out, overwrite=overwrite, partial=True, resume=resume,
                           protect=protect)
        table = _stream_into(target, columns, manifest, solve)
    sort = [c for c in ("scenario_id", "enterprise", "year") if c in table]
    return table.sort_values(sort).reset_index(drop=True) if sort else table


def _check_run_arguments(model: str, batch_size: Any) -> None:
    """The model kind and the batch size, before anything is read or solved."""
    if model not in ("industry", "enterprise"):
        raise InputError(f"model must be 'industry' or 'enterprise', got {model!r}",
                         key="model")
    if isinstance(batch_size, bool) or not isinstance(batch_size, int) or batch_size < 1:
        raise InputError(f"batch_size must be a whole number >= 1, got {batch_size!r}",
                         key="batch_size")


def _read_base(base: Mapping[str, Any] | str | Path
               ) -> tuple[dict[str, Any], str | None, list[Path]]:
    """The base scenario document, the folder its paths resolve against, files to protect."""
    if isinstance(base, Mapping):
        return canonical_scenario(dict(base), file="<dict>", error=ScenarioError), None, []
    path = Path(base)
    doc = read_toml(path, ScenarioError, "scenario file")
    doc = canonical_scenario(doc, file=str(path), error=ScenarioError)
    return doc, str(path.parent.resolve()), [path]


def _result_columns(cases: list[tuple[int, dict[str, Any]]], model: str) -> list[str]:
    """Columns of the result table: id, the varied keys in first-seen order, the outcomes."""
    keys = list(dict.fromkeys(k for _i, c in cases for k in c))
    return (["scenario_id"] + [f"set:{k}" for k in keys]
            + (_INDUSTRY_COLUMNS if model == "industry" else _ENTERPRISE_COLUMNS))


def _manifest(doc: dict[str, Any], base_dir: str | None,
              cases: list[tuple[int, dict[str, Any]]], model: str, batch_size: int,
              executor: Executor | None) -> dict[str, Any]:
    """What ``manifest.json`` records: inputs, their identity, rulebooks and versions."""
    rulebooks = _rulebook_hashes(doc, base_dir)
    return {
        "created": time.strftime("%Y-%m-%dT%H:%M:%S%z"),
        "model": model, "scenarios": len(cases), "batch_size": batch_size,
        "executor": type(executor).__name__ if executor else "serial",
        "base": doc, "changes": [c for _i, c in cases],
        "rulebooks": rulebooks,
        "inputs_sha256": _inputs_sha256(doc, cases, model, batch_size, rulebooks),
        "versions": _versions(),
    }


def _stream_into(target: OutputDir, columns: list[str], manifest: dict[str, Any],
                 solve: Callable[[set[int]], Iterator[tuple[int, list[dict[str, Any]]]]],
                 ) -> pd.DataFrame:
    """Solve into the run folder's partial folder, batch by batch; rename it at the end."""
    with target as run:
        stream = _ResultStream(run, columns)
        done = _open_run(target, run, stream, manifest)
        try:
            for k, rows in solve(done):
                stream.append(k, rows)
        except BaseException:
            # results on disk are kept for resume; a run with none leaves nothing
            target.keep_on_error = target.keep_on_error or stream.has_results()
            raise
        return stream.finish()


def _open_run(target: OutputDir, run: Path, stream: _ResultStream,
              manifest: dict[str, Any]) -> set[int]:
    """Start a run folder, or check a partial one is of this sweep; the batches done."""
    mpath = run / "manifest.json"
    if not target.resumed:
        write_atomically({mpath: lambda p: p.write_text(
            json.dumps(manifest, indent=2, default=str))})
        stream.start()
        return set()
    try:
        old = json.loads(mpath.read_text())
    except (OSError, ValueError):
        old = {}
    if old.get("inputs_sha256") != manifest["inputs_sha256"]:
        raise OutputError(target.shown, f"the partial run in {run} is of another sweep (its "
                          "base scenario, changes, model, batch size or rulebooks differ); "
                          "remove it to start again")
    old.setdefault("resumed", []).append(manifest["created"])
    write_atomically({mpath: lambda p: p.write_text(json.dumps(old, indent=2, default=str))})
    return stream.reopen()


def _run_with_progress(doc: dict[str, Any], base_dir: str | None, model: str,
                       batches: list[tuple[int, list[tuple[int, dict[str, Any]]]]],
                       done: set[int], executor: Executor | None, total: int,
                       progress: bool) -> Iterator[tuple[int, list[dict[str, Any]]]]:
    """The batches not yet done, solved, with the progress bar."""
    sizes = {k: len(b) for k, b in batches}
    todo = [(k, b) for k, b in batches if k not in done]
    bar = progress_bar(total, enabled=progress, initial=sum(sizes[k] for k in done),
                       what="scenarios")
    try:
        for k, rows in _solve_batches(doc, base_dir, model, todo, executor):
            yield k, rows
            bar.update(sizes[k])
    finally:
        bar.close()


def load_sweep(path: str | Path) -> tuple[Path, list[dict[str, Any]], str, int]:
    """Read and validate a sweep file, and the form of its base scenario.

    Format::

        [sweep]
        base = "industry_market.toml"     # scenario file, relative to this file
        model = "industry"                # or "enterprise"
        batch_size = 50
        [grid]                            # Cartesian product of the lists
        "linkage.cea_price_cny_per_t_co2e" = [50, 100, 150]
        [[case]]                          # and/or explicit cases
        "rule.nev.ratio" = 0.6

    Before any solve, the file's keys and types, every varied key (a known scenario key or
    ``rule.<key>``), every value (the form the scenario file would need: finite numbers, per
    year values aligned with the years, ...) and the base scenario's form (keys, types and
    numbers present; keys the cases supply may be missing) are checked. Keys of a deprecated
    spelling (in the sweep file or the base scenario) are read under their new name, with a
    :class:`DeprecationWarning`.

    Returns
    -------
    (base path, changes, model, batch size)

    Raises
    ------
    InputError
        Naming the sweep file (or the base scenario file) and the key, e.g.
        ``grid.linkage.cea_price_cny_per_t_co2e[2]`` or ``case[0].rule.nev.ratio``.
    """
    p = Path(path)
    file = str(p)
    doc = read_toml(p, InputError, "sweep file")
    _check_sweep_shape(doc, file)
    sw = validate_document(SweepDocument, doc, file=file)
    assert isinstance(sw, SweepDocument)
    base = (p.parent / sw.sweep.base).resolve()
    if not base.exists():
        raise InputError(f"base scenario not found: {base}", file=file, key="sweep.base")
    if base.is_dir():
        raise InputError(f"base scenario is a directory, not a file: {base}", file=file,
                         key="sweep.base")
    base_doc = read_toml(base, ScenarioError, "scenario file")
    base_doc = canonical_scenario(base_doc, file=str(base), error=ScenarioError)
    _check_base(base_doc, str(base))
    grid = _canonical_change(sw.grid, file=file, where="grid.")
    cases = [_canonical_change(c, file=file, where=f"case[{j}].") for j, c in enumerate(sw.case)]
    located: list[tuple[str, str, Any]] = []
    for k, values in grid.items():
        located += [(f"grid.{k}", f"[{i}]", v) for i, v in enumerate(values)]
    for j, c in enumerate(cases):
        located += [(f"case[{j}].{k}", "", v) for k, v in c.items()]
    for where, _idx, _v in located:
        key = where.split(".", 1)[1]
        problem = _key_problem(key)
        if problem is not None:
            raise InputError(problem, file=file, key=where)
    years_varied = any(w.endswith(".scenario.years") or w == "grid.scenario.years"
                       for w, _i, _v in located)
    for where, idx, v in located:
        _check_value(base_doc, where.split(".", 1)[1], v, file, where + idx, years_varied)
    changes = expand_grid(grid) if grid else []
    n_grid = len(changes)
    changes += cases
    if not changes:
        raise InputError("no scenarios: give [grid] lists or [[case]] tables", file=file)
    if years_varied:
        for n, change in enumerate(changes):
            if "scenario.years" in change:
                where = "grid" if n < n_grid else f"case[{n - n_grid}]"
                _check_change(base_doc, change, file, where, f"scenario {n} {change}: ")
    _check_builds(base_doc, base, changes, sw.sweep.model, file)
    return base, changes, sw.sweep.model, sw.sweep.batch_size


#: Scenarios tried by :func:`_check_builds` before a sweep is refused as unbuildable.
_BUILD_TRIES = 20


def _check_builds(base_doc: dict[str, Any], base: Path, changes: list[dict[str, Any]],
                  model: str, file: str) -> None:
    """Refuse a sweep none of whose first scenarios can be built (a broken base: an empty
    file, a missing key, an unknown basis, years without rules, ...). Stops at the first
    scenario that builds, so a valid sweep costs one parse; a case that fails on its own is
    a ``failed`` row of the run."""
    first: InputError | None = None
    tried = changes[:_BUILD_TRIES]
    for change in tried:
        d, rules = _apply(base_doc, change)
        try:
            sc = parse_scenario(d, file=str(base), base=base.parent, rule_overrides=rules)
        except InputError as exc:
            first = first or exc
            continue
        if model == "enterprise" and sc.market.nev_buy_price_cny_per_credit is None:
            first = first or ScenarioError("the enterprise model needs NEV credit prices",
                                           file=str(base),
                                           key="market.nev_buy_price_cny_per_credit")
            continue
        return
    assert first is not None
    every = "the only scenario" if len(tried) == 1 else f"each of the first {len(tried)}"
    raise InputError(f"the base scenario with the sweep's changes cannot be built ({every} "
                     f"fails): {first}", file=file, key="sweep.base")


def _check_sweep_shape(doc: dict[str, Any], file: str) -> None:
    """Errors the schema would word badly: no [sweep], [case] not an array, unquoted keys."""
    if "sweep" not in doc:
        raise InputError('missing base = "scenario.toml" (in a [sweep] table)', file=file,
                         key="sweep.base")
    if "case" in doc and not isinstance(doc["case"], list):
        raise InputError("expected [[case]] tables (an array of tables), got "
                         f"{type(doc['case']).__name__}", file=file, key="case")
    tables = [("grid", doc.get("grid"))]
    if isinstance(doc.get("case"), list):
        tables += [(f"case[{j}]", c) for j, c in enumerate(doc["case"])]
    for where, table in tables:
        if not isinstance(table, dict):
            continue
        for k, v in table.items():
            if isinstance(v, dict):
                raise InputError(f"expected {'a list of values' if where == 'grid' else 'a value'}"
                                 f"; a dotted key must be quoted: \"{k}.{next(iter(v), '')}\""
                                 " = ...", file=file, key=f"{where}.{k}")


def _check_base(base_doc: dict[str, Any], file: str) -> None:
    """The base scenario's form: what it gives must be right; cases may supply the rest."""
    validate_document(ScenarioDocument, base_doc, file=file, error=ScenarioError, partial=True)


def _check_value(base_doc: dict[str, Any], key: str, value: Any, file: str, where: str,
                 years_varied: bool) -> None:
    """One varied value, alone on the base scenario, has the form the key needs."""
    if key.startswith("rule."):
        try:
            _parse_value(value, schema()[key[5:]]["kind"], file, where)
        except InputError as exc:
            raise InputError(exc.rule, file=file, key=where) from None
        return
    # when the years vary, per-year lengths are checked case by case (see load_sweep)
    _check_change(base_doc, {key: value}, file, where, "", align=not years_varied)


def _check_change(base_doc: dict[str, Any], change: Mapping[str, Any], file: str, where: str,
                  lead: str, align: bool = True) -> None:
    d, _rules = _apply(base_doc, change)
    ctx = {"years": scenario_years(d) if align else None}
    try:
        validate_document(ScenarioDocument, d, file=file, partial=True, context=ctx)
    except InputError as exc:
        raise InputError(f"{lead}gives {exc.key}: {exc.rule}", file=file, key=where) from None
