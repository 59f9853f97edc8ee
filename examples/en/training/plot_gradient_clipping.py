"""
Gradient clipping: a learning rate that diverges, and the same one clipped
==========================================================================

With too large a learning rate, one step overshoots, the next gradient is larger, and
the loss blows up. ``clip_grad_norm_`` between ``backward()`` and ``step()`` bounds
the size of every step. This example trains the same small network twice with the
same learning rate, without and with clipping, and logs the total gradient norm that
``clip_grad_norm_`` returns.
"""

# %%
# A regression problem and a small network
# ----------------------------------------
# Inputs with a large scale make the gradients large.
import torch
from torch import nn

torch.manual_seed(0)
device = torch.device("cuda" if torch.cuda.is_available() else "cpu")
print(f"device: {device}")

inputs = 3 * torch.randn(64, 8, device=device)
targets = inputs @ torch.randn(8, 1, device=device) + 0.1 * torch.randn(64, 1, device=device)


# %%
# One training function, clipping optional
# ----------------------------------------
# ``clip_grad_norm_`` returns the total norm from before clipping, the number to log.
# Without clipping, ``get_total_norm`` computes the same number.
def train(max_norm, steps=50, lr=0.3):
    torch.manual_seed(0)
    model = nn.Sequential(nn.Linear(8, 16), nn.Tanh(), nn.Linear(16, 1)).to(device)
    optimizer = torch.optim.SGD(model.parameters(), lr=lr)
    log = []
    for step in range(steps):
        optimizer.zero_grad()
        loss = nn.functional.mse_loss(model(inputs), targets)
        loss.backward()
        if max_norm is None:
            norm = nn.utils.get_total_norm([p.grad for p in model.parameters()])
        else:
            norm = nn.utils.clip_grad_norm_(model.parameters(), max_norm=max_norm)
        optimizer.step()
        log.append((loss.item(), norm.item()))
    return log


# %%
# Without clipping, the loss blows up
# -----------------------------------
# Over the 50 steps the loss grows by more than six orders of magnitude (the first
# ``assert`` below checks it), and the gradient norm with it.
unclipped = train(max_norm=None)
for step in (0, 10, 20, 30, 40, 49):
    loss, norm = unclipped[step]
    print(f"step {step + 1:2}: loss {loss:10.3e}, gradient norm {norm:10.3e}")

# %%
# With ``clip_grad_norm_``, the same learning rate converges
# ----------------------------------------------------------
# Every step is clipped to norm 1 (the norm before clipping stays above 1), so no step
# is larger than ``lr * 1``, and the loss goes down.
clipped = train(max_norm=1.0)
for step in (0, 10, 20, 30, 40, 49):
    loss, norm = clipped[step]
    print(f"step {step + 1:2}: loss {loss:10.3e}, gradient norm {norm:10.3e}")

assert unclipped[-1][0] > 1e6 * unclipped[0][0]
assert clipped[-1][0] < clipped[0][0] / 10
assert min(norm for loss, norm in clipped) > 1.0

# %%
# Conclusion
# ----------
# Clip after ``backward()`` and before ``step()``, and log what ``clip_grad_norm_``
# returns: a jump in that number is the first sign of an exploding step. The page on
# :ref:`gradient clipping <gradient-clipping>` covers ``clip_grad_value_``, clipping with gradient
# accumulation, and reading the gradient norm of each layer.
