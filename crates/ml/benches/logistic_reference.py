"""scikit-learn reference for the logistic bench of benches/models.rs: fit on the
benchmark's own data and record the fit time and the held-out AUC.

1. THETALAB_ML_BENCH_DATA=/tmp/mlbench cargo bench -p thetalab-ml --bench models
   (writes x_train.f64, y_train.f64, x_test.f64, y_test.f64: little-endian float64)
2. python3 benches/logistic_reference.py /tmp/mlbench
   (writes benches/logistic_reference.json next to this script)

The model is the one `Logistic::fit` reproduces: StandardScaler, then
LogisticRegression(C=1, lbfgs, tol=1e-4, max_iter=100), scikit-learn's defaults. The
timed part is the scaler and the fit, as our fit standardises too.
"""
import sys
import time

import numpy as np
import sklearn
from sklearn.linear_model import LogisticRegression
from sklearn.metrics import roc_auc_score
from sklearn.preprocessing import StandardScaler

from bench_data import load_bench_data, write_reference

X, y, Xt, yt, shape = load_bench_data(sys.argv[1])
p = shape["p"]
times = []
for _ in range(5):
    t = time.perf_counter()
    sc = StandardScaler().fit(X)
    m = LogisticRegression(C=1.0).fit(sc.transform(X), y)
    times.append(time.perf_counter() - t)
auc = roc_auc_score(yt, m.predict_proba(sc.transform(Xt))[:, 1])
out = {"scikit-learn": sklearn.__version__, "numpy": np.__version__,
       "model": "StandardScaler + LogisticRegression(C=1.0)", "n_iter": int(m.n_iter_[0]),
       "fit_seconds_median_of_5": float(np.median(times)), "auc": auc,
       "n_train": shape["n_train"], "n_test": shape["n_test"], "p": p}
write_reference("logistic_reference.json", out)
