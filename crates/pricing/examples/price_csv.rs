//! Price a CSV of options from the shell.
//!
//! ```text
//! cargo run --release --example price_csv -- data/options_sample.csv [--model bsm|black76|bachelier|american] [--out FILE]
//! ```
//!
//! Input: a header row with at least `kind,S,K,T,r,q,sigma` (any order, extra columns
//! are passed through): `kind` is `c` or `p` (`call`/`put` also accepted), `T` is in
//! years exactly as given (no day count applied), rates and yields continuously
//! compounded per year. For `black76`, `S` is the forward; for `bachelier`, `S` is the
//! forward and `sigma` the absolute normal vol; `q` is ignored by both. An optional
//! `price` column asks for the implied volatility of that price.
//!
//! Output (stdout, or `--out`): every input column, then
//! `price,delta,gamma,vega,theta,rho,rho_q,vanna,volga,charm,speed,color,zomma,ultima,veta`
//! (model values at the row's `sigma`, units as in `thetalab_pricing::greeks`: vega per
//! 1.00 of vol, time Greeks per year), then `iv,iv_error` when the input has a `price`
//! column. When it does, the header holds `price` twice: first the input's (echoed), then
//! the model's (pandas reads the second as `price.1`). Floats are written in Rust's
//! shortest round-trip form, so they read back to the same bits. A Greek the model does
//! not define (the American model's higher orders) is left empty, never written as 0.
//!
//! A bad row (unparsable number, value out of domain) gets a message on stderr naming
//! its line and field; its input columns are still written, with empty results, and the
//! run goes on. A summary of the row counts goes to stderr at the end.

use std::fs::File;
use std::io::{self, BufWriter, Read, Write};
use std::process::ExitCode;

use thetalab_pricing::american::{self, AmericanMethod};
use thetalab_pricing::batch::EuropeanModel;
use thetalab_pricing::{Greeks, OptionInputs, OptionRight, PricingError};

const REQUIRED: [&str; 7] = ["kind", "S", "K", "T", "r", "q", "sigma"];
const GREEKS: [&str; 15] = [
    "price", "delta", "gamma", "vega", "theta", "rho", "rho_q", "vanna", "volga", "charm", "speed",
    "color", "zomma", "ultima", "veta",
];

#[derive(Clone, Copy, PartialEq)]
enum Model {
    European(EuropeanModel),
    American,
}

impl Model {
    fn parse(s: &str) -> Option<Model> {
        Some(match s {
            "bsm" => Model::European(EuropeanModel::Bsm),
            "black76" => Model::European(EuropeanModel::Black76),
            "bachelier" => Model::European(EuropeanModel::Bachelier),
            "american" => Model::American,
            _ => return None,
        })
    }

    fn validate(self, o: &OptionInputs) -> Result<(), PricingError> {
        match self {
            Model::European(m) => m.validate(o),
            Model::American => o.validate(),
        }
    }

    /// The Greeks, with `None` for those the model does not define.
    fn greeks(self, o: &OptionInputs) -> Result<[Option<f64>; 15], PricingError> {
        let all = |g: Greeks| {
            [
                g.price, g.delta, g.gamma, g.vega, g.theta, g.rho, g.rho_q, g.vanna, g.volga,
                g.charm, g.speed, g.color, g.zomma, g.ultima, g.veta,
            ]
            .map(Some)
        };
        match self {
            Model::European(m) => Ok(all(m.greeks(o))),
            Model::American => {
                let g = american::try_greeks(o, AmericanMethod::default())?;
                let mut out = [None; 15];
                for (slot, v) in out
                    .iter_mut()
                    .zip([g.price, g.delta, g.gamma, g.vega, g.theta, g.rho, g.rho_q])
                {
                    *slot = Some(v);
                }
                Ok(out)
            }
        }
    }

    fn implied_vol(self, price: f64, o: &OptionInputs) -> Result<f64, PricingError> {
        match self {
            Model::European(m) => m.implied_vol(price, o),
            Model::American => american::implied_vol(price, o, AmericanMethod::default()),
        }
    }
}

struct Args {
    input: String,
    model: Model,
    out: Option<String>,
}

const USAGE: &str = "usage: price_csv FILE|- [--model bsm|black76|bachelier|american] [--out FILE]";

fn parse_args() -> Result<Args, String> {
    let mut input = None;
    let mut model = Model::European(EuropeanModel::Bsm);
    let mut out = None;
    let mut it = std::env::args().skip(1);
    while let Some(a) = it.next() {
        match a.as_str() {
            "--model" | "-m" => {
                let v = it.next().ok_or("--model needs a value")?;
                model = Model::parse(&v).ok_or_else(|| {
                    format!("unknown model {v:?}: use bsm, black76, bachelier or american")
                })?;
            }
            "--out" | "-o" => out = Some(it.next().ok_or("--out needs a file name")?),
            "--help" | "-h" => return Err(USAGE.to_string()),
            s if s.starts_with("--model=") => {
                let v = &s["--model=".len()..];
                model = Model::parse(v).ok_or_else(|| {
                    format!("unknown model {v:?}: use bsm, black76, bachelier or american")
                })?;
            }
            s if s.starts_with('-') && s != "-" => {
                return Err(format!("unknown option {s}\n{USAGE}"));
            }
            s => {
                if input.replace(s.to_string()).is_some() {
                    return Err(format!("more than one input file\n{USAGE}"));
                }
            }
        }
    }
    Ok(Args {
        input: input.ok_or_else(|| USAGE.to_string())?,
        model,
        out,
    })
}

/// Shortest representation that parses back to the same f64.
fn fmt(x: f64) -> String {
    format!("{x:?}")
}

fn main() -> ExitCode {
    match run() {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("price_csv: {e}");
            ExitCode::from(2)
        }
    }
}

fn run() -> Result<(), String> {
    let args = parse_args()?;
    let reader: Box<dyn Read> = if args.input == "-" {
        Box::new(io::stdin())
    } else {
        Box::new(File::open(&args.input).map_err(|e| format!("{}: {e}", args.input))?)
    };
    let mut rdr = csv::ReaderBuilder::new()
        .trim(csv::Trim::All)
        .flexible(true)
        .from_reader(reader);
    let header = rdr
        .headers()
        .map_err(|e| format!("{}: cannot read the header: {e}", args.input))?
        .clone();
    let col = |name: &str| header.iter().position(|h| h == name);
    let mut idx = [0usize; 7];
    for (slot, name) in idx.iter_mut().zip(REQUIRED) {
        *slot = col(name).ok_or_else(|| {
            format!(
                "{}: missing column {name:?} (need {})",
                args.input,
                REQUIRED.join(",")
            )
        })?;
    }
    let price_col = col("price");

    let sink: Box<dyn Write> = match &args.out {
        Some(p) => Box::new(File::create(p).map_err(|e| format!("{p}: {e}"))?),
        None => Box::new(io::stdout().lock()),
    };
    let mut w = csv::Writer::from_writer(BufWriter::new(sink));
    let mut out_header: Vec<&str> = header.iter().collect();
    out_header.extend(GREEKS);
    if price_col.is_some() {
        out_header.extend(["iv", "iv_error"]);
    }
    w.write_record(&out_header).map_err(|e| e.to_string())?;

    let (mut rows, mut bad, mut iv_failed) = (0usize, 0usize, 0usize);
    let n_out = GREEKS.len() + if price_col.is_some() { 2 } else { 0 };
    for rec in rdr.records() {
        rows += 1;
        let rec = rec.map_err(|e| format!("{}: {e}", args.input))?;
        let line = rec.position().map_or(rows + 1, |p| p.line() as usize);
        let mut fields: Vec<String> = rec.iter().map(str::to_string).collect();
        fields.resize(header.len(), String::new());
        let mut results = vec![String::new(); n_out];
        match compute(&rec, &idx, price_col, args.model) {
            Ok((greeks, iv)) => {
                for (slot, g) in results.iter_mut().zip(greeks) {
                    if let Some(v) = g {
                        *slot = fmt(v);
                    }
                }
                if let Some(iv) = iv {
                    match iv {
                        Ok(v) => results[GREEKS.len()] = fmt(v),
                        Err(e) => {
                            iv_failed += 1;
                            eprintln!("{}:{line}: iv: {e}", args.input);
                            results[GREEKS.len() + 1] = e;
                        }
                    }
                }
            }
            Err(msg) => {
                bad += 1;
                eprintln!("{}:{line}: {msg}", args.input);
                if price_col.is_some() {
                    results[GREEKS.len() + 1] = msg;
                }
            }
        }
        fields.extend(results);
        w.write_record(&fields).map_err(|e| e.to_string())?;
    }
    w.flush().map_err(|e| e.to_string())?;
    eprintln!(
        "price_csv: {rows} row(s), {} priced, {bad} rejected{}",
        rows - bad,
        if price_col.is_some() {
            format!(", {iv_failed} without an implied vol")
        } else {
            String::new()
        }
    );
    Ok(())
}

type RowResult = ([Option<f64>; 15], Option<Result<f64, String>>);

fn compute(
    rec: &csv::StringRecord,
    idx: &[usize; 7],
    price_col: Option<usize>,
    model: Model,
) -> Result<RowResult, String> {
    let get = |i: usize| rec.get(i).unwrap_or("");
    let num = |name: &str, i: usize| -> Result<f64, String> {
        let s = get(i);
        s.parse::<f64>()
            .map_err(|_| format!("field {name}: {s:?} is not a number"))
    };
    let right: OptionRight = get(idx[0])
        .parse()
        .map_err(|_| format!("field kind: {:?} is not c or p", get(idx[0])))?;
    let o = OptionInputs::new(
        right,
        num("S", idx[1])?,
        num("K", idx[2])?,
        num("T", idx[3])?,
        num("r", idx[4])?,
        num("q", idx[5])?,
        num("sigma", idx[6])?,
    );
    model.validate(&o).map_err(|e| e.to_string())?;
    let greeks = model.greeks(&o).map_err(|e| e.to_string())?;
    if greeks.iter().flatten().any(|v| !v.is_finite()) {
        return Err("the model produced a non-finite value for these inputs".to_string());
    }
    let iv = match price_col {
        None => None,
        Some(i) => Some(match get(i) {
            "" => Err("no price given".to_string()),
            s => match s.parse::<f64>() {
                Ok(p) => model.implied_vol(p, &o).map_err(|e| e.to_string()),
                Err(_) => return Err(format!("field price: {s:?} is not a number")),
            },
        }),
    };
    Ok((greeks, iv))
}
