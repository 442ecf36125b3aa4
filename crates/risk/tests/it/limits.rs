//! Pre-trade limits: each limit at its boundary, resizing, the circuit breaker, the log,
//! and the invariant that a resized order passes the check that resized it.

use proptest::prelude::*;
use thetalab_core::{Clock, InstrumentId, Side, SimulatedClock, Ticker, Timestamp};
use thetalab_risk::limits::{
    BookGreeks, BookState, Decision, Limit, LimitsConfig, Order, OrderIntent, Position,
    PreTradeCheck, RiskPolicy, SectorId, StrategyId,
};

fn t(s: &str) -> Ticker {
    Ticker::new(s).unwrap()
}

fn order(sym: &str, side: Side, qty: f64, unit_exposure: f64) -> Order {
    Order {
        id: 7,
        instrument: InstrumentId::Ticker(t(sym)),
        symbol: t(sym),
        sector: SectorId(1),
        strategy: StrategyId(1),
        side,
        qty,
        unit_exposure,
        unit_greeks: BookGreeks::SHARE,
        intent: OrderIntent::Open,
    }
}

fn position(sym: &str, sector: u16, strategy: u16, qty: f64, unit_exposure: f64) -> Position {
    Position {
        instrument: InstrumentId::Ticker(t(sym)),
        symbol: t(sym),
        sector: SectorId(sector),
        strategy: StrategyId(strategy),
        qty,
        unit_exposure,
        unit_greeks: BookGreeks::SHARE,
    }
}

fn checker(cfg: LimitsConfig) -> PreTradeCheck<SimulatedClock> {
    PreTradeCheck::new(cfg, SimulatedClock::new(Timestamp::UNIX_EPOCH)).unwrap()
}

fn limit_of(d: &Decision) -> Option<Limit> {
    match d {
        Decision::Approved => None,
        Decision::Resized { limit, .. } | Decision::Rejected { limit, .. } => Some(*limit),
    }
}

#[test]
fn daily_loss_boundary() {
    let mut c = checker(LimitsConfig {
        daily_loss: Some(0.02),
        ..LimitsConfig::none()
    });
    let mut book = BookState::new(100_000.0).unwrap();
    book.start_day();
    let o = order("SPY", Side::Buy, 1.0, 500.0);
    book.set_equity(98_000.01).unwrap();
    assert_eq!(c.check(&o, &book), Decision::Approved);
    book.set_equity(97_999.99).unwrap();
    let d = c.check(&o, &book);
    let Decision::Rejected { limit, detail } = d else {
        panic!("{d:?}")
    };
    assert_eq!(limit, Limit::DailyLoss);
    assert!((detail.current - 0.0200001).abs() < 1e-9 && detail.limit == 0.02);
    // A closing order still goes through.
    let close = Order {
        intent: OrderIntent::Close,
        ..o
    };
    assert_eq!(c.check(&close, &book), Decision::Approved);
    // A new day re-arms the limit.
    book.start_day();
    assert_eq!(c.check(&o, &book), Decision::Approved);
}

#[test]
fn drawdown_boundary() {
    let mut c = checker(LimitsConfig {
        max_drawdown: Some(0.20),
        ..LimitsConfig::none()
    });
    let mut book = BookState::new(100_000.0).unwrap();
    book.set_equity(125_000.0).unwrap();
    let o = order("SPY", Side::Buy, 1.0, 500.0);
    book.set_equity(100_000.01).unwrap();
    assert_eq!(c.check(&o, &book), Decision::Approved);
    book.set_equity(99_999.99).unwrap();
    assert_eq!(limit_of(&c.check(&o, &book)), Some(Limit::MaxDrawdown));
}

#[test]
fn max_open_positions() {
    let mut c = checker(LimitsConfig {
        max_open_positions: Some(2),
        ..LimitsConfig::none()
    });
    let mut book = BookState::new(100_000.0).unwrap();
    book.upsert(position("AAA", 1, 1, 10.0, 10.0)).unwrap();
    assert_eq!(
        c.check(&order("CCC", Side::Buy, 1.0, 1.0), &book),
        Decision::Approved
    );
    book.upsert(position("BBB", 1, 1, 10.0, 10.0)).unwrap();
    let d = c.check(&order("CCC", Side::Buy, 1.0, 1.0), &book);
    assert!(matches!(
        d,
        Decision::Rejected {
            limit: Limit::MaxOpenPositions,
            ..
        }
    ));
    // Adding to an open position opens nothing new.
    assert_eq!(
        c.check(&order("AAA", Side::Buy, 1.0, 1.0), &book),
        Decision::Approved
    );
    // Closing one frees a slot.
    book.upsert(position("BBB", 1, 1, 0.0, 10.0)).unwrap();
    assert_eq!(book.open_positions(), 1);
    assert_eq!(
        c.check(&order("CCC", Side::Buy, 1.0, 1.0), &book),
        Decision::Approved
    );
}

#[test]
fn symbol_exposure_resizes_at_the_boundary() {
    let mut c = checker(LimitsConfig {
        symbol_exposure: Some(0.20),
        ..LimitsConfig::none()
    });
    let book = BookState::new(100_000.0).unwrap();
    // 20 % of 100,000 = 20,000 = 200 × 100.
    assert_eq!(
        c.check(&order("XOM", Side::Buy, 200.0, 100.0), &book),
        Decision::Approved
    );
    let d = c.check(&order("XOM", Side::Buy, 201.0, 100.0), &book);
    let Decision::Resized {
        new_qty,
        limit,
        numbers,
    } = d
    else {
        panic!("{d:?}")
    };
    assert_eq!((new_qty, limit), (200.0, Limit::SymbolExposure));
    assert_eq!(
        (numbers.current, numbers.proposed, numbers.limit),
        (0.0, 20_100.0, 20_000.0)
    );
    // Just above by a fraction of a unit: still 200 after rounding down.
    let d = c.check(&order("XOM", Side::Buy, 200.5, 100.0), &book);
    assert!(matches!(d, Decision::Resized { new_qty: 200.0, .. }));
    // No whole unit fits: rejected.
    let mut full = BookState::new(100_000.0).unwrap();
    full.upsert(position("XOM", 1, 1, 199.5, 100.0)).unwrap();
    let d = c.check(&order("XOM", Side::Buy, 1.0, 100.0), &full);
    assert!(matches!(
        d,
        Decision::Rejected {
            limit: Limit::SymbolExposure,
            ..
        }
    ));
}

#[test]
fn sector_exposure_default_forty_percent() {
    let cfg = LimitsConfig {
        sector_exposure: LimitsConfig::default().sector_exposure,
        ..LimitsConfig::none()
    };
    assert_eq!(cfg.sector_exposure, Some(0.40));
    let mut c = checker(cfg);
    let mut book = BookState::new(100_000.0).unwrap();
    book.upsert(position("AAA", 1, 1, 100.0, 200.0)).unwrap(); // 20,000
    book.upsert(position("BBB", 1, 2, 150.0, 100.0)).unwrap(); // 15,000
    book.upsert(position("ZZZ", 2, 1, 500.0, 100.0)).unwrap(); // other sector
    assert_eq!(book.sector_exposure(SectorId(1)), 35_000.0);
    assert_eq!(
        c.check(&order("CCC", Side::Buy, 50.0, 100.0), &book),
        Decision::Approved
    );
    let d = c.check(&order("CCC", Side::Buy, 51.0, 100.0), &book);
    assert!(matches!(
        d,
        Decision::Resized {
            new_qty: 50.0,
            limit: Limit::SectorExposure,
            ..
        }
    ));
}

#[test]
fn strategy_concentration() {
    let mut c = checker(LimitsConfig {
        strategy_exposure: Some(0.5),
        ..LimitsConfig::none()
    });
    let mut book = BookState::new(100_000.0).unwrap();
    book.upsert(position("AAA", 3, 1, 100.0, 400.0)).unwrap(); // 40,000 in strategy 1
    assert_eq!(
        c.check(&order("BBB", Side::Sell, 100.0, 100.0), &book),
        Decision::Approved
    );
    let d = c.check(&order("BBB", Side::Sell, 101.0, 100.0), &book);
    assert!(matches!(
        d,
        Decision::Resized {
            new_qty: 100.0,
            limit: Limit::StrategyConcentration,
            ..
        }
    ));
}

#[test]
fn greeks_caps_resize_and_allow_reductions() {
    let mut c = checker(LimitsConfig {
        delta_cap: Some(500.0),
        vega_cap: Some(1_000.0),
        ..LimitsConfig::none()
    });
    let mut book = BookState::new(1_000_000.0).unwrap();
    book.upsert(position("AAA", 1, 1, 300.0, 10.0)).unwrap(); // delta +300
    assert_eq!(
        c.check(&order("BBB", Side::Buy, 200.0, 10.0), &book),
        Decision::Approved
    );
    let d = c.check(&order("BBB", Side::Buy, 201.0, 10.0), &book);
    assert!(matches!(
        d,
        Decision::Resized {
            new_qty: 200.0,
            limit: Limit::Delta,
            ..
        }
    ));
    // Selling: from +300 down to −500 is 800 shares.
    assert_eq!(
        c.check(&order("BBB", Side::Sell, 800.0, 10.0), &book),
        Decision::Approved
    );
    assert!(matches!(
        c.check(&order("BBB", Side::Sell, 801.0, 10.0), &book),
        Decision::Resized { new_qty: 800.0, .. }
    ));
    // A book over its cap may shrink but not grow.
    book.upsert(position("AAA", 1, 1, 600.0, 10.0)).unwrap();
    assert!(matches!(
        c.check(&order("BBB", Side::Buy, 1.0, 10.0), &book),
        Decision::Rejected {
            limit: Limit::Delta,
            ..
        }
    ));
    assert_eq!(
        c.check(&order("BBB", Side::Sell, 50.0, 10.0), &book),
        Decision::Approved
    );
    // Short straddles: vega −40 per unit sold... (unit vega +40 long), 25 fit under 1,000.
    let straddle = Order {
        unit_greeks: BookGreeks {
            delta: 0.0,
            gamma: 0.5,
            vega: 40.0,
            theta: -30.0,
        },
        ..order("SPX", Side::Sell, 30.0, 0.0)
    };
    let d = c.check(&straddle, &BookState::new(1_000_000.0).unwrap());
    let Decision::Resized {
        new_qty,
        limit,
        numbers,
    } = d
    else {
        panic!("{d:?}")
    };
    assert_eq!((new_qty, limit), (25.0, Limit::Vega));
    assert_eq!((numbers.proposed, numbers.limit), (-1_200.0, 1_000.0));
}

#[test]
fn binding_limit_is_the_smallest_size() {
    let mut c = checker(LimitsConfig {
        symbol_exposure: Some(0.20),
        sector_exposure: Some(0.40),
        delta_cap: Some(150.0),
        ..LimitsConfig::none()
    });
    let book = BookState::new(100_000.0).unwrap();
    let d = c.check(&order("XOM", Side::Buy, 1_000.0, 100.0), &book);
    assert!(matches!(
        d,
        Decision::Resized {
            new_qty: 150.0,
            limit: Limit::Delta,
            ..
        }
    ));
}

fn series(n: usize, f: impl Fn(f64) -> f64) -> Vec<f64> {
    (0..n).map(|i| f(i as f64)).collect()
}

#[test]
fn correlation_boundary_and_direction() {
    let n = 60;
    let a = series(n, |i| (i * 0.7).sin() * 0.01);
    let b = series(n, |i| (i * 0.7).sin() * 0.01 + (i * 1.3).cos() * 0.006);
    let mut book = BookState::new(1_000_000.0).unwrap();
    book.upsert(position("AAA", 1, 1, 100.0, 10.0)).unwrap();
    book.set_returns(t("AAA"), &a, n).unwrap();
    book.set_returns(t("BBB"), &b, n).unwrap();
    let rho = book.correlation(t("AAA"), t("BBB")).unwrap();
    assert!(rho > 0.7 && rho < 1.0, "{rho}");
    let cfg = |max| LimitsConfig {
        max_correlation: Some(max),
        correlation_window: n,
        ..LimitsConfig::none()
    };
    let buy = order("BBB", Side::Buy, 10.0, 10.0);
    let mut below = checker(cfg(rho - 1e-9));
    let d = below.check(&buy, &book);
    let Decision::Rejected { limit, detail } = d else {
        panic!("{d:?}")
    };
    assert_eq!(limit, Limit::Correlation);
    assert!((detail.current - rho).abs() < 1e-12);
    let mut above = checker(cfg(rho + 1e-9));
    assert_eq!(above.check(&buy, &book), Decision::Approved);
    // Selling a correlated name against a long is a hedge.
    let sell = order("BBB", Side::Sell, 10.0, 10.0);
    assert_eq!(below.check(&sell, &book), Decision::Approved);
    // The default threshold is 0.7.
    assert_eq!(LimitsConfig::default().max_correlation, Some(0.7));
    // Bad series are refused with the symbol named.
    let err = book.set_returns(t("CCC"), &vec![0.01; n], n).unwrap_err();
    assert!(err.to_string().contains("CCC"));
    assert!(book.set_returns(t("CCC"), &a[..10], n).is_err());
}

#[test]
fn circuit_breaker_trips_after_n_and_resets() {
    let mut c = checker(LimitsConfig {
        max_consecutive_errors: Some(3),
        max_consecutive_losses: Some(2),
        ..LimitsConfig::none()
    });
    let book = BookState::new(100_000.0).unwrap();
    let o = order("SPY", Side::Buy, 1.0, 1.0);
    c.record_error();
    c.record_error();
    assert_eq!(c.check(&o, &book), Decision::Approved);
    c.record_error();
    let d = c.check(&o, &book);
    let Decision::Rejected { limit, detail } = d else {
        panic!("{d:?}")
    };
    assert_eq!(
        (limit, detail.current, detail.limit),
        (Limit::CircuitBreaker, 3.0, 3.0)
    );
    // A success does not un-trip it; reset does.
    c.record_success();
    assert_eq!(limit_of(&c.check(&o, &book)), Some(Limit::CircuitBreaker));
    c.reset();
    assert_eq!(c.check(&o, &book), Decision::Approved);
    // Losses: a win in between restarts the count.
    c.record_trade(-5.0);
    c.record_trade(10.0);
    c.record_trade(-5.0);
    assert_eq!(c.check(&o, &book), Decision::Approved);
    c.record_trade(-1.0);
    assert_eq!(limit_of(&c.check(&o, &book)), Some(Limit::CircuitBreaker));
    c.reset();
    assert!(!c.breaker().is_tripped());
}

#[test]
fn every_decision_is_logged_with_the_clock_time() {
    let clock = std::sync::Arc::new(SimulatedClock::new("2024-03-01T14:30:00Z".parse().unwrap()));
    let mut policy: Box<dyn RiskPolicy> = Box::new(
        PreTradeCheck::new(
            LimitsConfig {
                symbol_exposure: Some(0.1),
                ..LimitsConfig::none()
            },
            clock.clone(),
        )
        .unwrap(),
    );
    let book = BookState::new(100_000.0).unwrap();
    policy.check(&order("SPY", Side::Buy, 10.0, 100.0), &book);
    clock.advance(std::time::Duration::from_secs(1)).unwrap();
    policy.check(&order("SPY", Side::Buy, 1_000.0, 100.0), &book);

    let mut c = PreTradeCheck::new(LimitsConfig::none(), clock.clone()).unwrap();
    c.check(&order("SPY", Side::Buy, f64::NAN, 100.0), &book);
    let log = c.take_log();
    assert_eq!(log.len(), 1);
    assert_eq!(log[0].time, clock.now());
    assert!(matches!(
        log[0].decision,
        Decision::Rejected {
            limit: Limit::InvalidOrder("qty"),
            ..
        }
    ));
    assert!(c.log().is_empty());
}

#[test]
fn log_records_order_and_decision() {
    let clock = std::sync::Arc::new(SimulatedClock::new("2024-03-01T14:30:00Z".parse().unwrap()));
    let mut c = PreTradeCheck::new(LimitsConfig::default(), clock.clone()).unwrap();
    let book = BookState::new(100_000.0).unwrap();
    let o = order("SPY", Side::Buy, 1_000.0, 100.0);
    let d = c.check(&o, &book);
    clock.advance(std::time::Duration::from_secs(5)).unwrap();
    c.check(&order("SPY", Side::Buy, 1.0, 100.0), &book);
    let log = c.log();
    assert_eq!(log.len(), 2);
    assert_eq!((log[0].order, log[0].decision), (o, d));
    assert_eq!(log[0].time.to_string(), "2024-03-01T14:30:00Z");
    assert_eq!(log[1].time.to_string(), "2024-03-01T14:30:05Z");
    assert_eq!(d.allowed_qty(&o), 200.0);
}

#[test]
fn config_from_toml_and_validation() {
    let cfg = LimitsConfig::from_toml("daily_loss = 0.03\nmax_open_positions = 5\n").unwrap();
    assert_eq!(cfg.daily_loss, Some(0.03));
    assert_eq!(cfg.max_open_positions, Some(5));
    assert!(LimitsConfig::from_toml("daily_los = 0.03").is_err());
    assert!(LimitsConfig::from_toml("lot = 0.0").is_err());
    assert!(LimitsConfig::from_toml("max_correlation = 1.5").is_err());
    let bad = LimitsConfig {
        sector_exposure: Some(f64::NAN),
        ..LimitsConfig::default()
    };
    assert!(PreTradeCheck::new(bad, SimulatedClock::new(Timestamp::UNIX_EPOCH)).is_err());
    assert!(BookState::new(0.0).is_err());
    assert!(BookState::new(f64::INFINITY).is_err());
}

proptest! {
    /// A resized order always passes the check that resized it.
    #[test]
    fn resized_order_passes(
        positions in prop::collection::vec((0u16..4, 0u16..3, -500.0f64..500.0, 1.0f64..300.0, -1.0f64..1.0, -50.0f64..50.0), 0..12),
        side_buy in any::<bool>(),
        qty in 1.0f64..5_000.0,
        unit_exposure in 0.0f64..400.0,
        delta in -1.0f64..1.0,
        vega in -60.0f64..60.0,
        lot in prop::sample::select(vec![1.0, 0.5, 10.0, 0.01]),
        caps in (0.05f64..0.6, 0.1f64..0.8, 0.1f64..1.0, 10.0f64..3_000.0, 100.0f64..20_000.0),
    ) {
        let mut book = BookState::new(250_000.0).unwrap();
        for (i, &(sector, strategy, q, ue, d, v)) in positions.iter().enumerate() {
            let sym = format!("P{i}");
            book.upsert(Position {
                unit_greeks: BookGreeks { delta: d, gamma: 0.0, vega: v, theta: 0.0 },
                ..position(&sym, sector, strategy, q, ue)
            }).unwrap();
        }
        let cfg = LimitsConfig {
            symbol_exposure: Some(caps.0),
            sector_exposure: Some(caps.1),
            strategy_exposure: Some(caps.2),
            delta_cap: Some(caps.3),
            vega_cap: Some(caps.4),
            lot,
            ..LimitsConfig::none()
        };
        let mut c = checker(cfg);
        let o = Order {
            sector: SectorId(1),
            strategy: StrategyId(1),
            unit_greeks: BookGreeks { delta, gamma: 0.0, vega, theta: 0.0 },
            ..order("P1", if side_buy { Side::Buy } else { Side::Sell }, qty, unit_exposure)
        };
        let d = c.check(&o, &book);
        if let Decision::Resized { new_qty, .. } = d {
            prop_assert!(new_qty > 0.0 && new_qty < qty);
            let again = c.check(&Order { qty: new_qty, ..o }, &book);
            prop_assert_eq!(again, Decision::Approved);
        }
    }
}
