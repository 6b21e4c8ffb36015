"""Peak memory of training one epoch on a folder of images, streamed and loaded (issue 34).

Writes flat folders of 28x28 grayscale PNGs (MNIST training digits from --data-dir when given,
else random pixels), then runs ``lsa-keras train --dataset folder`` on each for one epoch, with
``--stream`` and without, each in its own process, and records that process's peak resident
memory (``ru_maxrss`` from ``os.wait4``) and wall time. The folder's images are all normal (a
flat folder): 90% train, 10% validate and calibrate.

    python research/streaming_memory.py --sizes 5000 50000 --data-dir ../shared/datasets \\
        --out research/results/streaming-memory
"""

import argparse
import json
import os
import platform
import subprocess
import sys
import time

import numpy as np


def cpu_name():
    try:
        with open("/proc/cpuinfo") as f:
            info = f.read()
    except OSError:
        return platform.processor()
    fields = dict(line.split(":", 1) for line in info.splitlines() if ":" in line)
    fields = {k.strip(): v.strip() for k, v in fields.items()}
    flags = fields.get("flags", "").split()
    isa = "AMX" if "amx_tile" in flags else "AVX-512" if "avx512f" in flags else "AVX2"
    return (f"{fields.get('model name', '?')} (family {fields.get('cpu family')} model "
            f"{fields.get('model')}, {isa}), {os.cpu_count()} cores")


def write_folder(folder, n, data_dir):
    from PIL import Image

    done = os.path.join(folder, ".complete")
    if os.path.exists(done):
        return
    os.makedirs(folder, exist_ok=True)
    if data_dir:
        from lsa_keras.datasets import load_mnist

        (x, _), _ = load_mnist(data_dir)
        images = x[np.arange(n) % len(x), ..., 0]
    else:
        images = np.random.RandomState(0).randint(0, 256, (n, 28, 28), dtype=np.uint8)
    for i, image in enumerate(images):
        Image.fromarray(image).save(os.path.join(folder, f"{i:06d}.png"))
    open(done, "w").close()


def train_once(folder, out, stream, batch_size):
    cmd = [sys.executable, "-m", "lsa_keras.cli", "train", "--dataset", "folder",
           "--data-dir", folder, "--epochs", "1", "--batch-size", str(batch_size),
           "--schedule", "constant", "--out", out] + (["--stream"] if stream else [])
    start = time.time()
    proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    output = proc.stdout.read()
    _, status, usage = os.wait4(proc.pid, 0)
    proc.returncode = os.waitstatus_to_exitcode(status)
    if proc.returncode:
        raise RuntimeError(f"{' '.join(cmd)} failed:\n{output[-3000:]}")
    return {"peak_rss_mib": round(usage.ru_maxrss / 1024, 1),  # Linux: kilobytes
            "wall_s": round(time.time() - start, 1)}


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[5000, 50000])
    parser.add_argument("--modes", nargs="+", default=["stream", "load"],
                        choices=["stream", "load"])
    parser.add_argument("--data-dir", default=None, help="MNIST IDX folder (optional)")
    parser.add_argument("--work", default="/tmp/lsa_streaming_memory",
                        help="where the folders and runs are written")
    parser.add_argument("--batch-size", type=int, default=256)
    parser.add_argument("--out", required=True)
    args = parser.parse_args()
    os.makedirs(args.out, exist_ok=True)
    path = os.path.join(args.out, "results.json")
    results = json.load(open(path)) if os.path.exists(path) else {"runs": []}
    results.update({"cpu": cpu_name(), "batch_size": args.batch_size, "epochs": 1,
                    "images": "MNIST training digits" if args.data_dir else "random pixels",
                    "command": "lsa-keras train --dataset folder --epochs 1 --schedule constant "
                               f"--batch-size {args.batch_size} [--stream]"})
    for n in args.sizes:
        folder = os.path.join(args.work, f"png-{n}")
        write_folder(folder, n, args.data_dir)
        for mode in args.modes:
            out = os.path.join(args.work, f"run-{n}-{mode}-{time.time_ns()}")
            run = {"images": n, "mode": mode, **train_once(folder, out, mode == "stream",
                                                             args.batch_size)}
            print(json.dumps(run), flush=True)
            results["runs"] = [r for r in results["runs"]
                               if (r["images"], r["mode"]) != (n, mode)] + [run]
            with open(path, "w") as f:
                json.dump(results, f, indent=2)


if __name__ == "__main__":
    main()
