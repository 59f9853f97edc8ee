"""Checks of the built HTML, as a reader would meet it, in both languages."""

from __future__ import annotations

import re
from pathlib import Path
from urllib.parse import urlsplit

import pytest

from builtsite import (
    FOLDERS,
    HTML_LANG,
    SITE,
    built_pages,
    require_site,
    search_index,
    soup,
    source_pages,
)

pytestmark = pytest.mark.usefixtures("built_site")

BUILD_PATHS = re.compile(r"(/tmp/|/root/|/home/|/work/|site-packages|dist-packages|ipykernel_)")
ADDRESS = re.compile(r"\bat 0x[0-9a-f]{6,}")


@pytest.fixture(scope="session")
def built_site() -> None:
    require_site()


def _relative(page: Path) -> str:
    return page.relative_to(SITE).as_posix()


@pytest.mark.parametrize("folder", FOLDERS)
def test_every_page_and_example_is_built(folder: str) -> None:
    missing = [name for name in source_pages(folder) if not (SITE / folder / f"{name}.html").exists()]
    assert not missing, f"build/html/{folder} lacks pages for: {', '.join(missing)}"


@pytest.mark.parametrize("folder", FOLDERS)
def test_language_switch_opens_the_twin_page(folder: str) -> None:
    other = next(f for f in FOLDERS if f != folder)
    broken = []
    for page in built_pages(folder):
        links = soup(page).select("a.autograd-twin")
        if not links:
            broken.append(f"{_relative(page)}: no language switch")
            continue
        target = (page.parent / links[0]["href"]).resolve()
        twin = SITE / other / page.relative_to(SITE / folder)
        if target != twin.resolve() or not twin.exists():
            broken.append(f"{_relative(page)}: switch leads to {links[0]['href']}, not to {_relative(twin)}")
    assert not broken, "\n".join(broken)


@pytest.mark.parametrize("folder", FOLDERS)
def test_pages_declare_their_language(folder: str) -> None:
    wrong = [
        f"{_relative(p)}: lang={soup(p).html.get('lang')!r}"
        for p in built_pages(folder)
        if soup(p).html.get("lang") != HTML_LANG[folder]
    ]
    assert not wrong, "\n".join(wrong)


@pytest.mark.parametrize("folder", FOLDERS)
def test_every_page_names_the_torch_and_device_behind_its_outputs(folder: str) -> None:
    import torch

    missing = []
    for page in built_pages(folder):
        banner = soup(page).select_one(".autograd-provenance")
        text = banner.get_text(" ", strip=True) if banner else ""
        if f"torch {torch.__version__}" not in text or not re.search(r"\b(CPU|CUDA)\b", text):
            missing.append(f"{_relative(page)}: {text!r}")
    assert not missing, "pages without torch version and device:\n" + "\n".join(missing)


@pytest.mark.parametrize("folder", FOLDERS)
def test_nothing_loads_from_another_host(folder: str) -> None:
    loads = []
    for page in [*built_pages(folder), SITE / folder / "search.html"]:
        tree = soup(page)
        for tag, attribute in (("script", "src"), ("link", "href"), ("img", "src"), ("iframe", "src"),
                               ("source", "src"), ("video", "src"), ("audio", "src")):
            for element in tree.find_all(tag):
                url = element.get(attribute)
                if not url or (tag == "link" and not {"stylesheet", "preload", "icon", "modulepreload"}
                               & set(element.get("rel", []))):
                    continue
                if urlsplit(url).netloc or url.startswith("//"):
                    loads.append(f"{_relative(page)}: <{tag}> loads {url}")
    for css in (SITE / folder / "_static").rglob("*.css"):
        for url in re.findall(r"url\(\s*['\"]?([^'\")]+)", css.read_text(encoding="utf-8")):
            if urlsplit(url).netloc:
                loads.append(f"{css.relative_to(SITE)}: url({url})")
    assert not loads, "\n".join(loads)


@pytest.mark.parametrize("folder", FOLDERS)
def test_no_page_shows_a_build_machine_path_or_an_address(folder: str) -> None:
    leaks = []
    for page in built_pages(folder):
        main = soup(page).select_one("article") or soup(page)
        text = main.get_text()
        for pattern in (BUILD_PATHS, ADDRESS):
            for match in pattern.finditer(text):
                start = max(0, match.start() - 60)
                leaks.append(f"{_relative(page)}: …{text[start:match.end() + 40]!r}")
    assert not leaks, "\n".join(leaks[:20])


def test_chinese_search_index_holds_chinese_words() -> None:
    terms = set(search_index("zh")["terms"])
    for word in ("梯度", "叶子张量", "非叶子张量", "原地操作"):
        assert word in terms, f"the Chinese search index has no entry for {word}"


def test_chinese_site_uses_the_working_stemmer_and_splitter() -> None:
    data = (SITE / "zh" / "_static" / "language_data.js").read_text(encoding="utf-8")
    assert "window.Stemmer = EnglishStemmer" in data, "Chinese search would stop at 'Searching' (sphinx#14229)"
    assert "var splitQuery" in data, "unspaced Chinese queries would find nothing"


def test_chinese_gallery_speaks_chinese() -> None:
    english = ("Download Python source code", "Download Jupyter notebook", "Total running time",
               "Go to the end", "Download all examples")
    found = [
        f"{_relative(p)}: {label}"
        for p in (SITE / "zh" / "auto_examples").glob("*.html")
        for label in english
        if label in soup(p).get_text()
    ]
    assert not found, "English interface text on the Chinese gallery:\n" + "\n".join(found)


def test_chinese_gallery_cards_read_as_chinese() -> None:
    """A card's tooltip is the example's intro as plain text: no literal marks, and no
    space left where a line was wrapped between two Chinese characters."""
    from autograd_docs.gallery import WRAPPED_SPACE

    found = []
    for page in (SITE / "zh" / "auto_examples").rglob("index.html"):
        for card in soup(page).select("[tooltip]"):
            tip = card["tooltip"]
            if "``" in tip or WRAPPED_SPACE.search(tip):
                found.append(f"{_relative(page)}: {tip[:60]}")
    assert not found, "Chinese card tooltips with wrapping spaces or literal marks:\n" + "\n".join(found)


@pytest.mark.parametrize("folder", FOLDERS)
def test_list_links_name_a_page_by_its_short_title(folder: str) -> None:
    """A "See also" item that starts with a link to a page shows the title's part before the
    colon: the whole title's colon would run into the item's own ("A: b: c")."""
    colon = {"en": ": ", "zh": "："}[folder]
    found = []
    for page in built_pages(folder):
        for item in soup(page).select("article li > p:first-child > a.reference.internal:first-child"):
            if colon in item.get_text() and "/errors/" not in "/" + item.get("href", ""):
                found.append(f"{_relative(page)}: {item.get_text()[:50]}")
    assert not found, f"{len(found)} list links show a whole title:\n" + "\n".join(found[:20])


def test_chinese_prose_has_no_space_after_full_width_punctuation() -> None:
    """A line wrapped after "。" or "，" must not reach the reader as a space before the next
    word or code, as it does in HTML unless the build joins the lines."""
    from autograd_docs.languages import FULL_WIDTH_PUNCTUATION

    spaced = re.compile(rf"[{FULL_WIDTH_PUNCTUATION}]\s+(?=\S)")
    found = []
    for page in built_pages("zh"):
        for block in soup(page).select("article p, article li > p, article dd > p, article td"):
            if block.find_parent(["pre", "code"]):
                continue
            for match in spaced.finditer(block.get_text()):
                found.append(f"{_relative(page)}: …{block.get_text()[max(0, match.start() - 12):match.end() + 12]}…")
    assert not found, f"{len(found)} spaces after full-width punctuation:\n" + "\n".join(found[:20])


@pytest.mark.parametrize("folder", FOLDERS)
def test_every_example_offers_its_downloads(folder: str) -> None:
    gallery = SITE / folder / "auto_examples"
    missing = []
    examples = SITE.parent.parent / "examples" / folder
    for example in examples.rglob("plot_*.py"):
        page = gallery / example.relative_to(examples).with_suffix(".html")
        hrefs = {Path(a["href"]).name for a in soup(page).select("a.download")}
        for wanted in (example.name, f"{example.stem}.ipynb", f"{example.stem}.zip"):
            if wanted not in hrefs:
                missing.append(f"{_relative(page)}: no download of {wanted}")
    index = {Path(a["href"]).name for a in soup(gallery / "index.html").select("a.download")}
    for archive in ("auto_examples_python.zip", "auto_examples_jupyter.zip"):
        if archive not in index:
            missing.append(f"{folder}/auto_examples/index.html: no download of {archive}")
    assert not missing, "\n".join(missing)


def test_root_page_offers_both_languages_without_javascript() -> None:
    tree = soup(SITE / "index.html")
    hrefs = {a["href"] for a in tree.find_all("a")}
    assert {"en/index.html", "zh/index.html"} <= hrefs, f"build/html/index.html links: {hrefs}"
    for href in ("en/index.html", "zh/index.html"):
        assert (SITE / href).exists()


@pytest.mark.parametrize("folder", FOLDERS)
def test_graph_pictures_are_drawn_with_alt_text_in_the_pages_language(folder: str) -> None:
    page = SITE / folder / "graph-pictures.html"
    images = soup(page).select("article img")
    drawn = [img for img in images if img["src"].endswith(".svg")]
    assert len(drawn) >= 7, f"{folder}/graph-pictures.html shows {len(drawn)} graph pictures, expected 7"
    for img in drawn:
        assert (page.parent / img["src"]).exists(), f"{folder}/graph-pictures.html: {img['src']} is missing"
        alt = img.get("alt", "")
        chinese = re.search(r"[\u4e00-\u9fff]", alt) is not None
        assert alt and chinese == (folder == "zh"), f"{folder}/graph-pictures.html: alt text {alt!r}"
        svg = (page.parent / img["src"]).read_text(encoding="utf-8")
        assert "Backward0" in svg, f"{img['src']} does not show autograd nodes"


@pytest.mark.parametrize("folder", FOLDERS)
def test_search_engines_find_each_page_and_its_twin(folder: str) -> None:
    problems = []
    sitemap = (SITE / folder / "sitemap.xml").read_text(encoding="utf-8")
    for page in built_pages(folder):
        name = page.relative_to(SITE / folder).as_posix()
        links = {link["hreflang"]: link["href"] for link in soup(page).select('link[rel="alternate"][hreflang]')}
        for lang, other in (("en", "en"), ("zh-CN", "zh")):
            if not links.get(lang, "").endswith(f"/{other}/{name}"):
                problems.append(f"{folder}/{name}: hreflang {lang} is {links.get(lang)!r}")
        if "x-default" not in links:
            problems.append(f"{folder}/{name}: no x-default alternate (the language chooser)")
        if name != "404.html" and f"/{folder}/{name}" not in sitemap:
            problems.append(f"{folder}/{name}: missing from {folder}/sitemap.xml")
    assert (SITE / "sitemap.xml").exists() and (SITE / "404.html").exists(), "build/html lacks sitemap.xml or 404.html"
    assert not problems, "\n".join(problems[:20])


# -- The error index: one page per message, a table, old links, the entries' data ------------


def _error_entries(folder: str) -> set[str]:
    return {p.stem for p in (SITE.parent.parent / "docs" / folder / "errors").glob("*.md")}


@pytest.mark.parametrize("folder", FOLDERS)
def test_sidebar_lists_the_error_entries_in_the_index_order(folder: str) -> None:
    """The navigation follows the index's topic order, not the file names' order."""
    index = soup(SITE / folder / "errors.html")
    table = [a["href"].removesuffix(".html").split("/")[-1] for a in index.select("table.autograd-error-index a")]
    sidebar = [a["href"].removesuffix(".html").split("/")[-1]
               for a in index.select(".sidebar-tree a.reference") if a["href"].startswith("errors/")]  # fmt: skip
    assert sorted(table) == sorted(_error_entries(folder))
    assert sidebar == table, f"{folder}: the sidebar's order differs from the index table's"


@pytest.mark.parametrize("folder", FOLDERS)
def test_error_index_table_links_every_entry_with_its_fix(folder: str) -> None:
    rows = soup(SITE / folder / "errors.html").select("table.autograd-error-index tbody tr")
    linked = {}
    for row in rows:
        link = row.select_one("a.reference")
        fix = row.select("td")[-1].get_text(strip=True)
        linked[Path(link["href"]).stem] = fix
        assert (SITE / folder / link["href"]).exists(), f"{folder}/errors.html links to a missing {link['href']}"
    assert set(linked) == _error_entries(folder), f"{folder}/errors.html lists {sorted(linked)}"
    assert all(linked.values()), f"{folder}/errors.html: rows without a fix: {[s for s, f in linked.items() if not f]}"


@pytest.mark.parametrize("folder", FOLDERS)
def test_old_links_to_error_sections_still_land_on_their_entry(folder: str) -> None:
    page = soup(SITE / folder / "errors.html")
    for anchor in ("trying-to-backward-through-the-graph-a-second-time", "can-t-detach-views-in-place"):
        target = page.find(id=anchor)
        assert target is not None, f"{folder}/errors.html#{anchor} (an old link) lands nowhere"
        row = target if target.name == "tr" else target.find_parent("tr")
        assert row is not None and row.select_one("a.reference"), f"{folder}/errors.html#{anchor} is not an entry's row"
    script = next(s.get_text() for s in page.find_all("script") if "const moved" in s.get_text())
    assert '"trying-to-backward-through-the-graph-a-second-time": "errors/backward-second-time.html"' in script


@pytest.mark.parametrize("folder", FOLDERS)
def test_error_data_for_the_browser_lists_every_entry(folder: str) -> None:
    import json

    text = (SITE / folder / "_static" / "autograd-errors.js").read_text(encoding="utf-8")
    data = json.loads(text.split("window.AUTOGRAD_ERRORS = ", 1)[1].rstrip().rstrip(";"))
    assert {e["slug"] for e in data} == _error_entries(folder)
    for entry in data:
        assert set(entry) == {"slug", "url", "title", "kind", "fix", "wordings", "questions"}, entry["slug"]
        assert (SITE / folder / entry["url"]).exists(), f"{folder}: {entry['url']} is missing"
        assert entry["fix"] and entry["wordings"] and all(w["text"] for w in entry["wordings"]), entry["slug"]


@pytest.mark.parametrize("folder", FOLDERS)
def test_each_error_entry_ends_with_its_wordings_by_release(folder: str) -> None:
    missing = [
        name for name in _error_entries(folder)
        if not soup(SITE / folder / "errors" / f"{name}.html").select("section#wordings-by-release li code")
    ]  # fmt: skip
    assert not missing, f"{folder}: entries without their wordings by release: {missing}"


@pytest.mark.parametrize("folder", FOLDERS)
def test_every_page_describes_itself_in_its_language(folder: str) -> None:
    problems = []
    for page in built_pages(folder):
        meta = soup(page).select_one('meta[name="description"]')
        text = meta.get("content", "") if meta else ""
        chinese = re.search(r"[\u4e00-\u9fff]", text) is not None
        if len(text) < 20 or (folder == "zh" and not chinese):
            problems.append(f"{_relative(page)}: description {text!r}")
    assert not problems, "pages without a meta description a search engine can show:\n" + "\n".join(problems[:20])


@pytest.mark.parametrize("folder", FOLDERS)
def test_every_page_has_a_favicon(folder: str) -> None:
    assert (SITE / "favicon.ico").stat().st_size > 0, "build/html/favicon.ico is missing: browsers ask for it"
    missing = [_relative(p) for p in built_pages(folder) if not soup(p).select_one('link[rel~="icon"]')]
    assert not missing, "pages without a favicon link:\n" + "\n".join(missing[:20])


def test_chinese_pages_have_chinese_icon_tooltips() -> None:
    titles = [t.get_text() for t in soup(SITE / "zh" / "index.html").select("svg symbol title")]
    english = [t for t in titles if not re.search(r"[\u4e00-\u9fff]", t)]
    assert titles and not english, f"English tooltips on the Chinese site: {english}"


def test_chinese_footer_speaks_chinese() -> None:
    english = []
    for page in built_pages("zh"):
        footer = soup(page).select_one(".bottom-of-page .left-details")
        text = footer.get_text(" ", strip=True) if footer else ""
        if "版权所有" not in text or re.search(r"Copyright|Made with|pradyunsg", text):
            english.append(f"{_relative(page)}: {text!r}")
    assert not english, "Chinese pages with an English footer:\n" + "\n".join(english[:20])


@pytest.mark.parametrize("folder", FOLDERS)
def test_pages_load_only_the_gallery_styles_they_use(folder: str) -> None:
    """Each stylesheet in the head delays the first paint: sphinx-gallery's only where a page
    shows part of the gallery, and never its binder, dataframe or rendered-HTML styles."""
    wrong = []
    for page in built_pages(folder):
        sheets = {Path(urlsplit(link["href"]).path).name for link in soup(page).select('link[rel="stylesheet"]')}
        shows_gallery = soup(page).select_one('article [class*="sphx-glr"]') is not None
        unused = {s for s in sheets if s.startswith("sg_gallery-")}
        if unused or ("sg_gallery.css" in sheets) != shows_gallery:
            wrong.append(f"{_relative(page)}: {sorted(s for s in sheets if s.startswith('sg_'))}, gallery: {shows_gallery}")
    assert not wrong, "pages with sphinx-gallery styles they do not use, or without those they use:\n" + "\n".join(wrong[:20])


@pytest.mark.parametrize("folder", FOLDERS)
def test_no_inline_literal_is_left_unclosed(folder: str) -> None:
    """A reST literal that docutils cannot close (``x``（ in Chinese: "（" may not end inline
    markup) shows its backquotes and sets the Chinese text after it in code font."""
    unclosed = []
    for page in built_pages(folder):
        main = soup(page).select_one("article")
        if main is None:
            continue
        text = "".join(
            piece for piece in main.find_all(string=True)
            if not any(parent.name == "pre" for parent in piece.parents)
        )
        for match in re.finditer("``", text):
            unclosed.append(f"{_relative(page)}: …{text[max(0, match.start() - 40):match.end() + 40]!r}")
    assert not unclosed, "backquotes a reader sees, from unclosed inline literals:\n" + "\n".join(unclosed[:20])
