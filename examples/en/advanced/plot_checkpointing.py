"""
Activation checkpointing: memory kept for 1, 2, 4 and 8 segments
================================================================

``torch.utils.checkpoint.checkpoint_sequential`` splits a sequential model into
segments and keeps only each segment's input for the backward pass. During
``backward()`` each checkpointed segment (every one but the last) runs its forward pass
again, one at a time. This example
counts, for 1, 2, 4 and 8 segments, the bytes kept between the two passes and the bytes one
recomputed segment adds, then checks that the gradients do not change.
"""

# %%
# A deep model of eight blocks
# ----------------------------
# Each block is a linear layer and a ``tanh``.
import torch
from torch import nn
from torch.utils.checkpoint import checkpoint_sequential

torch.manual_seed(0)
device = torch.device("cuda" if torch.cuda.is_available() else "cpu")
print(f"device: {device}")

model = nn.Sequential(*[nn.Sequential(nn.Linear(128, 128), nn.Tanh()) for _ in range(8)]).to(device)
x = torch.randn(32, 128, device=device, requires_grad=True)

# %%
# Counting saved bytes
# --------------------
# A pack hook sees every tensor the graph saves for the backward pass. It adds up the
# activations, not the weights, which are in memory anyway, and counts each storage once:
# a ``tanh`` output is also the input that the next linear layer saves.
weights = {p.untyped_storage().data_ptr() for p in model.parameters()}


def saved_bytes(forward):
    storages = {}  # one entry per storage: a tensor saved twice counts once

    def pack(tensor):
        storage = tensor.untyped_storage()
        if storage.data_ptr() not in weights:
            storages[storage.data_ptr()] = storage.nbytes()
        return tensor

    with torch.autograd.graph.saved_tensors_hooks(pack, lambda tensor: tensor):
        output = forward()
    return output, sum(storages.values())


_, plain_bytes = saved_bytes(lambda: model(x))
activation_bytes = x.numel() * x.element_size()  # every activation has the shape of x
print(f"no checkpoint: {plain_bytes:,} bytes kept ({plain_bytes // activation_bytes} activations)")

# %%
# Kept bytes and recomputed bytes, per number of segments
# -------------------------------------------------------
# ``checkpoint_sequential`` keeps the input of every segment but the last, and runs the
# last one without a checkpoint: ``backward()`` starts there. The backward pass
# rebuilds one segment's activations at a time, on top of what is kept.
kept_by_segments, rebuilt_by_segments = {}, {}
for segments in (1, 2, 4, 8):
    _, kept = saved_bytes(lambda n=segments: checkpoint_sequential(model, n, x, use_reentrant=False))
    _, one_segment = saved_bytes(lambda n=segments: model[: len(model) // n](x))
    rebuilt = one_segment - activation_bytes  # the segment's input is kept already
    recomputed = f"{rebuilt:>7,} bytes per recomputed segment" if segments > 1 else "nothing recomputed"
    print(f"{segments} segment(s): {kept:>7,} bytes kept, {recomputed}")
    if segments == 1:
        assert kept == plain_bytes  # one segment is the last one: nothing is checkpointed
    kept_by_segments[segments], rebuilt_by_segments[segments] = kept, rebuilt
least = min(kept_by_segments.values())
assert [n for n, kept in kept_by_segments.items() if kept == least] == [2, 4]
assert 2 * rebuilt_by_segments[4] == rebuilt_by_segments[2]

# %%
# The gradients do not change
# ---------------------------
# The same step with four segments and without checkpointing.
loss = (checkpoint_sequential(model, 4, x, use_reentrant=False) ** 2).mean()
checkpointed = torch.autograd.grad(loss, [x, *model.parameters()])
loss = (model(x) ** 2).mean()
plain = torch.autograd.grad(loss, [x, *model.parameters()])
for a, b in zip(checkpointed, plain):
    torch.testing.assert_close(a, b)
print(f"all {len(plain)} gradients match")

# %%
# The cost: every checkpointed block runs twice
# ---------------------------------------------
# A forward pre-hook on each block counts its calls. The last segment (the last two of
# the eight blocks) is not checkpointed and runs once.
calls = [0] * len(model)


def count_call(module, args):
    calls[list(model).index(module)] += 1


for block in model:
    block.register_forward_pre_hook(count_call)
checkpoint_sequential(model, 4, x, use_reentrant=False).sum().backward()
print(f"calls per block for one step: {calls}")
assert calls == [2] * 6 + [1] * 2

# %%
# Conclusion
# ----------
# In the table above, two and four segments tie: both keep the least between the two
# passes (the first ``assert`` checks it). More segments keep more inputs; fewer leave a
# longer last segment without a checkpoint. One segment and eight segments keep as much
# as no checkpoint at all. The recomputed activations come on top, one segment after the
# other: with four segments a recomputed segment adds half the bytes it adds with two
# (the second ``assert``). The page on :ref:`activation checkpointing <checkpointing>` measures the
# time paid and compares ``use_reentrant=True`` and ``False``.
