"""
Mixed precision: a ``float16`` training loop with ``GradScaler``
================================================================

A small regression model trained with ``torch.autocast`` in ``float16`` and a
``torch.amp.GradScaler``, on whatever device is available. The scaler starts with a
scale that is too large: the first steps overflow, and the scaler skips them and lowers
the scale until the gradients fit. Then the mistake people make first: converting the
model itself to ``float16``.
"""

# %%
# A model, data and a scaler
# --------------------------
# The model stays in ``float32``; ``autocast`` chooses the type of each operation.
import torch
from torch import nn

torch.manual_seed(0)
device = torch.device("cuda" if torch.cuda.is_available() else "cpu")
print(f"device: {device}")

model = nn.Sequential(nn.Linear(8, 32), nn.Tanh(), nn.Linear(32, 1)).to(device)
optimizer = torch.optim.SGD(model.parameters(), lr=0.05)
scaler = torch.amp.GradScaler(device.type, init_scale=2.0 ** 20)
inputs = torch.randn(64, 8, device=device)
targets = inputs.sum(dim=1, keepdim=True).sin()

# %%
# The training loop, in the scaler's order
# ----------------------------------------
# scale, ``backward()``, ``unscale_``, clip, step, update. A step is skipped when the scale
# went down in ``update()``.
skipped = 0
for step in range(40):
    optimizer.zero_grad()
    with torch.autocast(device.type, dtype=torch.float16):
        loss = nn.functional.mse_loss(model(inputs).float(), targets)
    scaler.scale(loss).backward()
    scaler.unscale_(optimizer)
    nn.utils.clip_grad_norm_(model.parameters(), max_norm=1.0)
    scale = scaler.get_scale()
    before = [p.detach().clone() for p in model.parameters()]
    scaler.step(optimizer)
    scaler.update()
    if scaler.get_scale() < scale:
        skipped += 1
        assert all(torch.equal(b, p) for b, p in zip(before, model.parameters()))
    if step == 0:
        first_loss = loss.item()
    if step < 4 or step % 10 == 9:
        status = "skipped" if scaler.get_scale() < scale else "stepped"
        print(f"step {step + 1:2d}: loss {loss.item():.4f}, scale {scale:8.0f}, {status}")

# %%
# What the scaler did
# -------------------
# The skipped steps left the weights unchanged (the ``assert`` in the loop checked it);
# the others trained the model.
print(f"skipped steps: {skipped} final scale: {scaler.get_scale()}")
print(f"loss: {first_loss:.4f} -> {loss.item():.4f}")
assert skipped > 0 and loss.item() < first_loss

# %%
# The mistake: a ``float16`` model
# --------------------------------
# ``model.half()`` makes the parameters, and so their gradients, ``float16``. The
# scaler cannot unscale them.
import traceback

half_model = nn.Linear(8, 1).to(device).half()
half_optimizer = torch.optim.SGD(half_model.parameters(), lr=0.05)
half_scaler = torch.amp.GradScaler(device.type)
loss = nn.functional.mse_loss(half_model(inputs.half()).float(), targets)
half_scaler.scale(loss).backward()
try:
    half_scaler.step(half_optimizer)
except ValueError:
    traceback.print_exc()

# %%
# Conclusion
# ----------
# Keep the parameters in ``float32``, let ``autocast`` pick the 16-bit operations, and
# call the scaler in its order. The page on :ref:`mixed precision <mixed-precision>` shows each step, the
# skipped step, and the two other errors of ``GradScaler``.
