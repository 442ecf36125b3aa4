# Conveniences; every recipe is a plain cargo command you can run without just.

default: test

# The test suite (what CI runs after fmt and clippy).
test:
    cargo test --workspace

# Formatting and lints as CI checks them.
lint:
    cargo fmt --all -- --check
    cargo clippy --workspace --all-targets -- -D warnings

# Everything CI runs.
ci:
    bash .ci/run

# Criterion benchmarks (pricing kernels on 1 M options; the store's ingest and replay paths).
bench:
    cargo bench -p thetalab-pricing --bench pricing
    cargo bench -p thetalab-data --bench store

# The built-in synthetic market into data/store.
synth:
    cargo run --release --bin ingest -- synth

# The main job on the built-in sample data.
run:
    cargo run --release --example price_csv -- data/options_sample.csv

# Price any CSV: just price FILE [--model bsm|black76|bachelier|american]
price file *args:
    cargo run --release --example price_csv -- {{file}} {{args}}
