"""Reads a thetalab store with Polars, lazily, as an analyst would.

Run by crates/data/tests/it/polars_interop.rs with the store folder as argument; prints
one JSON object with what it found, which the Rust test compares with the store's own
reader. Needs `polars` (pip install 'polars>=1,<2').
"""
import json
import sys

import polars as pl

root = sys.argv[1]
out = {"polars": pl.__version__}

# Lazy scan across the hive partitions: symbol and date become columns.
bars = pl.scan_parquet(f"{root}/kind=bars/interval=1m/**/*.parquet", hive_partitioning=True)
out["columns"] = bars.collect_schema().names()
out["rows"] = bars.select(pl.len()).collect().item()

# Range query: one symbol, a time window (pruned by partition and row-group statistics).
start = pl.lit(int(sys.argv[2])).cast(pl.Datetime("ns", "UTC"))
end = pl.lit(int(sys.argv[3])).cast(pl.Datetime("ns", "UTC"))
window = (
    bars.filter((pl.col("symbol") == "SPY") & (pl.col("ts") >= start) & (pl.col("ts") < end))
    .sort("ts")
    .collect()
)
out["range_rows"] = window.height
out["range_close_sum"] = float(window["close"].sum())

# Resampling: 5-minute bars per symbol.
five = (
    bars.sort("symbol", "ts")
    .group_by_dynamic("ts", every="5m", group_by="symbol", closed="left", label="left")
    .agg(
        pl.col("open").first(),
        pl.col("high").max(),
        pl.col("low").min(),
        pl.col("close").last(),
        pl.col("volume").sum(),
    )
    .filter(pl.col("symbol") == "SPY")
    .sort("ts")
    .collect()
)
out["five_rows"] = five.height
out["five_first"] = [float(five[c][0]) for c in ("open", "high", "low", "close", "volume")]

# Join: SPY and QQQ minute closes side by side on the timestamp.
spy = bars.filter(pl.col("symbol") == "SPY").select("ts", pl.col("close").alias("spy"))
qqq = bars.filter(pl.col("symbol") == "QQQ").select("ts", pl.col("close").alias("qqq"))
joined = spy.join(qqq, on="ts", how="inner").collect()
out["joined_rows"] = joined.height

# Option chains: every quote of the day, grouped per snapshot and root.
chains = pl.scan_parquet(f"{root}/kind=chains/**/*.parquet", hive_partitioning=True)
per_root = chains.group_by("root").agg(pl.len().alias("n")).sort("root").collect()
out["chain_roots"] = dict(zip(per_root["root"].to_list(), per_root["n"].to_list()))
print(json.dumps(out))
