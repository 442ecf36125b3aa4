# Conveniences; every recipe is a plain cargo command you can run without just.

default: test

# The test suite (what CI runs after fmt and clippy).
test:
    cargo test --workspace --all-features

# Formatting and lints as CI checks them.
lint:
    cargo fmt --all -- --check
    cargo clippy --workspace --all-targets --all-features -- -D warnings

# Everything CI runs.
ci:
    bash .ci/run

# Criterion benchmarks (pricing kernels on 1 M options; the store's ingest and replay paths).
bench:
    cargo bench -p thetalab-pricing --bench pricing
    cargo bench -p thetalab-data --bench store
    cargo bench -p thetalab-backtest --bench sweep
    cargo bench -p thetalab-indicators --bench indicators

# The built-in synthetic market into data/store.
synth:
    cargo run --release --bin ingest -- synth

# The main job: a backtest on the built-in synthetic market.
run:
    cargo run --release --bin backtest

# Price the sample option chain with every Greek.
price-sample:
    cargo run --release --example price_csv -- data/options_sample.csv

# Price any CSV: just price FILE [--model bsm|black76|bachelier|american]
price file *args:
    cargo run --release --example price_csv -- {{file}} {{args}}
