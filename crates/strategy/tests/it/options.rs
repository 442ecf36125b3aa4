//! Options strategies on tiny hand-built chains.
//!
//! The chains are priced with Black-Scholes-Merton at a flat 15 % vol, spot 5000,
//! r = 5 %, q = 0, quoted `price ± min(0.05, price/2)` so every mid is the model price
//! and the implied vol of every mid is 15 %. The snapshot is 2024-01-03 10:00 ET; the
//! SPXW expiries are that day (0 DTE, settling 16:00 ET: T = 6 h), 2024-01-10 (7 DTE)
//! and 2024-02-02 (30 DTE). The expected strikes come from the closed-form delta
//! `N(d1)` computed independently in Python 3.12 (`math.erf`):
//!
//! | expiry | strike | call Δ | put Δ |
//! |---|---|---|---|
//! | 0 DTE | 4975 | 0.9010 | −0.0990 |
//! | 0 DTE | 4980 | 0.8489 | −0.1511 |
//! | 0 DTE | 4985 | 0.7811 | −0.2189 |
//! | 0 DTE | 5020 | 0.1572 | −0.8428 |
//! | 0 DTE | 5025 | 0.1039 | −0.8961 |
//! | 0 DTE | 5030 | 0.0651 | −0.9349 |
//! | 7 DTE | 4935 | 0.7506 | −0.2494 |
//! | 7 DTE | 4950 | 0.7030 | −0.2970 |
//! | 7 DTE | 4955 | 0.6862 | −0.3138 |
//! | 7 DTE | 5060 | 0.3062 | −0.6938 |
//! | 7 DTE | 5065 | 0.2900 | −0.7100 |
//! | 7 DTE | 5075 | 0.2589 | −0.7411 |
//! | 7 DTE | 5080 | 0.2441 | −0.7559 |
//! | 30 DTE | 4910 | 0.7048 | −0.2952 |
//! | 30 DTE | 4915 | 0.6966 | −0.3034 |

use chrono::{NaiveDate, NaiveTime};
use thetalab_core::OptionRight::{self, Call, Put};
use thetalab_core::{OptionRoot, Timestamp};
use thetalab_data::calendar::NyseCalendar;
use thetalab_data::{ChainSnapshot, OptionQuote};
use thetalab_pricing::{OptionInputs, bsm, gex};
use thetalab_strategy::options::common::{EntryWindows, OrderRules, StrikeRule, WingRule};
use thetalab_strategy::options::intel::{self, IntelConfig};
use thetalab_strategy::options::*;

const SPOT: f64 = 5000.0;
const R: f64 = 0.05;
const SIGMA: f64 = 0.15;

fn d(y: i32, m: u32, day: u32) -> NaiveDate {
    NaiveDate::from_ymd_opt(y, m, day).unwrap()
}

fn at(date: NaiveDate, hms: &str) -> Timestamp {
    Timestamp::from_ny_hms(date, hms).unwrap()
}

fn today() -> NaiveDate {
    d(2024, 1, 3)
}

fn expiries() -> [NaiveDate; 3] {
    [today(), d(2024, 1, 10), d(2024, 2, 2)]
}

fn root(s: &str) -> OptionRoot {
    OptionRoot::new(s).unwrap()
}

/// A BSM-priced chain (see the module docs) at `ts` with `spot`.
fn chain_at(ts: Timestamp, root_name: &str, spot: f64, expiries: &[NaiveDate]) -> ChainSnapshot {
    let cal = NyseCalendar::new();
    let r = root(root_name);
    let mut snap = ChainSnapshot {
        ts,
        underlying: "SPX".into(),
        ..ChainSnapshot::default()
    };
    for &e in expiries {
        let close = cal.require_session(e).unwrap().close;
        let t = Timestamp::years_between(ts, close);
        for k in (4900..=5100).step_by(5) {
            for right in [Call, Put] {
                let o = OptionInputs::new(right, spot, f64::from(k), t, R, 0.0, SIGMA);
                let p = bsm::price(&o);
                let h = (p / 2.0).min(0.05);
                let q = OptionQuote {
                    ts,
                    underlying_price: Some(spot),
                    expiry: e,
                    strike: f64::from(k),
                    right,
                    bid: Some(p - h),
                    ask: Some(p + h),
                    bid_size: Some(10),
                    ask_size: Some(10),
                    last: None,
                    volume: 0,
                    open_interest: Some(100),
                    iv: None,
                    delta: None,
                    gamma: None,
                    vega: None,
                    theta: None,
                };
                snap.push(r, &q);
            }
        }
    }
    snap
}

fn chain(ts: Timestamp) -> ChainSnapshot {
    chain_at(ts, "SPXW", SPOT, &expiries())
}

/// Everything a strategy sees besides the chain.
struct World {
    cal: NyseCalendar,
    und: UnderlyingHistory,
    intel: IntelCache,
    readings: VolIndexReadings,
    portfolio: PortfolioView,
}

impl World {
    fn new() -> Self {
        World {
            cal: NyseCalendar::new(),
            und: UnderlyingHistory::default(),
            intel: IntelCache::new(IntelConfig::default()),
            readings: VolIndexReadings::default(),
            portfolio: PortfolioView::default(),
        }
    }

    fn step(&mut self, s: &mut dyn OptionStrategy, snap: &ChainSnapshot) -> Vec<OptionAction> {
        self.intel.reset(self.readings);
        let new_session = self
            .und
            .ts
            .last()
            .is_none_or(|t| t.ny_date() != snap.ts.ny_date());
        self.und
            .push(snap.ts, snap.underlying_price.unwrap(), 0.0, new_session);
        let ctx = OptionContext {
            now: snap.ts,
            chain: ChainView::new(snap, R, 0.0, &self.cal),
            underlying: &self.und,
            intel: &self.intel,
            portfolio: &self.portfolio,
            calendar: &self.cal,
        };
        let mut out = Vec::new();
        s.on_snapshot(&ctx, &mut out);
        out
    }
}

fn opens(actions: &[OptionAction]) -> Vec<&OrderIntent> {
    actions
        .iter()
        .filter_map(|a| match a {
            OptionAction::Open(o) => Some(o),
            OptionAction::Close { .. } => None,
        })
        .collect()
}

/// `(right, strike, ratio, expiry)` of each leg.
fn legs(o: &OrderIntent) -> Vec<(OptionRight, f64, i32, NaiveDate)> {
    o.legs
        .iter()
        .map(|l| (l.right, l.strike, l.ratio, l.expiry))
        .collect()
}

fn mid(snap: &ChainSnapshot, e: NaiveDate, right: OptionRight, k: f64) -> f64 {
    let i = snap.find(snap.root[0], e, k, right).unwrap();
    0.5 * (snap.bid[i].unwrap() + snap.ask[i].unwrap())
}

/// The price a trader pays (`qty > 0`, the ask) or receives (`qty < 0`, the bid).
fn touch(snap: &ChainSnapshot, e: NaiveDate, right: OptionRight, k: f64, qty: i32) -> f64 {
    let i = snap.find(snap.root[0], e, k, right).unwrap();
    if qty > 0 {
        snap.ask[i].unwrap()
    } else {
        snap.bid[i].unwrap()
    }
}

// ---------------------------------------------------------------------------------
// ChainView

#[test]
fn chain_view_quotes_find_and_time() {
    let cal = NyseCalendar::new();
    let snap = chain(at(today(), "10:00"));
    let v = ChainView::new(&snap, R, 0.0, &cal);
    assert!(v.is_sorted());
    let r = root("SPXW");
    // find agrees with the snapshot's linear find, on every row.
    for i in (0..snap.len()).step_by(7) {
        let j = v.find(r, snap.expiry[i], snap.right[i], snap.strike[i]);
        assert_eq!(j, Some(i));
    }
    assert_eq!(v.find(r, today(), Call, 5001.0), None);
    assert_eq!(v.find(root("SPX"), today(), Call, 5000.0), None);
    // Unsorted rows (reversed): same answers by linear scan.
    let mut rev = snap.clone();
    for col in [&mut rev.bid, &mut rev.ask] {
        col.reverse();
    }
    rev.root.reverse();
    rev.expiry.reverse();
    rev.strike.reverse();
    rev.right.reverse();
    rev.bid_size.reverse();
    rev.ask_size.reverse();
    rev.volume.reverse();
    rev.open_interest.reverse();
    rev.iv.reverse();
    let u = ChainView::new(&rev, R, 0.0, &cal);
    assert!(!u.is_sorted());
    let i = v.find(r, today(), Put, 4975.0).unwrap();
    let j = u.find(r, today(), Put, 4975.0).unwrap();
    assert_eq!(j, snap.len() - 1 - i);
    assert_eq!(u.mid(j), v.mid(i));
    assert_eq!(u.expiries(None), v.expiries(None));
    assert_eq!(v.expiries(Some(r)), expiries().to_vec());

    // Time: 0DTE SPXW settles at 16:00 ET, 6 h away; an SPX (AM) series at the open.
    let six_hours = 6.0 / (365.0 * 24.0);
    assert!((v.years_to_settlement(r, today()).unwrap() - six_hours).abs() < 1e-15);
    assert_eq!(
        v.settlement_time(root("SPX"), d(2024, 1, 19)),
        Some(at(d(2024, 1, 19), "09:30"))
    );
    // Early close: 2024-07-03 closes 13:00 ET.
    assert_eq!(
        v.settlement_time(r, d(2024, 7, 3)),
        Some(at(d(2024, 7, 3), "13:00"))
    );

    // The mid's implied vol is the pricing vol; the delta is N(d1) (Python above).
    let k4975 = v.find(r, today(), Put, 4975.0).unwrap();
    assert!((v.iv(k4975).unwrap() - SIGMA).abs() < 1e-9);
    assert!((v.delta(k4975).unwrap() - (-0.0990)).abs() < 5e-5);
    assert_eq!(v.by_delta(r, today(), Put, 0.10), Some(k4975));
    let c = v.by_delta(r, today(), Call, 0.10).unwrap();
    assert_eq!(v.strike(c), Some(5025.0));
    // ATM: the forward is 5000·e^{0.05·6h} = 5000.17, nearest strike 5000.
    assert_eq!(v.atm(r, today()), Some(5000.0));
    let straddle = mid(&snap, today(), Call, 5000.0) + mid(&snap, today(), Put, 5000.0);
    assert_eq!(v.straddle_mid(r, today()), Some(straddle));
    // Strikes of one expiry and right, ascending.
    let ks: Vec<f64> = v.strikes(r, today(), Put).collect();
    assert_eq!(ks.len(), 41);
    assert!(ks.windows(2).all(|w| w[0] < w[1]));
}

#[test]
fn chain_view_zero_and_missing_quotes() {
    let cal = NyseCalendar::new();
    let mut snap = chain(at(today(), "10:00"));
    snap.bid[0] = Some(0.0);
    snap.ask[0] = Some(0.10);
    snap.bid[1] = None;
    snap.bid[2] = Some(1.2);
    snap.ask[2] = Some(1.0); // crossed
    snap.iv[3] = Some(0.33); // vendor iv wins
    let v = ChainView::new(&snap, R, 0.0, &cal);
    assert_eq!(v.bid(0), Some(0.0));
    assert_eq!(v.mid(0), Some(0.05));
    assert_eq!(v.bid(1), None);
    assert_eq!(v.mid(1), None);
    assert_eq!(v.iv(1), None);
    assert_eq!(v.mid(2), None);
    assert_eq!(v.iv(3), Some(0.33));
    let l = LegSpec {
        root: snap.root[0],
        expiry: snap.expiry[0],
        strike: snap.strike[0],
        right: snap.right[0],
        ratio: 1,
    };
    assert_eq!(v.leg_quote(&l), Some((0.0, 0.10)));
    // A settled expiry has no iv from the mid.
    let late = chain(at(today(), "16:30"));
    let w = ChainView::new(&late, R, 0.0, &cal);
    let i = w.find(root("SPXW"), today(), Put, 5000.0).unwrap();
    assert_eq!(w.iv(i), None);
}

// ---------------------------------------------------------------------------------
// Market intelligence

#[test]
fn intel_vwap_by_hand() {
    let mut u = UnderlyingHistory::default();
    let day = today();
    u.push(at(d(2024, 1, 2), "15:59"), 4000.0, 50.0, true);
    u.push(at(day, "09:31"), 100.0, 10.0, true);
    u.push(at(day, "09:32"), 102.0, 30.0, false);
    u.push(at(day, "09:33"), 101.0, 0.0, false);
    // (100·10 + 102·30) / 40 = 101.5; the previous session is excluded.
    let v = intel::session_vwap(&u, at(day, "09:33")).unwrap();
    assert!((v - 101.5).abs() < 1e-12);
    // Up to 09:31 only.
    assert_eq!(intel::session_vwap(&u, at(day, "09:31")), Some(100.0));
    // No volume (an index): time-weighted, each price held until the next point:
    // 100 for 1 min, 102 for 2 min → (100 + 204) / 3.
    let mut idx = UnderlyingHistory::default();
    idx.push(at(day, "09:31"), 100.0, 0.0, true);
    idx.push(at(day, "09:32"), 102.0, 0.0, false);
    idx.push(at(day, "09:34"), 99.0, 0.0, false);
    let t = intel::session_vwap(&idx, at(day, "09:34")).unwrap();
    assert!((t - 304.0 / 3.0).abs() < 1e-12);
}

#[test]
fn intel_readings_against_independent_values() {
    let cal = NyseCalendar::new();
    let mut snap = chain(at(today(), "10:00"));
    // Volumes: calls 1, 2, 3, … puts 10 each → P/C by hand.
    let (mut calls, mut puts) = (0u64, 0u64);
    for i in 0..snap.len() {
        let v = if snap.right[i] == Call {
            (i % 5) as u64 + 1
        } else {
            10
        };
        snap.volume[i] = v;
        if snap.right[i] == Call {
            calls += v;
        } else {
            puts += v;
        }
        snap.open_interest[i] = Some(100 + (i as u64 * 37) % 400);
    }
    let v = ChainView::new(&snap, R, 0.0, &cal);
    let mut und = UnderlyingHistory::default();
    und.push(at(today(), "09:45"), 4990.0, 0.0, true);
    und.push(at(today(), "10:00"), SPOT, 0.0, false);
    let cfg = IntelConfig {
        zero_gamma: true,
        ..IntelConfig::default()
    };
    let readings = VolIndexReadings {
        vix: Some(16.0),
        vix9d: Some(14.0),
        vix3m: Some(18.0),
    };
    let m = intel::compute(&cfg, readings, &v, &und, snap.ts);
    assert_eq!(m.term_9d_ratio, Some(14.0 / 16.0));
    assert_eq!(m.term_3m_ratio, Some(16.0 / 18.0));
    assert_eq!(m.put_call_volume_ratio, Some(puts as f64 / calls as f64));
    // VWAP of an index: only 4990 held for 15 min so far.
    assert_eq!(m.vwap, Some(4990.0));
    assert!((m.vwap_deviation.unwrap() - (SPOT - 4990.0) / 4990.0).abs() < 1e-15);
    // GEX straight from thetalab_pricing::gex on the same rows (all within 45 days).
    let t: Vec<f64> = (0..snap.len())
        .map(|i| {
            Timestamp::years_between(snap.ts, cal.require_session(snap.expiry[i]).unwrap().close)
        })
        .collect();
    let oi: Vec<f64> = snap
        .open_interest
        .iter()
        .map(|o| o.unwrap() as f64)
        .collect();
    let iv = vec![SIGMA; snap.len()];
    let c = gex::Chain {
        strike: &snap.strike,
        right: &snap.right,
        open_interest: &oi,
        iv: &iv,
        t: &t,
    };
    let direct = gex::gex(&c, SPOT, R, 0.0, 100.0).unwrap().total;
    let got = m.gex.unwrap();
    assert!(
        (got - direct).abs() <= 1e-6 * direct.abs(),
        "{got} vs {direct}"
    );
    let flip = gex::zero_gamma_level(&c, SPOT, R, 0.0, 100.0, 0.10).unwrap();
    let zg = m.zero_gamma;
    match (zg, flip) {
        (Some(a), Some(b)) => assert!((a - b).abs() < 1e-6 * SPOT),
        (a, b) => assert_eq!(a, b),
    }
    // Expected move = the 0DTE ATM straddle.
    let straddle = mid(&snap, today(), Call, 5000.0) + mid(&snap, today(), Put, 5000.0);
    assert_eq!(m.expected_move, Some(straddle));
    // The regime follows the rule with these inputs.
    assert_eq!(
        m.regime,
        cfg.regime(
            m.vix,
            m.term_9d_ratio,
            m.term_3m_ratio,
            m.vwap_deviation,
            m.gex
        )
    );
    // The cache computes once per reset.
    let mut cache = IntelCache::new(cfg);
    cache.reset(readings);
    let a = cache.get(&v, &und, snap.ts).clone();
    assert_eq!(a, m);
    cache.reset(VolIndexReadings::default());
    assert_eq!(cache.get(&v, &und, snap.ts).vix, None);
}

#[test]
fn regime_rules_on_hand_inputs() {
    let c = IntelConfig::default();
    use Regime::*;
    // High volatility: VIX ≥ 25, VIX9D/VIX > 1.05, VIX/VIX3M > 1.
    assert_eq!(
        c.regime(Some(25.0), None, None, Some(0.01), Some(1.0)),
        HighVolatility
    );
    assert_eq!(
        c.regime(Some(24.9), Some(1.06), None, None, None),
        HighVolatility
    );
    assert_eq!(
        c.regime(Some(15.0), Some(1.05), Some(1.01), None, None),
        HighVolatility
    );
    assert_eq!(
        c.regime(Some(15.0), Some(1.05), Some(1.0), None, None),
        Neutral
    );
    // Trend vs VWAP with the GEX sign.
    assert_eq!(
        c.regime(Some(15.0), None, None, Some(0.002), Some(1e9)),
        Bullish
    );
    assert_eq!(
        c.regime(Some(15.0), None, None, Some(0.002), Some(-1e9)),
        Neutral
    );
    assert_eq!(
        c.regime(Some(15.0), None, None, Some(-0.002), Some(-1e9)),
        Bearish
    );
    assert_eq!(
        c.regime(Some(15.0), None, None, Some(-0.002), Some(1e9)),
        Neutral
    );
    assert_eq!(c.regime(None, None, None, Some(0.0005), None), Neutral);
    assert_eq!(c.regime(None, None, None, Some(0.001), None), Bullish);
    assert_eq!(c.regime(None, None, None, None, Some(1.0)), Neutral);
    let loose = IntelConfig {
        trend_needs_gex: false,
        ..IntelConfig::default()
    };
    assert_eq!(
        loose.regime(None, None, None, Some(-0.01), Some(1e9)),
        Bearish
    );
}

// ---------------------------------------------------------------------------------
// The 0DTE iron condor

fn condor(cfg: IronCondorConfig) -> IronCondor0Dte {
    IronCondor0Dte::new(cfg).unwrap()
}

#[test]
fn condor_exact_legs_and_limit() {
    let mut w = World::new();
    let mut s = condor(IronCondorConfig::default());
    let snap = chain(at(today(), "10:00"));
    let acts = w.step(&mut s, &snap);
    let o = opens(&acts);
    assert_eq!(o.len(), 1, "{:?}", s.last_skip());
    let o = o[0];
    let e = today();
    // 10Δ shorts (4975P −0.0990, 5025C 0.1039), 25-point wings.
    assert_eq!(
        legs(o),
        vec![
            (Put, 4950.0, 1, e),
            (Put, 4975.0, -1, e),
            (Call, 5025.0, -1, e),
            (Call, 5050.0, 1, e),
        ]
    );
    assert_eq!(o.kind, StructureKind::IronCondor);
    assert_eq!(o.units, None);
    assert_eq!(o.strategy, "iron-condor-0dte");
    assert_eq!(o.exits, ExitPlan::default());
    let net = mid(&snap, e, Put, 4950.0) - mid(&snap, e, Put, 4975.0) - mid(&snap, e, Call, 5025.0)
        + mid(&snap, e, Call, 5050.0);
    assert!(net < 0.0, "a credit");
    // The default limit is the natural price: buy the wings at the ask, sell the
    // shorts at the bid.
    let natural = touch(&snap, e, Put, 4950.0, 1)
        - touch(&snap, e, Put, 4975.0, -1)
        - touch(&snap, e, Call, 5025.0, -1)
        + touch(&snap, e, Call, 5050.0, 1);
    assert!((o.limit.unwrap() - natural).abs() < 1e-12);
    assert!(
        natural > net,
        "the natural credit is smaller than the mid credit"
    );

    // By expected move: shorts one straddle away from spot.
    let em = mid(&snap, e, Call, 5000.0) + mid(&snap, e, Put, 5000.0);
    let mut w2 = World::new();
    let mut s2 = condor(IronCondorConfig {
        short: StrikeRule::ExpectedMove(1.0),
        wing: WingRule::Points(10.0),
        min_credit: 0.0,
        min_credit_to_width: 0.0,
        ..IronCondorConfig::default()
    });
    let a2 = w2.step(&mut s2, &snap);
    let o2 = opens(&a2)[0];
    let near5 = |x: f64| (x / 5.0).round() * 5.0;
    let (sp, sc) = (near5(SPOT - em), near5(SPOT + em));
    assert_eq!(legs(o2)[1].1, sp);
    assert_eq!(legs(o2)[2].1, sc);
    assert_eq!(legs(o2)[0].1, sp - 10.0);
    assert_eq!(legs(o2)[3].1, sc + 10.0);
    // Limit at mid + 0.5 × (natural − mid).
    let mut w3 = World::new();
    let mut s3 = condor(IronCondorConfig {
        order: OrderRules {
            limit_fraction: Some(0.5),
            ..OrderRules::default()
        },
        ..IronCondorConfig::default()
    });
    let a3 = w3.step(&mut s3, &snap);
    let o3 = opens(&a3)[0];
    let half = |k: f64, r: OptionRight| {
        let i = snap.find(snap.root[0], e, k, r).unwrap();
        0.5 * (snap.ask[i].unwrap() - snap.bid[i].unwrap())
    };
    // Natural: longs at the ask (+half), shorts at the bid (−half·−1 = +half).
    let natural =
        net + half(4950.0, Put) + half(4975.0, Put) + half(5025.0, Call) + half(5050.0, Call);
    assert!((o3.limit.unwrap() - (net + 0.5 * (natural - net))).abs() < 1e-12);
}

#[test]
fn condor_enters_once_per_window() {
    let mut w = World::new();
    let mut s = condor(IronCondorConfig::default());
    let times = [
        "09:45", "10:00", "10:05", "11:25", "11:40", "11:45", "13:20", "14:30", "14:31", "15:00",
    ];
    let mut entered = Vec::new();
    for t in times {
        let snap = chain(at(today(), t));
        let acts = w.step(&mut s, &snap);
        if !opens(&acts).is_empty() {
            entered.push(t);
        } else if let Some(why) = s.last_skip() {
            eprintln!("{t}: {why}");
        }
    }
    // 11:30 taken at 11:40 (within 15 min); 13:00 missed (13:20 is 20 min late).
    assert_eq!(entered, ["10:00", "11:40", "14:30"]);
    // Next day, the windows reset.
    let next = d(2024, 1, 4);
    let snap = chain_at(at(next, "10:00"), "SPXW", SPOT, &[next]);
    assert_eq!(opens(&w.step(&mut s, &snap)).len(), 1);

    // The windows tracker on its own: two windows due at once → one entry (the later).
    let mut ew = EntryWindows::new();
    let ws = [
        NaiveTime::from_hms_opt(10, 0, 0).unwrap(),
        NaiveTime::from_hms_opt(10, 5, 0).unwrap(),
    ];
    assert_eq!(ew.due(&ws, 15, at(today(), "10:06")), Some(1));
    assert_eq!(ew.due(&ws, 15, at(today(), "10:07")), None);
}

#[test]
fn condor_respects_filters_and_max_open() {
    let snap = chain(at(today(), "10:00"));
    let run = |cfg: IronCondorConfig| {
        let mut w = World::new();
        let mut s = condor(cfg);
        let n = opens(&w.step(&mut s, &snap)).len();
        (n, s.last_skip().map(str::to_string))
    };
    let (n, why) = run(IronCondorConfig {
        min_credit: 50.0,
        ..IronCondorConfig::default()
    });
    assert_eq!(n, 0);
    assert!(why.unwrap().contains("credit"));
    let (n, why) = run(IronCondorConfig {
        min_credit: 0.0,
        min_credit_to_width: 0.9,
        ..IronCondorConfig::default()
    });
    assert_eq!(n, 0);
    assert!(why.unwrap().contains("credit/width"));
    // Every quote is at most 0.10 wide: a 0.05 limit rejects, 0.10 passes.
    let (n, why) = run(IronCondorConfig {
        order: OrderRules {
            max_leg_spread: Some(0.05),
            ..OrderRules::default()
        },
        ..IronCondorConfig::default()
    });
    assert_eq!(n, 0);
    assert!(why.unwrap().contains("spread"));
    let (n, _) = run(IronCondorConfig {
        order: OrderRules {
            max_leg_spread: Some(0.1000001),
            ..OrderRules::default()
        },
        ..IronCondorConfig::default()
    });
    assert_eq!(n, 1);
    // A zero bid on a wing fails the minimum bid.
    let mut zero = snap.clone();
    let i = zero.find(zero.root[0], today(), 4950.0, Put).unwrap();
    zero.bid[i] = Some(0.0);
    let mut w = World::new();
    let mut s = condor(IronCondorConfig::default());
    assert!(opens(&w.step(&mut s, &zero)).is_empty());
    assert!(s.last_skip().unwrap().contains("bid"));
    // No expiry today: no 0DTE condor.
    let mut w = World::new();
    let mut s = condor(IronCondorConfig::default());
    let later = chain_at(at(today(), "10:00"), "SPXW", SPOT, &[d(2024, 1, 10)]);
    assert!(opens(&w.step(&mut s, &later)).is_empty());
    // Max open reached.
    let mut w = World::new();
    w.portfolio.positions = vec![position(1, -1.0, Some(-0.9)); 4];
    let mut s = condor(IronCondorConfig::default());
    assert!(opens(&w.step(&mut s, &snap)).is_empty());
}

fn position(id: PositionId, entry: f64, mark: Option<f64>) -> PositionView {
    let e = today();
    let r = root("SPXW");
    let l = |right, strike, ratio| LegSpec {
        root: r,
        expiry: e,
        strike,
        right,
        ratio,
    };
    PositionView {
        id,
        strategy: "iron-condor-0dte".into(),
        kind: StructureKind::IronCondor,
        legs: vec![
            l(Put, 4950.0, 1),
            l(Put, 4975.0, -1),
            l(Call, 5025.0, -1),
            l(Call, 5050.0, 1),
        ],
        shares: 0,
        units: 1,
        opened: at(e, "10:00"),
        entry_price: entry,
        mark,
        max_loss: 2400.0,
        exits: ExitPlan::default(),
    }
}

#[test]
fn condor_exits_on_target_and_stop() {
    let mut w = World::new();
    // Sold for 1.00. Target 25 %: closed when the mark is ≥ −0.75 … i.e. costs ≤ 0.75
    // to buy back. Stop at a loss of 2× credit: mark ≤ −3.00.
    w.portfolio.positions = vec![
        position(1, -1.0, Some(-0.75)),
        position(2, -1.0, Some(-0.80)),
        position(3, -1.0, Some(-3.0)),
        position(4, -1.0, Some(-2.9)),
        position(5, -1.0, None),
    ];
    let mut s = condor(IronCondorConfig {
        windows: vec![],
        ..IronCondorConfig::default()
    });
    let acts = w.step(&mut s, &chain(at(today(), "12:00")));
    assert_eq!(
        acts,
        vec![
            OptionAction::Close {
                position: 1,
                reason: OptionExitReason::ProfitTarget,
                limit: None
            },
            OptionAction::Close {
                position: 3,
                reason: OptionExitReason::Stop,
                limit: None
            },
        ]
    );
    // Hold to settlement: nothing closes.
    for p in &mut w.portfolio.positions {
        p.exits = ExitPlan::hold();
    }
    assert!(w.step(&mut s, &chain(at(today(), "12:05"))).is_empty());
}

// ---------------------------------------------------------------------------------
// The other strategies: exact legs

fn first_open(name: &str, params: &str, snap: &ChainSnapshot) -> OrderIntent {
    let table: toml::Table = params.parse().unwrap();
    let mut s = by_name(name, &table).unwrap();
    let mut w = World::new();
    let acts = w.step(s.as_mut(), snap);
    let o = opens(&acts);
    assert_eq!(o.len(), 1, "{name}: {acts:?}");
    o[0].clone()
}

#[test]
fn verticals_exact_legs() {
    let snap = chain(at(today(), "10:00"));
    let e = today();
    // Bull put: short 20Δ put (4985, −0.2189), long 10 points lower.
    let o = first_open("vertical", "", &snap);
    assert_eq!(legs(&o), vec![(Put, 4985.0, -1, e), (Put, 4975.0, 1, e)]);
    assert_eq!(o.kind, StructureKind::CreditVertical);
    assert!(o.limit.unwrap() < 0.0);
    // Bear call by distance: short 5020C, long 5030C.
    let o = first_open(
        "vertical",
        "right = \"Call\"\nfirst = { points = 20.0 }",
        &snap,
    );
    assert_eq!(legs(&o), vec![(Call, 5020.0, -1, e), (Call, 5030.0, 1, e)]);
    // Bull call debit: long ATM call, short 10 points higher.
    let o = first_open(
        "vertical",
        "right = \"Call\"\nkind = \"debit\"\nfirst = \"atm\"",
        &snap,
    );
    assert_eq!(legs(&o), vec![(Call, 5000.0, 1, e), (Call, 5010.0, -1, e)]);
    assert_eq!(o.kind, StructureKind::DebitVertical);
    assert!(o.limit.unwrap() > 0.0);
    // Bear put debit, wing by delta: long ATM put, short the 10Δ put (4975).
    let o = first_open(
        "vertical",
        "right = \"Put\"\nkind = \"debit\"\nfirst = \"atm\"\nwidth = { delta = 0.10 }",
        &snap,
    );
    assert_eq!(legs(&o), vec![(Put, 5000.0, 1, e), (Put, 4975.0, -1, e)]);
}

#[test]
fn butterflies_straddles_strangles_exact_legs() {
    let snap = chain(at(today(), "10:00"));
    let e = today();
    let w7 = d(2024, 1, 10);
    let o = first_open("iron-butterfly", "wing = { points = 40.0 }", &snap);
    assert_eq!(
        legs(&o),
        vec![
            (Put, 4960.0, 1, e),
            (Put, 5000.0, -1, e),
            (Call, 5000.0, -1, e),
            (Call, 5040.0, 1, e)
        ]
    );
    assert_eq!(o.kind, StructureKind::IronButterfly);
    // Long call butterfly, 7 DTE, ATM body (forward 5004.97 → 5005), 25-point wings.
    let o = first_open("butterfly", "", &snap);
    assert_eq!(
        legs(&o),
        vec![
            (Call, 4980.0, 1, w7),
            (Call, 5005.0, -2, w7),
            (Call, 5030.0, 1, w7)
        ]
    );
    assert_eq!(o.kind, StructureKind::LongButterfly);
    // Broken-wing short put butterfly.
    let o = first_open(
        "butterfly",
        "right = \"Put\"\nside = \"short\"\nlower_wing = 30.0\nupper_wing = 20.0\n[entry]\ndte = 0",
        &snap,
    );
    assert_eq!(
        legs(&o),
        vec![
            (Put, 4970.0, -1, e),
            (Put, 5000.0, 2, e),
            (Put, 5020.0, -1, e)
        ]
    );
    assert_eq!(o.kind, StructureKind::ShortButterfly);
    assert!(o.reason.contains("broken-wing"));
    // Straddles.
    let o = first_open("straddle", "", &snap);
    assert_eq!(legs(&o), vec![(Call, 5000.0, -1, e), (Put, 5000.0, -1, e)]);
    assert_eq!(o.kind, StructureKind::ShortStraddle);
    let o = first_open("straddle", "side = \"long\"", &snap);
    assert_eq!(legs(&o), vec![(Call, 5000.0, 1, e), (Put, 5000.0, 1, e)]);
    assert_eq!(o.kind, StructureKind::LongStraddle);
    // 16Δ strangle: put 4980 (−0.1511), call 5020 (0.1572).
    let o = first_open("strangle", "", &snap);
    assert_eq!(legs(&o), vec![(Put, 4980.0, -1, e), (Call, 5020.0, -1, e)]);
    assert_eq!(o.kind, StructureKind::ShortStrangle);
    let o = first_open(
        "strangle",
        "side = \"long\"\nstrikes = { points = 50.0 }",
        &snap,
    );
    assert_eq!(legs(&o), vec![(Put, 4950.0, 1, e), (Call, 5050.0, 1, e)]);
    assert_eq!(o.kind, StructureKind::LongStrangle);
}

#[test]
fn calendars_diagonals_flyagonal_exact_legs() {
    let snap = chain(at(today(), "10:00"));
    let (w7, m30) = (d(2024, 1, 10), d(2024, 2, 2));
    // ATM of the front: the 7-DTE forward 5000·e^{0.05·7.25/365} = 5004.97 → 5005.
    let o = first_open("calendar", "", &snap);
    assert_eq!(
        legs(&o),
        vec![(Call, 5005.0, -1, w7), (Call, 5005.0, 1, m30)]
    );
    assert_eq!(o.kind, StructureKind::Calendar);
    assert!(o.limit.unwrap() > 0.0, "a long calendar is a debit");
    // Diagonal: short 30Δ call at 7 DTE (5060, 0.3062), long 70Δ call in the back
    // expiry nearest 45 days (30 DTE here: 4915, 0.6966, beats 4910, 0.7048).
    let o = first_open("diagonal", "", &snap);
    assert_eq!(
        legs(&o),
        vec![(Call, 5060.0, -1, w7), (Call, 4915.0, 1, m30)]
    );
    assert_eq!(o.kind, StructureKind::Diagonal);
    // Flyagonal: front nearest 8 DTE = 7 DTE, back nearest 16 after it = 30 DTE.
    let o = first_open("flyagonal", "", &snap);
    assert_eq!(
        legs(&o),
        vec![
            (Call, 5010.0, 1, w7),
            (Call, 5050.0, -2, w7),
            (Call, 5060.0, 1, w7),
            (Put, 4945.0, -1, w7),
            (Put, 4930.0, 1, m30),
        ]
    );
    assert_eq!(o.kind, StructureKind::Flyagonal);
    assert_eq!(o.legs.iter().map(|l| l.ratio.abs()).sum::<i32>(), 6);
}

#[test]
fn stock_structures_exact_legs() {
    let w7 = d(2024, 1, 10);
    let snap = chain_at(at(today(), "10:00"), "SPY", SPOT, &[w7]);
    let p = "[entry]\nroot = \"SPY\"\ndte = 7";
    let o = first_open("covered-call", p, &snap);
    assert_eq!(legs(&o), vec![(Call, 5060.0, -1, w7)]);
    assert_eq!(o.shares, 100);
    assert_eq!(o.exits, ExitPlan::hold());
    // The limit includes the shares at spot: 100 × 5000 / 100 − the call's bid (the
    // default limit is the natural price).
    let call = touch(&snap, w7, Call, 5060.0, -1);
    assert!((o.limit.unwrap() - (SPOT - call)).abs() < 1e-9);
    let o = first_open("protective-put", p, &snap);
    assert_eq!(legs(&o), vec![(Put, 4935.0, 1, w7)]);
    assert_eq!(o.shares, 100);
    let o = first_open("collar", p, &snap);
    assert_eq!(legs(&o), vec![(Put, 4935.0, 1, w7), (Call, 5080.0, -1, w7)]);
    assert_eq!(o.kind, StructureKind::Collar);
}

#[test]
fn wheel_cycles_through_assignment() {
    let w7 = d(2024, 1, 10);
    let cfg = WheelConfig {
        entry: EntryRule::with("SPY", 7),
        ..WheelConfig::default()
    };
    let mut s = Wheel::new(cfg).unwrap();
    let mut w = World::new();
    let snap = chain_at(at(today(), "10:00"), "SPY", SPOT, &[w7]);
    let o = opens(&w.step(&mut s, &snap))[0].clone();
    // 30Δ cash-secured put at 7 DTE: 4950 (−0.2970).
    assert_eq!(legs(&o), vec![(Put, 4950.0, -1, w7)]);
    assert_eq!(o.kind, StructureKind::CashSecuredPut);
    assert_eq!(o.units, Some(1));
    assert_eq!(s.phase(), WheelPhase::Puts);
    // Assigned: 100 shares at 4950 → covered calls.
    s.on_event(&StrategyEvent::SharesDelivered {
        shares: 100,
        price: 4950.0,
    });
    assert_eq!(s.phase(), WheelPhase::Calls);
    assert_eq!(s.shares(), 100);
    let next = d(2024, 1, 4);
    let snap2 = chain_at(at(next, "10:00"), "SPY", SPOT, &[w7]);
    let o = opens(&w.step(&mut s, &snap2))[0].clone();
    assert_eq!(o.kind, StructureKind::CoveredCall);
    assert_eq!(o.legs[0].right, Call);
    assert_eq!(o.legs[0].ratio, -1);
    assert_eq!(o.units, Some(1));
    assert!(o.legs[0].strike >= 4950.0);
    // Basis above the 30Δ call: the call moves up to the basis.
    let mut hi = Wheel::new(WheelConfig {
        entry: EntryRule::with("SPY", 7),
        ..WheelConfig::default()
    })
    .unwrap();
    hi.on_event(&StrategyEvent::SharesDelivered {
        shares: 100,
        price: 5072.0,
    });
    let mut w2 = World::new();
    let o = opens(&w2.step(&mut hi, &snap2))[0].clone();
    assert_eq!(o.legs[0].strike, 5075.0);
    // While an option is open, no new one.
    let mut w3 = World::new();
    let mut held = position(9, -1.0, Some(-0.5));
    held.exits = ExitPlan::hold();
    w3.portfolio.positions = vec![held];
    let d5 = d(2024, 1, 5);
    let snap3 = chain_at(at(d5, "10:00"), "SPY", SPOT, &[w7]);
    assert!(opens(&w3.step(&mut s, &snap3)).is_empty());
    // Called away → back to puts.
    s.on_event(&StrategyEvent::SharesDelivered {
        shares: -100,
        price: 5060.0,
    });
    assert_eq!(s.phase(), WheelPhase::Puts);
    assert_eq!(s.shares(), 0);
    let d8 = d(2024, 1, 8);
    let snap4 = chain_at(at(d8, "10:00"), "SPY", SPOT, &[w7]);
    let o = opens(&World::new().step(&mut s, &snap4))[0].clone();
    assert_eq!(o.kind, StructureKind::CashSecuredPut);
}

// ---------------------------------------------------------------------------------
// The regime selector

#[test]
fn selector_routes_by_regime_and_keeps_managing() {
    let cfg: SelectorConfig = config_from_toml(
        "regime-selector",
        &"neutral = [\"iron-condor-0dte\"]\nbullish = [\"bull-put\"]\nbearish = []\nhigh_volatility = []\n\
          [strategies.bull-put]\nstrategy = \"vertical\"\nentry = { time = \"13:00:00\" }\n"
            .parse()
            .unwrap(),
    )
    .unwrap();
    let mut sel = StrategySelector::new(cfg).unwrap();
    assert!(sel.owns("bull-put") && sel.owns("iron-condor-0dte") && !sel.owns("wheel"));
    // Neutral (no VWAP trend: the underlying's first point is the spot): the condor.
    let mut w = World::new();
    let snap = chain(at(today(), "10:00"));
    let acts = w.step(&mut sel, &snap);
    let o = opens(&acts);
    assert_eq!(o.len(), 1);
    assert_eq!(o[0].strategy, "iron-condor-0dte");
    assert!(o[0].reason.starts_with("neutral"));
    sel.on_event(&StrategyEvent::Opened {
        position: 7,
        units: 1,
        price: -1.0,
    });
    // High volatility: no opens at the 11:30 window, but the condor is still managed.
    let mut stressed = World::new();
    stressed.portfolio.positions = vec![position(7, -1.0, Some(-0.5))];
    stressed.readings.vix = Some(30.0);
    let snap2 = chain(at(today(), "11:30"));
    let acts = stressed.step(&mut sel, &snap2);
    assert_eq!(
        acts,
        vec![OptionAction::Close {
            position: 7,
            reason: OptionExitReason::ProfitTarget,
            limit: None
        }]
    );
    // Bullish: price 0.4 % above the session VWAP, GEX unknown → the bull put.
    let mut bull = World::new();
    bull.und.push(at(today(), "09:31"), 4980.0, 0.0, true);
    let mut no_oi = chain(at(today(), "13:00"));
    no_oi.open_interest.iter_mut().for_each(|o| *o = None);
    let acts = bull.step(&mut sel, &no_oi);
    let o = opens(&acts);
    assert_eq!(o.len(), 1, "{acts:?}");
    assert_eq!(o[0].strategy, "bull-put");
    assert_eq!(o[0].kind, StructureKind::CreditVertical);
}

// ---------------------------------------------------------------------------------
// Registry

#[test]
fn registry_builds_every_name_and_rejects_bad_input() {
    let empty = toml::Table::new();
    for name in OPTION_STRATEGY_NAMES {
        let s = by_name(name, &empty).unwrap();
        assert_eq!(s.name(), name);
    }
    assert!(matches!(
        by_name("nope", &empty),
        Err(thetalab_strategy::StrategyError::UnknownStrategy { .. })
    ));
    let bad: toml::Table = "shrot = { delta = 0.1 }".parse().unwrap();
    let e = by_name("iron-condor-0dte", &bad).err().unwrap().to_string();
    assert!(e.contains("shrot"), "{e}");
    let bad: toml::Table = "short = { delta = 1.5 }".parse().unwrap();
    assert!(by_name("iron-condor-0dte", &bad).is_err());
    let times: toml::Table = "windows = [\"09:45\", \"15:00:00\"]\nexits = { profit_target = 0.5, stop = { LossMultiple = 1.0 }, hold_to_settlement = false }"
        .parse()
        .unwrap();
    let c: IronCondorConfig = config_from_toml("iron-condor-0dte", &times).unwrap();
    assert_eq!(c.windows.len(), 2);
    assert_eq!(c.exits.profit_target, Some(0.5));
}

// ---------------------------------------------------------------------------------
// No look-ahead

#[test]
fn decisions_up_to_t_ignore_later_snapshots() {
    // The same snapshots up to 12:00, then two different futures (a crash vs a rally):
    // the actions up to 12:00 are identical, whatever comes after.
    let times = ["10:00", "10:30", "11:30", "12:00", "13:00", "14:30"];
    let run = |future_spot: f64, name: &str, params: &str, root_name: &str| {
        let mut s = by_name(name, &params.parse().unwrap()).unwrap();
        let mut w = World::new();
        let mut log = Vec::new();
        for (n, t) in times.iter().enumerate() {
            let spot = if n < 4 { SPOT } else { future_spot };
            let snap = chain_at(at(today(), t), root_name, spot, &expiries());
            let acts = w.step(s.as_mut(), &snap);
            // Feed back fills so stateful strategies advance.
            for a in &acts {
                if let OptionAction::Open(_) = a {
                    s.on_event(&StrategyEvent::Opened {
                        position: n as u64,
                        units: 1,
                        price: -1.0,
                    });
                }
            }
            if n == 2 {
                s.on_event(&StrategyEvent::SharesDelivered {
                    shares: 100,
                    price: 4950.0,
                });
            }
            log.push(acts);
        }
        log
    };
    let cases = [
        ("iron-condor-0dte", "", "SPXW"),
        ("wheel", "[entry]\nroot = \"SPY\"\ndte = 7", "SPY"),
        ("regime-selector", "", "SPXW"),
        ("strangle", "", "SPXW"),
    ];
    for (name, params, r) in cases {
        let a = run(4900.0, name, params, r);
        let b = run(5100.0, name, params, r);
        assert_eq!(a[..4], b[..4]);
    }
}

// ---------------------------------------------------------------------------------
// Market intelligence against independent computations (review additions)

/// Standard normal density.
fn phi(x: f64) -> f64 {
    (-0.5 * x * x).exp() / (2.0 * std::f64::consts::PI).sqrt()
}

/// BSM gamma written out here, independently of `thetalab_pricing`:
/// `Γ = e^{−qT} φ(d1) / (S σ √T)`, `d1 = (ln(S/K) + (r − q + σ²/2) T) / (σ √T)`
/// (Hull, *Options, Futures and Other Derivatives*, 8th ed., ch. 19, "Gamma").
fn gamma_by_hand(s: f64, k: f64, t: f64, r: f64, q: f64, sigma: f64) -> f64 {
    let sd = sigma * t.sqrt();
    let d1 = ((s / k).ln() + (r - q + 0.5 * sigma * sigma) * t) / sd;
    (-q * t).exp() * phi(d1) / (s * sd)
}

/// Dealer GEX per 1 % move written out here: `Σ sign · Γ · OI · 100 · S² · 0.01`,
/// calls `+`, puts `−` (SqueezeMetrics, "Gamma Exposure", 2017).
fn gex_by_hand(rows: &[(OptionRight, f64, f64, f64, f64)], s: f64) -> f64 {
    rows.iter()
        .map(|&(right, k, oi, sigma, t)| {
            let sign = if right == Call { 1.0 } else { -1.0 };
            sign * gamma_by_hand(s, k, t, R, 0.0, sigma) * oi * 100.0 * s * s * 0.01
        })
        .sum()
}

#[test]
fn gamma_by_hand_matches_hull() {
    // Hull, 8th ed., ch. 19, the chapter's running example: S = 49, K = 50, r = 5 %,
    // σ = 20 %, T = 20 weeks: Γ = 0.066.
    let g = gamma_by_hand(49.0, 50.0, 20.0 / 52.0, 0.05, 0.0, 0.20);
    assert!((g - 0.066).abs() < 5e-4, "{g}");
}

#[test]
fn intel_gex_and_flip_against_closed_form() {
    let cal = NyseCalendar::new();
    let ts = at(today(), "10:00");
    let r = root("SPXW");
    let far = d(2024, 3, 15); // 72 days away: beyond gex_max_dte = 45, ignored
    let mut snap = ChainSnapshot {
        ts,
        underlying: "SPX".into(),
        ..ChainSnapshot::default()
    };
    // (expiry, right, strike, open interest, vendor iv)
    let rows = [
        (today(), Put, 4950.0, Some(3000), 0.22),
        (today(), Put, 4990.0, Some(1500), 0.17),
        (today(), Call, 5000.0, Some(800), 0.15),
        (today(), Call, 5040.0, Some(2500), 0.12),
        (today(), Call, 5060.0, None, 0.12), // no open interest: ignored
        (far, Put, 4800.0, Some(90_000), 0.25),
    ];
    for (e, right, k, oi, iv) in rows {
        snap.push(
            r,
            &OptionQuote {
                ts,
                underlying_price: Some(SPOT),
                expiry: e,
                strike: k,
                right,
                bid: Some(1.0),
                ask: Some(1.1),
                bid_size: None,
                ask_size: None,
                last: None,
                volume: 0,
                open_interest: oi,
                iv: Some(iv),
                delta: None,
                gamma: None,
                vega: None,
                theta: None,
            },
        );
    }
    // 10:00 → 16:00 ET of the same day: T = 6 h under ACT/365.
    let t = 6.0 / (365.0 * 24.0);
    let used = [
        (Put, 4950.0, 3000.0, 0.22, t),
        (Put, 4990.0, 1500.0, 0.17, t),
        (Call, 5000.0, 800.0, 0.15, t),
        (Call, 5040.0, 2500.0, 0.12, t),
    ];
    let v = ChainView::new(&snap, R, 0.0, &cal);
    let und = UnderlyingHistory::default();
    let m = intel::compute(
        &IntelConfig::default(),
        VolIndexReadings::default(),
        &v,
        &und,
        ts,
    );
    let want = gex_by_hand(&used, SPOT);
    let got = m.gex.unwrap();
    assert!((got - want).abs() <= 1e-9 * want.abs(), "{got} vs {want}");
    // The flip: the sign change of the hand GEX nearest the spot within ±10 %, found
    // by a 0.5-point scan and bisection.
    let f = |s: f64| gex_by_hand(&used, s);
    let mut best: Option<f64> = None;
    let (lo, hi) = (0.9 * SPOT, 1.1 * SPOT);
    let mut x = lo;
    while x < hi {
        let (mut a, mut b) = (x, x + 0.5);
        if f(a).signum() != f(b).signum() {
            for _ in 0..200 {
                let c = 0.5 * (a + b);
                if f(a).signum() == f(c).signum() {
                    a = c;
                } else {
                    b = c;
                }
            }
            let root = 0.5 * (a + b);
            if best.is_none_or(|r| (root - SPOT).abs() < (r - SPOT).abs()) {
                best = Some(root);
            }
        }
        x += 0.5;
    }
    let want = best.expect("this chain's GEX changes sign near the spot");
    let got = m.zero_gamma.unwrap();
    assert!((got - want).abs() < 1e-4, "{got} vs {want}");
}

#[test]
fn intel_put_call_ratio_by_hand() {
    let cal = NyseCalendar::new();
    let mut snap = chain(at(today(), "10:00"));
    // Only three rows traded: 120 calls of 4980C, 30 calls of 5050C, 90 puts of 4950P.
    let r = snap.root[0];
    for (right, k, vol) in [(Call, 4980.0, 120), (Call, 5050.0, 30), (Put, 4950.0, 90)] {
        let i = snap.find(r, today(), k, right).unwrap();
        snap.volume[i] = vol;
    }
    let v = ChainView::new(&snap, R, 0.0, &cal);
    assert_eq!(intel::put_call_volume_ratio(&v), Some(90.0 / 150.0));
    // No call traded: undefined, not infinite.
    let mut puts_only = chain(at(today(), "10:00"));
    let i = puts_only.find(r, today(), 4950.0, Put).unwrap();
    puts_only.volume[i] = 5;
    let v = ChainView::new(&puts_only, R, 0.0, &cal);
    assert_eq!(intel::put_call_volume_ratio(&v), None);
}

#[test]
fn intel_expected_move_is_the_forward_atm_straddle_of_the_first_live_expiry() {
    let cal = NyseCalendar::new();
    let m30 = d(2024, 2, 2);
    let snap = chain_at(at(today(), "10:00"), "SPXW", SPOT, &[m30]);
    let v = ChainView::new(&snap, R, 0.0, &cal);
    let und = UnderlyingHistory::default();
    let cfg = IntelConfig::default();
    let m = intel::compute(&cfg, VolIndexReadings::default(), &v, &und, snap.ts);
    // Forward to 2024-02-02 16:00 ET, 30.25 days: 5000·e^{0.05·30.25/365} = 5020.8,
    // so the ATM strike is 5020, not the 5000 nearest the spot.
    let fwd = SPOT * (R * 30.25 / 365.0).exp();
    assert!((fwd - 5020.8).abs() < 0.05, "{fwd}");
    let (c, p) = (mid(&snap, m30, Call, 5020.0), mid(&snap, m30, Put, 5020.0));
    assert_eq!(m.expected_move, Some(c + p));
    // The two mids obey put-call parity, C − P = S − K e^{−rT} (model-free).
    let parity = SPOT - 5020.0 * (-R * 30.25 / 365.0).exp();
    assert!((c - p - parity).abs() < 1e-6, "{} vs {parity}", c - p);
    // Brenner & Subrahmanyam (1988): an at-the-forward straddle is about
    // 2 · 0.4 · F σ √T · e^{−rT}; the rule of thumb holds to a fraction of a percent here.
    let bs = 0.8 * fwd * SIGMA * (30.25_f64 / 365.0).sqrt() * (-R * 30.25 / 365.0).exp();
    assert!(((c + p) / bs - 1.0).abs() < 0.01, "{} vs {bs}", c + p);

    // After today's 0DTE series settled (16:00), the expected move is the next live
    // expiry's straddle, not the settled one's (a bug before the review).
    let w7 = d(2024, 1, 10);
    let late = chain_at(at(today(), "16:05"), "SPXW", SPOT, &[today(), w7]);
    let v = ChainView::new(&late, R, 0.0, &cal);
    let m = intel::compute(&cfg, VolIndexReadings::default(), &v, &und, late.ts);
    let k = v.atm(root("SPXW"), w7).unwrap();
    let want = mid(&late, w7, Call, k) + mid(&late, w7, Put, k);
    assert_eq!(m.expected_move, Some(want));
    assert_eq!(v.expiry_nearest_dte(root("SPXW"), 0), Some(w7));
}

#[test]
fn intel_vwap_matches_the_indicator_crate() {
    // The session VWAP of points (price, interval volume) is the indicator crate's
    // session-anchored VWAP with high = low = close = price (an independent
    // implementation, thetalab_indicators::vwap).
    let day = today();
    let times = ["09:31", "09:32", "09:35", "09:40", "09:41", "10:02"];
    let prices = [4990.25, 4993.5, 4988.0, 5001.75, 5003.0, 4999.5];
    let vols = [1200.0, 300.0, 4500.0, 0.0, 800.0, 2100.0];
    let mut u = UnderlyingHistory::default();
    u.push(at(d(2024, 1, 2), "15:59"), 4700.0, 9e6, true);
    for (n, ((t, p), v)) in times.iter().zip(prices).zip(vols).enumerate() {
        u.push(at(day, t), p, v, n == 0);
    }
    let starts = thetalab_indicators::session_starts(&u.ts);
    let peer = thetalab_indicators::vwap(&u.price, &u.price, &u.price, &u.volume, &starts).unwrap();
    for (j, t) in times.iter().enumerate() {
        let got = intel::session_vwap(&u, at(day, t)).unwrap();
        let want = peer[j + 1];
        assert!((got - want).abs() <= 1e-12 * want, "{t}: {got} vs {want}");
    }
    // A NaN price or volume is skipped, not spread into the VWAP.
    u.push(at(day, "10:03"), f64::NAN, 500.0, false);
    u.push(at(day, "10:04"), 5010.0, f64::NAN, false);
    let got = intel::session_vwap(&u, at(day, "10:04")).unwrap();
    assert!((got - peer[times.len()]).abs() <= 1e-12 * got);
    // And the deviation uses the last finite price (NaN last price: the chain's spot).
    let cal = NyseCalendar::new();
    let snap = chain(at(day, "10:04"));
    let last = u.price.len() - 1;
    u.price[last] = f64::NAN;
    let v = ChainView::new(&snap, R, 0.0, &cal);
    let m = intel::compute(
        &IntelConfig::default(),
        VolIndexReadings::default(),
        &v,
        &u,
        snap.ts,
    );
    let dev = m.vwap_deviation.unwrap();
    assert!(dev.is_finite());
    assert!((dev - (SPOT - got) / got).abs() < 1e-15);
}

#[test]
fn intel_config_validate_names_the_bad_field() {
    assert!(IntelConfig::default().validate().is_ok());
    let bad = |c: IntelConfig, field: &str| {
        let e = c.validate().unwrap_err().to_string();
        assert!(e.contains(field), "{e}");
    };
    bad(
        IntelConfig {
            multiplier: 0.0,
            ..IntelConfig::default()
        },
        "multiplier",
    );
    bad(
        IntelConfig {
            zero_gamma_range: 1.5,
            ..IntelConfig::default()
        },
        "zero_gamma_range",
    );
    bad(
        IntelConfig {
            trend_threshold: f64::NAN,
            ..IntelConfig::default()
        },
        "trend_threshold",
    );
    bad(
        IntelConfig {
            root: Some("not a root!".into()),
            ..IntelConfig::default()
        },
        "root",
    );
}

// ---------------------------------------------------------------------------------
// Robustness and shared selection rules (review additions)

#[test]
fn ragged_snapshot_does_not_panic() {
    let cal = NyseCalendar::new();
    let mut snap = chain(at(today(), "10:00"));
    let n = snap.len();
    // A hand-built snapshot whose `iv` and `open_interest` columns are short.
    snap.iv.truncate(n - 10);
    snap.open_interest.truncate(n - 3);
    let v = ChainView::new(&snap, R, 0.0, &cal);
    assert_eq!(v.len(), n - 10);
    assert_eq!(v.ragged_rows(), 10);
    assert!(!v.is_sorted());
    let r = root("SPXW");
    // Every query answers from the common rows; none indexes past a short column.
    assert_eq!(v.find(r, d(2024, 2, 2), Call, 5100.0), None); // in the dropped tail
    assert!(v.find(r, today(), Put, 4975.0).is_some());
    assert!(v.by_delta(r, today(), Put, 0.10).is_some());
    assert_eq!(v.expiries(Some(r)).len(), 3);
    assert_eq!(v.iv(n - 1), None);
    let m = intel::compute(
        &IntelConfig::default(),
        VolIndexReadings::default(),
        &v,
        &UnderlyingHistory::default(),
        snap.ts,
    );
    assert!(m.gex.is_some_and(f64::is_finite));
    let mut s = condor(IronCondorConfig::default());
    let mut w = World::new();
    assert_eq!(opens(&w.step(&mut s, &snap)).len(), 1);
}

#[test]
fn wing_ties_go_to_the_strike_nearer_the_short() {
    use thetalab_strategy::options::common::pick_wing;
    let cal = NyseCalendar::new();
    let snap = chain(at(today(), "10:00"));
    let v = ChainView::new(&snap, R, 0.0, &cal);
    let r = root("SPXW");
    // 12.5 points beyond a strike on a 5-point grid: two strikes 2.5 away.
    let w = WingRule::Points(12.5);
    assert_eq!(pick_wing(&v, r, today(), Put, 4975.0, w), Some(4965.0));
    assert_eq!(pick_wing(&v, r, today(), Call, 5025.0, w), Some(5035.0));
    // The nearest strike itself ties to the lower one.
    assert_eq!(v.nearest_strike(r, today(), Call, 5012.5), Some(5010.0));
    // A delta wing is the by-delta strike among those beyond the short: the 10Δ put
    // (4975) beyond a 4990 short, and nothing at or above the short.
    let wd = WingRule::Delta(0.10);
    assert_eq!(pick_wing(&v, r, today(), Put, 4990.0, wd), Some(4975.0));
    assert_eq!(
        pick_wing(&v, r, today(), Put, 4970.0, WingRule::Delta(0.5)),
        Some(4965.0)
    );
}

#[test]
fn exit_plan_numbers_are_checked_at_construction() {
    for (name, params, field) in [
        (
            "straddle",
            "exits = { profit_target = -0.5, hold_to_settlement = false }",
            "profit_target",
        ),
        (
            "iron-condor-0dte",
            "exits = { profit_target = nan, hold_to_settlement = false }",
            "profit_target",
        ),
        (
            "wheel",
            "exits = { stop = { LossMultiple = 0.0 }, hold_to_settlement = false }",
            "LossMultiple",
        ),
        (
            "flyagonal",
            "exits = { stop = { MarkMultiple = -2.0 }, hold_to_settlement = false }",
            "MarkMultiple",
        ),
    ] {
        let t: toml::Table = params.parse().unwrap();
        let e = by_name(name, &t).err().unwrap().to_string();
        assert!(e.contains(field), "{name}: {e}");
    }
    assert!(ExitPlan::default().validate("x").is_ok());
    assert!(ExitPlan::hold().validate("x").is_ok());
}
