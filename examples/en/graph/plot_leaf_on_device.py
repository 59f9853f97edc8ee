"""
Leaf tensors on a device: creating them there instead of moving them
====================================================================

``torch.randn(3, requires_grad=True).to(device)`` looks like a parameter on the GPU, but
the conversion is a recorded operation: the result is a non-leaf tensor and its
``.grad`` stays ``None``. This example shows the mistake, where the gradient went
instead, and two ways to get a real leaf. A conversion to another dtype makes a copy on
every device, so the example converts to ``float64`` as well: the effect is then visible
on a CPU-only machine too.
"""

# %%
# Moving a tensor that requires gradients
# ---------------------------------------
# On a CPU-only machine ``.to(device)`` returns the very same tensor. On a GPU it
# returns a copy, made by a recorded operation. The ``meta`` device stores no data,
# and moving to it shows that copy on any machine.
import torch

torch.manual_seed(0)
device = torch.device("cuda" if torch.cuda.is_available() else "cpu")
print(f"device: {device}")

base = torch.randn(3, requires_grad=True)
moved = base.to(device)
print(f"same tensor: {moved is base} is_leaf: {moved.is_leaf}")

on_meta = base.to("meta")
print(f"to meta, same tensor: {on_meta is base} is_leaf: {on_meta.is_leaf}")
print(f"grad_fn: {on_meta.grad_fn.name()}")

# %%
# The mistake: converting after ``requires_grad=True``
# ----------------------------------------------------
# ``weight`` is the output of ``ToCopyBackward0``, a non-leaf tensor. After
# ``backward()``, reading its ``.grad`` gives ``None``, with a warning.
base = torch.randn(3, requires_grad=True)
weight = base.to(device, torch.float64)
print(f"is_leaf: {weight.is_leaf} grad_fn: {weight.grad_fn.name()}")

(weight ** 2).sum().backward()
print(f"weight.grad: {weight.grad}")

# %%
# Where the gradient went
# -----------------------
# It flowed through the copy into the real leaf, ``base``. Usually nothing refers to
# that temporary tensor, so the gradient is lost.
print(f"base.grad: {base.grad}")
torch.testing.assert_close(base.grad, 2 * base.detach())

# %%
# Fix 1: create the tensor on the device
# --------------------------------------
# Give ``device``, ``dtype`` and ``requires_grad`` to the factory function.
weight = torch.randn(3, device=device, dtype=torch.float64, requires_grad=True)
(weight ** 2).sum().backward()
print(f"is_leaf: {weight.is_leaf}")
print(f"weight.grad: {weight.grad}")
torch.testing.assert_close(weight.grad, 2 * weight.detach())

# %%
# Fix 2: convert first, then ``requires_grad_()``
# -----------------------------------------------
# For a tensor that comes from elsewhere: no gradients are recorded during the
# conversion, so the result is a leaf.
weight = torch.randn(3).to(device, torch.float64).requires_grad_()
(weight ** 2).sum().backward()
print(f"is_leaf: {weight.is_leaf}")
print(f"weight.grad: {weight.grad}")
torch.testing.assert_close(weight.grad, 2 * weight.detach())

# %%
# Conclusion
# ----------
# A device or dtype conversion of a tensor that requires gradients is part of the
# graph. Create leaves where they will live, or convert before ``requires_grad_()``.
# The page on :ref:`the computational graph <computational-graph>` explains how it is recorded; :ref:`leaf and non-leaf tensors <leaf-tensors>` explains
# which tensors keep ``.grad``.
