"""The PyTorch peer's own op times for one training step (torch.profiler, 2 steps after 6,
batch 256, grouped by op and input shape), to set beside ``train_ops.py``'s TensorFlow ones.
Run from the repository root, ``../shared`` beside it:

    python examples/results/profiling-notes/peer_ops.py [mnist|cifar10]
"""
import os, sys, time, torch
sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "..", "..", "shared", "bench"))
import torch_reference as tr
from torch.profiler import profile, ProfilerActivity
torch.manual_seed(0)
enc, dec, est, shape = tr.build(sys.argv[1])
params = [p for m in (enc, dec, est) for p in m.parameters()]
opt = torch.optim.Adam(params, lr=1e-4)
x = torch.rand(256, *shape)
def step():
    opt.zero_grad(); rec, nll = tr.loss_fn(x, enc, dec, est); (rec.mean() + nll.mean()).backward(); opt.step()
for _ in range(3): step()
t = time.perf_counter()
for _ in range(3): step()
print("samples/s", 256 * 3 / (time.perf_counter() - t))
with profile(activities=[ProfilerActivity.CPU], record_shapes=True) as prof:
    for _ in range(2): step()
print(prof.key_averages(group_by_input_shape=True).table(sort_by="self_cpu_time_total", row_limit=30, max_name_column_width=40, max_shapes_column_width=70))
