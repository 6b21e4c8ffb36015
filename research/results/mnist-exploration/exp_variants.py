"""Schedule variants on one MNIST class, with a test-AUROC trace (analysis only).

    python examples/results/mnist-exploration/exp_variants.py --cls 8 --data-dir ../shared/datasets \
        --detach-epochs 20 --epochs 40 --batch 128 --lr 3e-4 --schedule cosine --out OUT.json

--detach-epochs N: the first N epochs train with the estimator's input detached (the LLK term
trains the estimator only), the rest jointly. --bn-uniform: BatchNorm gamma drawn from U[0, 1)
as torch 0.4.1 (the authors' version) initialised it. Checkpoint: lowest validation loss.
"""
import json, math, os, sys, time
os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
import argparse
p = argparse.ArgumentParser()
p.add_argument("--cls", type=int, default=8)
p.add_argument("--detach-epochs", type=int, default=20)
p.add_argument("--epochs", type=int, default=40)
p.add_argument("--batch", type=int, default=128)
p.add_argument("--lr", type=float, default=3e-4)
p.add_argument("--schedule", default="cosine")
p.add_argument("--every", type=int, default=5)
p.add_argument("--out", required=True)
p.add_argument("--data-dir", default=os.environ.get("LSA_KERAS_DATA_DIR"))
p.add_argument("--bn-uniform", action="store_true")
p.add_argument("--lam", type=float, default=1.0)
a = p.parse_args()
import keras
from keras import ops
from lsa_keras.datasets import load_mnist, one_class_split
from lsa_keras.models import LSA
from lsa_keras.utils.preprocessing import to_model_input
from lsa_keras.training.one_class import BestValidationWeights, TestAurocTrace, evaluate, learning_rate_schedule

class Exp(LSA):
    detach = False
    def call(self, inputs, training=None):
        code = self.encoder(inputs, training=training)
        rec = self.decoder(code, training=training)
        c = ops.stop_gradient(code) if self.detach else code
        logits = self.estimator(ops.expand_dims(c, -1), training=training)
        return {"reconstruction": rec, "code": code, "logits": logits}

(xt, yt), (xs, ys) = load_mnist(a.data_dir)
split = one_class_split(xt, yt, xs, ys, a.cls)
x = to_model_input(split["x_train"]); xv = to_model_input(split["x_val"])
keras.utils.set_random_seed(0)
m = Exp.from_architecture("mnist", lam=a.lam)
if a.bn_uniform:
    import numpy as np
    rng = np.random.RandomState(0)
    n = 0
    for net in (m.encoder, m.decoder):
        for l in net._flatten_layers():
            if isinstance(l, keras.layers.BatchNormalization):
                l.gamma.assign(rng.uniform(0, 1, l.gamma.shape).astype("float32")); n += 1
    print("bn layers re-initialised", n)
steps = math.ceil(len(x) / a.batch)
m.compile(optimizer=keras.optimizers.Adam(learning_rate_schedule(a.schedule, a.lr, a.epochs, steps)))
best = BestValidationWeights(); tr = TestAurocTrace(split, a.every)
t = time.time()
if a.detach_epochs:
    m.detach = True
    m.fit(x, batch_size=a.batch, epochs=a.detach_epochs, validation_data=(xv,), callbacks=[best, tr], verbose=2)
    best.on_train_end = lambda logs=None: None
m.detach = False; m.train_function = None
if a.epochs > a.detach_epochs:
    best.__dict__.pop("on_train_end", None)
    m.fit(x, batch_size=a.batch, epochs=a.epochs, initial_epoch=a.detach_epochs, validation_data=(xv,), callbacks=[best, tr], verbose=2)
else:
    BestValidationWeights.on_train_end(best)
r = evaluate(m, split)
out = {"args": vars(a), "best_epoch": best.best_epoch, "final": r, "trace": tr.trace, "seconds": time.time() - t}
print(json.dumps(out))
json.dump(out, open(a.out, "w"), indent=1)
