//! The time-ordered stream of chain snapshots.

use std::collections::VecDeque;
use std::path::PathBuf;

use arrow_array::RecordBatch;
use thetalab_core::Timestamp;

use super::columns::{ChainCols, opt_f64, opt_u32, opt_u64};
use super::{TimeRange, read_file_batches};
use crate::DataError;
use crate::schema::ChainSnapshot;

type Batches = Box<dyn Iterator<Item = Result<RecordBatch, DataError>>>;

/// Streams [`ChainSnapshot`]s of one underlying in time order: all quotes of one
/// timestamp together. It holds one decoded batch (at most one row group) and the
/// snapshot being assembled, so memory does not grow with the history.
///
/// Use it as an `Iterator` (one allocation per snapshot) or, in hot loops, through
/// [`SnapshotStream::next_into`], which refills a snapshot you own and allocates nothing
/// once the vectors have grown.
pub struct SnapshotStream {
    underlying: String,
    files: VecDeque<PathBuf>,
    range: TimeRange,
    batches: Option<Batches>,
    cols: Option<ChainCols>,
    pos: usize,
    done: bool,
}

impl std::fmt::Debug for SnapshotStream {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SnapshotStream")
            .field("underlying", &self.underlying)
            .field("files_left", &self.files.len())
            .finish()
    }
}

impl SnapshotStream {
    pub(crate) fn new(underlying: String, files: Vec<PathBuf>, range: TimeRange) -> Self {
        SnapshotStream {
            underlying,
            files: files.into(),
            range,
            batches: None,
            cols: None,
            pos: 0,
            done: false,
        }
    }

    /// Makes sure a batch with unread rows is loaded; false at the end of the data.
    fn fill(&mut self) -> Result<bool, DataError> {
        loop {
            if let Some(c) = &self.cols
                && self.pos < c.len()
            {
                return Ok(true);
            }
            self.cols = None;
            if let Some(it) = self.batches.as_mut() {
                match it.next() {
                    Some(b) => {
                        let b = b?;
                        let file = self.underlying.clone();
                        self.cols = Some(ChainCols::new(&b, &file)?);
                        self.pos = 0;
                        continue;
                    }
                    None => self.batches = None,
                }
            }
            let Some(f) = self.files.pop_front() else {
                return Ok(false);
            };
            self.batches = Some(Box::new(read_file_batches(&f, &self.range)?));
        }
    }

    /// Refills `snap` with the next snapshot; `Ok(false)` at the end.
    pub fn next_into(&mut self, snap: &mut ChainSnapshot) -> Result<bool, DataError> {
        snap.clear();
        if self.done {
            return Ok(false);
        }
        let mut current: Option<i64> = None;
        loop {
            if !self.fill()? {
                self.done = true;
                return Ok(current.is_some());
            }
            let Some(c) = self.cols.as_ref() else {
                return Ok(current.is_some());
            };
            let n = c.len();
            while self.pos < n {
                let i = self.pos;
                let ts = c.ts.value(i);
                match current {
                    None => {
                        current = Some(ts);
                        snap.ts = Timestamp::from_nanos(ts);
                        snap.underlying.clone_from(&self.underlying);
                    }
                    Some(t) if t != ts => return Ok(true),
                    Some(_) => {}
                }
                if snap.underlying_price.is_none() {
                    snap.underlying_price = opt_f64(&c.und, i);
                }
                snap.root.push(c.root(i)?);
                snap.expiry.push(c.expiry(i)?);
                snap.strike.push(c.strike.value(i));
                snap.right.push(c.right(i)?);
                snap.bid.push(opt_f64(&c.bid, i));
                snap.ask.push(opt_f64(&c.ask, i));
                snap.bid_size.push(opt_u32(&c.bid_size, i));
                snap.ask_size.push(opt_u32(&c.ask_size, i));
                snap.volume.push(c.volume.value(i));
                snap.open_interest.push(opt_u64(&c.oi, i));
                snap.iv.push(opt_f64(&c.iv, i));
                self.pos += 1;
            }
        }
    }
}

impl Iterator for SnapshotStream {
    type Item = Result<ChainSnapshot, DataError>;

    fn next(&mut self) -> Option<Self::Item> {
        let mut s = ChainSnapshot::default();
        match self.next_into(&mut s) {
            Ok(true) => Some(Ok(s)),
            Ok(false) => None,
            Err(e) => {
                self.done = true;
                Some(Err(e))
            }
        }
    }
}
