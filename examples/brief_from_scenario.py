"""A policy brief from your own scenario
=====================================

A policy brief (brief.html) from your own scenario file.

ILLUSTRATIVE: the scenario is examples/industry_market.toml (three invented enterprises) with
a lower penalty per uncovered credit (3,000 instead of 5,000 CNY, which caps the equilibrium
NEV credit price), written to ``--out``/scenario.toml; pass your own scenario file
(``--scenario``) to brief on your own enterprises and market. The brief is built by
``linkage.brief.make_brief``; it compares its own set of linkage designs and CEA prices on the
scenario's enterprises, market and penalty. Run from the repository root::

    python examples/brief_from_scenario.py [--out DIR] [--penalty 3000]
    python examples/brief_from_scenario.py --scenario my_market.toml --out my_brief/

Writes ``scenario.toml`` (unless ``--scenario`` is given) and the brief (``brief/brief.html``,
its charts and tables) into ``--out`` (default: a new temporary folder).
"""

from __future__ import annotations

import argparse
import re
import sys
import tempfile
import tomllib
from pathlib import Path

HERE = Path(__file__).resolve().parent

parser = argparse.ArgumentParser(description="A brief from a custom scenario.")
parser.add_argument("--scenario", type=Path, default=None,
                    help="your scenario TOML (default: industry_market.toml, penalty changed)")
parser.add_argument("--penalty", type=float, default=3000,
                    help="penalty per uncovered credit [CNY/credit] of the custom scenario")
parser.add_argument("--out", type=Path, default=None,
                    help="folder for the scenario and the brief (default: a temporary folder)")
args = parser.parse_args()
out = args.out or Path(tempfile.mkdtemp(prefix="brief_from_scenario_"))
out.mkdir(parents=True, exist_ok=True)

try:
    from linkage.brief import make_brief
except ImportError as exc:
    sys.exit(f"linkage.brief is not available in this installation ({exc}); "
             "install a version of dualcredit-linkage that ships it")

if args.scenario is None:
    # the custom scenario: a copy of the shipped example (comments kept), another penalty
    text = (HERE / "industry_market.toml").read_text(encoding="utf-8")
    text, n = re.subn(r"(?m)^penalty_cny_per_credit\s*=.*$",
                      f"penalty_cny_per_credit = {args.penalty:g}    # CNY per uncovered credit",
                      text)
    text, m = re.subn(r'(?m)^name\s*=\s*"(.*)"$',
                      lambda g: f'name = "{g[1]}, penalty {args.penalty:,.0f} CNY/credit"',
                      text, count=1)
    if n != 1 or m != 1:
        sys.exit("industry_market.toml changed shape: cannot find its penalty or name line")
    scenario = out / "scenario.toml"
    scenario.write_text(text, encoding="utf-8")
else:
    scenario = args.scenario

with open(scenario, "rb") as fh:  # a malformed file fails here, with its line and column
    doc = tomllib.load(fh)
print(f"scenario: {scenario}\n    {doc['scenario']['name']} "
      f"({len(doc.get('enterprise', []))} enterprises)")

result = make_brief(scenario=scenario, out=out / "brief", progress=False)
# a Brief (its .html is the page), or a path to the page or its folder
html = Path(getattr(result, "html", result))
if html.suffix != ".html":
    html = html / "brief.html"
if not html.is_file():
    sys.exit(f"make_brief returned {result!r}, but {html} does not exist")
for title in getattr(result, "sections", []):
    print(f"    {title}")
files = sorted(p for p in html.parent.rglob("*") if p.is_file())
print(f"brief: {html} ({html.stat().st_size:,} bytes; {len(files)} files in {html.parent})")
