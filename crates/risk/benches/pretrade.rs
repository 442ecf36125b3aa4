//! Pre-trade check on a book of 50 positions (target ≤ 10 µs per check).

#![allow(missing_docs, clippy::unwrap_used)]

use std::hint::black_box;

use criterion::{Criterion, criterion_group, criterion_main};
use thetalab_core::{InstrumentId, Side, SimulatedClock, Ticker, Timestamp};
use thetalab_risk::limits::{
    BookGreeks, BookState, LimitsConfig, Order, OrderIntent, Position, PreTradeCheck, RiskPolicy,
    SectorId, StrategyId,
};

fn symbol(i: usize) -> Ticker {
    Ticker::new(&format!("S{i:03}")).unwrap()
}

fn book(window: usize) -> BookState {
    let mut book = BookState::new(10_000_000.0).unwrap();
    for i in 0..50 {
        book.upsert(Position {
            instrument: InstrumentId::Ticker(symbol(i)),
            symbol: symbol(i),
            sector: SectorId((i % 11) as u16),
            strategy: StrategyId((i % 4) as u16),
            qty: 100.0,
            unit_exposure: 150.0,
            unit_greeks: BookGreeks::SHARE,
        })
        .unwrap();
        // Deterministic, weakly correlated return windows.
        let r: Vec<f64> = (0..window)
            .map(|t| (((t * 7 + i * 13) % 17) as f64 - 8.0) * 1e-3)
            .collect();
        book.set_returns(symbol(i), &r, window).unwrap();
    }
    let r: Vec<f64> = (0..window)
        .map(|t| ((t * 5 % 11) as f64 - 5.0) * 1e-3)
        .collect();
    book.set_returns(symbol(999), &r, window).unwrap();
    book
}

fn bench(c: &mut Criterion) {
    let cfg = LimitsConfig {
        correlation_window: 60,
        max_correlation: Some(0.99),
        delta_cap: Some(1e6),
        gamma_cap: Some(1e6),
        vega_cap: Some(1e6),
        theta_cap: Some(1e6),
        max_open_positions: Some(100),
        ..LimitsConfig::default()
    };
    let book = book(cfg.correlation_window);
    let order = Order {
        id: 1,
        instrument: InstrumentId::Ticker(symbol(999)),
        symbol: symbol(999),
        sector: SectorId(3),
        strategy: StrategyId(1),
        side: Side::Buy,
        qty: 100_000.0,
        unit_exposure: 150.0,
        unit_greeks: BookGreeks::SHARE,
        intent: OrderIntent::Open,
    };
    let mut check = PreTradeCheck::new(cfg, SimulatedClock::new(Timestamp::UNIX_EPOCH)).unwrap();
    c.bench_function("pretrade_check_50_positions", |b| {
        b.iter(|| {
            let d = check.check(black_box(&order), black_box(&book));
            if check.log().len() > 100_000 {
                check.take_log();
            }
            d
        })
    });
}

criterion_group!(benches, bench);
criterion_main!(benches);
