"""What hosting needs: canonical and ``hreflang`` links, descriptions, sitemaps, root files.

The published address is one setting, ``autograd_site_url``.  Each language's pages
link to their twin with ``hreflang`` (and to the chooser as ``x-default``), carry a
``<meta name="description">`` taken from their first paragraph, in their language, each
language gets its own sitemap (sphinx-sitemap), and ``build/html`` gets the chooser,
a bilingual 404 page, ``robots.txt``, a sitemap index that lists both sitemaps, and
``.nojekyll``, without which GitHub Pages would not serve the ``_static`` folders.
Every page's navigation names every other page, so a changed title rewrites them all.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from docutils import nodes
from sphinx.application import Sphinx
from sphinx.config import Config
from sphinx.environment import BuildEnvironment

from .languages import LANGUAGES, folder_of

ROOT_FILES = Path("docs") / "_root"


def site_url(config: Config) -> str:
    return config.autograd_site_url.rstrip("/")


def configure(app: Sphinx, config: Config) -> None:
    config.html_baseurl = f"{site_url(config)}/{folder_of(app.srcdir)}/"


def add_alternates(app: Sphinx, pagename: str, templatename: str, context: dict[str, Any], doctree: Any) -> None:
    site = site_url(app.config)
    context["autograd_alternates"] = [
        (LANGUAGES[name][1], f"{site}/{name}/{pagename}.html") for name in LANGUAGES
    ] + [("x-default", f"{site}/")]


def summary(text: str, limit: int = 160) -> str:
    """A search-result description: the paragraph's text, cut at a word or sentence end.

    >>> summary("Gradients add up. Clear them each step.", limit=25)
    'Gradients add up.'
    >>> summary("梯度会累加。每个训练步都要清零，否则会出错。", limit=12)
    '梯度会累加。'
    >>> summary("one two three four", limit=12)
    'one two…'
    """
    text = " ".join(text.split())
    if len(text) <= limit:
        return text
    cut = text[:limit]
    for end in ("。", ". ", "；", "; "):
        if end in cut:
            return cut[: cut.rindex(end) + len(end.strip())]
    return cut.rsplit(" ", 1)[0] + "…" if " " in cut else cut[: limit - 1] + "…"


def first_paragraph(doctree: nodes.document) -> str:
    """The text of the page's first paragraph of prose (not a note, a table or a cell)."""
    for paragraph in doctree.findall(nodes.paragraph):
        if isinstance(paragraph.parent, nodes.section | nodes.document):
            return paragraph.astext()
    return ""


def add_description(app: Sphinx, pagename: str, templatename: str, context: dict[str, Any], doctree: Any) -> None:
    from html import escape

    text = summary(first_paragraph(doctree)) if doctree is not None else ""
    if text:
        context["metatags"] = context.get("metatags", "") + f'\n<meta name="description" content="{escape(text)}">'


def complete_sitemap(app: Sphinx, exception: Exception | None) -> None:
    """Queue every page for sphinx-sitemap, not only those this build wrote.

    sphinx-sitemap collects the pages as they are written, so after an incremental build
    its sitemap would list only the pages that changed."""
    from sphinx_sitemap import is_excluded

    links = getattr(app, "sitemap_links", None)
    if exception is not None or links is None:
        return
    queued = []
    while not links.empty():
        queued.append(links.get_nowait())
    listed = {link for link, _ in queued}
    for docname in sorted(app.env.found_docs):
        link = f"{docname}{app.config.html_file_suffix or '.html'}"
        if link not in listed and not is_excluded(link, app.config.sitemap_excludes):
            queued.append((link, None))
    for item in queued:
        links.put(item)


def root_files(site: str) -> dict[str, str]:
    """The files of ``build/html`` itself, for a site published at ``site``.

    >>> files = root_files("https://example.org/notes/")
    >>> sorted(files)
    ['.nojekyll', 'robots.txt', 'sitemap.xml']
    >>> files[".nojekyll"]
    ''
    >>> print(files["robots.txt"])
    User-agent: *
    Sitemap: https://example.org/notes/sitemap.xml
    """
    site = site.rstrip("/")
    entries = "".join(f"  <sitemap><loc>{site}/{name}/sitemap.xml</loc></sitemap>\n" for name in LANGUAGES)
    return {
        ".nojekyll": "",  # GitHub Pages' Jekyll would drop every folder whose name starts with _
        "robots.txt": f"User-agent: *\nSitemap: {site}/sitemap.xml\n",
        "sitemap.xml": (
            '<?xml version="1.0" encoding="UTF-8"?>\n'
            '<sitemapindex xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">\n'
            f"{entries}</sitemapindex>\n"
        ),
    }


def write_shared(path: Path, data: bytes) -> None:
    """Write a file that both language builds write, which may run at the same time:
    a reader sees the old file or the new one, never half of one.

    >>> import tempfile
    >>> target = Path(tempfile.mkdtemp()) / "robots.txt"
    >>> write_shared(target, b"a"); write_shared(target, b"b"); target.read_bytes()
    b'b'
    """
    temporary = path.with_name(f".{path.name}.{os.getpid()}")
    temporary.write_bytes(data)
    os.replace(temporary, path)


def write_root(app: Sphinx, exception: Exception | None) -> None:
    """Write the chooser, the 404 page, the favicon, the sitemap index and ``.nojekyll``
    next to the language folders."""
    if exception is not None or app.builder.format != "html":
        return
    root = Path(app.outdir).parent
    site = site_url(app.config)
    for template in (Path(app.confdir) / ROOT_FILES).iterdir():
        if template.suffix not in (".html", ".txt"):  # the favicon, as it is
            write_shared(root / template.name, template.read_bytes())
            continue
        text = template.read_text(encoding="utf-8").replace("{site_path}", urlsplit(site).path.rstrip("/"))
        write_shared(root / template.name, text.encode("utf-8"))
    for name, text in root_files(site).items():
        write_shared(root / name, text.encode("utf-8"))


def page_titles(env: BuildEnvironment) -> dict[str, str]:
    return {docname: title.astext() for docname, title in env.titles.items()}


def rewrite_when_titles_change(app: Sphinx, env: BuildEnvironment) -> list[str]:
    """``env-get-updated``: every page once a title was changed, added or removed.

    The theme's navigation (and each page's previous and next links) names other pages by
    title, and Sphinx rewrites only the pages whose own source changed: without this, an
    incremental build leaves the old title in every other page's sidebar."""
    titles = page_titles(env)
    before = getattr(env, "autograd_titles", None)
    env.autograd_titles = titles
    return sorted(env.found_docs) if before is not None and before != titles else []


def setup(app: Sphinx) -> None:
    app.add_config_value("autograd_site_url", "", "html", types=(str,))
    app.connect("config-inited", configure, priority=4)
    app.connect("env-get-updated", rewrite_when_titles_change)
    app.connect("html-page-context", add_alternates)
    app.connect("html-page-context", add_description)
    app.connect("build-finished", write_root)
    app.connect("build-finished", complete_sitemap, priority=400)  # before sphinx-sitemap writes it
