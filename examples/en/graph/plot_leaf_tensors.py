"""
Leaf tensors: their gradients, and the in-place change they refuse
==================================================================

A leaf tensor is one no recorded operation produced, usually one you created, such as a
weight. After ``backward()`` the gradient of a leaf that requires gradients sits in ``.grad``; a non-leaf tensor's gradient is thrown away unless you ask for it
with ``retain_grad()``. This example builds a tiny graph, shows both, then makes the
most common leaf mistake, updating a weight in place, and fixes it.
"""

# %%
# A leaf and a non-leaf tensor
# ----------------------------
# ``weight`` is created by us, so it is a leaf. ``scaled`` comes out of an operation.
import torch

torch.manual_seed(0)
device = torch.device("cuda" if torch.cuda.is_available() else "cpu")
print(f"device: {device}")

weight = torch.randn(3, device=device, requires_grad=True)
scaled = weight * 2
print(f"weight.is_leaf: {weight.is_leaf}")
print(f"scaled.is_leaf: {scaled.is_leaf} grad_fn: {scaled.grad_fn.name()}")

# %%
# Keeping the non-leaf gradient
# -----------------------------
# ``retain_grad()`` must come before ``backward()``.
scaled.retain_grad()
loss = (scaled ** 2).sum()
loss.backward()
print(f"scaled.grad: {scaled.grad}")
print(f"weight.grad: {weight.grad}")
torch.testing.assert_close(weight.grad, 8 * weight.detach())

late = weight.detach().clone().requires_grad_() * 2
late.sum().backward()
late.retain_grad()  # too late: the gradient has already flowed past
print(f"retain_grad() after backward(): {late.grad}")
assert late.grad is None

# %%
# The mistake: updating a leaf in place
# -------------------------------------
# A hand-written gradient step changes ``weight`` in place while autograd is
# recording. PyTorch stops it.
import traceback

try:
    weight -= 0.1 * weight.grad
except RuntimeError:
    traceback.print_exc()

# %%
# The fix: update under ``torch.no_grad()``
# -----------------------------------------
# Nothing is recorded inside ``no_grad()``, so the in-place update is allowed and
# ``weight`` stays a leaf. This is what ``optimizer.step()`` does for you.
with torch.no_grad():
    weight -= 0.1 * weight.grad
print(f"weight after the step: {weight}")
print(f"still a leaf: {weight.is_leaf}")

# %%
# Conclusion
# ----------
# Leaves hold ``.grad``; non-leaf tensors need ``retain_grad()``. Change a leaf's
# value only where autograd is not recording. The page on :ref:`leaf and non-leaf tensors <leaf-tensors>` explains
# why.
