"""Continue a saved reproduction model (optimiser state included) with a test-AUROC trace.

    python examples/results/mnist-exploration/continue_training.py CLASS FROM_EPOCH TO_EPOCH OUT.json

Analysis only: batch 128, the saved optimiser (Adam, lr 1e-4); checkpoint = lowest validation loss.
"""
import json, os, sys, time
os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
import keras
from lsa_keras.datasets import load_mnist, one_class_split
from lsa_keras.utils.preprocessing import to_model_input
from lsa_keras.training.one_class import BestValidationWeights, TestAurocTrace, evaluate
c, start, total, out = int(sys.argv[1]), int(sys.argv[2]), int(sys.argv[3]), sys.argv[4]
(xt, yt), (xs, ys) = load_mnist(os.environ.get("LSA_KERAS_DATA_DIR", "../shared/datasets"))
split = one_class_split(xt, yt, xs, ys, c)
x = to_model_input(split["x_train"]); xv = to_model_input(split["x_val"])
m = keras.saving.load_model(f"examples/results/mnist-40ep/models/mnist-{c}.keras")
print("optimizer iterations", int(m.optimizer.iterations.numpy()))
keras.utils.set_random_seed(start)
best = BestValidationWeights(); tr = TestAurocTrace(split, 5)
t = time.time()
m.fit(x, batch_size=128, epochs=total, initial_epoch=start, validation_data=(xv,), callbacks=[best, tr], verbose=2)
r = evaluate(m, split)
json.dump({"class": c, "from_epoch": start, "to_epoch": total, "best_epoch": best.best_epoch, "final_best_val": r, "trace": tr.trace, "seconds": time.time() - t}, open(out, "w"), indent=1)
print(r)
