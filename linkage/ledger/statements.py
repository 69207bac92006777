"""Credit statements as the ledger reads them."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd

from linkage.errors import InputError

__all__ = ["prepare_statements"]

_REQUIRED = ("enterprise", "year", "cafc_credits", "nev_credits")


def prepare_statements(
    statements: pd.DataFrame | str | Path,
) -> tuple[pd.DataFrame, list[str]]:
    """Validate statements for the ledger.

    Parameters
    ----------
    statements : DataFrame or path
        One row per enterprise and year: ``enterprise``, ``year``, ``cafc_credits``,
        ``nev_credits`` [credit, signed]; optional ``group`` (affiliate group; default: the
        enterprise alone) and ``nev_carry_eligible`` (default True, reported). The CSV written
        by ``linkage credits --out`` qualifies.

    Returns
    -------
    (DataFrame, list of str)
        Clean statements sorted by enterprise and year, and the assumptions made.

    Raises
    ------
    InputError
        Naming file, row and column.
    """
    name = "<DataFrame>"
    if not isinstance(statements, pd.DataFrame):
        name = str(statements)
        try:
            statements = pd.read_csv(statements)
        except FileNotFoundError:
            raise InputError("statements file not found", file=name) from None
        except (pd.errors.ParserError, pd.errors.EmptyDataError, UnicodeDecodeError) as exc:
            raise InputError(f"not a readable CSV file: {exc}", file=name) from None
        rows = np.arange(len(statements)) + 2
    else:
        rows = np.arange(len(statements))
    st = statements.copy()
    for col in _REQUIRED:
        if col not in st.columns:
            raise InputError("required column missing", file=name, row=1, column=col)
    assumptions: list[str] = []
    for col in ("year", "cafc_credits", "nev_credits"):
        num = pd.to_numeric(st[col], errors="coerce").to_numpy(dtype=float)
        bad = ~np.isfinite(num)
        if bad.any():
            i = int(np.flatnonzero(bad)[0])
            raise InputError(f"expected a finite number, got {st[col].iloc[i]!r}", file=name,
                             row=int(rows[i]), column=col)
        st[col] = num
    st["year"] = st["year"].astype(np.int64)
    st["enterprise"] = st["enterprise"].astype(str)
    if "group" not in st.columns:
        st["group"] = st["enterprise"]
    else:
        st["group"] = st["group"].where(st["group"].notna(), st["enterprise"]).astype(str)
    if "nev_carry_eligible" not in st.columns:
        st["nev_carry_eligible"] = True
        assumptions.append(
            "nev_carry_eligible not given: every NEV vintage is treated as eligible for "
            "carry-forward (the conventional-fleet threshold is assumed met)"
        )
    else:
        raw = st["nev_carry_eligible"]
        if pd.api.types.is_bool_dtype(raw.dtype):
            st["nev_carry_eligible"] = raw.astype(bool)
        else:
            text = raw.astype(str).str.strip().str.lower()
            yes = text.isin(["true", "1", "1.0", "yes"]).to_numpy()
            no = text.isin(["false", "0", "0.0", "no"]).to_numpy()
            bad = ~(yes | no)
            if bad.any():
                i = int(np.flatnonzero(bad)[0])
                raise InputError(f"expected true or false, got {raw.iloc[i]!r}", file=name,
                                 row=int(rows[i]), column="nev_carry_eligible")
            st["nev_carry_eligible"] = yes
    dup = st.duplicated(["enterprise", "year"]).to_numpy()
    if dup.any():
        i = int(np.flatnonzero(dup)[0])
        raise InputError(f"enterprise {st['enterprise'].iloc[i]!r} appears twice in "
                         f"{int(st['year'].iloc[i])}", file=name, row=int(rows[i]),
                         column="enterprise")
    groups = st.groupby("enterprise")["group"].nunique()
    if (groups > 1).any():
        e = groups.index[groups > 1][0]
        raise InputError(f"enterprise {e!r} belongs to more than one group", file=name,
                         column="group")
    keep = ["enterprise", "year", "group", "cafc_credits", "nev_credits", "nev_carry_eligible"]
    st = st[keep].sort_values(["enterprise", "year"]).reset_index(drop=True)
    return st, assumptions
