"""LightGBM reference for benches/models.rs: fit on the benchmark's own data and record
the held-out AUC.

1. THETALAB_ML_BENCH_DATA=/tmp/mlbench cargo bench -p thetalab-ml --bench models
   (writes x_train.f64, y_train.f64, x_test.f64, y_test.f64: little-endian float64)
2. python3 benches/lightgbm_reference.py /tmp/mlbench
   (writes benches/lightgbm_reference.json next to this script)
"""
import sys
import time

import lightgbm as lgb
from sklearn.metrics import roc_auc_score

from bench_data import load_bench_data, write_reference

X, y, Xt, yt, shape = load_bench_data(sys.argv[1])
p = shape["p"]
t = time.perf_counter()
m = lgb.LGBMClassifier(n_estimators=100, n_jobs=2, random_state=0, verbose=-1).fit(X, y)
secs = time.perf_counter() - t
auc = roc_auc_score(yt, m.predict_proba(Xt)[:, 1])
out = {"lightgbm": lgb.__version__, "n_estimators": 100, "n_jobs": 2, "fit_seconds": secs,
       "auc": auc, "n_train": shape["n_train"], "n_test": shape["n_test"], "p": p}
write_reference("lightgbm_reference.json", out)
