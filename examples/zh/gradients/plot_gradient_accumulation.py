"""
梯度累积：若干微批次加起来等于一个大批次
========================================

``backward()`` 会把梯度加到 ``.grad`` 上，而不是覆盖它。平常训练循环要梯度清零（``zero_grad()``），
正是为了消除这种累积；本示例反过来有意利用它。把放不进内存的大批次拆成若干微批次，
每个微批次的损失除以微批次个数，梯度累加起来就等于整个批次的梯度。先用
``torch.testing.assert_close`` 验证这一点，再用两种方式分别训练，比较得到的参数。
"""

# %%
# 模型、16 个样本，以及模型的副本
# -------------------------------
# 副本从相同的权重出发，以便比较两种训练方式。
import copy

import torch
from torch import nn

torch.manual_seed(0)
device = torch.device("cuda" if torch.cuda.is_available() else "cpu")
print(f"设备：{device}")

model = nn.Sequential(nn.Linear(4, 8), nn.Tanh(), nn.Linear(8, 1)).to(device)
twin = copy.deepcopy(model)
loss_fn = nn.MSELoss()
inputs = torch.randn(16, 4, device=device)
targets = torch.randn(16, 1, device=device)

# %%
# 整个批次的梯度
# --------------
# 对全部 16 个样本做一次前向传播和一次反向传播。
model.zero_grad()
loss_fn(model(inputs), targets).backward()
full_batch = [p.grad.clone() for p in model.parameters()]

# %%
# 在 4 个微批次上累积的梯度
# -------------------------
# 只清零一次，然后每个微批次做一次反向传播。除以 ``num_micro`` 之后，4 个平均损失之和
# 就等于 16 个样本的平均损失，因为这 4 个微批次大小相同，损失也按平均值归约（大小不等时，应按
# ``len(xb) / len(inputs)`` 给每个损失加权；损失按求和归约，或者有批归一化这类会混合批次内样本的层时，
# 这个等式就不成立了，各种情况见\ :ref:`梯度清零 <zero-grad>`）。
num_micro = 4
model.zero_grad()
for xb, yb in zip(inputs.chunk(num_micro), targets.chunk(num_micro)):
    (loss_fn(model(xb), yb) / num_micro).backward()
accumulated = [p.grad.clone() for p in model.parameters()]

# %%
# 梯度相同
# --------
# 求和的顺序不同，所以两者只在浮点舍入误差范围内相等。具体的误差可能随设备而变，
# 所以这里只打印它是否低于 ``1e-6``。
for acc, full in zip(accumulated, full_batch):
    torch.testing.assert_close(acc, full)
max_diff = max((acc - full).abs().max().item() for acc, full in zip(accumulated, full_batch))
print(f"最大绝对误差低于 1e-6：{max_diff < 1e-6}")

# %%
# 如果不做除法
# ------------
# 每个微批次都贡献自己完整的平均损失，梯度变成 ``num_micro`` 倍。这会带来什么后果取决于优化器：
# :ref:`梯度清零 <zero-grad>`\ 一页比较了 SGD、Adam 和梯度裁剪三种情况。
model.zero_grad()
for xb, yb in zip(inputs.chunk(num_micro), targets.chunk(num_micro)):
    loss_fn(model(xb), yb).backward()
ratio = model[2].bias.grad / full_batch[-1]
print(f"与整个批次的梯度之比：{ratio.item():.4f}")

# %%
# 两种方式分别训练
# ----------------
# 两种方式各训练 3 步：每步只调用一次 ``zero_grad()``，绝不放在微批次循环里面。
opt_full = torch.optim.SGD(model.parameters(), lr=0.1)
opt_micro = torch.optim.SGD(twin.parameters(), lr=0.1)
for step in range(3):
    opt_full.zero_grad()
    loss_fn(model(inputs), targets).backward()
    opt_full.step()

    opt_micro.zero_grad()
    for xb, yb in zip(inputs.chunk(num_micro), targets.chunk(num_micro)):
        (loss_fn(twin(xb), yb) / num_micro).backward()
    opt_micro.step()

for p_full, p_micro in zip(model.parameters(), twin.parameters()):
    torch.testing.assert_close(p_micro, p_full)
max_diff = max((a - b).abs().max().item() for a, b in zip(model.parameters(), twin.parameters()))
print(f"训练 3 步后参数的最大绝对误差低于 1e-6：{max_diff < 1e-6}")

# %%
# 小结
# ----
# 梯度累积就是有意保留 ``zero_grad()`` 平常要消除的那种累加：每个训练步只清零一次，
# 并按比例缩放每个微批次的损失。清零的细节见\ :ref:`梯度清零 <zero-grad>`，训练循环见\ :ref:`计算梯度与更新参数 <backward-and-step>`。
