"""What the library tells a person: one "did you mean" hint and one progress bar.

Every error naming an unknown key, name or assumption words its hint with
:func:`did_you_mean`; every long run (sweeps, the brief) draws its progress with
:func:`progress_bar` (tqdm on stderr, drawn only when asked or when stderr is a terminal). The
bar starts with ``[`` so a reader of a captured stderr can tell it from messages.
"""

from __future__ import annotations

import sys

from tqdm import tqdm

from conversions.errors import did_you_mean

__all__ = ["ProgressBar", "did_you_mean", "progress_bar"]


class ProgressBar(tqdm):
    """A tqdm bar with :meth:`step`: advance and show what was done."""

    def step(self, label: str = "", n: int = 1) -> None:
        """Count ``n`` steps done, the last of them ``label``."""
        self.set_description_str(label, refresh=False)
        self.update(n)

    def close(self) -> None:
        """End the line; a bar with no step done in this run draws nothing."""
        if not self.disable and self.n == self.initial:
            self.leave = False  # nothing was drawn: leave nothing
        super().close()


def progress_bar(total: int, *, enabled: bool | None = None, initial: int = 0,
                 what: str = "", width: int = 30, label: bool = False) -> ProgressBar:
    """A progress bar on stderr: ``[####......] done/total what (rate)``.

    Parameters
    ----------
    total : int
        Steps in all.
    enabled : bool, optional
        Draw it (default: when stderr is a terminal). A disabled bar counts silently.
    initial : int
        Steps already done (a resumed run).
    what : str
        Name of a step, written after the count (``"scenarios"``).
    width : int
        Bar width [characters].
    label : bool
        Show the current step's label (``bar.set_description_str``) and the elapsed time
        instead of the rate.

    Notes
    -----
    Nothing is drawn before the first step is done, and every step redraws the bar.

    Returns
    -------
    ProgressBar
        Advance it with ``update(n)`` or ``step(label)``; ``close()`` ends the line.
    """
    enabled = sys.stderr.isatty() if enabled is None else enabled
    tail = ("{desc:<48.48s} {elapsed_s:5.1f} s" if label else
            "(" + "{rate_noinv_fmt}" + ")")
    return ProgressBar(total=total, initial=initial, disable=not enabled, file=sys.stderr,
                ascii=".#", unit="", leave=True, dynamic_ncols=False, mininterval=0.0, delay=1e-9,
                bar_format=f"[{{bar:{width}}}] {{n_fmt}}/{{total_fmt}} "
                           + (f"{what} " if what else "") + tail)
