//! Integration tests for thetalab-core: the public types used together, and their serde
//! form in a real format (CSV, as tick and position files are written).

#![allow(clippy::unwrap_used)] // a failed unwrap is a failed test

use serde::{Deserialize, Serialize};
use thetalab_core::{
    Clock, CoreError, InstrumentId, OccSymbol, OptionRight, SimulatedClock, Timestamp,
};

#[derive(Debug, PartialEq, Serialize, Deserialize)]
struct Row {
    ts: Timestamp,
    id: InstrumentId,
    occ: Option<OccSymbol>,
}

fn rows() -> Vec<Row> {
    let put: OccSymbol = "SPXW  240119P04700000".parse().unwrap();
    vec![
        Row {
            ts: "2024-01-19T14:30:00Z".parse().unwrap(),
            id: "SPY".parse().unwrap(),
            occ: None,
        },
        Row {
            ts: "2024-01-19T14:30:00.000000001Z".parse().unwrap(),
            id: put.into(),
            occ: Some(put),
        },
    ]
}

#[test]
fn csv_round_trip() {
    let mut w = csv::Writer::from_writer(Vec::new());
    for r in rows() {
        w.serialize(r).unwrap();
    }
    let text = String::from_utf8(w.into_inner().unwrap()).unwrap();
    assert_eq!(
        text,
        "ts,id,occ\n\
         1705674600000000000,SPY,\n\
         1705674600000000001,SPXW240119P04700000,SPXW240119P04700000\n"
    );
    let back: Vec<Row> = csv::Reader::from_reader(text.as_bytes())
        .deserialize()
        .collect::<Result<_, _>>()
        .unwrap();
    assert_eq!(back, rows());
}

#[test]
fn csv_reads_rfc3339_and_padded_symbols() {
    let text = "ts,id,occ\n\
                2024-01-19T09:30:00-05:00,SPXW  240119P04700000,O:SPXW240119P04700000\n";
    let back: Vec<Row> = csv::Reader::from_reader(text.as_bytes())
        .deserialize()
        .collect::<Result<_, _>>()
        .unwrap();
    assert_eq!(
        back[0].ts,
        "2024-01-19T14:30:00Z".parse::<Timestamp>().unwrap()
    );
    assert_eq!(back[0].id, rows()[1].id);
    assert_eq!(back[0].occ, rows()[1].occ);
}

#[test]
fn csv_rejects_bad_fields() {
    for text in [
        "ts,id,occ\nyesterday,SPY,\n",
        "ts,id,occ\n1,spy,\n",
        "ts,id,occ\n1,SPY,SPXW240119P0470000\n",
        "ts,id,occ\n99999999999999999999,SPY,\n",
    ] {
        let got: Result<Vec<Row>, _> = csv::Reader::from_reader(text.as_bytes())
            .deserialize()
            .collect();
        assert!(got.is_err(), "{text:?}");
    }
}

#[test]
fn time_to_expiry_from_a_simulated_clock() {
    let sym: OccSymbol = "SPY231215C00432500".parse().unwrap();
    assert_eq!(sym.right(), OptionRight::Call);
    // PM-settled: expiry at the 16:00 ET close of the expiry date.
    let expiry = Timestamp::from_ny_hms(sym.expiry(), "16:00").unwrap();
    let clock = SimulatedClock::new(Timestamp::from_ny_hms(sym.expiry(), "09:30").unwrap());
    let t = Timestamp::years_between(clock.now(), expiry);
    assert!((t - 6.5 / 24.0 / 365.0).abs() < 1e-15, "{t}");
    clock.set(expiry).unwrap();
    assert_eq!(Timestamp::years_between(clock.now(), expiry), 0.0);
    assert!(matches!(
        clock.set(Timestamp::UNIX_EPOCH),
        Err(CoreError::ClockWentBackwards { .. })
    ));
}
