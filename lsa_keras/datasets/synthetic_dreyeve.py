"""A small synthetic dataset in the DR(eye)VE on-disk layout, for tests and CPU examples.

The real DR(eye)VE videos cannot be downloaded on machines without network. This generator
draws what a roof camera sees on a straight road: sky, a grass verge whose stripes stream past,
an asphalt road narrowing to the vanishing point, edge lines and centre dashes moving towards
the camera at the car's speed, the road swaying gently. Every sequence has one acting (``k``)
subsequence, a third to a half of its frames long, that is one of two driving events: a dark
vehicle crossing the road ahead, or a turn (the vanishing point swings to one side and back
while the car slows). Some sequences also get an ``u`` (uninteresting) subsequence, which is
normal. Training sequences are numbered from 01, test sequences from 38, as in the real split.

    python -m lsa_keras.datasets.synthetic_dreyeve --out DIR [--train 3 --test 2 --frames 96]

writes ``DIR/DREYEVE_DATA/{dr(eye)ve_design.txt, subsequences.txt, NN/video_garmin.avi}``
(or ``NN/frames/NNNNNN.jpg`` with ``--frames-only``, which needs no OpenCV).
"""

import argparse
import os

import numpy as np

from lsa_keras.datasets.dreyeve import DESIGN_FILE, FRAMES_FOLDER, SUBSEQUENCES_FILE, VIDEO_FILE

FIRST_TEST_SEQUENCE = 38
_CONDITIONS = [("Morning", "Sunny", "Countryside"), ("Evening", "Cloudy", "Highway"),
               ("Night", "Rainy", "Downtown")]


def _sequence(size, frames, rng, event):
    """uint8 frames ``(t, h, w)`` and the acting subsequence ``(start, end)`` of one drive."""
    h, w = size
    y, x = np.mgrid[0:h, 0:w].astype("float32")
    horizon = 0.4 * h
    below = np.maximum(y - horizon, 0.5)
    depth = (h - horizon) / below  # 1 at the bottom row, growing towards the horizon
    half_width = 0.55 * w * below / (h - horizon)
    sky = 190 - 35 * y / horizon + np.kron(rng.normal(0, 6, (h // 6 + 1, w // 6 + 1)),
                                           np.ones((6, 6)))[:h, :w]
    speed = rng.uniform(0.08, 0.14)
    sway_period, sway_phase = rng.uniform(40, 80), rng.uniform(0, 2 * np.pi)
    start = int(rng.integers(frames // 4, frames // 3 + 1))
    end = min(frames, start + int(rng.integers(frames // 3, frames // 2 + 1)))
    crossing_depth = rng.uniform(2.5, 4.0)
    direction = rng.choice([-1.0, 1.0])
    video = np.empty((frames, h, w), "uint8")
    travelled = 0.0
    for t in range(frames):
        phase = (t - start) / max(end - start, 1)
        acting = start <= t < end
        centre = w / 2 + 0.05 * w * np.sin(2 * np.pi * t / sway_period + sway_phase)
        step = speed
        if acting and event == "turn":
            bump = np.sin(np.pi * phase) ** 2
            centre += direction * 0.35 * w * bump
            step = speed * (1 - 0.6 * bump)
        travelled += step
        offset = np.abs(x - centre)
        frame = 105 + 12 * np.sin(2 * np.pi * (0.8 * depth - travelled))
        road = offset < half_width
        frame = np.where(road, 75.0, frame)
        frame = np.where(road & (offset > 0.92 * half_width), 200.0, frame)
        dashes = (offset < 0.03 * half_width + 0.5) & ((0.5 * depth - travelled) % 1.0 < 0.5)
        frame = np.where(dashes, 210.0, frame)
        frame = np.where(y <= horizon, sky, frame)
        if acting and event == "crossing":
            row = horizon + (h - horizon) / crossing_depth
            car_w, car_h = 0.45 * w / crossing_depth, 0.25 * w / crossing_depth
            cx = centre + direction * (phase * 2 - 1) * 0.8 * w
            car = (np.abs(x - cx) < car_w) & (y > row - 2 * car_h) & (y <= row)
            frame = np.where(car, 25.0, frame)
        frame = frame + rng.normal(0, 2.0, frame.shape)
        video[t] = np.clip(np.round(frame), 0, 255).astype("uint8")
    return video, (start, end)


def _write_video(path, video):
    import cv2

    h, w = video.shape[1:]
    writer = cv2.VideoWriter(path, cv2.VideoWriter_fourcc(*"MJPG"), 25, (w, h))
    if not writer.isOpened():
        raise RuntimeError(f"OpenCV could not open {path} for writing (MJPG).")
    try:
        for frame in video:
            writer.write(cv2.cvtColor(frame, cv2.COLOR_GRAY2BGR))
    finally:
        writer.release()


def write_synthetic_dreyeve(out, train=3, test=2, frames=96, size=(108, 192), videos=True,
                            seed=0):
    """Write the dataset under ``out/DREYEVE_DATA``; return that folder.

    Args:
        out: parent folder.
        train, test: number of training and test sequences (numbered 01 ... and 38 ...).
        frames: frames per sequence (the real ones have 7500). The acting subsequence starts
            a quarter to a third of the way in, so 64 or more frames leave every training
            sequence a normal stretch of 16 frames, a training clip.
        size: ``(height, width)`` of the frames (the real roof camera: 1080x1920).
        videos: write ``NN/video_garmin.avi`` (MJPG, needs OpenCV); ``False`` writes
            ``NN/frames/NNNNNN.jpg`` instead.
        seed: seed of everything drawn.
    """
    from PIL import Image

    if train < 1 or test < 1 or frames < 16:
        raise ValueError(f"need at least one training and one test sequence of >= 16 frames, "
                         f"got train={train}, test={test}, frames={frames}.")
    rng = np.random.default_rng(seed)
    root = os.path.join(out, "DREYEVE_DATA")
    os.makedirs(root, exist_ok=True)
    numbers = [(k + 1, "train") for k in range(train)]
    numbers += [(FIRST_TEST_SEQUENCE + k, "test") for k in range(test)]
    design, subsequences = [], []
    for k, (number, split) in enumerate(numbers):
        video, (start, end) = _sequence(size, frames, rng, ("crossing", "turn")[k % 2])
        folder = os.path.join(root, f"{number:02d}")
        os.makedirs(folder, exist_ok=True)
        if videos:
            _write_video(os.path.join(folder, VIDEO_FILE), video)
        else:
            os.makedirs(os.path.join(folder, FRAMES_FOLDER), exist_ok=True)
            for t, frame in enumerate(video):
                Image.fromarray(frame).save(
                    os.path.join(folder, FRAMES_FOLDER, f"{t:06d}.jpg"), quality=95)
        time_of_day, weather, landscape = _CONDITIONS[k % len(_CONDITIONS)]
        design.append(f"{number:02d}\t{time_of_day}\t{weather}\t{landscape}\tD{k % 8 + 1}\t{split}")
        if k % 2 and start >= 4:
            subsequences.append(f"{number}\t0\t{start // 2}\tu")
        subsequences.append(f"{number}\t{start}\t{end}\tk")
    with open(os.path.join(root, DESIGN_FILE), "w") as f:
        f.write("\n".join(design) + "\n")
    with open(os.path.join(root, SUBSEQUENCES_FILE), "w") as f:
        f.write("\n".join(subsequences) + "\n")
    return root


def main(argv=None):
    p = argparse.ArgumentParser(description="Write a synthetic dataset in the DR(eye)VE layout.")
    p.add_argument("--out", required=True)
    p.add_argument("--train", type=int, default=3)
    p.add_argument("--test", type=int, default=2)
    p.add_argument("--frames", type=int, default=96)
    p.add_argument("--frames-only", action="store_true",
                   help="write frame folders instead of video_garmin.avi (no OpenCV needed)")
    p.add_argument("--seed", type=int, default=0)
    args = p.parse_args(argv)
    print(write_synthetic_dreyeve(args.out, args.train, args.test, args.frames,
                                  videos=not args.frames_only, seed=args.seed))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
