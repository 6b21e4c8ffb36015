"""Writes every weight array of a fresh MNIST LSA (keras seed 0) to an .npz: the estimator's free
blocks (MaskedDense.kernel) first, then every other weight. Run it against two versions and
compare the files; third session: 5834b0e and f23962f gave 95 equal arrays on TensorFlow (the
estimator kernels also on JAX).

    PYTHONPATH=REPO_ROOT python research/results/profiling-notes/init_equality.py OUT.npz"""
import sys, numpy as np, keras
from lsa_keras.models import LSA
keras.utils.set_random_seed(0)
m = LSA.from_architecture("mnist")
ks = [keras.ops.convert_to_numpy(l.kernel) for l in m.estimator.layers if hasattr(l, "_slabs")]
others = [keras.ops.convert_to_numpy(w) for w in m.weights if not any(s in w.path for s in ("rows", "diagonal", "mfc0/kernel", "mfc1/kernel", "mfc2/kernel", "mfc3/kernel", "mfc4/kernel"))]
np.savez(sys.argv[1], *ks, *others)
