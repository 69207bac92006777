"""The documentation site's configuration (docs/conf.py, built by CI) covers every page of
docs/, every example and every documented package; no Sphinx build and no Sphinx import here
(the build itself runs in .ci/run: `sphinx-build -W --keep-going -b html docs docs/_build/html`).
"""

from __future__ import annotations

import ast
import importlib
import re
import tomllib
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
DOCS = ROOT / "docs"
EXAMPLES = ROOT / "examples"
BUILD_COMMAND = (
    'python -m pip install ".[docs]" && sphinx-build -W --keep-going -b html docs docs/_build/html'
)
#: folders of docs/ that hold no hand-written page (build output, generated stubs)
GENERATED = {"_build", "auto_examples", "generated"}
_TOCTREE = re.compile(r"^```\{toctree\}[^\n]*\n(.*?)^```", re.MULTILINE | re.DOTALL)


def _conf() -> dict[str, object]:
    """The literal assignments of docs/conf.py (strings, lists, dicts), without running it."""
    values: dict[str, object] = {}
    for node in ast.parse((DOCS / "conf.py").read_text(encoding="utf-8")).body:
        if isinstance(node, ast.Assign | ast.AnnAssign):
            targets = node.targets if isinstance(node, ast.Assign) else [node.target]
            try:
                value = ast.literal_eval(node.value)
            except ValueError:
                continue
            for target in targets:
                if isinstance(target, ast.Name):
                    values[target.id] = value
    return values


def _pages() -> set[str]:
    """Docnames of the hand-written Markdown pages of docs/ ("index", "user-guide", ...)."""
    return {p.relative_to(DOCS).with_suffix("").as_posix() for p in DOCS.rglob("*.md")
            if not GENERATED & set(p.relative_to(DOCS).parts)}


def _toctree_entries() -> list[tuple[str, str]]:
    """(page, entry) of every entry of every ```{toctree} block of the Markdown pages."""
    out = []
    for page in sorted(_pages()):
        text = (DOCS / f"{page}.md").read_text(encoding="utf-8")
        for block in _TOCTREE.findall(text):
            for line in block.splitlines():
                line = line.strip()
                if line and not line.startswith(":"):
                    out.append((page, (Path(page).parent / line).as_posix()))
    return out


def test_conf_declares_the_extensions_and_the_root_page():
    conf = _conf()
    assert {"sphinx.ext.autodoc", "sphinx.ext.autosummary", "numpydoc", "myst_parser",
            "sphinx_gallery.gen_gallery"} <= set(conf["extensions"])
    assert conf["root_doc"] == "index"
    assert (DOCS / "index.md").is_file()
    assert conf["autosummary_generate"] is True


def test_every_markdown_page_is_in_the_toctree():
    """A page of docs/ missing from the toctree would be built as an orphan (a warning, so a
    failed build); this says which page, without a build."""
    entries = {entry for _, entry in _toctree_entries()}
    orphans = sorted(_pages() - entries - {"index"})
    assert not orphans, f"pages of docs/ in no toctree (add them to docs/index.md): {orphans}"


def test_every_toctree_entry_exists():
    """Each entry is a page of docs/, or a page the build generates (the gallery's index,
    written by sphinx-gallery into auto_examples/)."""
    conf = _conf()
    generated = {f"{conf['sphinx_gallery_conf']['gallery_dirs']}/index"}
    missing = [f"{page}: {entry}" for page, entry in _toctree_entries()
               if entry not in generated
               and not any((DOCS / f"{entry}{suffix}").is_file() for suffix in (".md", ".rst"))]
    assert not missing, missing
    entries = [entry for _, entry in _toctree_entries()]
    assert len(entries) == len(set(entries)), f"a page is listed twice: {entries}"
    assert "api/index" in entries and generated <= set(entries)


def test_toctree_is_a_fenced_block_github_shows_as_code():
    """The pages stay plain GitHub Markdown: the toctree is a ``` fence (shown as a code
    block on GitHub), never a ::: fence (shown as text)."""
    for page in _pages():
        text = (DOCS / f"{page}.md").read_text(encoding="utf-8")
        assert ":::{" not in text, page
    assert _TOCTREE.search((DOCS / "index.md").read_text(encoding="utf-8"))


def test_gallery_runs_every_example_script():
    """sphinx-gallery executes the scripts its filename_pattern matches and its
    ignore_pattern does not (re.search on the path, as sphinx-gallery does)."""
    gallery = _conf()["sphinx_gallery_conf"]
    assert (DOCS / gallery["examples_dirs"]).resolve() == EXAMPLES
    scripts = sorted(EXAMPLES.glob("*.py"))
    assert scripts
    for script in scripts:
        path = str(script)
        assert re.search(gallery["filename_pattern"], path), f"{script.name} would not run"
        assert not re.search(gallery["ignore_pattern"], path), f"{script.name} is ignored"
    assert re.search(gallery["ignore_pattern"], str(EXAMPLES / "data" / "make_demo_fleet.py"))
    assert gallery["abort_on_example_error"] is True
    assert gallery["reset_argv"] == "_gallery.example_argv"
    assert (EXAMPLES / "GALLERY_HEADER.rst").is_file()


def test_gallery_helpers_exist():
    """The dotted names the configuration gives sphinx-gallery name functions of docs/."""
    gallery = _conf()["sphinx_gallery_conf"]
    names = [gallery["reset_argv"]] + [s for s in gallery["image_scrapers"] if "." in s]
    for dotted in names:
        module, func = dotted.rsplit(".", 1)
        tree = ast.parse((DOCS / f"{module}.py").read_text(encoding="utf-8"))
        assert func in {n.name for n in tree.body if isinstance(n, ast.FunctionDef)}, dotted


@pytest.mark.parametrize("script", sorted(p.name for p in EXAMPLES.glob("*.py")))
def test_example_docstring_starts_with_a_title(script):
    """sphinx-gallery takes an example's page title from its docstring: a title line
    underlined with '=' (without it, the gallery's toctree has an untitled page: a warning)."""
    doc = ast.get_docstring(ast.parse((EXAMPLES / script).read_text(encoding="utf-8")),
                            clean=False)
    assert doc, f"{script} has no docstring"
    lines = doc.splitlines()
    assert len(lines) >= 3, script
    title, underline = lines[0].strip(), lines[1].strip()
    assert title and set(underline) == {"="} and len(underline) >= len(title), (
        f"{script}: the docstring must start with a title underlined with '=', got "
        f"{lines[:2]}")
    assert lines[2].strip() == "", f"{script}: a blank line must follow the title"


def test_api_reference_lists_every_package_with_all():
    """docs/api/index.rst documents the packages of API_PACKAGES, in that order, and each
    has an ``__all__`` (the names the reference documents)."""
    conf = _conf()
    packages = conf["API_PACKAGES"]
    text = (DOCS / "api" / "index.rst").read_text(encoding="utf-8")
    block = text.split(":template: package.rst", 1)[1]
    listed = [line.strip() for line in block.splitlines() if line.strip()]
    assert listed == packages
    assert {"conversions", "linkage", "optimize"} <= set(packages)
    for name in packages:
        module = importlib.import_module(name)
        assert module.__all__, name
    assert (DOCS / "api" / "_templates" / "package.rst").is_file()
    assert (DOCS / "api" / "_templates" / "class.rst").is_file()


def test_ci_builds_the_site_after_the_tests_and_the_readme_says_how():
    ci = (ROOT / ".ci" / "run").read_text(encoding="utf-8")
    lines = [line.strip() for line in ci.splitlines()]
    assert BUILD_COMMAND in lines
    tests = lines.index('python -m pip install ".[test]" && python -m pytest')
    assert lines.index(BUILD_COMMAND) > tests
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    assert "## Documentation\n" in readme
    assert BUILD_COMMAND in readme
    # the README's first two commands stay at the top
    first_block = re.search(r"```bash\n(.*?)```", readme, re.DOTALL).group(1).splitlines()
    assert first_block == ["python -m pip install . && linkage brief --out brief",
                           'python -m pip install ".[test]" && python -m pytest']


def test_docs_extra_and_ignored_build_output():
    extras = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))[
        "project"]["optional-dependencies"]
    names = {re.split(r"[<>=!~\[ ]", req, maxsplit=1)[0].lower() for req in extras["docs"]}
    assert {"sphinx", "numpydoc", "myst-parser", "sphinx-gallery"} <= names
    ignored = (ROOT / ".gitignore").read_text(encoding="utf-8").splitlines()
    for path in ("docs/_build/", "docs/api/generated/", "docs/auto_examples/"):
        assert path in ignored, path
