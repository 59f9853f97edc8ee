"""
Training and validation in one loop: ``train()``/``eval()`` and ``set_grad_enabled``
====================================================================================

A validation pass needs two switches: ``model.eval()``, which changes how dropout and
batch norm compute, and ``torch.no_grad()``, which stops autograd from recording. This
example shows that each switch does only its own job, runs training and validation
through one function with ``torch.set_grad_enabled``, measures what recording costs,
and ends with the error that an inference tensor raises when it is changed in place.
"""

# %%
# A model whose layers depend on the mode
# ---------------------------------------
# Dropout and batch norm compute differently in training and evaluation mode.
import torch
from torch import nn

torch.manual_seed(0)
device = torch.device("cuda" if torch.cuda.is_available() else "cpu")
print(f"device: {device}")

model = nn.Sequential(
    nn.Linear(4, 16), nn.BatchNorm1d(16), nn.ReLU(), nn.Dropout(0.2), nn.Linear(16, 1)
).to(device)
inputs = torch.randn(32, 4, device=device)

# %%
# ``eval()`` does not stop the recording
# --------------------------------------
# In evaluation mode the output is deterministic, but it still has a ``grad_fn``.
model.eval()
output = model(inputs)
print(f"same output twice: {torch.equal(output, model(inputs))}")
print(f"grad_fn: {output.grad_fn.name()}")

# %%
# ``no_grad()`` does not change the layers
# ----------------------------------------
# In training mode under ``no_grad()`` nothing is recorded, but dropout still drops and
# batch norm still updates its running mean.
model.train()
mean_before = model[1].running_mean.clone()
with torch.no_grad():
    output = model(inputs)
    print(f"same output twice: {torch.equal(output, model(inputs))}")
print(f"grad_fn: {output.grad_fn}")
print(f"running mean changed: {not torch.equal(mean_before, model[1].running_mean)}")

# %%
# One function for both phases
# ----------------------------
# One flag sets both switches: ``model.train(flag)`` for the layers and
# ``torch.set_grad_enabled(flag)`` for the recording. It also counts the tensors that
# autograd saved for a backward pass.
def run_epoch(model, data, optimizer=None):
    training = optimizer is not None
    model.train(training)
    total, saved = 0.0, 0

    def pack(tensor):
        nonlocal saved
        saved += 1
        return tensor

    with torch.set_grad_enabled(training), torch.autograd.graph.saved_tensors_hooks(pack, lambda t: t):
        for x, y in data:
            loss = nn.functional.mse_loss(model(x), y)
            if training:
                optimizer.zero_grad()
                loss.backward()
                optimizer.step()
            total += loss.item()
    return total / len(data), saved


weights = torch.randn(4, 1, device=device)
def make_batches(count):
    xs = [torch.randn(32, 4, device=device) for _ in range(count)]
    return [(x, x @ weights) for x in xs]

train_data, val_data = make_batches(8), make_batches(4)
optimizer = torch.optim.SGD(model.parameters(), lr=0.05)

for epoch in range(5):
    train_loss, train_saved = run_epoch(model, train_data, optimizer)
    val_loss, val_saved = run_epoch(model, val_data)
    print(f"epoch {epoch + 1}: train {train_loss:.3f} ({train_saved} saved tensors), "
          f"val {val_loss:.3f} ({val_saved} saved tensors)")

# %%
# The same validation with and without recording
# ----------------------------------------------
# The losses are identical: recording only adds the saved tensors and their bookkeeping.
# Each time is the median CPU time of twenty runs on one thread, the two modes taking
# turns (``time.process_time()`` counts this process alone, so other programs on the
# machine do not inflate it). How much recording costs depends on the model and the
# machine: with larger layers the bookkeeping's share shrinks, and the difference can be
# within the noise.
import statistics
import time


def validate(recording):
    model.eval()
    with torch.set_grad_enabled(recording):
        return [nn.functional.mse_loss(model(x), y).item() for x, y in val_data]


threads = torch.get_num_threads()
torch.set_num_threads(1)  # one thread: the CPU time is then this loop's alone
cpu_times, losses = {True: [], False: []}, {}
for _ in range(20):
    for recording in (True, False):
        start = time.process_time()
        losses[recording] = validate(recording)
        cpu_times[recording].append(time.process_time() - start)
torch.set_num_threads(threads)
median_cpu = {recording: statistics.median(times) for recording, times in cpu_times.items()}
assert losses[True] == losses[False]
print(f"recording: {median_cpu[True] * 1000:.2f} ms of CPU, no recording: {median_cpu[False] * 1000:.2f} ms of CPU")

# %%
# Inference tensors are read-only afterwards
# ------------------------------------------
# Tensors created under ``torch.inference_mode()`` cannot be changed in place outside
# the block.
import traceback

with torch.inference_mode():
    predictions = model(inputs)
try:
    predictions.clamp_(min=0)
except RuntimeError:
    traceback.print_exc()

# %%
# The fix: ``clone()`` outside the block
# --------------------------------------
# A clone is a normal tensor that can be changed and used with autograd.
predictions = predictions.clone()
predictions.clamp_(min=0)
print(f"inference tensor: {predictions.is_inference()} min: {predictions.min().item()}")

# %%
# Conclusion
# ----------
# Call ``model.eval()`` *and* turn off recording for validation; one flag can drive
# both. The page on :ref:`training and evaluation modes <train-eval-modes>` explains each switch, and the cuDNN error that
# RNNs raise on a GPU in evaluation mode.
