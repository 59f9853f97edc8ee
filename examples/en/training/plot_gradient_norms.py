"""
Gradient norms per layer: a vanishing gradient, seen and fixed
==============================================================

A deep network of sigmoid layers trains its last layers and leaves its first ones
almost where they started: the gradient shrinks on its way back. This example logs
the gradient norm of each layer, trains a few steps, and measures how far each layer's
weights moved, in a sigmoid network and in a residual ReLU network of the same depth.
"""

# %%
# Two networks of the same depth
# ------------------------------
# Twelve hidden linear layers each, then a linear head. The residual one adds each hidden
# layer's output to its input, after a layer normalization.
import torch
from torch import nn

torch.manual_seed(0)
device = torch.device("cuda" if torch.cuda.is_available() else "cpu")
print(f"device: {device}")


class Plain(nn.Module):
    def __init__(self, depth=12, width=32):
        super().__init__()
        self.layers = nn.ModuleList(nn.Linear(width, width) for _ in range(depth))
        self.head = nn.Linear(width, 1)

    def forward(self, x):
        for layer in self.layers:
            x = torch.sigmoid(layer(x))
        return self.head(x)


class Residual(nn.Module):
    def __init__(self, depth=12, width=32):
        super().__init__()
        self.layers = nn.ModuleList(nn.Linear(width, width) for _ in range(depth))
        self.norms = nn.ModuleList(nn.LayerNorm(width) for _ in range(depth))
        self.head = nn.Linear(width, 1)

    def forward(self, x):
        for norm, layer in zip(self.norms, self.layers):
            x = x + layer(torch.relu(norm(x)))
        return self.head(x)


inputs = torch.randn(64, 32, device=device)
targets = torch.randn(64, 1, device=device)
torch.manual_seed(0)
sigmoid_net = Plain().to(device)
torch.manual_seed(0)
residual_net = Residual().to(device)


# %%
# The gradient norm of each layer
# -------------------------------
# One backward pass; ``weight.grad.norm()`` for each hidden layer, first to last.
def layer_grad_norms(model):
    model.zero_grad()
    nn.functional.mse_loss(model(inputs), targets).backward()
    return [layer.weight.grad.norm().item() for layer in model.layers]


sigmoid_norms = layer_grad_norms(sigmoid_net)
residual_norms = layer_grad_norms(residual_net)
print(f"{'layer':<6}{'sigmoid':>12}{'residual':>12}")
for i, (s, r) in enumerate(zip(sigmoid_norms, residual_norms)):
    print(f"{i + 1:<6}{s:12.2e}{r:12.2e}")


# %%
# How far each layer moves in training
# ------------------------------------
# Twenty SGD steps, then the distance of each layer's weights from where they started,
# relative to their size. The sigmoid network's first layer has barely moved, if at all:
# its updates are far below the precision of its ``float32`` weights.
def relative_moves(model, steps=20, lr=0.01):
    start = [layer.weight.detach().clone() for layer in model.layers]
    optimizer = torch.optim.SGD(model.parameters(), lr=lr)
    for step in range(steps):
        optimizer.zero_grad()
        nn.functional.mse_loss(model(inputs), targets).backward()
        optimizer.step()
    return [((layer.weight.detach() - w0).norm() / w0.norm()).item()
            for layer, w0 in zip(model.layers, start)]


sigmoid_moves = relative_moves(sigmoid_net)
residual_moves = relative_moves(residual_net)
for name, moves in [("sigmoid", sigmoid_moves), ("residual", residual_moves)]:
    print(f"{name:>8}: first layer moved {moves[0]:.1e}, last layer {moves[-1]:.1e}")

assert sigmoid_moves[0] < sigmoid_moves[-1] / 1e6
assert residual_moves[0] > residual_moves[-1] / 10

# %%
# Conclusion
# ----------
# A first layer whose gradient norm is orders of magnitude below the last layer's does
# not learn. Residual connections and normalization keep the norms of the same order
# from the first layer to the last. The page on :ref:`gradient clipping <gradient-clipping>` shows the
# opposite problem, exploding gradients, and how to clip them.
