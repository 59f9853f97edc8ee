"""
没有报错不等于结果正确：自动求导发现不了的四种静默错误
======================================================

自动求导（autograd）只有碰上它会检查的东西，才能发现顺序错了：计算图已被释放，或者某个保存的
张量版本变了。很多错误的顺序碰不到它检查的任何东西，训练照常进行，数字却是错的。本示例运行其中四种，
每种都用同一个随机种子与正确的顺序并排运行，并打印两边的权重最终相差多少。每种情况都用 ``assert``
检查两者确实不同。
"""

# %%
# 两个模型相差多远
# ----------------
# 对应参数之间最大的差值，并检查它不为零。
import torch
from torch import nn

device = torch.device("cuda" if torch.cuda.is_available() else "cpu")
print(f"设备：{device}")


def weights_apart(case, wrong, right):
    gap = max((p - q).abs().max().item() for p, q in zip(wrong.parameters(), right.parameters()))
    print(f"{case}：两边的权重最终相差 {gap:.4f}")
    assert gap > 1e-3, f"{case}：错误的顺序现在得到了正确的权重"


# %%
# 1. 在两次 ``backward()`` 之间调用 ``step()``，而计算图没有保存被改动的张量
# --------------------------------------------------------------------------
# 一个主干网络接两个输出头。主干网络的输入不需要梯度，所以没有哪个节点保存主干网络的权重，
# 在 ``loss_b.backward()`` 之前调用 ``opt_a.step()`` 不会报错。可是 ``loss_b`` 传给主干网络
# 的梯度在 ``step()`` 之后才到，又在下一次梯度清零（``zero_grad()``）时被清掉：主干网络从来没有从
# ``loss_b`` 学到东西。
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


weights_apart("两次反向传播之间调用 step()", train_two_heads(True), train_two_heads(False))

# %%
# 2. GAN 没有 ``fake.detach()``，``zero_grad()`` 放在循环开头
# -----------------------------------------------------------
# 不分离（``detach()``），``loss_d.backward()`` 也会往生成器的 ``.grad`` 里写梯度。两个
# ``zero_grad()`` 都放在循环开头时，这份梯度留了下来，和生成器自己的梯度加在一起：
# 生成器用两份梯度之和更新了一次参数。
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


weights_apart("GAN 没有 fake.detach()", train_gan(False), train_gan(True))

# %%
# 3. ``zero_grad()`` 放进了梯度累积的循环里
# -----------------------------------------
# 4 个微批次的梯度本应加起来等于一个批次的梯度。在它们的循环里清零，只留下最后一个微批次的
# 梯度，也就是只用了整个批次四分之一的数据。
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


weights_apart("每个微批次都 zero_grad()", train_accumulated(True), train_accumulated(False))

# %%
# 4. 在两次 ``backward()`` 之间通过 ``.data`` 更新参数
# ----------------------------------------------------
# 沿用第 2 种情况的模型，在两次反向传播之间更新判别器，做法和 PyTorch 1.5 之前的优化器一样：
# 通过 ``.data``，版本计数器看不到这种修改。如今在这个位置调用 ``opt_d.step()`` 会报
# “modified by an inplace operation”，:ref:`双优化器示例
# <sphx_glr_auto_examples_errors_plot_two_optimizers.py>`\ 演示了这一点；改用 ``.data`` 后，
# 生成器悄悄拿到一份由新旧两个判别器拼出来的梯度。正确的做法是用 ``opt_d.step()`` 更新，
# 之后重新做一次前向传播。
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


weights_apart("通过 .data 更新", train_gan_step_between(True), train_gan_step_between(False))

# %%
# 小结
# ----
# 以上四种情况都没有报错，训练出的模型却都和按正确顺序训练出的不一样。所有 ``backward()`` 都要在
# ``step()`` 之前完成，或者在 ``step()`` 之后重新做前向传播；一个模型交给另一个模型的张量要
# ``detach()``；每个训练步只清零一次梯度；不要通过 ``.data`` 写入。各条规则的来龙去脉见\ :ref:`参数更新的时机 <step-between-backwards>`、:ref:`多个损失共用一张计算图 <retain-graph>`\ 和\ :ref:`梯度清零 <zero-grad>`。
