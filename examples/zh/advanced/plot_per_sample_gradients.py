"""
逐样本梯度：``vmap(grad(...))`` 与循环对照
==========================================

对一个批次调用 ``backward()``，整个批次只得到一个梯度。``torch.func`` 为每个样本各给一个：
``grad`` 把逐样本的损失变成一个返回其梯度的函数，``vmap`` 在整个批次上运行它。
本示例把结果与循环调用 ``backward()`` 的结果核对，然后展示变换内部不能放的东西：``.backward()`` 本身。
"""

# %%
# 一个小模型和一个批次
# --------------------
import torch
from torch import nn

torch.manual_seed(0)
device = torch.device("cuda" if torch.cuda.is_available() else "cpu")
print(f"设备：{device}")

model = nn.Sequential(nn.Linear(4, 8), nn.Tanh(), nn.Linear(8, 1)).to(device)
inputs = torch.randn(32, 4, device=device)
targets = torch.randn(32, 1, device=device)

# %%
# 循环：每个样本一次 ``backward()``
# ----------------------------------
# 在计算下一个样本之前，先把每个样本的梯度从 ``.grad`` 中复制出来。
loop = {name: [] for name, _ in model.named_parameters()}
for x_i, y_i in zip(inputs, targets):
    model.zero_grad()
    nn.functional.mse_loss(model(x_i), y_i).backward()
    for name, param in model.named_parameters():
        loop[name].append(param.grad.clone())
loop = {name: torch.stack(grads) for name, grads in loop.items()}

# %%
# 变换：``vmap(grad(sample_loss))``
# ----------------------------------
# 损失是参数的函数；``functional_call`` 用这些参数运行模型。``in_dims=(None, 0, 0)``
# 表示参数共享、沿样本映射。
from torch.func import functional_call, grad, vmap

params = {name: p.detach() for name, p in model.named_parameters()}


def sample_loss(params, x_i, y_i):
    return nn.functional.mse_loss(functional_call(model, params, (x_i,)), y_i)


per_sample = vmap(grad(sample_loss), in_dims=(None, 0, 0))(params, inputs, targets)
for name in params:
    torch.testing.assert_close(per_sample[name], loop[name])
    print(f"{name}：{tuple(per_sample[name].shape)}，与循环的结果相同")

# %%
# 常见错误：在变换内部调用 ``.backward()``
# ----------------------------------------
# 用 ``backward()`` 求梯度的逐样本损失函数不能被 ``vmap`` 映射。
import traceback


def loss_and_backward(x_i, y_i):
    loss = nn.functional.mse_loss(model(x_i), y_i)
    loss.backward()
    return loss


try:
    vmap(loss_and_backward)(inputs, targets)
except RuntimeError:
    traceback.print_exc()

# %%
# 在变换外部调用 ``backward()`` 没有问题
# --------------------------------------
# ``vmap`` 返回的结果是一张普通计算图的一部分：逐样本损失的平均值可以反向传播到 ``.grad``，
# 结果等于批次损失的梯度。
model.zero_grad()
losses = vmap(lambda x_i, y_i: nn.functional.mse_loss(model(x_i), y_i))(inputs, targets)
losses.mean().backward()
for name, param in model.named_parameters():
    torch.testing.assert_close(param.grad, per_sample[name].mean(dim=0))
print("逐样本梯度的平均值 == 平均损失的梯度")

# %%
# 小结
# ----
# 在变换内部，梯度由 ``grad`` 给出；``backward()`` 应放在变换外部（``requires_grad_()`` 也一样，
# 它引发的报错见\ :ref:`函数变换 <torch-func>`\ 一页）。那一页还把 ``jacrev``、``hessian`` 与
# ``torch.autograd.functional`` 做了比较。
