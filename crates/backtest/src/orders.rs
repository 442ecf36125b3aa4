//! Order arithmetic shared by the engine and the fused sweep kernel, so that both give
//! the same numbers.
//!
//! The formulas are vectorbt's (`vectorbt.portfolio.nb.buy_nb` / `sell_nb`, v0.26–1.x):
//!
//! * a buy of `s` shares at quoted price `p` fills at `p·(1 + slippage)` and costs
//!   `s·p'·(1 + fees) + s·fee_per_share + fixed`;
//! * a buy "with all cash" `C` (vectorbt `size=np.inf`) spends exactly `C`:
//!   `max_req = (C − fixed)/(1 + fees)`, `s = max_req / p'`, fees `C − max_req`
//!   (with a per-share fee: `s = (C − fixed)/(p'·(1 + fees) + fee_per_share)`);
//!   with whole shares `s` is floored and the fees recomputed on the floored size;
//! * a sell of `s` shares fills at `p·(1 − slippage)` and credits
//!   `s·p' − (s·p'·fees + s·fee_per_share + fixed)`;
//! * the largest short sale on free cash `F` is `(F − fixed)/(p'·(1 + fees) + fee_per_share)`
//!   (vectorbt's `max_short_size` for `size=np.inf` in `direction='both'`).

use crate::config::Costs;

/// vectorbt's `min_size` default: orders smaller than this are ignored.
pub(crate) const MIN_SIZE: f64 = 1e-8;

/// vectorbt's `is_close_nb` (rel 1e-9, abs 1e-12), used to snap near-zero remainders.
#[inline]
pub(crate) fn is_close(a: f64, b: f64) -> bool {
    a == b || (a - b).abs() <= (1e-9 * a.abs().max(b.abs())).max(1e-12)
}

/// One executed order.
#[derive(Debug, Clone, Copy, PartialEq)]
pub(crate) struct OrderFill {
    /// Shares (> 0).
    pub size: f64,
    /// Fill price after slippage.
    pub price: f64,
    /// All fees of the order.
    pub fees: f64,
    /// Cash change (negative for a buy).
    pub cash_delta: f64,
}

/// Books a fill into cash, position and short debt — the one copy of this accounting,
/// shared by the engine and the fused sweep kernel. Covering a short repays debt at its
/// average entry price and a sale below zero adds debt at the fill price (vectorbt's
/// `buy_nb`/`sell_nb`); dust positions and cash within rounding of zero are zeroed.
#[inline]
pub(crate) fn book_fill(cash: &mut f64, pos: &mut f64, debt: &mut f64, buy: bool, f: &OrderFill) {
    let before = *pos;
    *cash += f.cash_delta;
    if is_close(*cash, 0.0) {
        *cash = 0.0;
    }
    if buy {
        if before < 0.0 {
            let covered = f.size.min(-before);
            let avg = *debt / -before;
            *debt -= covered * avg;
        }
        *pos += f.size;
    } else {
        if *pos - f.size < 0.0 {
            let short_add = if before < 0.0 {
                f.size
            } else {
                f.size - before.max(0.0)
            };
            *debt += short_add * f.price;
        }
        *pos -= f.size;
    }
    if is_close(*pos, 0.0) || pos.abs() < MIN_SIZE {
        *pos = 0.0;
        *debt = 0.0;
    }
    if *pos >= 0.0 {
        *debt = 0.0;
    }
}

#[inline]
fn granular(size: f64, c: &Costs) -> f64 {
    if c.fractional { size } else { size.floor() }
}

/// Buys `want` shares (`f64::INFINITY` = all cash) at quoted price `price` with `cash`
/// available; the size is cut to what the cash pays for. `None` when nothing can be
/// bought.
#[inline]
pub(crate) fn buy(cash: f64, want: f64, price: f64, c: &Costs) -> Option<OrderFill> {
    // vectorbt buy_nb: adj_price = price·(1 + slippage).
    let adj = price * (1.0 + c.slippage);
    if want.is_finite() {
        let size = granular(want, c);
        if size.is_nan() || size < MIN_SIZE {
            return None;
        }
        let req = size * adj;
        let fees = req * c.fees + size * c.per_share + c.fixed;
        let total = req + fees;
        if total <= cash || is_close(total, cash) {
            return Some(OrderFill {
                size,
                price: adj,
                fees,
                cash_delta: -total,
            });
        }
    }
    if cash.is_nan() || cash <= 0.0 {
        return None;
    }
    // Insufficient cash for `want`: spend all of it (vectorbt buy_nb, "size will be
    // less than requested").
    let (size, fees, total) = if c.fractional && c.per_share == 0.0 {
        let max_req = (cash - c.fixed) / (1.0 + c.fees);
        if max_req.is_nan() || max_req <= 0.0 {
            return None;
        }
        (max_req / adj, cash - max_req, cash)
    } else {
        let raw = (cash - c.fixed) / (adj * (1.0 + c.fees) + c.per_share);
        let size = granular(raw, c);
        if size.is_nan() || size <= 0.0 {
            return None;
        }
        if c.fractional {
            (size, cash - size * adj, cash)
        } else {
            let req = size * adj;
            let fees = req * c.fees + size * c.per_share + c.fixed;
            (size, fees, req + fees)
        }
    };
    if size.is_nan() || size < MIN_SIZE {
        return None;
    }
    Some(OrderFill {
        size,
        price: adj,
        fees,
        cash_delta: -total,
    })
}

/// Sells `size` shares (closing a long or opening/adding to a short) at quoted `price`.
#[inline]
pub(crate) fn sell(size: f64, price: f64, c: &Costs) -> Option<OrderFill> {
    if size.is_nan() || size < MIN_SIZE {
        return None;
    }
    // vectorbt sell_nb: adj_price = price·(1 − slippage); fees on the acquired cash.
    let adj = price * (1.0 - c.slippage);
    let acq = size * adj;
    let fees = acq * c.fees + size * c.per_share + c.fixed;
    Some(OrderFill {
        size,
        price: adj,
        fees,
        cash_delta: acq - fees,
    })
}

/// The largest short sale that `free_cash` supports at quoted `price`.
#[inline]
pub(crate) fn max_short(free_cash: f64, price: f64, c: &Costs) -> f64 {
    let adj = price * (1.0 - c.slippage);
    let s = (free_cash - c.fixed) / (adj * (1.0 + c.fees) + c.per_share);
    if s > 0.0 { granular(s, c) } else { 0.0 }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn costs(fees: f64, slippage: f64, fractional: bool) -> Costs {
        Costs {
            fees,
            per_share: 0.0,
            fixed: 0.0,
            slippage,
            fractional,
        }
    }

    #[test]
    fn all_cash_buy_spends_exactly_the_cash() {
        let c = costs(0.001, 0.0, true);
        let f = buy(1000.0, f64::INFINITY, 10.0, &c).unwrap();
        assert_eq!(f.cash_delta, -1000.0);
        // s = 1000 / (10·1.001)
        assert!((f.size - 1000.0 / 10.01).abs() < 1e-12);
        assert!((f.size * f.price + f.fees - 1000.0).abs() < 1e-9);
    }

    #[test]
    fn whole_shares_floor_and_slippage_is_adverse() {
        let c = costs(0.0, 0.01, false);
        let f = buy(1000.0, f64::INFINITY, 9.0, &c).unwrap();
        assert_eq!(f.size, 110.0); // floor(1000 / 9.09 = 110.01…)
        assert_eq!(f.price, 9.0 * 1.01);
        let s = sell(10.0, 9.0, &c).unwrap();
        assert_eq!(s.price, 9.0 * 0.99);
        assert!(buy(5.0, f64::INFINITY, 9.0, &c).is_none());
    }
}
