//! The vectorized engine gated by the risk crate's pre-trade check: hand-worked runs for
//! each limit (the numbers follow from the limit's definition in
//! `thetalab_risk::limits` and the engine's fill arithmetic, worked out in the
//! comments), and identities: a gate that approves everything leaves every number of
//! the ungated run unchanged, bit for bit.

use std::path::Path;
use std::sync::{Arc, Mutex};

use chrono::NaiveDate;
use thetalab_backtest::gate::{OrderTemplate, RiskGate};
use thetalab_backtest::runner::{run_strategy, run_strategy_gated};
use thetalab_backtest::sweep::SplitMix64;
use thetalab_backtest::{
    Allocation, BacktestConfig, BacktestError, BacktestResult, DirectionMode, Fill, SizeRule, run,
    run_gated, run_portfolio, run_portfolio_gated,
};
use thetalab_core::{Side, Timestamp};
use thetalab_risk::limits::{
    BookState, Decision, Limit, LimitNumbers, LimitsConfig, Order, OrderIntent, RiskPolicy,
    SectorId,
};
use thetalab_strategy::{BarColumns, BarInput, BarStrategy, BarsView, Signals, SmaCross};

const DAY: i64 = 86_400_000_000_000;

/// Flat bars (open = high = low = close) one day apart.
fn daily(closes: &[f64]) -> BarColumns {
    BarColumns::from_bars(closes.iter().enumerate().map(|(i, &c)| BarInput {
        ts: Timestamp::from_nanos(i as i64 * DAY),
        open: c,
        high: c,
        low: c,
        close: c,
        volume: 1.0,
    }))
}

fn signals(n: usize, entries: &[usize], exits: &[usize]) -> Signals {
    let mut s = Signals::new(n);
    for &i in entries {
        s.entries[i] = true;
    }
    for &i in exits {
        s.exits[i] = true;
    }
    s
}

fn gate(limits: LimitsConfig) -> RiskGate {
    RiskGate::new(limits, OrderTemplate::new("SPY")).unwrap()
}

fn numbers(current: f64, proposed: f64, limit: f64) -> LimitNumbers {
    LimitNumbers {
        current,
        proposed,
        limit,
    }
}

#[test]
fn max_open_positions_rejects_the_second_entry() {
    // A at 100, B at 50; both enter on bar 0 with 40 % of equity each. A (first in asset
    // order) buys 0.4·100 000/100 = 400 shares; B's 0.4·100 000/50 = 800 shares would be
    // a second position with a maximum of 1: rejected (1 open, 2 with the order, max 1).
    // A exits on bar 1, so B's entry on bar 2 passes.
    let a = daily(&[100.0, 100.0, 100.0, 100.0]);
    let b = daily(&[50.0, 50.0, 50.0, 50.0]);
    let assets = [("A", a.view().unwrap()), ("B", b.view().unwrap())];
    let sigs = [signals(4, &[0], &[1]), signals(4, &[0, 2], &[])];
    let cfg = BacktestConfig {
        size: SizeRule::FractionOfEquity(0.4),
        ..Default::default()
    };
    let limits = LimitsConfig {
        max_open_positions: Some(1),
        ..LimitsConfig::none()
    };
    let mut g = gate(limits);
    let r = run_portfolio_gated(&assets, Allocation::Signals(&sigs), &cfg, &mut g).unwrap();
    assert_eq!(r.positions[0], vec![400.0, 0.0, 0.0, 0.0]);
    assert_eq!(r.positions[1], vec![0.0, 0.0, 800.0, 800.0]);
    assert_eq!(r.decisions.len(), 1);
    let d = &r.decisions[0];
    assert_eq!((d.index, d.symbol.as_str(), d.side), (0, "B", Side::Buy));
    assert_eq!((d.requested_qty, d.allowed_qty), (800.0, 0.0));
    assert_eq!(d.limit, Limit::MaxOpenPositions);
    assert_eq!(d.numbers, numbers(1.0, 2.0, 1.0));
    // Cash 60 000 + 400 shares at 100.
    assert_eq!(d.equity, 100_000.0);
    assert_eq!(d.ts, Timestamp::from_nanos(0));
    assert!(d.is_rejection());
    assert_eq!(r.risk_rejections(), 1);
    // The book after the run holds B only.
    assert_eq!(g.book().open_positions(), 1);
}

fn ny(day: u32, hm: &str) -> Timestamp {
    Timestamp::from_ny_hms(NaiveDate::from_ymd_opt(2024, 3, day).unwrap(), hm).unwrap()
}

#[test]
fn daily_loss_stops_entries_until_the_next_session() {
    // Hourly bars over two sessions. Bar 0 buys 0.5·100 000/100 = 500 shares, bar 1
    // sells them at 90: equity 50 000 + 500·90 = 95 000, a day loss of
    // (100 000 − 95 000)/100 000 = 0.05 ≥ 0.02, so bar 2's entry is rejected. Bar 3 opens
    // the next session with day-start equity 95 000 (bar 2's close): loss 0, and the
    // entry buys 0.5·95 000/90 shares.
    let closes = [100.0, 90.0, 90.0, 90.0, 90.0];
    let ts = [
        ny(12, "10:00"),
        ny(12, "11:00"),
        ny(12, "12:00"),
        ny(13, "10:00"),
        ny(13, "11:00"),
    ];
    let bars = BarColumns::from_bars(closes.iter().zip(ts).map(|(&c, ts)| BarInput {
        ts,
        open: c,
        high: c,
        low: c,
        close: c,
        volume: 1.0,
    }));
    let sig = signals(5, &[0, 2, 3], &[1]);
    let cfg = BacktestConfig {
        size: SizeRule::FractionOfEquity(0.5),
        ..Default::default()
    };
    let limits = LimitsConfig {
        daily_loss: Some(0.02),
        ..LimitsConfig::none()
    };
    let r = run_gated(&bars.view().unwrap(), &sig, &cfg, &mut gate(limits)).unwrap();
    assert_eq!(r.decisions.len(), 1);
    let d = &r.decisions[0];
    assert_eq!(
        (d.index, d.ts, d.limit),
        (2, ny(12, "12:00"), Limit::DailyLoss)
    );
    assert_eq!(d.numbers, numbers(0.05, 0.05, 0.02));
    assert_eq!(d.requested_qty, 0.5 * 95_000.0 / 90.0);
    assert_eq!(d.symbol, "SPY");
    let q = 0.5 * 95_000.0 / 90.0;
    assert_eq!(r.position(), &[500.0, 0.0, 0.0, q, q]);
}

#[test]
fn daily_loss_with_next_open_fills_judges_the_day_of_the_fill() {
    // Bar 0's entry fills at bar 1's open (100): 500 shares. Bar 1 closes at 90 (equity
    // 95 000, day loss 0.05); its exit fills at bar 2's open (90). Bar 2's entry would
    // fill at bar 3's open, still the first session: rejected. Bar 3's entry fills at
    // bar 4's open, the next session (day start 95 000): approved, 0.5·95 000/90 shares.
    let rows = [
        (ny(12, "10:00"), 100.0, 100.0),
        (ny(12, "11:00"), 100.0, 90.0),
        (ny(12, "12:00"), 90.0, 90.0),
        (ny(12, "13:00"), 90.0, 90.0),
        (ny(13, "10:00"), 90.0, 90.0),
        (ny(13, "11:00"), 90.0, 90.0),
    ];
    let bars = BarColumns::from_bars(rows.iter().map(|&(ts, open, close)| BarInput {
        ts,
        open,
        high: open.max(close),
        low: open.min(close),
        close,
        volume: 1.0,
    }));
    let sig = signals(6, &[0, 2, 3], &[1]);
    let cfg = BacktestConfig {
        size: SizeRule::FractionOfEquity(0.5),
        fill: Fill::NextOpen,
        ..Default::default()
    };
    let limits = LimitsConfig {
        daily_loss: Some(0.02),
        ..LimitsConfig::none()
    };
    let r = run_gated(&bars.view().unwrap(), &sig, &cfg, &mut gate(limits)).unwrap();
    assert_eq!(r.decisions.len(), 1);
    let d = &r.decisions[0];
    assert_eq!((d.index, d.limit), (3, Limit::DailyLoss));
    assert_eq!(d.numbers, numbers(0.05, 0.05, 0.02));
    assert_eq!(d.equity, 95_000.0);
    let q = 0.5 * 95_000.0 / 90.0;
    assert_eq!(r.position(), &[0.0, 500.0, 0.0, 0.0, q, q]);
}

#[test]
fn max_drawdown_stops_new_entries() {
    // All cash: 1 000 shares at 100; bar 1 marks the peak at 120 000; sold at 105 on bar
    // 2. Drawdown 1 − 105 000/120 000 = 0.125 ≥ 0.10: the entries of bars 3 and 5 are
    // rejected and the run ends flat at 105 000.
    let bars = daily(&[100.0, 120.0, 105.0, 105.0, 110.0, 110.0]);
    let sig = signals(6, &[0, 3, 5], &[2]);
    let limits = LimitsConfig {
        max_drawdown: Some(0.10),
        ..LimitsConfig::none()
    };
    let cfg = BacktestConfig::default();
    let r = run_gated(&bars.view().unwrap(), &sig, &cfg, &mut gate(limits)).unwrap();
    assert_eq!(r.final_value, 105_000.0);
    assert_eq!(r.closed_trades(), 1);
    let idx: Vec<usize> = r.decisions.iter().map(|d| d.index).collect();
    assert_eq!(idx, vec![3, 5]);
    for (d, price) in r.decisions.iter().zip([105.0, 110.0]) {
        assert_eq!(d.limit, Limit::MaxDrawdown);
        assert_eq!(d.numbers, numbers(0.125, 0.125, 0.10));
        assert_eq!(d.requested_qty, 105_000.0 / price);
    }
}

#[test]
fn symbol_exposure_resizes_to_the_smaller_quantity() {
    // All cash with 10 bps fees: the engine asks for 100 000/(100·1.001) = 999.000999…
    // shares at 100; 20 % of 100 000 is 20 000 of exposure = 200 shares, a whole lot:
    // resized to 200, which cost 200·100·1.001 = 20 020 (cash 79 980).
    let bars = daily(&[100.0, 100.0, 100.0]);
    let sig = signals(3, &[0], &[]);
    let cfg = BacktestConfig {
        fees_bps: 10.0,
        ..Default::default()
    };
    let limits = LimitsConfig {
        symbol_exposure: Some(0.2),
        ..LimitsConfig::none()
    };
    let r = run_gated(&bars.view().unwrap(), &sig, &cfg, &mut gate(limits)).unwrap();
    assert_eq!(r.position(), &[200.0, 200.0, 200.0]);
    assert!((r.cash[0] - 79_980.0).abs() < 1e-9, "{}", r.cash[0]);
    assert!((r.total_fees - 20.0).abs() < 1e-12);
    let d = &r.decisions[0];
    let asked = 100_000.0 / 1.001 / 100.0;
    assert!((d.requested_qty - asked).abs() < 1e-9);
    assert_eq!(d.allowed_qty, 200.0);
    assert!(!d.is_rejection());
    assert_eq!(r.risk_rejections(), 0);
    assert_eq!(d.limit, Limit::SymbolExposure);
    assert_eq!(d.numbers.current, 0.0);
    assert!((d.numbers.proposed - asked * 100.0).abs() < 1e-6);
    assert_eq!(d.numbers.limit, 20_000.0);
}

#[test]
fn sector_exposure_resizes_a_target_weight_buy() {
    // A (100) and B (50) in one sector with a 30 % cap, each targeted at 20 % on bar 0.
    // A: 200 shares, 20 000 of sector exposure, approved. B: 400 shares asked, but only
    // (30 000 − 20 000)/50 = 200 fit: resized (current 20 000, with the order 40 000,
    // limit 30 000). On bar 1 B's target of 0 sells freely.
    let a = daily(&[100.0, 100.0]);
    let b = daily(&[50.0, 50.0]);
    let assets = [("A", a.view().unwrap()), ("B", b.view().unwrap())];
    let w = vec![vec![0.2, f64::NAN], vec![0.2, 0.0]];
    let template = OrderTemplate::new("A")
        .with_sector("A", SectorId(7))
        .with_sector("B", SectorId(7));
    let limits = LimitsConfig {
        sector_exposure: Some(0.3),
        ..LimitsConfig::none()
    };
    let mut g = RiskGate::new(limits, template).unwrap();
    let cfg = BacktestConfig::default();
    let r = run_portfolio_gated(&assets, Allocation::Weights(&w), &cfg, &mut g).unwrap();
    assert_eq!(r.positions[0], vec![200.0, 200.0]);
    assert_eq!(r.positions[1], vec![200.0, 0.0]);
    assert_eq!(r.decisions.len(), 1);
    let d = &r.decisions[0];
    assert_eq!((d.symbol.as_str(), d.limit), ("B", Limit::SectorExposure));
    assert_eq!((d.requested_qty, d.allowed_qty), (400.0, 200.0));
    assert_eq!(d.numbers, numbers(20_000.0, 40_000.0, 30_000.0));
}

#[test]
fn circuit_breaker_trips_after_consecutive_losing_trades() {
    // All cash. Trade 1: 1 000 shares 100 → 90, −10 000. Trade 2: 900 shares 100 → 95,
    // −4 500. Two losses in a row trip a breaker set at 2: bar 4's entry is rejected
    // (2 losses, threshold 2) and the run ends flat at 85 500.
    let bars = daily(&[100.0, 90.0, 100.0, 95.0, 100.0, 100.0]);
    let sig = signals(6, &[0, 2, 4], &[1, 3]);
    let limits = LimitsConfig {
        max_consecutive_losses: Some(2),
        ..LimitsConfig::none()
    };
    let cfg = BacktestConfig::default();
    let r = run_gated(&bars.view().unwrap(), &sig, &cfg, &mut gate(limits)).unwrap();
    let pnl: Vec<f64> = r.trades.iter().map(|t| t.pnl).collect();
    assert_eq!(pnl, vec![-10_000.0, -4_500.0]);
    assert_eq!(r.final_value, 85_500.0);
    assert_eq!(r.decisions.len(), 1);
    let d = &r.decisions[0];
    assert_eq!((d.index, d.limit), (4, Limit::CircuitBreaker));
    assert_eq!(d.numbers, numbers(2.0, 2.0, 2.0));
}

#[test]
fn correlated_second_asset_is_rejected() {
    // B = 2·A, so their close-to-close returns are equal: ρ = 1 > 0.7. With a 3-return
    // window, bar 3 is the first with 3 returns; A enters first, B is rejected.
    let ca = [100.0, 101.0, 99.0, 102.0, 103.0];
    let cb: Vec<f64> = ca.iter().map(|c| 2.0 * c).collect();
    let (a, b) = (daily(&ca), daily(&cb));
    let assets = [("A", a.view().unwrap()), ("B", b.view().unwrap())];
    let sigs = [signals(5, &[3], &[]), signals(5, &[3], &[])];
    let cfg = BacktestConfig {
        size: SizeRule::FractionOfEquity(0.3),
        ..Default::default()
    };
    let limits = LimitsConfig {
        max_correlation: Some(0.7),
        correlation_window: 3,
        ..LimitsConfig::none()
    };
    let mut g = RiskGate::new(limits, OrderTemplate::default()).unwrap();
    let r = run_portfolio_gated(&assets, Allocation::Signals(&sigs), &cfg, &mut g).unwrap();
    assert_eq!(r.decisions.len(), 1);
    let d = &r.decisions[0];
    assert_eq!(
        (d.index, d.symbol.as_str(), d.limit),
        (3, "B", Limit::Correlation)
    );
    assert!((d.numbers.current - 1.0).abs() < 1e-12);
    assert_eq!(d.numbers.limit, 0.7);
    assert_eq!(r.positions[1][4], 0.0);
    // Anti-correlated direction (B short while A long) hedges: −ρ = −1, approved.
    let sigs_short = [signals(5, &[3], &[]), {
        let mut s = Signals::new(5);
        s.short_entries[3] = true;
        s
    }];
    let cfg = BacktestConfig {
        direction: DirectionMode::Both,
        ..cfg
    };
    let mut g = RiskGate::new(limits_corr(), OrderTemplate::default()).unwrap();
    let r = run_portfolio_gated(&assets, Allocation::Signals(&sigs_short), &cfg, &mut g).unwrap();
    assert!(r.decisions.is_empty());
    assert!(r.positions[1][3] < 0.0);
}

fn limits_corr() -> LimitsConfig {
    LimitsConfig {
        max_correlation: Some(0.7),
        correlation_window: 3,
        ..LimitsConfig::none()
    }
}

fn gbm(n: usize, seed: u64, start: f64) -> BarColumns {
    let mut rng = SplitMix64::new(seed);
    let mut c = start;
    BarColumns::from_bars((0..n).map(|i| {
        let o = c * (1.0 + (rng.next_f64() - 0.5) * 0.01);
        c *= 1.0 + (rng.next_f64() - 0.5) * 0.04;
        BarInput {
            // Four bars a session, so sessions change inside the run.
            ts: Timestamp::from_nanos(i as i64 / 4 * DAY + (i as i64 % 4) * 3_600_000_000_000),
            open: o,
            high: o.max(c) * (1.0 + rng.next_f64() * 0.01),
            low: o.min(c) * (1.0 - rng.next_f64() * 0.01),
            close: c,
            volume: 1.0,
        }
    }))
}

fn random_signals(n: usize, seed: u64, p: f64) -> Signals {
    let mut rng = SplitMix64::new(seed);
    let mut s = Signals::new(n);
    for i in 0..n {
        s.entries[i] = rng.next_f64() < p;
        s.exits[i] = rng.next_f64() < p;
        s.short_entries[i] = rng.next_f64() < p;
        s.short_exits[i] = rng.next_f64() < p;
    }
    s
}

/// Configurations covering every engine path: close and next-open fills, shorts and
/// reversals, fees of every kind with slippage, whole shares, fractional sizing, stops.
fn configs() -> Vec<BacktestConfig> {
    let mut stops = BacktestConfig {
        fill: Fill::NextOpen,
        direction: DirectionMode::Both,
        fees_bps: 5.0,
        fee_per_share: 0.01,
        fixed_fee_per_order: 1.0,
        slippage_bps: 3.0,
        ..Default::default()
    };
    stops.exits.stop_loss = Some(0.03);
    stops.exits.take_profit = Some(0.05);
    vec![
        BacktestConfig::default(),
        BacktestConfig {
            direction: DirectionMode::Both,
            fractional: false,
            fees_bps: 10.0,
            size: SizeRule::FractionOfEquity(0.3),
            ..Default::default()
        },
        stops,
    ]
}

fn gated_none(
    assets: &[(&str, BarsView)],
    alloc: Allocation,
    cfg: &BacktestConfig,
) -> BacktestResult {
    let mut g = RiskGate::new(LimitsConfig::none(), OrderTemplate::new("X")).unwrap();
    run_portfolio_gated(assets, alloc, cfg, &mut g).unwrap()
}

#[test]
fn gate_with_no_limits_equals_the_ungated_engine_bitwise() {
    let (a, b, c) = (gbm(400, 1, 100.0), gbm(400, 2, 40.0), gbm(400, 3, 250.0));
    let views = [a.view().unwrap(), b.view().unwrap(), c.view().unwrap()];
    let assets = [("A", views[0]), ("B", views[1]), ("C", views[2])];
    let sigs: Vec<Signals> = (0..3).map(|k| random_signals(400, 10 + k, 0.08)).collect();
    let mut rng = SplitMix64::new(99);
    let weights: Vec<Vec<f64>> = (0..3)
        .map(|_| {
            (0..400)
                .map(|_| {
                    let u = rng.next_f64();
                    if u < 0.9 { f64::NAN } else { (u - 0.95) * 4.0 }
                })
                .collect()
        })
        .collect();
    for cfg in configs() {
        for (k, s) in sigs.iter().enumerate() {
            let ungated = run(&views[k], s, &cfg).unwrap();
            let mut g = RiskGate::new(LimitsConfig::none(), OrderTemplate::new("X")).unwrap();
            let gated = run_gated(&views[k], s, &cfg, &mut g).unwrap();
            assert!(ungated.orders > 10);
            // PartialEq on f64 fields: equal bit for bit (no NaN in a result).
            assert_eq!(gated, ungated);
        }
        let ungated = run_portfolio(&assets, Allocation::Signals(&sigs), &cfg).unwrap();
        assert_eq!(
            gated_none(&assets, Allocation::Signals(&sigs), &cfg),
            ungated
        );
        if cfg.direction == DirectionMode::Both {
            let ungated = run_portfolio(&assets, Allocation::Weights(&weights), &cfg).unwrap();
            assert!(ungated.orders > 10);
            assert_eq!(
                gated_none(&assets, Allocation::Weights(&weights), &cfg),
                ungated
            );
        }
    }
}

#[test]
fn runner_gated_with_no_limits_equals_run_strategy() {
    let bars = gbm(300, 5, 100.0);
    let view = bars.view().unwrap();
    let strategy = SmaCross::new(5, 20).unwrap();
    let cfg = BacktestConfig {
        fees_bps: 10.0,
        ..Default::default()
    };
    // The result's label need not be a ticker: the orders carry the template's.
    let label = "SPY (synthetic)";
    let plain = run_strategy(label, &view, &strategy, &cfg).unwrap();
    let mut g = RiskGate::new(LimitsConfig::none(), OrderTemplate::new("SPY")).unwrap();
    let gated = run_strategy_gated(label, &view, &strategy, &cfg, &mut g).unwrap();
    assert_eq!(gated.result, plain.result);
    assert_eq!(gated.benchmark, plain.benchmark);
    // A template without a valid ticker is a typed error naming it.
    let mut g = RiskGate::new(LimitsConfig::none(), OrderTemplate::new("spy")).unwrap();
    let e = run_strategy_gated(label, &view, &strategy, &cfg, &mut g).unwrap_err();
    assert!(matches!(e, BacktestError::InvalidSymbol { ref symbol, .. } if symbol == "spy"));
}

/// What a policy saw: opening and closing orders, and reported trade P&Ls.
#[derive(Default)]
struct Seen {
    opens: usize,
    closes: usize,
    trade_pnls: Vec<f64>,
}

/// Approves or rejects by intent, and records what it sees.
struct Recorder {
    seen: Arc<Mutex<Seen>>,
    reject_opens: bool,
    reject_closes: bool,
}

impl RiskPolicy for Recorder {
    fn check(&mut self, order: &Order, _book: &BookState) -> Decision {
        let mut seen = self.seen.lock().unwrap();
        let reject = match order.intent {
            OrderIntent::Open => {
                seen.opens += 1;
                self.reject_opens
            }
            OrderIntent::Close => {
                seen.closes += 1;
                self.reject_closes
            }
        };
        if reject {
            Decision::Rejected {
                limit: Limit::InvalidOrder("test"),
                detail: numbers(0.0, order.qty, 0.0),
            }
        } else {
            Decision::Approved
        }
    }

    fn record_trade(&mut self, pnl: f64) {
        self.seen.lock().unwrap().trade_pnls.push(pnl);
    }
}

fn recorder_gate(reject_opens: bool, reject_closes: bool) -> (RiskGate, Arc<Mutex<Seen>>) {
    let seen = Arc::new(Mutex::new(Seen::default()));
    let policy = Recorder {
        seen: Arc::clone(&seen),
        reject_opens,
        reject_closes,
    };
    (
        RiskGate::with_policy(Box::new(policy), OrderTemplate::new("QQQ")),
        seen,
    )
}

#[test]
fn every_order_reaches_the_policy_exits_always_execute() {
    let bars = gbm(400, 7, 100.0);
    let view = bars.view().unwrap();
    let sig = random_signals(400, 8, 0.06);
    let mut cfg = configs().remove(2);
    cfg.fill = Fill::Close;
    let ungated = run(&view, &sig, &cfg).unwrap();
    // Approving everything: the ungated run; every order seen once, each as opening or
    // closing (reversals are two orders); every closed trade's P&L reported.
    let (mut g, seen) = recorder_gate(false, false);
    assert_eq!(run_gated(&view, &sig, &cfg, &mut g).unwrap(), ungated);
    let s = seen.lock().unwrap();
    assert_eq!(s.opens + s.closes, ungated.orders);
    let closed: Vec<f64> = ungated
        .trades
        .iter()
        .filter(|t| !t.is_open())
        .map(|t| t.pnl)
        .collect();
    assert!(closed.len() > 5);
    assert_eq!(s.trade_pnls, closed);
    assert_eq!(s.closes, closed.len());
    drop(s);
    // A policy rejecting every closing order changes nothing: exits always execute.
    let (mut g, _) = recorder_gate(false, true);
    assert_eq!(run_gated(&view, &sig, &cfg, &mut g).unwrap(), ungated);
    // Rejecting every opening order: no trade, one decision per entry attempted.
    let (mut g, seen) = recorder_gate(true, false);
    let r = run_gated(&view, &sig, &cfg, &mut g).unwrap();
    assert_eq!(r.orders, 0);
    assert_eq!(r.final_value, cfg.init_cash);
    assert_eq!(r.risk_rejections(), seen.lock().unwrap().opens);
    assert!(
        r.decisions
            .iter()
            .all(|d| d.limit == Limit::InvalidOrder("test"))
    );
}

/// The vectorbt parity fixture (AAPL, StockNet, 500 days) under the default limits:
/// every entry's exposure stays within 20 % of the equity it was checked against
/// (no fees: equity does not move on the fill), and every entry the gate let through at
/// a reduced size is exactly the largest whole number of shares under that cap.
#[test]
fn default_limits_cap_each_entry_at_a_fifth_of_equity() {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/aapl_stocknet_500.csv");
    let Some(bars) = crate::engine::load_csv(&path) else {
        eprintln!("skipping: {} not found", path.display());
        return;
    };
    let view = bars.view().unwrap();
    let sig = SmaCross::new(10, 30).unwrap().signals(&view).unwrap();
    let cfg = BacktestConfig::default();
    let mut g = RiskGate::new(LimitsConfig::default(), OrderTemplate::new("AAPL")).unwrap();
    let r = run_gated(&view, &sig, &cfg, &mut g).unwrap();
    assert!(r.trades.len() >= 3);
    // All-cash entries are always over 20 %: each trade comes from one resize.
    let resized: Vec<_> = r.decisions.iter().filter(|d| !d.is_rejection()).collect();
    assert_eq!(resized.len(), r.trades.len());
    for (d, t) in resized.iter().zip(&r.trades) {
        assert_eq!(d.limit, Limit::SymbolExposure);
        assert_eq!(t.entry_index, d.index);
        // Flat before the entry: the equity checked is the cash, the previous close's.
        let e = t.entry_index;
        let equity = if e == 0 {
            cfg.init_cash
        } else {
            r.equity[e - 1]
        };
        assert_eq!(d.equity, equity);
        assert!(t.size * t.entry_price <= 0.2 * equity, "{t:?}");
        assert_eq!(t.size, (0.2 * equity / t.entry_price + 1e-9).floor());
        assert_eq!(t.size, d.allowed_qty);
    }
    // Rejections, if any, come from the stops that reject (not the exposure caps).
    for d in r.decisions.iter().filter(|d| d.is_rejection()) {
        assert!(matches!(
            d.limit,
            Limit::CircuitBreaker | Limit::DailyLoss | Limit::MaxDrawdown
        ));
    }
}

/// A policy that answers every opening order with a resize to NaN (a bug in a custom
/// policy).
struct NanResize;

impl RiskPolicy for NanResize {
    fn check(&mut self, order: &Order, _book: &BookState) -> Decision {
        match order.intent {
            OrderIntent::Open => Decision::Resized {
                new_qty: f64::NAN,
                limit: Limit::InvalidOrder("nan"),
                numbers: numbers(0.0, order.qty, 0.0),
            },
            OrderIntent::Close => Decision::Approved,
        }
    }
}

#[test]
fn a_resize_to_nan_trades_nothing_rather_than_all_the_cash() {
    // The engine sizes 10 % of equity: 0.1 × 100 000 / 100 = 100 shares. Before the fix
    // the NaN passed `clamp` and reached the fill as the size, where a non-finite size
    // buys with all the cash (1 000 shares).
    let bars = daily(&[100.0, 100.0, 100.0]);
    let view = bars.view().unwrap();
    let sig = signals(3, &[0], &[]);
    let cfg = BacktestConfig {
        size: SizeRule::FractionOfEquity(0.1),
        ..Default::default()
    };
    let mut g = RiskGate::with_policy(Box::new(NanResize), OrderTemplate::new("SPY"));
    let r = run_gated(&view, &sig, &cfg, &mut g).unwrap();
    assert_eq!(r.orders, 0, "{:?}", r.trades);
    assert_eq!(r.position()[0], 0.0);
    assert_eq!(r.decisions.len(), 1);
    assert_eq!(r.decisions[0].allowed_qty, 0.0);
    assert!(r.decisions[0].is_rejection());
    assert_eq!(r.final_value, cfg.init_cash);
}
