"""
梯度裁剪：同一个会发散的学习率，裁剪前后对比
============================================

学习率太大时，一步迈过了头，自动求导（autograd）在下一步算出的梯度就更大，损失随之爆炸。在
``backward()`` 和 ``step()`` 之间调用 ``clip_grad_norm_``，可以给每一步的大小设上限。本示例用同一个学习率
把同一个小网络训练两次，一次不裁剪，一次裁剪，并记录 ``clip_grad_norm_`` 返回的梯度总范数。
"""

# %%
# 一个回归问题和一个小网络
# ------------------------
# 输入的数值范围大，梯度也就大。
import torch
from torch import nn

torch.manual_seed(0)
device = torch.device("cuda" if torch.cuda.is_available() else "cpu")
print(f"设备：{device}")

inputs = 3 * torch.randn(64, 8, device=device)
targets = inputs @ torch.randn(8, 1, device=device) + 0.1 * torch.randn(64, 1, device=device)


# %%
# 一个训练函数，裁剪可选
# ----------------------
# ``clip_grad_norm_`` 返回裁剪之前的总范数，这正是该记录的数。
# 不裁剪时，用 ``get_total_norm`` 算出同一个数。
def train(max_norm, steps=50, lr=0.3):
    torch.manual_seed(0)
    model = nn.Sequential(nn.Linear(8, 16), nn.Tanh(), nn.Linear(16, 1)).to(device)
    optimizer = torch.optim.SGD(model.parameters(), lr=lr)
    log = []
    for step in range(steps):
        optimizer.zero_grad()
        loss = nn.functional.mse_loss(model(inputs), targets)
        loss.backward()
        if max_norm is None:
            norm = nn.utils.get_total_norm([p.grad for p in model.parameters()])
        else:
            norm = nn.utils.clip_grad_norm_(model.parameters(), max_norm=max_norm)
        optimizer.step()
        log.append((loss.item(), norm.item()))
    return log


# %%
# 不裁剪，损失爆炸
# ----------------
# 50 步下来，损失增长了 6 个数量级以上（下面第一个 ``assert`` 检查了这一点），梯度范数也随之增长。
unclipped = train(max_norm=None)
for step in (0, 10, 20, 30, 40, 49):
    loss, norm = unclipped[step]
    print(f"第 {step + 1:2} 步：损失 {loss:10.3e}，梯度范数 {norm:10.3e}")

# %%
# 用 ``clip_grad_norm_`` 裁剪，同样的学习率收敛了
# -----------------------------------------------
# 每一步都被裁剪到范数 1（裁剪前的范数始终大于 1），所以没有哪一步超过 ``lr * 1``，
# 损失随之下降。
clipped = train(max_norm=1.0)
for step in (0, 10, 20, 30, 40, 49):
    loss, norm = clipped[step]
    print(f"第 {step + 1:2} 步：损失 {loss:10.3e}，梯度范数 {norm:10.3e}")

assert unclipped[-1][0] > 1e6 * unclipped[0][0]
assert clipped[-1][0] < clipped[0][0] / 10
assert min(norm for loss, norm in clipped) > 1.0

# %%
# 小结
# ----
# 在 ``backward()`` 之后、``step()`` 之前裁剪，并记录 ``clip_grad_norm_`` 的返回值：
# 这个数突然跳高，是梯度爆炸的第一个信号。:ref:`梯度裁剪 <gradient-clipping>`\ 一页还介绍了
# ``clip_grad_value_``、梯度累积时的裁剪，以及如何逐层查看梯度范数。
