"""
设备上的叶子张量：直接在设备上创建，不要事后搬运
================================================

``torch.randn(3, requires_grad=True).to(device)`` 看上去像是 GPU 上的一个参数，但这次转换是一个
被记录下来的运算：结果是非叶子张量，它的 ``.grad`` 始终是 ``None``。本示例重现这个错误，
看看梯度到底去了哪里，再给出两种得到真正叶子张量的方法。转换成另一种数据类型在任何设备上都会
产生副本，所以示例同时转换成 ``float64``：这样在只有 CPU 的机器上也能看到同样的现象。
"""

# %%
# 搬运需要梯度的张量
# ------------------
# 在只有 CPU 的机器上，``.to(device)`` 返回的就是原来那个张量；在 GPU 上，它返回一份由
# 被记录的运算产生的副本。``meta`` 设备不存储数据，搬到它上面，在任何机器上都能看到这份副本。
import torch

torch.manual_seed(0)
device = torch.device("cuda" if torch.cuda.is_available() else "cpu")
print(f"设备：{device}")

base = torch.randn(3, requires_grad=True)
moved = base.to(device)
print(f"是同一个张量：{moved is base}，is_leaf：{moved.is_leaf}")

on_meta = base.to("meta")
print(f"搬到 meta，是同一个张量：{on_meta is base}，is_leaf：{on_meta.is_leaf}")
print(f"grad_fn：{on_meta.grad_fn.name()}")

# %%
# 常见错误：先 ``requires_grad=True`` 再转换
# ------------------------------------------
# ``weight`` 是 ``ToCopyBackward0`` 的输出，属于非叶子张量。``backward()`` 之后读取它的
# ``.grad``，得到的是 ``None``，同时会出现一条警告。
base = torch.randn(3, requires_grad=True)
weight = base.to(device, torch.float64)
print(f"is_leaf：{weight.is_leaf}，grad_fn：{weight.grad_fn.name()}")

(weight ** 2).sum().backward()
print(f"weight.grad：{weight.grad}")

# %%
# 梯度去了哪里
# ------------
# 梯度穿过副本，流进了真正的叶子张量 ``base``。通常没有任何变量引用这个临时张量，梯度也就丢了。
print(f"base.grad：{base.grad}")
torch.testing.assert_close(base.grad, 2 * base.detach())

# %%
# 解决办法一：直接在设备上创建
# ----------------------------
# 把 ``device``、``dtype`` 和 ``requires_grad`` 一起传给创建张量的函数。
weight = torch.randn(3, device=device, dtype=torch.float64, requires_grad=True)
(weight ** 2).sum().backward()
print(f"is_leaf：{weight.is_leaf}")
print(f"weight.grad：{weight.grad}")
torch.testing.assert_close(weight.grad, 2 * weight.detach())

# %%
# 解决办法二：先转换，再 ``requires_grad_()``
# -------------------------------------------
# 适用于来自别处的张量：转换时还不需要梯度，不会被记录，结果就是叶子张量。
weight = torch.randn(3).to(device, torch.float64).requires_grad_()
(weight ** 2).sum().backward()
print(f"is_leaf：{weight.is_leaf}")
print(f"weight.grad：{weight.grad}")
torch.testing.assert_close(weight.grad, 2 * weight.detach())

# %%
# 小结
# ----
# 对需要梯度的张量转换设备或数据类型，这一步也是计算图的一部分。要么直接在目标设备上创建
# 叶子张量，要么先转换再调用 ``requires_grad_()``。计算图的原理见\ :ref:`计算图 <computational-graph>`；
# 哪些张量保存 ``.grad``，见\ :ref:`叶子张量与非叶子张量 <leaf-tensors>`。
