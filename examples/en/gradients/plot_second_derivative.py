"""
Second derivatives: a gradient penalty with ``create_graph=True``
=================================================================

``torch.autograd.grad`` normally returns plain tensors. With ``create_graph=True`` it
records the backward pass too, so the gradient can itself be differentiated. This
example checks a second derivative against its closed form, then uses the same
mechanism for a gradient penalty, as in WGAN-GP: a loss on the norm of
d(output)/d(input), trained with an ordinary ``backward()``.
"""

# %%
# A function with a known second derivative
# -----------------------------------------
# For ``y = sin(x) * x`` the closed forms are ``y' = cos(x) * x + sin(x)`` and
# ``y'' = 2 * cos(x) - sin(x) * x``.
import torch
from torch import nn

torch.manual_seed(0)
device = torch.device("cuda" if torch.cuda.is_available() else "cpu")
print(f"device: {device}")

x = torch.linspace(-2.0, 2.0, 5, device=device, requires_grad=True)
y = torch.sin(x) * x

# %%
# First derivative, keeping its graph
# -----------------------------------
# ``create_graph=True`` makes ``dy_dx`` a tensor with a ``grad_fn``.
(dy_dx,) = torch.autograd.grad(y.sum(), x, create_graph=True)
print(f"dy/dx: {dy_dx.detach().cpu()}")
print(f"grad_fn: {dy_dx.grad_fn.name()}")

# %%
# Second derivative, checked against the closed form
# --------------------------------------------------
# Each ``dy_dx[i]`` depends only on ``x[i]``, so differentiating the sum gives the
# elementwise second derivative.
(d2y_dx2,) = torch.autograd.grad(dy_dx.sum(), x)
xd = x.detach()
closed_form = 2 * torch.cos(xd) - torch.sin(xd) * xd
print(f"d2y/dx2:     {d2y_dx2.cpu()}")
print(f"closed form: {closed_form.cpu()}")
torch.testing.assert_close(d2y_dx2, closed_form)

# %%
# A critic and points to penalize
# -------------------------------
# A small network and a batch of points; in WGAN-GP they are mixtures of real and
# generated samples.
critic = nn.Sequential(nn.Linear(2, 16), nn.Tanh(), nn.Linear(16, 1)).to(device)
real = torch.randn(8, 2, device=device)
fake = torch.randn(8, 2, device=device) + 3.0
alpha = torch.rand(8, 1, device=device)
points = (alpha * real + (1 - alpha) * fake).requires_grad_()

# %%
# The gradient penalty
# --------------------
# The gradient of the critic's output with respect to its input, per sample, with
# ``create_graph=True`` so that the penalty can be backpropagated to the weights.
scores = critic(points)
(grad_points,) = torch.autograd.grad(scores.sum(), points, create_graph=True)
grad_norm = grad_points.norm(2, dim=1)
penalty = ((grad_norm - 1) ** 2).mean()
print(f"gradient norms: {grad_norm.detach().cpu()}")
print(f"penalty: {penalty.item():.4f}")

# %%
# The backward pass through the penalty
# -------------------------------------
# An ordinary ``backward()`` reaches the weights through the graph that
# ``create_graph=True`` recorded. The last bias shifts the output but not its slope, so
# it gets no gradient: ``None``.
penalty.backward()
for name, p in critic.named_parameters():
    norm = None if p.grad is None else f"{p.grad.norm().item():.4f}"
    print(f"{name} grad norm: {norm}")

# %%
# A check against the closed form
# -------------------------------
# For a linear critic ``f(x) = w . x + b`` the input gradient is ``w``, the penalty is
# ``(|w| - 1) ** 2``, and its gradient is ``2 * (|w| - 1) * w / |w|``.
linear = nn.Linear(2, 1).to(device)
(g,) = torch.autograd.grad(linear(points).sum(), points, create_graph=True)
((g.norm(2, dim=1) - 1) ** 2).mean().backward()
w = linear.weight.detach()
expected = 2 * (w.norm() - 1) * w / w.norm()
print(f"autograd:    {linear.weight.grad.cpu()}")
print(f"closed form: {expected.cpu()}")
torch.testing.assert_close(linear.weight.grad, expected)

# %%
# A few training steps
# --------------------
# Minimizing the penalty alone drives the critic's input-gradient norms toward 1.
optimizer = torch.optim.SGD(critic.parameters(), lr=0.1)
for step in range(30):
    optimizer.zero_grad()
    (grad_points,) = torch.autograd.grad(critic(points).sum(), points, create_graph=True)
    penalty = ((grad_points.norm(2, dim=1) - 1) ** 2).mean()
    penalty.backward()
    optimizer.step()
    if step == 0 or step % 10 == 9:
        print(f"step {step + 1:2d}: penalty {penalty.item():.4f}")

# %%
# Conclusion
# ----------
# ``create_graph=True`` turns a gradient into something you can differentiate again:
# a second derivative, or a penalty on a gradient's norm. The page on
# :ref:`two ways to get gradients <backward-vs-grad>` compares ``torch.autograd.grad`` with ``backward()``.
