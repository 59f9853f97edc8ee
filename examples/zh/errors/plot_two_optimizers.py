"""
两个损失、两个优化器：什么时候调用 ``step()``
=============================================

GAN 用两个损失、两个优化器分别训练生成器和判别器。如果在两次 ``backward()`` 之间调用
判别器的 ``step()``，就会改动第二次 ``backward()`` 还要用到的权重；这里自动求导（autograd）会报错，
因为计算图保存了这个权重。如果没有哪个节点保存被更新的权重，同样的顺序不会报任何错，
训练却会悄悄出错：\\ :ref:`静默错误示例 <sphx_glr_auto_examples_errors_plot_no_error_is_not_proof.py>`\\ 演示了这种情形，主干网络始终没能从第二个损失学到东西。
本示例在两个微型 ``nn.Linear`` 模型上先运行这种错误的顺序，再运行两种可行的顺序，
并说明判别器那一步为什么要先把假样本分离（``fake.detach()``）。
"""

# %%
# 两个微型模型及其优化器
# ----------------------
# 生成器把噪声变成样本，判别器给样本打分。
import torch
from torch import nn

torch.manual_seed(0)
device = torch.device("cuda" if torch.cuda.is_available() else "cpu")
print(f"设备：{device}")

generator = nn.Linear(2, 3).to(device)
discriminator = nn.Linear(3, 1).to(device)
opt_g = torch.optim.SGD(generator.parameters(), lr=0.1)
opt_d = torch.optim.SGD(discriminator.parameters(), lr=0.1)
noise = torch.randn(4, 2, device=device)

# %%
# 常见错误：在两次 ``backward()`` 之间调用 ``step()``
# ---------------------------------------------------
# 两个损失来自同一次前向传播。``loss_g.backward()`` 还没用上判别器的权重，
# ``opt_d.step()`` 就已经原地更新了它。
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
# 版本计数器记下了这一步
# ----------------------
# 前向传播保存权重时，它是版本 1（来自初始化）；``step()`` 把它变成了版本 2，
# 正是报错信息里的那两个数。
print(f"判别器权重的版本：{discriminator.weight._version}")

# %%
# 解决办法（一）：``step()`` 之后重新做前向传播
# ---------------------------------------------
# GAN 的常规写法：判别器用 ``fake.detach()`` 训练，反向传播到这里就停下；然后由更新后的
# 判别器给 ``fake`` 打分，算出生成器的损失。
opt_d.zero_grad()
fake = generator(noise)
loss_d = discriminator(fake.detach()).mean()
loss_d.backward()
opt_d.step()
print(f"loss_d.backward() 之后的 generator.weight.grad：{generator.weight.grad}")

opt_g.zero_grad()
loss_g = -discriminator(fake).mean()
loss_g.backward()
opt_g.step()
print(f"loss_d：{loss_d.item():.4f}，loss_g：{loss_g.item():.4f}")

# %%
# 不用 ``detach()``，生成器也会拿到梯度
# -------------------------------------
# 这时判别器的损失也会写进生成器的 ``.grad``。只有在生成器反向传播之前梯度清零
# （``opt_g.zero_grad()``），才能把它清掉；如果 ``zero_grad()`` 放在循环开头，生成器就会带着它
# 更新参数。
# :ref:`静默错误示例 <sphx_glr_auto_examples_errors_plot_no_error_is_not_proof.py>`\ 测量了由此造成的偏差。
opt_d.zero_grad()
opt_g.zero_grad()
discriminator(generator(noise)).mean().backward()
print(f"loss_d.backward() 之后的 generator.weight.grad：{generator.weight.grad}")

# %%
# 解决办法（二）：所有 ``backward()`` 都在任何 ``step()`` 之前
# ------------------------------------------------------------
# ``inputs=`` 让每个损失的梯度只流向它自己那个模型的参数。
score = discriminator(generator(noise))
loss_d = score.mean()
loss_g = -score.mean()

opt_d.zero_grad()
opt_g.zero_grad()
loss_d.backward(retain_graph=True, inputs=list(discriminator.parameters()))
loss_g.backward(inputs=list(generator.parameters()))

# %%
# 每个模型拿到的都是自己损失的梯度
# --------------------------------
# 每个模型的梯度，都等于在一张新计算图上单独对它自己的损失求出的梯度（两个
# ``assert_close`` 做了核对）。核对之后，两个优化器才各自更新一次参数。
fresh_loss_d = discriminator(generator(noise)).mean()
expected_d = torch.autograd.grad(fresh_loss_d, discriminator.weight)[0]
torch.testing.assert_close(discriminator.weight.grad, expected_d)
fresh_loss_g = -discriminator(generator(noise)).mean()
expected_g = torch.autograd.grad(fresh_loss_g, generator.weight)[0]
torch.testing.assert_close(generator.weight.grad, expected_g)
print(f"generator.weight.grad：{generator.weight.grad}")

opt_d.step()
opt_g.step()

# %%
# 小结
# ----
# 优化器的 ``step()`` 会原地修改参数。要么让所有依赖当前参数的 ``backward()`` 都在第一次
# ``step()`` 之前完成，要么在 ``step()`` 之后重新做一次前向传播；判别器要用 ``fake.detach()``
# 来训练。报错的原因详见\ :ref:`参数更新的时机 <step-between-backwards>`，多个优化器的调用顺序也在那里；
# 保留计算图（``retain_graph=True``）的用法见\ :ref:`多个损失共用一张计算图 <retain-graph>`。
