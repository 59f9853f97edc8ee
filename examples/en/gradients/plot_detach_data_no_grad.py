"""
Detaching a tensor: a wrong gradient that ``.data`` hides and ``detach()`` reports
==================================================================================

``detach()`` and ``.data`` both give you a tensor's values without the graph, sharing
its memory. Change those values in place and the gradient that depends on them is
wrong. ``detach()`` makes ``backward()`` raise; ``.data`` lets it return wrong numbers
in silence. This example computes the correct gradient of ``exp``, then the silently
wrong one, then the error, and finally the fix with ``clone()``.
"""

# %%
# The correct gradient
# --------------------
# The derivative of ``exp`` is ``exp``, so the gradient of ``x.exp().sum()`` is
# ``x.exp()``. ``exp`` saves its output for the backward pass.
import torch

torch.manual_seed(0)
device = torch.device("cuda" if torch.cuda.is_available() else "cpu")
print(f"device: {device}")

x = torch.randn(4, device=device, requires_grad=True)
x.exp().sum().backward()
correct = x.grad.clone()
print(f"correct gradient: {correct}")

# %%
# The silent mistake: ``.data`` makes the gradient wrong
# ------------------------------------------------------
# Shifting the output in place through ``.data`` also shifts the saved output. No
# error is raised, and every element of the gradient is off by one.
x.grad = None
y = x.exp()
y.data.add_(1)
y.sum().backward()
print(f"with .data:       {x.grad}")
print(f"correct gradient: {correct}")
print(f"difference:       {x.grad - correct}")

# %%
# ``detach()``: the same change is caught
# ---------------------------------------
# A detached tensor shares the version counter, so ``backward()`` sees that a saved
# tensor changed and refuses to compute a gradient from it.
import traceback

x.grad = None
y = x.exp()
y.detach().add_(1)
try:
    y.sum().backward()
except RuntimeError:
    traceback.print_exc()

# %%
# The fix: ``clone()`` before changing
# ------------------------------------
# A clone has its own memory and version counter; the graph keeps the values it saved.
y = x.exp()
shifted = y.detach().clone()
shifted.add_(1)
y.sum().backward()
print(f"shifted copy: {shifted}")
print(f"gradient:     {x.grad}")
torch.testing.assert_close(x.grad, correct)

# %%
# ``no_grad()``: nothing is recorded
# ----------------------------------
# Inside ``torch.no_grad()`` no graph is built at all: there is nothing to save, and
# nothing to break.
with torch.no_grad():
    z = x.exp() + 1
print(f"requires_grad: {z.requires_grad} grad_fn: {z.grad_fn}")

# %%
# Conclusion
# ----------
# Never change values through ``.data``: use ``detach()``, and ``clone()`` it before an
# in-place change. Use ``torch.no_grad()`` for code that should not be recorded. The
# page on :ref:`detaching a tensor <detach>` compares the two; the page on
# :ref:`switching recording off <no-grad>` adds ``inference_mode()``.
