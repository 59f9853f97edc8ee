"""
二阶导数：用 ``create_graph=True`` 实现梯度惩罚项
=================================================

``torch.autograd.grad`` 通常返回普通张量。加上 ``create_graph=True`` 后，它会把反向传播
本身也记录下来，于是梯度还能再求导。本示例先把一个二阶导数与解析解对比，再用同样的机制
实现 WGAN-GP 式的梯度惩罚项：对 d(输出)/d(输入) 的范数施加惩罚，并用普通的
``backward()`` 训练。
"""

# %%
# 一个二阶导数已知的函数
# ----------------------
# 对 ``y = sin(x) * x``，解析解为 ``y' = cos(x) * x + sin(x)``，
# ``y'' = 2 * cos(x) - sin(x) * x``。
import torch
from torch import nn

torch.manual_seed(0)
device = torch.device("cuda" if torch.cuda.is_available() else "cpu")
print(f"设备：{device}")

x = torch.linspace(-2.0, 2.0, 5, device=device, requires_grad=True)
y = torch.sin(x) * x

# %%
# 一阶导数，保留其计算图
# ----------------------
# ``create_graph=True`` 让 ``dy_dx`` 成为带 ``grad_fn`` 的张量。
(dy_dx,) = torch.autograd.grad(y.sum(), x, create_graph=True)
print(f"dy/dx：{dy_dx.detach().cpu()}")
print(f"grad_fn：{dy_dx.grad_fn.name()}")

# %%
# 二阶导数，与解析解对比
# ----------------------
# 每个 ``dy_dx[i]`` 只依赖 ``x[i]``，所以对求和结果求导，得到的就是逐元素的二阶导数。
(d2y_dx2,) = torch.autograd.grad(dy_dx.sum(), x)
xd = x.detach()
closed_form = 2 * torch.cos(xd) - torch.sin(xd) * xd
print(f"自动求导：{d2y_dx2.cpu()}")
print(f"解析公式：{closed_form.cpu()}")
torch.testing.assert_close(d2y_dx2, closed_form)

# %%
# 判别器（critic）与要施加惩罚的点
# --------------------------------
# 一个小网络和一批点；在 WGAN-GP 中，这些点是真实样本与生成样本的随机插值。
critic = nn.Sequential(nn.Linear(2, 16), nn.Tanh(), nn.Linear(16, 1)).to(device)
real = torch.randn(8, 2, device=device)
fake = torch.randn(8, 2, device=device) + 3.0
alpha = torch.rand(8, 1, device=device)
points = (alpha * real + (1 - alpha) * fake).requires_grad_()

# %%
# 梯度惩罚项
# ----------
# 逐样本求判别器输出对输入的梯度，并设置 ``create_graph=True``，
# 这样惩罚项才能反向传播到权重。
scores = critic(points)
(grad_points,) = torch.autograd.grad(scores.sum(), points, create_graph=True)
grad_norm = grad_points.norm(2, dim=1)
penalty = ((grad_norm - 1) ** 2).mean()
print(f"梯度范数：{grad_norm.detach().cpu()}")
print(f"惩罚项：{penalty.item():.4f}")

# %%
# 对惩罚项做反向传播
# ------------------
# 普通的 ``backward()`` 沿着 ``create_graph=True`` 记录下的计算图到达各个权重。
# 最后一层的偏置只平移输出、不改变斜率，所以它没有梯度，是 ``None``。
penalty.backward()
for name, p in critic.named_parameters():
    norm = None if p.grad is None else f"{p.grad.norm().item():.4f}"
    print(f"{name} 的梯度范数：{norm}")

# %%
# 与解析解核对
# ------------
# 对线性判别器 ``f(x) = w . x + b``，输入梯度就是 ``w``，惩罚项为 ``(|w| - 1) ** 2``，
# 它对 ``w`` 的梯度是 ``2 * (|w| - 1) * w / |w|``。
linear = nn.Linear(2, 1).to(device)
(g,) = torch.autograd.grad(linear(points).sum(), points, create_graph=True)
((g.norm(2, dim=1) - 1) ** 2).mean().backward()
w = linear.weight.detach()
expected = 2 * (w.norm() - 1) * w / w.norm()
print(f"自动求导：{linear.weight.grad.cpu()}")
print(f"解析公式：{expected.cpu()}")
torch.testing.assert_close(linear.weight.grad, expected)

# %%
# 训练几步
# --------
# 只最小化惩罚项，判别器输入梯度的范数就会趋向 1。
optimizer = torch.optim.SGD(critic.parameters(), lr=0.1)
for step in range(30):
    optimizer.zero_grad()
    (grad_points,) = torch.autograd.grad(critic(points).sum(), points, create_graph=True)
    penalty = ((grad_points.norm(2, dim=1) - 1) ** 2).mean()
    penalty.backward()
    optimizer.step()
    if step == 0 or step % 10 == 9:
        print(f"第 {step + 1:2d} 步：惩罚项 {penalty.item():.4f}")

# %%
# 小结
# ----
# ``create_graph=True`` 让梯度变成可以再次求导的量：可以求二阶导数，也可以对梯度的范数
# 施加惩罚。``torch.autograd.grad`` 与 ``backward()`` 的对比见\ :ref:`求梯度的两种方式 <backward-vs-grad>`。
