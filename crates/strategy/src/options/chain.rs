//! [`ChainView`]: a read-only view of one chain snapshot with the questions a strategy
//! asks of it — where is this contract, what is its bid/ask/mid, its implied vol and
//! delta, which strike has a 10Δ put, where is the money, what does the straddle cost.
//!
//! ## Quotes
//! A side is *present* when it is `Some`, finite and `≥ 0`. A bid of `0.0` is a real
//! quote ("no bid above zero": the side exists, you can sell for nothing) and is kept;
//! a missing side (`None`) is not. The mid is `(bid + ask) / 2` when both sides are
//! present and not crossed (`bid ≤ ask`), so a `0.00 / 0.10` quote has a mid of `0.05`;
//! it is `None` otherwise. Strategies that refuse zero bids say so with their own
//! filters (e.g. the condor's `min_bid`).
//!
//! ## Time and greeks
//! Time to expiry is calendar time, ACT/365 in nanoseconds
//! ([`Timestamp::years_between`]), from the snapshot to the contract's settlement
//! instant: the session close (13:00 ET on early closes) for PM-settled roots (`SPXW`,
//! equities), the session open for AM-settled roots (`SPX`, `NDX`, `RUT`). When the
//! expiry date is not a session (old Saturday expiries), the session before it is used.
//! Implied vols are the vendor's when present, finite and positive, else the BSM
//! implied vol of the mid at the view's rate and dividend yield; the delta is the BSM
//! delta at that vol.
//!
//! ## Cost
//! No allocation per call except [`ChainView::expiries`]. When the rows are sorted by
//! expiry then strike (as the synthetic market and the store produce them; checked
//! once in [`ChainView::new`], O(n)), [`ChainView::find`] is a binary search and
//! per-expiry queries touch only that expiry's rows; otherwise they scan linearly and
//! give the same answers.

use chrono::NaiveDate;
use thetalab_core::{OptionRight, OptionRoot, Timestamp};
use thetalab_data::ChainSnapshot;
use thetalab_data::calendar::{NyseCalendar, Settlement};
use thetalab_pricing::{OptionInputs, bsm, iv};

use super::LegSpec;

/// A read-only view of one [`ChainSnapshot`] with the rate, dividend yield and calendar
/// needed for implied vols and deltas. Cheap to build (one O(n) sortedness check) and
/// borrow-only: build one per snapshot.
#[derive(Debug, Clone, Copy)]
pub struct ChainView<'a> {
    snap: &'a ChainSnapshot,
    rate: f64,
    dividend_yield: f64,
    calendar: &'a NyseCalendar,
    /// Rows in use: the shortest column's length (every column when consistent).
    rows: usize,
    /// Rows of the longest column beyond `rows`, ignored (see [`ChainView::ragged_rows`]).
    ragged: usize,
    /// Rows sorted by (expiry, strike): binary searches allowed.
    sorted: bool,
}

impl<'a> ChainView<'a> {
    /// A view of `snap` with the continuously compounded `rate` and `dividend_yield`
    /// (per year) used for implied vols, deltas and the forward.
    #[must_use]
    pub fn new(
        snap: &'a ChainSnapshot,
        rate: f64,
        dividend_yield: f64,
        calendar: &'a NyseCalendar,
    ) -> Self {
        let lens = [
            snap.strike.len(),
            snap.root.len(),
            snap.expiry.len(),
            snap.right.len(),
            snap.bid.len(),
            snap.ask.len(),
            snap.iv.len(),
            snap.volume.len(),
            snap.open_interest.len(),
        ];
        // The snapshot's columns are public: a hand-built one may be ragged. Only the
        // rows every column has are used (no index can then go out of bounds); the
        // rest are counted in `ragged`.
        let n = lens.iter().copied().min().unwrap_or(0);
        let ragged = lens.iter().copied().max().unwrap_or(0) - n;
        let sorted = ragged == 0
            && (1..n).all(|i| {
                let (e0, e1) = (snap.expiry[i - 1], snap.expiry[i]);
                e0 < e1 || (e0 == e1 && snap.strike[i - 1] <= snap.strike[i])
            });
        ChainView {
            snap,
            rate,
            dividend_yield,
            calendar,
            rows: n,
            ragged,
            sorted,
        }
    }

    /// How many rows of the snapshot's longest column are ignored because another
    /// column is shorter (0 for a consistent snapshot, as the readers and
    /// [`ChainSnapshot::push`] build them). A caller that builds snapshots by hand
    /// should treat a non-zero count as an error in its input.
    #[must_use]
    pub fn ragged_rows(&self) -> usize {
        self.ragged
    }

    /// The underlying snapshot.
    #[must_use]
    pub fn snapshot(&self) -> &'a ChainSnapshot {
        self.snap
    }

    /// The snapshot's time.
    #[must_use]
    pub fn now(&self) -> Timestamp {
        self.snap.ts
    }

    /// The underlying's price at the snapshot, when known and positive.
    #[must_use]
    pub fn spot(&self) -> Option<f64> {
        self.snap
            .underlying_price
            .filter(|s| s.is_finite() && *s > 0.0)
    }

    /// The rate used for implied vols and deltas.
    #[must_use]
    pub fn rate(&self) -> f64 {
        self.rate
    }

    /// The dividend yield used for implied vols and deltas.
    #[must_use]
    pub fn dividend_yield(&self) -> f64 {
        self.dividend_yield
    }

    /// The calendar.
    #[must_use]
    pub fn calendar(&self) -> &'a NyseCalendar {
        self.calendar
    }

    /// Number of rows (contracts quoted) in use; see [`ChainView::ragged_rows`].
    #[must_use]
    pub fn len(&self) -> usize {
        self.rows
    }

    /// True when the view has no rows.
    #[must_use]
    pub fn is_empty(&self) -> bool {
        self.rows == 0
    }

    /// Whether the rows are sorted by expiry then strike (binary searches in use).
    #[must_use]
    pub fn is_sorted(&self) -> bool {
        self.sorted
    }

    /// The half-open row range of `expiry` (all rows when unsorted).
    fn expiry_range(&self, expiry: NaiveDate) -> std::ops::Range<usize> {
        if !self.sorted {
            return 0..self.len();
        }
        let e = &self.snap.expiry;
        let lo = e.partition_point(|d| *d < expiry);
        let hi = lo + e[lo..].partition_point(|d| *d <= expiry);
        lo..hi
    }

    /// Row of the contract, if quoted. O(log n) on sorted rows.
    #[must_use]
    pub fn find(
        &self,
        root: OptionRoot,
        expiry: NaiveDate,
        right: OptionRight,
        strike: f64,
    ) -> Option<usize> {
        let s = self.snap;
        let matches = |i: usize| {
            s.root[i] == root
                && s.expiry[i] == expiry
                && s.strike[i] == strike
                && s.right[i] == right
        };
        if !self.sorted {
            return (0..self.len()).find(|&i| matches(i));
        }
        let r = self.expiry_range(expiry);
        let strikes = &s.strike[r.clone()];
        let lo = r.start + strikes.partition_point(|k| *k < strike);
        (lo..r.end)
            .take_while(|&i| s.strike[i] == strike)
            .find(|&i| matches(i))
    }

    /// Row of a leg's contract.
    #[must_use]
    pub fn find_leg(&self, leg: &LegSpec) -> Option<usize> {
        self.find(leg.root, leg.expiry, leg.right, leg.strike)
    }

    /// `i` when it is a row of the view (`i < len`): rows beyond a short column of a
    /// ragged snapshot are not.
    fn row(&self, i: usize) -> Option<usize> {
        (i < self.rows).then_some(i)
    }

    /// The option root of row `i`.
    #[must_use]
    pub fn root(&self, i: usize) -> Option<OptionRoot> {
        self.snap.root.get(self.row(i)?).copied()
    }

    /// The expiry of row `i`.
    #[must_use]
    pub fn expiry(&self, i: usize) -> Option<NaiveDate> {
        self.snap.expiry.get(self.row(i)?).copied()
    }

    /// The strike of row `i`.
    #[must_use]
    pub fn strike(&self, i: usize) -> Option<f64> {
        self.snap.strike.get(self.row(i)?).copied()
    }

    /// The right of row `i`.
    #[must_use]
    pub fn right(&self, i: usize) -> Option<OptionRight> {
        self.snap.right.get(self.row(i)?).copied()
    }

    /// The bid of row `i` when present (`0.0` is a present bid; see the module docs).
    #[must_use]
    pub fn bid(&self, i: usize) -> Option<f64> {
        present(self.snap.bid.get(self.row(i)?).copied().flatten())
    }

    /// The ask of row `i` when present.
    #[must_use]
    pub fn ask(&self, i: usize) -> Option<f64> {
        present(self.snap.ask.get(self.row(i)?).copied().flatten())
    }

    /// The mid of row `i`: both sides present and not crossed (a `0/ask` quote has a
    /// mid of `ask / 2`).
    #[must_use]
    pub fn mid(&self, i: usize) -> Option<f64> {
        self.quote(i).map(|(b, a)| 0.5 * (b + a))
    }

    /// `(bid, ask)` of row `i` when both are present and not crossed.
    #[must_use]
    pub fn quote(&self, i: usize) -> Option<(f64, f64)> {
        match (self.bid(i), self.ask(i)) {
            (Some(b), Some(a)) if b <= a => Some((b, a)),
            _ => None,
        }
    }

    /// `(bid, ask)` of a leg's contract (per contract, not multiplied by the ratio).
    #[must_use]
    pub fn leg_quote(&self, leg: &LegSpec) -> Option<(f64, f64)> {
        self.find_leg(leg).and_then(|i| self.quote(i))
    }

    /// Session volume of row `i`.
    #[must_use]
    pub fn volume(&self, i: usize) -> Option<u64> {
        self.snap.volume.get(self.row(i)?).copied()
    }

    /// Open interest of row `i`, when known.
    #[must_use]
    pub fn open_interest(&self, i: usize) -> Option<u64> {
        self.snap.open_interest.get(self.row(i)?).copied().flatten()
    }

    /// The distinct expiries, ascending, of `root` (of every root when `None`).
    #[must_use]
    pub fn expiries(&self, root: Option<OptionRoot>) -> Vec<NaiveDate> {
        let s = self.snap;
        let mut out: Vec<NaiveDate> = Vec::new();
        for i in 0..self.len() {
            if root.is_some_and(|r| s.root[i] != r) {
                continue;
            }
            let e = s.expiry[i];
            if self.sorted {
                if out.last() != Some(&e) {
                    out.push(e);
                }
            } else if let Err(pos) = out.binary_search(&e) {
                out.insert(pos, e);
            }
        }
        out
    }

    /// The first expiry of `root` on or after `date` that is quoted.
    #[must_use]
    pub fn expiry_on_or_after(&self, root: OptionRoot, date: NaiveDate) -> Option<NaiveDate> {
        let s = self.snap;
        if self.sorted {
            let start = s.expiry.partition_point(|d| *d < date);
            return (start..self.len())
                .find(|&i| s.root[i] == root)
                .map(|i| s.expiry[i]);
        }
        (0..self.len())
            .filter(|&i| s.root[i] == root && s.expiry[i] >= date)
            .map(|i| s.expiry[i])
            .min()
    }

    /// The quoted expiry of `root` whose calendar-day distance from the snapshot's
    /// New York date is closest to `dte` (ties to the earlier), among expiries that
    /// have not settled (today's 0DTE series drops out at its settlement instant).
    #[must_use]
    pub fn expiry_nearest_dte(&self, root: OptionRoot, dte: i64) -> Option<NaiveDate> {
        let today = self.now().ny_date();
        self.expiries(Some(root))
            .into_iter()
            .filter(|e| *e >= today && self.years_to_settlement(root, *e).is_some_and(|t| t > 0.0))
            .min_by_key(|e| ((*e - today).num_days() - dte).abs())
    }

    /// The instant `root`'s series expiring on `expiry` settles: the session close
    /// (early closes included) for PM roots, the session open for AM roots (see
    /// [`Settlement::of_root`]); the session before `expiry` when it is not a session.
    #[must_use]
    pub fn settlement_time(&self, root: OptionRoot, expiry: NaiveDate) -> Option<Timestamp> {
        let day = self.calendar.session_on_or_before(expiry).ok()?;
        let session = self.calendar.session(day).ok()??;
        Some(match Settlement::of_root(root.as_str()) {
            Settlement::Am => session.open,
            Settlement::Pm => session.close,
        })
    }

    /// Calendar years (ACT/365, nanosecond resolution) from the snapshot to the
    /// settlement of `root`'s `expiry`; negative once settled.
    #[must_use]
    pub fn years_to_settlement(&self, root: OptionRoot, expiry: NaiveDate) -> Option<f64> {
        self.settlement_time(root, expiry)
            .map(|t| Timestamp::years_between(self.now(), t))
    }

    /// BSM inputs of row `i` (sigma left at 0) when the spot is known and the contract
    /// has not settled.
    fn inputs(&self, i: usize) -> Option<OptionInputs> {
        let s = self.spot()?;
        let (root, expiry) = (self.root(i)?, self.expiry(i)?);
        let t = self.years_to_settlement(root, expiry)?;
        if t <= 0.0 {
            return None;
        }
        Some(OptionInputs::new(
            self.right(i)?,
            s,
            self.strike(i)?,
            t,
            self.rate,
            self.dividend_yield,
            0.0,
        ))
    }

    /// Implied vol of row `i`: the vendor's when present, finite and positive, else the
    /// BSM implied vol of the mid; `None` when the contract has settled, the spot is
    /// unknown, there is no mid, or the mid is outside the no-arbitrage bounds.
    #[must_use]
    pub fn iv(&self, i: usize) -> Option<f64> {
        if let Some(v) = self.snap.iv.get(self.row(i)?).copied().flatten()
            && v.is_finite()
            && v > 0.0
        {
            return Some(v);
        }
        let o = self.inputs(i)?;
        let m = self.mid(i)?;
        iv::bsm(m, &o).ok().filter(|v| v.is_finite() && *v > 0.0)
    }

    /// BSM delta of row `i` at [`ChainView::iv`] (per share: calls in (0, 1), puts in
    /// (−1, 0)).
    #[must_use]
    pub fn delta(&self, i: usize) -> Option<f64> {
        let sigma = self.iv(i)?;
        let o = self.inputs(i)?.with_sigma(sigma);
        let (_, d) = bsm::price_delta(&o);
        d.is_finite().then_some(d)
    }

    /// Rows of `root`'s `expiry` and `right`, in strike order when sorted.
    pub fn rows(
        &self,
        root: OptionRoot,
        expiry: NaiveDate,
        right: OptionRight,
    ) -> impl Iterator<Item = usize> + 'a {
        let s = self.snap;
        self.expiry_range(expiry)
            .filter(move |&i| s.root[i] == root && s.expiry[i] == expiry && s.right[i] == right)
    }

    /// Strikes quoted for `root`'s `expiry` and `right` (ascending when sorted).
    pub fn strikes(
        &self,
        root: OptionRoot,
        expiry: NaiveDate,
        right: OptionRight,
    ) -> impl Iterator<Item = f64> + 'a {
        let s = self.snap;
        self.rows(root, expiry, right).map(move |i| s.strike[i])
    }

    /// The row of `root`'s `expiry`/`right` whose |delta| is closest to
    /// `target_abs_delta` (0.10 for a 10Δ option), among rows with a two-sided quote
    /// and a positive ask; ties go to the lower |delta| (further out of the money).
    #[must_use]
    pub fn by_delta(
        &self,
        root: OptionRoot,
        expiry: NaiveDate,
        right: OptionRight,
        target_abs_delta: f64,
    ) -> Option<usize> {
        self.by_delta_where(root, expiry, right, target_abs_delta, |_| true)
    }

    /// [`ChainView::by_delta`] among the strikes `keep` accepts (e.g. a wing strictly
    /// beyond its short strike). The delta is [`ChainView::delta`], i.e.
    /// `thetalab_pricing::bsm` at the row's implied vol: there is one delta formula.
    pub(crate) fn by_delta_where(
        &self,
        root: OptionRoot,
        expiry: NaiveDate,
        right: OptionRight,
        target_abs_delta: f64,
        keep: impl Fn(f64) -> bool,
    ) -> Option<usize> {
        let mut best: Option<(f64, f64, usize)> = None;
        for i in self.rows(root, expiry, right) {
            if !self.strike(i).is_some_and(&keep) {
                continue;
            }
            if !self.quote(i).is_some_and(|(_, a)| a > 0.0) {
                continue;
            }
            let Some(d) = self.delta(i).map(f64::abs) else {
                continue;
            };
            let gap = (d - target_abs_delta).abs();
            let better = match best {
                None => true,
                Some((g, bd, _)) => gap < g || (gap == g && d < bd),
            };
            if better {
                best = Some((gap, d, i));
            }
        }
        best.map(|(_, _, i)| i)
    }

    /// The forward price to `root`'s `expiry`: `S·e^{(r−q)T}` (the spot once settled).
    #[must_use]
    pub fn forward(&self, root: OptionRoot, expiry: NaiveDate) -> Option<f64> {
        let s = self.spot()?;
        let t = self.years_to_settlement(root, expiry)?.max(0.0);
        Some(s * ((self.rate - self.dividend_yield) * t).exp())
    }

    /// The at-the-money strike of `root`'s `expiry`: the strike quoted for both rights
    /// nearest the forward (ties to the lower strike).
    #[must_use]
    pub fn atm(&self, root: OptionRoot, expiry: NaiveDate) -> Option<f64> {
        let f = self.forward(root, expiry)?;
        let both = self
            .strikes(root, expiry, OptionRight::Call)
            .filter(|k| self.find(root, expiry, OptionRight::Put, *k).is_some());
        nearest(both, f, true)
    }

    /// Mid of the at-the-money straddle (call mid + put mid at [`ChainView::atm`]): the
    /// market's expected move to expiry, in points.
    #[must_use]
    pub fn straddle_mid(&self, root: OptionRoot, expiry: NaiveDate) -> Option<f64> {
        let k = self.atm(root, expiry)?;
        let c = self.find(root, expiry, OptionRight::Call, k)?;
        let p = self.find(root, expiry, OptionRight::Put, k)?;
        Some(self.mid(c)? + self.mid(p)?)
    }

    /// The quoted strike of `root`'s `expiry`/`right` nearest `target` (ties to the
    /// lower strike).
    #[must_use]
    pub fn nearest_strike(
        &self,
        root: OptionRoot,
        expiry: NaiveDate,
        right: OptionRight,
        target: f64,
    ) -> Option<f64> {
        nearest(self.strikes(root, expiry, right), target, true)
    }

    /// Net mid, bid and ask of a set of legs per unit (`Σ ratio × price`; see the
    /// module docs of [`super`] for the sign): `(natural_bid, mid, natural_ask)` where
    /// the natural prices are what selling (`bid`) and buying (`ask`) the whole
    /// structure at the touch would give. `None` when any leg lacks a quote.
    #[must_use]
    pub fn net_quote(&self, legs: &[LegSpec]) -> Option<(f64, f64, f64)> {
        let (mut lo, mut mid, mut hi) = (0.0, 0.0, 0.0);
        for leg in legs {
            let (b, a) = self.leg_quote(leg)?;
            let r = f64::from(leg.ratio);
            mid += r * 0.5 * (b + a);
            if leg.ratio > 0 {
                lo += r * b;
                hi += r * a;
            } else {
                lo += r * a;
                hi += r * b;
            }
        }
        Some((lo, mid, hi))
    }
}

/// The candidate nearest `target`; on a tie the lower one when `prefer_low`, else the
/// higher. The one nearest-strike rule of the module (ATM, nearest strike, wings).
pub(crate) fn nearest(
    candidates: impl Iterator<Item = f64>,
    target: f64,
    prefer_low: bool,
) -> Option<f64> {
    let mut best: Option<(f64, f64)> = None;
    for k in candidates {
        let gap = (k - target).abs();
        let wins_tie = |bk: f64| if prefer_low { k < bk } else { k > bk };
        if best.is_none_or(|(g, bk)| gap < g || (gap == g && wins_tie(bk))) {
            best = Some((gap, k));
        }
    }
    best.map(|(_, k)| k)
}

/// A quote side when finite and non-negative.
fn present(x: Option<f64>) -> Option<f64> {
    x.filter(|v| v.is_finite() && *v >= 0.0)
}
