"""
No error is not proof: four mistakes autograd does not catch
============================================================

Autograd catches a wrong order only when it trips over something it checks: a freed
graph, or a saved tensor whose version changed. Many wrong orders touch nothing it
checks, and training goes on with wrong numbers. This example runs four of them, each next to the right order
on the same seed, and prints how far apart the weights end up. Each case asserts that
the two really differ.
"""

# %%
# How far apart two models end up
# -------------------------------
# The largest difference between matching parameters, and a check that it is not zero.
import torch
from torch import nn

device = torch.device("cuda" if torch.cuda.is_available() else "cpu")
print(f"device: {device}")


def weights_apart(case, wrong, right):
    gap = max((p - q).abs().max().item() for p, q in zip(wrong.parameters(), right.parameters()))
    print(f"{case}: the weights end {gap:.4f} apart")
    assert gap > 1e-3, f"{case}: the wrong order now gives the right weights"


# %%
# 1. ``step()`` between two ``backward()`` calls, with nothing saved
# ------------------------------------------------------------------
# A trunk with two heads. The trunk's input does not require gradients, so no node saved the
# trunk's weight, and ``opt_a.step()`` before ``loss_b.backward()`` raises nothing. But
# ``loss_b``'s gradient for the trunk arrives after the step, and the next
# ``zero_grad()`` erases it: the trunk never learns from ``loss_b``.
def train_two_heads(step_between):
    torch.manual_seed(0)
    trunk, head_a, head_b = nn.Linear(4, 3), nn.Linear(3, 1), nn.Linear(3, 1)
    model = nn.ModuleList([trunk, head_a, head_b]).to(device)
    opt_a = torch.optim.SGD([*trunk.parameters(), *head_a.parameters()], lr=0.1)
    opt_b = torch.optim.SGD(head_b.parameters(), lr=0.1)
    inputs = torch.randn(8, 4, device=device)
    for _ in range(10):
        opt_a.zero_grad()
        opt_b.zero_grad()
        features = trunk(inputs)
        loss_a = (head_a(features) ** 2).mean()
        loss_b = head_b(features).abs().mean()
        loss_a.backward(retain_graph=True)
        if step_between:
            opt_a.step()
        loss_b.backward()
        if not step_between:
            opt_a.step()
        opt_b.step()
    return model


weights_apart("step between the backward passes", train_two_heads(True), train_two_heads(False))

# %%
# 2. A GAN without ``fake.detach()``, ``zero_grad()`` at the top of the loop
# --------------------------------------------------------------------------
# Without ``detach()``, ``loss_d.backward()`` also fills the generator's ``.grad``.
# With both ``zero_grad()`` calls at the top of the loop, that gradient stays and is
# added to the generator's own: the generator steps with the sum of both.
def make_gan():
    torch.manual_seed(0)
    generator = nn.Linear(2, 3).to(device)
    discriminator = nn.Sequential(nn.Linear(3, 4), nn.Tanh(), nn.Linear(4, 1)).to(device)
    opt_g = torch.optim.SGD(generator.parameters(), lr=0.1)
    opt_d = torch.optim.SGD(discriminator.parameters(), lr=0.1)
    noise = torch.randn(4, 2, device=device)
    return generator, discriminator, opt_g, opt_d, noise


def train_gan(detach):
    generator, discriminator, opt_g, opt_d, noise = make_gan()
    for _ in range(10):
        opt_d.zero_grad()
        opt_g.zero_grad()
        fake = generator(noise)
        loss_d = discriminator(fake.detach() if detach else fake).mean()
        loss_d.backward()
        opt_d.step()
        loss_g = -discriminator(fake if detach else generator(noise)).mean()
        loss_g.backward()
        opt_g.step()
    return generator


weights_apart("GAN without fake.detach()", train_gan(False), train_gan(True))

# %%
# 3. ``zero_grad()`` inside the gradient accumulation loop
# --------------------------------------------------------
# Four micro-batches should add up to one batch. Clearing inside their loop keeps only
# the last micro-batch's gradient, a quarter of the batch.
def train_accumulated(zero_grad_each_micro_batch):
    torch.manual_seed(0)
    model = nn.Linear(3, 1).to(device)
    optimizer = torch.optim.SGD(model.parameters(), lr=0.1)
    inputs = torch.randn(16, 3, device=device)
    targets = torch.randn(16, 1, device=device)
    for _ in range(10):
        optimizer.zero_grad()
        for xb, yb in zip(inputs.chunk(4), targets.chunk(4)):
            if zero_grad_each_micro_batch:
                optimizer.zero_grad()
            (nn.functional.mse_loss(model(xb), yb) / 4).backward()
        optimizer.step()
    return model


weights_apart("zero_grad() per micro-batch", train_accumulated(True), train_accumulated(False))

# %%
# 4. An update through ``.data`` between two ``backward()`` calls
# ---------------------------------------------------------------
# Case 2's models, with the discriminator stepped between the two backward passes, as
# optimizers did before PyTorch 1.5: through ``.data``, which the version counter does
# not see. Today's ``opt_d.step()`` in this place raises "modified by an inplace
# operation", as the :ref:`two-optimizer example
# <sphx_glr_auto_examples_errors_plot_two_optimizers.py>` shows; through ``.data`` the
# generator silently gets a gradient mixed from the old and the new discriminator. The right order steps with ``opt_d.step()`` and runs the
# forward pass again after it.
def train_gan_step_between(through_data):
    generator, discriminator, opt_g, opt_d, noise = make_gan()
    for _ in range(10):
        opt_d.zero_grad()
        opt_g.zero_grad()
        score = discriminator(generator(noise))
        score.mean().backward(retain_graph=True, inputs=list(discriminator.parameters()))
        if through_data:
            for p in discriminator.parameters():
                p.data.add_(p.grad, alpha=-0.1)
        else:
            opt_d.step()
            score = discriminator(generator(noise))
        (-score.mean()).backward(inputs=list(generator.parameters()))
        opt_g.step()
    return generator


weights_apart("update through .data", train_gan_step_between(True), train_gan_step_between(False))

# %%
# Conclusion
# ----------
# None of these printed an error, and each trained a different model than the right
# order. Run every ``backward()`` before ``step()`` or recompute the forward pass after
# it, ``detach()`` what one model hands the other, clear gradients once per optimizer
# step, and never write through ``.data``. The pages on :ref:`step ordering <step-between-backwards>`,
# :ref:`several losses, one graph <retain-graph>` and :ref:`zeroing gradients <zero-grad>` explain each rule.
