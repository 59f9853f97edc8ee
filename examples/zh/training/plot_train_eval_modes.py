"""
一个循环完成训练和验证：``train()``/``eval()`` 与 ``set_grad_enabled``
======================================================================

验证需要拨动两个开关：评估模式（``model.eval()``）改变 dropout 和批归一化的计算方式，
``torch.no_grad()`` 让自动求导（autograd）停止记录。本示例先证明每个开关只管自己的事，
再用 ``torch.set_grad_enabled`` 让同一个函数完成训练和验证，测量记录计算图的代价，
最后展示原地修改推理张量时抛出的错误。
"""

# %%
# 层的行为取决于模式的模型
# ------------------------
# dropout 和批归一化在训练模式和评估模式下的计算方式不同。
import torch
from torch import nn

torch.manual_seed(0)
device = torch.device("cuda" if torch.cuda.is_available() else "cpu")
print(f"设备：{device}")

model = nn.Sequential(
    nn.Linear(4, 16), nn.BatchNorm1d(16), nn.ReLU(), nn.Dropout(0.2), nn.Linear(16, 1)
).to(device)
inputs = torch.randn(32, 4, device=device)

# %%
# ``eval()`` 不会停止记录
# -----------------------
# 评估模式下输出是确定的，但它仍然有 ``grad_fn``。
model.eval()
output = model(inputs)
print(f"两次输出相同：{torch.equal(output, model(inputs))}")
print(f"grad_fn：{output.grad_fn.name()}")

# %%
# ``no_grad()`` 不会改变层
# ------------------------
# 训练模式下在 ``no_grad()`` 中不记录任何东西，但 dropout 照样丢弃，
# 批归一化也照样更新滑动平均。
model.train()
mean_before = model[1].running_mean.clone()
with torch.no_grad():
    output = model(inputs)
    print(f"两次输出相同：{torch.equal(output, model(inputs))}")
print(f"grad_fn：{output.grad_fn}")
print(f"滑动平均变了：{not torch.equal(mean_before, model[1].running_mean)}")

# %%
# 一个函数跑两个阶段
# ------------------
# 一个标志同时设置两个开关：``model.train(flag)`` 管层，``torch.set_grad_enabled(flag)``
# 管记录。函数还统计了自动求导为反向传播保存的张量个数。
def run_epoch(model, data, optimizer=None):
    training = optimizer is not None
    model.train(training)
    total, saved = 0.0, 0

    def pack(tensor):
        nonlocal saved
        saved += 1
        return tensor

    with torch.set_grad_enabled(training), torch.autograd.graph.saved_tensors_hooks(pack, lambda t: t):
        for x, y in data:
            loss = nn.functional.mse_loss(model(x), y)
            if training:
                optimizer.zero_grad()
                loss.backward()
                optimizer.step()
            total += loss.item()
    return total / len(data), saved


weights = torch.randn(4, 1, device=device)
def make_batches(count):
    xs = [torch.randn(32, 4, device=device) for _ in range(count)]
    return [(x, x @ weights) for x in xs]

train_data, val_data = make_batches(8), make_batches(4)
optimizer = torch.optim.SGD(model.parameters(), lr=0.05)

for epoch in range(5):
    train_loss, train_saved = run_epoch(model, train_data, optimizer)
    val_loss, val_saved = run_epoch(model, val_data)
    print(f"第 {epoch + 1} 轮：训练 {train_loss:.3f}（保存了 {train_saved} 个张量），"
          f"验证 {val_loss:.3f}（保存了 {val_saved} 个张量）")

# %%
# 同一次验证，记录与不记录
# ------------------------
# 损失完全相同：记录计算图只是多出了保存的张量和维护它们的开销。两种模式交替运行，
# 各 20 次，取单线程 CPU 时间的中位数（``time.process_time()`` 只统计本进程的 CPU 时间，
# 同一台机器上的其他程序不会把它拉长）。记录要多花多少时间取决于模型和机器：层越大，
# 记录工作所占的比例越小，两者的差别可能落在噪声之内。
import statistics
import time


def validate(recording):
    model.eval()
    with torch.set_grad_enabled(recording):
        return [nn.functional.mse_loss(model(x), y).item() for x, y in val_data]


threads = torch.get_num_threads()
torch.set_num_threads(1)  # 只用一个线程，测得的 CPU 时间就只属于这个循环
cpu_times, losses = {True: [], False: []}, {}
for _ in range(20):
    for recording in (True, False):
        start = time.process_time()
        losses[recording] = validate(recording)
        cpu_times[recording].append(time.process_time() - start)
torch.set_num_threads(threads)
median_cpu = {recording: statistics.median(times) for recording, times in cpu_times.items()}
assert losses[True] == losses[False]
print(f"记录：CPU 时间 {median_cpu[True] * 1000:.2f} ms，不记录：CPU 时间 {median_cpu[False] * 1000:.2f} ms")

# %%
# 推理张量事后只读
# ----------------
# 在推理模式（``torch.inference_mode()``）中创建的张量，出了代码块就不能再原地修改。
import traceback

with torch.inference_mode():
    predictions = model(inputs)
try:
    predictions.clamp_(min=0)
except RuntimeError:
    traceback.print_exc()

# %%
# 解决办法：在块外 ``clone()``
# ----------------------------
# 克隆出的是普通张量，可以修改，也可以参与自动求导。
predictions = predictions.clone()
predictions.clamp_(min=0)
print(f"推理张量：{predictions.is_inference()}，最小值：{predictions.min().item()}")

# %%
# 小结
# ----
# 验证时既要调用 ``model.eval()``，也要关闭记录；一个标志就能同时控制两者。
# :ref:`训练模式与评估模式 <train-eval-modes>`\ 一页逐一解释了每个开关，以及 RNN 在 GPU 上以评估模式
# 做反向传播时 cuDNN 抛出的错误。
