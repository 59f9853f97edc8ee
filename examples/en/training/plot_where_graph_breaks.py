"""
Where the graph breaks: naming the parameters a loss cannot reach
=================================================================

When a parameter's ``.grad`` stays ``None`` after ``backward()``, no path of the
recorded graph leads from the loss to it. This example defines a small function, pure
torch, that walks the graph from ``loss.grad_fn`` and names every parameter it cannot
reach, with the likely reason. Copy it into your own code; it needs nothing else.
"""

# %%
# The helper
# ----------
# Every parameter that the graph reaches appears as the ``variable`` of an
# ``AccumulateGrad`` node. A parameter the walk does not meet gets no gradient, except
# behind a custom ``Function`` that runs its own nested backward pass, such as a reentrant
# checkpoint: the walk cannot see through it (last section before the conclusion).
import torch
from torch import nn


def unreached_parameters(loss, model):
    """Return {name: reason} for each parameter of ``model`` that ``loss`` cannot reach."""
    reached, seen, stack = set(), set(), [loss.grad_fn]
    while stack:
        node = stack.pop()
        if node is None or node in seen:
            continue
        seen.add(node)
        if hasattr(node, "variable"):  # an AccumulateGrad node: a leaf that gets .grad
            reached.add(id(node.variable))
        stack.extend(next_node for next_node, _ in node.next_functions)

    report = {}
    for name, parameter in model.named_parameters():
        if not parameter.requires_grad:
            report[name] = "requires_grad=False (frozen)"
        elif loss.grad_fn is None:
            report[name] = "the loss has no graph (computed under no_grad, or fully detached)"
        elif id(parameter) not in reached:
            report[name] = "no path from the loss (unused, or the graph is broken before it)"
    return report


# %%
# A model broken in three ways
# ----------------------------
# The encoder is frozen, the gate's output makes a round trip through a Python list,
# and the auxiliary head is never used in the loss. ``backward()`` runs without any error.
torch.manual_seed(0)
device = torch.device("cuda" if torch.cuda.is_available() else "cpu")
print(f"device: {device}")


class Model(nn.Module):
    def __init__(self):
        super().__init__()
        self.encoder = nn.Linear(4, 8)
        self.gate = nn.Linear(8, 1)
        self.head = nn.Linear(8, 1)
        self.aux_head = nn.Linear(8, 1)

    def forward(self, inputs):
        features = self.encoder(inputs).relu()
        # the mistake: a round trip through a Python list
        gate = torch.tensor(self.gate(features).sigmoid().tolist(), device=inputs.device)
        return self.head(features) * gate, self.aux_head(features)


model = Model().to(device)
model.encoder.requires_grad_(False)
inputs, targets = torch.randn(16, 4, device=device), torch.randn(16, 1, device=device)

output, aux_output = model(inputs)
loss = nn.functional.mse_loss(output, targets)
loss.backward()

for name, reason in unreached_parameters(loss, model).items():
    print(f"{name:16} {reason}")

# %%
# The report matches the gradients
# --------------------------------
# The parameters it names are exactly those whose ``.grad`` is ``None``.
no_grad = {name for name, p in model.named_parameters() if p.grad is None}
print(f"grad is None: {sorted(no_grad)}")
assert no_grad == set(unreached_parameters(loss, model))

# %%
# The fixes
# ---------
# Unfreeze the encoder, keep the gate in torch, and add the auxiliary loss.
class FixedModel(Model):
    def forward(self, inputs):
        features = self.encoder(inputs).relu()
        gate = self.gate(features).sigmoid()
        return self.head(features) * gate, self.aux_head(features)


torch.manual_seed(0)
model = FixedModel().to(device)
output, aux_output = model(inputs)
loss = nn.functional.mse_loss(output, targets) + 0.1 * (aux_output ** 2).mean()
loss.backward()

print(f"unreached: {unreached_parameters(loss, model)}")
print(f"grad is None: {[name for name, p in model.named_parameters() if p.grad is None]}")

# %%
# A loss with no graph at all
# ---------------------------
# Under ``torch.no_grad()`` nothing is recorded: the helper says so, and ``backward()``
# then raises :ref:`element 0 of tensors does not require grad <error-does-not-have-a-grad-fn>`.
with torch.no_grad():
    loss = nn.functional.mse_loss(model(inputs)[0], targets)
print(next(iter(unreached_parameters(loss, model).values())))
try:
    loss.backward()
except RuntimeError as error:
    print(f"backward(): {error}")

# %%
# A blind spot: reentrant checkpoints
# -----------------------------------
# ``checkpoint(..., use_reentrant=True)``, like any custom ``Function`` that runs a nested
# backward pass, hides the block's parameters from the walk, yet they get gradients. Treat the
# report as a hint and confirm it against ``.grad`` after ``backward()``.
from torch.utils.checkpoint import checkpoint


class CheckpointedModel(nn.Module):
    def __init__(self):
        super().__init__()
        self.block = nn.Linear(4, 4)
        self.head = nn.Linear(4, 1)

    def forward(self, inputs):
        return self.head(checkpoint(self.block, inputs, use_reentrant=True))


model = CheckpointedModel().to(device)
inputs = torch.randn(16, 4, device=device, requires_grad=True)
loss = (model(inputs) ** 2).mean()
report = unreached_parameters(loss, model)
loss.backward()
print(f"walk says unreached: {sorted(report)}")
print(f"grad is None: {[name for name, p in model.named_parameters() if p.grad is None]}")
assert set(report) == {"block.weight", "block.bias"}
assert all(p.grad is not None for p in model.parameters())

# %%
# Conclusion
# ----------
# Call ``unreached_parameters(loss, model)`` right after computing the loss to find the
# parameters that will get no gradient, and confirm against ``.grad`` after ``backward()``:
# behind a reentrant checkpoint, the walk reports parameters that do get one (above). It
# cannot see a parameter that gets a gradient and still does not train: one the optimizer
# was never given, or one behind ``round`` or ``sign``, whose gradient is zero. The page on
# :ref:`missing gradients <grad-is-none>` lists those causes too, each with its own short check.
