//! The options replay engine against hand-computed figures, invariants (proptest), a
//! look-ahead perturbation test, and the real SPXW/SPX samples in ../shared/data.

use std::io::BufRead;

use chrono::{NaiveDate, NaiveTime};
use proptest::prelude::*;
use thetalab_backtest::options::{
    Fees, FillModel, NoVolIndices, NotFilledReason, ReplayConfig, ReplayResult, SynthSource,
    VecSource, replay, rows_to_snapshots,
};
use thetalab_core::{OptionRight, OptionRoot, Timestamp};
use thetalab_data::{ChainSnapshot, OptionQuote};
use thetalab_strategy::options::{
    ExitPlan, IronCondor0Dte, IronCondorConfig, LegSpec, OptionAction, OptionContext,
    OptionExitReason, OptionStrategy, OrderIntent, StrategyEvent, StructureKind,
};

/// The configuration the hand computations assume: the defaults with 100 000 of cash.
fn cfg100k() -> ReplayConfig {
    ReplayConfig {
        init_cash: 100_000.0,
        ..ReplayConfig::default()
    }
}

const DATA: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/../../../shared/data");

fn d(s: &str) -> NaiveDate {
    s.parse().unwrap()
}

fn at(date: &str, hm: &str) -> Timestamp {
    let t = NaiveTime::parse_from_str(hm, "%H:%M").unwrap();
    Timestamp::from_ny(d(date), t).unwrap()
}

/// A snapshot of `root` options expiring `expiry`: rows `(strike, right, bid, ask)`,
/// given in chain order (strike, call before put).
fn snap(
    ts: Timestamp,
    spot: f64,
    root: &str,
    expiry: NaiveDate,
    rows: &[(f64, OptionRight, Option<f64>, Option<f64>)],
) -> ChainSnapshot {
    let rows = rows
        .iter()
        .map(|&(strike, right, bid, ask)| (expiry, strike, right, bid, ask));
    chain_snap(ts, spot, "SPX", root, rows)
}

/// A snapshot of `underlying` with `root` options `rows` (in chain order), sizes 10.
fn chain_snap(
    ts: Timestamp,
    spot: f64,
    underlying: &str,
    root: &str,
    rows: impl IntoIterator<Item = Row>,
) -> ChainSnapshot {
    let mut s = ChainSnapshot {
        ts,
        underlying: underlying.into(),
        underlying_price: Some(spot),
        ..ChainSnapshot::default()
    };
    let root = OptionRoot::new(root).unwrap();
    for (expiry, strike, right, bid, ask) in rows {
        s.push(
            root,
            &OptionQuote {
                ts,
                underlying_price: Some(spot),
                expiry,
                strike,
                right,
                bid,
                ask,
                bid_size: Some(10),
                ask_size: Some(10),
                last: None,
                volume: 0,
                open_interest: None,
                iv: None,
                delta: None,
                gamma: None,
                vega: None,
                theta: None,
            },
        );
    }
    s
}

fn leg(root: &str, expiry: NaiveDate, strike: f64, right: OptionRight, ratio: i32) -> LegSpec {
    LegSpec {
        root: OptionRoot::new(root).unwrap(),
        expiry,
        strike,
        right,
        ratio,
    }
}

/// Opens `legs` at the first snapshot at or after `open_at`, then manages the position
/// with its exit plan, and closes everything at `close_at` if given.
struct Script {
    legs: Vec<LegSpec>,
    kind: StructureKind,
    shares: i64,
    units: Option<u32>,
    limit: Option<f64>,
    exits: ExitPlan,
    open_at: Option<Timestamp>,
    close_at: Option<Timestamp>,
    /// The limit of the closes sent at `close_at`.
    close_limit: Option<f64>,
    sent: bool,
    events: Vec<StrategyEvent>,
}

impl Script {
    fn new(kind: StructureKind, legs: Vec<LegSpec>, exits: ExitPlan) -> Self {
        Script {
            legs,
            kind,
            shares: 0,
            units: None,
            limit: None,
            exits,
            open_at: None,
            close_at: None,
            close_limit: None,
            sent: false,
            events: Vec::new(),
        }
    }
}

impl OptionStrategy for Script {
    fn name(&self) -> &str {
        "script"
    }

    fn on_snapshot(&mut self, ctx: &OptionContext<'_>, out: &mut Vec<OptionAction>) {
        for p in &ctx.portfolio.positions {
            let closing_time = self.close_at.is_some_and(|t| ctx.now >= t);
            let reason = if closing_time {
                Some(OptionExitReason::Strategy)
            } else {
                p.exits.check(p, ctx.now)
            };
            if let Some(reason) = reason {
                out.push(OptionAction::Close {
                    position: p.id,
                    reason,
                    limit: if closing_time { self.close_limit } else { None },
                });
            }
        }
        if !self.sent && self.open_at.is_none_or(|t| ctx.now >= t) {
            self.sent = true;
            out.push(OptionAction::Open(OrderIntent {
                strategy: "script".into(),
                kind: self.kind,
                legs: self.legs.clone(),
                shares: self.shares,
                units: self.units,
                limit: self.limit,
                exits: self.exits,
                reason: "scripted".into(),
            }));
        }
    }

    fn on_event(&mut self, event: &StrategyEvent) {
        self.events.push(event.clone());
    }
}

fn run(snaps: Vec<ChainSnapshot>, strat: Script, cfg: &ReplayConfig) -> ReplayResult {
    let mut strategies: Vec<Box<dyn OptionStrategy>> = vec![Box::new(strat)];
    replay(
        &mut VecSource::new(snaps),
        &mut strategies,
        &mut NoVolIndices,
        cfg,
        None,
        &mut |_| {},
    )
    .unwrap()
}

/// Σ trade P&L = final equity − initial cash, and every trade's attribution sums to its
/// P&L before fees.
fn check_accounting(res: &ReplayResult) {
    let sum: f64 = res.trades.iter().map(|t| t.pnl).sum();
    let change = res.totals.final_equity - res.totals.init_cash;
    assert!(
        (sum - change).abs() <= 1e-6,
        "trade log {sum} vs equity change {change}"
    );
    if let Some(last) = res.equity.last() {
        assert!((last.equity - res.totals.final_equity).abs() <= 1e-6);
    }
    for t in &res.trades {
        let before_fees = t.pnl + t.fees;
        assert!((t.attribution.total() - before_fees).abs() <= 1e-6);
    }
    let daily: f64 = res.daily.iter().map(|r| r.pnl).sum();
    assert!(
        (daily - change).abs() <= 1e-6,
        "daily rows {daily} vs {change}"
    );
}

// ------------------------------------------------------------------ (a) by hand

const EXP: &str = "2024-01-02";

/// The 4700/4710/4790/4800 SPXW 0DTE condor's chain at 10:00 (spot 4750) and 11:00
/// (spot 4752), then the 16:00 close at `settle` (no 0DTE rows: the series expired).
fn condor_day(settle: f64) -> Vec<ChainSnapshot> {
    use OptionRight::{Call, Put};
    let e = d(EXP);
    vec![
        snap(
            at(EXP, "10:00"),
            4750.0,
            "SPXW",
            e,
            &[
                (4700.0, Put, Some(0.40), Some(0.50)),
                (4710.0, Put, Some(1.90), Some(2.00)),
                (4790.0, Call, Some(1.70), Some(1.80)),
                (4800.0, Call, Some(0.30), Some(0.40)),
            ],
        ),
        snap(
            at(EXP, "11:00"),
            4752.0,
            "SPXW",
            e,
            &[
                (4700.0, Put, Some(0.10), Some(0.20)),
                (4710.0, Put, Some(0.80), Some(0.90)),
                (4790.0, Call, Some(0.70), Some(0.80)),
                (4800.0, Call, Some(0.05), Some(0.15)),
            ],
        ),
        snap(at(EXP, "16:00"), settle, "SPXW", e, &[]),
    ]
}

fn condor_legs() -> Vec<LegSpec> {
    let e = d(EXP);
    vec![
        leg("SPXW", e, 4700.0, OptionRight::Put, 1),
        leg("SPXW", e, 4710.0, OptionRight::Put, -1),
        leg("SPXW", e, 4790.0, OptionRight::Call, -1),
        leg("SPXW", e, 4800.0, OptionRight::Call, 1),
    ]
}

// Entry (natural fills, 10:00): buy 4700P at the ask 0.50, sell 4710P at the bid 1.90,
// sell 4790C at the bid 1.70, buy 4800C at the ask 0.40:
//   net = 0.50 − 1.90 − 1.70 + 0.40 = −2.70 (a 2.70 credit).
// Max loss per unit = (10 − 2.70) × 100 = 730. Charges per contract 0.65 + 0.65 + 0.04 =
// 1.34, so 4 × 1.34 = 5.36 per unit per side, 10.72 round trip.
// Sizing: floor(0.02 × 100 000 / (730 + 10.72)) = floor(2.70) = 2 units.
// Opening: cash = 100 000 + 2 × 100 × 2.70 − 2 × 5.36 = 100 529.28.
// Mark at 11:00 (mids): 0.15 − 0.85 − 0.75 + 0.10 = −1.35;
//   equity = 100 529.28 + 2 × 100 × (−1.35) = 100 259.28.
const CASH_AFTER_OPEN: f64 = 100_529.28;
const EQUITY_AT_1100: f64 = 100_259.28;
const OPEN_FEES: f64 = 10.72;

#[test]
fn hand_computed_condor_entry_mark_and_target_exit() {
    // Target exit: P&L at the 11:00 mark = −1.35 − (−2.70) = 1.35 ≥ 25 % × 2.70 = 0.675.
    // The close fills at the natural prices: sell 4700P at 0.10, buy 4710P at 0.90, buy
    // 4790C at 0.80, sell 4800C at 0.05: exit net = 0.10 − 0.90 − 0.80 + 0.05 = −1.55.
    // P&L = (−1.55 + 2.70) × 100 × 2 − (10.72 + 10.72) = 230 − 21.44 = 208.56.
    let s = Script::new(
        StructureKind::IronCondor,
        condor_legs(),
        ExitPlan::default(),
    );
    let res = run(condor_day(4750.0), s, &cfg100k());
    assert_eq!(res.trades.len(), 1);
    let t = &res.trades[0];
    assert_eq!(t.units, 2);
    assert!((t.entry_net + 2.70).abs() < 1e-12);
    assert!((t.max_loss - 1460.0).abs() < 1e-9);
    assert!((t.buying_power - 1460.0).abs() < 1e-9);
    assert!((res.equity[0].cash - CASH_AFTER_OPEN).abs() < 1e-9);
    assert_eq!(t.reason_out, OptionExitReason::ProfitTarget);
    assert_eq!(t.closed, at(EXP, "11:00"));
    assert!((t.exit_net + 1.55).abs() < 1e-12);
    assert!((t.fees - 21.44).abs() < 1e-9);
    assert!((t.pnl - 208.56).abs() < 1e-9);
    assert!((res.totals.final_equity - 100_208.56).abs() < 1e-9);
    assert_eq!(t.settlement_price, None);
    // Entry quotes are logged with the fills.
    assert_eq!(
        (t.legs[1].entry_bid, t.legs[1].entry_ask),
        (Some(1.90), Some(2.00))
    );
    assert_eq!(t.legs[1].exit_ask, Some(0.90));
    check_accounting(&res);
}

#[test]
fn hand_computed_condor_settlement_regions() {
    // Held to settlement; the 16:00 snapshot's underlying is the settlement price.
    // Settlement value per unit (points) and P&L = (value + 2.70) × 200 − 10.72 (cash
    // settlement pays no commission):
    //   all OTM, S = 4750:           0                          → +540 − 10.72 = 529.28
    //   short put breached, S = 4705: −(4710 − 4705) = −5        → −460 − 10.72 = −470.72
    //   short call breached, S = 4796: −(4796 − 4790) = −6       → −660 − 10.72 = −670.72
    //   beyond the put wing, S = 4650: (4700−4650) − (4710−4650) = −10
    //                                                            → −1460 − 10.72 = −1470.72
    //   beyond the call wing, S = 4850: −60 + 50 = −10            → −1470.72 (max loss)
    let cases = [
        (4750.0, 0.0, 529.28),
        (4705.0, -5.0, -470.72),
        (4796.0, -6.0, -670.72),
        (4650.0, -10.0, -1470.72),
        (4850.0, -10.0, -1470.72),
    ];
    for (settle, value, pnl) in cases {
        let s = Script::new(StructureKind::IronCondor, condor_legs(), ExitPlan::hold());
        let res = run(condor_day(settle), s, &cfg100k());
        assert_eq!(res.trades.len(), 1, "S = {settle}");
        let t = &res.trades[0];
        assert_eq!(t.reason_out, OptionExitReason::Settlement);
        assert_eq!(t.settlement_price, Some(settle));
        assert_eq!(t.closed, at(EXP, "16:00"));
        assert!(
            (t.exit_net - value).abs() < 1e-12,
            "S = {settle}: {}",
            t.exit_net
        );
        assert!((t.fees - OPEN_FEES).abs() < 1e-9);
        assert!((t.pnl - pnl).abs() < 1e-9, "S = {settle}: {}", t.pnl);
        // The mark at 11:00.
        assert!((res.equity[1].equity - EQUITY_AT_1100).abs() < 1e-9);
        assert!((res.totals.final_equity - (100_000.0 + pnl)).abs() < 1e-9);
        check_accounting(&res);
    }
}

#[test]
fn spx_monthly_settles_at_the_opening_print() {
    // SPX (AM) January 2024 monthly expires Friday 2024-01-19 and settles at that
    // morning's opening print: the first snapshot of the day (09:31, spot 4695).
    // Bull put spread 4690/4700 sold on 01-18 at 15:00 (spot 4720): sell 4700P at the
    // bid 3.00, buy 4690P at the ask 1.50 → net −1.50; 1 unit (fixed).
    // Settlement: 4700P = 5, 4690P = 0 → value −5; P&L = (−5 + 1.50) × 100 − 2 × 1.34 =
    // −350 − 2.68 = −352.68.
    use OptionRight::Put;
    let e = d("2024-01-19");
    let snaps = vec![
        snap(
            at("2024-01-18", "15:00"),
            4720.0,
            "SPX",
            e,
            &[
                (4690.0, Put, Some(1.40), Some(1.50)),
                (4700.0, Put, Some(3.00), Some(3.20)),
            ],
        ),
        snap(at("2024-01-19", "09:31"), 4695.0, "SPX", e, &[]),
        snap(at("2024-01-19", "12:00"), 4760.0, "SPX", e, &[]),
    ];
    let mut s = Script::new(
        StructureKind::CreditVertical,
        vec![
            leg("SPX", e, 4690.0, Put, 1),
            leg("SPX", e, 4700.0, Put, -1),
        ],
        ExitPlan::hold(),
    );
    s.units = Some(1);
    let res = run(snaps, s, &cfg100k());
    let t = &res.trades[0];
    assert_eq!(t.settlement_price, Some(4695.0));
    assert_eq!(t.closed, at("2024-01-19", "09:30"));
    assert!((t.pnl + 352.68).abs() < 1e-9, "{}", t.pnl);
    check_accounting(&res);
}

#[test]
fn equity_put_is_assigned_into_shares() {
    // A cash-secured AAPL put (physical delivery): sell the 190P at the bid 2.00 on
    // 2024-01-19 (expiry day) at 10:00, AAPL 189.50 at the close → in the money by
    // 0.50 ≥ 0.01: assigned, +100 shares at 190. Option leg: P&L = (−0.50 + 2.00) × 100
    // − 1.34 = 148.66. The stock is then valued at 189.50 and closed at the end of the
    // data (12:00 next day, AAPL 191) at the underlying price, no share commission:
    // stock P&L = (191 − 189.50) × 100 = 150. Cash: 100 000 + 200 − 1.34 − 19 000 +
    // 19 100 = 100 298.66 = 100 000 + 148.66 + 150.
    use OptionRight::Put;
    let e = d("2024-01-19");
    let aapl = |ts, spot, rows: &[(f64, OptionRight, Option<f64>, Option<f64>)]| {
        let mut s = snap(ts, spot, "AAPL", e, rows);
        s.underlying = "AAPL".into();
        s
    };
    let snaps = vec![
        aapl(
            at("2024-01-19", "10:00"),
            192.0,
            &[(190.0, Put, Some(2.00), Some(2.10))],
        ),
        aapl(at("2024-01-19", "16:00"), 189.50, &[]),
        aapl(at("2024-01-22", "12:00"), 191.0, &[]),
    ];
    let mut s = Script::new(
        StructureKind::CashSecuredPut,
        vec![leg("AAPL", e, 190.0, Put, -1)],
        ExitPlan::hold(),
    );
    s.units = Some(1);
    let mut strategies: Vec<Box<dyn OptionStrategy>> = vec![Box::new(s)];
    let res = replay(
        &mut VecSource::new(snaps),
        &mut strategies,
        &mut NoVolIndices,
        &cfg100k(),
        None,
        &mut |_| {},
    )
    .unwrap();
    assert_eq!(res.trades.len(), 2);
    let opt = &res.trades[0];
    assert_eq!(opt.reason_out, OptionExitReason::Assignment);
    assert!((opt.pnl - 148.66).abs() < 1e-9, "{}", opt.pnl);
    let stock = &res.trades[1];
    assert_eq!(stock.kind, StructureKind::Stock);
    assert_eq!(stock.shares, 100);
    assert_eq!(stock.reason_out, OptionExitReason::EndOfData);
    assert!((stock.pnl - 150.0).abs() < 1e-9, "{}", stock.pnl);
    assert!((res.totals.final_equity - 100_298.66).abs() < 1e-9);
    assert!(res.notes.iter().any(|n| n.contains("end of the data")));
    check_accounting(&res);
}

// ------------------------------------------------------------------ (b) invariants

fn arb_quote() -> impl Strategy<Value = (Option<f64>, Option<f64>)> {
    (0u32..400, 0u32..60, 0u8..10).prop_map(|(b, w, missing)| {
        let bid = f64::from(b) * 0.05;
        let ask = bid + f64::from(w) * 0.05;
        match missing {
            0 => (None, Some(ask)),
            1 => (Some(bid), None),
            _ => (Some(bid), Some(ask)),
        }
    })
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 64, ..ProptestConfig::default() })]

    #[test]
    fn fills_are_within_the_quote_fees_charged_and_the_log_sums(
        q0 in proptest::collection::vec(arb_quote(), 6),
        q1 in proptest::collection::vec(arb_quote(), 6),
        ratios in proptest::collection::vec(-2i32..=2, 6),
        mid_fill in proptest::option::of(0.0f64..=0.5),
        s1 in 4700.0f64..4800.0,
    ) {
        let e = d(EXP);
        let strikes = [4730.0, 4740.0, 4750.0, 4760.0, 4770.0, 4780.0];
        let rights = [OptionRight::Put, OptionRight::Put, OptionRight::Call,
                      OptionRight::Put, OptionRight::Call, OptionRight::Call];
        let rows = |q: &[(Option<f64>, Option<f64>)]| -> Vec<_> {
            (0..6).map(|i| (strikes[i], rights[i], q[i].0, q[i].1)).collect()
        };
        let legs: Vec<LegSpec> = (0..6)
            .filter(|&i| ratios[i] != 0)
            .map(|i| leg("SPXW", e, strikes[i], rights[i], ratios[i]))
            .collect();
        prop_assume!(!legs.is_empty());
        let snaps = vec![
            snap(at(EXP, "10:00"), 4750.0, "SPXW", e, &rows(&q0)),
            snap(at(EXP, "12:00"), s1, "SPXW", e, &rows(&q1)),
            snap(at(EXP, "16:00"), s1, "SPXW", e, &[]),
        ];
        let mut s = Script::new(StructureKind::Flyagonal, legs, ExitPlan::hold());
        s.units = Some(1);
        s.close_at = Some(at(EXP, "12:00"));
        let cfg = ReplayConfig {
            fill: mid_fill.map_or(FillModel::Natural, |f| FillModel::Mid { spread_fraction: f }),
            init_cash: 10_000_000.0,
            ..ReplayConfig::default()
        };
        let res = run(snaps, s, &cfg);
        for t in &res.trades {
            prop_assert!(t.fees > 0.0);
            for l in &t.legs {
                let bought = l.spec.ratio > 0;
                prop_assert!(l.entry_bid.is_none_or(|b| b <= l.entry_price));
                prop_assert!(l.entry_ask.is_none_or(|a| l.entry_price <= a));
                prop_assert!(l.entry_price > 0.0);
                if cfg.fill == FillModel::Natural {
                    let side = if bought { l.entry_ask } else { l.entry_bid };
                    prop_assert_eq!(Some(l.entry_price), side);
                } else {
                    let (b, a) = (l.entry_bid.unwrap(), l.entry_ask.unwrap());
                    let mid = 0.5 * (b + a);
                    // Never better than the mid on the side taken.
                    let ok = if bought { l.entry_price >= mid - 1e-12 } else { l.entry_price <= mid + 1e-12 };
                    prop_assert!(ok);
                }
                if let (Some(b), Some(a)) = (l.exit_bid, l.exit_ask) {
                    prop_assert!(b <= l.exit_price && l.exit_price <= a);
                }
            }
        }
        for n in &res.not_filled {
            prop_assert!(n.reason != NotFilledReason::Invalid, "{:?}", n);
        }
        let sum: f64 = res.trades.iter().map(|t| t.pnl).sum();
        prop_assert!((sum - (res.totals.final_equity - res.totals.init_cash)).abs() <= 1e-6);
        for t in &res.trades {
            prop_assert!((t.attribution.total() - (t.pnl + t.fees)).abs() <= 1e-6);
        }
    }
}

#[test]
fn zero_bid_is_not_sold_into_and_limits_must_be_marketable() {
    use OptionRight::Put;
    let e = d(EXP);
    let snaps = vec![snap(
        at(EXP, "10:00"),
        4750.0,
        "SPXW",
        e,
        &[
            (4700.0, Put, Some(0.0), Some(0.05)),
            (4710.0, Put, Some(1.90), Some(2.00)),
        ],
    )];
    // Selling the 4700P into a zero bid: no fill.
    let s = Script::new(
        StructureKind::ShortOption,
        vec![leg("SPXW", e, 4700.0, Put, -1)],
        ExitPlan::hold(),
    );
    let res = run(snaps.clone(), s, &cfg100k());
    assert_eq!(res.not_filled[0].reason, NotFilledReason::ZeroQuote);
    // A credit spread asking for 2.00 when the natural credit is 1.90 − 0.05 = 1.85.
    let mut s = Script::new(
        StructureKind::CreditVertical,
        vec![
            leg("SPXW", e, 4700.0, Put, 1),
            leg("SPXW", e, 4710.0, Put, -1),
        ],
        ExitPlan::hold(),
    );
    s.limit = Some(-2.00);
    let res = run(snaps.clone(), s, &cfg100k());
    assert_eq!(res.not_filled[0].reason, NotFilledReason::NotMarketable);
    assert!(res.trades.is_empty());
    // Risk per trade too small for one unit: 0.0001 × 100 000 = 10 < 815 + 5.36.
    let s = Script::new(
        StructureKind::CreditVertical,
        vec![
            leg("SPXW", e, 4700.0, Put, 1),
            leg("SPXW", e, 4710.0, Put, -1),
        ],
        ExitPlan::hold(),
    );
    let cfg = ReplayConfig {
        risk_per_trade: 0.0001,
        ..cfg100k()
    };
    let res = run(snaps, s, &cfg);
    assert_eq!(res.not_filled[0].reason, NotFilledReason::ZeroSize);
}

#[test]
fn time_going_backwards_is_an_error_naming_both_times() {
    let e = d(EXP);
    let snaps = vec![
        snap(at(EXP, "11:00"), 4750.0, "SPXW", e, &[]),
        snap(at(EXP, "10:00"), 4750.0, "SPXW", e, &[]),
    ];
    let mut strategies: Vec<Box<dyn OptionStrategy>> = Vec::new();
    let err = replay(
        &mut VecSource::new(snaps),
        &mut strategies,
        &mut NoVolIndices,
        &cfg100k(),
        None,
        &mut |_| {},
    )
    .unwrap_err()
    .to_string();
    assert!(
        err.contains("2024-01-02T15:00:00Z") && err.contains("2024-01-02T16:00:00Z"),
        "{err}"
    );
}

// ------------------------------------------------------------------ (c) look-ahead

fn synth_snapshots() -> Vec<ChainSnapshot> {
    use thetalab_data::synth::{SynthConfig, SyntheticMarket};
    let m = SyntheticMarket::new(SynthConfig {
        sessions: 2,
        chain_every_minutes: 10,
        ..SynthConfig::default()
    })
    .unwrap();
    let mut out = Vec::new();
    for day in 0..m.len() {
        rows_to_snapshots(&m.chain_day(day).unwrap(), &mut Vec::new(), &mut out).unwrap();
    }
    out
}

/// The default condor with its limit at the natural price (the default limit, the
/// net mid, never fills under the engine's default natural fills).
fn natural_condor() -> IronCondor0Dte {
    let mut cfg = IronCondorConfig::default();
    cfg.order.limit_fraction = Some(1.0);
    IronCondor0Dte::new(cfg).unwrap()
}

fn condor_run(snaps: Vec<ChainSnapshot>) -> ReplayResult {
    let mut strategies: Vec<Box<dyn OptionStrategy>> = vec![Box::new(natural_condor())];
    let cfg = ReplayConfig {
        fees: Fees::default(),
        ..ReplayConfig::default()
    };
    replay(
        &mut VecSource::new(snaps),
        &mut strategies,
        &mut NoVolIndices,
        &cfg,
        None,
        &mut |_| {},
    )
    .unwrap()
}

#[test]
fn no_look_ahead_decisions_up_to_t_ignore_what_comes_after() {
    let base_snaps = synth_snapshots();
    let base = condor_run(base_snaps.clone());
    assert!(
        !base.trades.is_empty(),
        "the condor traded on the synthetic days: {:?}",
        &base.not_filled[..base.not_filled.len().min(3)]
    );
    check_accounting(&base);
    let first = base_snaps[0].ts.ny_date();
    let cuts = [
        at(&first.to_string(), "10:30"),
        at(&first.to_string(), "13:10"),
        base_snaps[base_snaps.len() * 3 / 4].ts,
    ];
    for t in cuts {
        let mut snaps = base_snaps.clone();
        for s in snaps.iter_mut().filter(|s| s.ts > t) {
            s.underlying_price = s.underlying_price.map(|p| p * 1.01 + 3.0);
            for b in s.bid.iter_mut().chain(s.ask.iter_mut()) {
                *b = b.map(|x| x * 1.37 + 0.05);
            }
            for v in &mut s.iv {
                *v = v.map(|x| x * 1.2);
            }
        }
        let pert = condor_run(snaps);
        let upto = |ts: Timestamp| ts <= t;
        let closed = |r: &ReplayResult| -> Vec<_> {
            r.trades
                .iter()
                .filter(|x| upto(x.closed))
                .cloned()
                .collect()
        };
        assert_eq!(closed(&base), closed(&pert), "closed trades up to {t}");
        let entries = |r: &ReplayResult| -> Vec<_> {
            r.trades
                .iter()
                .filter(|x| upto(x.opened))
                .map(|x| {
                    (
                        x.id,
                        x.opened,
                        x.entry_net,
                        x.units,
                        x.reason_in.clone(),
                        x.fees.min(f64::MAX),
                    )
                })
                .map(|(id, o, e, u, r, _)| (id, o, e, u, r))
                .collect()
        };
        let mut eb = entries(&base);
        let mut ep = entries(&pert);
        eb.sort_by_key(|x| x.0);
        ep.sort_by_key(|x| x.0);
        assert_eq!(eb, ep, "entries up to {t}");
        let dec = |r: &ReplayResult| -> Vec<_> {
            r.decisions.iter().filter(|x| upto(x.ts)).cloned().collect()
        };
        assert_eq!(dec(&base), dec(&pert));
        let nf = |r: &ReplayResult| -> Vec<_> {
            r.not_filled
                .iter()
                .filter(|x| upto(x.ts))
                .cloned()
                .collect()
        };
        assert_eq!(nf(&base), nf(&pert));
        let eq = |r: &ReplayResult| -> Vec<_> {
            r.equity.iter().filter(|x| upto(x.ts)).copied().collect()
        };
        assert_eq!(eq(&base), eq(&pert));
        // The perturbation does change what comes after.
        assert_ne!(base.equity, pert.equity);
    }
}

// ------------------------------------------------------------------ (d) real data

/// Lean's SPX/SPXW minute quote bars of one date as snapshots: each bar's close
/// (bid_close/ask_close) stamped at the bar's end (start + 1 min), with the SPX index
/// bar of the same minute's close as the underlying price; at the 16:00 close the
/// official closing print, which Lean puts in the index bar stamped 16:00.
fn lean_day(date: &str) -> Option<Vec<ChainSnapshot>> {
    let dir = format!("{DATA}/lean-quantconnect");
    let open = |f: &str| -> Option<std::io::BufReader<flate2::read::GzDecoder<std::fs::File>>> {
        let file = std::fs::File::open(format!("{dir}/{f}")).ok()?;
        Some(std::io::BufReader::new(flate2::read::GzDecoder::new(file)))
    };
    let (Some(idx), Some(opts)) = (
        open("index_minute.csv.gz"),
        open("spx_index_options_minute_quotes.csv.gz"),
    ) else {
        eprintln!("skipping: Lean samples not found under {dir}");
        return None;
    };
    let mut index = std::collections::BTreeMap::new();
    for line in idx.lines().skip(1) {
        let line = line.unwrap();
        let f: Vec<&str> = line.split(',').collect();
        if f[0] == date {
            index.insert(f[1].to_string(), f[6].parse::<f64>().unwrap());
        }
    }
    let close_print = index.get("16:00:00").copied();
    type Row = (
        Timestamp,
        String,
        NaiveDate,
        f64,
        OptionRight,
        Option<f64>,
        Option<f64>,
    );
    let mut rows: Vec<Row> = Vec::new();
    for line in opts.lines().skip(1) {
        let line = line.unwrap();
        let f: Vec<&str> = line.split(',').collect();
        if f[0] != date {
            continue;
        }
        let start = Timestamp::from_ny_hms(d(date), f[1]).unwrap();
        let ts = start.checked_add_nanos(60_000_000_000).unwrap();
        let right = if f[5] == "call" {
            OptionRight::Call
        } else {
            OptionRight::Put
        };
        rows.push((
            ts,
            f[3].to_string(),
            d(f[7]),
            f[6].parse().unwrap(),
            right,
            f[11].parse().ok(),
            f[16].parse().ok(),
        ));
    }
    rows.sort_by(|a, b| {
        (a.0, a.2, a.3, a.4 == OptionRight::Put, &a.1)
            .partial_cmp(&(b.0, b.2, b.3, b.4 == OptionRight::Put, &b.1))
            .unwrap()
    });
    let mut out: Vec<ChainSnapshot> = Vec::new();
    for (ts, root, expiry, strike, right, bid, ask) in rows {
        let start_key = ts
            .checked_add_nanos(-60_000_000_000)
            .unwrap()
            .ny_time()
            .format("%H:%M:%S")
            .to_string();
        let spot = if ts.ny_time() == NaiveTime::from_hms_opt(16, 0, 0).unwrap() {
            close_print.or_else(|| index.get(&start_key).copied())
        } else {
            index.get(&start_key).copied()
        };
        if out.last().is_none_or(|s| s.ts != ts) {
            out.push(ChainSnapshot {
                ts,
                underlying: "SPX".into(),
                underlying_price: spot,
                ..ChainSnapshot::default()
            });
        }
        let s = out.last_mut().unwrap();
        s.push(
            OptionRoot::new(&root).unwrap(),
            &OptionQuote {
                ts,
                underlying_price: spot,
                expiry,
                strike,
                right,
                bid,
                ask,
                bid_size: None,
                ask_size: None,
                last: None,
                volume: 0,
                open_interest: None,
                iv: None,
                delta: None,
                gamma: None,
                vega: None,
                theta: None,
            },
        );
    }
    Some(out)
}

#[test]
fn lean_spxw_0dte_put_vertical_and_straddle_settle_at_the_spx_close() {
    let Some(snaps) = lean_day("2021-01-04") else {
        return;
    };
    let e = d("2021-01-04");
    // From the CSV, bar 09:59 (closes at 10:00): 3800P bid/ask 49.3/53.3, 3700P
    // 0.85/0.95, 3700C 47.6/51.7. SPX closed at 3700.65 (S&P's official close on
    // 2021-01-04; Lean's index bar stamped 16:00).
    // Debit put vertical, buy 3800P at 53.3, sell 3700P at 0.85: net 52.45 debit.
    // Settlement: 3800P = 99.35, 3700P = 0 → P&L = (99.35 − 52.45) × 100 − 2 × 1.34
    // = 4690 − 2.68 = 4687.32.
    let mut s = Script::new(
        StructureKind::DebitVertical,
        vec![
            leg("SPXW", e, 3700.0, OptionRight::Put, -1),
            leg("SPXW", e, 3800.0, OptionRight::Put, 1),
        ],
        ExitPlan::hold(),
    );
    s.units = Some(1);
    s.open_at = Some(at("2021-01-04", "10:00"));
    let res = run(snaps.clone(), s, &cfg100k());
    let t = &res.trades[0];
    assert_eq!(t.opened, at("2021-01-04", "10:00"));
    assert!((t.entry_net - 52.45).abs() < 1e-9, "{}", t.entry_net);
    assert_eq!(t.settlement_price, Some(3700.65));
    assert!((t.pnl - 4687.32).abs() < 1e-6, "{}", t.pnl);
    check_accounting(&res);
    // Long 3700 straddle: 51.7 + 0.95 = 52.65 debit; settles at 0.65 →
    // (0.65 − 52.65) × 100 − 2.68 = −5202.68.
    let mut s = Script::new(
        StructureKind::LongStraddle,
        vec![
            leg("SPXW", e, 3700.0, OptionRight::Call, 1),
            leg("SPXW", e, 3700.0, OptionRight::Put, 1),
        ],
        ExitPlan::hold(),
    );
    s.units = Some(1);
    s.open_at = Some(at("2021-01-04", "10:00"));
    let res = run(snaps, s, &cfg100k());
    let t = &res.trades[0];
    assert!((t.pnl + 5202.68).abs() < 1e-6, "{}", t.pnl);
    assert_eq!(t.reason_out, OptionExitReason::Settlement);
    check_accounting(&res);
}

#[test]
fn cboe_spx_snapshot_runs_the_condor() {
    use thetalab_data::ingest::cboe::{CboeOptions, read};
    let path = std::path::PathBuf::from(format!(
        "{DATA}/cboe-chain-snapshots/spx_2022-07-12_1155.csv.gz"
    ));
    if !path.exists() {
        eprintln!("skipping: {} not found", path.display());
        return;
    }
    let parsed = read(&path, &CboeOptions::default()).unwrap();
    let cs = parsed.data;
    // SPX and SPXW rows of the one snapshot, in chain order.
    let mut rows: Vec<(OptionRoot, OptionQuote)> = Vec::new();
    for c in &cs.chains {
        let root = OptionRoot::new(c.root.as_deref().unwrap_or(&c.underlying)).unwrap();
        rows.extend(c.rows.iter().map(|q| (root, *q)));
    }
    rows.sort_by(|a, b| {
        (a.1.expiry, a.1.strike, a.1.right == OptionRight::Put, a.0)
            .partial_cmp(&(b.1.expiry, b.1.strike, b.1.right == OptionRight::Put, b.0))
            .unwrap()
    });
    let mut snap = ChainSnapshot {
        ts: cs.ts,
        underlying: "SPX".into(),
        ..ChainSnapshot::default()
    };
    for (root, q) in &rows {
        snap.push(*root, q);
    }
    assert!(snap.len() > 1000);
    let windows = vec![cs.ts.ny_time()];
    let mut cfg_condor = IronCondorConfig {
        windows,
        ..IronCondorConfig::default()
    };
    cfg_condor.order.limit_fraction = Some(1.0);
    let mut strategies: Vec<Box<dyn OptionStrategy>> =
        vec![Box::new(IronCondor0Dte::new(cfg_condor).unwrap())];
    let cfg = ReplayConfig::default();
    let res = replay(
        &mut VecSource::new(vec![snap.clone()]),
        &mut strategies,
        &mut NoVolIndices,
        &cfg,
        None,
        &mut |_| {},
    )
    .unwrap();
    assert_eq!(res.snapshots_processed, 1);
    assert_eq!(res.quotes_processed, snap.len() as u64);
    check_accounting(&res);
    // One snapshot: a condor opened at the natural prices is closed at the end of the
    // data at its mids; recompute both from the raw quotes.
    if let Some(t) = res.trades.first() {
        assert_eq!(t.reason_out, OptionExitReason::EndOfData);
        let quote = |l: &LegSpec| {
            let i = snap.find(l.root, l.expiry, l.strike, l.right).unwrap();
            (snap.bid[i].unwrap(), snap.ask[i].unwrap())
        };
        let mut entry = 0.0;
        let mut mid = 0.0;
        for l in &t.legs {
            let (b, a) = quote(&l.spec);
            entry += f64::from(l.spec.ratio) * if l.spec.ratio > 0 { a } else { b };
            mid += f64::from(l.spec.ratio) * 0.5 * (b + a);
        }
        assert!((t.entry_net - entry).abs() < 1e-9);
        let units = f64::from(t.units);
        let fees = 2.0 * 4.0 * 1.34 * units;
        assert!((t.fees - fees).abs() < 1e-9);
        assert!((t.pnl - ((mid - entry) * 100.0 * units - fees)).abs() < 1e-6);
    } else {
        eprintln!(
            "the condor found no acceptable strikes on the Cboe snapshot: {:?}",
            res.not_filled
        );
    }
}

#[test]
fn synth_source_replays_like_the_vec_source() {
    use thetalab_data::synth::{SynthConfig, SyntheticMarket};
    let m = SyntheticMarket::new(SynthConfig {
        sessions: 2,
        chain_every_minutes: 10,
        ..SynthConfig::default()
    })
    .unwrap();
    let mut strategies: Vec<Box<dyn OptionStrategy>> = vec![Box::new(natural_condor())];
    let res = replay(
        &mut SynthSource::new(&m, 2, 1).unwrap(),
        &mut strategies,
        &mut NoVolIndices,
        &ReplayConfig::default(),
        None,
        &mut |_| {},
    )
    .unwrap();
    let base = condor_run(synth_snapshots());
    assert_eq!(res.trades, base.trades);
    assert_eq!(res.quotes_processed, m.quotes_total().unwrap() as u64);
}

#[test]
fn deep_itm_short_call_is_assigned_before_the_ex_dividend_date() {
    // A covered call on AAPL: buy 100 shares at 194 and sell the Feb-16 180 call at the
    // bid 14.00 on 2024-02-07 (net 194 − 14 = 180 points per unit). AAPL goes ex a 0.24
    // dividend on Friday 2024-02-09. On Thursday 02-08 (the session before) the call is
    // 15.00/15.10 with AAPL at 195: intrinsic 15, extrinsic 15.05 − 15 = 0.05 < 0.24, so
    // the holder exercises and the short call is assigned: the shares are delivered at
    // 180. Exit value: −15 (call) + 195 (stock) = 180 points → P&L = (180 − 180) × 100 −
    // 1.34 (one contract's charges at entry; no assignment fee by default) = −1.34.
    use thetalab_backtest::options::ExDividend;
    let e = d("2024-02-16");
    let aapl = |ts, spot, bid, ask| {
        let mut s = snap(
            ts,
            spot,
            "AAPL",
            e,
            &[(180.0, OptionRight::Call, Some(bid), Some(ask))],
        );
        s.underlying = "AAPL".into();
        s
    };
    let snaps = vec![
        aapl(at("2024-02-07", "10:00"), 194.0, 14.00, 14.20),
        aapl(at("2024-02-08", "10:00"), 195.0, 15.00, 15.10),
    ];
    let mut s = Script::new(
        StructureKind::CoveredCall,
        vec![leg("AAPL", e, 180.0, OptionRight::Call, -1)],
        ExitPlan::hold(),
    );
    s.shares = 100;
    s.units = Some(1);
    let cfg = ReplayConfig {
        ex_dividends: vec![ExDividend {
            root: "AAPL".into(),
            ex_date: d("2024-02-09"),
            amount: 0.24,
        }],
        ..cfg100k()
    };
    let res = run(snaps, s, &cfg);
    assert_eq!(res.trades.len(), 1);
    let t = &res.trades[0];
    assert_eq!(t.reason_out, OptionExitReason::Assignment);
    assert_eq!(t.closed, at("2024-02-08", "10:00"));
    assert!((t.entry_net - 180.0).abs() < 1e-9);
    assert!((t.exit_net - 180.0).abs() < 1e-9, "{}", t.exit_net);
    assert!((t.pnl + 1.34).abs() < 1e-9, "{}", t.pnl);
    assert!(res.notes.iter().any(|n| n.contains("assigned early")));
    check_accounting(&res);
}

// ------------------------------------------------------------------ risk policy wiring

/// Hands every decision to a [`PreTradeCheck`] and writes down each closed trade's P&L
/// it is told about.
struct Heard {
    inner: thetalab_risk::limits::PreTradeCheck<thetalab_core::SimulatedClock>,
    pnls: std::sync::Arc<std::sync::Mutex<Vec<f64>>>,
}

impl thetalab_risk::limits::RiskPolicy for Heard {
    fn check(
        &mut self,
        order: &thetalab_risk::limits::Order,
        book: &thetalab_risk::limits::BookState,
    ) -> thetalab_risk::limits::Decision {
        self.inner.check(order, book)
    }

    fn record_trade(&mut self, pnl: f64) {
        self.pnls.lock().unwrap().push(pnl);
        thetalab_risk::limits::RiskPolicy::record_trade(&mut self.inner, pnl);
    }
}

fn heard_run(snaps: Vec<ChainSnapshot>, max_losses: Option<u32>) -> (ReplayResult, Vec<f64>) {
    let cfg = ReplayConfig::default();
    let limits = thetalab_risk::limits::LimitsConfig {
        max_consecutive_losses: max_losses,
        ..cfg.limits()
    };
    let pnls = std::sync::Arc::new(std::sync::Mutex::new(Vec::new()));
    let policy = Heard {
        inner: thetalab_risk::limits::PreTradeCheck::new(
            limits,
            thetalab_core::SimulatedClock::new(Timestamp::UNIX_EPOCH),
        )
        .unwrap(),
        pnls: std::sync::Arc::clone(&pnls),
    };
    let mut strategies: Vec<Box<dyn OptionStrategy>> = vec![Box::new(natural_condor())];
    let res = replay(
        &mut VecSource::new(snaps),
        &mut strategies,
        &mut NoVolIndices,
        &cfg,
        Some(Box::new(policy)),
        &mut |_| {},
    )
    .unwrap();
    let heard = pnls.lock().unwrap().clone();
    (res, heard)
}

#[test]
fn closed_trades_reach_the_policy_and_a_losing_streak_halts_new_entries() {
    use thetalab_data::synth::{SynthConfig, SyntheticMarket};
    let m = SyntheticMarket::new(SynthConfig {
        sessions: 6,
        chain_every_minutes: 10,
        ..SynthConfig::default()
    })
    .unwrap();
    let mut snaps = Vec::new();
    for day in 0..m.len() {
        rows_to_snapshots(&m.chain_day(day).unwrap(), &mut Vec::new(), &mut snaps).unwrap();
    }

    // Every closed trade's P&L (fees included) reaches the policy exactly once.
    let (free, heard) = heard_run(snaps.clone(), None);
    let mut want: Vec<f64> = free.trades.iter().map(|t| t.pnl).collect();
    let mut got = heard;
    want.sort_by(f64::total_cmp);
    got.sort_by(f64::total_cmp);
    assert_eq!(got, want, "P&L told to the policy vs the trade log");
    let first_loss = free
        .trades
        .iter()
        .filter(|t| t.pnl < 0.0)
        .map(|t| t.closed)
        .min()
        .expect("the condor lost at least one trade on six synthetic sessions");

    // With a streak of one loss allowed, nothing opens after the first losing close,
    // and the refusals name the circuit breaker: through a caller's policy, and through
    // the default one configured by `max_consecutive_losses`.
    let (halted, _) = heard_run(snaps.clone(), Some(1));
    let mut strategies: Vec<Box<dyn OptionStrategy>> = vec![Box::new(natural_condor())];
    let by_config = replay(
        &mut VecSource::new(snaps),
        &mut strategies,
        &mut NoVolIndices,
        &ReplayConfig {
            max_consecutive_losses: Some(1),
            ..ReplayConfig::default()
        },
        None,
        &mut |_| {},
    )
    .unwrap();
    assert_eq!(by_config.trades.len(), halted.trades.len());
    assert!(halted.trades.len() < free.trades.len());
    assert!(
        halted.trades.iter().all(|t| t.opened <= first_loss),
        "a trade opened after the breaker tripped at {first_loss:?}"
    );
    assert!(
        halted
            .decisions
            .iter()
            .any(|d| d.decision == "rejected" && d.limit.as_deref() == Some("circuit breaker")),
        "no circuit-breaker refusal among {} decisions",
        halted.decisions.len()
    );
}

// ------------------------------------------------------------------ review additions

/// One quote row: expiry, strike, right, bid, ask.
type Row = (NaiveDate, f64, OptionRight, Option<f64>, Option<f64>);

/// A snapshot of `underlying` (option root = the underlying) with `rows` in chain order
/// (expiry, strike).
fn snap_multi(ts: Timestamp, spot: f64, underlying: &str, rows: &[Row]) -> ChainSnapshot {
    chain_snap(ts, spot, underlying, underlying, rows.iter().copied())
}

#[test]
fn shares_assigned_on_a_front_leg_move_with_the_underlying_until_the_position_closes() {
    // An AAPL 190 call calendar, 1 unit, opened on 2024-01-19 (front expiry) at 10:00,
    // AAPL 192: sell the Jan-19 190C at the bid 2.40, buy the Feb-16 190C at the ask 5.20
    // (net debit 2.80). At the 16:00 close AAPL is 195: the front call is 5 in the money
    // and assigned, so the account is short 100 shares at 195 (delivery at the strike:
    // the leg closes at its intrinsic 5). On Monday 01-22 at 10:00 AAPL is 190 and the
    // strategy closes the calendar: it sells the Feb call at the bid 4.00. The 100 short
    // shares have gained (195 − 190) × 100 = 500 while the calendar was open.
    // Calendar P&L per leg: short front 2.40 − 5.00 = −2.60, long back 4.00 − 5.20 =
    // −1.20 → −3.80 × 100 + 500 (the shares) − fees (2 × 1.34 at entry + 1.34 for the
    // one contract closed, no assignment fee) = 115.98.
    // The shares then sit in a short stock position opened at 190 and closed at the end
    // of the data at 190 (P&L 0). Before the fix the shares were only booked when the
    // calendar closed, at 190, and the calendar showed −384.02: the 500 was lost.
    use OptionRight::Call;
    let (front, back) = (d("2024-01-19"), d("2024-02-16"));
    let snaps = vec![
        snap_multi(
            at("2024-01-19", "10:00"),
            192.0,
            "AAPL",
            &[
                (front, 190.0, Call, Some(2.40), Some(2.50)),
                (back, 190.0, Call, Some(5.00), Some(5.20)),
            ],
        ),
        snap_multi(
            at("2024-01-19", "16:00"),
            195.0,
            "AAPL",
            &[(back, 190.0, Call, Some(7.00), Some(7.20))],
        ),
        snap_multi(
            at("2024-01-22", "10:00"),
            190.0,
            "AAPL",
            &[(back, 190.0, Call, Some(4.00), Some(4.20))],
        ),
    ];
    let mut s = Script::new(
        StructureKind::Calendar,
        vec![
            leg("AAPL", front, 190.0, Call, -1),
            leg("AAPL", back, 190.0, Call, 1),
        ],
        ExitPlan::hold(),
    );
    s.units = Some(1);
    s.close_at = Some(at("2024-01-22", "10:00"));
    let res = run(snaps, s, &cfg100k());
    assert_eq!(res.trades.len(), 2, "{:?}", res.trades);
    let cal = &res.trades[0];
    assert_eq!(cal.kind, StructureKind::Calendar);
    assert_eq!(cal.reason_out, OptionExitReason::Strategy);
    assert!((cal.entry_net - 2.80).abs() < 1e-12, "{}", cal.entry_net);
    // Exit: −5 (front, settled) + 4 (back) + (−100 × 190 + 100 × 195) / 100 = 4.
    assert!((cal.exit_net - 4.0).abs() < 1e-9, "{}", cal.exit_net);
    assert!((cal.fees - 4.02).abs() < 1e-9);
    assert!((cal.pnl - 115.98).abs() < 1e-9, "{}", cal.pnl);
    // The equity at 16:00 (after settlement): cash 100 000 − 280 − 2.68 − 500 + 19 500,
    // the back call at its mid 7.10, the short shares at 195 → 99 927.32; on Monday
    // before the close the shares are worth −19 000 and the call 4.10: 100 127.32, and
    // after closing at the bid (−0.10 × 100 − 1.34) 100 115.98.
    assert!((res.equity[1].equity - 99_927.32).abs() < 1e-9);
    assert!((res.equity[2].equity - 100_115.98).abs() < 1e-9);
    let stock = &res.trades[1];
    assert_eq!(stock.kind, StructureKind::Stock);
    assert_eq!(stock.shares, -100);
    assert_eq!(stock.share_entry_price, Some(190.0));
    assert!(stock.pnl.abs() < 1e-9);
    assert!((res.totals.final_equity - 100_115.98).abs() < 1e-9);
    check_accounting(&res);
}

#[test]
fn max_drawdown_starts_from_the_initial_cash() {
    // The condor held to a 4750 settlement: equity 100 000 before the first snapshot,
    // then 99 949.28 at 10:00 (cash 100 529.28 and the condor at its mids 0.45 − 1.95 −
    // 1.75 + 0.35 = −2.90 × 200), 100 259.28 at 11:00 and 100 529.28 settled. Drawdowns
    // from the running peak including the starting equity (empyrical's anchor, the
    // definition of `thetalab_backtest::metrics::drawdown`): (100 000 − 99 949.28) /
    // 100 000 = 0.0005072. Before the fix the peak started at the first snapshot's
    // equity, which hid the entry's cost: 0.
    let s = Script::new(StructureKind::IronCondor, condor_legs(), ExitPlan::hold());
    let res = run(condor_day(4750.0), s, &cfg100k());
    assert!((res.equity[0].equity - 99_949.28).abs() < 1e-9);
    assert!(
        (res.totals.max_drawdown - 50.72 / 100_000.0).abs() < 1e-12,
        "{}",
        res.totals.max_drawdown
    );
}

#[test]
fn non_finite_limits_and_strikes_are_refused_by_name() {
    use OptionRight::Put;
    let e = d(EXP);
    let rows = [
        (4700.0, Put, Some(0.40), Some(0.50)),
        (4710.0, Put, Some(1.90), Some(2.00)),
    ];
    let snaps = vec![
        snap(at(EXP, "10:00"), 4750.0, "SPXW", e, &rows),
        snap(at(EXP, "11:00"), 4750.0, "SPXW", e, &rows),
    ];
    let spread = || {
        vec![
            leg("SPXW", e, 4700.0, Put, 1),
            leg("SPXW", e, 4710.0, Put, -1),
        ]
    };
    // A NaN limit used to compare false against the net price and fill as if there
    // were no limit at all.
    let mut s = Script::new(StructureKind::CreditVertical, spread(), ExitPlan::hold());
    s.limit = Some(f64::NAN);
    let res = run(snaps.clone(), s, &cfg100k());
    assert!(res.trades.is_empty());
    assert_eq!(res.not_filled.len(), 1);
    assert_eq!(res.not_filled[0].reason, NotFilledReason::Invalid);
    assert!(
        res.not_filled[0].detail.contains("limit NaN"),
        "{:?}",
        res.not_filled
    );
    // The same for a close: the position stays open (and ends at the end of the data).
    let mut s = Script::new(StructureKind::CreditVertical, spread(), ExitPlan::hold());
    s.units = Some(1);
    s.close_at = Some(at(EXP, "11:00"));
    s.close_limit = Some(f64::NAN);
    let res = run(snaps.clone(), s, &cfg100k());
    assert_eq!(res.not_filled.len(), 1);
    assert_eq!(res.not_filled[0].reason, NotFilledReason::Invalid);
    assert_eq!(res.not_filled[0].position, Some(1));
    assert_eq!(res.trades.len(), 1);
    assert_eq!(res.trades[0].reason_out, OptionExitReason::EndOfData);
    check_accounting(&res);
    // An infinite strike.
    let s = Script::new(
        StructureKind::ShortOption,
        vec![leg("SPXW", e, f64::INFINITY, Put, -1)],
        ExitPlan::hold(),
    );
    let res = run(snaps.clone(), s, &cfg100k());
    assert_eq!(res.not_filled[0].reason, NotFilledReason::Invalid);
    assert!(
        res.not_filled[0].detail.contains("inf"),
        "{:?}",
        res.not_filled
    );
    // An absurd ratio (i32::MIN) used to overflow a negation in the margin (a panic in
    // debug builds): now it is simply more buying power than the account has.
    let mut s = Script::new(
        StructureKind::ShortOption,
        vec![leg("SPXW", e, 4710.0, Put, i32::MIN)],
        ExitPlan::hold(),
    );
    s.units = Some(1);
    let res = run(snaps, s, &cfg100k());
    assert!(res.trades.is_empty());
    assert_eq!(res.not_filled[0].reason, NotFilledReason::BuyingPower);
}

#[test]
fn attribution_matches_exact_bsm_repricing_to_second_order() {
    // A 1-unit long SPXW 4750 call expiring 2024-02-01 (about a month), quoted at its BSM
    // value ± 0.05 with a vendor implied vol, filled at the mid (spread fraction 0), so
    // that the trade's P&L before fees is exactly the BSM repricing
    // V(S₁, T − Δt, σ₁) − V(S₀, T, σ₀). Hull (10th ed., §19.8/§19.10): the Taylor sum
    // Δ·ΔS + ½Γ·ΔS² + Θ·Δt + ν·Δσ at the first snapshot's Greeks explains it up to third
    // order terms, so the residual is a small fraction of the P&L; and each part is the
    // Greek (from the pricing crate, at the first snapshot's spot, time and vol) × the
    // move × the multiplier.
    use thetalab_backtest::options::settlement_time;
    use thetalab_data::calendar::NyseCalendar;
    use thetalab_pricing::{OptionInputs, bsm};
    let (e, k) = (d("2024-02-01"), 4750.0);
    let root = OptionRoot::new("SPXW").unwrap();
    let settle = settlement_time(&NyseCalendar::new(), root, e).unwrap();
    let cfg = ReplayConfig {
        fill: FillModel::Mid {
            spread_fraction: 0.0,
        },
        ..cfg100k()
    };
    let (r, q) = (cfg.rate, cfg.dividend_yield);
    let (t0, t1) = (at("2024-01-02", "10:00"), at("2024-01-02", "11:00"));
    let (s0, s1, v0, v1) = (4750.0, 4760.0, 0.15, 0.152);
    let inputs = |ts: Timestamp, s: f64, v: f64| {
        OptionInputs::new(
            OptionRight::Call,
            s,
            k,
            Timestamp::years_between(ts, settle),
            r,
            q,
            v,
        )
    };
    let quote = |ts: Timestamp, s: f64, v: f64| {
        let p = bsm::price(&inputs(ts, s, v));
        let mut sn = snap(
            ts,
            s,
            "SPXW",
            e,
            &[(k, OptionRight::Call, Some(p - 0.05), Some(p + 0.05))],
        );
        sn.iv[0] = Some(v);
        (sn, p)
    };
    let ((a, p0), (b, p1)) = (quote(t0, s0, v0), quote(t1, s1, v1));
    let mut s = Script::new(
        StructureKind::LongOption,
        vec![leg("SPXW", e, k, OptionRight::Call, 1)],
        ExitPlan::hold(),
    );
    s.units = Some(1);
    s.close_at = Some(t1);
    let res = run(vec![a, b], s, &cfg);
    assert_eq!(res.trades.len(), 1);
    let t = &res.trades[0];
    let exact = (p1 - p0) * 100.0;
    let gross = t.pnl + t.fees;
    assert!((gross - exact).abs() < 1e-6, "{gross} vs {exact}");
    let g = bsm::greeks(&inputs(t0, s0, v0));
    let dt = Timestamp::years_between(t0, t1);
    let (ds, dv) = (s1 - s0, v1 - v0);
    let attr = &t.attribution;
    assert!((attr.delta - 100.0 * g.delta * ds).abs() < 1e-9);
    assert!((attr.gamma - 100.0 * 0.5 * g.gamma * ds * ds).abs() < 1e-9);
    assert!((attr.theta - 100.0 * g.theta * dt).abs() < 1e-9);
    assert!((attr.vega - 100.0 * g.vega * dv).abs() < 1e-9);
    assert!(
        attr.residual.abs() < 0.02 * exact.abs(),
        "residual {} of {exact}",
        attr.residual
    );
    check_accounting(&res);
}

/// Sends each intent once, at the first snapshot at or after its time; holds
/// everything.
struct Opens(Vec<(Timestamp, Option<OrderIntent>)>);

impl OptionStrategy for Opens {
    fn name(&self) -> &str {
        "opens"
    }

    fn on_snapshot(&mut self, ctx: &OptionContext<'_>, out: &mut Vec<OptionAction>) {
        for (t, intent) in &mut self.0 {
            if ctx.now >= *t
                && let Some(i) = intent.take()
            {
                out.push(OptionAction::Open(i));
            }
        }
    }
}

#[test]
fn a_delivery_into_the_stock_position_does_not_skip_the_next_settlement() {
    // AAPL, 1 unit each. 01-18: a short 190P (expiring that day) is assigned at the
    // 16:00 close (189): the strategy holds 100 shares (position 2). 01-19 10:00: a
    // short 188P (A) and a long 195C (B), both expiring that day. At the 16:00 close
    // (187) A is assigned: its 100 shares go into the stock position, which is closed
    // and reopened with 200 shares — removed from the front of the open positions. B
    // (out of the money) must still settle at 0 in that same pass; before the fix the
    // removal shifted B past the loop's index, and as 16:00 is the last snapshot B was
    // closed at the end of the data at its 10:00 mark (0.45) with closing charges.
    use OptionRight::{Call, Put};
    let (e1, e2) = (d("2024-01-18"), d("2024-01-19"));
    let aapl = |ts, spot, rows: &[Row]| snap_multi(ts, spot, "AAPL", rows);
    let snaps = vec![
        aapl(
            at("2024-01-18", "10:00"),
            192.0,
            &[(e1, 190.0, Put, Some(1.00), Some(1.10))],
        ),
        aapl(at("2024-01-18", "16:00"), 189.0, &[]),
        aapl(
            at("2024-01-19", "10:00"),
            189.0,
            &[
                (e2, 188.0, Put, Some(1.00), Some(1.10)),
                (e2, 195.0, Call, Some(0.40), Some(0.50)),
            ],
        ),
        aapl(at("2024-01-19", "16:00"), 187.0, &[]),
    ];
    let intent = |kind, legs| OrderIntent {
        strategy: "opens".into(),
        kind,
        legs,
        shares: 0,
        units: Some(1),
        limit: None,
        exits: ExitPlan::hold(),
        reason: "scripted".into(),
    };
    let day2 = at("2024-01-19", "10:00");
    let strat = Opens(vec![
        (
            at("2024-01-18", "10:00"),
            Some(intent(
                StructureKind::CashSecuredPut,
                vec![leg("AAPL", e1, 190.0, Put, -1)],
            )),
        ),
        (
            day2,
            Some(intent(
                StructureKind::CashSecuredPut,
                vec![leg("AAPL", e2, 188.0, Put, -1)],
            )),
        ),
        (
            day2,
            Some(intent(
                StructureKind::LongOption,
                vec![leg("AAPL", e2, 195.0, Call, 1)],
            )),
        ),
    ]);
    let mut strategies: Vec<Box<dyn OptionStrategy>> = vec![Box::new(strat)];
    let res = replay(
        &mut VecSource::new(snaps),
        &mut strategies,
        &mut NoVolIndices,
        &cfg100k(),
        None,
        &mut |_| {},
    )
    .unwrap();
    let call = res
        .trades
        .iter()
        .find(|t| t.kind == StructureKind::LongOption)
        .unwrap();
    assert_eq!(call.reason_out, OptionExitReason::Settlement, "{call:?}");
    assert_eq!(call.closed, at("2024-01-19", "16:00"));
    assert_eq!(call.exit_net, 0.0);
    // Bought at 0.50, expired worthless: −50 − 1.34.
    assert!((call.pnl + 51.34).abs() < 1e-9, "{}", call.pnl);
    // The 200 shares are the one stock position left, closed at the end at 187.
    let last = res.trades.last().unwrap();
    assert_eq!(last.kind, StructureKind::Stock);
    assert_eq!(last.shares, 200);
    assert_eq!(res.totals.closed_at_end, 1);
    check_accounting(&res);
}

/// A selector's child: buys 100 shares whenever its view of the portfolio holds none
/// of its positions, and counts what it is told.
struct OnceChild {
    alias: &'static str,
    opened: std::sync::Arc<std::sync::atomic::AtomicUsize>,
}

impl OptionStrategy for OnceChild {
    fn name(&self) -> &str {
        self.alias
    }

    fn on_snapshot(&mut self, ctx: &OptionContext<'_>, out: &mut Vec<OptionAction>) {
        if ctx.portfolio.positions.is_empty() {
            out.push(OptionAction::Open(OrderIntent {
                strategy: self.alias.into(),
                kind: StructureKind::Stock,
                legs: Vec::new(),
                shares: 100,
                units: Some(1),
                limit: None,
                exits: ExitPlan::hold(),
                reason: "once".into(),
            }));
        }
    }

    fn on_event(&mut self, ev: &StrategyEvent) {
        if matches!(ev, StrategyEvent::Opened { .. }) {
            self.opened
                .fetch_add(1, std::sync::atomic::Ordering::Relaxed);
        }
    }
}

#[test]
fn a_selectors_children_see_and_own_their_positions() {
    // Before the fix the engine recorded every position under the selector's own name,
    // so a child (which sees only the positions carrying its alias) never saw the one it
    // had opened and bought again at every snapshot, and every trade was booked to
    // `regime-selector`. Now the position carries the child's alias: one open, one trade
    // (closed at the end of the data) booked to `buyer`.
    use thetalab_strategy::options::{SelectorConfig, StrategySelector};
    let opened = std::sync::Arc::new(std::sync::atomic::AtomicUsize::new(0));
    let every = vec!["buyer".to_string()];
    let cfg = SelectorConfig {
        bullish: every.clone(),
        bearish: every.clone(),
        neutral: every.clone(),
        high_volatility: every,
        strategies: Default::default(),
    };
    let child: Box<dyn OptionStrategy> = Box::new(OnceChild {
        alias: "buyer",
        opened: std::sync::Arc::clone(&opened),
    });
    let sel = StrategySelector::from_children(vec![("buyer".to_string(), child)], &cfg);
    let mut strategies: Vec<Box<dyn OptionStrategy>> = vec![Box::new(sel)];
    let e = d("2024-01-19");
    let snaps: Vec<ChainSnapshot> = ["10:00", "11:00", "12:00", "13:00"]
        .iter()
        .map(|t| {
            snap_multi(
                at("2024-01-18", t),
                190.0,
                "AAPL",
                &[(e, 190.0, OptionRight::Call, Some(1.0), Some(1.1))],
            )
        })
        .collect();
    let res = replay(
        &mut VecSource::new(snaps),
        &mut strategies,
        &mut NoVolIndices,
        &cfg100k(),
        None,
        &mut |_| {},
    )
    .unwrap();
    assert_eq!(opened.load(std::sync::atomic::Ordering::Relaxed), 1);
    assert_eq!(res.trades.len(), 1, "{:?}", res.trades);
    assert_eq!(res.trades[0].strategy, "buyer");
    assert_eq!(res.trades[0].shares, 100);
    assert_eq!(res.strategies, ["regime-selector"]);
    assert_eq!(res.by_strategy.len(), 1);
    assert_eq!(res.by_strategy[0].key, "buyer");
    check_accounting(&res);
}

#[test]
fn a_loss_beyond_the_capital_is_noted_as_a_ruin() {
    // A naked short AAPL 190 call on 10 000 of cash; the stock then gaps to 400 and
    // the call is quoted 209.90 / 210.10: the short is marked about 21 000 against
    // the account, whose equity goes below zero. The replay says so in its notes, and
    // the daily returns stop there (−100 %, then 0).
    use OptionRight::Call;
    let e = d("2024-01-19");
    let snaps = vec![
        snap_multi(
            at("2024-01-18", "10:00"),
            190.0,
            "AAPL",
            &[(e, 190.0, Call, Some(3.00), Some(3.10))],
        ),
        snap_multi(
            at("2024-01-18", "11:00"),
            400.0,
            "AAPL",
            &[(e, 190.0, Call, Some(209.90), Some(210.10))],
        ),
    ];
    let strat = Opens(vec![(
        at("2024-01-18", "10:00"),
        Some(OrderIntent {
            strategy: "opens".into(),
            kind: StructureKind::ShortOption,
            legs: vec![leg("AAPL", e, 190.0, Call, -1)],
            shares: 0,
            units: Some(1),
            limit: None,
            exits: ExitPlan::hold(),
            reason: "scripted".into(),
        }),
    )]);
    let mut strategies: Vec<Box<dyn OptionStrategy>> = vec![Box::new(strat)];
    let cfg = ReplayConfig {
        init_cash: 10_000.0,
        ..ReplayConfig::default()
    };
    let res = replay(
        &mut VecSource::new(snaps),
        &mut strategies,
        &mut NoVolIndices,
        &cfg,
        None,
        &mut |_| {},
    )
    .unwrap();
    assert_eq!(res.trades.len(), 1, "{:?} {:?}", res.trades, res.not_filled);
    let last = res.equity.last().unwrap().equity;
    assert!(last < 0.0, "{last}");
    let note = res.notes.iter().find(|n| n.contains("ruined"));
    assert!(note.is_some(), "{:?}", res.notes);
    let daily: Vec<f64> = res.daily.iter().map(|r| r.equity).collect();
    let (r, ruin) = thetalab_backtest::metrics::returns::equity_returns(cfg.init_cash, &daily);
    assert_eq!(ruin, Some(0));
    assert_eq!(r, vec![-1.0]);
    check_accounting(&res);
}

#[test]
fn an_assigned_covered_call_earns_strike_minus_entry_plus_premium() {
    // AAPL covered call, 1 unit, 2024-01-19 10:00 (AAPL 192): buy 100 shares at 192 and
    // sell the Jan-19 190C at the bid 3.00 (entry net 192 − 3 = 189 per share). At the
    // 16:00 close AAPL is 195: the call is assigned and the shares are delivered away.
    // Textbook covered-call payoff at expiry above the strike (Hull, *Options, Futures
    // and Other Derivatives*, 11th ed., §12.1, fig. 12.1a): (K − S₀ + premium) × 100 =
    // (190 − 192 + 3) × 100 = 100, less one contract's charges (1.34) = 98.66. The
    // delivered −100 shares and the position's own +100 cancel: no stock position is
    // opened, the account is all cash again (100 000 + 98.66).
    use OptionRight::Call;
    let e = d("2024-01-19");
    let snaps = vec![
        snap_multi(
            at("2024-01-19", "10:00"),
            192.0,
            "AAPL",
            &[(e, 190.0, Call, Some(3.00), Some(3.10))],
        ),
        snap_multi(at("2024-01-19", "16:00"), 195.0, "AAPL", &[]),
        snap_multi(at("2024-01-22", "10:00"), 197.0, "AAPL", &[]),
    ];
    let mut s = Script::new(
        StructureKind::CoveredCall,
        vec![leg("AAPL", e, 190.0, Call, -1)],
        ExitPlan::hold(),
    );
    s.shares = 100;
    s.units = Some(1);
    let res = run(snaps, s, &cfg100k());
    assert_eq!(res.trades.len(), 1, "{:?} {:?}", res.trades, res.not_filled);
    let t = &res.trades[0];
    assert_eq!(t.reason_out, OptionExitReason::Assignment);
    assert!((t.entry_net - 189.0).abs() < 1e-9, "{}", t.entry_net);
    assert!((t.exit_net - 190.0).abs() < 1e-9, "{}", t.exit_net);
    assert!((t.pnl - 98.66).abs() < 1e-9, "{}", t.pnl);
    assert_eq!(res.totals.closed_at_end, 0);
    // All cash from the settlement on: the equity no longer moves with AAPL.
    for p in &res.equity[1..] {
        assert!((p.equity - 100_098.66).abs() < 1e-9, "{p:?}");
        assert!((p.cash - p.equity).abs() < 1e-9, "{p:?}");
    }
    check_accounting(&res);
}

/// A selector's child that sells one AAPL Jan-18 190 put at its first snapshot and
/// records the shares of the stock positions it sees under its alias.
struct PutSeller {
    sent: bool,
    seen: std::sync::Arc<std::sync::atomic::AtomicI64>,
}

impl OptionStrategy for PutSeller {
    fn name(&self) -> &str {
        "seller"
    }

    fn on_snapshot(&mut self, ctx: &OptionContext<'_>, out: &mut Vec<OptionAction>) {
        let held: i64 = ctx
            .portfolio
            .positions
            .iter()
            .filter(|p| p.kind == StructureKind::Stock)
            .map(|p| p.shares * i64::from(p.units))
            .sum();
        self.seen.store(held, std::sync::atomic::Ordering::Relaxed);
        if !self.sent {
            self.sent = true;
            out.push(OptionAction::Open(OrderIntent {
                strategy: "seller".into(),
                kind: StructureKind::CashSecuredPut,
                legs: vec![leg("AAPL", d("2024-01-18"), 190.0, OptionRight::Put, -1)],
                shares: 0,
                units: Some(1),
                limit: None,
                exits: ExitPlan::hold(),
                reason: "sell".into(),
            }));
        }
    }
}

#[test]
fn two_selectors_children_of_one_alias_keep_their_own_delivered_shares() {
    // Two selectors, each with a child aliased `seller` that sells an AAPL 190 put on
    // 01-18 at 10:00 (AAPL 192). At the 16:00 close (189) both puts are assigned: each
    // selector's child now holds 100 shares bought at the strike. Before the fix the
    // stock positions were keyed by the name alone: the second delivery closed the
    // first selector's stock position and reopened it, with 200 shares, under the
    // second selector, so the first child saw 0 shares and the second 200.
    use std::sync::Arc;
    use std::sync::atomic::{AtomicI64, Ordering};
    use thetalab_strategy::options::{SelectorConfig, StrategySelector};
    let every = vec!["seller".to_string()];
    let cfg = SelectorConfig {
        bullish: every.clone(),
        bearish: every.clone(),
        neutral: every.clone(),
        high_volatility: every,
        strategies: Default::default(),
    };
    let seen = [Arc::new(AtomicI64::new(-1)), Arc::new(AtomicI64::new(-1))];
    let mut strategies: Vec<Box<dyn OptionStrategy>> = seen
        .iter()
        .map(|s| {
            let child: Box<dyn OptionStrategy> = Box::new(PutSeller {
                sent: false,
                seen: Arc::clone(s),
            });
            let sel = StrategySelector::from_children(vec![("seller".to_string(), child)], &cfg);
            Box::new(sel) as Box<dyn OptionStrategy>
        })
        .collect();
    let e = d("2024-01-18");
    let snaps = vec![
        snap_multi(
            at("2024-01-18", "10:00"),
            192.0,
            "AAPL",
            &[(e, 190.0, OptionRight::Put, Some(1.00), Some(1.10))],
        ),
        snap_multi(at("2024-01-18", "16:00"), 189.0, "AAPL", &[]),
        snap_multi(at("2024-01-19", "10:00"), 191.0, "AAPL", &[]),
    ];
    let res = replay(
        &mut VecSource::new(snaps),
        &mut strategies,
        &mut NoVolIndices,
        &cfg100k(),
        None,
        &mut |_| {},
    )
    .unwrap();
    for s in &seen {
        assert_eq!(s.load(Ordering::Relaxed), 100);
    }
    let stock: Vec<_> = res
        .trades
        .iter()
        .filter(|t| t.kind == StructureKind::Stock)
        .collect();
    assert_eq!(stock.len(), 2, "{:?}", res.trades);
    for t in &stock {
        assert_eq!(t.strategy, "seller");
        assert_eq!(t.shares, 100);
        assert_eq!(t.share_entry_price, Some(189.0));
        // Bought at 189, closed at the end of the data at 191: +200 each.
        assert!((t.pnl - 200.0).abs() < 1e-9, "{}", t.pnl);
    }
    // Each put: sold at 1.00, settled at its intrinsic 1 → −1.34 of charges.
    let puts: Vec<_> = res
        .trades
        .iter()
        .filter(|t| t.kind == StructureKind::CashSecuredPut)
        .collect();
    assert_eq!(puts.len(), 2);
    for t in &puts {
        assert_eq!(t.reason_out, OptionExitReason::Assignment);
        assert!((t.pnl + 1.34).abs() < 1e-9, "{}", t.pnl);
    }
    check_accounting(&res);
}

#[test]
fn a_ragged_snapshot_is_an_error_not_silently_shortened() {
    // A hand-built snapshot whose `bid` column lost a row: the chain view would use the
    // rows every column has and drop the last contract without a word.
    let e = d("2024-01-19");
    let mut snap = snap_multi(
        at("2024-01-18", "10:00"),
        190.0,
        "AAPL",
        &[
            (e, 190.0, OptionRight::Call, Some(1.0), Some(1.1)),
            (e, 195.0, OptionRight::Call, Some(0.4), Some(0.5)),
        ],
    );
    snap.bid.pop();
    let mut strategies: Vec<Box<dyn OptionStrategy>> = Vec::new();
    let err = replay(
        &mut VecSource::new(vec![snap]),
        &mut strategies,
        &mut NoVolIndices,
        &cfg100k(),
        None,
        &mut |_| {},
    )
    .unwrap_err()
    .to_string();
    assert!(err.contains("2024-01-18") && err.contains("bid 1"), "{err}");
    assert!(err.contains("expected 2"), "{err}");
}
