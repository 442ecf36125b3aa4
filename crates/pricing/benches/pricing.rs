//! Criterion benchmarks (added with the batch kernels).
fn main() {}
