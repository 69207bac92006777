"""The ``linkage`` command line: a thin shell over the Python API.

Exit codes: 0 success; 1 internal error (a bug: one line, the traceback with
``LINKAGE_DEBUG=1``); 2 bad input or an output that cannot be written (one line naming the
file, row or key and the rule broken); 130 interrupted (SIGINT, Ctrl-C); 143 terminated
(SIGTERM). Outputs are whole or absent (:mod:`linkage.outputs`): written beside their final
place and renamed into it at the end; an existing output is replaced only with
``--overwrite``; two runs on one output cannot interleave.
"""

from __future__ import annotations

import json
import os
import re
import signal
import socket
import sys
import threading
import tomllib
import warnings
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any, NoReturn

import click
import pandas as pd

from conversions.cli import convert
from conversions.errors import ConversionError
from linkage._cli_params import NON_NEGATIVE_FLOAT, YEAR, parse_ratio_items, parse_year_span
from linkage.accounting import STATEMENT_COLUMNS, compute_credits
from linkage.errors import InputError, LinkageError
from linkage.fleet import read_enterprises
from linkage.ledger import mirror_rows, prepare_statements, simulate, verify_plan
from linkage.ledger.statements import assign_groups, read_prices
from linkage.outputs import check_output_path, write_atomically, write_files
from linkage.pool import ReserveVariant
from linkage.rules import RuleSet, default_rules, diff_rulebooks, load_rules
from linkage.workbook import (
    check_workbook_name,
    credits_workbook,
    ledger_workbook,
    market_workbook,
    optimize_workbook,
    save_workbook,
)

__all__ = ["main", "write_atomically"]  # write_atomically: moved to linkage.outputs

#: Seconds to wait for a Dask scheduler before giving up [s].
SCHEDULER_TIMEOUT_S = 10
#: Exit codes.
EXIT_INTERNAL, EXIT_INPUT, EXIT_SIGINT, EXIT_SIGTERM = 1, 2, 130, 143
#: Columns of the positions `linkage ledger` prints: action -> credits moved in the year.
POSITION_COLUMNS = {
    "earn": "earned_credits", "deficit": "deficit_credits",
    "offset_cafc": "offset_cafc_credits", "offset_nev": "offset_nev_credits",
    "transfer_in": "transferred_in_credits", "buy": "bought_credits",
    "withdraw": "withdrawn_credits", "deposit": "deposited_credits", "sell": "sold_credits",
    "uncovered": "uncovered_credits",
}


def _fail(message: str) -> NoReturn:
    click.echo(f"error: {' '.join(str(message).split())}", err=True)
    sys.exit(EXIT_INPUT)


def _rules(files: tuple[str, ...]) -> RuleSet:
    return load_rules(*files) if files else default_rules()


class Terminated(KeyboardInterrupt):
    """SIGTERM, raised in the main thread so that every ``finally`` runs (exit 143)."""


def _raise_terminated(_signum: int, _frame: Any) -> None:
    raise Terminated()


@contextmanager
def _sigterm_raises() -> Iterator[None]:
    if threading.current_thread() is not threading.main_thread():
        yield
        return
    old = signal.signal(signal.SIGTERM, _raise_terminated)
    try:
        yield
    finally:
        signal.signal(signal.SIGTERM, old)


@contextmanager
def _deprecations_shown() -> Iterator[None]:
    """Deprecated spellings in the user's input (``conversions.vocabulary``) as one
    ``warning:`` line each on stderr (Python hides DeprecationWarning by default); a caller
    that turns them into errors (the test suite) is left as it is."""
    with warnings.catch_warnings():
        if not any(f[0] == "error" and issubclass(DeprecationWarning, f[2])
                   for f in warnings.filters):
            warnings.filterwarnings("always", message=r".* is deprecated, use '",
                                    category=DeprecationWarning)
            warnings.showwarning = lambda message, *_a, **_k: click.echo(
                f"warning: {message}", err=True)
        yield


class _Linkage(click.Group):
    """The command group: one error handler and one exit-code policy for every command."""

    def main(self, args: Any = None, prog_name: str | None = None,
             complete_var: str | None = None, standalone_mode: bool = True,
             **extra: Any) -> Any:
        """Run the CLI; a usage error is one ``error:`` line on stderr and exit 2."""
        if not standalone_mode:
            return super().main(args, prog_name, complete_var, standalone_mode, **extra)
        try:
            rv = super().main(args, prog_name, complete_var, False, **extra)
        except click.exceptions.ClickException as exc:
            where = ""
            if isinstance(exc, click.exceptions.UsageError) and exc.ctx is not None:
                where = f" (see '{exc.ctx.command_path} --help')"
            click.echo(f"error: {' '.join(exc.format_message().split())}{where}", err=True)
            sys.exit(exc.exit_code)
        except click.exceptions.Abort:
            click.echo("aborted; no output was changed", err=True)
            sys.exit(EXIT_SIGINT)
        except KeyboardInterrupt:
            click.echo("interrupted; no output was changed", err=True)
            sys.exit(EXIT_SIGINT)
        sys.exit(rv if isinstance(rv, int) else 0)

    def invoke(self, ctx: click.Context) -> Any:
        debug = bool(os.environ.get("LINKAGE_DEBUG"))
        try:
            with _sigterm_raises(), _deprecations_shown():
                return super().invoke(ctx)
        except (click.exceptions.ClickException, click.exceptions.Exit,
                click.exceptions.Abort):
            raise
        except Terminated:
            click.echo("terminated (SIGTERM); no output was changed", err=True)
            ctx.exit(EXIT_SIGTERM)
        except KeyboardInterrupt:
            click.echo("interrupted; no output was changed", err=True)
            ctx.exit(EXIT_SIGINT)
        except (LinkageError, ConversionError) as exc:
            if debug:
                raise
            click.echo(f"error: {' '.join(str(exc).split())}", err=True)
            ctx.exit(EXIT_INPUT)
        except BrokenPipeError:  # e.g. `linkage rules | head`: stop quietly
            _silence_stdout()
            ctx.exit(EXIT_INTERNAL)
        except Exception as exc:
            if debug:
                raise
            msg = " ".join(str(exc).split())
            click.echo(f"internal error: {type(exc).__name__}: {msg} (set LINKAGE_DEBUG=1 for "
                       "the traceback)", err=True)
            ctx.exit(EXIT_INTERNAL)


def _silence_stdout() -> None:
    try:
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
    except (OSError, ValueError, AttributeError):  # pragma: no cover - no real stdout
        pass


_overwrite = click.option("--overwrite", is_flag=True,
                          help="Replace an existing output (otherwise it is refused).")
_format = click.option(
    "--format", "fmt", type=click.Choice(["csv", "xlsx"]), default="csv", show_default=True,
    help="csv: the CSV (and JSON) files; xlsx: one formatted workbook at --out (FILE.xlsx): "
         "a sheet per table, units in the headers, a notes sheet.")


def _check_workbook(fmt: str, out: str | None, overwrite: bool) -> None:
    """``--format xlsx``: --out names the workbook; refuse a missing or bad name early."""
    if fmt != "xlsx":
        return
    if not out:
        _fail("--format xlsx writes a workbook: give its file name with --out FILE.xlsx")
    check_workbook_name(out)
    check_output_path(out, kind="file", overwrite=overwrite)


def _check_files(outputs: dict[str, str | None], overwrite: bool) -> None:
    """Refuse unwritable or clashing file outputs before any work is done."""
    seen: dict[str, str] = {}
    for option, path in outputs.items():
        if not path:
            continue
        real = os.path.realpath(path)
        if real in seen:
            _fail(f"{path}: {seen[real]} and {option} name the same file; give each its own")
        seen[real] = option
        check_output_path(path, kind="file", overwrite=overwrite)


@click.group(cls=_Linkage, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(package_name="dualcredit-linkage")
def main() -> None:
    """China's passenger-car dual-credit policy and its link to the carbon market."""


@main.command()
@click.argument("fleet", type=click.Path(dir_okay=False))
@click.option("--enterprises", type=click.Path(dir_okay=False),
              help="Enterprise table (groups, small-enterprise relief).")
@click.option("--year", type=YEAR, help="Only this compliance year.")
@click.option("--rules", "rule_files", multiple=True, type=click.Path(dir_okay=False),
              help="Extra rulebook file (TOML), loaded after the shipped ones; repeatable.")
@click.option("--adjustments", type=click.Choice(["strict", "neutral"]), default="strict",
              show_default=True,
              help="Missing NEV adjustment-factor inputs: error (strict) or factor 1.0 (neutral).")
@click.option("--out", type=click.Path(dir_okay=False), help="Write the statements (CSV).")
@click.option("--detail", type=click.Path(dir_okay=False), help="Write the per-model table (CSV).")
@_format
@_overwrite
def credits(
    fleet: str,
    enterprises: str | None,
    year: int | None,
    rule_files: tuple[str, ...],
    adjustments: str,
    out: str | None,
    detail: str | None,
    fmt: str,
    overwrite: bool,
) -> None:
    """Credit statements (CAFC and NEV) per enterprise and year of a FLEET table."""
    if fmt == "xlsx" and detail:
        _fail("--detail writes CSV; with --format xlsx the per-model table is the workbook's "
              "'models' sheet: drop --detail")
    _check_workbook(fmt, out, overwrite)
    _check_files({"--out": out, "--detail": detail}, overwrite)
    try:
        rules = _rules(rule_files)
        res = compute_credits(fleet, enterprises, rules=rules, year=year, adjustments=adjustments)
    except InputError as exc:
        _fail(str(exc))
        return
    st = res.statements
    shown = st[STATEMENT_COLUMNS].rename(columns={"provisional_parameters": "provisional"})
    with pd.option_context("display.width", 200, "display.max_columns", 30,
                           "display.max_rows", 500):
        click.echo(shown.to_string(index=False))
    n_prov = int(st["provisional_parameters"].max()) if len(st) else 0
    click.echo(
        f"\n{len(st)} statement(s). Up to {n_prov} provisional or scenario rule parameter(s) per "
        "statement; list them with `linkage rules --year Y` or CreditResult."
        "provisional_parameters()."
    )
    if len(res.official_overrides):
        click.echo(f"{len(res.official_overrides)} model row(s) use the official per-vehicle NEV "
                   "credit given in the input.")
    if adjustments == "neutral":
        nm = res.neutral_models
        click.echo(f"adjustments=neutral: {len(nm)} model row(s) had a missing factor input "
                   "replaced by a factor of 1.0 (see nev_credit_source in --detail).")
    if fmt == "xlsx":
        save_workbook(str(out), credits_workbook(res, STATEMENT_COLUMNS), overwrite=overwrite)
        click.echo(f"wrote {out}")
        return
    targets: dict[Path, Callable[[Path], None]] = {}
    if out:
        targets[Path(out)] = lambda p: st[STATEMENT_COLUMNS].to_csv(p, index=False)
    if detail:
        targets[Path(detail)] = lambda p: res.models.to_csv(p, index=False)
    if targets:
        write_files(targets, overwrite=overwrite)


@main.command()
@click.option("--year", type=int, help="Compliance year (default: every covered year).")
@click.option("--diff", "diff_years", nargs=2, type=int, metavar="YEAR1 YEAR2",
              help="Only the parameters whose value, unit or status changes from YEAR1 to "
                   "YEAR2, with both values, units and statuses.")
@click.option("--rules", "rule_files", multiple=True, type=click.Path(dir_okay=False),
              help="Extra rulebook file (TOML); repeatable.")
@click.option("--format", "fmt", type=click.Choice(["table", "json"]), default="table",
              show_default=True)
def rules(year: int | None, diff_years: tuple[int, int] | None, rule_files: tuple[str, ...],
          fmt: str) -> None:
    """Every rule parameter of a year with its unit, status and source."""
    if diff_years and year is not None:
        _fail("--diff and --year exclude each other: give one of them")
        return
    try:
        rs = _rules(rule_files)
        if diff_years:
            _rules_diff(rs, *diff_years, fmt=fmt)
            return
        years = [year] if year is not None else rs.years
        frame = rs.to_frame(years)
    except InputError as exc:
        _fail(str(exc))
        return
    if fmt == "json":
        click.echo(json.dumps(frame.drop(columns=["file"]).to_dict(orient="records"),
                              indent=2, ensure_ascii=False))
        return
    shown = frame.drop(columns=["file"]).copy()
    shown["years"] = shown["first_year"].astype(str) + "-" + shown["last_year"].astype(str)
    shown = shown[["year", "key", "value", "unit", "years", "status", "source"]]
    with pd.option_context("display.width", 250, "display.max_colwidth", 90,
                           "display.max_rows", 10_000):
        click.echo(shown.to_string(index=False))
    prov = frame[frame["status"].isin(["provisional", "scenario"])]
    click.echo(f"\n{len(frame)} parameter(s); {len(prov)} provisional or scenario.")


def _rules_diff(rs: RuleSet, first: int, second: int, *, fmt: str) -> None:
    """Print the parameters that change from ``first`` to ``second``."""
    diff = diff_rulebooks(rs.for_year(first), rs.for_year(second))
    if fmt == "json":
        click.echo(json.dumps({"from": first, "to": second,
                               "changes": diff.to_dict(orient="records")},
                              indent=2, ensure_ascii=False))
        return
    shown = diff.drop(columns=["source_to"]).rename(columns={
        "value_from": f"value_{first}", "unit_from": f"unit_{first}",
        "status_from": f"status_{first}", "value_to": f"value_{second}",
        "unit_to": f"unit_{second}", "status_to": f"status_{second}"})
    with pd.option_context("display.width", 250, "display.max_colwidth", 60,
                           "display.max_rows", 10_000):
        click.echo(shown.to_string(index=False) if len(diff) else "(no parameter changes)")
    click.echo(f"\n{len(diff)} parameter(s) change from {first} to {second}; sources: "
               f"`linkage rules --year {second}`.")


def _parse_years(text: str) -> list[int]:
    """``--years``: ``2024-2027`` or ``2024,2025``; four-digit years, each once."""
    return parse_year_span(text, "--years")


def _parse_ratios(items: tuple[str, ...], years: list[int]) -> dict[int, float]:
    """``--pool-ratio YEAR=RATIO`` items: finite ratios >= 0, each year once, years simulated."""
    ratios = parse_ratio_items(items, "--pool-ratio")
    outside = [y for y in ratios if y not in years]
    if outside:
        raise InputError(f"{outside[0]} is not a simulated year ({years[0]}-{years[-1]}): its "
                         "ratio would be ignored", key="--pool-ratio")
    return ratios


@main.command()
@click.argument("credits_file", metavar="CREDITS.csv", type=click.Path(dir_okay=False))
@click.option("--years", "years_text", required=True, help="Years, e.g. 2024-2027.")
@click.option("--prices", type=click.Path(dir_okay=False),
              help="CSV: year, nev_buy_price_cny_per_credit[, nev_sell_price_cny_per_credit].")
@click.option("--pool-ratio", "pool_ratio", multiple=True,
              help="Observed supply/demand ratio, YEAR=RATIO; repeatable.")
@click.option("--reserve-price", type=NON_NEGATIVE_FLOAT,
              help="Turn the reserve policy variant on at this price [CNY/credit].")
@click.option("--enterprises", type=click.Path(dir_okay=False),
              help="Enterprise table: its `group` column sets the affiliates.")
@click.option("--rules", "rule_files", multiple=True, type=click.Path(dir_okay=False),
              help="Extra rulebook file (TOML); repeatable.")
@click.option("--out", type=click.Path(dir_okay=False),
              help="Write the transaction log (CSV), or the workbook with --format xlsx.")
@_format
@_overwrite
def ledger(credits_file: str, years_text: str, prices: str | None, pool_ratio: tuple[str, ...],
           reserve_price: float | None, enterprises: str | None, rule_files: tuple[str, ...],
           out: str | None, fmt: str, overwrite: bool) -> None:
    """Simulate the multi-year ledger of the statements in CREDITS.csv (from `credits --out`)."""
    _check_workbook(fmt, out, overwrite)
    _check_files({"--out": out}, overwrite)
    try:
        years = _parse_years(years_text)
        ratios = _parse_ratios(pool_ratio, years)
        rs = _rules(rule_files)
        price_table = read_prices(prices) if prices else None
        reserve = ReserveVariant(reserve_price)
        statements = prepare_statements(credits_file, years=years)[0]
        if enterprises:  # groups year by year, as the accounting resolves them
            statements = assign_groups(statements, read_enterprises(enterprises))
        res = simulate(statements, years, rs, price_table, supply_demand_ratio=ratios,
                       reserve=reserve)
        res.assumptions[:0] = [a for a in prepare_statements(credits_file)[1]
                               if a not in res.assumptions]
        problems = verify_plan(res.transactions, statements, rs, years=years,
                               supply_demand_ratio=ratios, reserve=reserve)
    except InputError as exc:
        _fail(str(exc))
        return
    if problems:  # pragma: no cover - the simulator follows the rules
        raise click.ClickException("the simulated plan breaks a rule: " + str(problems[0]))
    tx = res.transactions
    summary = (
        tx[~mirror_rows(tx)]
        .pivot_table(index=["enterprise", "year"], columns="action", values="quantity",
                     aggfunc="sum", fill_value=0.0)
        .reindex(columns=list(POSITION_COLUMNS), fill_value=0.0)
        .rename(columns=POSITION_COLUMNS)
    )
    summary["cash_flow_cny"] = tx.groupby(["enterprise", "year"])["cash_flow_cny"].sum()
    with pd.option_context("display.width", 220, "display.max_columns", 20,
                           "display.max_rows", 500, "display.float_format", "{:,.0f}".format):
        click.echo(summary.to_string())
    click.echo("\nsupply/demand ratio: " + ", ".join(
        f"{y} {r:.2f}" + (" (observed)" if y in ratios else "") for y, r in res.ratios.items()))
    for note in res.assumptions:
        click.echo(f"note: {note}")
    unc = res.uncovered_deficits
    if len(unc):
        for r in unc.itertuples(index=False):
            click.echo(f"WARNING: {r.enterprise} {r.year}: {r.quantity:,.0f} "
                       f"{r.instrument.replace('_deficit', '')} deficit credits left uncovered",
                       err=True)
    if fmt == "xlsx":
        save_workbook(str(out), ledger_workbook(res, summary, rs, years, ratios),
                      overwrite=overwrite)
        click.echo(f"wrote {out}")
    elif out:
        write_files({Path(out): lambda p: tx.to_csv(p, index=False)}, overwrite=overwrite)


@main.command()
@click.argument("scenario_file", metavar="SCENARIO.toml", type=click.Path(dir_okay=False))
@click.option("--out", required=True, type=click.Path(),
              help="Folder for plan.csv and summary.json (with --format xlsx: the workbook "
                   "FILE.xlsx).")
@_format
@_overwrite
def optimize(scenario_file: str, out: str, fmt: str, overwrite: bool) -> None:
    """Least-cost compliance plan of each enterprise of SCENARIO.toml (Pyomo + HiGHS)."""
    # lazy: optimize imports Pyomo and HiGHS; commands without a model start without them
    from optimize import OptimizationError, load_scenario, optimize_scenario

    _check_folder_or_workbook(fmt, out, overwrite, scenario_file)
    try:
        sc = load_scenario(scenario_file)
        res = optimize_scenario(sc)
    except InputError as exc:
        _fail(str(exc))
        return
    except OptimizationError as exc:
        _fail(str(exc))
        return
    click.echo(f"scenario {sc.name!r}, years {sc.years[0]}-{sc.years[-1]}: {res.status}, "
               f"total cost {res.total_cost_cny:,.0f} CNY (discounted at "
               f"{sc.discount_rate:.1%})")
    for name, r in res.enterprises.items():
        levers = ", ".join(f"{k} {v:,.0f}" for k, v in r.cost_by_instrument_cny.items()
                           if abs(v) > 0.5)
        click.echo(f"  {name}: {r.total_cost_cny:,.0f} CNY ({levers or 'no cost'})")
        sp = ", ".join(f"{y} {v:,.0f}" for y, v in r.shadow_price_nev_cny_per_credit.items())
        click.echo(f"    NEV shadow price [CNY/credit]: {sp}")
        if r.provisional_parameters:
            click.echo(f"    relies on {len(r.provisional_parameters)} provisional rule "
                       "parameter(s)")
    for name, y, kind, q in res.uncovered_deficits:
        click.echo(f"WARNING: {name} {y}: {q:,.0f} {kind.upper()} deficit credits left "
                   "uncovered (penalty applied)", err=True)
    if fmt == "xlsx":
        paths = [save_workbook(out, optimize_workbook(res), overwrite=overwrite)]
    else:
        paths = res.write(out, overwrite=overwrite)
    click.echo("wrote " + ", ".join(str(p) for p in paths))


def _check_folder_or_workbook(fmt: str, out: str, overwrite: bool, scenario_file: str) -> None:
    """--out of optimize/market: a folder (CSV, JSON) or, with --format xlsx, a workbook."""
    if fmt == "xlsx":
        _check_workbook(fmt, out, overwrite)
        if os.path.realpath(out) == os.path.realpath(scenario_file):
            _fail(f"{out}: is the scenario file; choose another name for the workbook")
    else:
        check_output_path(out, kind="dir", overwrite=overwrite, protect=[scenario_file])


@main.command()
@click.argument("scenario_file", metavar="SCENARIO.toml", type=click.Path(dir_okay=False))
@click.option("--out", required=True, type=click.Path(),
              help="Folder for prices.csv, enterprises.csv and summary.json (with --format "
                   "xlsx: the workbook FILE.xlsx).")
@_format
@_overwrite
def market(scenario_file: str, out: str, fmt: str, overwrite: bool) -> None:
    """Equilibrium NEV credit prices of all enterprises of SCENARIO.toml trading together."""
    # lazy: optimize imports Pyomo and HiGHS; commands without a model start without them
    from optimize import OptimizationError, load_scenario
    from optimize.industry import IndustryModel

    _check_folder_or_workbook(fmt, out, overwrite, scenario_file)
    try:
        sc = load_scenario(scenario_file)
        res = IndustryModel(sc).solve()
    except (InputError, OptimizationError) as exc:
        _fail(str(exc))
        return
    click.echo(f"scenario {sc.name!r}: {len(sc.enterprises)} enterprises, {res.status}, "
               f"industry cost {res.total_cost_cny:,.0f} CNY")
    for r in res.prices.itertuples():
        click.echo(f"  {r.year}: NEV credit {r.nev_price_cny_per_credit:9,.1f} CNY/credit = "
                   f"{r.implied_carbon_price_cny_per_t_co2e:8,.1f} CNY/t CO2e; "
                   f"{r.traded_credits:,.0f} credits traded")
    unc = res.enterprises[res.enterprises["uncovered_credits"] > 0]
    for r in unc.itertuples():
        click.echo(f"WARNING: {r.enterprise} {r.year}: {r.uncovered_credits:,.0f} deficit credits "
                   "left uncovered", err=True)
    if fmt == "xlsx":
        paths = [save_workbook(out, market_workbook(res, sc), overwrite=overwrite)]
    else:
        paths = res.write(out, overwrite=overwrite)
    click.echo("wrote " + ", ".join(str(p) for p in paths))


@main.command()
@click.argument("sweep_file", metavar="SWEEP.toml", type=click.Path(dir_okay=False))
@click.option("--workers", type=int, default=1, show_default=True,
              help="Worker processes (1: serial).")
@click.option("--scheduler", help="Dask scheduler address (needs the dask extra).")
@click.option("--out", required=True, type=click.Path(file_okay=False),
              help="Run folder: results.csv and manifest.json.")
@_overwrite
@click.option("--resume", is_flag=True,
              help="Continue an interrupted run of this sweep into OUT (its .OUT.partial "
                   "folder), skipping the scenarios already written.")
def sweep(sweep_file: str, workers: int, scheduler: str | None, out: str, overwrite: bool,
          resume: bool) -> None:
    """Solve every scenario of SWEEP.toml (a grid or cases over a base scenario)."""
    # lazy: optimize imports Pyomo and HiGHS; commands without a model start without them
    from optimize.sweep import load_sweep, run_scenarios

    try:
        base, changes, model, batch = load_sweep(sweep_file)
    except InputError as exc:
        _fail(str(exc))
    if workers < 1:
        _fail("--workers must be >= 1")
    check_output_path(out, kind="dir", overwrite=overwrite, protect=[sweep_file, base])
    with _executor(workers, scheduler) as executor:
        try:
            table = run_scenarios(base, changes, model=model, executor=executor,
                                  batch_size=batch, out=out, progress=True,
                                  overwrite=overwrite, resume=resume)
        except BaseException as exc:
            _partial_hint(out, exc)
            raise
    failed = table[table["status"].astype(str).str.startswith("failed")] \
        if "status" in table else table.iloc[0:0]
    click.echo(f"{len(changes)} scenario(s), {len(table)} row(s) -> {out}/results.csv; "
               f"{failed['scenario_id'].nunique() if len(failed) else 0} failed")


@contextmanager
def _executor(workers: int, scheduler: str | None) -> Iterator[Any]:
    """The sweep's executor; on an interrupt or a failure its tasks and workers are stopped."""
    # lazy: optimize imports Pyomo and HiGHS; commands without a model start without them
    from optimize.sweep import process_pool, stop_executor

    if scheduler:
        client = _dask_client(scheduler)
        executor = client.get_executor()
        try:
            yield executor
        finally:
            stop_executor(executor, now=True)  # cancels what is still queued
            client.close()
        return
    if workers == 1:
        yield None
        return
    pool = process_pool(workers)
    ok = False
    try:
        yield pool
        ok = True
    finally:
        stop_executor(pool, now=not ok)


def _dask_client(address: str) -> Any:
    try:
        # lazy: an optional dependency (the dask extra), needed only with --scheduler
        from distributed import Client
    except ImportError:
        _fail("--scheduler needs the dask extra: pip install 'dualcredit-linkage[dask]'")
    _probe_scheduler(address)
    try:
        return Client(address, timeout=SCHEDULER_TIMEOUT_S)
    except Exception as exc:
        _fail(f"--scheduler {address}: cannot connect to the Dask scheduler within "
              f"{SCHEDULER_TIMEOUT_S} s ({type(exc).__name__}: {exc})")


def _probe_scheduler(address: str) -> None:
    """Fail at once on a TCP address that refuses connections (Dask would retry for 10 s)."""
    m = re.fullmatch(r"(?:tcp://)?\[?([^\[\]/]+?)\]?:(\d+)/?", address.strip())
    if m is None:
        return  # another protocol or form: left to Dask
    try:
        socket.create_connection((m.group(1), int(m.group(2))),
                                 timeout=SCHEDULER_TIMEOUT_S).close()
    except (OSError, ValueError) as exc:
        _fail(f"--scheduler {address}: cannot reach the Dask scheduler "
              f"({type(exc).__name__}: {exc})")


def _partial_hint(out: str, exc: BaseException) -> None:
    """After a failed or interrupted sweep, say where its results are kept."""
    partial = Path(os.path.abspath(out))
    partial = partial.with_name(f".{partial.name}.partial")
    if not isinstance(exc, LinkageError) and partial.exists():
        click.echo(f"\npartial results kept in {partial}; run the same command with --resume "
                   "to continue", err=True)


@main.command()
@click.argument("scenario_file", metavar="[SCENARIO.toml]", required=False,
                type=click.Path(dir_okay=False))
@click.option("--out", required=True, type=click.Path(file_okay=False),
              help="Folder for brief.html, brief.md, charts (PNG, SVG) and tables (CSV).")
@_overwrite
def brief(scenario_file: str | None, out: str, overwrite: bool) -> None:
    """The policy brief: on the bundled defaults, or on SCENARIO.toml's enterprises."""
    # lazy: the brief imports optimize (Pyomo, HiGHS) and matplotlib; only this command needs them
    from linkage.brief import make_brief
    from optimize import OptimizationError

    check_output_path(out, kind="dir", overwrite=overwrite,
                      protect=[scenario_file] if scenario_file else [])
    try:
        b = make_brief(scenario_file, out, progress=True, overwrite=overwrite)
    except (InputError, OptimizationError) as exc:
        _fail(str(exc))
        return
    except FileNotFoundError as exc:
        _fail(f"{exc.filename}: file not found")
        return
    except tomllib.TOMLDecodeError as exc:
        _fail(f"{scenario_file}: not valid TOML: {exc}")
        return
    click.echo(f"wrote {b.html} ({len(b.sections)} sections) and {len(b.files) - 1} charts, "
               f"tables and the Markdown version in {b.out}")


@main.command()
@click.option("--out", required=True, type=click.Path(file_okay=False),
              help="Output folder: backcast.csv and summary.json.")
@click.option("--first", "first", type=click.IntRange(2016, 2100), default=2020,
              show_default=True, help="First backcast year.")
@click.option("--last", "last", type=click.IntRange(2016, 2100), default=2024,
              show_default=True, help="Last backcast year.")
@click.option("--seed", type=int, default=2020, show_default=True,
              help="Seed of the backcast industry.")
@click.option("--overwrite", is_flag=True, help="Replace a non-empty --out folder.")
def backcast(out: str, first: int, last: int, seed: int, overwrite: bool) -> None:
    """Backcast 2020-2024: modelled NEV prices of the MIIT-calibrated ILLUSTRATIVE industry
    beside the observed prices, with one fitted compliance-cost scale."""
    # lazy: optimize imports Pyomo and HiGHS; commands without a model start without them
    from optimize import OptimizationError
    from optimize.backcasting import backcast as run_backcast
    from optimize.backcasting import write_backcast

    check_output_path(out, kind="dir", overwrite=overwrite)
    try:
        res = run_backcast((first, last), seed=seed)
    except (InputError, OptimizationError) as exc:
        _fail(str(exc))
        return
    click.echo(f"backcast {first}-{last} (ILLUSTRATIVE, synthetic enterprises): fitted scale "
               f"{res.fit['scale_factor']:.3f}, RMS relative price error "
               f"{res.fit['rms_relative_error']:.1%} over {res.fit['years']}")
    for r in res.table.itertuples():
        obs = ("not observed" if r.observed_price_cny_per_credit != r.observed_price_cny_per_credit
               else f"{r.observed_price_cny_per_credit:,.0f} ({r.observed_price_status})")
        click.echo(f"  {r.year}: modelled {r.modelled_price_cny_per_credit:8,.0f} CNY/credit, "
                   f"observed {obs}; supply/demand {r.supply_demand_ratio:.2f}")
    paths = write_backcast(res, out, overwrite=overwrite)
    click.echo("wrote " + ", ".join(str(p) for p in paths))


main.add_command(convert)

if __name__ == "__main__":  # pragma: no cover
    main()
