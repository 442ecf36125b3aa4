//! Sizing: closed forms and the composed pipeline through the public API.

use nalgebra::DMatrix;
use thetalab_risk::RiskError;
use thetalab_risk::sizing::{
    BaseRule, FixedFractional, FractionalKelly, Multiplier, Sizer, SizingInput, StreakConfig,
    StreakScaler, VolTarget, credit_spread_max_loss, kelly_bet, kelly_gaussian, kelly_multi,
    realised_vol,
};

#[test]
fn kelly_closed_forms() {
    // Thorp (2006) §2: even-money bet won 60 % of the time → f* = 0.2.
    assert!((kelly_bet(0.6, 1.0).unwrap() - 0.2).abs() < 1e-15);
    // p = 0.55, b = 2 → 0.55 − 0.45/2 = 0.325.
    assert!((kelly_bet(0.55, 2.0).unwrap() - 0.325).abs() < 1e-15);
    // Gaussian f* = μ/σ² (Thorp 2006, §7): μ − r = 0.06, σ = 0.16 → 0.06/0.0256 = 2.34375.
    assert!((kelly_gaussian(0.06, 0.16).unwrap() - 2.34375).abs() < 1e-12);
    // Multi-asset reduces to the single-asset form for one asset.
    let one = kelly_multi(&[0.06], &DMatrix::from_element(1, 1, 0.0256)).unwrap();
    assert!((one[0] - 2.34375).abs() < 1e-12);
    let half = FractionalKelly::new(0.5).unwrap();
    assert!((half.gaussian(0.06, 0.16).unwrap() - 1.171875).abs() < 1e-12);
}

#[test]
fn vol_targeting_arithmetic() {
    // Daily returns alternating ±1 % over 252 days: sample σ = 0.01·√(252/251), annualised × √252.
    let r: Vec<f64> = (0..252)
        .map(|i| if i % 2 == 0 { 0.01 } else { -0.01 })
        .collect();
    let vol = realised_vol(&r, 252.0).unwrap();
    let expect = 0.01 * (252.0_f64 / 251.0).sqrt() * 252.0_f64.sqrt();
    assert!((vol - expect).abs() < 1e-14);
    let vt = VolTarget::new(0.10, 0.0, 1.0).unwrap();
    assert!((vt.scale_from_returns(&r, 252.0).unwrap() - 0.10 / expect).abs() < 1e-14);
    // VIX 25 with a 10 % target → 0.4; VIX 8 → 1.25 capped at 1.
    assert!((vt.scale_from_vix(25.0).unwrap() - 0.4).abs() < 1e-15);
    assert_eq!(vt.scale_from_vix(8.0).unwrap(), 1.0);
}

#[test]
fn streak_sequence_with_custom_config() {
    let mut s = StreakScaler::new(StreakConfig {
        loss_streak: 2,
        loss_factor: 0.75,
        win_streak: 3,
        win_factor: 1.25,
        min: 0.5,
        max: 1.5,
    })
    .unwrap();
    let mut got = Vec::new();
    for pnl in [
        -1.0, -1.0, -1.0, -1.0, -1.0, -1.0, 2.0, 2.0, 2.0, 2.0, 2.0, 2.0,
    ] {
        s.record(pnl).unwrap();
        got.push(s.multiplier());
    }
    // 0.75, 0.5625, 0.421875 → floored at 0.5; 1.25, 1.5625 → capped at 1.5.
    assert_eq!(
        got,
        [
            1.0, 0.75, 0.75, 0.5625, 0.5625, 0.5, 1.0, 1.0, 1.25, 1.25, 1.25, 1.5
        ]
    );
}

#[test]
fn option_spread_pipeline() {
    // 2 % of 50,000 on 5-wide put spreads sold for 1.50: max loss 350 → 2.857 spreads,
    // VIX 15 with a 15 % target → ×1, after 3 losses ×0.5 → 1.43 → 1 spread.
    let mut streak = StreakScaler::new(StreakConfig::default()).unwrap();
    for _ in 0..3 {
        streak.record(-100.0).unwrap();
    }
    let sizer = Sizer::new(BaseRule::FixedFractional(
        FixedFractional::new(0.02).unwrap(),
    ))
    .with(Multiplier::VolTargetVix(
        VolTarget::new(0.15, 0.0, 2.0).unwrap(),
    ))
    .with(Multiplier::Streak);
    let out = sizer
        .size(&SizingInput {
            equity: 50_000.0,
            unit_risk: Some(credit_spread_max_loss(5.0, 1.5, 100.0).unwrap()),
            vix: Some(15.0),
            streak: Some(&streak),
            ..SizingInput::default()
        })
        .unwrap();
    assert!((out.base_quantity - 1_000.0 / 350.0).abs() < 1e-12);
    assert_eq!(out.multipliers.len(), 2);
    assert!((out.combined_multiplier - 0.5).abs() < 1e-15);
    assert_eq!(out.quantity, 1.0);
    assert!(matches!(
        sizer.size(&SizingInput {
            equity: 50_000.0,
            unit_risk: Some(350.0),
            ..SizingInput::default()
        }),
        Err(RiskError::MissingInput { .. })
    ));
}
