"""Video anomaly detection on UCSD Ped2 or DR(eye)VE (or a generated dataset in their layout), end
to end.

    # the real dataset (UCSDped2/Train/TrainNNN/*.tif, Test/TestNNN{,_gt}/...):
    python examples/ucsd_ped2.py --data-dir /path/to/UCSD_Anomaly_Dataset.v1p2 --out OUT
    # no dataset at hand (these machines): generate one in the same layout, then run the same
    # pipeline on it
    python examples/ucsd_ped2.py --synthetic --out examples/results/ucsd-synthetic
    # the DR(eye)VE setting, on DREYEVE_DATA or on generated sequences in its layout
    python examples/ucsd_ped2.py --setting dreyeve --data-dir /path/to/DREYEVE_DATA --out OUT
    python examples/ucsd_ped2.py --setting dreyeve --synthetic --out OUT

Trains the paper's UCSD Ped2 LSA (lr 1e-3, lambda 0.1, input noise 0.025) on random 8x32x32
patches of the training videos, keeps the epoch with the lowest validation loss, scores every
patch of every 8-frame window of every test video (spec, "Evaluation protocol") and writes:

- ``OUT/results.json`` and ``OUT/results.md``: frame-level AUROC of LLK, REC and NS (each video
  normalised on itself), the fraction of anomalous frames whose top-scoring patch lies on the
  anomaly, the settings, timings and machine;
- ``OUT/plots/scores_<video>.png``: per-frame scores with the anomalous frames shaded;
- ``OUT/plots/localisation_<video>.png``: patch novelty over the middle anomalous frame, the
  ground truth outlined in green and the top patch boxed in white (with ``--all-maps``, also
  ``OUT/plots/<video>/frame_NNN.png`` for every frame);
- ``OUT/model.keras``: the trained model.

The default schedule is sized for a 2-core CPU and the generated dataset; on the real dataset
raise ``--train-patches`` and ``--epochs`` (the authors trained far longer).

``--setting dreyeve`` trains the DR(eye)VE LSA (batch 16, lr 1e-3, lambda 1) on whole-frame
16-frame grayscale clips drawn from the normal stretches of the training sequences and scores
every clip of every test sequence (the ShanghaiTech protocol; the choices the supplement
leaves open are listed in ``lsa_keras/datasets/dreyeve.py``). It writes the same files without
the localisation maps. Frames are 160x256 on real data and 32x64 on generated sequences
(``--frame-size``), as TensorFlow's 3D convolutions train slowly on a CPU.
"""

import argparse
import json
import os
import platform
import sys
import time

from lsa_keras.utils.tensorflow_settings import choose_tensorflow_settings

# Before TensorFlow loads (lsa_keras.utils.tensorflow_settings says what and why).
choose_tensorflow_settings()

PAPER = {"llk": 0.933, "rec": 0.909, "ns": 0.954}  # supplement Table 2, real UCSD Ped2
PAPER_DREYEVE = {"llk": 0.917, "rec": 0.863, "ns": 0.926}  # supplement Table 2, real DR(eye)VE


def parse(argv):
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    src = p.add_mutually_exclusive_group(required=True)
    src.add_argument("--data-dir", help="the UCSDped2 (or DREYEVE_DATA) folder or a folder "
                     "that holds it")
    src.add_argument("--synthetic", action="store_true",
                     help="generate a dataset in the setting's layout under OUT/data and use it")
    p.add_argument("--setting", choices=("ucsd_ped2", "dreyeve"), default="ucsd_ped2")
    p.add_argument("--out", required=True)
    p.add_argument("--train-patches", type=int, default=2000)
    p.add_argument("--val-patches", type=int, default=200)
    p.add_argument("--epochs", type=int, default=None,
                   help="default 6 (ucsd_ped2) or 3 (dreyeve)")
    p.add_argument("--batch-size", type=int, default=None,
                   help="default 64 (ucsd_ped2) or Table 1's 16 (dreyeve)")
    p.add_argument("--learning-rate", type=float, default=1e-3)
    p.add_argument("--score-batch", type=int, default=512)
    p.add_argument("--seed", type=int, default=0, help="weights, patch sampling and data")
    p.add_argument("--all-maps", action="store_true",
                   help="write a localisation map for every test frame, not one per video")
    d = p.add_argument_group("DR(eye)VE (with --setting dreyeve)")
    d.add_argument("--train-clips", type=int, default=32)
    d.add_argument("--val-clips", type=int, default=8)
    d.add_argument("--frame-size", type=int, nargs=2, default=None, metavar=("H", "W"),
                   help="multiples of 32; default 160 256, or 32 64 with --synthetic")
    d.add_argument("--clip-batch", type=int, default=8, help="clips scored per batch")
    g = p.add_argument_group("generated dataset (with --synthetic)")
    g.add_argument("--synthetic-train", type=int, default=4, help="training videos")
    g.add_argument("--synthetic-test", type=int, default=3, help="test videos")
    g.add_argument("--synthetic-frames", type=int, default=64, help="frames per video")
    return p.parse_args(argv)


def main(argv=None):
    args = parse(argv)
    start = time.time()
    if args.setting == "dreyeve":
        return dreyeve(args, start)
    args.epochs = 6 if args.epochs is None else args.epochs
    args.batch_size = 64 if args.batch_size is None else args.batch_size
    import keras

    from lsa_keras import LSA, video

    from lsa_keras.utils import plots
    from lsa_keras.datasets import load_ucsd
    from lsa_keras.datasets.synthetic_ucsd import write_synthetic_ucsd
    from lsa_keras.video.pipeline import evaluate_videos, fit_patches, training_patches

    os.makedirs(os.path.join(args.out, "plots"), exist_ok=True)
    if args.synthetic:
        root = os.path.join(args.out, "data")
        if not os.path.isdir(os.path.join(root, "UCSDped2")):
            write_synthetic_ucsd(root, args.synthetic_train, args.synthetic_test,
                                 args.synthetic_frames, seed=args.seed)
        data_note = (f"generated by lsa_keras.datasets.synthetic_ucsd (seed {args.seed}: "
                     f"{args.synthetic_train} training and {args.synthetic_test} test videos of "
                     f"{args.synthetic_frames} frames, 240x360)")
    else:
        root = args.data_dir
        data_note = f"UCSD Ped2 read from {os.path.abspath(root)}"
    data = load_ucsd(root)
    train = [video.resize_video(v) for v in data["train"]]
    test = [video.resize_video(v) for v in data["test"]]
    masks = [video.resize_masks(m) for m in data["test_masks"]]
    print(f"{len(train)} training videos ({sum(map(len, train))} frames), {len(test)} test "
          f"videos ({sum(map(len, test))} frames), read in {time.time() - start:.0f} s")

    keras.utils.set_random_seed(args.seed)
    model = LSA.from_architecture("ucsd_ped2")
    model.compile(optimizer=keras.optimizers.Adam(learning_rate=args.learning_rate))
    x_train, x_val = training_patches(train, args.train_patches, args.val_patches, args.seed)
    fit = fit_patches(model, x_train, x_val, args.epochs, args.batch_size,
                      os.path.join(args.out, "best.weights.h5"))
    model.save(os.path.join(args.out, "model.keras"))
    print(f"trained in {fit['seconds']:.0f} s; best epoch {fit['best_epoch']}")

    result = evaluate_videos(model, test, masks, data["test_names"], args.score_batch)
    for v, frames, mask in zip(result["videos"], test, masks):
        plots.frame_scores_plot(v["scores"], v["labels"],
                                os.path.join(args.out, "plots", f"scores_{v['name']}.png"),
                                title=f"{v['name']}: per-frame scores")
        local = v["localisation"]
        if len(local["frames"]):
            f = int(local["frames"][len(local["frames"]) // 2])
            write_map(frames, mask, v["patch_ns"], result["corners"], f,
                      os.path.join(args.out, "plots", f"localisation_{v['name']}.png"))
        if args.all_maps:
            os.makedirs(os.path.join(args.out, "plots", v["name"]), exist_ok=True)
            for f in range(len(frames)):
                write_map(frames, mask, v["patch_ns"], result["corners"], f,
                          os.path.join(args.out, "plots", v["name"], f"frame_{f + 1:03d}.png"))

    summary = {
        "data": data_note, "test_frames": result["frames"],
        "anomalous_frames": result["anomalous_frames"],
        "auroc_llk": result["auroc"]["llk"], "auroc_rec": result["auroc"]["rec"],
        "auroc_ns": result["auroc"]["ns"],
        "localisation": result["localisation"],
        "paper_real_ucsd_ped2": PAPER,
        "schedule": {"train_patches": args.train_patches, "val_patches": args.val_patches,
                     "epochs": args.epochs, "batch_size": args.batch_size,
                     "learning_rate": args.learning_rate, "lam": model.lam,
                     "input_noise": model.input_noise,
                     "checkpoint": "lowest validation loss", "best_epoch": fit["best_epoch"]},
        "seed": args.seed, "backend": keras.backend.backend(),
        "seconds": {"train": round(fit["seconds"], 1), "score": round(result["seconds"], 1),
                    "total": round(time.time() - start, 1)},
        "patches_scored": result["patches_scored"],
        "history": fit["history"],
        "machine": {"platform": platform.platform(), "cpus": os.cpu_count(),
                    "python": platform.python_version(), "keras": keras.__version__},
    }
    with open(os.path.join(args.out, "results.json"), "w") as f:
        json.dump(summary, f, indent=2)
        f.write("\n")
    with open(os.path.join(args.out, "results.md"), "w") as f:
        f.write(markdown(summary))
    print(markdown(summary))
    return 0


def dreyeve(args, start):
    """The DR(eye)VE setting: whole-frame grayscale clips, scored as in the ShanghaiTech
    protocol."""
    import keras

    from lsa_keras import LSA, video
    from lsa_keras.datasets import DrEyeVE, write_synthetic_dreyeve
    from lsa_keras.datasets.dreyeve import FRAME_SIZE
    from lsa_keras.utils import plots
    from lsa_keras.video.pipeline import evaluate_clip_videos, fit_patches

    epochs = 3 if args.epochs is None else args.epochs
    batch_size = 16 if args.batch_size is None else args.batch_size
    os.makedirs(os.path.join(args.out, "plots"), exist_ok=True)
    if args.synthetic:
        root = os.path.join(args.out, "data")
        if not os.path.isdir(os.path.join(root, "DREYEVE_DATA")):
            write_synthetic_dreyeve(root, args.synthetic_train, args.synthetic_test,
                                    args.synthetic_frames, seed=args.seed,
                                    videos=_has_opencv())
        data_note = (f"generated by lsa_keras.datasets.synthetic_dreyeve (seed {args.seed}: "
                     f"{args.synthetic_train} training and {args.synthetic_test} test sequences "
                     f"of {args.synthetic_frames} frames, 108x192)")
    else:
        root = args.data_dir
        data_note = f"DR(eye)VE read from {os.path.abspath(root)}"
    size = tuple(args.frame_size or ((32, 64) if args.synthetic else FRAME_SIZE))
    data = DrEyeVE(root, size=size)
    segments = [s for name in data.train_names for s in data.train_segments(name)]
    test = [data.test_video(name) for name in data.test_names]
    print(f"{len(data.train_names)} training sequences ({len(segments)} normal stretches, "
          f"{sum(map(len, segments))} frames), {len(test)} test sequences "
          f"({sum(len(f) for f, _ in test)} frames), {size[0]}x{size[1]}, read in "
          f"{time.time() - start:.0f} s")

    keras.utils.set_random_seed(args.seed)
    model = LSA.from_architecture("dreyeve", input_shape=(16, *size, 1))  # lambda 1, no noise
    model.compile(optimizer=keras.optimizers.Adam(learning_rate=args.learning_rate))
    x_train = video.sample_training_clips(segments, args.train_clips, seed=args.seed)
    x_val = video.sample_training_clips(segments, args.val_clips, seed=args.seed + 1)
    fit = fit_patches(model, x_train, x_val, epochs, batch_size,
                      os.path.join(args.out, "best.weights.h5"))
    model.save(os.path.join(args.out, "model.keras"))
    print(f"trained in {fit['seconds']:.0f} s; best epoch {fit['best_epoch']}")

    result = evaluate_clip_videos(model, [f for f, _ in test], [labels for _, labels in test],
                                  data.test_names, batch_size=args.clip_batch)
    for v in result["videos"]:
        plots.frame_scores_plot(v["scores"], v["labels"],
                                os.path.join(args.out, "plots", f"scores_{v['name']}.png"),
                                title=f"sequence {v['name']}: per-frame scores")
    summary = {
        "setting": "dreyeve", "data": data_note, "frame_size": list(size),
        "test_frames": result["frames"], "anomalous_frames": result["anomalous_frames"],
        **{f"auroc_{k}": result["auroc"][k] for k in ("llk", "rec", "ns")},
        "paper_real_dreyeve": PAPER_DREYEVE,
        "schedule": {"train_clips": args.train_clips, "val_clips": args.val_clips,
                     "epochs": epochs, "batch_size": batch_size,
                     "learning_rate": args.learning_rate, "lam": model.lam,
                     "checkpoint": "lowest validation loss", "best_epoch": fit["best_epoch"]},
        "seed": args.seed, "backend": keras.backend.backend(),
        "seconds": {"train": round(fit["seconds"], 1), "score": round(result["seconds"], 1),
                    "total": round(time.time() - start, 1)},
        "history": fit["history"],
        "machine": {"platform": platform.platform(), "cpus": os.cpu_count(),
                    "python": platform.python_version(), "keras": keras.__version__},
    }
    text = "\n".join([
        "# DR(eye)VE setting: frame-level AUROC", "",
        f"Data: {data_note}; frames {size[0]}x{size[1]}; {summary['test_frames']} test frames, "
        f"{summary['anomalous_frames']} anomalous (acting subsequences).", "",
        "| score | AUROC | paper (real DR(eye)VE) |", "|---|---|---|",
        *(f"| {k.upper()} | {summary[f'auroc_{k}']:.3f} | {PAPER_DREYEVE[k]:.3f} |"
          for k in ("llk", "rec", "ns")), "",
        f"Schedule: {json.dumps(summary['schedule'])}; seed {args.seed}; backend "
        f"{summary['backend']}.",
        f"Time: {summary['seconds']['train']:.0f} s training, {summary['seconds']['score']:.0f} s "
        f"scoring, {summary['seconds']['total']:.0f} s in all, on "
        f"{summary['machine']['platform']} with {summary['machine']['cpus']} CPUs.", "",
    ])
    with open(os.path.join(args.out, "results.json"), "w") as f:
        json.dump(summary, f, indent=2)
        f.write("\n")
    with open(os.path.join(args.out, "results.md"), "w") as f:
        f.write(text)
    print(text)
    return 0


def _has_opencv():
    try:
        import cv2  # noqa: F401
    except ImportError:
        return False
    return True


def write_map(frames, masks, patch_ns, corners, f, path):
    """Frame ``f`` under its patch novelty, ground truth outlined, top patch boxed."""
    from lsa_keras import video
    from lsa_keras.utils import plots

    scores = video.frame_patch_scores(patch_ns, f)
    r, c = corners[int(scores.argmax())]
    heat = video.patch_heatmap(scores[None], corners, 0, size=frames.shape[1:3])
    plots.localisation_map(frames[f, ..., 0], heat, path, mask=masks[f] if masks[f].any() else None,
                           box=(r, c, *video.PATCH[1:]))


def markdown(s):
    loc = s["localisation"]
    return "\n".join([
        "# UCSD Ped2 protocol: frame-level AUROC and localisation", "",
        f"Data: {s['data']}; {s['test_frames']} test frames, {s['anomalous_frames']} anomalous.",
        "", "| score | AUROC | paper (real UCSD Ped2) |", "|---|---|---|",
        *(f"| {k.upper()} | {s[f'auroc_{k}']:.3f} | {s['paper_real_ucsd_ped2'][k]:.3f} |"
          for k in ("llk", "rec", "ns")), "",
        f"Localisation: the top-scoring patch overlaps the anomaly in {loc['hits']} of "
        f"{loc['anomalous_frames']} anomalous frames ({loc['fraction']:.1%}).", "",
        f"Schedule: {json.dumps(s['schedule'])}; seed {s['seed']}; backend {s['backend']}.",
        f"Time: {s['seconds']['train']:.0f} s training, {s['seconds']['score']:.0f} s scoring "
        f"{s['patches_scored']} patches, {s['seconds']['total']:.0f} s in all, on "
        f"{s['machine']['platform']} with {s['machine']['cpus']} CPUs.", "",
    ])


if __name__ == "__main__":
    sys.exit(main())
