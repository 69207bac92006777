"""The policy brief: the library's main job, end to end.

:func:`make_brief` runs on the bundled defaults (MIIT history, the calibrated illustrative
industry, the CEA price history, the conversion presets) or on a scenario file, and writes
``brief.html`` (self-contained: charts embedded), ``brief.md`` (charts beside it), every chart
as PNG and SVG and every table as CSV. Every number in the text is computed here, from the
library's API; nothing is typed in.

Sections: the dual-credit system in numbers 2016-2023; the supply/demand ratio and the pool
triggers; what a credit is worth in CO2 and the implied carbon price against the CEA price;
equilibrium NEV credit prices and industry cost under four linkage designs across a CEA price
range; which enterprises gain and lose; an appendix of every provisional rule parameter and
every assumption used.
"""

from __future__ import annotations

import base64
import html
import io
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from linkage.console import ProgressBar, progress_bar
from linkage.outputs import OutputDir
from linkage.rules import ParameterLog, record_lookups

__all__ = ["DESIGNS", "Brief", "make_brief"]

#: Linkage designs compared: name -> (CEA surrender against deficits, credit offsets sold).
DESIGNS: dict[str, tuple[bool, bool]] = {
    "no linkage": (False, False),
    "CEA -> credits": (True, False),
    "credits -> ETS offsets": (False, True),
    "both ways": (True, True),
}
#: CEA prices swept [CNY/t CO2e].
CEA_PRICES = (0.0, 50.0, 100.0, 200.0, 400.0)
#: Years of the industry comparison.
BRIEF_YEARS = (2025, 2026, 2027)


@dataclass
class Brief:
    """What :func:`make_brief` produced.

    Attributes
    ----------
    out : Path
        Output folder.
    headlines : dict
        The headline numbers used in the text (name -> value), for checks.
    sections : list of str
        Section titles, in order.
    files : list of Path
        Every file written.
    """

    out: Path
    headlines: dict[str, float] = field(default_factory=dict)
    sections: list[str] = field(default_factory=list)
    files: list[Path] = field(default_factory=list)

    @property
    def html(self) -> Path:
        """Path of ``brief.html``."""
        return self.out / "brief.html"


def _fmt(x: float, digits: int = 0) -> str:
    return f"{x:,.{digits}f}"


class _Doc:
    """Collects Markdown and HTML in parallel, and writes charts and tables."""

    def __init__(self, out: Path) -> None:
        self.out = out
        self.md: list[str] = []
        self.html: list[str] = []
        self.files: list[Path] = []
        self.sections: list[str] = []

    def h(self, text: str, level: int = 2) -> None:
        if level == 2:
            self.sections.append(text)
        self.md.append(f"{'#' * level} {text}\n")
        self.html.append(f"<h{level}>{html.escape(text)}</h{level}>")

    def p(self, text: str) -> None:
        self.md.append(text + "\n")
        self.html.append(f"<p>{html.escape(text)}</p>")

    def table(self, df: pd.DataFrame, name: str, floatfmt: str = "{:,.2f}") -> None:
        path = self.out / f"{name}.csv"
        df.to_csv(path, index=False)
        self.files.append(path)
        shown = df.copy()
        for c in shown.columns:
            if pd.api.types.is_float_dtype(shown[c]):
                shown[c] = shown[c].map(lambda v: "" if pd.isna(v) else floatfmt.format(v))
        cols = [str(c) for c in shown.columns]
        self.md.append("| " + " | ".join(cols) + " |\n| " + " | ".join("---" for _ in cols)
                       + " |")
        for row in shown.itertuples(index=False):
            self.md.append("| " + " | ".join(str(v) for v in row) + " |")
        self.md.append(f"\n*Table: [{name}.csv]({name}.csv)*\n")
        head = "".join(f"<th>{html.escape(c)}</th>" for c in cols)
        body = "".join("<tr>" + "".join(f"<td>{html.escape(str(v))}</td>" for v in row)
                       + "</tr>" for row in shown.itertuples(index=False))
        self.html.append(f"<table><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>"
                         f"<p class='src'>Table: <a href='{name}.csv'>{name}.csv</a></p>")

    def figure(self, fig: Any, name: str, caption: str) -> None:
        import matplotlib.pyplot as plt

        png, svg = self.out / f"{name}.png", self.out / f"{name}.svg"
        fig.savefig(png, dpi=110, bbox_inches="tight")
        fig.savefig(svg, bbox_inches="tight")
        buf = io.BytesIO()
        fig.savefig(buf, format="png", dpi=110, bbox_inches="tight")
        plt.close(fig)
        self.files += [png, svg]
        data = base64.b64encode(buf.getvalue()).decode()
        self.md.append(f"![{caption}]({name}.png)\n\n*{caption}*\n")
        self.html.append(f"<figure><img src='data:image/png;base64,{data}' alt='"
                         f"{html.escape(caption)}'><figcaption>{html.escape(caption)}"
                         f"</figcaption></figure>")


_CSS = """
body{font-family:Georgia,serif;max-width:60rem;margin:2rem auto;padding:0 1rem;color:#222}
h1{font-size:1.8rem} h2{margin-top:2.2rem;border-bottom:1px solid #ccc}
table{border-collapse:collapse;font-size:.85rem;margin:.5rem 0;display:block;overflow-x:auto}
td,th{border:1px solid #ccc;padding:.2rem .45rem;text-align:right}
th{background:#f3f3f3} figure{margin:1rem 0} img{max-width:100%}
figcaption,.src{font-size:.85rem;color:#555} .note{background:#fff8e0;padding:.5rem}
"""


def _industry_designs(scenario_doc: dict[str, Any], base_dir: Path | None,
                      progress: ProgressBar) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Equilibrium prices and costs for every design x CEA price; enterprise costs."""
    from optimize import parse_scenario
    from optimize.industry import IndustryModel

    rows, ent_rows = [], []
    # the scenario's own linkage settings (basis or policy rate, caps) are kept; the designs
    # only switch the two levers on or off, and the CEA price is swept
    own = {k: v for k, v in scenario_doc.get("linkage", {}).items()
           if k not in ("cea_price", "allow_cea_for_deficits", "allow_credit_offsets")}
    if "basis" not in own and "exchange_rate_credits_per_t" not in own:
        own["basis"] = "ttw-real-world"
    for design, (cea_on, offsets_on) in DESIGNS.items():
        doc = {k: v for k, v in scenario_doc.items() if k != "linkage"}
        linked = cea_on or offsets_on
        if linked:
            doc["linkage"] = {**own, "cea_price": CEA_PRICES[0],
                              "allow_cea_for_deficits": cea_on,
                              "allow_credit_offsets": offsets_on}
            if offsets_on and "ets" not in doc and "offset_cap_t" not in own:
                doc["ets"] = {}  # offsets need a bound: the shipped ETS side (issue 13)
        sc = parse_scenario(doc, file="<brief>", base=base_dir)
        model = IndustryModel(sc)
        res = None
        for price in CEA_PRICES:
            # without a link the CEA price plays no part: one solve serves every price
            if linked and price != CEA_PRICES[0]:
                model.set_prices(cea_price=dict.fromkeys(sc.years, price))
            if res is None or linked:
                res = model.solve()
            for r in res.prices.itertuples():
                rows.append({"design": design, "cea_price_cny_per_t": price, "year": r.year,
                             "nev_price_cny_per_credit": r.nev_price_cny_per_credit,
                             "implied_carbon_price_cny_per_t":
                                 r.implied_carbon_price_cny_per_t,
                             "industry_cost_cny": res.total_cost_cny})
            if price == 100.0:
                e = res.enterprises.groupby("enterprise")["cost_cny"].sum()
                for name, cost in e.items():
                    ent_rows.append({"design": design, "enterprise": name, "cost_cny": cost})
            progress.step(f"industry: {design}, CEA {price:.0f} CNY/t")
    return pd.DataFrame(rows), pd.DataFrame(ent_rows)


def make_brief(scenario: str | Path | None = None, out: str | Path = "brief",
               *, progress: bool | None = None, overwrite: bool = False) -> Brief:
    """Write the policy brief, whole or not at all.

    Every file is written into a hidden sibling folder of ``out`` that is renamed to ``out``
    at the end: a failure or an interrupt leaves an existing brief as it was (and no new
    one).

    Parameters
    ----------
    scenario : path, optional
        A scenario file (the optimizer's format) for the industry sections; default: the
        calibrated illustrative industry, 2025-2027, with a penalty of 5,000 CNY per uncovered
        credit.
    out : path
        Output folder.
    progress : bool, optional
        Progress bar on stderr (default: when stderr is a terminal).
    overwrite : bool
        Replace an existing (non-empty) ``out``; otherwise it is refused before any work.

    Returns
    -------
    Brief

    Raises
    ------
    linkage.outputs.OutputError
        ``out`` cannot be written, exists (without ``overwrite``) or is locked by another run.

    Notes
    -----
    The appendix lists the provisional or scenario rule parameters the brief's computations
    looked up (recorded by :func:`~linkage.rules.record_lookups`), not every such entry of the
    rulebooks.
    """
    final = Path(out)
    with OutputDir(final, overwrite=overwrite,
                   protect=[scenario] if scenario is not None else []) as tmp, \
            record_lookups() as used:
        b = _compose(scenario, tmp, progress, used)
    b.out = final
    b.files = [final / p.relative_to(tmp) for p in b.files]
    return b


def _used_parameters(used: ParameterLog) -> pd.DataFrame:
    """One row per provisional/scenario parameter value looked up, with the years it served."""
    e = pd.DataFrame(used.entries(), columns=["year", "key", "value", "unit", "status",
                                              "source"])
    e["value"] = e["value"].astype(str)
    rows = []
    for (key, value, unit, status, source), g in e.groupby(
            ["key", "value", "unit", "status", "source"], sort=True):
        ys = sorted(g["year"])
        rows.append({"key": key, "value": value, "unit": unit,
                     "years": f"{ys[0]}-{ys[-1]}" if len(ys) > 1 else str(ys[0]),
                     "status": status, "source": source})
    return pd.DataFrame(rows, columns=["key", "value", "unit", "years", "status", "source"])


def _compose(scenario: str | Path | None, out: Path, progress: bool | None,
             used: ParameterLog) -> Brief:
    """Compute the brief and write its files into the (temporary) folder ``out``."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    from conversions import (
        cea_prices,
        get_basis,
        list_bases,
        nev_credit_prices,
        sample_bases,
        tonnes_per_credit,
    )
    from linkage.data import miit_annual
    from linkage.rules import default_rules

    prog = progress_bar(6 + len(DESIGNS) * len(CEA_PRICES), enabled=progress, width=24,
                        label=True)
    d = _Doc(out)
    b = Brief(out)
    plt.rcParams.update({"figure.figsize": (7.5, 3.6), "axes.grid": True,
                         "grid.alpha": 0.3, "font.size": 9})

    # ------------------------------------------------------------ inputs
    if scenario is None:
        from linkage.industry import illustrative_industry
        from optimize import industry_scenario_document

        ind = illustrative_industry()
        scen_doc = industry_scenario_document(ind, list(BRIEF_YEARS), penalty=5000.0,
                                              name="calibrated illustrative industry")
        base_dir = None
        scen_label = ("the calibrated illustrative industry (119 synthetic enterprises whose "
                      "2023 totals match MIIT's announcement), 2025-2027")
        assumptions = ind.assumptions
    else:
        from optimize.scenario import read_scenario_document

        scen_doc = read_scenario_document(scenario)  # errors name the file and the key
        base_dir = Path(scenario).resolve().parent
        scen_label = f"the scenario {Path(scenario).name}"
        assumptions = {}
    prog.step("inputs")

    d.html.append("<h1>China's dual-credit policy and the carbon market: a brief</h1>")
    d.md.append("# China's dual-credit policy and the carbon market: a brief\n")
    d.p("Generated by dualcredit-linkage from published MIIT announcements, the rulebooks "
        "shipped with the library, named conversion bases and " + scen_label + ". Every "
        "number below is computed; provisional rules and assumptions are listed in the "
        "appendix.")

    # ------------------------------------------------------------ 1. numbers
    m = miit_annual()
    # the announcements read in full (2024 is known from the press only: secondary, incomplete)
    allg = m[(m["group"] == "all") & (m["status"] == "official")].sort_values("year")
    t = allg[["year", "firms", "volume_10k_vehicles", "cafc_positive_10k_credits",
              "cafc_negative_10k_credits", "nev_positive_10k_credits",
              "nev_negative_10k_credits", "cafc_actual_l_per_100km"]].reset_index(drop=True)
    last = t.iloc[-1]
    nev_cover = last["nev_positive_10k_credits"] / last["nev_negative_10k_credits"]
    b.headlines["nev_positive_over_negative_2023"] = float(nev_cover)
    b.headlines["cafc_actual_2023"] = float(last["cafc_actual_l_per_100km"])
    d.h("1. The dual-credit system in numbers, 2016-2023")
    d.p(f"In {int(last['year'])}, {int(last['firms'])} enterprises produced or imported "
        f"{_fmt(last['volume_10k_vehicles'], 1)} x 10^4 passenger cars with an average actual "
        f"fuel consumption of {last['cafc_actual_l_per_100km']:.2f} L/100 km (WLTC). They "
        f"earned {_fmt(last['nev_positive_10k_credits'], 1)} x 10^4 NEV positive credits "
        f"against {_fmt(last['nev_negative_10k_credits'], 1)} x 10^4 negative: "
        f"{nev_cover:.1f} times as many.")
    d.table(t, "miit_annual")
    fig, ax = plt.subplots()
    w = 0.2
    x = np.arange(len(t))
    for i, (col, lab) in enumerate([("cafc_positive_10k_credits", "CAFC +"),
                                    ("cafc_negative_10k_credits", "CAFC -"),
                                    ("nev_positive_10k_credits", "NEV +"),
                                    ("nev_negative_10k_credits", "NEV -")]):
        ax.bar(x + (i - 1.5) * w, t[col].fillna(0), w, label=lab)
    ax.set_xticks(x, t["year"].astype(int))
    ax.set_ylabel("10^4 credits")
    ax.legend(ncol=4, fontsize=8)
    d.figure(fig, "credits_by_year", "Positive and negative credits by year (MIIT).")
    prog.step("MIIT history")

    # ------------------------------------------------------------ 2. ratio
    rules = default_rules()
    trig = rules.for_year(2024)
    deposit, release = float(trig["pool.deposit_trigger_ratio"]), float(
        trig["pool.release_trigger_ratio"])
    hist = t[["year"]].copy()
    neg = t["nev_negative_10k_credits"].fillna(0) + t["cafc_negative_10k_credits"]
    hist["supply_demand_ratio"] = t["nev_positive_10k_credits"] / neg
    from linkage.market import supply_demand_ratio
    from optimize import parse_scenario

    sc0 = parse_scenario(scen_doc, file="<brief>", base=base_dir)
    st0 = pd.concat([e.statements() for e in sc0.enterprises], ignore_index=True)
    fwd = supply_demand_ratio(st0, sc0.rules)["ratio"].reset_index()
    fwd.columns = ["year", "supply_demand_ratio"]
    d.h("2. Supply/demand ratio and the credit pool")
    r23 = float(hist["supply_demand_ratio"].iloc[-1])
    b.headlines["supply_demand_ratio_2023"] = r23
    d.p(f"The pool (Order No. 64) takes deposits when the industry supply/demand ratio is "
        f"above {deposit:g} and releases them below {release:g}. From MIIT's aggregates "
        f"(NEV positive credits / (NEV + CAFC negative credits)) the ratio was {r23:.2f} in "
        f"2023. In the scenario it is "
        + ", ".join(f"{r.supply_demand_ratio:.2f} in {int(r.year)}" for r in fwd.itertuples())
        + ".")
    fig, ax = plt.subplots()
    ax.plot(hist["year"], hist["supply_demand_ratio"], "o-", label="MIIT aggregates")
    ax.plot(fwd["year"], fwd["supply_demand_ratio"], "s--", label="scenario")
    ax.axhline(deposit, color="green", lw=1, label=f"deposit trigger {deposit:g}")
    ax.axhline(release, color="red", lw=1, label=f"release trigger {release:g}")
    ax.set_yscale("log")
    ax.set_ylabel("supply / demand")
    ax.legend(fontsize=8)
    d.figure(fig, "supply_demand_ratio", "Industry NEV credit supply/demand ratio and the "
             "pool triggers.")
    d.table(pd.concat([hist.assign(source="MIIT"), fwd.assign(source="scenario")]),
            "supply_demand_ratio")
    prog.step("supply/demand ratio")

    # ------------------------------------------------------------ 3. CO2 worth
    d.h("3. What a credit is worth in CO2")
    presets = list_bases()
    tpc = float(tonnes_per_credit(get_basis("ttw-real-world")).to(
        "t_CO2e / cafc_credit").magnitude)
    b.headlines["t_co2e_per_credit_ttw_real_world"] = tpc
    draws = sample_bases(20_000, seed=2023)
    col = "t_co2e_per_credit"
    lo, hi = (float(np.quantile(draws[col], q)) for q in (0.05, 0.95))
    b.headlines["t_per_credit_p05"], b.headlines["t_per_credit_p95"] = lo, hi
    prices = nev_credit_prices()
    cea = cea_prices()
    p21 = float(prices.loc[prices["year"] == 2021, "average_cny_per_credit"].iloc[0])
    cea_col = "average_cny_per_t" if "average_cny_per_t" in cea else cea.columns[1]
    c21 = float(cea.loc[cea["year"] == 2021, cea_col].iloc[0])
    implied = p21 / tpc
    b.headlines["implied_carbon_price_2021"] = implied
    d.p(f"A CAFC credit is 1 L/100 km below target for one vehicle. On the tank-to-wheel, "
        f"real-world basis (2.348 kg CO2/L, 150,000 km, lab-to-road gap 1.37) it is "
        f"{tpc:.3f} t CO2e; over the sampled assumptions the 90 % interval is "
        f"{lo:.1f}-{hi:.1f} t per credit. The 2021 NEV credit price of {_fmt(p21)} CNY "
        f"therefore implied {implied:.1f} CNY/t CO2e, {implied / c21:.1f} times the 2021 CEA "
        f"price of {c21:.1f} CNY/t.")
    presets = presets.reset_index(drop=True) if "name" in presets else presets.reset_index()
    d.table(presets.drop(columns=["description"], errors="ignore"), "conversion_bases",
            floatfmt="{:,.4g}")
    ip = prices[["year", "average_cny_per_credit"]].copy()
    ip["implied_carbon_price_cny_per_t"] = ip["average_cny_per_credit"] / tpc
    ip = ip.merge(cea[["year", cea_col]].rename(columns={cea_col: "cea_price_cny_per_t"}),
                  on="year", how="outer").sort_values("year")
    d.table(ip, "implied_carbon_price")
    fig, (a1, a2) = plt.subplots(1, 2, figsize=(8.5, 3.2))
    a1.hist(draws[col], bins=60, color="#4a7")
    a1.axvline(lo, color="k", lw=1)
    a1.axvline(hi, color="k", lw=1)
    a1.set_xlabel("t CO2e per credit")
    a1.set_title("conversion assumptions (90 % interval)", fontsize=9)
    a2.plot(ip["year"], ip["implied_carbon_price_cny_per_t"], "o-", label="implied by NEV "
            "credit price")
    a2.plot(ip["year"], ip["cea_price_cny_per_t"], "s-", label="CEA price")
    a2.set_ylabel("CNY / t CO2e")
    a2.legend(fontsize=8)
    d.figure(fig, "credit_co2_value", "A credit's CO2 worth and the implied carbon price "
             "against the CEA price.")
    prog.step("conversions")

    # ------------------------------------------------------------ 4. designs
    table, ents = _industry_designs(scen_doc, base_dir, prog)
    d.h("4. Equilibrium NEV credit price and industry cost under linkage designs")
    avg = (table.groupby(["design", "cea_price_cny_per_t"])
           .agg(nev_price_cny_per_credit=("nev_price_cny_per_credit", "mean"),
                industry_cost_cny=("industry_cost_cny", "first")).reset_index())
    none_cost = float(avg.loc[avg["design"] == "no linkage", "industry_cost_cny"].iloc[0])
    best = avg.loc[avg["industry_cost_cny"].idxmin()]
    b.headlines["industry_cost_no_linkage_cny"] = none_cost
    none_price = float(avg.loc[avg["design"] == "no linkage",
                               "nev_price_cny_per_credit"].iloc[0])
    off = avg[(avg["design"] == "credits -> ETS offsets")
              & (avg["cea_price_cny_per_t"] == 100.0)]
    off_price = float(off["nev_price_cny_per_credit"].iloc[0]) if len(off) else float("nan")
    off_cost = float(off["industry_cost_cny"].iloc[0]) if len(off) else float("nan")
    b.headlines["nev_price_offsets_cea100"] = off_price
    state = ("oversupplied: NEV credits are worth nothing at the margin"
             if none_price == 0 else "short of credits")
    d.p(f"All enterprises of {scen_label} trade NEV credits; the market clears every year "
        f"and its dual is the equilibrium price (money of each year; the chart averages the "
        f"years). Without a link the market is {state}: the average NEV credit price is "
        f"{none_price:,.1f} CNY/credit and the industry's compliance cost "
        f"{_fmt(none_cost)} CNY. A CEA surrender link caps the credit price at CEA price x "
        f"{tpc:.3f} t per credit, so it only matters when credits are short. Letting "
        f"surplus credits be sold into the ETS as offsets, within the ETS's offset-use limit "
        f"(share of covered emissions less other offsets, shipped [ets] records), gives "
        f"surplus credits the CEA value: at 100 CNY/t the NEV credit price becomes "
        f"{off_price:,.1f} CNY/credit "
        f"and the industry's net cost {_fmt(off_cost)} CNY (a negative cost is revenue from "
        f"offsets, paid by ETS entities). The lowest net cost in the sweep is "
        f"'{best['design']}' at {best['cea_price_cny_per_t']:.0f} CNY/t.")
    fig, (a1, a2) = plt.subplots(1, 2, figsize=(9, 3.4))
    for design, g in avg.groupby("design"):
        a1.plot(g["cea_price_cny_per_t"], g["nev_price_cny_per_credit"], "o-", label=design)
        a2.plot(g["cea_price_cny_per_t"], g["industry_cost_cny"] / 1e6, "o-", label=design)
    a1.set_xlabel("CEA price [CNY/t CO2e]")
    a1.set_ylabel("NEV credit price [CNY/credit]")
    a2.set_xlabel("CEA price [CNY/t CO2e]")
    a2.set_ylabel("industry cost [million CNY]")
    a1.legend(fontsize=7)
    d.figure(fig, "linkage_designs", "Average equilibrium NEV credit price and industry "
             "cost by linkage design and CEA price.")
    d.table(table, "equilibrium_prices")

    # ------------------------------------------------------------ 5. winners
    d.h("5. Which enterprises gain and lose")
    piv = ents.pivot_table(index="enterprise", columns="design", values="cost_cny")
    piv["gain_both_ways_vs_none_cny"] = piv["no linkage"] - piv["both ways"]
    piv = piv.sort_values("gain_both_ways_vs_none_cny")
    movers = pd.concat([piv.head(5), piv.tail(5)]).reset_index()
    top = movers.iloc[-1]
    d.p(f"At a CEA price of 100 CNY/t, linking both ways changes each enterprise's cost "
        f"(purchases and sales at the equilibrium price, CEAs, offsets, abatement, "
        f"penalties). The largest gain is {top['enterprise']}'s "
        f"({_fmt(top['gain_both_ways_vs_none_cny'])} CNY); the table lists the five largest "
        f"losses and gains.")
    d.table(movers, "enterprise_gains", floatfmt="{:,.0f}")
    fig, ax = plt.subplots(figsize=(7.5, 3.2))
    ax.barh(movers["enterprise"], movers["gain_both_ways_vs_none_cny"] / 1e6,
            color=["#c44" if v < 0 else "#4a7" for v in movers["gain_both_ways_vs_none_cny"]])
    ax.set_xlabel("gain from linking both ways [million CNY]")
    ax.tick_params(axis="y", labelsize=7)
    d.figure(fig, "enterprise_gains", "Enterprises that gain and lose from a two-way link "
             "(CEA 100 CNY/t).")
    prog.step("enterprises")

    # ------------------------------------------------------------ appendix
    d.h("Appendix: provisional rule parameters and assumptions")
    prov = _used_parameters(used)
    d.p(f"The computations above looked up {len(prov)} provisional or scenario rule parameter "
        "values (recorded as they were read; status, source and the compliance years they "
        "served below); conversion assumptions are in the conversion_bases table above.")
    d.table(prov, "provisional_parameters")
    if assumptions:
        a = pd.DataFrame([{"assumption": k, **(v if isinstance(v, dict) else {"value": v})}
                          for k, v in assumptions.items()])
        a = a.astype({c: str for c in a.columns})
        d.table(a, "industry_assumptions")
    prog.step("appendix")
    prog.close()

    md_path, html_path = out / "brief.md", out / "brief.html"
    md_path.write_text("\n".join(d.md) + "\n", encoding="utf-8")
    html_path.write_text(
        "<!doctype html><html lang='en'><head><meta charset='utf-8'><title>Dual-credit "
        f"brief</title><style>{_CSS}</style></head><body>" + "\n".join(d.html)
        + "</body></html>", encoding="utf-8")
    b.files = [*d.files, md_path, html_path]
    b.sections = d.sections
    return b
