//! The options report on a small hand-made replay result: four 0DTE SPXW iron condors
//! (a profit-target exit, a stop, a settlement with every leg out of the money, a
//! settlement with the short put breached) over three sessions. Every figure the tests
//! assert is worked out by hand in the comments of [`small_replay`].
//!
//! Golden files: `tests/golden/options_small.html` and `options_trades_small.csv`;
//! regenerate with `UPDATE_GOLDEN=1 cargo test -p thetalab-report --test it options`.

use std::path::PathBuf;

use chrono::NaiveDate;
use thetalab_backtest::options::{
    Attribution, DailyRow, EquityPoint, NotFilledReason, NotFilledRow, OptionTrade, ReplayConfig,
    ReplayResult, Totals, TradeLeg, result::breakdown,
};
use thetalab_core::{OptionRight, OptionRoot, Timestamp};
use thetalab_data::calendar::NyseCalendar;
use thetalab_report::options::{
    OptionsReport, OptionsRunInfo, Pick, payoff_input, render_options_html, write_options_report,
};
use thetalab_strategy::options::{LegSpec, OptionExitReason, Regime, StructureKind};

use crate::common::{check_well_formed, non_finite_words};

fn at(d: u32, hms: &str) -> Timestamp {
    Timestamp::from_ny_hms(NaiveDate::from_ymd_opt(2024, 1, d).unwrap(), hms).unwrap()
}

/// An SPXW iron condor expiring on 2024-01-`day`: strikes `k` = (long put, short put,
/// short call, long call), entry fills `p`, exit prices `x`.
#[allow(clippy::too_many_arguments)]
fn condor(
    id: u64,
    day: u32,
    k: [f64; 4],
    p: [f64; 4],
    x: [f64; 4],
    units: u32,
    opened: Timestamp,
    closed: Timestamp,
    und: (f64, f64),
    reason: OptionExitReason,
    fees: f64,
    regime: Option<Regime>,
    attr: [f64; 5],
) -> OptionTrade {
    let expiry = NaiveDate::from_ymd_opt(2024, 1, day).unwrap();
    let rights = [
        OptionRight::Put,
        OptionRight::Put,
        OptionRight::Call,
        OptionRight::Call,
    ];
    let ratios = [1, -1, -1, 1];
    let ivs = [0.19, 0.16, 0.12, 0.13];
    let legs: Vec<TradeLeg> = (0..4)
        .map(|i| TradeLeg {
            spec: LegSpec {
                root: OptionRoot::new("SPXW").unwrap(),
                expiry,
                strike: k[i],
                right: rights[i],
                ratio: ratios[i],
            },
            entry_price: p[i],
            exit_price: x[i],
            entry_bid: Some(p[i] - 0.05),
            entry_ask: Some(p[i] + 0.05),
            exit_bid: (reason != OptionExitReason::Settlement).then(|| (x[i] - 0.05).max(0.0)),
            exit_ask: (reason != OptionExitReason::Settlement).then(|| x[i] + 0.05),
            entry_iv: Some(ivs[i]),
        })
        .collect();
    let net = |q: [f64; 4]| q[0] - q[1] - q[2] + q[3];
    let (entry_net, exit_net) = (net(p), net(x));
    let u = f64::from(units);
    let max_loss = (25.0 + entry_net) * 100.0 * u;
    OptionTrade {
        id,
        strategy: "iron-condor-0dte".to_string(),
        kind: StructureKind::IronCondor,
        legs,
        shares: 0,
        share_entry_price: None,
        share_exit_price: None,
        units,
        opened,
        closed,
        underlying_entry: und.0,
        underlying_exit: und.1,
        entry_net,
        exit_net,
        fees,
        // Entry and exit at 8 contracts per unit × 0.65 commission; settlement only at entry.
        commissions: if reason == OptionExitReason::Settlement {
            4.0 * 0.65 * u
        } else {
            8.0 * 0.65 * u
        },
        pnl: (exit_net - entry_net) * 100.0 * u - fees,
        reason_in: "10Δ shorts, 25-point wings".to_string(),
        reason_out: reason,
        vix: Some(13.2),
        regime,
        gex: Some(1.5e9),
        max_loss,
        buying_power: max_loss,
        attribution: Attribution {
            delta: attr[0],
            gamma: attr[1],
            theta: attr[2],
            vega: attr[3],
            residual: attr[4],
        },
        settlement_price: (reason == OptionExitReason::Settlement).then_some(und.1),
        stale_marks: 0,
    }
}

/// By hand (multiplier 100, charges 1.34 per contract: 0.65 commission + 0.65 exchange
/// + 0.04 regulatory; cash settlement charges nothing):
///
/// 1. 2 × 4700/4725/4825/4850, fills 0.60/1.30/1.20/0.50 → net −1.40 (credit 1.40);
///    closed at the profit target at net −0.75: (−0.75 + 1.40)·100·2 = +130 before
///    fees; fees 16 contracts · 1.34 = 21.44; P&L **+108.56**.
/// 2. 1 × 4710/4735/4835/4860, fills 0.55/1.15/1.10/0.50 → net −1.20; stopped at net
///    −3.75: (−3.75 + 1.20)·100 = −255; fees 8 · 1.34 = 10.72; P&L **−265.72**.
/// 3. 2 × 4680/4705/4805/4830 (2024-01-03), fills 0.40/0.95/0.90/0.35 → net −1.10;
///    settled at 4760, all out of the money: +1.10·200 = +220; fees 10.72 (entry only);
///    P&L **+209.28**.
/// 4. 1 × 4700/4725/4825/4850 (2024-01-04), fills 0.50/1.10/1.00/0.40 → net −1.20;
///    settled at 4715, short put 10 in the money: net −10.00, (−10 + 1.20)·100 = −880;
///    fees 10.72; P&L **−890.72**.
///
/// Days: 01-02 −157.16 (equity 99,842.84), 01-03 +209.28 (100,052.12), 01-04 −890.72
/// (99,161.40). Total −838.60, fees 53.60, commissions 26.00.
pub fn small_replay() -> ReplayResult {
    let trades = vec![
        condor(
            1,
            2,
            [4700.0, 4725.0, 4825.0, 4850.0],
            [0.60, 1.30, 1.20, 0.50],
            [0.30, 0.70, 0.60, 0.25],
            2,
            at(2, "10:00:00"),
            at(2, "11:04:00"),
            (4772.5, 4770.1),
            OptionExitReason::ProfitTarget,
            21.44,
            Some(Regime::Neutral),
            [20.0, -15.0, 140.0, 10.0, -25.0],
        ),
        condor(
            2,
            2,
            [4710.0, 4735.0, 4835.0, 4860.0],
            [0.55, 1.15, 1.10, 0.50],
            [0.05, 0.10, 4.80, 1.10],
            1,
            at(2, "11:30:00"),
            at(2, "13:10:00"),
            (4771.0, 4838.2),
            OptionExitReason::Stop,
            10.72,
            Some(Regime::Bullish),
            [-300.0, -80.0, 60.0, -20.0, 85.0],
        ),
        condor(
            3,
            3,
            [4680.0, 4705.0, 4805.0, 4830.0],
            [0.40, 0.95, 0.90, 0.35],
            [0.0, 0.0, 0.0, 0.0],
            2,
            at(3, "14:30:00"),
            at(3, "16:00:00"),
            (4760.3, 4760.0),
            OptionExitReason::Settlement,
            10.72,
            Some(Regime::Neutral),
            [-10.0, -5.0, 230.0, 0.0, 5.0],
        ),
        condor(
            4,
            4,
            [4700.0, 4725.0, 4825.0, 4850.0],
            [0.50, 1.10, 1.00, 0.40],
            [0.0, 10.0, 0.0, 0.0],
            1,
            at(4, "10:00:00"),
            at(4, "16:00:00"),
            (4768.9, 4715.0),
            OptionExitReason::Settlement,
            10.72,
            None,
            [-700.0, -150.0, 120.0, -30.0, -120.0],
        ),
    ];
    let d = |k| NaiveDate::from_ymd_opt(2024, 1, k).unwrap();
    let daily = vec![
        DailyRow {
            date: d(2),
            pnl: -157.16,
            fees: 32.16,
            trades: 2,
            opened: 2,
            equity: 99_842.84,
        },
        DailyRow {
            date: d(3),
            pnl: 209.28,
            fees: 10.72,
            trades: 1,
            opened: 1,
            equity: 100_052.12,
        },
        DailyRow {
            date: d(4),
            pnl: -890.72,
            fees: 10.72,
            trades: 1,
            opened: 1,
            equity: 99_161.40,
        },
    ];
    let equity = daily
        .iter()
        .map(|r| EquityPoint {
            ts: Timestamp::from_ny_hms(r.date, "16:00:00").unwrap(),
            equity: r.equity,
            cash: r.equity,
            open_positions: 0,
        })
        .collect();
    let by_strategy = vec![breakdown("iron-condor-0dte", &trades)];
    ReplayResult {
        config: ReplayConfig {
            init_cash: 100_000.0,
            ..ReplayConfig::default()
        },
        strategies: vec!["iron-condor-0dte".to_string()],
        start: Some(at(2, "09:31:00")),
        end: Some(at(4, "16:00:00")),
        by_regime: Vec::new(),
        by_strategy,
        totals: Totals {
            init_cash: 100_000.0,
            final_equity: 99_161.40,
            pnl: -838.60,
            fees: 53.60,
            commissions: 26.00,
            trades: 4,
            wins: 2,
            losses: 2,
            win_rate: 0.5,
            profit_factor: 317.84 / 1156.44,
            max_drawdown: 0.0089,
            not_filled: 1,
            closed_at_end: 0,
            settled: 2,
            stale_marks: 0,
        },
        trades,
        equity,
        daily,
        decisions: Vec::new(),
        not_filled: vec![NotFilledRow {
            ts: at(3, "10:00:00"),
            strategy: "iron-condor-0dte".to_string(),
            kind: StructureKind::IronCondor,
            position: None,
            reason: NotFilledReason::NotMarketable,
            detail: "net 1.05 credit < limit 1.10".to_string(),
        }],
        quotes_processed: 297_000,
        snapshots_processed: 1_170,
        notes: vec!["A hand-made fixture.".to_string()],
    }
}

fn info() -> OptionsRunInfo {
    OptionsRunInfo {
        title: "iron-condor-0dte on SPX <fixture>".to_string(),
        run_name: "fixture".to_string(),
        strategy: "iron-condor-0dte".to_string(),
        params: vec![("short".to_string(), "{ delta = 0.1 }".to_string())],
        source: "hand-made fixture".to_string(),
    }
}

fn metric(rep: &OptionsReport<'_>, name: &str) -> Option<f64> {
    rep.input
        .metrics
        .iter()
        .find(|m| m.name == name)
        .unwrap_or_else(|| panic!("no metric {name}"))
        .value
}

#[test]
fn metrics_and_breakdowns_by_hand() {
    let r = small_replay();
    let rep = OptionsReport::from_replay(&r, info()).unwrap();
    let close = |a: f64, b: f64| (a - b).abs() < 1e-9 * b.abs().max(1.0);
    // Daily returns: against the previous day's equity (the first against 100,000).
    let rets = [
        99_842.84 / 100_000.0 - 1.0,
        100_052.12 / 99_842.84 - 1.0,
        99_161.40 / 100_052.12 - 1.0,
    ];
    for (a, b) in rep.input.returns.iter().zip(rets) {
        assert!(close(*a, b), "{a} vs {b}");
    }
    assert!(close(metric(&rep, "final_value").unwrap(), 99_161.40));
    assert!(close(
        metric(&rep, "total_return").unwrap(),
        99_161.40 / 100_000.0 - 1.0
    ));
    assert!(close(metric(&rep, "pnl").unwrap(), -838.60));
    assert!(close(metric(&rep, "win_rate").unwrap(), 0.5));
    assert!(close(
        metric(&rep, "profit_factor").unwrap(),
        (108.56 + 209.28) / (265.72 + 890.72)
    ));
    // Credits 1.40, 1.20, 1.10, 1.20 points per unit.
    assert!(close(metric(&rep, "avg_credit").unwrap(), 4.9 / 4.0));
    assert!(close(metric(&rep, "avg_pnl").unwrap(), -838.60 / 4.0));
    assert!(close(metric(&rep, "total_fees").unwrap(), 53.60));
    // 4 + 4 + 4 + 4 legs × units 2, 1, 2, 1 = 24 contracts opened.
    assert_eq!(metric(&rep, "contracts"), Some(24.0));
    assert_eq!(metric(&rep, "settled"), Some(2.0));
    assert_eq!(metric(&rep, "stop_exits"), Some(1.0));
    // Attribution totals: the parts above, summing to the P&L before fees (−785).
    let theta = metric(&rep, "attribution_theta").unwrap();
    assert!(close(theta, 140.0 + 60.0 + 230.0 + 120.0));
    let parts: f64 = ["delta", "gamma", "theta", "vega", "residual"]
        .iter()
        .map(|p| metric(&rep, &format!("attribution_{p}")).unwrap())
        .sum();
    assert!(close(parts, -838.60 + 53.60));
    // Max drawdown of the daily curve: peak 100,052.12 to 99,161.40.
    assert!(close(
        metric(&rep, "max_drawdown").unwrap(),
        99_161.40 / 100_052.12 - 1.0
    ));
    // Breakdowns: each dimension's groups add up to the whole run.
    for dim in ["strategy", "regime", "exit_reason", "structure"] {
        let rows: Vec<_> = rep
            .breakdowns
            .iter()
            .filter(|b| b.dimension == dim)
            .collect();
        let n: u32 = rows.iter().map(|b| b.trades).sum();
        let pnl: f64 = rows.iter().map(|b| b.pnl).sum();
        assert_eq!(n, 4, "{dim}");
        assert!(close(pnl, -838.60), "{dim}");
    }
    let settled = rep
        .breakdowns
        .iter()
        .find(|b| b.dimension == "exit_reason" && b.key == "settlement")
        .unwrap();
    assert_eq!((settled.trades, settled.wins), (2, 1));
    assert!(close(settled.pnl, 209.28 - 890.72));
    assert!(close(settled.profit_factor.unwrap(), 209.28 / 890.72));
    let unknown = rep
        .breakdowns
        .iter()
        .find(|b| b.dimension == "regime" && b.key == "unknown")
        .unwrap();
    assert_eq!(unknown.trades, 1);
}

#[test]
fn representatives_and_their_payoffs() {
    let r = small_replay();
    let rep = OptionsReport::from_replay(&r, info()).unwrap();
    // Best #3, worst and settled (median of the two settled, lower) #4, median and
    // stopped #2 (sorted P&L −890.72, −265.72, 108.56, 209.28: lower median −265.72).
    let picks: Vec<(u64, Vec<Pick>)> = rep
        .representatives
        .iter()
        .map(|x| (r.trades[x.trade].id, x.picks.clone()))
        .collect();
    assert_eq!(
        picks,
        vec![
            (3, vec![Pick::Best]),
            (4, vec![Pick::Worst, Pick::Settled]),
            (2, vec![Pick::Median, Pick::Stopped]),
        ]
    );
    for x in &rep.representatives {
        let t = &r.trades[x.trade];
        let c = x.curve.as_ref().unwrap();
        // Iron condor by hand: max profit = credit·100·units, max loss = (25 − credit)·100·units,
        // breakevens = short strikes ∓ credit.
        let credit = -t.entry_net;
        let u = f64::from(t.units);
        assert!((c.max_profit.unwrap() - credit * 100.0 * u).abs() < 1e-9);
        assert!((c.max_loss.unwrap() - (25.0 - credit) * 100.0 * u).abs() < 1e-9);
        let (sp, sc) = (t.legs[1].spec.strike, t.legs[2].spec.strike);
        assert!((c.breakevens[0] - (sp - credit)).abs() < 1e-9);
        assert!((c.breakevens[1] - (sc + credit)).abs() < 1e-9);
        assert!((c.max_loss.unwrap() - t.max_loss).abs() < 1e-9);
    }
    // A settled trade's realised P&L before fees lies on its expiry curve: #4 at 4715,
    // −880 = (−10 + 1.20)·100.
    let t4 = &r.trades[3];
    let input = payoff_input(t4, 100.0, 0.05, 0.013, &NyseCalendar::new());
    let pos = input.position().unwrap();
    assert!((pos.pnl_at_expiry(4715.0).unwrap() - -880.0).abs() < 1e-9);
    assert!((input.realised.unwrap() - -880.0).abs() < 1e-9);
    // The legs' time to settlement at entry: 10:00 to the 16:00 close = 6 h of ACT/365.
    let six_hours = 6.0 / (365.0 * 24.0);
    assert!(
        input
            .legs
            .iter()
            .all(|l| (l.years - six_hours).abs() < 1e-12)
    );
}

fn golden(name: &str, actual: &str) {
    let path = PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("tests/golden")
        .join(name);
    if std::env::var_os("UPDATE_GOLDEN").is_some_and(|v| v == "1") {
        std::fs::write(&path, actual).unwrap();
        return;
    }
    let expected = std::fs::read_to_string(&path)
        .unwrap_or_else(|e| panic!("{}: {e}; run with UPDATE_GOLDEN=1", path.display()));
    if expected != actual {
        let line = expected
            .lines()
            .zip(actual.lines())
            .position(|(a, b)| a != b)
            .unwrap_or_else(|| expected.lines().count().min(actual.lines().count()));
        panic!(
            "{} differs at line {}:\n expected: {:?}\n actual:   {:?}\n(UPDATE_GOLDEN=1 regenerates it)",
            path.display(),
            line + 1,
            expected.lines().nth(line),
            actual.lines().nth(line)
        );
    }
}

#[test]
fn html_is_golden_well_formed_and_self_contained() {
    let r = small_replay();
    let rep = OptionsReport::from_replay(&r, info()).unwrap();
    let html = render_options_html(&rep);
    check_well_formed(&html).unwrap();
    assert!(
        non_finite_words(&html).is_empty(),
        "{:?}",
        non_finite_words(&html)
    );
    assert!(!html.contains("<script") && !html.contains(" src="));
    for id in [
        "options-run",
        "breakdowns",
        "daily-pnl",
        "attribution",
        "chart-attribution-total",
        "chart-attribution",
        "payoffs",
        "chart-payoff-0",
        "chart-payoff-2",
        "orders",
        "trades",
        "chart-equity",
    ] {
        assert!(html.contains(&format!("id=\"{id}\"")), "{id}");
    }
    assert!(html.contains("<h1>iron-condor-0dte on SPX &lt;fixture&gt;</h1>"));
    assert!(html.contains("data-pick=\"worst settled\""));
    assert!(html.contains("NotMarketable"));
    // Same input, same bytes.
    assert_eq!(html, render_options_html(&rep));
    golden("options_small.html", &html);
}

#[test]
fn files_are_written_and_csv_is_golden() {
    let r = small_replay();
    let rep = OptionsReport::from_replay(&r, info()).unwrap();
    let dir = std::env::temp_dir().join(format!("thetalab-report-options-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    let files = write_options_report(&dir, &rep).unwrap();
    for p in [
        &files.html,
        &files.json,
        &files.trades_csv,
        &files.daily_csv,
        &files.breakdown_csv,
        &files.equity_parquet,
    ] {
        assert!(p.exists(), "{}", p.display());
    }
    let json: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(&files.json).unwrap()).unwrap();
    assert_eq!(json["run"]["run_name"], "fixture");
    assert_eq!(json["run"]["trades"], 4);
    assert_eq!(json["final_value"], 99_161.40);
    for k in [
        "total_return",
        "cagr",
        "sharpe",
        "sortino",
        "max_drawdown",
        "win_rate",
        "profit_factor",
        "avg_credit",
        "avg_pnl",
        "total_fees",
    ] {
        assert!(json.get(k).is_some(), "{k}");
    }
    let trades = std::fs::read_to_string(&files.trades_csv).unwrap();
    let mut rd = csv::Reader::from_reader(trades.as_bytes());
    let header = rd.headers().unwrap().clone();
    assert_eq!(header.len(), 32 + 6 * 12);
    let rows: Vec<csv::StringRecord> = rd.records().map(Result::unwrap).collect();
    assert_eq!(rows.len(), 4);
    let col = |name: &str| header.iter().position(|h| h == name).unwrap();
    // Exact numbers: the P&L column reads back to the engine's f64, and sums to the total.
    let pnl: f64 = rows
        .iter()
        .map(|r| r[col("pnl")].parse::<f64>().unwrap())
        .sum();
    assert!((pnl - -838.60).abs() < 1e-9);
    assert_eq!(
        &rows[0][col("legs")],
        "SPXW 2024-01-02 +1 4700P -1 4725P -1 4825C +1 4850C"
    );
    assert_eq!(&rows[1][col("reason_out")], "stop");
    assert_eq!(&rows[3][col("regime")], "unknown");
    assert_eq!(&rows[3][col("settlement_price")], "4715");
    assert_eq!(&rows[0][col("opened_et")], "2024-01-02 10:00:00");
    assert_eq!(&rows[0][col("leg2_right")], "P");
    assert_eq!(&rows[0][col("leg5_root")], "");
    let daily = std::fs::read_to_string(&files.daily_csv).unwrap();
    assert_eq!(daily.lines().count(), 4);
    assert!(daily.starts_with("date,pnl,fees,closed,opened,equity,return\n2024-01-02,-157.16,"));
    let breakdown = std::fs::read_to_string(&files.breakdown_csv).unwrap();
    assert!(breakdown.contains("exit_reason,settlement,2,1,0.5,"));
    golden("options_trades_small.csv", &trades);
    let _ = std::fs::remove_dir_all(&dir);
}

/// The report's remaining figures by hand on the same fixture: the return-based ones
/// from the three daily returns with empyrical's formulas (252 days a year, risk-free 0,
/// `ddof = 1`; VaR numpy's linear percentile, CVaR the mean of the ⌊(n − 1)·0.05⌋ + 1
/// smallest), the trade-based ones from the four trades of [`small_replay`], and the
/// engine's totals passed through (the intraday drawdown with the daily one's sign).
#[test]
fn remaining_metrics_by_hand() {
    let r = small_replay();
    let rep = OptionsReport::from_replay(&r, info()).unwrap();
    let close = |a: f64, b: f64| (a - b).abs() <= 1e-12 * b.abs().max(1e-3);
    let rets = [
        99_842.84 / 100_000.0 - 1.0,
        100_052.12 / 99_842.84 - 1.0,
        99_161.40 / 100_052.12 - 1.0,
    ];
    let n = rets.len() as f64;
    let mean = rets.iter().sum::<f64>() / n;
    let sd = (rets.iter().map(|x| (x - mean).powi(2)).sum::<f64>() / (n - 1.0)).sqrt();
    // empyrical sharpe_ratio / annual_volatility.
    assert!(close(
        metric(&rep, "sharpe").unwrap(),
        mean / sd * 252f64.sqrt()
    ));
    assert!(close(
        metric(&rep, "annual_volatility").unwrap(),
        sd * 252f64.sqrt()
    ));
    // empyrical annual_return: (final / initial)^(252 / n) − 1.
    let cagr = (99_161.40f64 / 100_000.0).powf(252.0 / n) - 1.0;
    assert!(close(metric(&rep, "cagr").unwrap(), cagr));
    // empyrical sortino_ratio: downside risk √(mean(min(r, 0)²))·√252.
    let dr = (rets.iter().map(|x| x.min(0.0).powi(2)).sum::<f64>() / n).sqrt() * 252f64.sqrt();
    assert!(close(metric(&rep, "sortino").unwrap(), mean * 252.0 / dr));
    // Calmar: CAGR / |max drawdown|.
    let mdd: f64 = 99_161.40 / 100_052.12 - 1.0;
    assert!(close(metric(&rep, "calmar").unwrap(), cagr / mdd.abs()));
    // Sorted returns r₀ ≤ r₁ ≤ r₂ (day 3, day 1, day 2): the 5th percentile sits at
    // position 0.05·2 = 0.1, and CVaR averages the ⌊0.1⌋ + 1 = 1 smallest.
    let (r0, r1) = (rets[2], rets[0]);
    assert!(close(metric(&rep, "var_95").unwrap(), r0 + 0.1 * (r1 - r0)));
    assert!(close(metric(&rep, "cvar_95").unwrap(), r0));
    // Trades: average winner and loser in dollars, and the average return on the
    // buying power each held ((25 − credit)·100·units for these condors).
    assert!(close(
        metric(&rep, "avg_win").unwrap(),
        (108.56 + 209.28) / 2.0
    ));
    assert!(close(
        metric(&rep, "avg_loss").unwrap(),
        (-265.72 - 890.72) / 2.0
    ));
    let on_bp = [
        108.56 / ((25.0 - 1.40) * 200.0),
        -265.72 / ((25.0 - 1.20) * 100.0),
        209.28 / ((25.0 - 1.10) * 200.0),
        -890.72 / ((25.0 - 1.20) * 100.0),
    ];
    assert!(close(
        metric(&rep, "avg_return_on_bp").unwrap(),
        on_bp.iter().sum::<f64>() / 4.0
    ));
    // Exit counts: one profit target, no time exit; the engine's totals as given.
    assert_eq!(metric(&rep, "profit_target_exits"), Some(1.0));
    assert_eq!(metric(&rep, "time_exits"), Some(0.0));
    assert_eq!(metric(&rep, "closed_at_end"), Some(0.0));
    assert_eq!(metric(&rep, "not_filled"), Some(1.0));
    assert!(close(metric(&rep, "commissions").unwrap(), 26.00));
    assert!(close(
        metric(&rep, "max_drawdown_intraday").unwrap(),
        -0.0089
    ));
    assert_eq!(metric(&rep, "sessions"), Some(3.0));
    assert_eq!(metric(&rep, "snapshots"), Some(1_170.0));
    assert_eq!(metric(&rep, "quotes"), Some(297_000.0));
}

#[test]
fn top_not_filled_counts_reasons_ties_to_the_first() {
    let mut r = small_replay();
    assert_eq!(
        thetalab_report::options::top_not_filled(&r),
        Some((
            "NotMarketable".to_string(),
            1,
            "net 1.05 credit < limit 1.10"
        ))
    );
    let row = |reason, detail: &str| NotFilledRow {
        ts: at(3, "11:00:00"),
        strategy: "iron-condor-0dte".to_string(),
        kind: StructureKind::IronCondor,
        position: None,
        reason,
        detail: detail.to_string(),
    };
    // 1 NotMarketable, then 2 BuyingPower: the most frequent wins, its first detail.
    r.not_filled
        .push(row(NotFilledReason::BuyingPower, "needs 2,400"));
    assert_eq!(
        thetalab_report::options::top_not_filled(&r).map(|t| t.0),
        Some("NotMarketable".to_string())
    );
    r.not_filled
        .push(row(NotFilledReason::BuyingPower, "needs 2,500"));
    assert_eq!(
        thetalab_report::options::top_not_filled(&r),
        Some(("BuyingPower".to_string(), 2, "needs 2,400"))
    );
    r.not_filled.clear();
    assert_eq!(thetalab_report::options::top_not_filled(&r), None);
}
