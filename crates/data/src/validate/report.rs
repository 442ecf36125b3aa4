//! What a run returns: the kept data, the quarantined rows and the summary.

use std::collections::BTreeMap;
use std::fmt;

use chrono::NaiveDate;
use serde::{Deserialize, Serialize};

use super::reason::Reason;
use crate::schema::DataKind;

/// A line an adapter could not parse, handed to validation so that it is counted
/// ([`Reason::ParseError`]) and quarantined (or rejects the file) like any bad row.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ParseReject {
    /// 1-based line number in the source file.
    pub line: u64,
    /// The column at fault (empty when the whole line is, e.g. a wrong field count).
    pub field: String,
    /// What was wrong, in words (`"invalid float literal: \"1.2.3\""`).
    pub message: String,
    /// The line as read.
    pub raw: String,
}

/// One row taken out of the data, with why. The quarantine file has one of these per
/// line; serde field names are its column names.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct QuarantineRow {
    /// The input file (or any name the caller gave the source).
    pub source: String,
    /// Line number in the source when the adapter gave it, else the 1-based record number.
    pub line: u64,
    /// What kind of data the row was.
    pub kind: DataKind,
    /// Symbol (bars, quotes, trades) or underlying (chains).
    pub symbol: String,
    /// Why it was quarantined (the first error found on the row).
    pub reason: Reason,
    /// The field at fault (`high`, `bid`, `expiry`; `ts` for order and duplicates; empty
    /// when the whole row is).
    pub field: String,
    /// The offending values, in words.
    pub detail: String,
    /// The original line when known (parse errors), else the record rendered as CSV in
    /// the schema's column order (for chains: the long chain CSV format of
    /// [`OptionQuote`](crate::schema::OptionQuote)), with shortest round-trip floats.
    pub raw: String,
}

/// How a run ended; the CLI maps it to an exit code.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Outcome {
    /// Nothing flagged.
    Clean,
    /// Warnings or repairs only: every row that came in is kept or was a dropped exact
    /// duplicate.
    Warnings,
    /// Some rows were quarantined; the rest was kept.
    Quarantined,
    /// The file was rejected (policy `Reject` and at least one error).
    Rejected,
}

impl Outcome {
    /// The process exit code for this outcome: `0` clean or warnings only, `3` ingested with
    /// quarantined rows, `4` rejected. (1 and 2 stay free for generic failures and usage
    /// errors, as clap uses 2.)
    #[must_use]
    pub const fn exit_code(self) -> i32 {
        match self {
            Outcome::Clean | Outcome::Warnings => 0,
            Outcome::Quarantined => 3,
            Outcome::Rejected => 4,
        }
    }

    /// `clean`, `warnings`, `quarantined` or `rejected`.
    #[must_use]
    pub const fn as_str(self) -> &'static str {
        match self {
            Outcome::Clean => "clean",
            Outcome::Warnings => "warnings",
            Outcome::Quarantined => "quarantined",
            Outcome::Rejected => "rejected",
        }
    }
}

impl fmt::Display for Outcome {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// The summary of a run (or, after [`merge`](ValidationReport::merge), of several).
///
/// Invariant (checked by [`is_balanced`](ValidationReport::is_balanced)):
/// `rows_in == rows_kept + quarantined + dropped + rejected`. Every row that came in is in
/// exactly one of those four; each quarantined row is counted once in `counts` (under its
/// first error), each dropped row once in `repaired` under `exact_duplicate`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ValidationReport {
    /// The source name, or `"N files"` after merging different sources.
    pub source: String,
    /// Number of runs summed into this report (1 for a single file).
    pub files: usize,
    /// Records in plus parse rejects.
    pub rows_in: usize,
    /// Rows in the returned data.
    pub rows_kept: usize,
    /// Rows quarantined.
    pub quarantined: usize,
    /// Rows dropped by repair (exact duplicates).
    pub dropped: usize,
    /// Rows of rejected files (all of their rows).
    pub rejected: usize,
    /// Error-severity findings per reason: one per quarantined row, or per row that would
    /// have been quarantined in a rejected file.
    pub counts: BTreeMap<Reason, usize>,
    /// Warning-severity findings per reason: one per row showing the condition (whatever
    /// else happened to the row), and one per missing session.
    pub warnings: BTreeMap<Reason, usize>,
    /// Repairs per reason: `exact_duplicate` (rows dropped) and `out_of_order` (rows moved
    /// by the sort).
    pub repaired: BTreeMap<Reason, usize>,
    /// Calendar sessions between the first and last bar with no bar (needs a calendar).
    pub gaps: Vec<NaiveDate>,
    /// How the run ended.
    pub outcome: Outcome,
}

impl ValidationReport {
    /// An empty report for `source` (no rows, clean).
    #[must_use]
    pub fn new(source: &str) -> Self {
        ValidationReport {
            source: source.to_string(),
            files: 1,
            rows_in: 0,
            rows_kept: 0,
            quarantined: 0,
            dropped: 0,
            rejected: 0,
            counts: BTreeMap::new(),
            warnings: BTreeMap::new(),
            repaired: BTreeMap::new(),
            gaps: Vec::new(),
            outcome: Outcome::Clean,
        }
    }

    /// True when `rows_in == rows_kept + quarantined + dropped + rejected`.
    #[must_use]
    pub fn is_balanced(&self) -> bool {
        self.rows_in == self.rows_kept + self.quarantined + self.dropped + self.rejected
    }

    /// Total error findings.
    #[must_use]
    pub fn error_count(&self) -> usize {
        self.counts.values().sum()
    }

    /// Total warning findings.
    #[must_use]
    pub fn warning_count(&self) -> usize {
        self.warnings.values().sum()
    }

    /// Adds `other` into `self` (multi-file runs): counts summed, gaps appended, the worse
    /// outcome kept, and the source becomes `"N files"` when the names differ.
    pub fn merge(&mut self, other: &ValidationReport) {
        if self.source != other.source {
            self.source = format!("{} files", self.files + other.files);
        }
        self.files += other.files;
        self.rows_in += other.rows_in;
        self.rows_kept += other.rows_kept;
        self.quarantined += other.quarantined;
        self.dropped += other.dropped;
        self.rejected += other.rejected;
        for (map, add) in [
            (&mut self.counts, &other.counts),
            (&mut self.warnings, &other.warnings),
            (&mut self.repaired, &other.repaired),
        ] {
            for (r, n) in add {
                *map.entry(*r).or_insert(0) += n;
            }
        }
        self.gaps.extend_from_slice(&other.gaps);
        self.outcome = self.outcome.max(other.outcome);
    }
}

/// How many gap dates the summary prints before eliding.
const GAPS_SHOWN: usize = 5;

impl fmt::Display for ValidationReport {
    /// A compact plain-text summary, e.g.
    ///
    /// ```text
    /// spy.csv: quarantined — 2519 in, 2516 kept, 2 quarantined, 1 dropped
    ///   reason                      errors  warnings  repaired
    ///   exact_duplicate                  0         0         1
    ///   ohlc_inconsistent                2         0         0
    ///   outlier_jump                     0         3         0
    ///   missing sessions: 1 (2010-01-05)
    /// ```
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{}: {} — {} in, {} kept, {} quarantined, {} dropped",
            self.source, self.outcome, self.rows_in, self.rows_kept, self.quarantined, self.dropped
        )?;
        if self.rejected > 0 {
            write!(f, ", {} rejected", self.rejected)?;
        }
        if self.files > 1 {
            write!(f, " ({} files)", self.files)?;
        }
        let any = |r: &Reason| {
            self.counts.contains_key(r)
                || self.warnings.contains_key(r)
                || self.repaired.contains_key(r)
        };
        let reasons: Vec<Reason> = Reason::ALL.into_iter().filter(any).collect();
        if !reasons.is_empty() {
            write!(
                f,
                "\n  {:<26}{:>8}{:>10}{:>10}",
                "reason", "errors", "warnings", "repaired"
            )?;
            let get = |m: &BTreeMap<Reason, usize>, r: Reason| m.get(&r).copied().unwrap_or(0);
            for r in reasons {
                write!(
                    f,
                    "\n  {:<26}{:>8}{:>10}{:>10}",
                    r.as_str(),
                    get(&self.counts, r),
                    get(&self.warnings, r),
                    get(&self.repaired, r)
                )?;
            }
        }
        if !self.gaps.is_empty() {
            write!(f, "\n  missing sessions: {} (", self.gaps.len())?;
            for (i, d) in self.gaps.iter().take(GAPS_SHOWN).enumerate() {
                if i > 0 {
                    f.write_str(", ")?;
                }
                write!(f, "{d}")?;
            }
            if self.gaps.len() > GAPS_SHOWN {
                write!(f, ", … {} more", self.gaps.len() - GAPS_SHOWN)?;
            }
            f.write_str(")")?;
        }
        Ok(())
    }
}

/// The result of a run that was not rejected.
#[derive(Debug, Clone, PartialEq)]
pub struct Validated<T> {
    /// The kept rows, in time order.
    pub data: T,
    /// The rows taken out, in source-line order.
    pub quarantine: Vec<QuarantineRow>,
    /// The summary.
    pub report: ValidationReport,
}

/// `counts` as `reason=n, reason=n` (for error messages).
pub(crate) fn fmt_counts(counts: &BTreeMap<Reason, usize>) -> String {
    let mut s = String::new();
    for (i, (r, n)) in counts.iter().enumerate() {
        if i > 0 {
            s.push_str(", ");
        }
        s.push_str(r.as_str());
        s.push('=');
        s.push_str(&n.to_string());
    }
    s
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn exit_codes() {
        assert_eq!(Outcome::Clean.exit_code(), 0);
        assert_eq!(Outcome::Warnings.exit_code(), 0);
        assert_eq!(Outcome::Quarantined.exit_code(), 3);
        assert_eq!(Outcome::Rejected.exit_code(), 4);
    }

    #[test]
    fn merge_sums_and_keeps_worst() {
        let mut a = ValidationReport::new("a.csv");
        a.rows_in = 10;
        a.rows_kept = 9;
        a.quarantined = 1;
        a.counts.insert(Reason::OhlcInconsistent, 1);
        a.outcome = Outcome::Quarantined;
        let mut b = ValidationReport::new("b.csv");
        b.rows_in = 5;
        b.rejected = 5;
        b.counts.insert(Reason::OhlcInconsistent, 2);
        b.warnings.insert(Reason::LockedQuote, 1);
        b.outcome = Outcome::Rejected;
        a.merge(&b);
        assert_eq!(a.source, "2 files");
        assert_eq!(a.files, 2);
        assert_eq!(a.rows_in, 15);
        assert!(a.is_balanced());
        assert_eq!(a.counts[&Reason::OhlcInconsistent], 3);
        assert_eq!(a.warnings[&Reason::LockedQuote], 1);
        assert_eq!(a.outcome, Outcome::Rejected);
        let text = a.to_string();
        assert!(text.contains("ohlc_inconsistent"), "{text}");
        assert!(text.contains("locked_quote"), "{text}");
        assert_eq!(fmt_counts(&a.counts), "ohlc_inconsistent=3");
    }

    #[test]
    fn display_elides_long_gap_lists() {
        let mut r = ValidationReport::new("x");
        let d0 = NaiveDate::from_ymd_opt(2020, 1, 1).unwrap();
        r.gaps = (0..8).map(|i| d0 + chrono::Days::new(i)).collect();
        let text = r.to_string();
        assert!(text.contains("missing sessions: 8 (2020-01-01"), "{text}");
        assert!(text.contains("… 3 more"), "{text}");
    }
}
