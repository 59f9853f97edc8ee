"""Pictures of the real autograd graph, drawn by Graphviz from ``grad_fn`` at build time.

``draw(loss=loss, x=x)`` walks the graph behind the named tensors through
``grad_fn.next_functions`` and returns a :class:`Picture`, which a notebook cell
displays as SVG.  It shows what the text of the pages explains: which tensors are
leaves and keep ``.grad``, which operations saved which tensors for backward, and
whether a saved tensor was modified in place since.  Graphviz does the layout, through
pygraphviz, whose wheels bundle Graphviz: no system program is needed.
"""

from __future__ import annotations

import os
import sys
import tempfile
from typing import Any

LABELS = {
    "en": {"leaf": "leaf", "grad": ".grad kept", "no_grad": "no .grad", "retain": "retain_grad()",
           "saved": "saved", "version": "version", "modified": "modified in place!",
           "freed": "freed by backward()",
           "untracked": "requires_grad=False: not in the graph", "scalar": "scalar"},
    "zh": {"leaf": "叶子张量", "grad": "保存 .grad", "no_grad": "无 .grad", "retain": "retain_grad()",
           "saved": "保存的张量", "version": "版本", "modified": "已被原地修改！",
           "freed": "已被 backward() 释放",
           "untracked": "requires_grad=False：不在计算图中", "scalar": "标量"},
}  # fmt: skip
COLORS = {"leaf": "#cfe2ff", "root": "#d1e7dd", "op": "#f1f3f5", "saved": "#fff3cd", "bad": "#f8d7da"}


class Picture:
    """An SVG drawn by Graphviz; Jupyter shows it through ``_repr_svg_``."""

    def __init__(self, source: str, svg: str) -> None:
        self.source = source  # the DOT text, for tests and for readers who want it
        self.svg = svg

    def _repr_svg_(self) -> str:
        return self.svg


def _render(graph: Any) -> str:
    """Lay out and render ``graph`` as SVG, keeping Graphviz's bundled fontconfig quiet.

    The wheel's fontconfig may not understand the system's newer configuration and warns
    on the process's standard error, which a page would show under the picture.  Other
    messages pass through."""
    sys.stderr.flush()
    with tempfile.TemporaryFile() as captured:
        saved = os.dup(2)
        os.dup2(captured.fileno(), 2)
        try:
            svg = graph.draw(format="svg", prog="dot").decode("utf-8")
        finally:
            os.dup2(saved, 2)
            os.close(saved)
        captured.seek(0)
        noise = captured.read().decode("utf-8", "replace").splitlines()
    rest = [line for line in noise if line.strip() and not line.startswith("Fontconfig")]
    if rest:
        print("\n".join(rest), file=sys.stderr)
    return svg


def _shape(tensor: Any, text: dict[str, str]) -> str:
    return "×".join(str(n) for n in tensor.shape) or text["scalar"]


def draw(lang: str = "en", **tensors: Any) -> Any:
    """Draw the autograd graph behind ``tensors`` (name=tensor); labels in ``lang``."""
    try:
        import pygraphviz
    except ImportError as missing:  # the wheel bundles Graphviz but uses the system's GLib and X11 libraries
        raise ImportError(
            f"pygraphviz cannot load ({missing}); on a minimal Linux image install the libraries its "
            "wheel expects: apt-get install libglib2.0-0 libx11-6 libxrender1 libxext6"
        ) from missing
    import torch

    text = LABELS[lang]
    dot = pygraphviz.AGraph(directed=True, strict=False)  # strict would merge x * x's two edges
    dot.graph_attr.update(rankdir="BT", bgcolor="transparent", fontname="sans-serif")
    dot.node_attr.update(fontname="sans-serif", fontsize="11", style="filled,rounded", shape="box")
    dot.edge_attr.update(color="#555555")
    names = {id(t): name for name, t in tensors.items()}
    by_node = {id(t.grad_fn): (name, t) for name, t in tensors.items() if t.grad_fn is not None}
    ids: dict[int, str] = {}  # python object -> "n0", "n1", ... in visiting order: same SVG every build

    def node_id(obj: Any) -> str:
        return ids.setdefault(id(obj), f"n{len(ids)}")

    def leaf_id(variable: Any) -> str:
        if id(variable) in ids:
            return ids[id(variable)]
        node = node_id(variable)
        grad = text["grad"] if variable.requires_grad else text["no_grad"]
        name = names.get(id(variable), text["leaf"])
        dot.add_node(node, label=f"{name}\n{text['leaf']} · {_shape(variable, text)}\n{grad}", fillcolor=COLORS["leaf"])
        return node

    def visit(fn: Any) -> str:
        if hasattr(fn, "variable"):  # AccumulateGrad: the leaf itself
            return leaf_id(fn.variable)
        if id(fn) in ids:
            return ids[id(fn)]
        node = node_id(fn)
        label = fn.name()
        color = COLORS["op"]
        if id(fn) in by_node:
            name, tensor = by_node[id(fn)]
            label = f"{name} = {label}\n{_shape(tensor, text)}"
            if tensor.retains_grad:
                label += f"\n{text['retain']} · {text['grad']}"
            color = COLORS["root"]
        dot.add_node(node, label=label, fillcolor=color)
        for attribute in sorted(a for a in dir(fn) if a.startswith("_saved_")):
            try:
                saved = getattr(fn, attribute)
            except RuntimeError as error:  # freed by backward(), or changed in place since saved
                state = text["freed"] if "freed" in str(error) else text["modified"]
                saved_label, fill = f"{text['saved']} {attribute[7:]}\n{state}", COLORS["bad"]
            else:
                if not isinstance(saved, torch.Tensor):
                    continue
                saved_label = f"{text['saved']} {attribute[7:]}\n{text['version']} {saved._version}"
                fill = COLORS["saved"]
            dot.add_node(f"{node}{attribute}", label=saved_label, fillcolor=fill, shape="note", fontsize="10")
            dot.add_edge(f"{node}{attribute}", node, style="dashed", arrowhead="none")
        for parent, _ in fn.next_functions:
            if parent is not None:
                dot.add_edge(visit(parent), node)
        return node

    for name, tensor in tensors.items():
        if tensor.grad_fn is not None:
            visit(tensor.grad_fn)
        elif tensor.requires_grad:
            leaf_id(tensor)
        else:
            dot.add_node(node_id(tensor), label=f"{name}\n{text['untracked']}", fillcolor="white", style="dashed,rounded,filled")
    return Picture(dot.string(), _render(dot))
