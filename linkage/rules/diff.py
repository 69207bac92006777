"""What changes between the rulebooks of two compliance years."""

from __future__ import annotations

import pandas as pd

from linkage.rules.loader import ParamValue, Rulebook

__all__ = ["DIFF_COLUMNS", "diff_rulebooks"]

#: Columns of :func:`diff_rulebooks`.
DIFF_COLUMNS = ["key", "changes", "value_from", "unit_from", "status_from", "value_to",
                "unit_to", "status_to", "source_to"]


def _shown(value: ParamValue) -> object:
    return list(value) if isinstance(value, tuple) else value


def diff_rulebooks(first: Rulebook, second: Rulebook) -> pd.DataFrame:
    """Every parameter whose value, unit or status differs between two rulebooks.

    Parameters
    ----------
    first, second : Rulebook
        The rules of two compliance years (e.g. 2025 and 2026).

    Returns
    -------
    DataFrame
        One row per changed key, in schema order of ``first`` then keys only in ``second``:
        :data:`DIFF_COLUMNS`. ``changes`` names what changed (``value``, ``unit``,
        ``status``, ``;``-separated); a key missing from one year shows ``added`` or
        ``removed`` and empty cells for that year. A change of source alone is not listed.
    """
    rows = []
    keys = list(first) + [k for k in second if k not in first]
    for key in keys:
        a = first.parameter(key) if key in first else None
        b = second.parameter(key) if key in second else None
        if a is None or b is None:
            changes = "added" if a is None else "removed"
        else:
            what = [name for name, x, y in (("value", a.value, b.value), ("unit", a.unit, b.unit),
                                            ("status", a.status, b.status)) if x != y]
            if not what:
                continue
            changes = ";".join(what)
        rows.append({
            "key": key, "changes": changes,
            "value_from": None if a is None else _shown(a.value),
            "unit_from": None if a is None else a.unit,
            "status_from": None if a is None else a.status,
            "value_to": None if b is None else _shown(b.value),
            "unit_to": None if b is None else b.unit,
            "status_to": None if b is None else b.status,
            "source_to": None if b is None else b.source,
        })
    return pd.DataFrame(rows, columns=DIFF_COLUMNS)
