"""The part the Python reference scripts of benches/models.rs share: reading the data the
bench writes (THETALAB_ML_BENCH_DATA) and writing a reference JSON next to the scripts.

Imported by logistic_reference.py and lightgbm_reference.py (Python puts a script's own
folder on sys.path, so `python3 benches/<script>.py DIR` finds this module).
"""
import json
import os

import numpy as np


def load_bench_data(d):
    """(X, y, Xt, yt, shape) from folder d: x_train.f64, y_train.f64, x_test.f64 and
    y_test.f64 (little-endian float64, row-major) and shape.json (p, n_train, n_test)."""
    shape = json.load(open(os.path.join(d, "shape.json")))
    p = shape["p"]

    def load(name):
        return np.fromfile(os.path.join(d, name), dtype="<f8")

    X = load("x_train.f64").reshape(-1, p)
    y = load("y_train.f64")
    Xt = load("x_test.f64").reshape(-1, p)
    yt = load("y_test.f64")
    assert X.shape[0] == shape["n_train"] and Xt.shape[0] == shape["n_test"]
    assert y.shape[0] == shape["n_train"] and yt.shape[0] == shape["n_test"]
    return X, y, Xt, yt, shape


def write_reference(name, out):
    """Writes out as benches/<name> (next to this module) and prints it."""
    here = os.path.dirname(os.path.abspath(__file__))
    with open(os.path.join(here, name), "w") as f:
        json.dump(out, f, indent=1)
    print(out)
