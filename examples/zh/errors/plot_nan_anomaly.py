"""
异常检测：追查 NaN 梯度
=======================

梯度里的 NaN 会悄无声息地扩散：先进入 ``.grad``，再进入权重，最后污染所有输出。
``torch.autograd.detect_anomaly()`` 会检查每个节点的输出，并在第一个返回 NaN 的
节点处停下。本示例找出一个 NaN 梯度的来源，再把公式换成数值上安全的写法。
"""

# %%
# 在零向量处梯度为 NaN 的长度
# ---------------------------
# 向量的长度 ``sqrt(sum(x²))`` 作为数值没有问题，即使对零向量也是如此。
import torch

torch.manual_seed(0)
device = torch.device("cuda" if torch.cuda.is_available() else "cpu")
print(f"设备：{device}")

points = torch.tensor([[0.0, 0.0], [3.0, 4.0]], device=device, requires_grad=True)
lengths = torch.sqrt((points ** 2).sum(dim=1))
print(f"长度：{lengths}")

# %%
# NaN 悄悄出现
# ------------
# 没有报错，也没有警告：梯度的第一行是 NaN。
lengths.sum().backward()
print(f"points.grad：{points.grad}")

# %%
# 异常检测在第一个 NaN 处停下
# ---------------------------
# 用 ``detect_anomaly()`` 时（其 ``check_nan`` 参数默认为 ``True``），反向传播会报错并
# 点名出问题的节点，警告里则给出对应的前向代码行。
import traceback

points.grad = None
with torch.autograd.detect_anomaly():
    lengths = torch.sqrt((points ** 2).sum(dim=1))
    try:
        lengths.sum().backward()
    except RuntimeError:
        traceback.print_exc()

# %%
# 找出真正的元凶
# --------------
# ``sqrt`` 在 0 处的导数是无穷大。``sum(dim=1)`` 的节点 ``SumBackward1`` 把 ``inf``
# 原样传下去，``PowBackward0`` 再乘上 ``2 * x = 0``：``inf * 0`` 就是 NaN。
sqrt_node = lengths.grad_fn
sum_node = sqrt_node.next_functions[0][0]
pow_node = sum_node.next_functions[0][0]
print(f"节点：{sqrt_node.name()} -> {sum_node.name()} -> {pow_node.name()}")
print(f"sqrt(s) 在 s = 0 处的导数：{0.5 / torch.sqrt(torch.tensor(0.0))}")
print(f"inf * 0：{torch.tensor(float('inf')) * 0}")

# %%
# 解决办法：换用在零点安全的范数
# ------------------------------
# ``torch.linalg.vector_norm`` 算出的长度相同，它的梯度公式在零向量处给出 0，
# 不会出现 ``inf * 0``。
with torch.autograd.detect_anomaly():
    lengths = torch.linalg.vector_norm(points, dim=1)
    lengths.sum().backward()
print(f"长度：{lengths}")
print(f"points.grad：{points.grad}")

# %%
# 小结
# ----
# ``detect_anomaly()`` 点名的是 NaN 首次出现的节点，原因可能还在前一步，比如这里
# ``sqrt`` 产生的 ``inf``。尽量选用始终有限的公式，比如库里现成的范数，或者在 ``sqrt``
# 之前先用 ``clamp`` 限制取值。详见\ :ref:`异常检测 <anomaly-detection>`。
