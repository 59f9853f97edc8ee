"""Unit tests of the autograd_docs extension's pure parts (the build tests cover the wiring)."""

from __future__ import annotations

from pathlib import Path

import pytest
from sphinx.errors import ConfigError

from autograd_docs.gallery import translate_labels
from autograd_docs.languages import folder_of, twin_url
from autograd_docs.provenance import requested_device
from autograd_docs.tracebacks import clean_output

IPYTHON_TRACEBACK = """\
---------------------------------------------------------------------------
RuntimeError                              Traceback (most recent call last)
Cell In[4], line 3
      1 y = x * 2
----> 3 y.sum().backward()

File /srv/venv/lib/python3.11/site-packages/torch/_tensor.py:630, in Tensor.backward(self, gradient)
    620     return handle_torch_function(
--> 630 torch.autograd.backward(

File /srv/venv/lib/python3.11/site-packages/torch/autograd/__init__.py:364, in backward(tensors)
--> 364 _engine_run_backward(

RuntimeError: Trying to backward through the graph a second time"""


def test_ipython_traceback_keeps_the_readers_cell_and_the_message() -> None:
    cleaned = clean_output(IPYTHON_TRACEBACK)
    assert "Cell In[4], line 3" in cleaned and "----> 3 y.sum().backward()" in cleaned
    assert cleaned.endswith("RuntimeError: Trying to backward through the graph a second time")
    assert "site-packages" not in cleaned and "_tensor.py" not in cleaned


def test_warning_from_a_cell_loses_the_kernel_path() -> None:
    text = "/tmp/ipykernel_412/3815.py:1: UserWarning: The .grad attribute of a Tensor"
    assert clean_output(text) == "UserWarning: The .grad attribute of a Tensor"


def test_warning_from_an_example_keeps_only_the_file_name() -> None:
    text = "/home/ci/site/examples/zh/plot_x.py:12: UserWarning: careful"
    assert clean_output(text) == "plot_x.py:12: UserWarning: careful"


def test_anomaly_warning_keeps_the_forward_line_and_drops_the_plumbing() -> None:
    import torch.autograd.graph as graph

    path = graph.__file__
    lines = Path(path).read_text(encoding="utf-8").splitlines()
    line = next(n for n, text in enumerate(lines, 1) if "_execution_engine.run_backward(" in text)
    source = lines[line - 1].strip()
    text = (
        f"{path}:{line}: UserWarning: Error detected in ExpBackward0. Traceback of forward call:\n"
        '  File "<frozen runpy>", line 88, in _run_code\n'
        '  File "/tmp/ipykernel_77/644045458.py", line 3, in <module>\n'
        "    y = x.exp()\n"
        f"  {source}\n"
    )
    assert clean_output(text) == (
        "UserWarning: Error detected in ExpBackward0. Traceback of forward call:\n"
        '  File "<cell>", line 3, in <module>\n'
        "    y = x.exp()\n"
    )


def test_torch_build_paths_inside_messages_are_left_alone() -> None:
    text = "(Triggered internally at /__w/pytorch/pytorch/aten/src/ATen/core/TensorBody.h:493.)"
    assert clean_output(text) == text


def test_chinese_gallery_labels() -> None:
    rst = (
        "   **Total running time of the script:** (0 minutes 1.250 seconds)\n"
        "      :download:`Download Python source code: plot_x.py <plot_x.py>`\n"
        "        :ref:`Go to the end <sphx_glr_download_x>`\n        to download the full example code.\n"
    )
    translated = translate_labels(rst)
    assert "**脚本总运行时间：**\\ 0 分 1.250 秒" in translated
    assert ":download:`下载 Python 源代码：plot_x.py <plot_x.py>`" in translated
    assert ":ref:`跳到页尾 <sphx_glr_download_x>`\\ 下载完整的示例代码。" in translated


def test_language_comes_from_the_source_folder(tmp_path) -> None:
    assert folder_of(tmp_path / "docs" / "zh") == "zh"
    with pytest.raises(ConfigError, match="not a language folder"):
        folder_of(tmp_path / "docs" / "fr")


def test_twin_url_from_a_nested_page() -> None:
    assert twin_url("auto_examples/index", "en") == "../../zh/auto_examples/index.html"


@pytest.mark.parametrize(("value", "device"), [("", "cpu"), ("CUDA", "cuda"), (" cpu ", "cpu")])
def test_requested_device(value: str, device: str) -> None:
    assert requested_device({"AUTOGRAD_DOCS_DEVICE": value}) == device


def test_unknown_device_is_refused() -> None:
    with pytest.raises(ConfigError, match="expected one of cpu, cuda"):
        requested_device({"AUTOGRAD_DOCS_DEVICE": "tpu"})


def test_toctree_captions_get_the_heading_level_their_role_requires() -> None:
    from autograd_docs.accessibility import level_captions

    html = '<p class="caption" role="heading"><span class="caption-text">Concepts</span></p>'
    assert level_captions(html) == (
        '<p class="caption" role="heading" aria-level="2"><span class="caption-text">Concepts</span></p>'
    )


def test_a_changed_title_reaches_every_pages_navigation(tmp_path: Path) -> None:
    """An incremental build rewrites the pages whose source did not change once another
    page's title did: their sidebars name it."""
    from sphinx.cmd.build import build_main

    source = tmp_path / "src"
    source.mkdir()
    (source / "conf.py").write_text(
        'html_theme = "furo"\n'
        "def setup(app):\n"
        "    from autograd_docs.publishing import rewrite_when_titles_change\n"
        '    app.connect("env-get-updated", rewrite_when_titles_change)\n'
    )
    (source / "index.md").write_text("# Home\n\n```{toctree}\nsibling\nother\n```\n")
    (source / "sibling.md").write_text("# Sibling\n\nText.\n")
    (source / "other.md").write_text("# Old title\n\nText.\n")
    (source / "conf.py").write_text((source / "conf.py").read_text() + 'extensions = ["myst_parser"]\n')
    out = tmp_path / "html"
    argv = ["-q", "-b", "html", str(source), str(out)]
    assert build_main(argv) == 0
    assert "Old title" in (out / "sibling.html").read_text()
    (source / "other.md").write_text("# New title\n\nText.\n")
    assert build_main(argv) == 0
    sibling = (out / "sibling.html").read_text()
    assert "New title" in sibling and "Old title" not in sibling
