//! The fused moving-average-crossover grid (see the [module page](super)).
//!
//! Time runs in blocks of [`BLOCK`] bars: each block first fills one row per distinct
//! window with that window's average (the streaming [`thetalab_indicators::Sma`] /
//! [`thetalab_indicators::Ema`], bitwise equal to the batch functions the strategy
//! uses), in parallel over windows; then every (fast, slow) pair advances its state
//! over the block, in parallel over pairs. A pair's state is its account (cash,
//! shares, short debt), the previous averages, the open trade, and the streamed
//! metrics. Memory: `windows × BLOCK × 8` bytes for the averages plus ~300 bytes per
//! pair, whatever the number of bars.
//!
//! Supported: close fills, all-cash sizing, no exit rules (stops need the high/low and
//! per-trade state: use [`super::run_sweep`]), any fees, slippage, share granularity
//! and direction mode.

use std::sync::atomic::{AtomicUsize, Ordering};

use rayon::prelude::*;
use thetalab_indicators::{Ema, Sma};
use thetalab_strategy::Action;
use thetalab_strategy::cross::cross_action;

use super::{METRIC_COLUMNS, Progress, SweepRow, SweepTable};
use crate::config::{BacktestConfig, Costs, DirectionMode, Fill, SizeRule};
use crate::engine::{Intent, resolve};
use crate::error::{BacktestError, Result};
use crate::metrics::MetricsConfig;
use crate::metrics::quantile::finite;
use crate::metrics::returns::cagr;
use crate::orders::{self, OrderFill};
use crate::trade::trade_stats;

/// Bars per time block.
pub const BLOCK: usize = 4096;

/// Which moving average the crossover uses (`sma-cross` or `ema-cross`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum MaKind {
    /// TA-Lib `SMA`.
    Sma,
    /// TA-Lib `EMA` (SMA-seeded).
    Ema,
}

enum MaState {
    Sma(Sma),
    Ema(Ema),
}

impl MaState {
    #[inline]
    fn update(&mut self, x: f64) -> f64 {
        match self {
            MaState::Sma(s) => s.update(x),
            MaState::Ema(e) => e.update(x),
        }
        .unwrap_or(f64::NAN)
    }
}

/// The streamed metrics of one pair: the definitions of [`crate::metrics::RunningStats`]
/// and [`crate::metrics::DrawdownTracker`] (same formulas, same `None` rules), laid out
/// so the per-bar update is branch-free. The mean and variance are merged per time
/// block from the block's sums with the pairwise update of Chan, Golub & LeVeque
/// ("Algorithms for computing the sample variance", Am. Stat. 37(3), 1983), the
/// block-level form of Welford's running update.
#[derive(Debug, Clone)]
struct Streamed {
    threshold: f64,
    count: u64,
    mean: f64,
    m2: f64,
    min: f64,
    max: f64,
    downside_sq: f64,
    gains: f64,
    losses: f64,
    /// Compounded equity multiple, its running peak and their bar indices.
    equity: f64,
    peak: f64,
    peak_index: u64,
    index: u64,
    max_dd: f64,
    max_closed: u64,
    ulcer_sum: f64,
}

impl Streamed {
    fn new(threshold: f64) -> Self {
        Streamed {
            threshold,
            count: 0,
            mean: 0.0,
            m2: 0.0,
            min: f64::INFINITY,
            max: f64::NEG_INFINITY,
            downside_sq: 0.0,
            gains: 0.0,
            losses: 0.0,
            equity: 1.0,
            peak: 1.0,
            peak_index: 0,
            index: 0,
            max_dd: 0.0,
            max_closed: 0,
            ulcer_sum: 0.0,
        }
    }

    /// Merges a block of `nb` returns with sum `s1` and sum of squares `s2`.
    fn merge_block(&mut self, nb: u64, s1: f64, s2: f64) {
        if nb == 0 {
            return;
        }
        let nbf = nb as f64;
        let mean_b = s1 / nbf;
        let m2_b = (s2 - s1 * mean_b).max(0.0);
        let n = self.count as f64;
        let total = n + nbf;
        // Chan et al. (1983), eq. 2.1: M2 = M2_a + M2_b + δ²·n_a·n_b/(n_a + n_b).
        let delta = mean_b - self.mean;
        self.mean += delta * nbf / total;
        self.m2 += m2_b + delta * delta * n * nbf / total;
        self.count += nb;
    }

    fn variance(&self) -> Option<f64> {
        if self.count < 2 {
            None
        } else if self.min == self.max {
            Some(0.0)
        } else {
            finite(self.m2 / (self.count - 1) as f64)
        }
    }

    fn annual_return(&self, ppy: f64) -> Option<f64> {
        if self.count == 0 {
            return None;
        }
        // CAGR: growth^(1/years) − 1, years = n / ppy (empyrical annual_return).
        cagr(self.equity, self.count, ppy)
    }

    fn annual_volatility(&self, ppy: f64) -> Option<f64> {
        // std(r, ddof = 1)·√ppy (empyrical annual_volatility).
        finite(self.variance()?.sqrt() * ppy.sqrt())
    }

    fn sharpe(&self, ppy: f64) -> Option<f64> {
        // mean(r − rf)/std(r − rf, ddof = 1)·√ppy (empyrical sharpe_ratio).
        let var = self.variance()?;
        if var == 0.0 {
            return None;
        }
        finite((self.mean - self.threshold) / var.sqrt() * ppy.sqrt())
    }

    fn downside_risk(&self, ppy: f64) -> Option<f64> {
        // √(mean(min(r − rf, 0)²))·√ppy (empyrical downside_risk).
        if self.count == 0 {
            return None;
        }
        finite((self.downside_sq / self.count as f64).sqrt() * ppy.sqrt())
    }

    fn sortino(&self, ppy: f64) -> Option<f64> {
        // mean(r − rf)·ppy / downside risk (empyrical sortino_ratio).
        if self.count < 2 {
            return None;
        }
        let dr = self.downside_risk(ppy)?;
        if dr == 0.0 {
            return None;
        }
        finite((self.mean - self.threshold) * ppy / dr)
    }

    fn omega(&self) -> Option<f64> {
        // Σ(r − rf)⁺ / Σ(r − rf)⁻ (empyrical omega_ratio).
        if self.count < 2 || self.losses <= 0.0 {
            return None;
        }
        finite(self.gains / self.losses)
    }

    fn max_drawdown_duration(&self) -> u64 {
        let current = if self.peak_index == self.index {
            0
        } else {
            self.index - self.peak_index
        };
        self.max_closed.max(current)
    }

    fn ulcer_index(&self) -> f64 {
        // √(mean(D²)) over all bars (metrics::drawdown, Martin & McCann 1989).
        if self.index == 0 {
            0.0
        } else {
            (self.ulcer_sum / self.index as f64).sqrt()
        }
    }
}

#[derive(Debug, Clone)]
struct Pair {
    fast: usize,
    slow: usize,
    /// Row of the fast / slow window in the block buffer.
    fi: usize,
    si: usize,
    prev_f: f64,
    prev_s: f64,
    cash: f64,
    pos: f64,
    debt: f64,
    value: f64,
    // Open trade: size-weighted gross and fees (one entry fill per trade here).
    t_size: f64,
    t_gross: f64,
    t_fees: f64,
    t_long: bool,
    m: Streamed,
    equity_sum: f64,
    exposed: u64,
    closed: u64,
    wins: u64,
    losses: u64,
    gross_profit: f64,
    gross_loss: f64,
    pnl_sum: f64,
    ret_sum: f64,
    traded_closed: f64,
}

impl Pair {
    /// Books a fill as the engine does (`Sim::apply`), closing the trade on an exit.
    #[inline]
    fn apply(&mut self, buy: bool, f: OrderFill) {
        let before = self.pos;
        orders::book_fill(&mut self.cash, &mut self.pos, &mut self.debt, buy, &f);
        if before == 0.0 {
            self.t_size = f.size;
            self.t_gross = f.size * f.price;
            self.t_fees = f.fees;
            self.t_long = buy;
        } else if self.pos == 0.0 {
            // A full close (partial closes cannot happen on this path).
            let entry_price = self.t_gross / self.t_size;
            let (pnl, ret) = trade_stats(
                self.t_long,
                self.t_size,
                entry_price,
                self.t_fees,
                f.price,
                f.fees,
            );
            self.closed += 1;
            if pnl > 0.0 {
                self.wins += 1;
                self.gross_profit += pnl;
            } else if pnl < 0.0 {
                self.losses += 1;
                self.gross_loss += pnl;
            }
            self.pnl_sum += pnl;
            self.ret_sum += ret;
            self.traded_closed += self.t_size * entry_price + self.t_size * f.price;
        }
    }

    #[inline]
    fn close_all(&mut self, p: f64, c: &Costs) {
        let fill = if self.pos > 0.0 {
            orders::sell(self.pos, p, c).map(|f| (false, f))
        } else if self.pos < 0.0 {
            orders::buy(self.cash, -self.pos, p, c).map(|f| (true, f))
        } else {
            None
        };
        if let Some((buy, f)) = fill {
            self.apply(buy, f);
        }
    }

    #[inline]
    fn open(&mut self, long: bool, p: f64, c: &Costs) {
        if long {
            if let Some(f) = orders::buy(self.cash, f64::INFINITY, p, c) {
                self.apply(true, f);
            }
        } else {
            let size = orders::max_short(self.cash - 2.0 * self.debt, p, c);
            if let Some(f) = orders::sell(size, p, c) {
                self.apply(false, f);
            }
        }
    }

    /// Advances the pair over one block: `fast`/`slow` averages and `close` of the block.
    ///
    /// The metric updates are branch-free (the in-position returns change sign
    /// unpredictably) and division-free except for the return itself and the drawdown.
    #[inline]
    fn step_block(
        &mut self,
        fast: &[f64],
        slow: &[f64],
        close: &[f64],
        allow_short: bool,
        dir: DirectionMode,
        c: &Costs,
    ) {
        let thr = self.m.threshold;
        let (mut s1, mut s2) = (0.0f64, 0.0f64);
        let (mut lo, mut hi) = (self.m.min, self.m.max);
        let (mut dsq, mut gains, mut losses) = (self.m.downside_sq, self.m.gains, self.m.losses);
        let (mut e, mut peak, mut peak_idx, mut idx) =
            (self.m.equity, self.m.peak, self.m.peak_index, self.m.index);
        let (mut max_dd, mut max_closed, mut ulcer) =
            (self.m.max_dd, self.m.max_closed, self.m.ulcer_sum);
        let mut equity_sum = self.equity_sum;
        let mut exposed = self.exposed;
        for ((&f, &s), &px) in fast.iter().zip(slow).zip(close) {
            let act = cross_action(self.prev_f, self.prev_s, f, s, allow_short);
            self.prev_f = f;
            self.prev_s = s;
            if act != Action::Hold {
                self.act(act, px, dir, c);
            }
            // Engine: value = cash + position·close (position 0 adds exactly 0).
            let v = self.cash + self.pos * px;
            exposed += u64::from(self.pos != 0.0);
            let r = v / self.value - 1.0;
            self.value = v;
            // Block sums for the Chan–Golub–LeVeque merge at the block's end.
            s1 += r;
            s2 += r * r;
            lo = lo.min(r);
            hi = hi.max(r);
            // Downside and Omega relative to the threshold (metrics::running).
            let x = r - thr;
            let neg = x.min(0.0);
            dsq += neg * neg;
            gains += x.max(0.0);
            losses -= neg;
            // Drawdown of the compounded curve (metrics::drawdown): E ← E·(1 + r).
            idx += 1;
            e *= 1.0 + r;
            let at_peak = e >= peak;
            let spell = idx - peak_idx;
            max_closed = max_closed.max(if at_peak && spell > 1 { spell } else { 0 });
            peak = if at_peak { e } else { peak };
            peak_idx = if at_peak { idx } else { peak_idx };
            let d = (e - peak) / peak;
            max_dd = max_dd.min(d);
            ulcer += d * d;
            equity_sum += e;
        }
        self.m.merge_block(fast.len() as u64, s1, s2);
        (self.m.min, self.m.max) = (lo, hi);
        (self.m.downside_sq, self.m.gains, self.m.losses) = (dsq, gains, losses);
        (self.m.equity, self.m.peak, self.m.peak_index, self.m.index) = (e, peak, peak_idx, idx);
        (self.m.max_dd, self.m.max_closed, self.m.ulcer_sum) = (max_dd, max_closed, ulcer);
        self.equity_sum = equity_sum;
        self.exposed = exposed;
    }

    #[cold]
    fn act(&mut self, act: Action, px: f64, dir: DirectionMode, c: &Costs) {
        match resolve(self.pos, act.flags(), dir) {
            Intent::Close => self.close_all(px, c),
            Intent::OpenLong => self.open(true, px, c),
            Intent::OpenShort => self.open(false, px, c),
            Intent::ReverseToLong => {
                self.close_all(px, c);
                self.open(true, px, c);
            }
            Intent::ReverseToShort => {
                self.close_all(px, c);
                self.open(false, px, c);
            }
            Intent::None | Intent::Target(_) => {}
        }
    }

    fn row(
        &self,
        allow_short: bool,
        n: usize,
        cfg: &BacktestConfig,
        mc: &MetricsConfig,
    ) -> SweepRow {
        let ppy = mc.periods_per_year;
        let total_return = self.m.equity - 1.0;
        let annual_return = self.m.annual_return(ppy);
        let max_dd = self.m.max_dd;
        let calmar = match annual_return {
            Some(a) if max_dd < 0.0 => finite(a / max_dd.abs()),
            _ => None,
        };
        let ratio = |num: f64, den: u64| {
            if den == 0 {
                None
            } else {
                finite(num / den as f64)
            }
        };
        let open = u64::from(self.pos != 0.0);
        let turnover = if n > 0 && self.equity_sum > 0.0 {
            let avg_equity = cfg.init_cash * self.equity_sum / n as f64;
            finite(self.traded_closed / avg_equity / (n as f64 / ppy))
        } else {
            None
        };
        let metrics = vec![
            Some(self.value),
            Some(total_return),
            annual_return,
            self.m.annual_volatility(ppy),
            self.m.sharpe(ppy),
            self.m.sortino(ppy),
            calmar,
            self.m.omega(),
            None,
            Some(max_dd),
            Some(self.m.max_drawdown_duration() as f64),
            Some(self.m.ulcer_index()),
            None,
            None,
            None,
            None,
            Some((self.closed + open) as f64),
            Some(self.closed as f64),
            ratio(self.wins as f64, self.closed),
            if self.gross_loss < 0.0 {
                finite(self.gross_profit / -self.gross_loss)
            } else {
                None
            },
            ratio(self.pnl_sum, self.closed),
            ratio(self.gross_profit, self.wins),
            ratio(self.gross_loss, self.losses),
            ratio(self.ret_sum, self.closed),
            if n > 0 {
                Some(self.exposed as f64 / n as f64)
            } else {
                None
            },
            turnover,
            self.m.downside_risk(ppy),
        ];
        debug_assert_eq!(metrics.len(), METRIC_COLUMNS.len());
        SweepRow {
            params: vec![
                self.fast as f64,
                self.slow as f64,
                if allow_short { 1.0 } else { 0.0 },
            ],
            metrics,
        }
    }
}

/// The fused crossover grid: every `(fast, slow)` with `fast < slow` from the two
/// window lists, on `close`, with `cfg`'s costs, direction and share granularity.
/// Rows carry the parameters `fast, slow, allow_short` (as the strategy registry names
/// them) and the metrics of [`METRIC_COLUMNS`] except the quantile-based ones (tail
/// ratio, VaR, CVaR, skew, kurtosis: empty). `progress` counts work units
/// (pairs × blocks).
///
/// # Errors
/// A config the fused path does not cover (fill other than close, exit rules, a size
/// rule other than all cash — use [`super::run_sweep`]), a window of 0, no valid pair,
/// a non-finite or non-positive close.
pub fn ma_cross_grid(
    close: &[f64],
    kind: MaKind,
    fast: &[usize],
    slow: &[usize],
    allow_short: bool,
    cfg: &BacktestConfig,
    progress: Option<Progress>,
) -> Result<SweepTable> {
    cfg.validate()?;
    let unsupported = |field: &'static str, reason: &'static str| BacktestError::InvalidConfig {
        field,
        value: f64::NAN,
        reason,
    };
    if cfg.fill != Fill::Close {
        return Err(unsupported(
            "fill",
            "the fused grid fills at the close only; use run_sweep",
        ));
    }
    if !cfg.exits.is_empty() {
        return Err(unsupported(
            "exits",
            "the fused grid runs without exit rules; use run_sweep",
        ));
    }
    if cfg.size != SizeRule::AllCash {
        return Err(unsupported(
            "size",
            "the fused grid sizes with all cash; use run_sweep",
        ));
    }
    if close.is_empty() {
        return Err(BacktestError::Empty("no bars"));
    }
    if let Some(row) = close.iter().position(|&v| !(v.is_finite() && v > 0.0)) {
        return Err(BacktestError::InvalidPrice {
            asset: String::new(),
            column: "close",
            row,
            value: close[row],
        });
    }
    if let Some(&w) = fast.iter().chain(slow).find(|&&w| w == 0) {
        return Err(BacktestError::InvalidParam {
            param: "window".into(),
            reason: format!("{w} must be >= 1"),
        });
    }
    let mut windows: Vec<usize> = fast.iter().chain(slow).copied().collect();
    windows.sort_unstable();
    windows.dedup();
    let row_of = |w: usize| windows.binary_search(&w).unwrap_or(0);
    let mc = cfg.metrics_config();
    let rf = mc.risk_free_per_period();
    let mut pairs: Vec<Pair> = Vec::new();
    for &f in fast {
        for &s in slow {
            if f < s {
                pairs.push(Pair {
                    fast: f,
                    slow: s,
                    fi: row_of(f),
                    si: row_of(s),
                    prev_f: f64::NAN,
                    prev_s: f64::NAN,
                    cash: cfg.init_cash,
                    pos: 0.0,
                    debt: 0.0,
                    value: cfg.init_cash,
                    t_size: 0.0,
                    t_gross: 0.0,
                    t_fees: 0.0,
                    t_long: true,
                    m: Streamed::new(rf),
                    equity_sum: 0.0,
                    exposed: 0,
                    closed: 0,
                    wins: 0,
                    losses: 0,
                    gross_profit: 0.0,
                    gross_loss: 0.0,
                    pnl_sum: 0.0,
                    ret_sum: 0.0,
                    traded_closed: 0.0,
                });
            }
        }
    }
    if pairs.is_empty() {
        return Err(BacktestError::Empty(
            "no (fast, slow) pair with fast < slow",
        ));
    }
    let mut states: Vec<MaState> = Vec::with_capacity(windows.len());
    for &w in &windows {
        let st = match kind {
            MaKind::Sma => Sma::new(w).map(MaState::Sma),
            MaKind::Ema => Ema::new(w).map(MaState::Ema),
        };
        states.push(st.map_err(|e| BacktestError::Indicator(e.to_string()))?);
    }
    let n = close.len();
    let block = BLOCK.min(n);
    let mut buf = vec![0.0f64; windows.len() * block];
    let costs = cfg.costs();
    let dir = cfg.direction;
    let n_blocks = n.div_ceil(block);
    let total = pairs.len() * n_blocks;
    let done = AtomicUsize::new(0);
    const CHUNK: usize = 64;
    for start in (0..n).step_by(block) {
        let end = (start + block).min(n);
        let len = end - start;
        let xs = &close[start..end];
        buf.par_chunks_mut(block)
            .zip(states.par_iter_mut())
            .for_each(|(row, st)| {
                for (o, &x) in row.iter_mut().zip(xs) {
                    *o = st.update(x);
                }
            });
        let buf = &buf;
        pairs.par_chunks_mut(CHUNK).for_each(|chunk| {
            for p in chunk.iter_mut() {
                let f = &buf[p.fi * block..p.fi * block + len];
                let s = &buf[p.si * block..p.si * block + len];
                p.step_block(f, s, xs, allow_short, dir, &costs);
            }
            let d = done.fetch_add(chunk.len(), Ordering::Relaxed) + chunk.len();
            if let Some(cb) = progress {
                cb(d, total);
            }
        });
    }
    let rows = pairs
        .iter()
        .map(|p| p.row(allow_short, n, cfg, &mc))
        .collect();
    Ok(SweepTable {
        param_names: vec!["fast".into(), "slow".into(), "allow_short".into()],
        rows,
        skipped: fast.len() * slow.len() - pairs.len(),
    })
}
