"""
叶子张量：梯度存在哪里，哪种原地修改会被拒绝
============================================

叶子张量不由被记录的运算产生，通常是你亲手创建的张量，比如权重。
``backward()`` 之后，需要梯度的叶子张量，其梯度存放在 ``.grad`` 里；非叶子张量的梯度用完即丢，
除非调用 ``retain_grad()`` 保留梯度。本示例先搭一张很小的计算图，把这两点都演示出来，再重现最常见的叶子张量错误（原地更新权重），并给出修正。
"""

# %%
# 叶子张量与非叶子张量
# --------------------
# ``weight`` 是你亲手创建的，所以是叶子张量；``scaled`` 则是运算的结果。
import torch

torch.manual_seed(0)
device = torch.device("cuda" if torch.cuda.is_available() else "cpu")
print(f"设备：{device}")

weight = torch.randn(3, device=device, requires_grad=True)
scaled = weight * 2
print(f"weight.is_leaf：{weight.is_leaf}")
print(f"scaled.is_leaf：{scaled.is_leaf}，grad_fn：{scaled.grad_fn.name()}")

# %%
# 保留非叶子张量的梯度
# --------------------
# ``retain_grad()`` 必须在 ``backward()`` 之前调用。
scaled.retain_grad()
loss = (scaled ** 2).sum()
loss.backward()
print(f"scaled.grad：{scaled.grad}")
print(f"weight.grad：{weight.grad}")
torch.testing.assert_close(weight.grad, 8 * weight.detach())

late = weight.detach().clone().requires_grad_() * 2
late.sum().backward()
late.retain_grad()  # 太晚了：梯度已经流过去了
print(f"在 backward() 之后调用 retain_grad()：{late.grad}")
assert late.grad is None

# %%
# 常见错误：原地更新叶子张量
# --------------------------
# 手写的一步梯度下降在自动求导（autograd）记录期间原地修改了 ``weight``，PyTorch 直接拦了下来。
import traceback

try:
    weight -= 0.1 * weight.grad
except RuntimeError:
    traceback.print_exc()

# %%
# 解决办法：在 ``torch.no_grad()`` 中更新
# ---------------------------------------
# ``no_grad()`` 中的运算不会被记录，所以原地更新是允许的，``weight`` 也仍然是叶子张量。
# ``optimizer.step()`` 替你做的正是这件事。
with torch.no_grad():
    weight -= 0.1 * weight.grad
print(f"更新后的 weight：{weight}")
print(f"仍是叶子张量：{weight.is_leaf}")

# %%
# 小结
# ----
# 叶子张量保存 ``.grad``；非叶子张量需要 ``retain_grad()``。只在自动求导不做记录的地方
# 修改叶子张量的值。原因详见\ :ref:`叶子张量与非叶子张量 <leaf-tensors>`。
