"""Readable errors: the reader's own lines and the message, no build-machine paths.

Applied to MyST-NB cell outputs (here) and to sphinx-gallery's generated pages
(:mod:`.gallery`).  Frames inside installed packages (torch's ``backward()``
plumbing) are dropped; the reader's frames and the final message stay, with file
names instead of absolute paths.  Also checks that every cell tagged
``raises-exception`` still raises, so a taught error cannot silently disappear.
"""

from __future__ import annotations

import linecache
import re

from docutils import nodes
from sphinx.application import Sphinx
from sphinx.util import logging

logger = logging.getLogger(__name__)

LIBRARY = re.compile(r"(site-packages|dist-packages|/lib/python3\.\d+/)")
# IPython: "File /x/site-packages/torch/_tensor.py:630, in Tensor.backward(...)"
IPYTHON_FRAME = re.compile(r"^File (?P<path>\S+?):\d+, in ")
# Python: '  File "/x/site-packages/torch/_tensor.py", line 630, in backward'
PYTHON_FRAME = re.compile(r'^(?P<indent>\s*)File "(?P<path>[^"]+)", line \d+, in ')
# A warning raised from a notebook cell: "/tmp/ipykernel_123/456.py:3: UserWarning: ..."
KERNEL_CELL = re.compile(r"/tmp/ipykernel_\d+/\d+\.py:\d+: ")
# A cell's file in a Python traceback (anomaly mode prints these): the reader knows it as a cell.
KERNEL_FILE = re.compile(r'"[^"\s]*/ipykernel_\d+/\d+\.py"')
# Python's own frames that run a kernel or a script: '  File "<frozen runpy>", line 88, in _run_code'
FROZEN_FRAME = re.compile(r'^\s*File "<frozen [^"]+>", line \d+, in .*\n', re.M)
# A kernel forked by the build (see kernels): its fork server's entry frame and the frame
# that starts the kernel, where a started kernel has runpy's frames.
FORKED_KERNEL_FRAMES = re.compile(
    r'^\s*File "<string>", line 1, in <module>\n'
    r'\s*File "[^"]*/autograd_docs/kernel_child\.py", line \d+, in main\n(?:(?![ \t]*File )[ \t]+\S.*\n)*',
    re.M,
)
# "/x/site-packages/torch/autograd/graph.py:979: UserWarning: ..." then "  <source line>"
WARNING_AT = re.compile(r"^(?P<path>/\S+?\.py):(?P<line>\d+): (?=\w*Warning: )", re.M)
ABSOLUTE_PY = re.compile(r"(?<![\w.])/(?:[^\s\"':/]+/)+(?P<name>[^\s\"':/]+\.py)")


def _drop_ipython_library_frames(text: str) -> str:
    blocks = text.split("\n\n")
    kept = [
        block
        for block in blocks
        if not ((m := IPYTHON_FRAME.match(block.lstrip("\n"))) and LIBRARY.search(m["path"]))
    ]
    return "\n\n".join(kept)


def _drop_python_library_frames(text: str) -> str:
    out: list[str] = []
    skipping_indent: int | None = None
    for line in text.split("\n"):
        if skipping_indent is not None:
            indent = len(line) - len(line.lstrip(" "))
            if line.strip() and indent > skipping_indent:
                continue  # source and caret lines of the dropped frame
            skipping_indent = None
        frame = PYTHON_FRAME.match(line)
        if frame and LIBRARY.search(frame["path"]):
            skipping_indent = len(frame["indent"])
            continue
        out.append(line)
    return "\n".join(out)


def _drop_library_warning_locations(text: str) -> str:
    """A warning raised inside a library: keep the category and message, drop the
    library's file name and the library's source line that Python prints after it."""
    for match in reversed(list(WARNING_AT.finditer(text))):
        if not LIBRARY.search(match["path"]):
            continue
        source = linecache.getline(match["path"], int(match["line"])).strip()
        rest = text[match.end():]
        if source:
            rest = rest.replace(f"\n  {source}", "", 1)
        text = text[: match.start()] + rest
    return text


def clean_output(text: str) -> str:
    """Make a traceback or warning readable and free of build-machine paths.

    >>> print(clean_output('''Traceback (most recent call last):
    ...   File "/work/examples/en/plot_x.py", line 9, in <module>
    ...     loss.backward()
    ...   File "/v/lib/python3.11/site-packages/torch/_tensor.py", line 630, in backward
    ...     torch.autograd.backward(
    ... RuntimeError: boom'''))
    Traceback (most recent call last):
      File "plot_x.py", line 9, in <module>
        loss.backward()
    RuntimeError: boom

    A forked page kernel's own frames go, as a started kernel's runpy frames do:

    >>> print(clean_output('''Traceback of forward call that caused the error:
    ...   File "<string>", line 1, in <module>
    ...   File "/usr/lib/python3.11/multiprocessing/forkserver.py", line 274, in main
    ...     code = _serve_one(child_r, fds,
    ...   File "/work/autograd_docs/kernel_child.py", line 72, in main
    ...     app.start()
    ...   File "/tmp/ipykernel_7/1.py", line 2, in <module>
    ...     y = x.exp()'''))
    Traceback of forward call that caused the error:
      File "<cell>", line 2, in <module>
        y = x.exp()
    """
    text = KERNEL_CELL.sub("", text)
    text = KERNEL_FILE.sub('"<cell>"', text)
    text = FROZEN_FRAME.sub("", text)
    text = _drop_library_warning_locations(text)
    text = _drop_ipython_library_frames(text)
    text = _drop_python_library_frames(text)
    text = FORKED_KERNEL_FRAMES.sub("", text)
    return ABSOLUTE_PY.sub(lambda m: m["name"], text)


def _is_output(node: nodes.Node) -> bool:
    return isinstance(node, nodes.literal_block) and "output" in node.get("classes", [])


def clean_cell_outputs(app: Sphinx, doctree: nodes.document) -> None:
    for block in list(doctree.findall(_is_output)):
        text = block.astext()
        cleaned = clean_output(text)
        if cleaned != text:
            block.children = [nodes.Text(cleaned)]
            block.rawsource = cleaned


def check_taught_errors(app: Sphinx, doctree: nodes.document) -> None:
    """A cell tagged ``raises-exception`` whose code no longer raises fails the build."""
    for cell in doctree.findall(nodes.container):
        if cell.get("nb_element") != "cell_code":
            continue
        metadata = cell.get("cell_metadata", {})
        if "raises-exception" not in metadata.get("tags", []):
            continue
        tracebacks = [
            block.astext() for block in cell.findall(_is_output) if "traceback" in block["classes"]
        ]
        message = metadata.get("error-message")
        if tracebacks and message and not any(message in text for text in tracebacks):
            logger.warning(
                "the error this cell teaches changed its wording: %r is no longer in the "
                "message; update the page (and its error-message) to the new wording",
                message,
                location=cell,
                type="autograd",
                subtype="expected-error",
            )
        if not tracebacks:
            logger.warning(
                "cell is tagged raises-exception but ran without an error: the error this "
                "page teaches no longer happens with this torch",
                location=cell,
                type="autograd",
                subtype="expected-error",
            )


def setup(app: Sphinx) -> None:
    app.connect("doctree-read", clean_cell_outputs)
    app.connect("doctree-read", check_taught_errors)
