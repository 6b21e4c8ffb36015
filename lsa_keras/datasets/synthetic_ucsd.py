"""A small synthetic dataset in the exact UCSD Ped2 on-disk layout, for tests and CPU examples.

The real UCSD videos cannot be downloaded on machines without network. This generator draws a
fixed grayscale scene (a textured walkway seen from a static camera) with dark figures walking
at pedestrian speed (0.5-1.5 px per frame at 240x360). Test videos add, over a stretch of a
third to a half of the video, an anomaly as in Ped2: a cyclist (a larger, darker figure moving
5-7 px per frame) or a large bright vehicle, each already in the scene when the stretch starts.
Ground-truth masks mark the anomaly's pixels.

    python -m lsa_keras.datasets.synthetic_ucsd --out DIR [--train 6 --test 6 --frames 120]

writes ``DIR/UCSDped2/Train/TrainNNN/NNN.tif`` and ``DIR/UCSDped2/Test/TestNNN{,_gt}/NNN.{tif,bmp}``.
"""

import argparse
import os

import numpy as np


def _background(size, rng):
    h, w = size
    y, x = np.mgrid[0:h, 0:w].astype("float32")
    base = 120 + 40 * (y / h) + 10 * np.sin(x / w * 6.0 + 1.3)
    coarse = rng.normal(0, 8, (h // 8 + 1, w // 8 + 1))
    texture = np.kron(coarse, np.ones((8, 8)))[:h, :w]
    return base + texture


def _ellipse(yy, xx, cy, cx, ry, rx):
    return ((yy - cy) / ry) ** 2 + ((xx - cx) / rx) ** 2 <= 1.0


class _Walker:
    """A figure crossing the scene at pedestrian speed, wrapping around the borders."""

    def __init__(self, size, rng, speed=(0.5, 1.5), radius=(14, 6), shade=(40, 70)):
        h, w = size
        scale = h / 240
        self.size = size
        self.y, self.x = rng.uniform(0.15 * h, 0.85 * h), rng.uniform(0, w)
        angle = rng.uniform(0, 2 * np.pi)
        v = rng.uniform(*speed) * scale
        self.vy, self.vx = v * np.sin(angle) * 0.5, v * np.cos(angle)
        self.ry, self.rx = radius[0] * scale, radius[1] * scale
        self.shade = rng.uniform(*shade)

    def step(self):
        h, w = self.size
        self.y = (self.y + self.vy) % h
        self.x = (self.x + self.vx) % w

    def draw(self, frame, yy, xx):
        m = _ellipse(yy, xx, self.y, self.x, self.ry, self.rx)
        frame[m] = self.shade
        return m


class _Vehicle:
    """A large bright rectangle driving through the scene."""

    def __init__(self, size, rng):
        h, w = size
        scale = h / 240
        self.size = size
        self.hh, self.hw = 22 * scale, 38 * scale
        self.y = rng.uniform(0.3 * h, 0.7 * h)
        self.vx = rng.choice([-1, 1]) * rng.uniform(2.0, 3.0) * scale
        # Starts inside the frame, heading across it, so every anomalous frame shows it.
        self.x = rng.uniform(0.15 * w, 0.35 * w) if self.vx > 0 else rng.uniform(0.65 * w, 0.85 * w)
        self.shade = rng.uniform(200, 235)

    def step(self):
        self.x += self.vx

    def draw(self, frame, yy, xx):
        m = (np.abs(yy - self.y) <= self.hh) & (np.abs(xx - self.x) <= self.hw)
        frame[m] = self.shade
        return m


def _video(size, frames, rng, background, anomaly=None):
    """Frames (uint8) and anomaly masks (bool) of one video."""
    h, w = size
    yy, xx = np.mgrid[0:h, 0:w].astype("float32")
    walkers = [_Walker(size, rng) for _ in range(rng.integers(3, 7))]
    video = np.empty((frames, h, w), "uint8")
    masks = np.zeros((frames, h, w), bool)
    start, stop, odd = None, None, None
    if anomaly is not None:
        start = int(rng.integers(frames // 4, frames // 3 + 1))
        stop = min(frames, start + int(rng.integers(frames // 3, frames // 2 + 1)))
        if anomaly == "fast":
            odd = _Walker(size, rng, speed=(5.0, 7.0), radius=(16, 12), shade=(10, 25))
        else:
            odd = _Vehicle(size, rng)
    for t in range(frames):
        frame = background.copy()
        for walker in walkers:
            walker.draw(frame, yy, xx)
            walker.step()
        if odd is not None and start <= t < stop:
            masks[t] = odd.draw(frame, yy, xx)
            odd.step()
        frame += rng.normal(0, 2.0, frame.shape)
        video[t] = np.clip(np.round(frame), 0, 255).astype("uint8")
    return video, masks


def write_synthetic_ucsd(out, train=6, test=6, frames=120, size=(240, 360), seed=0):
    """Write the dataset under ``out/UCSDped2``; return that folder.

    Args:
        out: parent folder.
        train, test: number of training (normal) and test videos.
        frames: frames per video.
        size: ``(height, width)`` of the frames (UCSD Ped2: 240x360).
        seed: seed of everything drawn.
    """
    from PIL import Image

    rng = np.random.default_rng(seed)
    background = _background(size, rng)
    root = os.path.join(out, "UCSDped2")
    for k in range(train):
        video, _ = _video(size, frames, rng, background)
        folder = os.path.join(root, "Train", f"Train{k + 1:03d}")
        os.makedirs(folder, exist_ok=True)
        for t, frame in enumerate(video):
            Image.fromarray(frame).save(os.path.join(folder, f"{t + 1:03d}.tif"))
    for k in range(test):
        video, masks = _video(size, frames, rng, background, anomaly=("fast", "vehicle")[k % 2])
        folder = os.path.join(root, "Test", f"Test{k + 1:03d}")
        os.makedirs(folder, exist_ok=True)
        os.makedirs(folder + "_gt", exist_ok=True)
        for t, (frame, mask) in enumerate(zip(video, masks)):
            Image.fromarray(frame).save(os.path.join(folder, f"{t + 1:03d}.tif"))
            Image.fromarray(mask.astype("uint8") * 255).save(os.path.join(folder + "_gt", f"{t + 1:03d}.bmp"))
    return root


def main(argv=None):
    p = argparse.ArgumentParser(description="Write a synthetic dataset in the UCSD Ped2 layout.")
    p.add_argument("--out", required=True)
    p.add_argument("--train", type=int, default=6)
    p.add_argument("--test", type=int, default=6)
    p.add_argument("--frames", type=int, default=120)
    p.add_argument("--seed", type=int, default=0)
    args = p.parse_args(argv)
    print(write_synthetic_ucsd(args.out, args.train, args.test, args.frames, seed=args.seed))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
