//! Number formatting and metric labels shared by the terminal table and the HTML report.

use crate::Unit;

/// A finite number with `decimals` decimals, never `-0.00` (a value that rounds to zero
/// is shown unsigned). Non-finite input gives `"n/a"`; callers filter it out first.
#[must_use]
pub(crate) fn fixed(v: f64, decimals: usize) -> String {
    if !v.is_finite() {
        return "n/a".to_string();
    }
    let s = format!("{v:.decimals$}");
    if s.starts_with('-') && s[1..].chars().all(|c| c == '0' || c == '.') {
        s[1..].to_string()
    } else {
        s
    }
}

/// [`fixed`] with a `,` between groups of three integer digits: `-1,234,567.89`.
#[must_use]
pub(crate) fn grouped(v: f64, decimals: usize) -> String {
    let s = fixed(v, decimals);
    let (sign, rest) = match s.strip_prefix('-') {
        Some(r) => ("-", r),
        None => ("", s.as_str()),
    };
    let (int, frac) = match rest.find('.') {
        Some(k) => (&rest[..k], &rest[k..]),
        None => (rest, ""),
    };
    if !int.bytes().all(|b| b.is_ascii_digit()) {
        return s;
    }
    let mut out = String::with_capacity(s.len() + int.len() / 3);
    out.push_str(sign);
    for (k, c) in int.chars().enumerate() {
        if k > 0 && (int.len() - k) % 3 == 0 {
            out.push(',');
        }
        out.push(c);
    }
    out.push_str(frac);
    out
}

/// A metric value in its unit, or `None` when it is undefined or not finite.
///
/// `Percent` 2 decimals (`12.34%`), `Ratio` 3 decimals, `Money` 2 decimals grouped,
/// `Count` an integer, `Days`/`Bars` an integer and the unit, `Number` up to 4 decimals.
#[must_use]
pub fn format_metric(value: Option<f64>, unit: Unit) -> Option<String> {
    let v = value.filter(|v| v.is_finite())?;
    Some(match unit {
        Unit::Percent => format!("{}%", grouped(v * 100.0, 2)),
        Unit::Ratio => grouped(v, 3),
        Unit::Money => grouped(v, 2),
        Unit::Count => grouped(v.round(), 0),
        Unit::Days => {
            let d = v.round();
            format!(
                "{} {}",
                grouped(d, 0),
                if d == 1.0 { "day" } else { "days" }
            )
        }
        Unit::Bars => {
            let d = v.round();
            format!(
                "{} {}",
                grouped(d, 0),
                if d == 1.0 { "bar" } else { "bars" }
            )
        }
        Unit::Number => trim_zeros(&grouped(v, 4)),
    })
}

/// `"1.2500"` → `"1.25"`, `"3.0000"` → `"3"`.
fn trim_zeros(s: &str) -> String {
    if s.contains('.') {
        s.trim_end_matches('0').trim_end_matches('.').to_string()
    } else {
        s.to_string()
    }
}

/// The readable label of a snake_case metric key: a few well-known keys get their
/// usual names (`var_95` → `VaR 95%`, `sharpe` → `Sharpe ratio`); any other key has its
/// underscores turned into spaces and its first letter capitalised
/// (`avg_win` → `Avg win`).
#[must_use]
pub fn metric_label(name: &str) -> String {
    let known = match name {
        "sharpe" => Some("Sharpe ratio"),
        "sortino" => Some("Sortino ratio"),
        "calmar" => Some("Calmar ratio"),
        "omega" => Some("Omega ratio"),
        "var_95" => Some("VaR 95% (historical)"),
        "cvar_95" => Some("CVaR 95% (historical)"),
        "cagr" => Some("CAGR"),
        "annual_return" => Some("Annual return"),
        "annual_volatility" => Some("Annual volatility"),
        "max_drawdown" => Some("Max drawdown"),
        "max_drawdown_duration" => Some("Max drawdown duration"),
        "ulcer_index" => Some("Ulcer index"),
        "pnl" => Some("P&L"),
        "avg_credit" => Some("Avg credit (points per unit)"),
        "avg_pnl" => Some("Avg P&L per trade"),
        "total_fees" => Some("Fees total"),
        "max_drawdown_intraday" => Some("Max drawdown (intraday)"),
        "avg_return_on_bp" => Some("Avg return on buying power"),
        _ => None,
    };
    if let Some(k) = known {
        return k.to_string();
    }
    let words: Vec<String> = name
        .split('_')
        .filter(|w| !w.is_empty())
        .map(|w| match w {
            "var" => "VaR".to_string(),
            "cvar" => "CVaR".to_string(),
            "pnl" => "P&L".to_string(),
            "avg" => "avg".to_string(),
            _ => w.to_string(),
        })
        .collect();
    let mut label = words.join(" ");
    if let Some(first) = label.chars().next().filter(char::is_ascii_lowercase) {
        label.replace_range(..1, &first.to_ascii_uppercase().to_string());
    }
    label
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fixed_never_shows_negative_zero() {
        assert_eq!(fixed(-0.0001, 2), "0.00");
        assert_eq!(fixed(-0.005_000_1, 2), "-0.01");
        assert_eq!(fixed(1.5, 0), "2");
    }

    #[test]
    fn grouping() {
        assert_eq!(grouped(1_234_567.891, 2), "1,234,567.89");
        assert_eq!(grouped(-1_234.5, 2), "-1,234.50");
        assert_eq!(grouped(999.0, 0), "999");
        assert_eq!(grouped(100_000.0, 0), "100,000");
    }

    #[test]
    fn units() {
        assert_eq!(
            format_metric(Some(0.12345), Unit::Percent).unwrap(),
            "12.35%"
        );
        assert_eq!(format_metric(Some(1.23456), Unit::Ratio).unwrap(), "1.235");
        assert_eq!(format_metric(Some(12.0), Unit::Count).unwrap(), "12");
        assert_eq!(format_metric(Some(1.0), Unit::Days).unwrap(), "1 day");
        assert_eq!(format_metric(Some(45.0), Unit::Bars).unwrap(), "45 bars");
        assert_eq!(format_metric(Some(2.5), Unit::Number).unwrap(), "2.5");
        assert_eq!(format_metric(Some(f64::INFINITY), Unit::Ratio), None);
        assert_eq!(format_metric(None, Unit::Ratio), None);
    }

    #[test]
    fn labels() {
        assert_eq!(metric_label("var_95"), "VaR 95% (historical)");
        assert_eq!(metric_label("win_rate"), "Win rate");
        assert_eq!(metric_label("avg_win"), "Avg win");
        assert_eq!(metric_label("trade_pnl_std"), "Trade P&L std");
    }
}
