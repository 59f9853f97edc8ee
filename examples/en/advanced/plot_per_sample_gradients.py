"""
Per-sample gradients: ``vmap(grad(...))`` against a loop
========================================================

``backward()`` on a batch gives one gradient for the whole batch. ``torch.func`` gives
one per sample: ``grad`` turns a per-sample loss into a function that returns its
gradient, and ``vmap`` runs it over the batch. This example checks the result against a
loop of ``backward()`` calls, then shows what cannot go inside a transform:
``.backward()`` itself.
"""

# %%
# A small model and a batch
# -------------------------
import torch
from torch import nn

torch.manual_seed(0)
device = torch.device("cuda" if torch.cuda.is_available() else "cpu")
print(f"device: {device}")

model = nn.Sequential(nn.Linear(4, 8), nn.Tanh(), nn.Linear(8, 1)).to(device)
inputs = torch.randn(32, 4, device=device)
targets = torch.randn(32, 1, device=device)

# %%
# The loop: one ``backward()`` per sample
# ---------------------------------------
# Each sample's gradient is copied out of ``.grad`` before the next one is computed.
loop = {name: [] for name, _ in model.named_parameters()}
for x_i, y_i in zip(inputs, targets):
    model.zero_grad()
    nn.functional.mse_loss(model(x_i), y_i).backward()
    for name, param in model.named_parameters():
        loop[name].append(param.grad.clone())
loop = {name: torch.stack(grads) for name, grads in loop.items()}

# %%
# The transform: ``vmap(grad(sample_loss))``
# ------------------------------------------
# The loss is a function of the parameters; ``functional_call`` runs the model with
# them. ``in_dims=(None, 0, 0)`` shares the parameters and maps over the samples.
from torch.func import functional_call, grad, vmap

params = {name: p.detach() for name, p in model.named_parameters()}


def sample_loss(params, x_i, y_i):
    return nn.functional.mse_loss(functional_call(model, params, (x_i,)), y_i)


per_sample = vmap(grad(sample_loss), in_dims=(None, 0, 0))(params, inputs, targets)
for name in params:
    torch.testing.assert_close(per_sample[name], loop[name])
    print(f"{name}: {tuple(per_sample[name].shape)}, equal to the loop's")

# %%
# The mistake: ``.backward()`` inside the transform
# -------------------------------------------------
# A per-sample loss that computes its gradient with ``backward()`` cannot be mapped.
import traceback


def loss_and_backward(x_i, y_i):
    loss = nn.functional.mse_loss(model(x_i), y_i)
    loss.backward()
    return loss


try:
    vmap(loss_and_backward)(inputs, targets)
except RuntimeError:
    traceback.print_exc()

# %%
# ``backward()`` outside the transform works
# ------------------------------------------
# What ``vmap`` returns is part of an ordinary graph: the mean of the per-sample losses
# backpropagates into ``.grad``, and equals the gradient of the batch's loss.
model.zero_grad()
losses = vmap(lambda x_i, y_i: nn.functional.mse_loss(model(x_i), y_i))(inputs, targets)
losses.mean().backward()
for name, param in model.named_parameters():
    torch.testing.assert_close(param.grad, per_sample[name].mean(dim=0))
print("mean of per-sample gradients == gradient of the mean loss")

# %%
# Conclusion
# ----------
# Inside a transform, gradients come from ``grad``; ``backward()`` belongs outside (so does
# ``requires_grad_()``, whose error the page on :ref:`function transforms <torch-func>` shows). That page
# also compares ``jacrev`` and ``hessian`` with ``torch.autograd.functional``.
