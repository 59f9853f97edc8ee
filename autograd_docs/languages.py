"""Both sites come from one ``conf.py``: the source folder's name picks the language.

``docs/en`` builds the English site, ``docs/zh`` the Chinese one.  Every page has a
twin with the same name in the other folder, and the language switch links to it.
"""

from __future__ import annotations

import os
import re
from pathlib import Path
from typing import Any

from docutils import nodes
from sphinx.application import Sphinx
from sphinx.config import Config
from sphinx.errors import ConfigError

# folder name -> (Sphinx language, HTML lang attribute, name of the language in itself)
LANGUAGES: dict[str, tuple[str, str, str]] = {
    "en": ("en", "en", "English"),
    "zh": ("zh_CN", "zh-CN", "中文"),
}
GALLERY_DIR = "auto_examples"
SITE_TITLES = {"en": "PyTorch autograd notes", "zh": "PyTorch 自动求导笔记"}
# The footer's copyright holder in each language (conf.py's ``copyright`` is the English one).
COPYRIGHTS = {"en": "2026, autograd-docs contributors", "zh": "2026 autograd-docs 贡献者"}
# Ideographs, CJK and full-width punctuation, and the curly quotes Chinese uses (“” ‘’).
CJK = "\u2e80-\u9fff\u3000-\u303f\uff00-\uffef\u2018\u2019\u201c\u201d"
# Full-width punctuation carries its own spacing: nothing, not even a space, follows it.
FULL_WIDTH_PUNCTUATION = "，。：；！？、（）《》「」『』“”‘’"
# A line break inside a Chinese sentence, which HTML would show as a stray space: between two
# Chinese characters, or after full-width punctuation whatever follows (code, a Latin word).
SOFT_BREAK = re.compile(rf"(?<=[{CJK}])\n[ \t]*(?=[{CJK}])|(?<=[{FULL_WIDTH_PUNCTUATION}])[ \t]*\n[ \t]*(?=\S|\Z)")
# furo writes these accessible names in English, outside any translatable string.
ZH_ARIA_LABELS: list[tuple[str, str]] = [
    ('aria-label="Toggle site navigation sidebar"', 'aria-label="展开或收起站点导航"'),
    ('aria-label="Toggle table of contents sidebar"', 'aria-label="展开或收起本页目录"'),
    ('aria-label="Toggle Light / Dark / Auto color theme"', 'aria-label="切换浅色、深色或自动配色"'),
    ('aria-label="Toggle navigation of ', 'aria-label="展开或收起：'),
]


def folder_of(srcdir: str | Path) -> str:
    """The language folder (``en`` or ``zh``) of a source directory."""
    name = Path(srcdir).resolve().name
    if name not in LANGUAGES:
        raise ConfigError(
            f"source folder {srcdir} is not a language folder; expected docs/{' or docs/'.join(LANGUAGES)}"
        )
    return name


def twin_folder(folder: str) -> str:
    (other,) = (name for name in LANGUAGES if name != folder)
    return other


def twin_url(pagename: str, folder: str) -> str:
    """Relative URL from ``<folder>/<pagename>.html`` to the same page in the other language.

    >>> twin_url("leaf-tensors", "en")
    '../zh/leaf-tensors.html'
    >>> twin_url("auto_examples/graph/plot_leaf_tensors", "zh")
    '../../../en/auto_examples/graph/plot_leaf_tensors.html'
    """
    up = "../" * (pagename.count("/") + 1)
    return f"{up}{twin_folder(folder)}/{pagename}.html"


def configure(app: Sphinx, config: Config) -> None:
    folder = folder_of(app.srcdir)
    language = LANGUAGES[folder][0]
    if config.language != language:
        # Sphinx loads its translations before extensions run, so this cannot be set here.
        raise ConfigError(
            f"docs/{folder} is the {LANGUAGES[folder][2]} site: build it with -D language={language} "
            f"(got {config.language!r}); `nox -s docs` does this"
        )
    root = Path(app.confdir)
    config.html_title = SITE_TITLES[folder]
    config.copyright = COPYRIGHTS[folder]
    gallery = config.sphinx_gallery_conf
    gallery["examples_dirs"] = str(root / "examples" / folder)
    gallery["gallery_dirs"] = GALLERY_DIR
    if isinstance(gallery.get("subsection_order"), list):  # group names -> the paths it compares
        examples = root / "examples" / folder
        gallery["subsection_order"] = [
            os.path.relpath(examples / name, app.srcdir) for name in gallery["subsection_order"]
        ]
    if gallery.get("default_thumb_file"):
        gallery["default_thumb_file"] = str(root / gallery["default_thumb_file"])


def join_chinese_lines(text: str) -> str:
    r"""Drop the line breaks that wrapping left between two Chinese characters, or after
    full-width punctuation (``SOFT_BREAK``).

    >>> join_chinese_lines("梯度存放在\n  叶子张量里，\nthen English")
    '梯度存放在叶子张量里，then English'
    >>> join_chinese_lines("叶子张量。\n"), join_chinese_lines("叶子\nEnglish"), join_chinese_lines("段落。\n\n下一段")
    ('叶子张量。', '叶子\nEnglish', '段落。\n\n下一段')
    >>> join_chinese_lines("这条报错是\n“element 0 …”。")
    '这条报错是“element 0 …”。'
    """
    return SOFT_BREAK.sub("", text)


def _prose(node: nodes.Node) -> bool:
    return isinstance(node, nodes.Text) and not isinstance(
        node.parent, (nodes.literal_block, nodes.literal, nodes.raw, nodes.comment)
    )


def join_wrapped_chinese(app: Sphinx, doctree: nodes.document) -> None:
    if folder_of(app.srcdir) != "zh":
        return
    for text in list(doctree.findall(_prose)):
        joined = join_chinese_lines(str(text))
        if joined != str(text):
            text.parent.replace(text, nodes.Text(joined))


def translate_aria_labels(html: str) -> str:
    """furo's English accessible names, in Chinese.

    >>> translate_aria_labels('<button aria-label="Toggle navigation of 示例库">')
    '<button aria-label="展开或收起：示例库">'
    """
    for english, chinese in ZH_ARIA_LABELS:
        html = html.replace(english, chinese)
    return html


def translate_written_pages(app: Sphinx, exception: Exception | None) -> None:
    if exception is not None or folder_of(app.srcdir) != "zh":
        return
    for page in Path(app.outdir).rglob("*.html"):
        html = page.read_text(encoding="utf-8")
        translated = translate_aria_labels(html)
        if translated != html:
            page.write_text(translated, encoding="utf-8")


def add_page_context(
    app: Sphinx, pagename: str, templatename: str, context: dict[str, Any], doctree: Any
) -> None:
    folder = folder_of(app.srcdir)
    other = twin_folder(folder)
    context["autograd_lang_attr"] = LANGUAGES[folder][1]
    context["autograd_twin_url"] = twin_url(pagename, folder)
    context["autograd_twin_lang"] = LANGUAGES[other][1]
    context["autograd_twin_name"] = LANGUAGES[other][2]


def setup(app: Sphinx) -> None:
    # Before sphinx-gallery fills in its defaults (priority 10) and before i18n starts.
    app.connect("config-inited", configure, priority=1)
    app.connect("html-page-context", add_page_context)
    app.connect("doctree-read", join_wrapped_chinese)
    app.connect("build-finished", translate_written_pages)
