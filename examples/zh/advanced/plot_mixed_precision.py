"""
混合精度：使用 ``GradScaler`` 的 ``float16`` 训练循环
=====================================================

在当前可用的设备上，用 ``float16`` 的 ``torch.autocast`` 和梯度缩放器（``torch.amp.GradScaler``）
训练一个小的回归模型。缩放器的初始缩放系数故意设得过大：最初几步会溢出，缩放器跳过这几步并
降低缩放系数，直到梯度能放得下。最后演示大家最先犯的错误：把模型本身转换成 ``float16``。
"""

# %%
# 模型、数据和缩放器
# --------------------
# 模型保持 ``float32``；由 ``autocast`` 为每个运算选择类型。
import torch
from torch import nn

torch.manual_seed(0)
device = torch.device("cuda" if torch.cuda.is_available() else "cpu")
print(f"设备：{device}")

model = nn.Sequential(nn.Linear(8, 32), nn.Tanh(), nn.Linear(32, 1)).to(device)
optimizer = torch.optim.SGD(model.parameters(), lr=0.05)
scaler = torch.amp.GradScaler(device.type, init_scale=2.0 ** 20)
inputs = torch.randn(64, 8, device=device)
targets = inputs.sum(dim=1, keepdim=True).sin()

# %%
# 按缩放器要求的顺序写训练循环
# ------------------------------
# 缩放、反向传播、``unscale_``、裁剪、更新、``update()``。如果缩放系数在 ``update()``
# 中变小了，说明这一步被跳过了。
skipped = 0
for step in range(40):
    optimizer.zero_grad()
    with torch.autocast(device.type, dtype=torch.float16):
        loss = nn.functional.mse_loss(model(inputs).float(), targets)
    scaler.scale(loss).backward()
    scaler.unscale_(optimizer)
    nn.utils.clip_grad_norm_(model.parameters(), max_norm=1.0)
    scale = scaler.get_scale()
    before = [p.detach().clone() for p in model.parameters()]
    scaler.step(optimizer)
    scaler.update()
    if scaler.get_scale() < scale:
        skipped += 1
        assert all(torch.equal(b, p) for b, p in zip(before, model.parameters()))
    if step == 0:
        first_loss = loss.item()
    if step < 4 or step % 10 == 9:
        status = "已跳过" if scaler.get_scale() < scale else "已更新"
        print(f"第 {step + 1:2d} 步：损失 {loss.item():.4f}，缩放系数 {scale:8.0f}，{status}")

# %%
# 缩放器做了什么
# --------------
# 被跳过的几步没有改动权重（循环里的 ``assert`` 检查过）；其余各步训练了模型。
print(f"跳过的步数：{skipped}，最终缩放系数：{scaler.get_scale()}")
print(f"损失：{first_loss:.4f} -> {loss.item():.4f}")
assert skipped > 0 and loss.item() < first_loss

# %%
# 常见错误：``float16`` 的模型
# ----------------------------
# ``model.half()`` 把参数（从而也把它们的梯度）变成 ``float16``，缩放器无法对它们做反缩放。
import traceback

half_model = nn.Linear(8, 1).to(device).half()
half_optimizer = torch.optim.SGD(half_model.parameters(), lr=0.05)
half_scaler = torch.amp.GradScaler(device.type)
loss = nn.functional.mse_loss(half_model(inputs.half()).float(), targets)
half_scaler.scale(loss).backward()
try:
    half_scaler.step(half_optimizer)
except ValueError:
    traceback.print_exc()

# %%
# 小结
# ----
# 让参数保持 ``float32``，由 ``autocast`` 挑选以 16 位执行的运算，并按缩放器要求的顺序调用。
# :ref:`混合精度 <mixed-precision>`\ 一页逐步演示了每个调用、被跳过的一步，以及 ``GradScaler`` 的另外两个报错。
