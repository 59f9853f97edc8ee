"""
Anomaly detection: hunting a NaN gradient
=========================================

A NaN in a gradient spreads silently: into ``.grad``, then into the weights, then into
every output. ``torch.autograd.detect_anomaly()`` checks the output of every node and
stops at the first one that returns NaN. This example finds where a NaN
gradient comes from and replaces the formula with a numerically safe one.
"""

# %%
# A distance whose gradient is NaN at zero
# ----------------------------------------
# The length of a vector, ``sqrt(sum(x²))``, is fine as a value, even for the zero
# vector.
import torch

torch.manual_seed(0)
device = torch.device("cuda" if torch.cuda.is_available() else "cpu")
print(f"device: {device}")

points = torch.tensor([[0.0, 0.0], [3.0, 4.0]], device=device, requires_grad=True)
lengths = torch.sqrt((points ** 2).sum(dim=1))
print(f"lengths: {lengths}")

# %%
# The NaN arrives silently
# ------------------------
# No error, no warning: the first row of the gradient is NaN.
lengths.sum().backward()
print(f"points.grad: {points.grad}")

# %%
# Anomaly detection stops at the first NaN
# ----------------------------------------
# With ``detect_anomaly()`` (its ``check_nan`` argument is ``True`` by default) the
# backward pass raises and names the node, and the warning shows its
# forward line.
import traceback

points.grad = None
with torch.autograd.detect_anomaly():
    lengths = torch.sqrt((points ** 2).sum(dim=1))
    try:
        lengths.sum().backward()
    except RuntimeError:
        traceback.print_exc()

# %%
# Reading the culprit
# -------------------
# ``sqrt`` has an infinite derivative at 0. ``SumBackward1``, the node of
# ``sum(dim=1)``, passes the ``inf`` on, and ``PowBackward0`` multiplies it by
# ``2 * x = 0``: ``inf * 0`` is NaN.
sqrt_node = lengths.grad_fn
sum_node = sqrt_node.next_functions[0][0]
pow_node = sum_node.next_functions[0][0]
print(f"nodes: {sqrt_node.name()} -> {sum_node.name()} -> {pow_node.name()}")
print(f"d sqrt(s)/ds at s = 0: {0.5 / torch.sqrt(torch.tensor(0.0))}")
print(f"inf * 0: {torch.tensor(float('inf')) * 0}")

# %%
# The fix: a norm that is safe at zero
# ------------------------------------
# ``torch.linalg.vector_norm`` computes the same length, and its gradient formula gives the zero
# vector a gradient of 0 instead of ``inf * 0``.
with torch.autograd.detect_anomaly():
    lengths = torch.linalg.vector_norm(points, dim=1)
    lengths.sum().backward()
print(f"lengths: {lengths}")
print(f"points.grad: {points.grad}")

# %%
# Conclusion
# ----------
# ``detect_anomaly()`` names the node where NaN first appears; its cause
# may be one step earlier, as the ``inf`` of ``sqrt`` here. Prefer formulas that stay
# finite, such as a library norm or a ``clamp`` before ``sqrt``. See :ref:`anomaly detection <anomaly-detection>`.
