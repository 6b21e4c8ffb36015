"""DR(eye)VE in its published on-disk layout, read as the LSA DR(eye)VE setting needs it.

    DREYEVE_DATA/dr(eye)ve_design.txt       per sequence: number, time of day, weather,
                                            landscape, driver, train/test (tab-separated)
    DREYEVE_DATA/subsequences.txt           per annotated stretch: sequence, first frame,
                                            end frame, type (k, i, u or e; tab-separated)
    DREYEVE_DATA/01/video_garmin.avi        the roof camera, 1920x1080 at 25 fps, 7500 frames
    DREYEVE_DATA/01/frames/000000.jpg ...   the same frames extracted (optional; read instead
                                            of the video where present)
    DREYEVE_DATA/01/video_etg.avi, video_saliency.avi, etg_samples.txt, ...   (not used)
    ... up to DREYEVE_DATA/74/

The subsequence types are the dataset's: ``k`` acting (the driver attends to something other
than the road ahead because the scene asks for it: crossings, turns, pedestrians), ``i``
inattentive, ``u`` attentive but uninteresting, ``e`` errors of the gaze recording.

What the LSA supplement specifies for DR(eye)VE: grayscale clips of 16 frames of 160x256, the
networks (Table 1), batch 16, learning rate 1e-3, λ 1, and the frame-level AUROCs of LLK, REC
and NS (Table 2). What it does not specify, and what this loader chooses:

- **Camera**: not said. The roof camera (``video_garmin.avi``), the view a driving system has;
  the eye-tracking glasses' video follows the driver's head.
- **Split**: not said. The dataset's own, the train/test column of ``dr(eye)ve_design.txt``
  (sequences 01-37 train, 38-74 test); without that file, 01-37 and 38-74.
- **What is anomalous**: not said. Frames inside ``k`` (acting) subsequences, the dataset's
  annotation of non-trivial driving events; every other frame is normal (``anomalous=``
  changes the types). Training uses only the normal stretches of the training sequences
  (:meth:`DrEyeVE.train_segments`), so the model learns normality only.
- **Frame indices of subsequences**: not said by the dataset's documentation either. Read as
  0-based video frame indices, ``start`` included and ``end`` excluded, as the DR(eye)VE
  authors' code uses them (``is_acting[start:end] = 1``).
- **Frame rate and preprocessing**: not said. Every frame (25 fps; ``frame_step`` subsamples),
  converted to grayscale (ITU-R 601 luma) and resized from 1080x1920 to 160x256 whole
  (bilinear; the aspect ratio changes from 16:9 to 16:10, no crop), values divided by 255.
- **Scoring**: not said. As the ShanghaiTech protocol (spec, "Evaluation protocol"): every
  16-frame clip with stride 1, a frame's score the mean over the clips that contain it, each
  test sequence min-max normalised on itself, the AUROC over all frames of all test
  sequences (:func:`lsa_keras.video.pipeline.evaluate_clip_videos`).

A sequence at 160x256 is 7500 x 40960 bytes (307 MB) of uint8 frames, so :class:`DrEyeVE`
lists the sequences and reads one at a time. Reading ``.avi`` files needs OpenCV
(``pip install "lsa-keras[video]"``); frame folders do not.
"""

import os

import numpy as np

from lsa_keras.datasets.frames import read_frames, read_video_file

FRAME_SIZE = (160, 256)
SUBSEQUENCE_TYPES = {"k": "acting", "i": "inattentive", "u": "attentive but uninteresting",
                     "e": "errors"}
DESIGN_FILE = "dr(eye)ve_design.txt"
SUBSEQUENCES_FILE = "subsequences.txt"
VIDEO_FILE = "video_garmin.avi"
FRAMES_FOLDER = "frames"
_FRAME_EXTENSIONS = (".jpg", ".jpeg", ".png")
_FIRST_TEST_SEQUENCE = 38
# The dataset's text files are a few kilobytes; more is not one of them.
_MAX_TEXT_BYTES = 2**20


def _name(number):
    return f"{int(number):02d}"


def _lines(path):
    """``(number, line)`` of a UTF-8 text file; a ValueError naming it if it is not text."""
    with open(path, encoding="utf-8") as f:
        try:
            text = f.read(_MAX_TEXT_BYTES + 1)
        except UnicodeDecodeError as e:
            raise ValueError(f"{path} is not a UTF-8 text file ({e}); restore the dataset's "
                             "own copy.") from None
    if len(text) > _MAX_TEXT_BYTES:
        raise ValueError(f"{path} is larger than {_MAX_TEXT_BYTES} characters, which no "
                         "DR(eye)VE text file is; restore the dataset's own copy.")
    return list(enumerate(text.split("\n"), 1))


def read_design(path):
    """``{sequence: {"time_of_day", "weather", "landscape", "driver", "split"}}`` of a
    ``dr(eye)ve_design.txt`` (sequence names ``"01"``; split ``"train"`` or ``"test"``).

    Raises:
        ValueError: a line without a sequence number or a train/test column.
    """
    design = {}
    for number, line in _lines(path):
        fields = line.split()
        if not fields:
            continue
        split = [v.lower() for v in fields[5:] if v.lower() in ("train", "test")]
        if len(fields) < 6 or not fields[0].isdecimal() or not split:
            raise ValueError(f"{path}, line {number}: expected 'sequence time-of-day weather "
                             f"landscape driver train|test', got {line.strip()!r}.")
        design[_name(fields[0])] = dict(zip(
            ("time_of_day", "weather", "landscape", "driver"), fields[1:5]), split=split[0])
    return design


def read_subsequences(path):
    """``{sequence: [(start, end, type), ...]}`` of a ``subsequences.txt``.

    Raises:
        ValueError: a malformed line, ``end <= start``, or a type other than k, i, u, e.
    """
    out = {}
    for number, line in _lines(path):
        fields = line.split()
        if not fields:
            continue
        try:
            sequence, start, end = (int(v) for v in fields[:3])
            kind = fields[3]
        except (ValueError, IndexError):
            raise ValueError(f"{path}, line {number}: expected 'sequence start end type', "
                             f"got {line.strip()!r}.") from None
        if start < 0 or end <= start or kind not in SUBSEQUENCE_TYPES:
            raise ValueError(f"{path}, line {number}: need 0 <= start < end and a type in "
                             f"{sorted(SUBSEQUENCE_TYPES)}, got {line.strip()!r}.")
        out.setdefault(_name(sequence), []).append((start, end, kind))
    return out


def _root(root):
    for candidate in (root, os.path.join(root, "DREYEVE_DATA")):
        if os.path.isfile(os.path.join(candidate, SUBSEQUENCES_FILE)):
            return candidate
    raise FileNotFoundError(
        f"No DR(eye)VE dataset in {root!r}: expected {SUBSEQUENCES_FILE}, {DESIGN_FILE} and "
        f"numbered sequence folders 01 ... 74 holding {VIDEO_FILE} (or {FRAMES_FOLDER}/*.jpg), "
        "directly or under DREYEVE_DATA/."
    )


class DrEyeVE:
    """The sequences of a DR(eye)VE folder, read one at a time (see the module's notes).

    Args:
        root: the ``DREYEVE_DATA`` folder, or a folder holding it.
        size: ``(height, width)`` the frames are resized to, ``(160, 256)`` as in the paper;
            ``None`` keeps the files' size.
        anomalous: the subsequence types whose frames are anomalous (default acting, ``k``).
        frame_step: keep every ``frame_step``-th frame (1: all 25 frames per second).

    Attributes:
        train_names, test_names: sorted sequence names present on disk (``"01"``, ``"38"``).
        design: the parsed ``dr(eye)ve_design.txt`` (empty without that file).

    Raises:
        FileNotFoundError: no ``subsequences.txt``, no sequence folders, a sequence folder
            with neither ``video_garmin.avi`` nor ``frames/``, or no training or no test
            sequence.
    """

    def __init__(self, root, size=FRAME_SIZE, anomalous=("k",), frame_step=1):
        self.root = _root(os.fspath(root))
        self.size = None if size is None else tuple(int(v) for v in size)
        self.anomalous = tuple(anomalous)
        unknown = set(self.anomalous) - set(SUBSEQUENCE_TYPES)
        if unknown or not self.anomalous:
            raise ValueError(f"anomalous must name subsequence types among "
                             f"{sorted(SUBSEQUENCE_TYPES)}, got {anomalous!r}.")
        self.frame_step = int(frame_step)
        if self.frame_step < 1:
            raise ValueError(f"frame_step must be >= 1, got {frame_step!r}.")
        self.subsequences = read_subsequences(os.path.join(self.root, SUBSEQUENCES_FILE))
        design_path = os.path.join(self.root, DESIGN_FILE)
        self.design = read_design(design_path) if os.path.isfile(design_path) else {}
        self._sources = {}
        for entry in sorted(os.listdir(self.root)):
            folder = os.path.join(self.root, entry)
            if not (entry.isdecimal() and os.path.isdir(folder)):
                continue
            frames, video = os.path.join(folder, FRAMES_FOLDER), os.path.join(folder, VIDEO_FILE)
            if os.path.isdir(frames):
                self._sources[_name(entry)] = frames
            elif os.path.isfile(video):
                self._sources[_name(entry)] = video
            else:
                raise FileNotFoundError(f"{folder} holds neither {VIDEO_FILE} nor a "
                                        f"{FRAMES_FOLDER}/ folder of frames.")
        if not self._sources:
            raise FileNotFoundError(f"{self.root} holds no numbered sequence folders (01 ... 74).")
        self.train_names = [n for n in self._sources if self._split(n) == "train"]
        self.test_names = [n for n in self._sources if self._split(n) == "test"]
        for kind, names in (("training", self.train_names), ("test", self.test_names)):
            if not names:
                raise FileNotFoundError(f"{self.root} holds no {kind} sequence (the split is "
                                        f"{DESIGN_FILE}'s, else 01-37 train and 38-74 test).")

    def _split(self, name):
        if name in self.design:
            return self.design[name]["split"]
        return "train" if int(name) < _FIRST_TEST_SEQUENCE else "test"

    def frames(self, name):
        """uint8 grayscale frames ``(t, h, w, 1)`` of sequence ``name`` (every
        ``frame_step``-th frame, resized to ``size``).

        Raises:
            ValueError: no such sequence on disk.
            ValueError: a video that cannot be decoded or an unreadable frame (the message
                names the file).
        """
        if name not in self._sources:
            raise ValueError(f"no sequence {name!r} in {self.root}; there are "
                           f"{len(self._sources)}, for example {sorted(self._sources)[:3]}.")
        path = self._sources[name]
        # Each frame is resized as it is read: a sequence never sits in memory at 1080x1920.
        if os.path.isdir(path):
            frames = read_frames(path, _FRAME_EXTENSIONS, mode="L", size=self.size)
        else:
            frames = read_video_file(path, size=self.size, mode="L")
        return frames[::self.frame_step, ..., None]

    def labels(self, name, n_frames):
        """int32 ``(n_frames,)``: 1 for the kept frames inside an anomalous subsequence."""
        full = np.zeros(n_frames * self.frame_step, "int32")
        for start, end, kind in self.subsequences.get(name, ()):
            if kind in self.anomalous:
                full[start:end] = 1
        return full[::self.frame_step][:n_frames]

    def train_segments(self, name, min_length=16):
        """The normal stretches of training sequence ``name``: uint8 ``(t_i, h, w, 1)``
        arrays between its anomalous subsequences, those of at least ``min_length`` frames
        (:func:`lsa_keras.video.sample_training_clips` draws clips from them)."""
        self._check(name, self.train_names, "training")
        frames = self.frames(name)
        normal = self.labels(name, len(frames)) == 0
        edges = np.flatnonzero(np.diff(np.concatenate([[0], normal.astype("int8"), [0]])))
        return [frames[a:b] for a, b in zip(edges[::2], edges[1::2]) if b - a >= min_length]

    def test_video(self, name):
        """``(frames, labels)`` of test sequence ``name``: uint8 ``(t, h, w, 1)`` and int32
        ``(t,)`` (1 = anomalous)."""
        self._check(name, self.test_names, "test")
        frames = self.frames(name)
        return frames, self.labels(name, len(frames))

    def _check(self, name, names, kind):
        if name not in names:
            raise ValueError(f"no {kind} sequence {name!r}; there are {len(names)}, for example "
                           f"{names[:3]}.")
