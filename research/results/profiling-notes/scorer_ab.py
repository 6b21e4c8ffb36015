"""Scoring throughput of one checkout, for before/after comparisons in alternated processes: an LSA of the
given architecture (random weights, seed 0, one epoch of 2 steps so batch norm has statistics), 1,280 random
images scored 5 times in batches of 256; prints the lsa_keras it imported, median images/s, CPU ms a batch,
every run. Run it from a folder outside the checkouts with each checkout's interpreter in turn, e.g.

    cd /tmp && for r in 1 2 3; do for py in /work/snapvenv/bin/python /work/main/.venv/bin/python; do
        $py /work/main/examples/results/profiling-notes/scorer_ab.py mnist; done; done
"""
import statistics, sys, time, numpy as np, keras
import lsa_keras
from lsa_keras import LSA, scoring
arch = sys.argv[1]
keras.utils.set_random_seed(0)
m = LSA.from_architecture(arch); m.compile()
x = np.random.RandomState(0).rand(1280, *m.image_shape).astype("float32")
m.fit(x[:512], batch_size=256, epochs=1, verbose=0)
scoring.per_sample_scores(m, x[:256], batch_size=256)
w, c = [], []
for _ in range(5):
    t = time.perf_counter(); p = time.process_time()
    scoring.per_sample_scores(m, x, batch_size=256)
    w.append(len(x) / (time.perf_counter() - t)); c.append(1000 * (time.process_time() - p) / 5)
print(lsa_keras.__file__, arch, f"median {statistics.median(w):.0f} samples/s; CPU ms/batch {statistics.median(c):.0f}; runs {[round(v) for v in w]}")
