"""
Gradient accumulation: micro-batches that add up to one large batch
===================================================================

``backward()`` adds to ``.grad`` instead of overwriting it. Usually that is why a loop
calls ``zero_grad()``; here it is used on purpose. A batch too large for memory is split
into micro-batches, each one's loss is divided by their number, and the gradients add up
to those of the full batch. ``torch.testing.assert_close`` checks that; then the example
trains both ways and compares the parameters.
"""

# %%
# A model, a batch of 16 samples, and a copy of the model
# -------------------------------------------------------
# The copy starts from the same weights, so the two ways of training can be compared.
import copy

import torch
from torch import nn

torch.manual_seed(0)
device = torch.device("cuda" if torch.cuda.is_available() else "cpu")
print(f"device: {device}")

model = nn.Sequential(nn.Linear(4, 8), nn.Tanh(), nn.Linear(8, 1)).to(device)
twin = copy.deepcopy(model)
loss_fn = nn.MSELoss()
inputs = torch.randn(16, 4, device=device)
targets = torch.randn(16, 1, device=device)

# %%
# Gradients of the full batch
# ---------------------------
# One forward and one backward pass over all 16 samples.
model.zero_grad()
loss_fn(model(inputs), targets).backward()
full_batch = [p.grad.clone() for p in model.parameters()]

# %%
# Gradients accumulated over four micro-batches
# ---------------------------------------------
# Clear once, then one backward pass per micro-batch. Dividing by ``num_micro`` turns
# the sum of four mean losses into the mean loss of the 16 samples, because the four
# micro-batches have the same size and the loss is mean-reduced (with unequal sizes, weight
# each loss by ``len(xb) / len(inputs)``; with a sum-reduced loss, or a layer such as
# BatchNorm that mixes the samples of a batch, it no longer holds: :ref:`zeroing gradients
# <zero-grad>` shows each case).
num_micro = 4
model.zero_grad()
for xb, yb in zip(inputs.chunk(num_micro), targets.chunk(num_micro)):
    (loss_fn(model(xb), yb) / num_micro).backward()
accumulated = [p.grad.clone() for p in model.parameters()]

# %%
# The same gradients
# ------------------
# Equal up to float rounding, since the sums are done in a different order. The exact
# difference can change from one device to another, so the example prints whether it stays below
# ``1e-6``.
for acc, full in zip(accumulated, full_batch):
    torch.testing.assert_close(acc, full)
max_diff = max((acc - full).abs().max().item() for acc, full in zip(accumulated, full_batch))
print(f"max abs difference below 1e-6: {max_diff < 1e-6}")

# %%
# Without the division
# --------------------
# Each micro-batch would then contribute its full mean loss: the gradient is
# ``num_micro`` times too large. What that does depends on the optimizer:
# :ref:`zeroing gradients <zero-grad>` compares SGD, Adam and gradient clipping.
model.zero_grad()
for xb, yb in zip(inputs.chunk(num_micro), targets.chunk(num_micro)):
    loss_fn(model(xb), yb).backward()
ratio = model[2].bias.grad / full_batch[-1]
print(f"ratio to the full-batch gradient: {ratio.item():.4f}")

# %%
# Training both ways
# ------------------
# Three optimizer steps each: ``zero_grad()`` once per step, never inside the
# micro-batch loop.
opt_full = torch.optim.SGD(model.parameters(), lr=0.1)
opt_micro = torch.optim.SGD(twin.parameters(), lr=0.1)
for step in range(3):
    opt_full.zero_grad()
    loss_fn(model(inputs), targets).backward()
    opt_full.step()

    opt_micro.zero_grad()
    for xb, yb in zip(inputs.chunk(num_micro), targets.chunk(num_micro)):
        (loss_fn(twin(xb), yb) / num_micro).backward()
    opt_micro.step()

for p_full, p_micro in zip(model.parameters(), twin.parameters()):
    torch.testing.assert_close(p_micro, p_full)
max_diff = max((a - b).abs().max().item() for a, b in zip(model.parameters(), twin.parameters()))
print(f"max abs difference of the parameters after 3 steps below 1e-6: {max_diff < 1e-6}")

# %%
# Conclusion
# ----------
# Gradient accumulation is the accumulation that ``zero_grad()`` usually undoes, used on
# purpose: clear once per optimizer step and scale each micro-batch's loss. The page on
# :ref:`zeroing gradients <zero-grad>` covers clearing gradients, and :ref:`computing and applying gradients <backward-and-step>` the loop.
