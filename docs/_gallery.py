"""How the gallery runs the examples (``sphinx_gallery_conf`` in ``docs/conf.py``).

Every script of ``examples/`` takes ``--out DIR`` (the smoke tests in ``tests/test_examples.py``
pass it too). The gallery points it at ``docs/_build/gallery-out/<script>``, so that a build
writes nothing into ``examples/`` or the temporary folder, gives each script its
``__file__``, and shows the charts (PNG) a script saves under that folder: the scripts save and
close their figures rather than leave them open for sphinx-gallery's matplotlib scraper.
"""

from __future__ import annotations

import shutil
from pathlib import Path

from sphinx_gallery.scrapers import figure_rst

GALLERY_OUT = Path(__file__).resolve().parent / "_build" / "gallery-out"
_shown: set[Path] = set()


def _out_dir(src_file: str) -> Path:
    return GALLERY_OUT / Path(src_file).stem


def example_argv(gallery_conf: dict, script_vars: dict) -> list[str]:
    """``sys.argv[1:]`` of one example: ``["--out", "docs/_build/gallery-out/<stem>"]``.

    Empties that folder first, and sets the example's ``__file__`` to its path, as
    ``python examples/<script>.py`` does: the scripts find their data files beside themselves,
    and sphinx-gallery runs them in a fresh ``__main__`` namespace without ``__file__``.
    sphinx-gallery calls this function after that namespace (``script_vars["example_globals"]``)
    exists and before the script's first line runs.
    """
    src = Path(script_vars["src_file"]).resolve()
    namespace = script_vars.get("example_globals")
    if namespace is None:
        raise RuntimeError(
            "docs/_gallery.py: this sphinx-gallery version calls reset_argv before the "
            "example's namespace exists; the examples need __file__ set another way")
    namespace["__file__"] = str(src)
    out = _out_dir(str(src))
    shutil.rmtree(out, ignore_errors=True)
    return ["--out", str(out)]


def saved_charts(block, block_vars: dict, gallery_conf: dict) -> str:
    """Image scraper: the PNG files the example saved in its ``--out`` folder.

    Each file is copied to the gallery's image path and shown once: those directly in the
    folder first, then those of its subfolders (the brief's charts), each group in the order
    of the file names; the first is the thumbnail.
    """
    out = _out_dir(block_vars["src_file"])
    found = sorted(out.rglob("*.png"), key=lambda p: (len(p.relative_to(out).parts), p)) \
        if out.is_dir() else []
    new = [p for p in found if p not in _shown]
    names = []
    for png, dest in zip(new, block_vars["image_path_iterator"], strict=False):
        shutil.copyfile(png, dest)
        _shown.add(png)
        names.append(dest)
    return figure_rst(names, gallery_conf["src_dir"])
