"""
Custom autograd functions: a stable softplus, checked with ``gradcheck``
========================================================================

``log(1 + exp(x))`` (softplus) written naively overflows for large ``x``, and its
gradient becomes ``nan``. This example writes it as a ``torch.autograd.Function`` with a
stable forward and a hand-written ``backward()``, checks it with ``gradcheck`` and ``gradgradcheck``, then makes
the most common mistake in ``backward()`` (forgetting the incoming gradient) and lets
``gradcheck`` catch it.
"""

# %%
# The naive formula
# -----------------
# ``exp(100)`` overflows in ``float32``: the value is ``inf`` and the gradient ``nan``.
import torch

torch.manual_seed(0)
device = torch.device("cuda" if torch.cuda.is_available() else "cpu")
print(f"device: {device}")

x = torch.tensor([-100.0, 0.0, 100.0], device=device, requires_grad=True)
naive = torch.log(1 + torch.exp(x))
naive.sum().backward()
print(f"value: {naive.detach()}")
print(f"gradient: {x.grad}")

# %%
# A stable ``forward()`` and its ``backward()``
# ---------------------------------------------
# ``softplus(x) = max(x, 0) + log1p(exp(-|x|))`` never overflows. Its derivative is
# ``sigmoid(x)``; ``backward()`` multiplies it by the incoming gradient.
from torch.autograd import Function, gradcheck, gradgradcheck


class Softplus(Function):
    @staticmethod
    def forward(ctx, x):
        ctx.save_for_backward(x)
        return x.clamp(min=0) + torch.log1p(torch.exp(-x.abs()))

    @staticmethod
    def backward(ctx, grad_y):
        (x,) = ctx.saved_tensors
        return grad_y * torch.sigmoid(x)


x.grad = None
y = Softplus.apply(x)
y.sum().backward()
print(f"value: {' '.join(f'{value:.4f}' for value in y.tolist())}")
print(f"gradient: {x.grad}")
torch.testing.assert_close(x.grad, torch.sigmoid(x.detach()))

# %%
# The check, in ``float64``
# -------------------------
# ``gradcheck`` compares ``backward()`` with finite differences, ``gradgradcheck`` the
# second derivative. Both pass.
from torch import nn

x64 = torch.randn(5, dtype=torch.float64, device=device, requires_grad=True)
print(gradcheck(Softplus.apply, (x64,)), gradgradcheck(Softplus.apply, (x64,)))
torch.testing.assert_close(Softplus.apply(x64), nn.functional.softplus(x64))

# %%
# The common mistake: forgetting ``grad_y``
# -----------------------------------------
# This ``backward()`` returns the local derivative alone. With ``y.sum()`` as the loss the
# incoming gradient is all ones, so a quick test passes; ``gradcheck`` does not.
import traceback


class SoftplusForgetful(Softplus):
    @staticmethod
    def backward(ctx, grad_y):
        (x,) = ctx.saved_tensors
        return torch.sigmoid(x)


x.grad = None
SoftplusForgetful.apply(x).sum().backward()
print(f"with sum(), the gradient looks right: {x.grad}")
try:
    gradcheck(SoftplusForgetful.apply, (x64,))
except RuntimeError:  # GradcheckError is a RuntimeError
    traceback.print_exc()

# %%
# Conclusion
# ----------
# A custom ``backward()`` is code autograd cannot check for you: run ``gradcheck`` and
# ``gradgradcheck`` on it in ``float64``. The page on :ref:`custom autograd functions <custom-function>` covers
# ``save_for_backward``, ``mark_dirty`` and ``once_differentiable``.
