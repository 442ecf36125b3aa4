//! Property tests of invariants across the crate: equal risk contributions, VaR ≤ CVaR,
//! historical VaR monotone in α, sizing within its equity-based caps, and the pre-trade
//! check never approving an order that breaches a configured exposure cap.

use nalgebra::{DMatrix, DVector};
use proptest::prelude::*;
use thetalab_core::{InstrumentId, Side, SimulatedClock, Ticker, Timestamp};
use thetalab_risk::limits::{
    BookGreeks, BookState, Decision, LimitsConfig, Order, OrderIntent, Position, PreTradeCheck,
    RiskPolicy, SectorId, StrategyId,
};
use thetalab_risk::measure;
use thetalab_risk::optimize::{equal_risk_contribution, risk_contributions};
use thetalab_risk::sizing::{BaseRule, FixedFractional, Multiplier, Sizer, SizingInput};

proptest! {
    #![proptest_config(ProptestConfig { cases: 64, ..ProptestConfig::default() })]

    /// ERC (Spinu 2013): every risk contribution is 1/n and the weights sum to 1.
    #[test]
    fn erc_contributions_are_equal(
        n in 2usize..25,
        entries in prop::collection::vec(-1.0f64..1.0, 25 * 27),
    ) {
        let b = DMatrix::from_fn(n, n + 2, |i, j| entries[i * 27 + j]);
        let cov = &b * b.transpose() / (n + 2) as f64 + DMatrix::identity(n, n) * 0.01;
        let w = equal_risk_contribution(&cov).unwrap();
        prop_assert!((w.sum() - 1.0).abs() < 1e-12);
        prop_assert!(w.iter().all(|x| *x > 0.0));
        let rc = risk_contributions(&cov, &w).unwrap();
        let target = DVector::from_element(n, 1.0 / n as f64);
        prop_assert!((rc - target).amax() < 1e-10);
    }

    /// VaR ≤ CVaR (the tail mean is beyond its quantile) for the historical and normal
    /// measures; historical VaR and CVaR do not increase with the tail probability α.
    #[test]
    fn var_below_cvar_and_monotone_in_alpha(
        r in prop::collection::vec(-0.2f64..0.2, 2..300),
        a1 in 0.001f64..0.5,
        a2 in 0.001f64..0.5,
    ) {
        let (lo, hi) = if a1 <= a2 { (a1, a2) } else { (a2, a1) };
        let h_lo = measure::historical(&r, lo).unwrap();
        let h_hi = measure::historical(&r, hi).unwrap();
        prop_assert!(h_lo.var <= h_lo.cvar + 1e-15);
        prop_assert!(h_hi.var <= h_hi.cvar + 1e-15);
        prop_assert!(h_hi.var <= h_lo.var);
        prop_assert!(h_hi.cvar <= h_lo.cvar + 1e-15);
        if let Ok(p) = measure::parametric(&r, lo) {
            prop_assert!(p.var <= p.cvar + 1e-15);
        }
    }

    /// A fixed-fractional sizer never risks more than f · equity × the largest multiplier,
    /// nor more units than its cap; the quantity is a whole number of lots.
    #[test]
    fn sizing_stays_within_equity_caps(
        equity in 1_000.0f64..10_000_000.0,
        f in 0.001f64..0.05,
        unit_risk in 0.5f64..5_000.0,
        k in 0.0f64..5.0,
        max_mult in 0.5f64..3.0,
        cap in 1.0f64..10_000.0,
        lot in prop::sample::select(vec![1.0, 0.5, 10.0, 100.0]),
    ) {
        let sizer = Sizer::new(BaseRule::FixedFractional(FixedFractional::new(f).unwrap()))
            .with(Multiplier::Constant(k))
            .multiplier_bounds(0.0, max_mult)
            .max_quantity(cap)
            .lot(lot);
        let out = sizer
            .size(&SizingInput { equity, unit_risk: Some(unit_risk), ..SizingInput::default() })
            .unwrap();
        let q = out.quantity;
        prop_assert!(q >= 0.0 && q <= cap);
        prop_assert!(q * unit_risk <= f * equity * max_mult * (1.0 + 1e-12));
        prop_assert!(q * unit_risk <= f * equity * k.min(max_mult) * (1.0 + 1e-12) + 1e-9);
        prop_assert!(((q / lot) - (q / lot).round()).abs() < 1e-9);
    }

    /// Whatever the book, an approved or resized order leaves the order's symbol, sector
    /// and strategy exposures within their caps (as fractions of equity), or the check
    /// rejects it.
    #[test]
    fn pre_trade_never_approves_a_breach(
        positions in prop::collection::vec((0u16..3, 0u16..3, -500.0f64..500.0, 1.0f64..300.0), 0..12),
        qty in 1.0f64..5_000.0,
        unit_exposure in 0.5f64..400.0,
        caps in (0.05f64..0.6, 0.1f64..0.8, 0.1f64..1.0),
        lot in prop::sample::select(vec![1.0, 0.5, 10.0]),
    ) {
        let equity = 250_000.0;
        let t = |s: &str| Ticker::new(s).unwrap();
        let mut book = BookState::new(equity).unwrap();
        for (i, &(sector, strategy, q, ue)) in positions.iter().enumerate() {
            let sym = format!("P{i}");
            book.upsert(Position {
                instrument: InstrumentId::Ticker(t(&sym)),
                symbol: t(&sym),
                sector: SectorId(sector),
                strategy: StrategyId(strategy),
                qty: q,
                unit_exposure: ue,
                unit_greeks: BookGreeks::SHARE,
            })
            .unwrap();
        }
        let cfg = LimitsConfig {
            symbol_exposure: Some(caps.0),
            sector_exposure: Some(caps.1),
            strategy_exposure: Some(caps.2),
            lot,
            ..LimitsConfig::none()
        };
        let mut check =
            PreTradeCheck::new(cfg, SimulatedClock::new(Timestamp::UNIX_EPOCH)).unwrap();
        // a new symbol in sector 1 for strategy 1: every unit adds to all three exposures
        let order = Order {
            id: 1,
            instrument: InstrumentId::Ticker(t("NEW")),
            symbol: t("NEW"),
            sector: SectorId(1),
            strategy: StrategyId(1),
            side: Side::Buy,
            qty,
            unit_exposure,
            unit_greeks: BookGreeks::SHARE,
            intent: OrderIntent::Open,
        };
        let traded = match check.check(&order, &book) {
            Decision::Approved => qty,
            Decision::Resized { new_qty, .. } => new_qty,
            Decision::Rejected { .. } => 0.0,
        };
        if traded > 0.0 {
            let add = traded * unit_exposure;
            let tol = 1e-9 * equity;
            prop_assert!(add <= caps.0 * equity + tol, "symbol");
            prop_assert!(book.sector_exposure(SectorId(1)) + add <= caps.1 * equity + tol, "sector");
            prop_assert!(
                book.strategy_exposure(StrategyId(1)) + add <= caps.2 * equity + tol,
                "strategy"
            );
        }
    }
}
