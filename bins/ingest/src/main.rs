//! `ingest`: market data into thetalab's Parquet store.
//!
//! ```text
//! ingest synth [--sessions N] [--seed S] [--universe N]       the built-in synthetic market
//! ingest csv FILE... --map MAP.toml                           generic CSV with a column map
//! ingest yahoo FILE... [--symbol SYM] [--adjust]              Yahoo Finance daily CSV
//! ingest alpaca FILE...                                       Alpaca bars JSON (REST response)
//! ingest chains FILE...                                       the long chain CSV format
//! ingest cboe FILE... [--underlying SYM]                      Cboe delayed-quote quotedata.csv
//! ingest optionsdx FILE... [--underlying SYM] [--eod]         OptionsDX / DataShop EOD chains
//! ingest validate FILE... --format F                          parse and validate, write nothing
//! ingest ls [--json]                                          what the store holds
//! ```
//!
//! Every command takes `--store DIR` (default `data/store` under the current directory)
//! and the file commands `--policy reject|quarantine|repair` (default quarantine).
//!
//! Exit codes, for cron: 0 clean (warnings allowed), 3 ingested with quarantined rows,
//! 4 a file was rejected, 1 any other error, 2 bad usage.

use std::io::Write as _;
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::time::Duration;

use anyhow::{Context, Result, bail};
use clap::{Args, Parser, Subcommand, ValueEnum};
use indicatif::{ProgressBar, ProgressStyle};
use thetalab_core::{Clock, SystemClock};
use thetalab_data::calendar::NyseCalendar;
use thetalab_data::ingest::{ColumnMap, Format, cboe, optionsdx, yahoo};
use thetalab_data::pipeline::{self, IngestOptions, IngestSummary};
use thetalab_data::store::{DEFAULT_STORE, Holding, Store};
use thetalab_data::synth::{self, SynthConfig, SynthStep, SyntheticMarket, UniverseConfig};
use thetalab_data::validate::{Outcome, Policy, ValidationConfig};

#[derive(Parser)]
#[command(
    name = "ingest",
    version,
    about = "Market data into thetalab's Parquet store, validated, with a quarantine."
)]
struct Cli {
    #[command(subcommand)]
    cmd: Cmd,
}

#[derive(Subcommand)]
enum Cmd {
    /// Generate the built-in synthetic market (SPX-like index, VIX indices, 0DTE chains,
    /// a stock universe) into the store.
    Synth(SynthArgs),
    /// Generic CSV bars with a TOML column map.
    Csv {
        #[command(flatten)]
        common: FileArgs,
        /// The column map (see data/column_maps/ for examples).
        #[arg(long)]
        map: PathBuf,
    },
    /// Yahoo Finance daily CSV (Date,Open,High,Low,Close,Adj Close,Volume).
    Yahoo {
        #[command(flatten)]
        common: FileArgs,
        /// Symbol (default: the file name without extension).
        #[arg(long)]
        symbol: Option<String>,
        /// Back-adjust OHLC with Adj Close / Close.
        #[arg(long)]
        adjust: bool,
    },
    /// Alpaca bars JSON, the REST response of /v2/stocks/{symbol}/bars.
    Alpaca {
        #[command(flatten)]
        common: FileArgs,
    },
    /// Option chains in the long CSV format (docs/data.md).
    Chains {
        #[command(flatten)]
        common: FileArgs,
    },
    /// Cboe delayed-quote chain downloads (quotedata.csv).
    Cboe {
        #[command(flatten)]
        common: FileArgs,
        /// Underlying symbol (default: from the option root, SPXW → SPX).
        #[arg(long)]
        underlying: Option<String>,
    },
    /// OptionsDX, Cboe DataShop and HistoricalOptionData EOD chain files.
    Optionsdx {
        #[command(flatten)]
        common: FileArgs,
        /// Underlying symbol (needed for OptionsDX files; default from the file name).
        #[arg(long)]
        underlying: Option<String>,
        /// DataShop: take bid_eod/ask_eod at 16:00 instead of the 15:45 quotes.
        #[arg(long)]
        eod: bool,
    },
    /// Parse and validate files without writing anything; prints the summary and exits
    /// with the code the real ingest would.
    Validate {
        #[command(flatten)]
        common: FileArgs,
        /// The files' format.
        #[arg(long, value_enum)]
        format: FormatName,
        /// Column map for --format csv.
        #[arg(long)]
        map: Option<PathBuf>,
    },
    /// What the store holds.
    Ls {
        /// Store folder.
        #[arg(long, default_value = DEFAULT_STORE)]
        store: PathBuf,
        /// One JSON object per line instead of a table.
        #[arg(long)]
        json: bool,
    },
}

#[derive(Args, Clone)]
struct FileArgs {
    /// Input files (.gz is decompressed).
    #[arg(required = true)]
    files: Vec<PathBuf>,
    /// Store folder.
    #[arg(long, default_value = DEFAULT_STORE)]
    store: PathBuf,
    /// What to do with bad rows.
    #[arg(long, value_enum, default_value_t = PolicyName::Quarantine)]
    policy: PolicyName,
    /// Bar interval (1m, 5m, 1h, 1d); default: inferred from the bars' spacing.
    #[arg(long)]
    interval: Option<String>,
    /// Relative close-to-close move flagged as an outlier jump.
    #[arg(long)]
    max_jump: Option<f64>,
}

#[derive(Args)]
struct SynthArgs {
    /// Store folder.
    #[arg(long, default_value = DEFAULT_STORE)]
    store: PathBuf,
    /// Random seed: the same seed gives the same market, byte for byte.
    #[arg(long)]
    seed: Option<u64>,
    /// Number of sessions to generate (default: the configuration's, about one year).
    #[arg(long)]
    sessions: Option<usize>,
    /// Stocks in the daily universe (0 for none).
    #[arg(long, default_value_t = 300)]
    universe: usize,
}

#[derive(Clone, Copy, ValueEnum)]
enum PolicyName {
    /// Reject a file with any bad row (nothing of it is written).
    Reject,
    /// Write bad rows to the quarantine with their reason; keep the rest.
    Quarantine,
    /// Drop exact duplicates and sort out-of-order rows; quarantine the rest.
    Repair,
}

#[derive(Clone, Copy, ValueEnum)]
enum FormatName {
    Csv,
    Yahoo,
    Alpaca,
    Chains,
    Cboe,
    Optionsdx,
}

/// `println!` that ends the program quietly when stdout is closed (`ingest ls | head`),
/// as Unix tools do, instead of panicking.
macro_rules! out {
    ($($arg:tt)*) => {{
        let mut o = std::io::stdout().lock();
        if writeln!(o, $($arg)*).is_err() {
            std::process::exit(0);
        }
    }};
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    match run(cli) {
        Ok(code) => ExitCode::from(code),
        Err(e) => {
            eprintln!("ingest: error: {e:#}");
            ExitCode::from(1)
        }
    }
}

fn run(cli: Cli) -> Result<u8> {
    match cli.cmd {
        Cmd::Synth(a) => synth(a),
        Cmd::Csv { common, map } => {
            let map =
                ColumnMap::load(&map).with_context(|| format!("column map {}", map.display()))?;
            files(common, Format::GenericCsv(Box::new(map)), false)
        }
        Cmd::Yahoo {
            common,
            symbol,
            adjust,
        } => files(
            common,
            Format::Yahoo(yahoo::YahooOptions { symbol, adjust }),
            false,
        ),
        Cmd::Alpaca { common } => files(common, Format::AlpacaJson, false),
        Cmd::Chains { common } => files(common, Format::Chains, false),
        Cmd::Cboe { common, underlying } => files(
            common,
            Format::Cboe(cboe::CboeOptions {
                underlying,
                fallback_ts: None,
                override_ts: None,
            }),
            false,
        ),
        Cmd::Optionsdx {
            common,
            underlying,
            eod,
        } => {
            let datashop_quote = if eod {
                optionsdx::DataShopQuote::Eod
            } else {
                optionsdx::DataShopQuote::At1545
            };
            files(
                common,
                Format::OptionsDx(optionsdx::OptionsDxOptions {
                    underlying,
                    datashop_quote,
                }),
                false,
            )
        }
        Cmd::Validate {
            common,
            format,
            map,
        } => {
            let format = match format {
                FormatName::Csv => {
                    let Some(map) = map else {
                        bail!("--format csv needs --map MAP.toml")
                    };
                    Format::GenericCsv(Box::new(
                        ColumnMap::load(&map)
                            .with_context(|| format!("column map {}", map.display()))?,
                    ))
                }
                FormatName::Yahoo => Format::Yahoo(yahoo::YahooOptions::default()),
                FormatName::Alpaca => Format::AlpacaJson,
                FormatName::Chains => Format::Chains,
                FormatName::Cboe => Format::Cboe(cboe::CboeOptions::default()),
                FormatName::Optionsdx => Format::OptionsDx(optionsdx::OptionsDxOptions::default()),
            };
            files(common, format, true)
        }
        Cmd::Ls { store, json } => ls(&store, json),
    }
}

fn files(a: FileArgs, format: Format, dry_run: bool) -> Result<u8> {
    let store = Store::open(&a.store);
    let mut validation =
        ValidationConfig::default().with_calendar(std::sync::Arc::new(NyseCalendar::new()));
    if let Some(j) = a.max_jump {
        validation.max_jump = j;
    }
    let opts = IngestOptions {
        policy: match a.policy {
            PolicyName::Reject => Policy::Reject,
            PolicyName::Quarantine => Policy::Quarantine,
            PolicyName::Repair => Policy::Repair,
        },
        validation,
        interval: a.interval.clone(),
        dry_run,
        now: SystemClock.now(),
    };
    let bar = progress(a.files.len() as u64, "files");
    let summary = pipeline::ingest_files(&store, &a.files, &format, &opts, &mut |i, f| {
        bar.set_position(i as u64);
        bar.set_message(f.display().to_string());
    })?;
    bar.finish_and_clear();
    print_summary(&summary, dry_run, &a.store);
    Ok(exit_code(summary.outcome()))
}

fn exit_code(o: Outcome) -> u8 {
    u8::try_from(o.exit_code()).unwrap_or(1)
}

fn progress(len: u64, what: &str) -> ProgressBar {
    let bar = ProgressBar::new(len);
    let style = ProgressStyle::with_template(&format!(
        "{{spinner}} [{{bar:30}}] {{pos}}/{{len}} {what} {{elapsed}} {{msg}}"
    ))
    .unwrap_or_else(|_| ProgressStyle::default_bar());
    bar.set_style(style);
    bar.enable_steady_tick(Duration::from_millis(200));
    bar
}

fn print_summary(s: &IngestSummary, dry_run: bool, store: &Path) {
    let mut rows: Vec<Vec<String>> = vec![vec![
        "file".into(),
        "rows in".into(),
        "kept".into(),
        "quarantined".into(),
        "duplicates dropped".into(),
        "rejected".into(),
        "warnings".into(),
        "outcome".into(),
    ]];
    for f in &s.files {
        let r = &f.report;
        rows.push(vec![
            f.file.display().to_string(),
            r.rows_in.to_string(),
            r.rows_kept.to_string(),
            r.quarantined.to_string(),
            r.dropped.to_string(),
            r.rejected.to_string(),
            r.warning_count().to_string(),
            r.outcome.as_str().to_string(),
        ]);
    }
    print_table(&rows);
    out!();
    out!("{}", s.total);
    for f in &s.files {
        if let Some(why) = &f.rejected {
            out!("rejected {}: {why}", f.file.display());
        }
    }
    if dry_run {
        out!("dry run: nothing written");
    } else {
        out!(
            "store {}: {} partition file(s) written, {} row(s) in, {} existing row(s) replaced",
            store.display(),
            s.written.partitions,
            s.written.rows_written,
            s.written.rows_replaced
        );
        if let Some(q) = &s.quarantine_file {
            out!(
                "quarantine: {} ({} row(s))",
                q.display(),
                s.total.quarantined
            );
        }
    }
}

fn print_table(rows: &[Vec<String>]) {
    let ncol = rows.iter().map(Vec::len).max().unwrap_or(0);
    let width: Vec<usize> = (0..ncol)
        .map(|c| {
            rows.iter()
                .map(|r| r.get(c).map_or(0, |s| s.chars().count()))
                .max()
                .unwrap_or(0)
        })
        .collect();
    for (i, r) in rows.iter().enumerate() {
        let line: Vec<String> = r
            .iter()
            .enumerate()
            .map(|(c, s)| {
                if c == 0 {
                    format!("{s:<w$}", w = width[c])
                } else {
                    format!("{s:>w$}", w = width[c])
                }
            })
            .collect();
        out!("{}", line.join("  "));
        if i == 0 {
            out!(
                "{}",
                width
                    .iter()
                    .map(|w| "-".repeat(*w))
                    .collect::<Vec<_>>()
                    .join("  ")
            );
        }
    }
}

fn ls(store: &Path, json: bool) -> Result<u8> {
    let holdings = Store::open(store)
        .list()
        .with_context(|| format!("listing {}", store.display()))?;
    if json {
        for h in &holdings {
            out!("{}", holding_json(h));
        }
        return Ok(0);
    }
    if holdings.is_empty() {
        out!("store {} is empty (try `ingest synth`)", store.display());
        return Ok(0);
    }
    let mut rows = vec![vec![
        "kind".to_string(),
        "interval".into(),
        "symbol".into(),
        "files".into(),
        "rows".into(),
        "MB".into(),
        "first".into(),
        "last".into(),
    ]];
    for h in &holdings {
        rows.push(vec![
            h.kind.to_string(),
            h.interval.clone().unwrap_or_default(),
            h.symbol.clone(),
            h.files.to_string(),
            h.rows.to_string(),
            format!("{:.1}", h.bytes as f64 / 1e6),
            h.first.map(|t| t.to_rfc3339()).unwrap_or_default(),
            h.last.map(|t| t.to_rfc3339()).unwrap_or_default(),
        ]);
    }
    print_table(&rows);
    Ok(0)
}

fn holding_json(h: &Holding) -> String {
    serde_json::json!({
        "kind": h.kind.as_str(),
        "interval": h.interval,
        "symbol": h.symbol,
        "files": h.files,
        "rows": h.rows,
        "bytes": h.bytes,
        "first": h.first.map(|t| t.to_rfc3339()),
        "last": h.last.map(|t| t.to_rfc3339()),
    })
    .to_string()
}

fn synth(a: SynthArgs) -> Result<u8> {
    let mut cfg = SynthConfig::default();
    if let Some(seed) = a.seed {
        cfg.seed = seed;
    }
    if let Some(n) = a.sessions {
        cfg.sessions = n;
    }
    let seed = cfg.seed;
    let start = std::time::Instant::now();
    let market = SyntheticMarket::new(cfg).context("synthetic market configuration")?;
    let universe = (a.universe > 0).then(|| {
        // Five years of daily bars ending with the index's last session.
        let last = market.sessions().last().copied().unwrap_or_default();
        let start = chrono::NaiveDate::from_ymd_opt(chrono::Datelike::year(&last) - 5, 1, 2)
            .unwrap_or(last);
        let cal = NyseCalendar::new();
        let sessions = cal
            .sessions_between(start, last)
            .map(Iterator::count)
            .unwrap_or(1260);
        let mut u = UniverseConfig {
            n_symbols: a.universe,
            start,
            sessions,
            ..UniverseConfig::default()
        };
        if a.seed.is_some() {
            u.seed = seed;
        }
        u
    });
    let store = Store::open(&a.store);
    let bar = progress(market.len() as u64, "sessions");
    let uni_bar = std::sync::Mutex::new(None::<ProgressBar>);
    let written = synth::write_to_store(&store, &market, universe.as_ref(), &|step| match step {
        SynthStep::Daily => bar.set_message("daily series written"),
        SynthStep::Sessions { done, .. } => bar.set_position(done as u64),
        SynthStep::Universe { done, of } => {
            if let Ok(mut g) = uni_bar.lock() {
                let b = g.get_or_insert_with(|| {
                    bar.finish_and_clear();
                    progress(of as u64, "stocks")
                });
                b.set_position(done as u64);
            }
        }
    })?;
    bar.finish_and_clear();
    if let Ok(mut g) = uni_bar.lock()
        && let Some(b) = g.take()
    {
        b.finish_and_clear();
    }
    let sessions = market.sessions();
    print_table(&[
        vec!["series".to_string(), "rows".into()],
        vec![
            format!("SPX 1-minute bars ({} sessions)", written.sessions),
            written.minute_bars.to_string(),
        ],
        vec![
            "SPX option quotes (SPXW)".into(),
            written.chain_quotes.to_string(),
        ],
        vec![
            "SPX, VIX9D, VIX, VIX3M daily bars".into(),
            (4 * written.sessions).to_string(),
        ],
        vec![
            format!("universe daily bars ({} stocks)", written.stocks),
            written.stock_bars.to_string(),
        ],
    ]);
    out!(
        "seed {seed}, sessions {} .. {}, {} partition file(s) in {} ({:.1} s)",
        sessions
            .first()
            .map(ToString::to_string)
            .unwrap_or_default(),
        sessions.last().map(ToString::to_string).unwrap_or_default(),
        written.files,
        a.store.display(),
        start.elapsed().as_secs_f64()
    );
    Ok(0)
}
