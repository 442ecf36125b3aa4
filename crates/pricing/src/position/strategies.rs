//! Constructors for the common option strategies.
//!
//! Each returns a [`Position`] (multiplier 100) whose legs have **zero premium**; attach
//! the prices paid and received with [`Position::with_premiums`] (per-share premiums in
//! the leg order documented on each constructor) or model prices with
//! [`Position::with_model_premiums`]. `qty` is the number of units of the strategy as
//! named (a positive `qty` of [`iron_condor`] is the usual short, credit iron condor; a
//! negative one the reverse); it must be finite and non-zero. Leg tables below are for
//! `qty = 1`. Definitions: Hull, "Options, Futures, and Other Derivatives", 10th ed.,
//! ch. 12 (spreads, combinations); McMillan, "Options as a Strategic Investment",
//! 5th ed. (iron condor, iron butterfly, broken-wing butterfly, collars).

use thetalab_core::OptionRight;

use crate::inputs::{finite, positive};
use crate::position::{DEFAULT_MULTIPLIER, Leg, Position};
use crate::{PricingError, Result};

fn check_qty(qty: f64) -> Result<()> {
    finite("qty", qty)?;
    if qty == 0.0 {
        return Err(PricingError::InvalidInput {
            field: "qty",
            value: qty,
            reason: "must be non-zero",
        });
    }
    Ok(())
}

/// `a < b` (or `a ≤ b` when `allow_equal`), else an error naming `field` (the second).
fn ordered(
    field: &'static str,
    a: f64,
    b: f64,
    allow_equal: bool,
    reason: &'static str,
) -> Result<()> {
    positive(field, b)?;
    if b > a || (allow_equal && b == a) {
        Ok(())
    } else {
        Err(PricingError::InvalidInput {
            field,
            value: b,
            reason,
        })
    }
}

fn legs(list: &[(OptionRight, f64, f64, f64)], qty: f64) -> Result<Position> {
    check_qty(qty)?;
    Position::new(
        list.iter()
            .map(|&(right, k, t, n)| Leg::unpriced(right, k, t, n * qty))
            .collect(),
    )
}

/// A vertical spread: long `right` at `long_strike`, short `right` at `short_strike`,
/// same expiry.
///
/// | leg | right | strike | qty |
/// |---|---|---|---|
/// | 0 | `right` | `long_strike` | +1 |
/// | 1 | `right` | `short_strike` | −1 |
///
/// Debit or credit follows from the strike order: calls with `long < short` are a bull
/// call (debit) spread, with `long > short` a bear call (credit) spread; puts with
/// `long > short` a bear put (debit) spread, with `long < short` a bull put (credit)
/// spread.
pub fn vertical(
    right: OptionRight,
    long_strike: f64,
    short_strike: f64,
    expiry: f64,
    qty: f64,
) -> Result<Position> {
    positive("long_strike", long_strike)?;
    positive("short_strike", short_strike)?;
    if long_strike == short_strike {
        return Err(PricingError::InvalidInput {
            field: "short_strike",
            value: short_strike,
            reason: "a vertical needs two different strikes",
        });
    }
    legs(
        &[
            (right, long_strike, expiry, 1.0),
            (right, short_strike, expiry, -1.0),
        ],
        qty,
    )
}

/// An iron condor, sold for a credit when `qty > 0`: a bull put spread plus a bear call
/// spread, same expiry.
///
/// | leg | right | strike | qty |
/// |---|---|---|---|
/// | 0 | put | `put_long` | +1 |
/// | 1 | put | `put_short` | −1 |
/// | 2 | call | `call_short` | −1 |
/// | 3 | call | `call_long` | +1 |
///
/// Requires `put_long < put_short ≤ call_short < call_long` (equal short strikes: an iron
/// butterfly). With net credit `c`, breakevens are `put_short − c` and `call_short + c`.
pub fn iron_condor(
    put_long: f64,
    put_short: f64,
    call_short: f64,
    call_long: f64,
    expiry: f64,
    qty: f64,
) -> Result<Position> {
    positive("put_long", put_long)?;
    ordered(
        "put_short",
        put_long,
        put_short,
        false,
        "must be above put_long",
    )?;
    ordered(
        "call_short",
        put_short,
        call_short,
        true,
        "must be at or above put_short",
    )?;
    ordered(
        "call_long",
        call_short,
        call_long,
        false,
        "must be above call_short",
    )?;
    legs(
        &[
            (OptionRight::Put, put_long, expiry, 1.0),
            (OptionRight::Put, put_short, expiry, -1.0),
            (OptionRight::Call, call_short, expiry, -1.0),
            (OptionRight::Call, call_long, expiry, 1.0),
        ],
        qty,
    )
}

/// An iron butterfly, sold for a credit when `qty > 0`: a short straddle at `middle`
/// protected by a long put at `lower` and a long call at `upper`.
///
/// Legs as [`iron_condor`]`(lower, middle, middle, upper)`: long put `lower`, short put
/// `middle`, short call `middle`, long call `upper`. Requires `lower < middle < upper`.
pub fn iron_butterfly(
    lower: f64,
    middle: f64,
    upper: f64,
    expiry: f64,
    qty: f64,
) -> Result<Position> {
    iron_condor(lower, middle, middle, upper, expiry, qty)
}

/// A butterfly of one right, bought for a debit when `qty > 0`.
///
/// | leg | right | strike | qty |
/// |---|---|---|---|
/// | 0 | `right` | `lower` | +1 |
/// | 1 | `right` | `middle` | −2 |
/// | 2 | `right` | `upper` | +1 |
///
/// Requires `lower < middle < upper`. Unequal wings (`middle − lower ≠ upper − middle`)
/// make it a **broken-wing butterfly**: the payoff is then flat but not zero on one side.
/// For calls it is `(middle − lower) − (upper − middle)` per share above `upper` (a gain
/// when the upper wing is the narrower one, a loss when it is the wider one); for puts
/// `(upper − middle) − (middle − lower)` below `lower`.
pub fn butterfly(
    right: OptionRight,
    lower: f64,
    middle: f64,
    upper: f64,
    expiry: f64,
    qty: f64,
) -> Result<Position> {
    positive("lower", lower)?;
    ordered("middle", lower, middle, false, "must be above lower")?;
    ordered("upper", middle, upper, false, "must be above middle")?;
    legs(
        &[
            (right, lower, expiry, 1.0),
            (right, middle, expiry, -2.0),
            (right, upper, expiry, 1.0),
        ],
        qty,
    )
}

/// A straddle, long when `qty > 0`: a call and a put at `strike`.
///
/// Legs: 0 call `strike` +1, 1 put `strike` +1.
pub fn straddle(strike: f64, expiry: f64, qty: f64) -> Result<Position> {
    legs(
        &[
            (OptionRight::Call, strike, expiry, 1.0),
            (OptionRight::Put, strike, expiry, 1.0),
        ],
        qty,
    )
}

/// A strangle, long when `qty > 0`: an out-of-the-money put and call.
///
/// Legs: 0 put `put_strike` +1, 1 call `call_strike` +1. Requires `put_strike < call_strike`.
pub fn strangle(put_strike: f64, call_strike: f64, expiry: f64, qty: f64) -> Result<Position> {
    positive("put_strike", put_strike)?;
    ordered(
        "call_strike",
        put_strike,
        call_strike,
        false,
        "must be above put_strike",
    )?;
    legs(
        &[
            (OptionRight::Put, put_strike, expiry, 1.0),
            (OptionRight::Call, call_strike, expiry, 1.0),
        ],
        qty,
    )
}

fn check_expiries(near: f64, far: f64) -> Result<()> {
    finite("near", near)?;
    finite("far", far)?;
    if near < 0.0 {
        return Err(PricingError::InvalidInput {
            field: "near",
            value: near,
            reason: "must be ≥ 0",
        });
    }
    if far <= near {
        return Err(PricingError::InvalidInput {
            field: "far",
            value: far,
            reason: "must be later than near",
        });
    }
    Ok(())
}

/// A calendar (time) spread, long when `qty > 0`: short the near expiry, long the far,
/// same strike and right.
///
/// Legs: 0 `right` `strike` expiry `near` −1, 1 `right` `strike` expiry `far` +1.
/// Requires `near < far`. Its P&L at the near expiry depends on the far leg's BSM value
/// (see [`crate::position`]).
pub fn calendar(
    right: OptionRight,
    strike: f64,
    near: f64,
    far: f64,
    qty: f64,
) -> Result<Position> {
    check_expiries(near, far)?;
    legs(
        &[(right, strike, near, -1.0), (right, strike, far, 1.0)],
        qty,
    )
}

/// A diagonal spread, long when `qty > 0`: short `right` at `near_strike` expiring
/// `near`, long `right` at `far_strike` expiring `far`.
///
/// Legs: 0 `right` `near_strike` `near` −1, 1 `right` `far_strike` `far` +1.
/// Requires `near < far`.
pub fn diagonal(
    right: OptionRight,
    near_strike: f64,
    near: f64,
    far_strike: f64,
    far: f64,
    qty: f64,
) -> Result<Position> {
    check_expiries(near, far)?;
    legs(
        &[
            (right, near_strike, near, -1.0),
            (right, far_strike, far, 1.0),
        ],
        qty,
    )
}

/// The strikes of a [`flyagonal`].
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct FlyagonalStrikes {
    /// Long call of the butterfly, just above the market.
    pub call_lower: f64,
    /// The two short calls of the butterfly.
    pub call_middle: f64,
    /// Long call of the butterfly, the narrower (upper) wing.
    pub call_upper: f64,
    /// Short put of the diagonal (front expiry), below the market.
    pub put_short: f64,
    /// Long put of the diagonal (back expiry), usually at or below `put_short`.
    pub put_long: f64,
}

/// The Flyagonal (Steve Guns, SJG Trades): a call broken-wing butterfly above the market
/// in the front expiry plus a put diagonal below it, the long put in a later expiry.
/// The butterfly's tent profits from a drift up, the diagonal's long back-month put
/// floors the downside and offsets the butterfly's short vega.
///
/// | leg | right | strike | expiry | qty |
/// |---|---|---|---|---|
/// | 0 | call | `call_lower` | `front` | +1 |
/// | 1 | call | `call_middle` | `front` | −2 |
/// | 2 | call | `call_upper` | `front` | +1 |
/// | 3 | put | `put_short` | `front` | −1 |
/// | 4 | put | `put_long` | `back` | +1 |
///
/// Six contracts in five legs. A typical SPX entry (about 8–10 days to the front expiry,
/// back expiry about twice as far): calls at +10/+50/+60 points from spot (upper wing
/// narrower: the broken wing), short put some 50–60 points below spot, long put
/// 10–20 points lower. Requires `call_lower < call_middle < call_upper`,
/// `put_short < call_lower` and `front < back`; the wing widths are not forced apart.
pub fn flyagonal(strikes: FlyagonalStrikes, front: f64, back: f64, qty: f64) -> Result<Position> {
    let s = strikes;
    check_expiries(front, back)?;
    positive("put_long", s.put_long)?;
    positive("put_short", s.put_short)?;
    ordered(
        "call_lower",
        s.put_short,
        s.call_lower,
        false,
        "must be above put_short",
    )?;
    ordered(
        "call_middle",
        s.call_lower,
        s.call_middle,
        false,
        "must be above call_lower",
    )?;
    ordered(
        "call_upper",
        s.call_middle,
        s.call_upper,
        false,
        "must be above call_middle",
    )?;
    legs(
        &[
            (OptionRight::Call, s.call_lower, front, 1.0),
            (OptionRight::Call, s.call_middle, front, -2.0),
            (OptionRight::Call, s.call_upper, front, 1.0),
            (OptionRight::Put, s.put_short, front, -1.0),
            (OptionRight::Put, s.put_long, back, 1.0),
        ],
        qty,
    )
}

/// A covered call: `qty · 100` shares bought at `share_cost` and `qty` calls sold at
/// `strike`. Legs: 0 call `strike` −1. At expiry it pays like a short put at `strike`
/// plus `strike` per share (put-call parity at expiry).
pub fn covered_call(share_cost: f64, strike: f64, expiry: f64, qty: f64) -> Result<Position> {
    legs(&[(OptionRight::Call, strike, expiry, -1.0)], qty)?
        .with_shares(qty * DEFAULT_MULTIPLIER, share_cost)
}

/// A protective (married) put: `qty · 100` shares bought at `share_cost` and `qty` puts
/// bought at `strike`. Legs: 0 put `strike` +1.
pub fn protective_put(share_cost: f64, strike: f64, expiry: f64, qty: f64) -> Result<Position> {
    legs(&[(OptionRight::Put, strike, expiry, 1.0)], qty)?
        .with_shares(qty * DEFAULT_MULTIPLIER, share_cost)
}

/// A collar: `qty · 100` shares bought at `share_cost`, a put bought at `put_strike` and
/// a call sold at `call_strike`. Legs: 0 put `put_strike` +1, 1 call `call_strike` −1.
/// Requires `put_strike ≤ call_strike`.
pub fn collar(
    share_cost: f64,
    put_strike: f64,
    call_strike: f64,
    expiry: f64,
    qty: f64,
) -> Result<Position> {
    positive("put_strike", put_strike)?;
    ordered(
        "call_strike",
        put_strike,
        call_strike,
        true,
        "must be at or above put_strike",
    )?;
    legs(
        &[
            (OptionRight::Put, put_strike, expiry, 1.0),
            (OptionRight::Call, call_strike, expiry, -1.0),
        ],
        qty,
    )?
    .with_shares(qty * DEFAULT_MULTIPLIER, share_cost)
}
