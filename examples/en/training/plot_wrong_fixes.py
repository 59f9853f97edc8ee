"""
Wrong fixes: what silencing an error does to a training loop
============================================================

Popular answers to autograd errors make the error go away: setting
``loss.requires_grad = True``, after a ``no_grad()`` block or after rebuilding the loss
from ``loss.item()`` (which is what a loss computed in NumPy comes down to), and passing
``retain_graph=True`` to every ``backward()``. This example trains the same small model
with each of them and with the correct loop, and measures what each one breaks.
"""

# %%
# A model, its data, and the error
# --------------------------------
# A linear regression whose forward pass sits inside ``torch.no_grad()``, as if it were
# copied from an evaluation helper. ``backward()`` finds no graph.
import traceback

import torch
from torch import nn

torch.manual_seed(0)
device = torch.device("cuda" if torch.cuda.is_available() else "cpu")
print(f"device: {device}")

inputs = torch.randn(64, 3, device=device)
targets = inputs @ torch.tensor([[1.0], [-2.0], [0.5]], device=device)
model = nn.Linear(3, 1).to(device)

with torch.no_grad():
    loss = nn.functional.mse_loss(model(inputs), targets)
try:
    loss.backward()
except RuntimeError:
    traceback.print_exc()


# %%
# One training function, three ways to compute the loss
# -----------------------------------------------------
# Every run starts from the same weights and takes 20 steps.
def train(compute_loss, steps=20):
    torch.manual_seed(0)
    model = nn.Linear(3, 1).to(device)
    optimizer = torch.optim.SGD(model.parameters(), lr=0.1)
    losses = []
    for step in range(steps):
        optimizer.zero_grad()
        loss = compute_loss(model)
        loss.backward()
        optimizer.step()
        losses.append(loss.item())
    missing = [name for name, p in model.named_parameters() if p.grad is None]
    return losses[0], losses[-1], missing


def correct(model):
    return nn.functional.mse_loss(model(inputs), targets)


def requires_grad_fix(model):
    with torch.no_grad():
        loss = nn.functional.mse_loss(model(inputs), targets)
    loss.requires_grad = True
    return loss


def item_fix(model):
    loss = nn.functional.mse_loss(model(inputs), targets).item()
    return torch.tensor(loss, device=device, requires_grad=True)


# %%
# The loss after 20 steps
# -----------------------
# Both "fixes" start from the same loss as the correct loop and never leave it: the
# parameters get no gradient, so ``step()`` has nothing to apply. A tensor rebuilt from
# ``loss.item()`` is a new leaf with no history, like the loss under ``no_grad()``.
results = {name: train(fn) for name, fn in
           [("correct", correct), ("requires_grad", requires_grad_fix), ("item", item_fix)]}
for name, (first, last, missing) in results.items():
    print(f"{name:>13}: loss {first:.4f} -> {last:.4f}, no gradient: {missing}")

for name in ("requires_grad", "item"):
    first, last, missing = results[name]
    assert first == last and missing == ["weight", "bias"]

# %%
# ``retain_graph=True`` with a carried tensor
# -------------------------------------------
# A running mean of the features carries each batch's graph into the next step. With
# ``retain_graph=True`` it runs, and the graph keeps every old batch: the number of
# nodes behind the loss grows step after step. ``detach()`` keeps it constant.


def graph_nodes(tensor):
    seen, stack = set(), [tensor.grad_fn]
    while stack:
        node = stack.pop()
        if node is not None and node not in seen:
            seen.add(node)
            stack.extend(next_node for next_node, _ in node.next_functions)
    return len(seen)


def train_with_center(detach_center, steps=50):
    torch.manual_seed(0)
    model = nn.Linear(64, 8).to(device)
    optimizer = torch.optim.SGD(model.parameters(), lr=0.01)
    center = torch.zeros(8, device=device)
    sizes = []
    for step in range(steps):
        if detach_center:
            center = center.detach()
        features = model(torch.randn(32, 64, device=device))
        center = 0.9 * center + 0.1 * features.mean(0)
        loss = ((features - center) ** 2).mean()
        optimizer.zero_grad()
        loss.backward(retain_graph=not detach_center)
        optimizer.step()
        sizes.append(graph_nodes(loss))
    return sizes


retained = train_with_center(detach_center=False)
detached = train_with_center(detach_center=True)
assert retained[-1] > retained[0] and set(detached) == {detached[0]}
for step in (1, 10, 25, 50):
    print(f"step {step:2}: retain_graph {retained[step - 1]:3} nodes, detach {detached[step - 1]:2} nodes")

# %%
# Conclusion
# ----------
# An error that a one-line change silences is often the symptom of a broken graph or of
# state that should have been detached. Fix the cause: remove what broke the graph, use
# torch operations in the loss, ``detach()`` what is carried between steps. The page on
# :ref:`wrong fixes <wrong-fixes>` shows each error live, including the ``.data`` fix that returns
# wrong gradients, and the :ref:`autograd error index <errors>` has an entry for each of these messages.
