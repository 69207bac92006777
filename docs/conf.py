"""Sphinx configuration of the documentation site.

Build (from the repository root; CI runs exactly this in ``.ci/run``)::

    python -m pip install ".[docs]" && sphinx-build -W --keep-going -b html docs docs/_build/html

The Markdown pages of ``docs/`` are read by MyST and stay plain GitHub Markdown (relative
links, ``$...$`` math, headings whose GitHub anchors the site reproduces); the API reference is
generated from the docstrings (numpydoc) of the public names (``__all__``) of ``conversions``,
``linkage``, ``linkage.ledger`` and ``optimize``; the gallery runs every script of
``examples/`` (sphinx-gallery), each with ``--out`` pointing into ``docs/_build/``.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path

DOCS = Path(__file__).resolve().parent
ROOT = DOCS.parent
# document (and run the examples against) this source tree, not an older installed copy
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(DOCS))  # _apiref.py, _gallery.py
os.environ.setdefault("MPLBACKEND", "Agg")

from _apiref import public_data, reexported_classes  # noqa: E402

import linkage  # noqa: E402

# -- project -----------------------------------------------------------------------------------
project = "dualcredit-linkage"
author = "dualcredit-linkage contributors"
copyright = "dualcredit-linkage contributors, BSD-3-Clause"
release = linkage.__version__
version = ".".join(release.split(".")[:2])

# -- general -----------------------------------------------------------------------------------
extensions = [
    "sphinx.ext.autodoc",
    "sphinx.ext.autosummary",
    "sphinx.ext.mathjax",
    "numpydoc",
    "myst_parser",
    "sphinx_gallery.gen_gallery",
]
root_doc = "index"
source_suffix = {".rst": "restructuredtext", ".md": "markdown"}
templates_path = ["api/_templates"]
exclude_patterns = [
    "_build",
    "img",
    "**/GALLERY_HEADER.rst",
    "auto_examples/*.ipynb",
    "auto_examples/*.py",
    "auto_examples/*.zip",
    "auto_examples/*.md5",
    "auto_examples/*.json",
]
# plain ASCII quotes and dashes, as in the Markdown (commands and keys are copied from the pages)
smartquotes = False

# -- MyST: the Markdown pages ------------------------------------------------------------------
myst_enable_extensions = ["dollarmath", "amsmath"]
# anchors for "page.md#heading" links, the same slugs as GitHub's
myst_heading_anchors = 6

# -- autodoc, autosummary, numpydoc: the API reference -----------------------------------------
autosummary_generate = True
autosummary_imported_members = True  # the packages re-export names defined in submodules
autosummary_ignore_module_all = False  # a package's public names are its __all__
autodoc_default_options = {"member-order": "bysource"}
autodoc_typehints = "none"  # short signatures: the types are in the numpydoc parameter lists
autodoc_preserve_defaults = True
#: the packages of the reference, in the order of the page (docs/api/index.rst lists them)
API_PACKAGES = ["conversions", "linkage", "linkage.ledger", "optimize"]
autosummary_context = {
    "reexported": reexported_classes(API_PACKAGES),
    "public_data": public_data(API_PACKAGES),
}
numpydoc_show_class_members = False  # the class template lists the members itself
numpydoc_class_members_toctree = False

# -- sphinx-gallery: every script of examples/ runs ------------------------------------------
sphinx_gallery_conf = {
    "examples_dirs": "../examples",  # relative to docs/
    "gallery_dirs": "auto_examples",
    "filename_pattern": r".*\.py$",  # run every script, not only plot_*.py
    "ignore_pattern": r"(__init__|make_demo_fleet)\.py$",
    "reset_argv": "_gallery.example_argv",  # --out DIR under docs/_build/gallery-out
    "image_scrapers": ("matplotlib", "_gallery.saved_charts"),  # the PNGs saved in --out
    "abort_on_example_error": True,
    # run every example at every build, even when its file did not change: its output depends
    # on the library too (CI's builds are fresh anyway)
    "run_stale_examples": True,
    "only_warn_on_example_error": False,
    "download_all_examples": False,
    "plot_gallery": "True",
    "remove_config_comments": True,
    "show_signature": False,
    "within_subsection_order": "FileNameSortKey",
}

# -- HTML --------------------------------------------------------------------------------------
html_theme = "furo"
html_title = f"dualcredit-linkage {release}"
html_static_path = ["_static"]
html_css_files = ["site.css"]
html_show_sourcelink = False
