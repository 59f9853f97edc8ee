"""
Anomaly detection: hunting an in-place bug
==========================================

"modified by an inplace operation" tells you *that* a saved tensor was overwritten,
not *where*. Anomaly detection records where each operation of the forward pass ran,
and prints that line when its node fails in the backward pass. This example hits the error in a small
model, uses anomaly detection to find the forward line whose saved output was overwritten,
and fixes it.
"""

# %%
# A small model with a hidden in-place bug
# ----------------------------------------
# ``sigmoid`` saves its output for the backward pass; a later line shifts that output
# in place.
import torch

torch.manual_seed(0)
device = torch.device("cuda" if torch.cuda.is_available() else "cpu")
print(f"device: {device}")

w1 = torch.randn(4, 8, device=device, requires_grad=True)
w2 = torch.randn(8, 1, device=device, requires_grad=True)
inputs = torch.randn(16, 4, device=device)


def model(x):
    hidden = torch.tanh(x @ w1)
    scores = torch.sigmoid(hidden @ w2)
    scores += 0.1
    return scores.mean()


# %%
# The error, without anomaly detection
# ------------------------------------
# The traceback ends at ``backward()``; the message names a tensor of shape
# ``[16, 1]`` but no line of the model.
import traceback

try:
    model(inputs).backward()
except RuntimeError:
    traceback.print_exc()

# %%
# The same call with anomaly detection
# ------------------------------------
# A warning comes first: the node that failed (``SigmoidBackward0``) and the
# traceback of the forward call that created it, down to the line inside ``model``: the
# ``sigmoid`` call, whose output the node saved. The overwrite itself, ``scores += 0.1``,
# is the next line: anomaly detection names the line that saved the tensor, and the
# in-place change comes there or later.
with torch.autograd.set_detect_anomaly(True):
    try:
        model(inputs).backward()
    except RuntimeError:
        traceback.print_exc()

# %%
# The fix: shift out of place
# ---------------------------
# ``scores + 0.1`` is a new tensor, so the output saved by ``sigmoid`` stays intact.
def fixed_model(x):
    hidden = torch.tanh(x @ w1)
    scores = torch.sigmoid(hidden @ w2)
    scores = scores + 0.1
    return scores.mean()


fixed_model(inputs).backward()
print(f"w1.grad shape: {tuple(w1.grad.shape)} w2.grad shape: {tuple(w2.grad.shape)}")

# %%
# Conclusion
# ----------
# Turn anomaly detection on when an in-place error does not say enough; it names the
# forward line. Turn it off again: it slows every training step down (the page on
# :ref:`anomaly detection <anomaly-detection>` measures by how much). See also
# :ref:`in-place operations <inplace-errors>`.
