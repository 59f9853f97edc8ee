"""
Two losses, two optimizers: when to call ``step()``
===================================================

A GAN trains a generator and a discriminator with two losses and two optimizers.
Calling the discriminator's ``step()`` between the two ``backward()`` calls changes a
weight that the second ``backward()`` still needs, and here autograd raises an error,
because the graph saved that weight. When no node saved the stepped weight, the same
order raises nothing, and training silently goes wrong: the
:ref:`silent-failures example <sphx_glr_auto_examples_errors_plot_no_error_is_not_proof.py>`
shows a trunk that never learns from its second loss. This example runs that order on
two tiny ``nn.Linear`` models, then the two orders that work, and shows why the
discriminator's step takes ``fake.detach()``.
"""

# %%
# Two tiny models and their optimizers
# ------------------------------------
# The generator turns noise into samples; the discriminator scores them.
import torch
from torch import nn

torch.manual_seed(0)
device = torch.device("cuda" if torch.cuda.is_available() else "cpu")
print(f"device: {device}")

generator = nn.Linear(2, 3).to(device)
discriminator = nn.Linear(3, 1).to(device)
opt_g = torch.optim.SGD(generator.parameters(), lr=0.1)
opt_d = torch.optim.SGD(discriminator.parameters(), lr=0.1)
noise = torch.randn(4, 2, device=device)

# %%
# The mistake: ``step()`` between the two ``backward()`` calls
# ------------------------------------------------------------
# Both losses come from one forward pass. ``opt_d.step()`` updates the discriminator's
# weight in place before ``loss_g.backward()`` has used it.
import traceback

score = discriminator(generator(noise))
loss_d = score.mean()
loss_g = -score.mean()

opt_d.zero_grad()
loss_d.backward(retain_graph=True)
opt_d.step()
opt_g.zero_grad()
try:
    loss_g.backward()
except RuntimeError:
    traceback.print_exc()

# %%
# The version counter saw the step
# --------------------------------
# The weight was at version 1 (its initialization) when the forward pass saved it; the
# step moved it to version 2, the two numbers in the message.
print(f"discriminator weight version: {discriminator.weight._version}")

# %%
# Fix (a): recompute the forward pass after the step
# --------------------------------------------------
# The usual GAN recipe: the discriminator trains on ``fake.detach()``, so its backward
# pass stops there; then the updated discriminator scores ``fake`` for the generator.
opt_d.zero_grad()
fake = generator(noise)
loss_d = discriminator(fake.detach()).mean()
loss_d.backward()
opt_d.step()
print(f"generator.weight.grad after loss_d.backward(): {generator.weight.grad}")

opt_g.zero_grad()
loss_g = -discriminator(fake).mean()
loss_g.backward()
opt_g.step()
print(f"loss_d: {loss_d.item():.4f}, loss_g: {loss_g.item():.4f}")

# %%
# Without ``detach()``, the generator gets a gradient too
# -------------------------------------------------------
# The discriminator's loss then also fills the generator's ``.grad``. Only an
# ``opt_g.zero_grad()`` before the generator's backward pass removes it; with
# ``zero_grad()`` at the top of the loop the generator steps with it, and
# :ref:`the silent-failures example <sphx_glr_auto_examples_errors_plot_no_error_is_not_proof.py>`
# measures the damage.
opt_d.zero_grad()
opt_g.zero_grad()
discriminator(generator(noise)).mean().backward()
print(f"generator.weight.grad after loss_d.backward(): {generator.weight.grad}")

# %%
# Fix (b): every ``backward()`` before any ``step()``
# ---------------------------------------------------
# ``inputs=`` sends each loss's gradient only to its own model's parameters.
score = discriminator(generator(noise))
loss_d = score.mean()
loss_g = -score.mean()

opt_d.zero_grad()
opt_g.zero_grad()
loss_d.backward(retain_graph=True, inputs=list(discriminator.parameters()))
loss_g.backward(inputs=list(generator.parameters()))

# %%
# Each model got the gradient of its own loss
# -------------------------------------------
# Each model's gradient equals the gradient of its own loss alone, computed on a fresh
# graph (the two ``assert_close`` calls). Only then do both optimizers step.
fresh_loss_d = discriminator(generator(noise)).mean()
expected_d = torch.autograd.grad(fresh_loss_d, discriminator.weight)[0]
torch.testing.assert_close(discriminator.weight.grad, expected_d)
fresh_loss_g = -discriminator(generator(noise)).mean()
expected_g = torch.autograd.grad(fresh_loss_g, generator.weight)[0]
torch.testing.assert_close(generator.weight.grad, expected_g)
print(f"generator.weight.grad: {generator.weight.grad}")

opt_d.step()
opt_g.step()

# %%
# Conclusion
# ----------
# An optimizer's ``step()`` changes parameters in place. Run every ``backward()`` that
# needs the current parameters before the first ``step()``, or run the forward pass
# again after it, and train the discriminator on ``fake.detach()``. The page on
# :ref:`step ordering <step-between-backwards>` explains the error and the order of several optimizers,
# and :ref:`several losses, one graph <retain-graph>` covers losses that share one graph.
