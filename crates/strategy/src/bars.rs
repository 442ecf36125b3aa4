//! Bar inputs: a borrowed column view for the vectorized form and one bar for streaming.

use thetalab_core::Timestamp;

use crate::StrategyError;

/// One bar, as the streaming form ([`crate::StreamingStrategy::on_bar`]) and the exit
/// tracker ([`crate::exits::ExitTracker::check`]) see it.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct BarInput {
    /// Bar time (the bar's close time or its label, as the data source defines it).
    pub ts: Timestamp,
    /// Open price.
    pub open: f64,
    /// High price.
    pub high: f64,
    /// Low price.
    pub low: f64,
    /// Close price.
    pub close: f64,
    /// Volume.
    pub volume: f64,
}

/// Borrowed OHLCV columns of one instrument (structure of arrays), all of one length.
///
/// Build it with [`BarsView::new`], which checks the lengths, or from owned
/// [`BarColumns`] with [`BarColumns::view`].
#[derive(Debug, Clone, Copy)]
pub struct BarsView<'a> {
    /// Bar times, ascending.
    pub ts: &'a [Timestamp],
    /// Opens.
    pub open: &'a [f64],
    /// Highs.
    pub high: &'a [f64],
    /// Lows.
    pub low: &'a [f64],
    /// Closes.
    pub close: &'a [f64],
    /// Volumes.
    pub volume: &'a [f64],
}

impl<'a> BarsView<'a> {
    /// A view over six columns; fails with [`StrategyError::LengthMismatch`] naming the
    /// first column whose length differs from `ts`'s.
    pub fn new(
        ts: &'a [Timestamp],
        open: &'a [f64],
        high: &'a [f64],
        low: &'a [f64],
        close: &'a [f64],
        volume: &'a [f64],
    ) -> Result<Self, StrategyError> {
        let n = ts.len();
        for (column, len) in [
            ("open", open.len()),
            ("high", high.len()),
            ("low", low.len()),
            ("close", close.len()),
            ("volume", volume.len()),
        ] {
            if len != n {
                return Err(StrategyError::LengthMismatch {
                    column: column.to_string(),
                    len,
                    expected: n,
                });
            }
        }
        Ok(BarsView {
            ts,
            open,
            high,
            low,
            close,
            volume,
        })
    }

    /// Number of bars.
    #[must_use]
    pub fn len(&self) -> usize {
        self.ts.len()
    }

    /// True when there are no bars.
    #[must_use]
    pub fn is_empty(&self) -> bool {
        self.ts.is_empty()
    }

    /// Bar `i`, or `None` past the end.
    #[must_use]
    pub fn bar(&self, i: usize) -> Option<BarInput> {
        Some(BarInput {
            ts: *self.ts.get(i)?,
            open: *self.open.get(i)?,
            high: *self.high.get(i)?,
            low: *self.low.get(i)?,
            close: *self.close.get(i)?,
            volume: *self.volume.get(i)?,
        })
    }

    /// The bars one at a time, in order (what a streaming strategy is fed).
    pub fn iter(&self) -> impl Iterator<Item = BarInput> + '_ {
        (0..self.len()).filter_map(|i| self.bar(i))
    }
}

/// Owned OHLCV columns; [`BarColumns::view`] lends them as a [`BarsView`].
#[derive(Debug, Clone, Default, PartialEq)]
pub struct BarColumns {
    /// Bar times.
    pub ts: Vec<Timestamp>,
    /// Opens.
    pub open: Vec<f64>,
    /// Highs.
    pub high: Vec<f64>,
    /// Lows.
    pub low: Vec<f64>,
    /// Closes.
    pub close: Vec<f64>,
    /// Volumes.
    pub volume: Vec<f64>,
}

impl BarColumns {
    /// Columns from bars (e.g. `thetalab_data::Bar`s mapped to [`BarInput`]).
    pub fn from_bars<I: IntoIterator<Item = BarInput>>(bars: I) -> Self {
        let mut c = BarColumns::default();
        for b in bars {
            c.push(b);
        }
        c
    }

    /// Appends one bar.
    pub fn push(&mut self, b: BarInput) {
        self.ts.push(b.ts);
        self.open.push(b.open);
        self.high.push(b.high);
        self.low.push(b.low);
        self.close.push(b.close);
        self.volume.push(b.volume);
    }

    /// A checked view of the columns (fails when someone made the public fields unequal).
    pub fn view(&self) -> Result<BarsView<'_>, StrategyError> {
        BarsView::new(
            &self.ts,
            &self.open,
            &self.high,
            &self.low,
            &self.close,
            &self.volume,
        )
    }
}
