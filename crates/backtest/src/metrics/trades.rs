//! Statistics of closed trades.

use serde::{Deserialize, Serialize};

use super::quantile::finite;

/// One closed trade as the metrics see it. The engine's own trade type converts into this.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct TradeRecord {
    /// Realised profit or loss in money, net of fees and slippage.
    pub pnl: f64,
    /// Return of the trade as a fraction of the capital it used (0.02 = +2 %).
    pub return_pct: f64,
    /// Absolute money value traded: entry notional plus exit notional (both sides,
    /// `Σ |shares × fill price|`); used for turnover. 0 if unknown.
    pub traded_value: f64,
}

/// Aggregates over a list of trades. Every ratio is `None` when it is undefined (no
/// trades, no losing trades for the profit factor, …), never NaN.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct TradeStats {
    /// Number of trades.
    pub count: usize,
    /// Trades with `pnl > 0`.
    pub wins: usize,
    /// Trades with `pnl < 0` (a trade with `pnl == 0` is neither).
    pub losses: usize,
    /// `wins / count`, a fraction in [0, 1].
    pub win_rate: Option<f64>,
    /// Gross profit / gross loss: `Σ pnl⁺ / |Σ pnl⁻|`; `None` without losing trades.
    pub profit_factor: Option<f64>,
    /// Expectancy: mean P&L per trade, in money.
    pub expectancy: Option<f64>,
    /// Mean P&L of the winning trades, in money (> 0).
    pub avg_win: Option<f64>,
    /// Mean P&L of the losing trades, in money (**negative**).
    pub avg_loss: Option<f64>,
    /// Mean `return_pct` per trade, a fraction.
    pub avg_trade_return: Option<f64>,
    /// `Σ traded_value`, in money.
    pub traded_value: f64,
}

impl TradeStats {
    /// Aggregates the trades. Inputs are assumed finite ([`super::Metrics::compute`] checks).
    pub fn compute(trades: &[TradeRecord]) -> TradeStats {
        let (mut wins, mut losses) = (0usize, 0usize);
        let (mut gross_profit, mut gross_loss, mut total, mut ret, mut traded) =
            (0.0, 0.0, 0.0, 0.0, 0.0);
        for t in trades {
            if t.pnl > 0.0 {
                wins += 1;
                gross_profit += t.pnl;
            } else if t.pnl < 0.0 {
                losses += 1;
                gross_loss += t.pnl;
            }
            total += t.pnl;
            ret += t.return_pct;
            traded += t.traded_value;
        }
        let ratio = |num: f64, den: usize| {
            if den == 0 {
                None
            } else {
                finite(num / den as f64)
            }
        };
        TradeStats {
            count: trades.len(),
            wins,
            losses,
            win_rate: ratio(wins as f64, trades.len()),
            // Profit factor = gross profit / gross loss (e.g. R. Pardo, The Evaluation and
            // Optimization of Trading Strategies, 2nd ed., 2008, ch. 9).
            profit_factor: if gross_loss < 0.0 {
                finite(gross_profit / -gross_loss)
            } else {
                None
            },
            // Expectancy = mean P&L per trade = win_rate·avg_win + loss_rate·avg_loss.
            expectancy: ratio(total, trades.len()),
            avg_win: ratio(gross_profit, wins),
            avg_loss: ratio(gross_loss, losses),
            avg_trade_return: ratio(ret, trades.len()),
            traded_value: traded,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn t(pnl: f64) -> TradeRecord {
        TradeRecord {
            pnl,
            return_pct: pnl / 100.0,
            traded_value: 200.0,
        }
    }

    #[test]
    fn hand_computed() {
        // +30, −10, +20, 0, −20: gross profit 50, gross loss 30.
        let s = TradeStats::compute(&[t(30.0), t(-10.0), t(20.0), t(0.0), t(-20.0)]);
        assert_eq!((s.count, s.wins, s.losses), (5, 2, 2));
        assert_eq!(s.win_rate, Some(0.4));
        assert!((s.profit_factor.unwrap() - 50.0 / 30.0).abs() < 1e-15);
        assert_eq!(s.expectancy, Some(4.0));
        assert_eq!(s.avg_win, Some(25.0));
        assert_eq!(s.avg_loss, Some(-15.0));
        assert!((s.avg_trade_return.unwrap() - 0.04).abs() < 1e-15);
        assert_eq!(s.traded_value, 1000.0);
    }

    #[test]
    fn undefined_ratios_are_none() {
        let s = TradeStats::compute(&[]);
        assert_eq!(s.count, 0);
        assert_eq!(
            (
                s.win_rate,
                s.profit_factor,
                s.expectancy,
                s.avg_win,
                s.avg_loss
            ),
            (None, None, None, None, None)
        );
        let s = TradeStats::compute(&[t(5.0)]);
        assert_eq!(
            (s.win_rate, s.profit_factor, s.avg_loss),
            (Some(1.0), None, None)
        );
    }
}
