//! The `price_csv` example, run as users run it: exact float round trips, bad rows
//! reported with their line, implied vols and bound errors.
//!
//! `cargo test` builds the package's examples next to the test binaries
//! (`target/<profile>/examples/`); the test skips with a message if it is not there.

use std::io::Write;
use std::path::PathBuf;
use std::process::{Command, Stdio};

use thetalab_pricing::{OptionInputs, OptionRight, bsm};

fn example() -> Option<PathBuf> {
    let exe = std::env::current_exe().ok()?;
    let dir = exe.parent()?.parent()?.join("examples");
    let p = dir.join(format!("price_csv{}", std::env::consts::EXE_SUFFIX));
    p.exists().then_some(p)
}

fn run(args: &[&str], input: &str) -> (String, String, bool) {
    let mut child = Command::new(example().unwrap())
        .args(args)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    child
        .stdin
        .take()
        .unwrap()
        .write_all(input.as_bytes())
        .unwrap();
    let out = child.wait_with_output().unwrap();
    (
        String::from_utf8(out.stdout).unwrap(),
        String::from_utf8(out.stderr).unwrap(),
        out.status.success(),
    )
}

#[test]
fn prices_greeks_and_ivs_from_the_shell() {
    if example().is_none() {
        eprintln!("skipping: the price_csv example binary was not built next to the tests");
        return;
    }
    let input = "kind,S,K,T,r,q,sigma,note\nc,100,100,1,0.05,0,0.2,atm\np,100,90,0.25,0.03,0.01,0.3,otm put\nc,100,abc,1,0,0,0.2,bad\n";
    let (out, err, ok) = run(&["-"], input);
    assert!(ok, "{err}");
    let mut lines = out.lines();
    let header: Vec<&str> = lines.next().unwrap().split(',').collect();
    assert_eq!(
        header,
        "kind,S,K,T,r,q,sigma,note,price,delta,gamma,vega,theta,rho,rho_q,vanna,volga,charm,speed,color,zomma,ultima,veta"
            .split(',')
            .collect::<Vec<_>>()
    );
    let row: Vec<&str> = lines.next().unwrap().split(',').collect();
    // Floats read back to the same bits as the library computes.
    let g = bsm::greeks(&OptionInputs::new(
        OptionRight::Call,
        100.0,
        100.0,
        1.0,
        0.05,
        0.0,
        0.2,
    ));
    assert_eq!(row[8].parse::<f64>().unwrap().to_bits(), g.price.to_bits());
    assert_eq!(row[12].parse::<f64>().unwrap().to_bits(), g.theta.to_bits());
    assert_eq!(row[22].parse::<f64>().unwrap().to_bits(), g.veta.to_bits());
    // The bad row is kept with its input and empty results, and named on stderr.
    let bad: Vec<&str> = lines.nth(1).unwrap().split(',').collect();
    assert_eq!(&bad[..8], &["c", "100", "abc", "1", "0", "0", "0.2", "bad"]);
    assert!(bad[8..].iter().all(|f| f.is_empty()));
    assert!(
        err.contains("-:4: field K: \"abc\" is not a number"),
        "{err}"
    );
    assert!(err.contains("3 row(s), 2 priced, 1 rejected"), "{err}");
}

#[test]
fn implied_vols_and_bound_errors() {
    if example().is_none() {
        eprintln!("skipping: the price_csv example binary was not built next to the tests");
        return;
    }
    let p = bsm::price(&OptionInputs::new(
        OptionRight::Put,
        100.0,
        95.0,
        0.5,
        0.04,
        0.0,
        0.27,
    ));
    let input = format!(
        "kind,S,K,T,r,q,sigma,price\np,100,95,0.5,0.04,0,0.2,{p:?}\nc,100,80,0.5,0.05,0,0.2,19\n"
    );
    for model in ["bsm", "american"] {
        let (out, err, ok) = run(&["-", "--model", model], &input);
        assert!(ok, "{err}");
        let lines: Vec<&str> = out.lines().collect();
        assert!(lines[0].ends_with(",price,delta,gamma,vega,theta,rho,rho_q,vanna,volga,charm,speed,color,zomma,ultima,veta,iv,iv_error"));
        let r1: Vec<&str> = lines[1].split(',').collect();
        let iv: f64 = r1[r1.len() - 2].parse().unwrap();
        if model == "bsm" {
            assert!((iv - 0.27).abs() < 1e-12, "{iv}");
        } else {
            // The American put is worth more than the European at the same vol, so the
            // American implied vol of the European price is lower.
            assert!(iv < 0.27 && iv > 0.2, "{iv}");
            // Higher-order Greeks the American model does not define are empty, not 0.
            assert_eq!(r1[r1.len() - 3], "");
        }
        let r2: Vec<&str> = lines[2].split(',').collect();
        assert_eq!(r2[r2.len() - 2], "");
        assert!(
            r2[r2.len() - 1].contains("below the lower bound"),
            "{}",
            lines[2]
        );
    }
}

#[test]
fn usage_errors_exit_non_zero() {
    if example().is_none() {
        eprintln!("skipping: the price_csv example binary was not built next to the tests");
        return;
    }
    let (_, err, ok) = run(&["-", "--model", "heston"], "kind,S,K,T,r,q,sigma\n");
    assert!(!ok && err.contains("unknown model"), "{err}");
    let (_, err, ok) = run(&["-"], "kind,S,K,T,r,sigma\n");
    assert!(!ok && err.contains("missing column \"q\""), "{err}");
}
