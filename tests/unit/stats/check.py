#!/usr/bin/python3
"""Holds src/analyze/stats.c against python3-scipy, case by case (TAP output).

Run by meson with the path of the stats_cli driver. Reference values are computed here,
with scipy.stats (binomtest, chi2, t, ttest_1samp); Holm and Benjamini-Hochberg are
written out from their definitions. Exit 77 (skipped) without scipy.
"""
import random
import subprocess
import sys

try:
    import numpy as np
    from scipy import stats
except ImportError:
    print("1..0 # SKIP python3-scipy is not installed")
    sys.exit(77)

TOL = 1e-9


def holm(p):
    n = len(p)
    order = sorted(range(n), key=lambda i: (p[i], i))
    out, run = [0.0] * n, 0.0
    for rank, i in enumerate(order):
        run = max(run, (n - rank) * p[i])
        out[i] = min(1.0, run)
    return out


def bh(p):
    n = len(p)
    order = sorted(range(n), key=lambda i: (p[i], i))
    out, run = [0.0] * n, 1.0
    for rank in range(n - 1, -1, -1):
        i = order[rank]
        run = min(run, n / (rank + 1) * p[i])
        out[i] = run
    return out


def cases():
    rng = random.Random(8)
    for k, n in [(0, 10), (10, 10), (3, 10), (1, 200), (57, 200), (500, 1000), (0, 1), (1, 1), (29, 31)]:
        ci = stats.binomtest(k, n).proportion_ci(confidence_level=0.95, method="wilson")
        yield f"wilson {k} {n} 0.95", [ci.low, ci.high], f"Wilson 95% of {k}/{n}"
    for b, c in [(0, 0), (0, 1), (3, 9), (12, 12), (0, 24), (10, 30), (40, 20), (1, 100), (24, 0)]:
        n = b + c
        if n == 0:
            want = [1.0, 1]
        elif n < 25:
            want = [stats.binomtest(min(b, c), n, 0.5).pvalue, 1]
        else:
            want = [stats.chi2.sf((abs(b - c) - 1) ** 2 / n, 1), 0]
        yield f"mcnemar {b} {c}", want, f"McNemar b={b} c={c}"
    for n in (2, 3, 12, 200):
        d = [round(rng.gauss(-1.5, 6), 3) for _ in range(n)]
        a = np.array(d)
        lo, hi = stats.t.interval(0.95, n - 1, loc=a.mean(), scale=stats.sem(a))
        yield (f"paired 0.95 {' '.join(map(str, d))}", [a.mean(), lo, hi, stats.ttest_1samp(a, 0).pvalue],
               f"paired t, {n} differences")
    for n in (1, 5, 21):
        p = [round(rng.random() ** 3, 6) for _ in range(n)]
        p[0] = p[-1]  # a tie
        yield f"holm {' '.join(map(str, p))}", holm(p), f"Holm over {n} p-values"
        yield f"bh {' '.join(map(str, p))}", bh(p), f"Benjamini-Hochberg over {n} p-values"


def main():
    drv = subprocess.Popen([sys.argv[1]], stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
    todo = list(cases())
    print(f"1..{len(todo)}")
    bad = 0
    for i, (line, want, name) in enumerate(todo, 1):
        drv.stdin.write(line + "\n")
        drv.stdin.flush()
        got = [float(x) for x in drv.stdout.readline().split()]
        ok = len(got) == len(want) and all(abs(g - w) <= TOL * max(1, abs(w)) for g, w in zip(got, want))
        bad += not ok
        print(f"{'ok' if ok else 'not ok'} {i} - {name}")
        if not ok:
            print(f"#   want {want}\n#   got  {got}")
    drv.stdin.close()
    drv.wait()
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main())
