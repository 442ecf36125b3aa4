//! The Greeks and their units.
//!
//! **Units, used everywhere in thetalab** (and in every CSV we write):
//!
//! | Greek | definition | unit |
//! |---|---|---|
//! | delta | ∂V/∂S | per 1.00 of underlying |
//! | gamma | ∂²V/∂S² | per 1.00² |
//! | vega | ∂V/∂σ | per 1.00 of vol (×0.01 for a vol point) |
//! | theta | ∂V/∂t = −∂V/∂T | per **year** of calendar time passing |
//! | rho | ∂V/∂r | per 1.00 of rate (×0.01 for a percentage point) |
//! | rho_q | ∂V/∂q (dividend rho; 0 for Black-76 and Bachelier) | per 1.00 of yield |
//! | vanna | ∂²V/∂S∂σ | |
//! | volga (vomma) | ∂²V/∂σ² | |
//! | charm | ∂Δ/∂t = −∂Δ/∂T | per year |
//! | veta | ∂vega/∂t = −∂vega/∂T | per year |
//! | speed | ∂³V/∂S³ | |
//! | color | ∂Γ/∂t = −∂Γ/∂T | per year |
//! | zomma | ∂Γ/∂σ | |
//! | ultima | ∂³V/∂σ³ | |
//!
//! Every time Greek is the derivative with respect to the **passage of time** `t`
//! (calendar time, `T` shrinking), the sign a trader expects: a long option has
//! negative theta. Many published closed forms for color and veta are ∂/∂T instead;
//! ours are checked against finite differences of price in the tests.
//!
//! [`Greeks::scaled`] gives the views traders quote: per calendar (or trading) day and
//! per vol point.

use serde::{Deserialize, Serialize};

/// Price and Greeks to third order of one option (or, summed, of a position).
#[derive(Debug, Clone, Copy, Default, PartialEq, Serialize, Deserialize)]
pub struct Greeks {
    /// Model value.
    pub price: f64,
    /// ∂V/∂S.
    pub delta: f64,
    /// ∂²V/∂S².
    pub gamma: f64,
    /// ∂V/∂σ.
    pub vega: f64,
    /// ∂V/∂t (per year of time passing).
    pub theta: f64,
    /// ∂V/∂r.
    pub rho: f64,
    /// ∂V/∂q.
    pub rho_q: f64,
    /// ∂²V/∂S∂σ.
    pub vanna: f64,
    /// ∂²V/∂σ².
    pub volga: f64,
    /// ∂Δ/∂t.
    pub charm: f64,
    /// ∂vega/∂t.
    pub veta: f64,
    /// ∂³V/∂S³.
    pub speed: f64,
    /// ∂Γ/∂t.
    pub color: f64,
    /// ∂Γ/∂σ.
    pub zomma: f64,
    /// ∂³V/∂σ³.
    pub ultima: f64,
}

/// The unit of time the time Greeks are quoted in.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum TimeUnit {
    /// Per year (the native unit).
    Year,
    /// Per calendar day: divide by 365.
    CalendarDay,
    /// Per trading day: divide by 252.
    TradingDay,
    /// Per custom number of units in a year.
    PerYear(f64),
}

impl TimeUnit {
    fn per_year(self) -> f64 {
        match self {
            TimeUnit::Year => 1.0,
            TimeUnit::CalendarDay => 365.0,
            TimeUnit::TradingDay => 252.0,
            TimeUnit::PerYear(n) => n,
        }
    }
}

/// The unit volatility and rates are bumped by.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum VolUnit {
    /// Per 1.00 (the native unit).
    Unit,
    /// Per point (0.01): what brokers show as vega.
    Point,
}

impl Greeks {
    /// The Greeks in the units traders quote. With `TimeUnit::CalendarDay` theta, charm,
    /// color and veta are per day; with `VolUnit::Point` every σ-derivative is per vol
    /// point (vega, vanna, zomma, veta ÷100; volga ÷100²; ultima ÷100³) and rho, rho_q per
    /// rate point (÷100). Price, delta, gamma and speed are unchanged.
    #[must_use]
    pub fn scaled(&self, time: TimeUnit, vol: VolUnit) -> Greeks {
        let tt = time.per_year();
        let v = match vol {
            VolUnit::Unit => 1.0,
            VolUnit::Point => 100.0,
        };
        Greeks {
            price: self.price,
            delta: self.delta,
            gamma: self.gamma,
            vega: self.vega / v,
            theta: self.theta / tt,
            rho: self.rho / v,
            rho_q: self.rho_q / v,
            vanna: self.vanna / v,
            volga: self.volga / (v * v),
            charm: self.charm / tt,
            veta: self.veta / (tt * v),
            speed: self.speed,
            color: self.color / tt,
            zomma: self.zomma / v,
            ultima: self.ultima / (v * v * v),
        }
    }

    /// Theta per calendar day (÷365), the figure broker platforms show.
    #[must_use]
    pub fn theta_per_day(&self) -> f64 {
        self.theta / 365.0
    }

    /// Vega per vol point (÷100), the figure broker platforms show.
    #[must_use]
    pub fn vega_per_point(&self) -> f64 {
        self.vega / 100.0
    }

    /// `self × qty`, for position aggregation.
    #[must_use]
    pub fn times(&self, qty: f64) -> Greeks {
        Greeks {
            price: self.price * qty,
            delta: self.delta * qty,
            gamma: self.gamma * qty,
            vega: self.vega * qty,
            theta: self.theta * qty,
            rho: self.rho * qty,
            rho_q: self.rho_q * qty,
            vanna: self.vanna * qty,
            volga: self.volga * qty,
            charm: self.charm * qty,
            veta: self.veta * qty,
            speed: self.speed * qty,
            color: self.color * qty,
            zomma: self.zomma * qty,
            ultima: self.ultima * qty,
        }
    }
}

impl std::ops::Add for Greeks {
    type Output = Greeks;
    fn add(self, o: Greeks) -> Greeks {
        Greeks {
            price: self.price + o.price,
            delta: self.delta + o.delta,
            gamma: self.gamma + o.gamma,
            vega: self.vega + o.vega,
            theta: self.theta + o.theta,
            rho: self.rho + o.rho,
            rho_q: self.rho_q + o.rho_q,
            vanna: self.vanna + o.vanna,
            volga: self.volga + o.volga,
            charm: self.charm + o.charm,
            veta: self.veta + o.veta,
            speed: self.speed + o.speed,
            color: self.color + o.color,
            zomma: self.zomma + o.zomma,
            ultima: self.ultima + o.ultima,
        }
    }
}

impl std::ops::AddAssign for Greeks {
    fn add_assign(&mut self, o: Greeks) {
        *self = *self + o;
    }
}

impl std::iter::Sum for Greeks {
    fn sum<I: Iterator<Item = Greeks>>(iter: I) -> Greeks {
        iter.fold(Greeks::default(), |a, b| a + b)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn scaling_divides_the_right_greeks() {
        let g = Greeks {
            price: 1.0,
            theta: -365.0,
            vega: 100.0,
            volga: 1e4,
            ultima: 1e6,
            veta: 36_500.0,
            rho: 50.0,
            ..Greeks::default()
        };
        let s = g.scaled(TimeUnit::CalendarDay, VolUnit::Point);
        assert_eq!(s.theta, -1.0);
        assert_eq!(s.vega, 1.0);
        assert_eq!(s.volga, 1.0);
        assert_eq!(s.ultima, 1.0);
        assert_eq!(s.veta, 1.0);
        assert_eq!(s.rho, 0.5);
        assert_eq!(s.price, 1.0);
        assert_eq!(g.theta_per_day(), -1.0);
        assert_eq!(g.vega_per_point(), 1.0);
    }
}
