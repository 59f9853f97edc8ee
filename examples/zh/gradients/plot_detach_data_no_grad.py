"""
分离张量：``.data`` 悄悄算错梯度，``detach()`` 则会报错
=======================================================

``detach()`` 和 ``.data`` 都能取出张量脱离计算图的数值，并与原张量共享内存。对这些数值做原地
修改，依赖它们的梯度就错了。``detach()`` 会让 ``backward()`` 报错；``.data`` 却悄无声息地
返回错误的数字。本示例先算出 ``exp`` 的正确梯度，再演示悄悄出错的梯度和报错，最后用
``clone()`` 修正。
"""

# %%
# 正确的梯度
# ----------
# ``exp`` 的导数还是 ``exp``，所以 ``x.exp().sum()`` 的梯度就是 ``x.exp()``。``exp`` 会为
# 反向传播保存自己的输出。
import torch

torch.manual_seed(0)
device = torch.device("cuda" if torch.cuda.is_available() else "cpu")
print(f"设备：{device}")

x = torch.randn(4, device=device, requires_grad=True)
x.exp().sum().backward()
correct = x.grad.clone()
print(f"正确的梯度：{correct}")

# %%
# 静默错误：``.data`` 让梯度算错
# -------------------------------
# 通过 ``.data`` 原地平移输出，保存的输出也跟着变了。没有任何报错，梯度的每个元素却都多了 1。
x.grad = None
y = x.exp()
y.data.add_(1)
y.sum().backward()
print(f"算错的梯度：{x.grad}")
print(f"正确的梯度：{correct}")
print(f"两者的差值：{x.grad - correct}")

# %%
# ``detach()``：同样的修改会被发现
# --------------------------------
# 分离出的张量共享版本计数器，``backward()`` 发现保存的张量被改过，就拒绝用它计算梯度。
import traceback

x.grad = None
y = x.exp()
y.detach().add_(1)
try:
    y.sum().backward()
except RuntimeError:
    traceback.print_exc()

# %%
# 解决办法：先 ``clone()`` 再修改
# -------------------------------
# 克隆出的张量有自己的内存和版本计数器，计算图保存的数值不受影响。
y = x.exp()
shifted = y.detach().clone()
shifted.add_(1)
y.sum().backward()
print(f"平移后的副本：{shifted}")
print(f"原张量的梯度：{x.grad}")
torch.testing.assert_close(x.grad, correct)

# %%
# ``no_grad()``：什么都不记录
# ---------------------------
# 在 ``torch.no_grad()`` 中根本不会建立计算图：没有需要保存的张量，也就无从出错。
with torch.no_grad():
    z = x.exp() + 1
print(f"requires_grad：{z.requires_grad}，grad_fn：{z.grad_fn}")

# %%
# 小结
# ----
# 永远不要通过 ``.data`` 修改数值：请用 ``detach()``，并在原地修改之前先 ``clone()``。不需要
# 记录的代码放进 ``torch.no_grad()``。:ref:`分离张量 <detach>`\ 一页对比了这两种写法；
# 推理模式（``inference_mode()``）见\ :ref:`停止记录计算图 <no-grad>`。
