"""
A training loop, stage by stage: ``zero_grad()``, forward pass, backward pass, ``step()``
=========================================================================================

A PyTorch training step has four stages. This example runs them one at a
time on a tiny linear model and prints, after each stage, the parameters, their
``.grad`` and their version counter ``_version``. It shows that ``backward()`` only
fills ``.grad``, and that ``optimizer.step()`` updates the parameters in place.
"""

# %%
# A tiny model and two samples
# ----------------------------
# One ``nn.Linear`` layer, plain SGD, fixed inputs and targets.
import torch
from torch import nn

torch.manual_seed(0)
device = torch.device("cuda" if torch.cuda.is_available() else "cpu")
print(f"device: {device}")

model = nn.Linear(2, 1).to(device)
optimizer = torch.optim.SGD(model.parameters(), lr=0.02)
loss_fn = nn.MSELoss()
inputs = torch.tensor([[1.0, 2.0], [3.0, 4.0]], device=device)
targets = torch.tensor([[1.0], [2.0]], device=device)

# %%
# What we watch
# -------------
# Values, gradient and version of each parameter. The version is already 1: the
# constructor initialized the parameters in place.


def show(stage):
    print(f"-- {stage}")
    for name, p in model.named_parameters():
        print(f"{name}: {p.detach().cpu()}  grad: {None if p.grad is None else p.grad.cpu()}  _version: {p._version}")


show("start")

# %%
# Zero the gradients
# ------------------
# Nothing to clear yet, so ``.grad`` stays ``None``.
optimizer.zero_grad()
show("after zero_grad()")

# %%
# Forward pass and loss
# ---------------------
# The forward pass reads the parameters and records a graph behind ``loss``.
outputs = model(inputs)
loss = loss_fn(outputs, targets)
print(f"loss: {loss.item():.4f}, grad_fn: {loss.grad_fn.name()}")
show("after the forward pass")

# %%
# Backward pass
# -------------
# ``backward()`` fills ``.grad``. The parameters keep their values and version.
weight_before = model.weight.detach().clone()
loss.backward()
show("after backward()")
print(f"weight unchanged: {torch.equal(model.weight, weight_before)}")

# %%
# Optimizer step
# --------------
# ``step()`` writes ``weight - lr * grad`` into the same tensor: same object, same
# memory, and the version goes up by one.
weight_object = model.weight
weight_ptr = model.weight.data_ptr()
optimizer.step()
show("after step()")
print(f"same object: {model.weight is weight_object}")
print(f"same memory: {model.weight.data_ptr() == weight_ptr}")
torch.testing.assert_close(model.weight.detach(), weight_before - 0.02 * model.weight.grad)

# %%
# The loop
# --------
# The same four stages, repeated. The loss goes down; each step bumps the version.
for step in range(5):
    optimizer.zero_grad()
    loss = loss_fn(model(inputs), targets)
    loss.backward()
    optimizer.step()
    print(f"step {step + 1}: loss {loss.item():.4f}  weight._version {model.weight._version}")

# %%
# Conclusion
# ----------
# ``backward()`` computes gradients into ``.grad``; ``step()`` applies them in place.
# The page on :ref:`computing and applying gradients <backward-and-step>` explains each stage, :ref:`zeroing gradients <zero-grad>` why the loop
# starts by clearing gradients, and :ref:`step ordering <step-between-backwards>` why the version bump
# matters when a graph is used again after ``step()``.
