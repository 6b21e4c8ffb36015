"""The cosine table here against the constant-rate table (``../mnist-constant/``), by the rule in this
folder's README: on the classes both have, each table's mean NS and its classes more than 0.01
below the paper (unrounded); with all ten classes, whether the cosine table replaces the other.

    python examples/results/mnist-cosine/compare_tables.py
"""

import os

from lsa_keras.reproduction import PAPER_NS, read_results

HERE = os.path.dirname(os.path.abspath(__file__))
cosine = read_results(HERE)["classes"]
constant = read_results(os.path.join(HERE, "..", "mnist-constant"))["classes"]
paper = PAPER_NS["mnist"]
common = sorted(set(cosine) & set(constant), key=int)

print("| class | cosine NS | constant NS | paper |\n|---|---|---|---|")
for c in common:
    print(f"| {c} | {cosine[c]['auroc_ns']:.4f} | {constant[c]['auroc_ns']:.4f} | {paper[int(c)]:.3f} |")
summary = {}
for name, table in (("cosine", cosine), ("constant", constant)):
    mean = sum(table[c]["auroc_ns"] for c in common) / len(common)
    below = [c for c in common if table[c]["auroc_ns"] < paper[int(c)] - 0.01]
    summary[name] = (mean, below)
    print(f"{name}: mean NS {mean:.4f} over classes {', '.join(common)}; "
          f"more than 0.01 below the paper: {', '.join(below) or 'none'}")
print(f"paper: mean NS {sum(paper[int(c)] for c in common) / len(common):.4f}")
if len(common) == 10:
    (m_cos, b_cos), (m_con, b_con) = summary["cosine"], summary["constant"]
    verdict = m_cos >= round(m_con, 3) and len(b_cos) <= len(b_con)
    print("rule: the cosine table " + ("replaces" if verdict else "does not replace")
          + " the constant-rate table")
else:
    print(f"rule: waits for {10 - len(common)} more classes")
