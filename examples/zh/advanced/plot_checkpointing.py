"""
激活检查点：分成 1、2、4、8 段时保留多少内存
============================================

``torch.utils.checkpoint.checkpoint_sequential`` 把一个顺序模型分成若干段，只为反向传播保留
每段的输入。在 ``backward()`` 中，做了检查点的各段（除最后一段外的每一段）依次把自己的前向传播再跑一遍。本示例对 1、2、4、8 段分别
统计两次传播之间保留的字节数，以及重新计算一段额外占用的字节数，最后检查梯度没有变化。
"""

# %%
# 由 8 个模块组成的深层模型
# -------------------------
# 每个模块是一个线性层加一个 ``tanh``。
import torch
from torch import nn
from torch.utils.checkpoint import checkpoint_sequential

torch.manual_seed(0)
device = torch.device("cuda" if torch.cuda.is_available() else "cpu")
print(f"设备：{device}")

model = nn.Sequential(*[nn.Sequential(nn.Linear(128, 128), nn.Tanh()) for _ in range(8)]).to(device)
x = torch.randn(32, 128, device=device, requires_grad=True)

# %%
# 统计保存的字节数
# ----------------
# 打包钩子（pack hook）能看到计算图为反向传播保存的每个张量。这里只累加激活值，不计权重，
# 因为权重本来就在内存里；每个存储只算一次，因为 ``tanh`` 的输出也是下一个线性层保存的输入。
weights = {p.untyped_storage().data_ptr() for p in model.parameters()}


def saved_bytes(forward):
    storages = {}  # 每个存储一项：同一个张量保存两次只算一次

    def pack(tensor):
        storage = tensor.untyped_storage()
        if storage.data_ptr() not in weights:
            storages[storage.data_ptr()] = storage.nbytes()
        return tensor

    with torch.autograd.graph.saved_tensors_hooks(pack, lambda tensor: tensor):
        output = forward()
    return output, sum(storages.values())


_, plain_bytes = saved_bytes(lambda: model(x))
activation_bytes = x.numel() * x.element_size()  # 每个激活值的形状都和 x 相同
print(f"不做检查点：保留 {plain_bytes:,} 字节（{plain_bytes // activation_bytes} 个激活值）")

# %%
# 不同段数下保留的字节数与重新计算的字节数
# ----------------------------------------
# ``checkpoint_sequential`` 保留除最后一段以外每段的输入，最后一段不做检查点：``backward()``
# 正是从那里开始的。反向传播一段接一段地重建激活值，这些激活值叠加在保留的字节之上。
kept_by_segments, rebuilt_by_segments = {}, {}
for segments in (1, 2, 4, 8):
    _, kept = saved_bytes(lambda n=segments: checkpoint_sequential(model, n, x, use_reentrant=False))
    _, one_segment = saved_bytes(lambda n=segments: model[: len(model) // n](x))
    rebuilt = one_segment - activation_bytes  # 这一段的输入本来就保留着
    recomputed = f"每段重新计算 {rebuilt:>7,} 字节" if segments > 1 else "不重新计算"
    print(f"{segments} 段：保留 {kept:>7,} 字节，{recomputed}")
    if segments == 1:
        assert kept == plain_bytes  # 只有一段时，它就是最后一段：什么也没做检查点
    kept_by_segments[segments], rebuilt_by_segments[segments] = kept, rebuilt
least = min(kept_by_segments.values())
assert [n for n, kept in kept_by_segments.items() if kept == least] == [2, 4]
assert 2 * rebuilt_by_segments[4] == rebuilt_by_segments[2]

# %%
# 梯度不变
# --------
# 同一个训练步，分 4 段做检查点和不做检查点各算一次。
loss = (checkpoint_sequential(model, 4, x, use_reentrant=False) ** 2).mean()
checkpointed = torch.autograd.grad(loss, [x, *model.parameters()])
loss = (model(x) ** 2).mean()
plain = torch.autograd.grad(loss, [x, *model.parameters()])
for a, b in zip(checkpointed, plain):
    torch.testing.assert_close(a, b)
print(f"全部 {len(plain)} 个梯度一致")

# %%
# 代价：做了检查点的模块都要跑两遍
# --------------------------------
# 在每个模块上注册一个前向预钩子，统计它被调用的次数。最后一段（8 个模块中的最后两个）
# 不做检查点，只跑一遍。
calls = [0] * len(model)


def count_call(module, args):
    calls[list(model).index(module)] += 1


for block in model:
    block.register_forward_pre_hook(count_call)
checkpoint_sequential(model, 4, x, use_reentrant=False).sum().backward()
print(f"一个训练步中，各模块的调用次数：{calls}")
assert calls == [2] * 6 + [1] * 2

# %%
# 小结
# ----
# 从上表可见，分 2 段和分 4 段打成平手：两次传播之间保留的字节数都是最少的（第一个 ``assert``
# 检查了这一点）。段数多，要保留的输入就多；段数少，不做检查点的最后一段就长。分 1 段和分 8 段
# 保留的字节数都和不做检查点一样多。反向传播时，还要额外占用一段重新计算出的激活值（上表最后一列），
# 各段依次进行：分 4 段时，重新计算一段额外占用的字节数是分 2 段时的一半（第二个 ``assert``）。:ref:`激活检查点 <checkpointing>`\ 一页测量了付出的时间，并比较了
# ``use_reentrant=True`` 和 ``False``。
