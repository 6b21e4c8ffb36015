"""Video anomaly detection under the UCSD Ped2 protocol, on the real dataset or a generated one.

    python examples/04_video.py --demo --out runs/video          # generated videos, minutes on a CPU
    python examples/04_video.py --data-dir /path/to/UCSD_Anomaly_Dataset.v1p2 --out runs/ped2

Trains the paper's UCSD Ped2 model (λ 0.1, input noise 0.025, Adam lr 1e-3) on random 8x32x32
patches of the training videos, keeps the epoch with the lowest validation loss, scores every
patch of every 8-frame window of each test video, averages them into frame scores (16-frame
clips, each video normalised on itself), and prints the frame-level AUROC of LLK, REC and NS
and how often the top-scoring patch of an anomalous frame lies on the anomaly. Writes
``OUT/frame_scores.png`` and ``OUT/model.keras``.

``--demo`` first writes a small dataset in the exact UCSD layout (walkers; each test video has a
fast cyclist or a bright vehicle, with ground-truth masks). It is far easier than the real
scene: it shows the pipeline at work, not how LSA does on real video. The reproduction script,
with plots and localisation maps, is ``examples/ucsd_ped2.py``.
"""

import argparse
import os
import sys

from lsa_keras.utils.tensorflow_settings import choose_tensorflow_settings


def parse(argv):
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    src = p.add_mutually_exclusive_group(required=True)
    src.add_argument("--data-dir", help="the UCSDped2 folder or a folder that holds it")
    src.add_argument("--demo", action="store_true",
                     help="generate a dataset in the UCSD layout under OUT/data and use it")
    p.add_argument("--out", required=True)
    p.add_argument("--train-patches", type=int, default=2000)
    p.add_argument("--val-patches", type=int, default=200)
    p.add_argument("--epochs", type=int, default=6)
    p.add_argument("--batch-size", type=int, default=64)
    p.add_argument("--frame-size", type=int, nargs=2, default=None, metavar=("H", "W"),
                   help="resize frames to H W (default: the protocol's 256 384)")
    p.add_argument("--seed", type=int, default=0)
    g = p.add_argument_group("generated dataset (--demo)")
    g.add_argument("--demo-train", type=int, default=4, help="training videos")
    g.add_argument("--demo-test", type=int, default=3, help="test videos")
    g.add_argument("--demo-frames", type=int, default=64, help="frames per video")
    p.add_argument("--smoke", action="store_true",
                   help="a tiny network, to check that the script runs (numbers mean nothing)")
    return p.parse_args(argv)


def main(argv=None):
    args = parse(argv)
    choose_tensorflow_settings()  # before TensorFlow loads
    import keras
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    import lsa_keras
    from lsa_keras import video
    from lsa_keras.datasets import load_ucsd, write_synthetic_ucsd

    os.makedirs(args.out, exist_ok=True)
    root = args.data_dir
    if args.demo:
        root = os.path.join(args.out, "data")
        if not os.path.isdir(os.path.join(root, "UCSDped2")):
            write_synthetic_ucsd(root, args.demo_train, args.demo_test, args.demo_frames,
                                 seed=args.seed)
    data = load_ucsd(root)
    size = tuple(args.frame_size) if args.frame_size else video.FRAME_SIZE
    train = [video.resize_video(v, size) for v in data["train"]]
    test = [video.resize_video(v, size) for v in data["test"]]
    masks = [video.resize_masks(m, size) for m in data["test_masks"]]
    print(f"{len(train)} training and {len(test)} test videos, frames resized to {size}")

    keras.utils.set_random_seed(args.seed)
    small = dict(code_length=8, bins=10, estimator_units=(4,)) if args.smoke else {}
    model = lsa_keras.LSA.from_architecture("ucsd_ped2", **small)
    model.compile(optimizer=keras.optimizers.Adam(1e-3))
    x_train, x_val = video.training_patches(train, args.train_patches, args.val_patches,
                                            args.seed)
    fit = video.fit_patches(model, x_train, x_val, args.epochs, args.batch_size,
                            os.path.join(args.out, "best.weights.h5"))
    model.save(os.path.join(args.out, "model.keras"))
    print(f"trained in {fit['seconds']:.0f} s; best epoch {fit['best_epoch']}")

    result = video.evaluate_videos(model, test, masks, data["test_names"])
    loc = result["localisation"]
    print("frame-level AUROC: " + ", ".join(f"{k.upper()} {v:.3f}"
                                            for k, v in result["auroc"].items()))
    print(f"the top patch lies on the anomaly in {loc['hits']} of {loc['anomalous_frames']} "
          f"anomalous frames")

    first = result["videos"][0]
    fig, ax = plt.subplots(figsize=(7, 2.8))
    ax.plot(first["scores"]["ns"], lw=1.2, label="NS")
    anomalous = [i for i, a in enumerate(first["labels"]) if a]
    if anomalous:
        ax.axvspan(anomalous[0], anomalous[-1], color="r", alpha=0.15, label="anomalous frames")
    ax.set_xlabel("frame")
    ax.set_ylabel("score (normalised per video)")
    ax.set_title(first["name"])
    ax.legend(fontsize=8)
    fig.tight_layout()
    fig.savefig(os.path.join(args.out, "frame_scores.png"), dpi=100)
    plt.close(fig)
    return 0


if __name__ == "__main__":
    sys.exit(main())
