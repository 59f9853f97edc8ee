"""Pictures of the real autograd graph, drawn by Graphviz from ``grad_fn`` at build time.

``draw(loss=loss, x=x)`` walks the graph behind the named tensors through
``grad_fn.next_functions`` and returns a :class:`graphviz.Digraph`, which a notebook
cell displays as SVG.  It shows what the text of the pages explains: which tensors
are leaves and keep ``.grad``, which operations saved which tensors for backward,
and whether a saved tensor was modified in place since.  Graphviz does the layout.
"""

from __future__ import annotations

import shutil
from typing import Any

LABELS = {
    "en": {"leaf": "leaf", "grad": ".grad kept", "no_grad": "no .grad", "retain": "retain_grad()",
           "saved": "saved", "version": "version", "modified": "modified in place!",
           "freed": "freed by backward()",
           "detached": "detached: not in the graph"},
    "zh": {"leaf": "叶子张量", "grad": "保留 .grad", "no_grad": "无 .grad", "retain": "retain_grad()",
           "saved": "保存的张量", "version": "版本", "modified": "已被原地修改！",
           "freed": "已被 backward() 释放",
           "detached": "已分离：不在计算图中"},
}  # fmt: skip
COLORS = {"leaf": "#cfe2ff", "root": "#d1e7dd", "op": "#f1f3f5", "saved": "#fff3cd", "bad": "#f8d7da"}


class GraphvizMissing(RuntimeError):
    """Graphviz's ``dot`` program is not installed."""


def require_dot() -> None:
    if shutil.which("dot") is None:
        raise GraphvizMissing(
            "Graphviz's `dot` is missing, and the graph pictures need it: "
            "apt-get install graphviz (or brew install graphviz, conda install graphviz)"
        )


def _shape(tensor: Any) -> str:
    return "×".join(str(n) for n in tensor.shape) or "scalar"


def draw(lang: str = "en", **tensors: Any) -> Any:
    """Draw the autograd graph behind ``tensors`` (name=tensor); labels in ``lang``."""
    import graphviz
    import torch

    require_dot()
    text = LABELS[lang]
    dot = graphviz.Digraph(
        graph_attr={"rankdir": "BT", "bgcolor": "transparent", "fontname": "sans-serif"},
        node_attr={"fontname": "sans-serif", "fontsize": "11", "style": "filled,rounded", "shape": "box"},
        edge_attr={"color": "#555555"},
    )
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
        dot.node(node, f"{name}\n{text['leaf']} · {_shape(variable)}\n{grad}", fillcolor=COLORS["leaf"])
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
            label = f"{name} = {label}\n{_shape(tensor)}"
            if tensor.retains_grad:
                label += f"\n{text['retain']} · {text['grad']}"
            color = COLORS["root"]
        dot.node(node, label, fillcolor=color)
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
            dot.node(f"{node}{attribute}", saved_label, fillcolor=fill, shape="note", fontsize="10")
            dot.edge(f"{node}{attribute}", node, style="dashed", arrowhead="none")
        for parent, _ in fn.next_functions:
            if parent is not None:
                dot.edge(visit(parent), node)
        return node

    for name, tensor in tensors.items():
        if tensor.grad_fn is not None:
            visit(tensor.grad_fn)
        elif tensor.requires_grad:
            leaf_id(tensor)
        else:
            dot.node(node_id(tensor), f"{name}\n{text['detached']}", fillcolor="white", style="dashed,rounded,filled")
    return dot
