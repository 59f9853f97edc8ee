"""
Truncated backpropagation through time: detaching the hidden state
==================================================================

A recurrent network that reads a long sequence in chunks carries its hidden state from
one chunk to the next. Without ``detach()`` the state also carries the previous chunk's
graph, and the second ``backward()`` fails. This example runs that mistake, shows that
``retain_graph=True`` only trades that error for the in-place error, measures the graph it keeps
alive when no step is taken, then trains with the fix.
"""

# %%
# A long sequence, read in chunks
# -------------------------------
# The task: repeat the first feature of the previous step. Each chunk has 5 steps.
import torch
from torch import nn

torch.manual_seed(0)
device = torch.device("cuda" if torch.cuda.is_available() else "cpu")
print(f"device: {device}")

cell = nn.GRUCell(3, 8).to(device)
head = nn.Linear(8, 1).to(device)
parameters = [*cell.parameters(), *head.parameters()]
stream = torch.randn(40, 5, 4, 3, device=device)  # chunks, steps, batch, features
targets = stream[..., :1].roll(1, dims=1)


def run_chunk(hidden, k):
    loss = 0.0
    for step in range(stream.shape[1]):
        hidden = cell(stream[k, step], hidden)
        loss = loss + ((head(hidden) - targets[k, step]) ** 2).mean()
    return hidden, loss / stream.shape[1]


def graph_size(tensor):
    """Nodes reachable from ``tensor.grad_fn``."""
    seen, stack = set(), [tensor.grad_fn]
    while stack:
        node = stack.pop()
        if node is not None and node not in seen:
            seen.add(node)
            stack.extend(next_node for next_node, _ in node.next_functions)
    return len(seen)


# %%
# The mistake: the hidden state keeps its history
# -----------------------------------------------
# ``backward()`` runs once on the second chunk's loss, yet it fails: its graph runs back
# into the first chunk's, which the first ``backward()`` freed.
import traceback

optimizer = torch.optim.Adam(parameters, lr=0.02)
hidden = torch.zeros(4, 8, device=device)
try:
    for k in range(2):
        hidden, loss = run_chunk(hidden, k)
        print(f"chunk {k + 1}: {graph_size(loss)} nodes reachable from the loss")
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()
except RuntimeError:
    traceback.print_exc()

# %%
# The wrong fix: ``retain_graph=True``
# ------------------------------------
# In the same loop, it trades the error for another one. The second ``backward()`` still
# goes back into the first chunk, which saved the weights that ``optimizer.step()`` has
# since changed in place:
hidden = torch.zeros(4, 8, device=device)
try:
    for k in range(2):
        hidden, loss = run_chunk(hidden, k)
        optimizer.zero_grad()
        loss.backward(retain_graph=True)
        optimizer.step()
except RuntimeError:
    traceback.print_exc()

# %%
# Without any ``optimizer.step()`` (a loop that only computes gradients) it runs, but
# nothing is freed: the graph grows by one chunk per iteration, and every backward pass
# goes back to chunk 1.
hidden = torch.zeros(4, 8, device=device)
reached_first_chunk = 0
for k in range(12):
    hidden, loss = run_chunk(hidden, k)
    if k == 0:
        def count(grad):
            global reached_first_chunk
            reached_first_chunk += 1
        hidden.register_hook(count)
    loss.backward(retain_graph=True)
    if k % 4 == 3:
        print(f"chunk {k + 1:2d}: {graph_size(loss):5d} nodes kept alive, "
              f"{reached_first_chunk} backward passes reached chunk 1")

# %%
# The fix: ``detach()`` at the chunk boundary
# -------------------------------------------
# The hidden state keeps its value and the graph starts afresh. Over the 40 chunks the
# loss falls: the last ten chunks average below the first ten (the ``assert``).
torch.manual_seed(0)
cell.reset_parameters()
head.reset_parameters()
optimizer = torch.optim.Adam(parameters, lr=0.02)

hidden = torch.zeros(4, 8, device=device)
losses = []
for k in range(40):
    hidden, loss = run_chunk(hidden.detach(), k)
    optimizer.zero_grad()
    loss.backward()
    optimizer.step()
    losses.append(loss.item())
    if k % 10 == 9:
        print(f"chunk {k + 1:2d}: loss {loss.item():.4f}, {graph_size(loss)} nodes")
assert sum(losses[-10:]) < sum(losses[:10])

# %%
# Conclusion
# ----------
# Detach any state that lives longer than one batch: hidden states, moving averages,
# memory banks. In a recurrent loop like this one, the old graph saved the recurrent
# weights, so ``retain_graph=True`` turns the error into the in-place error as soon as the
# optimizer steps. Where the old graph saved nothing that a step changes (a running average
# of a first layer's features, as on the page on :ref:`wrong fixes <wrong-fixes>`),
# ``retain_graph=True`` runs without error. Either way it keeps every batch's graph alive. The page on
# :ref:`state carried across batches <carried-state>` measures the cost and shows the
# running-average case.
