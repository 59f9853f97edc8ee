"""
异常检测：追查原地操作引起的错误
================================

“modified by an inplace operation”只说某个保存的张量被覆盖了，却没说是在哪里
覆盖的。异常检测会记下前向传播中每个运算在哪里执行，某个节点在反向传播中出错时，就打印出那一行。
本示例先在一个小模型里触发这个错误，再用异常检测找到保存了这个张量的那一行前向代码（覆盖它的原地修改在这一行或之后），最后修正它。
"""

# %%
# 一个藏着原地操作错误的小模型
# ----------------------------
# ``sigmoid`` 为反向传播保存了自己的输出，后面却有一行代码原地平移了这个输出。
import torch

torch.manual_seed(0)
device = torch.device("cuda" if torch.cuda.is_available() else "cpu")
print(f"设备：{device}")

w1 = torch.randn(4, 8, device=device, requires_grad=True)
w2 = torch.randn(8, 1, device=device, requires_grad=True)
inputs = torch.randn(16, 4, device=device)


def model(x):
    hidden = torch.tanh(x @ w1)
    scores = torch.sigmoid(hidden @ w2)
    scores += 0.1
    return scores.mean()


# %%
# 不开异常检测时的报错
# --------------------
# 回溯信息止于 ``backward()``；报错信息提到一个形状为 ``[16, 1]`` 的张量，却没有指出模型
# 里的任何一行。
import traceback

try:
    model(inputs).backward()
except RuntimeError:
    traceback.print_exc()

# %%
# 同样的调用，开启异常检测
# ------------------------
# 先出现一条警告：失败的节点（``SigmoidBackward0``），以及创建它的前向调用的回溯信息，
# 一直深入到 ``model`` 内部的那一行，即 ``sigmoid`` 的调用，节点保存的正是它的输出。真正覆盖它的
# ``scores += 0.1`` 在下一行：异常检测指出的是保存了这个张量的那一行，原地修改发生在这一行或它之后。
with torch.autograd.set_detect_anomaly(True):
    try:
        model(inputs).backward()
    except RuntimeError:
        traceback.print_exc()

# %%
# 解决办法：改用非原地的平移
# --------------------------
# ``scores + 0.1`` 是一个新张量，``sigmoid`` 保存的输出因此保持不变。
def fixed_model(x):
    hidden = torch.tanh(x @ w1)
    scores = torch.sigmoid(hidden @ w2)
    scores = scores + 0.1
    return scores.mean()


fixed_model(inputs).backward()
print(f"w1.grad 的形状：{tuple(w1.grad.shape)}，w2.grad 的形状：{tuple(w2.grad.shape)}")

# %%
# 小结
# ----
# 当原地操作错误的信息不够用时，打开异常检测，它会指出前向传播的代码行。用完记得关掉：
# 它会拖慢每一个训练步（\ :ref:`异常检测 <anomaly-detection>`\ 一页测量了慢多少）。另见\ :ref:`原地操作 <inplace-errors>`。
