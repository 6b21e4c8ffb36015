"""Our CIFAR-10 network against the authors' PyTorch code, layer by layer (issue 36).

Builds our ``cifar10`` LSA (random seeded weights with random batch-norm statistics, or a
trained ``save_pretrained`` folder with ``--model``), builds the authors' ``LSACIFAR10`` from
their released code (imported from ``--authors-code``, a checkout of
github.com/aimagelab/novelty-detection; nothing of it is copied here), copies every weight of
ours into theirs, and runs both in inference mode on the first ``--n`` CIFAR-10 test images.

It reports, per stage (encoder: first conv + activation, residual block, each down block, the
dense head, the code; decoder: the dense layers, each up block, the residual block, the
reconstruction; estimator: each MFC layer) the largest absolute difference between the two
float32 networks and that difference relative to the stage's largest value, next to the
distance of each from the authors' network run in float64; then the per-sample REC (sum of
squared errors) and LLK (the authors' ``AutoregressionLoss``, one sample at a time, against
``lsa_keras.losses`` and the model's compiled scorer), and how many latent variables fall in
another bin. With ``--full`` it scores the whole test split and the normal class's
validation split with both and compares the AUROC of LLK, REC and NS, normalising as the
authors' ``result_helpers/one_class.py`` does (min-max on the validation split).

The authors' code targets PyTorch 0.4: its ``utils.py`` imports four names that
``torch.utils.data.dataloader`` no longer has (``_use_shared_memory``, ``int_classes``,
``numpy_type_map``, ``string_classes``); they are set on that module at run time before the
import (the functions used here, ``normalize`` and ``novelty_score``, do not touch them). Their
``datasets`` package imports torchvision, which is not installed, so ``datasets/transforms.py``
is loaded as a file. Their files are not modified.

Usage (from the repository root)::

    mkdir -p /work/runs/authors-code && git -C /work/.mirror/aimagelab+novelty-detection/repo \\
        archive HEAD | tar -x -C /work/runs/authors-code
    python research/authors_port.py --authors-code /work/runs/authors-code \\
        --data-dir ../shared/datasets --out research/results/cifar10-authors-port
    python research/authors_port.py --authors-code /work/runs/authors-code \\
        --data-dir ../shared/datasets --out research/results/cifar10-authors-port \\
        --model /work/runs/baseline-10ep/models/cifar10-1 --full

Each run is merged into ``OUT/results.json`` under its label (``random-seed<S>`` or the model
folder's name) and ``OUT/results.md`` is rewritten from all of them.
"""

import argparse
import importlib.util
import json
import os
import sys
import time

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
os.environ.setdefault("OMP_NUM_THREADS", "1")

# The stages compared, in order: (name, which network, what it is).
STAGES = [
    ("enc.conv0+act", "encoder", "3x3 conv (no padding, no bias) + LeakyReLU"),
    ("enc.res1", "encoder", "residual block"),
    ("enc.down1", "encoder", "down block 32->64"),
    ("enc.down2", "encoder", "down block 64->128"),
    ("enc.down3", "encoder", "down block 128->256"),
    ("enc.fc1", "encoder", "dense 4096->256 (flatten order permuted)"),
    ("enc.fc1_bn", "encoder", "batch norm 256"),
    ("enc.fc1_act", "encoder", "LeakyReLU"),
    ("code", "encoder", "dense 256->64 + sigmoid"),
    ("dec.fc1", "decoder", "dense 64->256"),
    ("dec.fc1_bn", "decoder", "batch norm 256"),
    ("dec.fc1_act", "decoder", "LeakyReLU"),
    ("dec.fc2", "decoder", "dense 256->4096 (feature order permuted)"),
    ("dec.fc2_bn", "decoder", "batch norm 4096"),
    ("dec.fc2_act", "decoder", "LeakyReLU, reshaped to 256x4x4"),
    ("dec.up1", "decoder", "up block 256->128"),
    ("dec.up2", "decoder", "up block 128->64"),
    ("dec.up3", "decoder", "up block 64->32"),
    ("dec.res1", "decoder", "residual block"),
    ("reconstruction", "decoder", "1x1 conv 32->3 (no bias, linear)"),
    ("est.mfc0", "estimator", "MFC-A 1->32"),
    ("est.mfc1", "estimator", "MFC-B 32->32"),
    ("est.mfc2", "estimator", "MFC-B 32->32"),
    ("est.mfc3", "estimator", "MFC-B 32->32"),
    ("logits", "estimator", "MFC-B 32->100 (the estimator's output)"),
]
# Our layer whose output is each stage, per network (None: the stage has no layer of ours
# of its own; it is the output after the layer named).
OUR_LAYERS = {
    "encoder": {"act0": "enc.conv0+act", "res1": "enc.res1", "down1": "enc.down1",
                "down2": "enc.down2", "down3": "enc.down3", "fc1_fc": "enc.fc1",
                "fc1_bn": "enc.fc1_bn", "fc1_act": "enc.fc1_act", "code": "code"},
    "decoder": {"fc1_fc": "dec.fc1", "fc1_bn": "dec.fc1_bn", "fc1_act": "dec.fc1_act",
                "fc2_fc": "dec.fc2", "fc2_bn": "dec.fc2_bn", "reshape": "dec.fc2_act",
                "up1": "dec.up1", "up2": "dec.up2", "up3": "dec.up3", "res1": "dec.res1",
                "output": "reconstruction"},
    "estimator": {"mfc0": "est.mfc0", "mfc1": "est.mfc1", "mfc2": "est.mfc2",
                  "mfc3": "est.mfc3", "mfc4": "logits"},
}
GRID = (4, 4, 256)  # the deepest feature grid (h, w, c) of both networks


def limit_threads():
    """One thread for TensorFlow and PyTorch (another job shares this machine's two cores)."""
    import tensorflow as tf
    import torch

    tf.config.threading.set_intra_op_parallelism_threads(1)
    tf.config.threading.set_inter_op_parallelism_threads(1)
    torch.set_num_threads(1)


# --------------------------------------------------------------------------------------------
# The authors' code
# --------------------------------------------------------------------------------------------

def import_authors(path):
    """The authors' modules, imported from their checkout at ``path`` (PyTorch 0.4 shims set at
    run time; their files untouched)."""
    import torch.utils.data.dataloader as dataloader

    path = os.path.abspath(path)
    if not os.path.isfile(os.path.join(path, "models", "LSA_cifar10.py")):
        raise SystemExit(f"--authors-code {path}: no models/LSA_cifar10.py there; extract the "
                         "authors' repository first (see this script's docstring).")
    shims = {"_use_shared_memory": False, "int_classes": int, "string_classes": (str, bytes),
             "numpy_type_map": {}}
    patched = [k for k in shims if not hasattr(dataloader, k)]
    for k in patched:
        setattr(dataloader, k, shims[k])
    sys.path.insert(0, path)
    for name in ("models", "utils"):  # their top-level names, not someone else's
        module = sys.modules.get(name)
        if module is not None and not os.path.abspath(getattr(module, "__file__", "") or "").startswith(path):
            raise SystemExit(f"a module named {name!r} is already imported from "
                             f"{module.__file__}; it would shadow the authors' {name}.")
    from models.LSA_cifar10 import LSACIFAR10
    from models.loss_functions.autoregression_loss import AutoregressionLoss
    from models.loss_functions.reconstruction_loss import ReconstructionLoss
    import utils as authors_utils

    # datasets/__init__.py imports torchvision; only the transforms are needed.
    spec = importlib.util.spec_from_file_location(
        "authors_transforms", os.path.join(path, "datasets", "transforms.py"))
    transforms = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(transforms)
    return {"LSACIFAR10": LSACIFAR10, "AutoregressionLoss": AutoregressionLoss,
            "ReconstructionLoss": ReconstructionLoss, "normalize": authors_utils.normalize,
            "novelty_score": authors_utils.novelty_score, "transforms": transforms,
            "patched_torch_names": patched, "path": path}


def authors_version(path):
    """The mirror's commit, if the checkout came from ``git archive`` of it (recorded by hand
    otherwise)."""
    mirror = "/work/.mirror/aimagelab+novelty-detection/repo"
    try:
        import subprocess

        out = subprocess.run(["git", "-C", mirror, "log", "-1", "--format=%H %cs %s"],
                             capture_output=True, text=True, check=True).stdout.strip()
        return f"{mirror} HEAD {out}"
    except Exception:  # noqa: BLE001
        return f"checkout at {path} (commit not recorded)"


def authors_inputs(authors, x_uint8, split):
    """The authors' transform of uint8 NHWC images: ``ToFloat32`` + ``OCToFloatTensor2D`` for the
    test split, ``ToFloatTensor2D`` for the validation split; NCHW float32 numpy."""
    import numpy as np

    t = authors["transforms"]
    if split == "test":
        to_float, to_tensor = t.ToFloat32(), t.OCToFloatTensor2D()
        out = [to_tensor(to_float((img, 0)))[0].numpy() for img in x_uint8]
    else:
        to_tensor = t.ToFloatTensor2D()
        out = [to_tensor((img, img))[0].numpy() for img in x_uint8]
    # Their transforms return channels-last strided arrays (a transpose divided by 255); PyTorch
    # 0.4's collate stacked them into a contiguous batch, which their encoder's view() needs.
    return np.ascontiguousarray(np.stack(out))


# --------------------------------------------------------------------------------------------
# Our model
# --------------------------------------------------------------------------------------------

def build_ours(args):
    """``(model, description)``: a trained folder, or seeded random weights with random
    batch-norm parameters and moving statistics (so that inference-mode BN is exercised)."""
    import keras
    import numpy as np

    import lsa_keras

    if args.model:
        model = lsa_keras.from_pretrained(args.model)
        return model, {"source": "save_pretrained folder", "model": os.path.abspath(args.model),
                       "metadata": getattr(model, "pretrained_metadata", None)}
    from lsa_keras.models.lsa.lsa import LSA

    keras.utils.set_random_seed(args.seed)
    model = LSA.from_architecture("cifar10")
    rng = np.random.default_rng(args.seed)
    randomized = 0
    for w in model.weights:
        name, shape = w.path.rsplit("/", 1)[-1], tuple(w.shape)
        value = {"gamma": lambda: rng.uniform(0.5, 1.5, shape),
                 "beta": lambda: rng.normal(0.0, 0.2, shape),
                 "moving_mean": lambda: rng.normal(0.0, 0.2, shape),
                 "moving_variance": lambda: rng.uniform(0.5, 2.0, shape)}.get(name)
        if value is not None:
            w.assign(value().astype("float32"))
            randomized += 1
    return model, {"source": f"LSA.from_architecture('cifar10'), keras seed {args.seed}",
                   "batch_norm": "gamma U(0.5, 1.5), beta N(0, 0.2), moving mean N(0, 0.2), "
                                 f"moving variance U(0.5, 2) (numpy seed {args.seed})",
                   "batch_norm_variables_randomized": randomized}


def layer_by_name(net, name):
    return next(l for l in net.layers if l.name == name)


# --------------------------------------------------------------------------------------------
# Weight transfer: ours -> theirs
# --------------------------------------------------------------------------------------------

def conv_kernel(k):
    """Keras ``(kh, kw, in, out)`` -> PyTorch ``(out, in, kh, kw)``; a Keras transposed conv's
    ``(kh, kw, out, in)`` -> PyTorch's ``(in, out, kh, kw)`` is the same permutation."""
    return k.transpose(3, 2, 0, 1)


def grid_vector(v):
    """A vector over our flattened ``(h, w, c)`` grid in PyTorch's ``(c, h, w)`` order."""
    return v.reshape(*GRID).transpose(2, 0, 1).reshape(-1)


def weight_map(model):
    """``{their state_dict key: numpy array}`` from our model's weights, every transform
    spelled out."""
    import keras
    import numpy as np
    from keras import ops

    from lsa_keras.layers import masks

    def np_(v):
        return np.asarray(ops.convert_to_numpy(v), dtype="float32")

    out = {}

    def bn(prefix, layer):
        out[f"{prefix}.weight"] = np_(layer.gamma)
        out[f"{prefix}.bias"] = np_(layer.beta)
        out[f"{prefix}.running_mean"] = np_(layer.moving_mean)
        out[f"{prefix}.running_var"] = np_(layer.moving_variance)

    def block(prefix, blk, pairs):
        inner = {l.name: l for l in blk.main + blk.shortcut}
        for theirs, ours in pairs:
            layer = inner[ours]
            if isinstance(layer, keras.layers.BatchNormalization):
                bn(f"{prefix}.{theirs}", layer)
            else:
                out[f"{prefix}.{theirs}.weight"] = conv_kernel(np_(layer.kernel))

    enc, dec, est = model.encoder, model.decoder, model.estimator
    out["encoder.conv.0.weight"] = conv_kernel(np_(layer_by_name(enc, "conv0").kernel))
    residual = [("conv1", "conv1"), ("bn1", "bn1"), ("conv2", "conv2"), ("bn2", "bn2")]
    down = [("conv1a", "conv1"), ("bn1a", "bn1"), ("conv1b", "conv2"), ("bn1b", "bn2"),
            ("conv2a", "shortcut_conv"), ("bn2a", "shortcut_bn")]
    up = [("conv1a", "conv1_conv"), ("bn1a", "bn1"), ("conv1b", "conv2"), ("bn1b", "bn2"),
          ("conv2a", "shortcut_conv"), ("bn2a", "shortcut_bn")]
    block("encoder.conv.2", layer_by_name(enc, "res1"), residual)
    for i, name in enumerate(("down1", "down2", "down3")):
        block(f"encoder.conv.{3 + i}", layer_by_name(enc, name), down)
    # Encoder head: our Flatten reads (h, w, c), theirs view() reads (c, h, w).
    k = np_(layer_by_name(enc, "fc1_fc").kernel)  # (4096 in (h, w, c), 256)
    out["encoder.fc.0.weight"] = k.reshape(*GRID, -1).transpose(3, 2, 0, 1).reshape(k.shape[1], -1)
    out["encoder.fc.0.bias"] = np_(layer_by_name(enc, "fc1_fc").bias)
    bn("encoder.fc.1", layer_by_name(enc, "fc1_bn"))
    out["encoder.fc.3.weight"] = np_(layer_by_name(enc, "code").kernel).T
    out["encoder.fc.3.bias"] = np_(layer_by_name(enc, "code").bias)
    # Decoder head: fc2's outputs (and its batch norm) are our (h, w, c) grid, their (c, h, w).
    out["decoder.fc.0.weight"] = np_(layer_by_name(dec, "fc1_fc").kernel).T
    out["decoder.fc.0.bias"] = np_(layer_by_name(dec, "fc1_fc").bias)
    bn("decoder.fc.1", layer_by_name(dec, "fc1_bn"))
    k = np_(layer_by_name(dec, "fc2_fc").kernel)  # (256, 4096 out (h, w, c))
    out["decoder.fc.3.weight"] = k.T.reshape(*GRID, -1).transpose(2, 0, 1, 3).reshape(-1, k.shape[0])
    out["decoder.fc.3.bias"] = grid_vector(np_(layer_by_name(dec, "fc2_fc").bias))
    fc2_bn = layer_by_name(dec, "fc2_bn")
    for theirs, ours in (("weight", "gamma"), ("bias", "beta"), ("running_mean", "moving_mean"),
                         ("running_var", "moving_variance")):
        out[f"decoder.fc.4.{theirs}"] = grid_vector(np_(getattr(fc2_bn, ours)))
    for i, name in enumerate(("up1", "up2", "up3")):
        block(f"decoder.conv.{i}", layer_by_name(dec, name), up)
    block("decoder.conv.3", layer_by_name(dec, "res1"), residual)
    out["decoder.conv.4.weight"] = conv_kernel(np_(layer_by_name(dec, "output").kernel))
    # Estimator: our free blocks laid out as the dense (d*ci, d*co) matrix; theirs is its
    # transpose, (d*co, d*ci), and their bias (d*co,) is ours (d, co) flattened.
    for i in range(5):
        layer = layer_by_name(est, f"mfc{i}")
        dense = np_(masks.scatter_blocks(layer.kernel, layer._pairs, layer.code_length))
        out[f"estimator.layers.{2 * i}.weight"] = dense.T
        out[f"estimator.layers.{2 * i}.bias"] = np_(layer.bias).reshape(-1)
    return out


def our_connectivity(model):
    """``{their mask key: (d*co, d*ci) 0/1 matrix}``: which weights each of our MFC layers can
    hold (its free blocks laid out as theirs)."""
    import numpy as np
    from keras import ops

    from lsa_keras.layers import masks

    out = {}
    for i in range(5):
        layer = layer_by_name(model.estimator, f"mfc{i}")
        ones = np.ones(tuple(layer.kernel.shape), "float32")
        dense = ops.convert_to_numpy(masks.scatter_blocks(ones, layer._pairs, layer.code_length))
        out[f"estimator.layers.{2 * i}.mask"] = dense.T
    return out


def port_weights(model, theirs):
    """Copy our weights into the authors' network; every parameter and batch-norm statistic of
    theirs exactly once, shapes checked; their MFC masks checked against our connectivity.

    Returns a summary dict. Raises ``RuntimeError`` on any mismatch.
    """
    import numpy as np
    import torch

    state = theirs.state_dict()
    skipped_kinds = ("num_batches_tracked", "mask")
    required = [k for k in state if not k.endswith(skipped_kinds)]
    values = weight_map(model)
    missing = sorted(set(required) - set(values))
    extra = sorted(set(values) - set(required))
    if missing or extra:
        raise RuntimeError(f"weight map does not cover the authors' network: missing {missing}, "
                           f"not theirs {extra}")
    params = dict(theirs.named_parameters())
    buffers = dict(theirs.named_buffers())
    assigned = {}
    with torch.no_grad():
        for key in required:
            target = params.get(key, buffers.get(key))
            value = values[key]
            if tuple(target.shape) != value.shape:
                raise RuntimeError(f"{key}: theirs {tuple(target.shape)}, ours {value.shape}")
            target.copy_(torch.from_numpy(np.ascontiguousarray(value)))
            assigned[key] = assigned.get(key, 0) + 1
    if any(n != 1 for n in assigned.values()) or len(assigned) != len(required):
        raise RuntimeError("a weight was assigned more or less than once")
    # The masks: the same connectivity, and our masked-out weights are zeros (their forward
    # multiplies the weight by the mask in place; that must change nothing).
    mask_report = {}
    for key, ours in our_connectivity(model).items():
        mask = buffers[key].numpy()
        if mask.shape != ours.shape or not np.array_equal(mask, ours):
            raise RuntimeError(f"{key}: the authors' mask differs from our connectivity")
        weight = params[key[:-len("mask")] + "weight"].detach().numpy()
        if np.any(weight[mask == 0] != 0):
            raise RuntimeError(f"{key}: our masked-out weights are not zero")
        mask_report[key] = {"shape": list(mask.shape), "ones": int(mask.sum())}
    n_ours = model.count_params()
    return {"assigned_tensors": len(assigned),
            "their_state_dict_entries": len(state),
            "not_assigned": {
                "mask": f"{sum(k.endswith('mask') for k in state)} MFC masks (buffers), checked "
                        "equal to our connectivity instead",
                "num_batches_tracked": f"{sum(k.endswith('num_batches_tracked') for k in state)} "
                                       "BN step counters, unused in inference (momentum is set)"},
            "masks": mask_report,
            "their_n_parameters": int(theirs.n_parameters), "our_count_params": int(n_ours),
            "parameter_counts_equal": int(theirs.n_parameters) == int(n_ours)}


# --------------------------------------------------------------------------------------------
# Forward passes, stage by stage
# --------------------------------------------------------------------------------------------

def to_theirs_layout(stage, a):
    """Our activation in the authors' layout: NHWC -> NCHW, our (h, w, c) flat grid -> (c, h, w),
    estimator (batch, d, co) -> (batch, co, d)."""
    if a.ndim == 4:
        return a.transpose(0, 3, 1, 2)
    if stage in ("dec.fc2", "dec.fc2_bn"):
        return a.reshape(len(a), *GRID).transpose(0, 3, 1, 2).reshape(len(a), -1)
    if a.ndim == 3:
        return a.transpose(0, 2, 1)
    return a


def our_stages(model, x):
    """``({stage: numpy array in the authors' layout}, outputs dict)`` of our networks, each
    layer called in inference mode (the model's own path: batch norm folded into the convs)."""
    import numpy as np
    from keras import ops

    stages = {}
    h = x
    for layer in model.encoder.layers:
        h = layer(h, training=False)
        if layer.name in OUR_LAYERS["encoder"]:
            stages[OUR_LAYERS["encoder"][layer.name]] = h
    code = h
    for layer in model.decoder.layers:
        h = layer(h, training=False)
        if layer.name in OUR_LAYERS["decoder"]:
            stages[OUR_LAYERS["decoder"][layer.name]] = h
    reconstruction = h
    h = ops.expand_dims(code, -1)
    for layer in model.estimator.layers:
        h = layer(h, training=False)
        if layer.name in OUR_LAYERS["estimator"]:
            stages[OUR_LAYERS["estimator"][layer.name]] = h
    out = {"code": code, "reconstruction": reconstruction, "logits": h}
    return ({k: to_theirs_layout(k, np.asarray(ops.convert_to_numpy(v))) for k, v in stages.items()},
            out)


def their_stages(theirs, x):
    """``({stage: numpy array}, (x_r, z, z_dist))`` of the authors' network, captured with
    forward hooks on their modules during their own ``forward``."""
    import torch

    captured = {}
    hooks = []

    def output_of(module, name):
        hooks.append(module.register_forward_hook(lambda m, i, o: captured.__setitem__(name, o)))

    def input_of(module, name):
        hooks.append(module.register_forward_pre_hook(
            lambda m, i: captured.__setitem__(name, i[0])))

    enc, dec, est = theirs.encoder, theirs.decoder, theirs.estimator
    # Their LeakyReLU module is shared by every layer of a network, so the outputs after an
    # activation are taken as the input of the next module.
    input_of(enc.conv[2], "enc.conv0+act")
    for i, name in enumerate(("enc.res1", "enc.down1", "enc.down2", "enc.down3")):
        output_of(enc.conv[2 + i], name)
    output_of(enc.fc[0], "enc.fc1")
    output_of(enc.fc[1], "enc.fc1_bn")
    input_of(enc.fc[3], "enc.fc1_act")
    output_of(enc.fc[4], "code")
    output_of(dec.fc[0], "dec.fc1")
    output_of(dec.fc[1], "dec.fc1_bn")
    input_of(dec.fc[3], "dec.fc1_act")
    output_of(dec.fc[3], "dec.fc2")
    output_of(dec.fc[4], "dec.fc2_bn")
    input_of(dec.conv[0], "dec.fc2_act")
    for i, name in enumerate(("dec.up1", "dec.up2", "dec.up3", "dec.res1", "reconstruction")):
        output_of(dec.conv[i], name)
    for i, name in enumerate(("est.mfc0", "est.mfc1", "est.mfc2", "est.mfc3", "logits")):
        output_of(est.layers[2 * i], name)
    try:
        with torch.no_grad():
            outputs = theirs(x)
    finally:
        for h in hooks:
            h.remove()
    return {k: v.detach().numpy() for k, v in captured.items()}, outputs


def their_per_sample_losses(authors, x, x_r, z, z_dist):
    """Per-sample REC and LLK from the authors' loss modules, one sample at a time (their result
    helper scores with batches of one); float64 numpy ``(n,)`` each."""
    import numpy as np
    import torch

    rec_fn, llk_fn = authors["ReconstructionLoss"](), authors["AutoregressionLoss"](z_dist.shape[1])
    rec, llk = np.zeros(len(x)), np.zeros(len(x))
    with torch.no_grad():
        for i in range(len(x)):
            s = slice(i, i + 1)
            rec[i] = rec_fn(x[s], x_r[s]).item()
            llk[i] = llk_fn(z[s], z_dist[s]).item()
    return rec, llk


class Stat:
    """Running largest |a - b| and largest |reference| of one stage."""

    def __init__(self):
        self.max_abs = 0.0
        self.max_ref = 0.0
        self.shape = None

    def update(self, a, b):
        import numpy as np

        if a.shape != b.shape:
            raise RuntimeError(f"shapes differ: {a.shape} against {b.shape}")
        self.shape = list(a.shape[1:])
        self.max_abs = max(self.max_abs, float(np.max(np.abs(a.astype("float64") - b))))
        self.max_ref = max(self.max_ref, float(np.max(np.abs(b))))

    def as_dict(self):
        return {"max_abs": self.max_abs,
                "max_rel": self.max_abs / self.max_ref if self.max_ref else 0.0,
                "max_abs_reference": self.max_ref}


def compare(model, theirs, theirs64, authors, x_uint8, batch_size):
    """Stage-by-stage and per-sample comparison on ``x_uint8`` (NHWC uint8)."""
    import numpy as np
    import torch

    from lsa_keras import losses, scoring
    from lsa_keras.utils.preprocessing import to_model_input

    names = [s[0] for s in STAGES]
    stats = {pair: {n: Stat() for n in names} for pair in ("ours_vs_theirs", "ours_vs_f64",
                                                          "theirs_vs_f64")}
    per_sample = {k: [] for k in ("rec_ours", "llk_ours", "rec_theirs", "llk_theirs",
                                  "rec_f64", "llk_f64", "bins_ours", "bins_theirs", "clamped")}
    x_ours_all = to_model_input(x_uint8)
    x_theirs_all = authors_inputs(authors, x_uint8, "test")
    input_identical = bool(np.array_equal(x_ours_all.transpose(0, 3, 1, 2), x_theirs_all))
    eps = np.finfo(float).eps
    for start in range(0, len(x_uint8), batch_size):
        x_ours = x_ours_all[start:start + batch_size]
        x_t = torch.from_numpy(x_theirs_all[start:start + batch_size])
        ours, out = our_stages(model, x_ours)
        th, (x_r, z, z_dist) = their_stages(theirs, x_t)
        th64, (x_r64, z64, z_dist64) = their_stages(theirs64, x_t.double())
        for n in names:
            stats["ours_vs_theirs"][n].update(ours[n], th[n])
            stats["ours_vs_f64"][n].update(ours[n], th64[n])
            stats["theirs_vs_f64"][n].update(th[n], th64[n])
        rec, llk = losses.per_sample_losses(x_ours, out)
        per_sample["rec_ours"].append(np.asarray(rec, "float64"))
        per_sample["llk_ours"].append(np.asarray(llk, "float64"))
        r, l = their_per_sample_losses(authors, x_t, x_r, z, z_dist)
        per_sample["rec_theirs"].append(r)
        per_sample["llk_theirs"].append(l)
        r, l = their_per_sample_losses(authors, x_t.double(), x_r64, z64, z_dist64)
        per_sample["rec_f64"].append(r)
        per_sample["llk_f64"].append(l)
        per_sample["bins_ours"].append(np.asarray(losses.quantize(out["code"], 100)))
        per_sample["bins_theirs"].append(
            torch.clamp(z * 100, min=0, max=99).long().numpy())
        # Where their clamp of the softmax to [eps, 1 - eps] acts at the selected bin.
        probs = torch.softmax(z_dist, dim=1)
        index = torch.clamp(z.unsqueeze(1) * 100, 0, 99).long()
        picked = torch.gather(probs, 1, index).squeeze(1)
        per_sample["clamped"].append(((picked < eps) | (picked > 1 - eps)).sum(1).numpy())
    ps = {k: np.concatenate(v) for k, v in per_sample.items()}
    # The model's own compiled scorer (the path score()/calibrate() take).
    scorer = scoring.per_sample_scores(model, x_uint8, batch_size)

    def diff(a, b):
        rel = np.abs(a - b) / np.maximum(np.abs(b), 1e-30)
        return {"max_abs": float(np.max(np.abs(a - b))), "max_rel": float(np.max(rel)),
                "mean_reference": float(np.mean(b))}

    return {
        "n_images": int(len(x_uint8)),
        "input_identical": input_identical,
        "stages": {pair: {n: s.as_dict() | {"shape": s.shape} for n, s in d.items()}
                   for pair, d in stats.items()},
        "per_sample": {
            "rec_ours_vs_theirs": diff(ps["rec_ours"], ps["rec_theirs"]),
            "llk_ours_vs_theirs": diff(ps["llk_ours"], ps["llk_theirs"]),
            "rec_scorer_vs_theirs": diff(scorer["rec"], ps["rec_theirs"]),
            "llk_scorer_vs_theirs": diff(scorer["llk"], ps["llk_theirs"]),
            "rec_ours_vs_f64": diff(ps["rec_ours"], ps["rec_f64"]),
            "llk_ours_vs_f64": diff(ps["llk_ours"], ps["llk_f64"]),
            "rec_theirs_vs_f64": diff(ps["rec_theirs"], ps["rec_f64"]),
            "llk_theirs_vs_f64": diff(ps["llk_theirs"], ps["llk_f64"]),
        },
        "latent_bins_differing": int(np.sum(ps["bins_ours"] != ps["bins_theirs"])),
        "latent_variables": int(ps["bins_ours"].size),
        "samples_with_a_bin_differing": int(np.sum(np.any(ps["bins_ours"] != ps["bins_theirs"], 1))),
        "their_softmax_clamp_active": int(ps["clamped"].sum()),
        "code_range": [float(np.min(ps["bins_theirs"])), float(np.max(ps["bins_theirs"]))],
        "distinct_code_bins_used": int(len(np.unique(ps["bins_theirs"]))),
        "rec_mean": float(ps["rec_theirs"].mean()), "llk_mean": float(ps["llk_theirs"].mean()),
    }


def negative_controls(model, theirs, authors, x_uint8):
    """How far the outputs move when the authors' network is changed in ways a parameter count
    cannot see: shows that the comparison above would catch each. Each control changes a copy
    of their network (the first conv padded by 1, BN epsilon 1e-3, LeakyReLU slope 0.02,
    up1's 5x5 transposed kernel flipped, the encoder's flatten order not permuted, the code's
    sigmoid removed, a bias on the output conv) and reports the largest relative difference
    from ours at the code, the reconstruction and the logits."""
    import copy

    import numpy as np
    import torch
    import torch.nn as nn

    ours, _ = our_stages(model, authors_inputs(authors, x_uint8, "test").transpose(0, 2, 3, 1))
    x = torch.from_numpy(authors_inputs(authors, x_uint8, "test"))

    def pad_first(net):
        net.encoder.conv[0].padding = (1, 1)

    def bn_eps(net):
        for m in net.modules():
            if isinstance(m, nn.modules.batchnorm._BatchNorm):
                m.eps = 1e-3

    def slope(net):
        for m in net.modules():
            if isinstance(m, nn.LeakyReLU):
                m.negative_slope = 0.02

    def flip(net):
        w = net.decoder.conv[0].conv1a.weight
        with torch.no_grad():
            w.copy_(torch.flip(w, dims=(2, 3)))

    def flatten_order(net):
        w = net.encoder.fc[0].weight
        with torch.no_grad():  # columns back in our (h, w, c) order
            w.copy_(w.reshape(-1, GRID[2], GRID[0], GRID[1]).permute(0, 2, 3, 1).reshape(w.shape))

    def no_sigmoid(net):
        net.encoder.fc[4] = nn.Identity()

    def output_bias(net):
        conv = net.decoder.conv[4]
        conv.bias = nn.Parameter(torch.full((conv.out_channels,), 0.01))

    controls = {"first conv padded 1 (32x32 -> 32x32; the grid is still 4x4)": pad_first,
                "BN epsilon 1e-3": bn_eps, "LeakyReLU slope 0.02": slope,
                "up1 transposed 5x5 kernel flipped": flip,
                "encoder flatten order (h, w, c) instead of (c, h, w)": flatten_order,
                "code without sigmoid": no_sigmoid,
                "output conv with bias 0.01": output_bias}
    out = {}
    for name, change in controls.items():
        net = copy.deepcopy(theirs)
        change(net)
        th, _ = their_stages(net.eval(), x)
        row = {}
        for stage in ("code", "reconstruction", "logits"):
            a, b = ours[stage], th[stage]
            row[stage] = (float(np.max(np.abs(a - b)) / np.max(np.abs(b)))
                          if a.shape == b.shape else f"shape {list(b.shape[1:])}")
        out[name] = row
    return out


# --------------------------------------------------------------------------------------------
# --full: AUROCs on the whole test split
# --------------------------------------------------------------------------------------------

def their_scores(theirs, authors, x_uint8, split, batch_size, double=False):
    """Their per-sample ``(rec, llk, bins)`` of uint8 images, their transform of that split
    (``bins``: the bin of each latent variable, as their loss picks it)."""
    import numpy as np
    import torch

    rec, llk, bins = [], [], []
    for start in range(0, len(x_uint8), batch_size):
        x = torch.from_numpy(authors_inputs(authors, x_uint8[start:start + batch_size], split))
        x = x.double() if double else x
        with torch.no_grad():
            x_r, z, z_dist = theirs(x)
        r, l = their_per_sample_losses(authors, x, x_r, z, z_dist)
        rec.append(r)
        llk.append(l)
        bins.append(torch.clamp(z * z_dist.shape[1], 0, z_dist.shape[1] - 1).long().numpy())
    return np.concatenate(rec), np.concatenate(llk), np.concatenate(bins)


def their_auroc(theirs, authors, data, batch_size, double=False):
    """As ``result_helpers/one_class.py``: per-sample losses negated, min-max normalised on the
    validation split, NS their sum, labels 1 for the normal class. Returns ``(auroc, rec, llk,
    bins)`` of the test split."""
    import numpy as np
    from sklearn.metrics import roc_auc_score

    val_rec, val_llk, _ = their_scores(theirs, authors, data["x_val"], "val", batch_size, double)
    rec, llk, bins = their_scores(theirs, authors, data["x_test"], "test", batch_size, double)
    # As their helper: sample_llk = -loss.autoregression_loss, sample_rec = -reconstruction.
    llk_min, llk_max = (-val_llk).min(), (-val_llk).max()
    rec_min, rec_max = (-val_rec).min(), (-val_rec).max()
    sample_llk = authors["normalize"](-llk, llk_min, llk_max)
    sample_rec = authors["normalize"](-rec, rec_min, rec_max)
    sample_ns = authors["novelty_score"](sample_llk, sample_rec)
    y = 1 - np.asarray(data["novel_test"])  # their label: 1 for the normal class
    auroc = {"llk": float(roc_auc_score(y, sample_llk)), "rec": float(roc_auc_score(y, sample_rec)),
             "ns": float(roc_auc_score(y, sample_ns))}
    return auroc, rec, llk, bins, val_rec, val_llk


def full_comparison(model, theirs, theirs64, authors, data, batch_size):
    """AUROC of LLK, REC and NS on the test split with both networks: ours through
    ``calibrate`` (on ``x_val``) and ``score``; theirs as ``result_helpers/one_class.py`` does
    (see :func:`their_auroc`), in float32 and, as a reference, in float64."""
    import numpy as np

    from lsa_keras import scoring

    start = time.time()
    model.calibrate(data["x_val"], batch_size=batch_size, verbose=0)
    ours = model.score(data["x_test"], batch_size=batch_size, verbose=0)
    ours_auroc = scoring.auroc(data["novel_test"], ours)
    ours_seconds = time.time() - start
    start = time.time()
    theirs_auroc, rec, llk, their_bins, val_rec, val_llk = their_auroc(theirs, authors, data,
                                                                       batch_size)
    theirs_seconds = time.time() - start
    start = time.time()
    f64_auroc, rec64, llk64, _, _, _ = their_auroc(theirs64, authors, data, batch_size, True)
    f64_seconds = time.time() - start
    from lsa_keras.losses import quantize
    from lsa_keras.utils.preprocessing import to_model_input

    codes = model.encoder.predict(to_model_input(data["x_test"]), batch_size=batch_size, verbose=0)
    bins_differ = np.asarray(quantize(codes, model.bins)) != their_bins
    big = np.abs(ours["llk"] - llk) > 1e-3
    return {
        "n_test": int(len(data["x_test"])), "n_val": int(len(data["x_val"])),
        "auroc_ours": ours_auroc, "auroc_theirs": theirs_auroc, "auroc_theirs_float64": f64_auroc,
        "auroc_difference": {k: ours_auroc[k] - theirs_auroc[k] for k in ("llk", "rec", "ns")},
        "max_abs_score_difference": {"llk": float(np.max(np.abs(ours["llk"] - llk))),
                                     "rec": float(np.max(np.abs(ours["rec"] - rec)))},
        "max_abs_score_difference_from_float64": {
            "ours": {"llk": float(np.max(np.abs(ours["llk"] - llk64))),
                     "rec": float(np.max(np.abs(ours["rec"] - rec64)))},
            "theirs": {"llk": float(np.max(np.abs(llk - llk64))),
                       "rec": float(np.max(np.abs(rec - rec64)))}},
        "latent_bins_differing": int(bins_differ.sum()),
        "images_with_a_bin_differing": int(bins_differ.any(1).sum()),
        "images_llk_differing_over_1e-3": int(big.sum()),
        "images_llk_differing_over_1e-3_with_a_bin_differing": int((big & bins_differ.any(1)).sum()),
        "llk_test_std": float(np.std(llk)), "rec_test_std": float(np.std(rec)),
        "val_min_max_ours": {"llk": list(model.score_statistics["llk"]),
                             "rec": list(model.score_statistics["rec"])},
        "val_min_max_theirs": {"llk": [float(val_llk.min()), float(val_llk.max())],
                               "rec": [float(val_rec.min()), float(val_rec.max())]},
        "seconds": {"ours": round(ours_seconds, 1), "theirs": round(theirs_seconds, 1),
                    "theirs_float64": round(f64_seconds, 1)},
    }


# --------------------------------------------------------------------------------------------
# Report
# --------------------------------------------------------------------------------------------

def architecture_facts(model, theirs):
    """Settings read off both networks' objects (not their outputs): epsilons, slopes, paddings,
    strides, output paddings, biases."""
    import keras
    import torch.nn as nn

    def ours_bns(net):
        found = []
        for layer in net._flatten_layers(include_self=False, recursive=True):
            if isinstance(layer, keras.layers.BatchNormalization):
                found.append(float(layer.epsilon))
        return sorted(set(found))

    def ours_slopes(net):
        return sorted({float(l.negative_slope) for l in net._flatten_layers(include_self=False, recursive=True)
                       if isinstance(l, keras.layers.LeakyReLU)})

    their_convs = {}
    for name, m in theirs.named_modules():
        if isinstance(m, (nn.Conv2d, nn.ConvTranspose2d)):
            their_convs[name] = {"type": type(m).__name__, "kernel": list(m.kernel_size),
                                 "stride": list(m.stride), "padding": list(m.padding),
                                 "output_padding": list(getattr(m, "output_padding", (0, 0))),
                                 "bias": m.bias is not None}
    return {
        "their_bn_eps": sorted({float(m.eps) for m in theirs.modules()
                                if isinstance(m, nn.modules.batchnorm._BatchNorm)}),
        "our_bn_eps": sorted(set(ours_bns(model.encoder) + ours_bns(model.decoder))),
        "their_leaky_slopes": sorted({float(m.negative_slope) for m in theirs.modules()
                                      if isinstance(m, nn.LeakyReLU)}),
        "our_leaky_slopes": sorted(set(ours_slopes(model.encoder) + ours_slopes(model.decoder)
                                       + ours_slopes(model.estimator))),
        "their_convs": their_convs,
        "our_code_activation": layer_by_name(model.encoder, "code").activation.__name__,
        "our_output_activation": layer_by_name(model.decoder, "output").activation.__name__,
        "our_output_bias": bool(layer_by_name(model.decoder, "output").use_bias),
        "our_dense_biases": {f"{net.name}/{l.name}": bool(l.use_bias)
                             for net in (model.encoder, model.decoder) for l in net.layers
                             if isinstance(l, keras.layers.Dense)},
    }


def markdown(results):
    lines = ["# Our CIFAR-10 network against the authors' PyTorch code", "",
             "Written by `research/authors_port.py`; see README.md for the command, the machine "
             "and the verdict.", ""]
    for label, run in results["runs"].items():
        c = run["comparison"]
        p = run["port"]
        lines += [f"## {label}", "",
                  f"Model: {run['model']['source']}"
                  + (f" ({run['model']['model']})" if "model" in run["model"] else "") + ". "
                  f"{p['assigned_tensors']} tensors of theirs assigned once each "
                  f"({p['their_state_dict_entries']} state-dict entries; the 5 MFC masks "
                  "checked equal to our connectivity, the BN `num_batches_tracked` counters "
                  f"unused); parameters {p['their_n_parameters']:,} (theirs) and "
                  f"{p['our_count_params']:,} (ours). {c['n_images']} test images (the first "
                  f"ones); inputs identical bit for bit: {c['input_identical']}. "
                  f"Processor: {run['machine']}.", "",
                  "| stage | shape | max abs ours-theirs | max rel | ours vs float64 | theirs vs "
                  "float64 | largest value |",
                  "|---|---|---|---|---|---|---|"]
        st = c["stages"]
        for name, _, what in STAGES:
            a, o, t = st["ours_vs_theirs"][name], st["ours_vs_f64"][name], st["theirs_vs_f64"][name]
            lines.append(f"| {name} ({what}) | {'x'.join(map(str, a['shape']))} | "
                         f"{a['max_abs']:.2e} | {a['max_rel']:.2e} | {o['max_abs']:.2e} | "
                         f"{t['max_abs']:.2e} | {a['max_abs_reference']:.3g} |")
        lines += ["", "\"max rel\" is the largest absolute difference over the largest absolute "
                  "value of theirs in that stage; the float64 columns are the largest absolute "
                  "difference from the authors' network run in float64 with the same weights.",
                  "", "| per-sample score | max abs diff | max rel diff | mean (reference) |",
                  "|---|---|---|---|"]
        for k, v in c["per_sample"].items():
            lines.append(f"| {k} | {v['max_abs']:.3g} | {v['max_rel']:.3g} | "
                         f"{v['mean_reference']:.4g} |")
        lines += ["", f"Latent variables in another bin: {c['latent_bins_differing']} of "
                  f"{c['latent_variables']} ({c['samples_with_a_bin_differing']} images); "
                  f"bins used {c['distinct_code_bins_used']} of 100, from "
                  f"{c['code_range'][0]:.0f} to {c['code_range'][1]:.0f}. Their softmax clamp "
                  f"to [eps, 1-eps] acted on {c['their_softmax_clamp_active']} selected "
                  "probabilities. `llk_scorer`/`rec_scorer` are our compiled scorer's (the path "
                  "of `score`); `llk_ours`/`rec_ours` are `lsa_keras.losses.per_sample_losses` "
                  "on the layer-by-layer outputs.", ""]
        if "negative_controls" in run:
            lines += ["Negative controls: the largest difference from ours, relative to the "
                      "stage's largest value, after one change to a copy of their network "
                      f"({run['negative_controls_images']} images):", "",
                      "| change to theirs | code | reconstruction | logits |", "|---|---|---|---|"]
            for name, row in run["negative_controls"].items():
                cells = [f"{v:.2e}" if isinstance(v, float) else v
                         for v in (row["code"], row["reconstruction"], row["logits"])]
                lines.append(f"| {name} | {' | '.join(cells)} |")
            lines.append("")
        if "full" in run:
            f = run["full"]
            lines += [f"Whole test split ({f['n_test']} images; normalisation on {f['n_val']} "
                      "validation images):", "",
                      "| AUROC | ours | theirs | ours - theirs | theirs in float64 |",
                      "|---|---|---|---|---|"]
            for k in ("llk", "rec", "ns"):
                lines.append(f"| {k.upper()} | {f['auroc_ours'][k]:.6f} | "
                             f"{f['auroc_theirs'][k]:.6f} | {f['auroc_difference'][k]:+.2e} | "
                             f"{f['auroc_theirs_float64'][k]:.6f} |")
            lines += ["", f"Largest per-image difference: LLK {f['max_abs_score_difference']['llk']:.3g}"
                      f", REC {f['max_abs_score_difference']['rec']:.3g} (standard deviations over "
                      f"the test split: LLK {f['llk_test_std']:.3g}, REC {f['rec_test_std']:.3g}). "
                      f"Latent variables in another bin: {f['latent_bins_differing']} in "
                      f"{f['images_with_a_bin_differing']} images; images whose LLK differs by more "
                      f"than 1e-3: {f['images_llk_differing_over_1e-3']} (of which "
                      f"{f['images_llk_differing_over_1e-3_with_a_bin_differing']} with a latent "
                      "variable in another bin). Largest per-image difference from their "
                      "float64 network: ours LLK "
                      f"{f['max_abs_score_difference_from_float64']['ours']['llk']:.3g}, theirs "
                      f"{f['max_abs_score_difference_from_float64']['theirs']['llk']:.3g}; ours REC "
                      f"{f['max_abs_score_difference_from_float64']['ours']['rec']:.3g}, theirs "
                      f"{f['max_abs_score_difference_from_float64']['theirs']['rec']:.3g}.", ""]
    return lines


def main(argv=None):
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--authors-code", required=True,
                   help="a checkout of github.com/aimagelab/novelty-detection")
    p.add_argument("--data-dir", default="../shared/datasets")
    p.add_argument("--normal-class", type=int, default=1)
    p.add_argument("--model", default=None, help="a save_pretrained folder of a cifar10 LSA")
    p.add_argument("--seed", type=int, default=0, help="weight seed of the random model")
    p.add_argument("--n", type=int, default=512, help="test images compared stage by stage")
    p.add_argument("--batch-size", type=int, default=64)
    p.add_argument("--full", action="store_true", help="also compare AUROCs on the whole test split")
    p.add_argument("--out", required=True)
    args = p.parse_args(argv)
    if args.n < 1 or args.batch_size < 1:
        p.error("--n and --batch-size must be positive")

    limit_threads()
    import keras
    import torch

    import lsa_keras
    from lsa_keras.datasets import load_one_class

    import lab  # noqa: F401  (puts examples/ on sys.path)
    import machine
    from reproduction import write_report

    authors = import_authors(args.authors_code)
    model, model_info = build_ours(args)
    if model.architecture != "cifar10":
        raise SystemExit(f"--model is a {model.architecture!r} model, not cifar10.")
    theirs = authors["LSACIFAR10"](input_shape=(3, 32, 32), code_length=model.code_length,
                                   cpd_channels=model.bins).eval()
    port = port_weights(model, theirs)
    import copy

    theirs64 = copy.deepcopy(theirs).double().eval()
    data = load_one_class("cifar10", args.normal_class, args.data_dir)
    x = data["x_test"][:args.n]
    start = time.time()
    comparison = compare(model, theirs, theirs64, authors, x, args.batch_size)
    comparison["seconds"] = round(time.time() - start, 1)
    run = {"command": "python " + " ".join([os.path.relpath(__file__)] + (argv or sys.argv[1:])),
           "date": time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime()),
           "machine": machine.processor_label(), "machine_details": machine.describe(),
           "backend": keras.backend.backend(), "keras": keras.__version__,
           "torch": torch.__version__, "lsa_keras": lsa_keras.__version__,
           "authors_code": authors_version(args.authors_code),
           "torch_shims_set": authors["patched_torch_names"],
           "normal_class": args.normal_class, "data": data.get("note"),
           "model": model_info, "port": port,
           "architecture_facts": architecture_facts(model, theirs), "comparison": comparison}
    print(f"ported: {port['assigned_tensors']} tensors; comparison took "
          f"{comparison['seconds']} s", flush=True)
    start = time.time()
    run["negative_controls"] = negative_controls(model, theirs, authors, x[:args.batch_size])
    run["negative_controls_images"] = int(len(x[:args.batch_size]))
    print(f"negative controls: {time.time() - start:.0f} s", flush=True)
    if args.full:
        run["full"] = full_comparison(model, theirs, theirs64, authors, data, 256)
        print(json.dumps(run["full"], indent=1), flush=True)
    label = (f"random-seed{args.seed}" if not args.model
             else os.path.basename(os.path.normpath(args.model)))
    path = os.path.join(args.out, "results.json")
    results = {"runs": {}}
    if os.path.isfile(path):
        with open(path) as f:
            results = json.load(f)
    results["runs"][label] = run
    print(write_report(args.out, results, markdown(results)))
    return 0


if __name__ == "__main__":
    sys.exit(main())
