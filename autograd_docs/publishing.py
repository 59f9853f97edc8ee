"""What hosting needs: canonical and ``hreflang`` links, sitemaps, and the root files.

The published address is one setting, ``autograd_site_url``.  Each language's pages
link to their twin with ``hreflang`` (and to the chooser as ``x-default``), each
language gets its own sitemap (sphinx-sitemap), and ``build/html`` gets the chooser,
a bilingual 404 page, ``robots.txt``, a sitemap index that lists both sitemaps, and
``.nojekyll``, without which GitHub Pages would not serve the ``_static`` folders.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from sphinx.application import Sphinx
from sphinx.config import Config

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


def write_root(app: Sphinx, exception: Exception | None) -> None:
    """Write the chooser, the 404 page, the sitemap index and ``.nojekyll`` next to the
    language folders."""
    if exception is not None or app.builder.format != "html":
        return
    root = Path(app.outdir).parent
    site = site_url(app.config)
    for template in (Path(app.confdir) / ROOT_FILES).iterdir():
        text = template.read_text(encoding="utf-8").replace("{site_path}", urlsplit(site).path.rstrip("/"))
        (root / template.name).write_text(text, encoding="utf-8")
    for name, text in root_files(site).items():
        (root / name).write_text(text, encoding="utf-8")


def setup(app: Sphinx) -> None:
    app.add_config_value("autograd_site_url", "", "html", types=(str,))
    app.connect("config-inited", configure, priority=4)
    app.connect("html-page-context", add_alternates)
    app.connect("build-finished", write_root)
