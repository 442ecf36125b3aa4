//! The benchmark: [`BuyAndHold`].

use crate::{Action, BarInput, BarStrategy, BarsView, Signals, StrategyError, StreamingStrategy};

/// Buy at the first bar whose close is finite and > 0, hold to the end (registry name
/// `buy-hold`, no parameters). Entering at the first *usable* bar keeps a leading gap in
/// the data from turning the benchmark into NaN.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct BuyAndHold;

fn usable(close: f64) -> bool {
    close.is_finite() && close > 0.0
}

impl BarStrategy for BuyAndHold {
    fn name(&self) -> &str {
        "buy-hold"
    }

    fn params(&self) -> Vec<(String, f64)> {
        Vec::new()
    }

    fn signals(&self, bars: &BarsView) -> Result<Signals, StrategyError> {
        let mut sig = Signals::new(bars.len());
        if let Some(i) = bars.close.iter().position(|&c| usable(c)) {
            sig.set(i, Action::EnterLong);
        }
        Ok(sig)
    }

    fn warmup(&self) -> usize {
        0
    }

    fn streaming(&self) -> Result<Box<dyn StreamingStrategy>, StrategyError> {
        Ok(Box::new(BuyAndHoldStream { entered: false }))
    }
}

/// Streaming [`BuyAndHold`].
#[derive(Debug, Clone)]
struct BuyAndHoldStream {
    entered: bool,
}

impl StreamingStrategy for BuyAndHoldStream {
    fn on_bar(&mut self, bar: &BarInput) -> Action {
        if !self.entered && usable(bar.close) {
            self.entered = true;
            Action::EnterLong
        } else {
            Action::Hold
        }
    }
}
