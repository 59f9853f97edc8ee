"""
自定义自动求导函数：数值稳定的 softplus，用 ``gradcheck`` 检验
==============================================================

按字面写出的 softplus（``log(1 + exp(x))``）在 ``x`` 很大时会溢出，梯度变成 ``nan``。本示例
把它写成一个 ``torch.autograd.Function``：前向传播数值稳定，``backward()`` 手写。先用 ``gradcheck`` 和
``gradgradcheck`` 检验它，再在 ``backward()`` 中犯一个最常见的错误（忘了乘上传入的梯度），让 ``gradcheck`` 把它抓出来。
"""

# %%
# 按字面写出的公式
# ----------------
# ``exp(100)`` 在 ``float32`` 中溢出：函数值是 ``inf``，梯度是 ``nan``。
import torch

torch.manual_seed(0)
device = torch.device("cuda" if torch.cuda.is_available() else "cpu")
print(f"设备：{device}")

x = torch.tensor([-100.0, 0.0, 100.0], device=device, requires_grad=True)
naive = torch.log(1 + torch.exp(x))
naive.sum().backward()
print(f"函数值：{naive.detach()}")
print(f"梯度：{x.grad}")

# %%
# 稳定的 ``forward()`` 及其 ``backward()``
# ----------------------------------------
# ``softplus(x) = max(x, 0) + log1p(exp(-|x|))`` 永远不会溢出。它的导数是 ``sigmoid(x)``；
# 反向传播把它乘以传入的梯度。
from torch.autograd import Function, gradcheck, gradgradcheck


class Softplus(Function):
    @staticmethod
    def forward(ctx, x):
        ctx.save_for_backward(x)
        return x.clamp(min=0) + torch.log1p(torch.exp(-x.abs()))

    @staticmethod
    def backward(ctx, grad_y):
        (x,) = ctx.saved_tensors
        return grad_y * torch.sigmoid(x)


x.grad = None
y = Softplus.apply(x)
y.sum().backward()
print(f"函数值：{' '.join(f'{value:.4f}' for value in y.tolist())}")
print(f"梯度：{x.grad}")
torch.testing.assert_close(x.grad, torch.sigmoid(x.detach()))

# %%
# 在 ``float64`` 下检验
# ---------------------
# ``gradcheck`` 用有限差分检验反向传播，``gradgradcheck`` 检验二阶导数。两者都通过。
from torch import nn

x64 = torch.randn(5, dtype=torch.float64, device=device, requires_grad=True)
print(gradcheck(Softplus.apply, (x64,)), gradgradcheck(Softplus.apply, (x64,)))
torch.testing.assert_close(Softplus.apply(x64), nn.functional.softplus(x64))

# %%
# 常见错误：忘了 ``grad_y``
# -------------------------
# 这个反向传播只返回局部导数。用 ``y.sum()`` 作损失时，传入的梯度全是 1，随手一测能通过；
# ``gradcheck`` 却通不过。
import traceback


class SoftplusForgetful(Softplus):
    @staticmethod
    def backward(ctx, grad_y):
        (x,) = ctx.saved_tensors
        return torch.sigmoid(x)


x.grad = None
SoftplusForgetful.apply(x).sum().backward()
print(f"用 sum() 时，梯度看起来是对的：{x.grad}")
try:
    gradcheck(SoftplusForgetful.apply, (x64,))
except RuntimeError:  # GradcheckError 是 RuntimeError 的子类
    traceback.print_exc()

# %%
# 小结
# ----
# 自定义的反向传播是自动求导（autograd）无法替你检查的代码：请在 ``float64`` 下对它运行 ``gradcheck`` 和
# ``gradgradcheck``。:ref:`自定义自动求导函数 <custom-function>`\ 一页讲解了 ``save_for_backward``、``mark_dirty``
# 和 ``once_differentiable``。
