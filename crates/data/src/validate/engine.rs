//! The single-pass validator shared by every record type.
//!
//! One pass over the rows decides, for each, keep / drop (repaired exact duplicate) /
//! quarantine, recording a fault only for bad rows; a second pass moves the kept rows
//! into the output. Nothing is allocated per clean row.

use std::collections::HashMap;
use std::fmt::Write as _;
use std::hash::{BuildHasherDefault, Hash, Hasher};

use chrono::NaiveDate;
use thetalab_core::Timestamp;

use super::config::{Policy, ValidationConfig};
use super::reason::{Reason, Severity};
use super::report::{Outcome, ParseReject, QuarantineRow, ValidationReport};
use crate::error::DataError;
use crate::schema::DataKind;
use crate::store::NyDays;

/// A record type validation knows how to check.
pub(crate) trait Record: PartialEq {
    /// What, besides the timestamp, identifies a row (`()` for series, the contract for
    /// option chains): two rows with equal `ts` and key are duplicates. The order only
    /// serves to see that a timestamp's keys are all distinct without hashing them.
    type Key: Hash + Eq + Ord + Copy;
    /// Whether calendar checks (non-session days, gaps) apply.
    const CALENDAR_CHECKS: bool;

    /// The row's timestamp.
    fn ts(&self) -> Timestamp;
    /// The row's key (see [`Record::Key`]).
    fn key(&self) -> Self::Key;
    /// The price compared with the previous kept row's for outlier jumps (> 0), if any.
    fn jump_price(&self) -> Option<f64>;
    /// The row-level checks.
    fn check(&self, cx: &mut Ctx<'_>, f: &mut Flagger<'_>);
    /// A faithful CSV rendering of the row for the quarantine file.
    fn render(&self, symbol: &str, out: &mut String);
}

/// What the checks may consult: the configuration and a cached New York date.
pub(crate) struct Ctx<'a> {
    pub(crate) cfg: &'a ValidationConfig,
    days: NyDays,
}

impl<'a> Ctx<'a> {
    fn new(cfg: &'a ValidationConfig) -> Self {
        Ctx {
            cfg,
            days: NyDays::default(),
        }
    }

    /// The New York date of `ts`, converting time zones only when `ts` leaves the day
    /// of the previous call (sorted data converts once per day).
    pub(crate) fn ny_date(&mut self, ts: Timestamp) -> NaiveDate {
        self.days.date(ts)
    }
}

/// The first error found on a row (field and detail in words).
struct Fault {
    idx: usize,
    reason: Reason,
    field: &'static str,
    detail: String,
}

/// Collects what the checks find on one row: every warning once, the first error.
pub(crate) struct Flagger<'a> {
    sev: &'a [Severity; Reason::COUNT],
    warnings: &'a mut [usize; Reason::COUNT],
    seen: u32,
    error: Option<(Reason, &'static str, String)>,
}

impl Flagger<'_> {
    /// Flags `reason` on `field`; `detail` is only called when an error is recorded.
    pub(crate) fn flag(
        &mut self,
        reason: Reason,
        field: &'static str,
        detail: impl FnOnce() -> String,
    ) {
        match self.sev[reason.index()] {
            Severity::Warning => {
                let bit = 1u32 << reason.index();
                if self.seen & bit == 0 {
                    self.seen |= bit;
                    self.warnings[reason.index()] += 1;
                }
            }
            Severity::Error => {
                if self.error.is_none() {
                    self.error = Some((reason, field, detail()));
                }
            }
        }
    }

    /// True once an error is recorded (later checks may skip work).
    pub(crate) fn has_error(&self) -> bool {
        self.error.is_some()
    }
}

const KEEP: u8 = 0;
const DROP: u8 = 1;
const QUARANTINE: u8 = 2;

/// What [`run`] returns when the file is not rejected.
pub(crate) struct RunOutput<R> {
    pub(crate) kept: Vec<R>,
    pub(crate) quarantine: Vec<QuarantineRow>,
    pub(crate) report: ValidationReport,
}

/// The identity of one input, for messages and quarantine rows.
pub(crate) struct Source<'a> {
    pub(crate) name: &'a str,
    pub(crate) kind: DataKind,
    pub(crate) symbol: &'a str,
}

/// Validates `rows` (plus the adapter's parse rejects) under `cfg` and `policy`.
pub(crate) fn run<R: Record>(
    mut rows: Vec<R>,
    lines: Option<Vec<u64>>,
    rejects: Vec<ParseReject>,
    src: &Source<'_>,
    cfg: &ValidationConfig,
    policy: Policy,
) -> Result<RunOutput<R>, DataError> {
    let n = rows.len();
    if let Some(l) = &lines
        && l.len() != n
    {
        return Err(DataError::LineCountMismatch {
            file: src.name.to_string(),
            rows: n,
            lines: l.len(),
        });
    }
    let mut report = ValidationReport::new(src.name);
    report.rows_in = n + rejects.len();
    let mut lines = lines;

    // Repair: a stable sort by timestamp, counting the rows that were out of place (the
    // rows the other policies would quarantine as out_of_order).
    if policy == Policy::Repair {
        let moved = count_out_of_order(&rows);
        if moved > 0 {
            let mut perm: Vec<usize> = (0..n).collect();
            perm.sort_by_key(|&i| rows[i].ts());
            let old_lines = lines.take().unwrap_or_else(|| (1..=n as u64).collect());
            lines = Some(perm.iter().map(|&i| old_lines[i]).collect());
            let mut slots: Vec<Option<R>> = rows.into_iter().map(Some).collect();
            rows = perm.iter().filter_map(|&i| slots[i].take()).collect();
            report.repaired.insert(Reason::OutOfOrder, moved);
        }
    }
    let line_of = |i: usize| lines.as_ref().map_or(i as u64 + 1, |l| l[i]);

    let sev = cfg.severity_table();
    let mut warnings = [0usize; Reason::COUNT];
    let mut status = vec![KEEP; n];
    let mut faults: Vec<Fault> = Vec::new();
    let mut dropped = 0usize;
    let mut cx = Ctx::new(cfg);

    let mut cur_ts: Option<Timestamp> = None;
    // Per timestamp group: key -> (first row with that key, ambiguous?), kept only for
    // groups whose keys are not all distinct (see `distinct_keys`).
    let mut group: HashMap<R::Key, (usize, bool), BuildHasherDefault<FxHasher>> =
        HashMap::default();
    let mut group_distinct = false;
    let mut group_anchor: Option<usize> = None;
    let mut anchor: Option<f64> = None;

    for i in 0..n {
        let row = &rows[i];
        let ts = row.ts();
        match cur_ts {
            Some(c) if ts < c => {
                status[i] = QUARANTINE;
                faults.push(Fault {
                    idx: i,
                    reason: Reason::OutOfOrder,
                    field: "ts",
                    detail: format!("ts {ts} is earlier than the previous row's {c}"),
                });
                continue;
            }
            Some(c) if ts == c => {}
            _ => {
                if let Some(a) = group_anchor.take()
                    && status[a] == KEEP
                {
                    anchor = rows[a].jump_price().or(anchor);
                }
                if !group.is_empty() {
                    group.clear();
                }
                cur_ts = Some(ts);
                group_distinct = distinct_keys(&rows[i..], ts);
            }
        }

        let mut f = Flagger {
            sev: &sev,
            warnings: &mut warnings,
            seen: 0,
            error: None,
        };
        row.check(&mut cx, &mut f);
        if R::CALENDAR_CHECKS
            && let Some(cal) = &cfg.calendar
        {
            let d = cx.ny_date(ts);
            if !cal.is_session(d) {
                f.flag(Reason::NonSessionDay, "ts", || {
                    format!("{d} is not a session of the calendar")
                });
            }
        }
        if let Some((reason, field, detail)) = f.error.take() {
            status[i] = QUARANTINE;
            faults.push(Fault {
                idx: i,
                reason,
                field,
                detail,
            });
            continue;
        }

        // Duplicates within the timestamp group.
        if group_distinct {
            // No key repeats in this group: nothing to look up.
        } else {
            match group.get_mut(&row.key()) {
                None => {
                    group.insert(row.key(), (i, false));
                }
                Some((first, ambiguous)) => {
                    let first = *first;
                    if *ambiguous {
                        status[i] = QUARANTINE;
                        faults.push(Fault {
                            idx: i,
                            reason: Reason::DuplicateTimestamp,
                            field: "ts",
                            detail: format!(
                                "ts {ts} also on line {} with different values",
                                line_of(first)
                            ),
                        });
                    } else if *row == rows[first] {
                        if policy == Policy::Repair {
                            status[i] = DROP;
                            dropped += 1;
                        } else {
                            status[i] = QUARANTINE;
                            faults.push(Fault {
                                idx: i,
                                reason: Reason::ExactDuplicate,
                                field: "",
                                detail: format!("identical to line {}", line_of(first)),
                            });
                        }
                    } else {
                        *ambiguous = true;
                        status[i] = QUARANTINE;
                        faults.push(Fault {
                            idx: i,
                            reason: Reason::DuplicateTimestamp,
                            field: "ts",
                            detail: format!(
                                "ts {ts} also on line {} with different values",
                                line_of(first)
                            ),
                        });
                        if status[first] == KEEP {
                            status[first] = QUARANTINE;
                            faults.push(Fault {
                                idx: first,
                                reason: Reason::DuplicateTimestamp,
                                field: "ts",
                                detail: format!(
                                    "ts {ts} also on line {} with different values",
                                    line_of(i)
                                ),
                            });
                        }
                    }
                    continue;
                }
            }
        }

        // Outlier jump against the last kept row of an earlier timestamp.
        if let (Some(p), Some(a)) = (row.jump_price(), anchor) {
            // Log return ln(p / a): symmetric in up and down moves, additive over time.
            let r = (p / a).ln();
            if r.abs() > cfg.max_jump {
                f.flag(Reason::OutlierJump, "", || {
                    format!(
                        "log change {r:.4} from {a} to {p} exceeds max_jump {}",
                        cfg.max_jump
                    )
                });
                if let Some((reason, field, detail)) = f.error.take() {
                    status[i] = QUARANTINE;
                    faults.push(Fault {
                        idx: i,
                        reason,
                        field,
                        detail,
                    });
                    continue;
                }
            }
        }
        if group_anchor.is_none() {
            group_anchor = Some(i);
        }
    }

    // Tally.
    for (r, &w) in Reason::ALL.iter().zip(warnings.iter()) {
        if w > 0 {
            report.warnings.insert(*r, w);
        }
    }
    for fault in &faults {
        *report.counts.entry(fault.reason).or_insert(0) += 1;
    }
    if !rejects.is_empty() {
        *report.counts.entry(Reason::ParseError).or_insert(0) += rejects.len();
    }
    if dropped > 0 {
        report.repaired.insert(Reason::ExactDuplicate, dropped);
    }

    if policy == Policy::Reject && (!faults.is_empty() || !rejects.is_empty()) {
        report.rejected = report.rows_in;
        report.outcome = Outcome::Rejected;
        let first_fault = faults.iter().min_by_key(|f| (line_of(f.idx), f.idx));
        let first_reject = rejects.iter().min_by_key(|r| r.line);
        let use_reject = match (first_fault, first_reject) {
            (Some(f), Some(r)) => r.line <= line_of(f.idx),
            (None, Some(_)) => true,
            _ => false,
        };
        let (line, field, reason, detail) = match (use_reject, first_fault, first_reject) {
            (true, _, Some(r)) => (
                r.line,
                r.field.clone(),
                Reason::ParseError,
                r.message.clone(),
            ),
            (_, Some(f), _) => (
                line_of(f.idx),
                f.field.to_string(),
                f.reason,
                f.detail.clone(),
            ),
            // Unreachable: one of the two lists is non-empty; report the file as a whole.
            _ => (0, String::new(), Reason::ParseError, String::new()),
        };
        return Err(DataError::Rejected {
            file: src.name.to_string(),
            line,
            field,
            reason,
            detail,
            report: Box::new(report),
        });
    }

    // Quarantine rows, in source-line order (parse rejects interleaved).
    let bad_records = faults.len();
    let mut quarantine: Vec<QuarantineRow> = Vec::with_capacity(faults.len() + rejects.len());
    for fault in faults {
        let mut raw = String::new();
        rows[fault.idx].render(src.symbol, &mut raw);
        quarantine.push(QuarantineRow {
            source: src.name.to_string(),
            line: line_of(fault.idx),
            kind: src.kind,
            symbol: src.symbol.to_string(),
            reason: fault.reason,
            field: fault.field.to_string(),
            detail: fault.detail,
            raw,
        });
    }
    for r in rejects {
        quarantine.push(QuarantineRow {
            source: src.name.to_string(),
            line: r.line,
            kind: src.kind,
            symbol: src.symbol.to_string(),
            reason: Reason::ParseError,
            field: r.field,
            detail: r.message,
            raw: r.raw,
        });
    }
    quarantine.sort_by_key(|q| q.line);

    // Kept rows stay where they are: no second copy of the rows.
    let mut kept = rows;
    if dropped + bad_records > 0 {
        let mut st = status.iter();
        kept.retain(|_| st.next() == Some(&KEEP));
    }

    if R::CALENDAR_CHECKS
        && let Some(cal) = &cfg.calendar
    {
        let mut prev: Option<NaiveDate> = None;
        for row in &kept {
            let d = cx.ny_date(row.ts());
            if let Some(p) = prev
                && d > p
            {
                let mut g = p.succ_opt();
                while let Some(day) = g
                    && day < d
                {
                    if cal.is_session(day) {
                        report.gaps.push(day);
                    }
                    g = day.succ_opt();
                }
            }
            if prev.is_none_or(|p| d > p) {
                prev = Some(d);
            }
        }
        if !report.gaps.is_empty() {
            report
                .warnings
                .insert(Reason::MissingSession, report.gaps.len());
        }
    }

    report.rows_kept = kept.len();
    report.quarantined = quarantine.len();
    report.dropped = dropped;
    report.outcome = if report.quarantined > 0 {
        Outcome::Quarantined
    } else if !report.warnings.is_empty() || !report.repaired.is_empty() {
        Outcome::Warnings
    } else {
        Outcome::Clean
    };
    Ok(RunOutput {
        kept,
        quarantine,
        report,
    })
}

/// True when the rows of the timestamp group starting at `rows[0]` (stamped `ts`, up to
/// the first later stamp; earlier stamps are out of order and skipped) have strictly
/// increasing keys, hence no two equal: the usual layout of a sorted chain. One pass,
/// no hashing; any other order answers false and the group uses the hash map.
fn distinct_keys<R: Record>(rows: &[R], ts: Timestamp) -> bool {
    let mut prev: Option<R::Key> = None;
    for r in rows {
        let t = r.ts();
        if t > ts {
            break;
        }
        if t < ts {
            continue;
        }
        let k = r.key();
        if prev.is_some_and(|p| p >= k) {
            return false;
        }
        prev = Some(k);
    }
    true
}

/// FxHash (the rustc hasher: multiply-rotate, no per-hash setup), for the duplicate
/// map of small `Copy` keys; its inputs are row keys, not attacker-chosen strings.
#[derive(Default)]
struct FxHasher {
    hash: u64,
}

impl FxHasher {
    const SEED: u64 = 0x51_7c_c1_b7_27_22_0a_95;

    #[inline]
    fn add(&mut self, word: u64) {
        self.hash = (self.hash.rotate_left(5) ^ word).wrapping_mul(Self::SEED);
    }
}

impl Hasher for FxHasher {
    #[inline]
    fn write(&mut self, bytes: &[u8]) {
        for chunk in bytes.chunks(8) {
            let mut w = [0u8; 8];
            w[..chunk.len()].copy_from_slice(chunk);
            self.add(u64::from_le_bytes(w));
        }
    }

    #[inline]
    fn write_u8(&mut self, i: u8) {
        self.add(u64::from(i));
    }

    #[inline]
    fn write_u32(&mut self, i: u32) {
        self.add(u64::from(i));
    }

    #[inline]
    fn write_u64(&mut self, i: u64) {
        self.add(i);
    }

    #[inline]
    fn write_usize(&mut self, i: usize) {
        self.add(i as u64);
    }

    #[inline]
    fn finish(&self) -> u64 {
        self.hash
    }
}

/// Rows whose timestamp is earlier than some row before them.
fn count_out_of_order<R: Record>(rows: &[R]) -> usize {
    let mut max: Option<Timestamp> = None;
    let mut count = 0;
    for r in rows {
        let ts = r.ts();
        match max {
            Some(m) if ts < m => count += 1,
            _ => max = Some(ts),
        }
    }
    count
}

/// Appends `v` (shortest round-trip form) or nothing for `None`, then nothing else.
pub(crate) fn push_opt<T: std::fmt::Display>(out: &mut String, v: Option<T>) {
    if let Some(v) = v {
        let _ = write!(out, "{v}");
    }
}
