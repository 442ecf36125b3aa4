//! Signals (the vectorized output) and actions (the streaming output), and the mapping
//! between them that makes the two forms comparable bar by bar.

/// Entry and exit signal columns, one flag per bar, with the meaning of vectorbt's
/// `Portfolio.from_signals(entries, exits, short_entries, short_exits)`:
///
/// * a flag at bar `i` is decided with data up to and including bar `i`'s close; the
///   engine fills it at that close or at bar `i + 1`'s open (its documented choice);
/// * signals are *requests*, not position changes: an entry while already in a position
///   of that direction is ignored (no pyramiding), an exit while not in that position is
///   ignored; a long entry while short (or a short entry while long) reverses — vectorbt
///   1.2's defaults `accumulate=False`, `upon_opposite_entry='reversereduce'`,
///   `upon_long_conflict='ignore'`, `upon_dir_conflict='ignore'` (checked in
///   `vbt.settings.portfolio`); the engine owns this position logic;
/// * the strategies of this crate never set an entry and an exit of the same direction
///   on one bar (vectorbt would call it a conflict and ignore both), nor a long and a
///   short entry together; the flag combinations they do produce are exactly the
///   [`Action`] variants ([`Signals::action_at`]).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Signals {
    /// Open (or keep) a long position.
    pub entries: Vec<bool>,
    /// Close a long position.
    pub exits: Vec<bool>,
    /// Open (or keep) a short position.
    pub short_entries: Vec<bool>,
    /// Close a short position.
    pub short_exits: Vec<bool>,
}

/// What a streaming strategy asks for after seeing one bar (a closed set: the flag
/// combinations of [`Signals`] that are not conflicts).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub enum Action {
    /// No signal.
    #[default]
    Hold,
    /// Long entry (`entries`).
    EnterLong,
    /// Long exit (`exits`).
    ExitLong,
    /// Short entry (`short_entries`).
    EnterShort,
    /// Short exit (`short_exits`).
    ExitShort,
    /// Long entry and short exit together (`entries` + `short_exits`): cover a short
    /// and go long; from flat, just go long.
    ReverseToLong,
    /// Short entry and long exit together (`short_entries` + `exits`).
    ReverseToShort,
    /// Both exits (`exits` + `short_exits`): be flat, whatever the position.
    Flatten,
}

impl Action {
    /// The action's flags in the order `[entry, exit, short_entry, short_exit]`.
    #[must_use]
    pub const fn flags(self) -> [bool; 4] {
        match self {
            Action::Hold => [false, false, false, false],
            Action::EnterLong => [true, false, false, false],
            Action::ExitLong => [false, true, false, false],
            Action::EnterShort => [false, false, true, false],
            Action::ExitShort => [false, false, false, true],
            Action::ReverseToLong => [true, false, false, true],
            Action::ReverseToShort => [false, true, true, false],
            Action::Flatten => [false, true, false, true],
        }
    }

    /// The action with these flags `[entry, exit, short_entry, short_exit]`, or `None`
    /// for a conflicting combination (an entry and an exit of one direction, or two
    /// entries).
    #[must_use]
    pub const fn from_flags(f: [bool; 4]) -> Option<Action> {
        match f {
            [false, false, false, false] => Some(Action::Hold),
            [true, false, false, false] => Some(Action::EnterLong),
            [false, true, false, false] => Some(Action::ExitLong),
            [false, false, true, false] => Some(Action::EnterShort),
            [false, false, false, true] => Some(Action::ExitShort),
            [true, false, false, true] => Some(Action::ReverseToLong),
            [false, true, true, false] => Some(Action::ReverseToShort),
            [false, true, false, true] => Some(Action::Flatten),
            _ => None,
        }
    }

    /// Is this a long entry (alone or in a reversal)?
    #[must_use]
    pub const fn enters_long(self) -> bool {
        self.flags()[0]
    }

    /// Is this a short entry (alone or in a reversal)?
    #[must_use]
    pub const fn enters_short(self) -> bool {
        self.flags()[2]
    }
}

impl Signals {
    /// `n` bars without any signal.
    #[must_use]
    pub fn new(n: usize) -> Self {
        Signals {
            entries: vec![false; n],
            exits: vec![false; n],
            short_entries: vec![false; n],
            short_exits: vec![false; n],
        }
    }

    /// Signals from one action per bar (how a streaming run is compared with the
    /// vectorized form).
    #[must_use]
    pub fn from_actions(actions: &[Action]) -> Self {
        let mut s = Signals::new(0);
        for &a in actions {
            s.push(a);
        }
        s
    }

    /// Appends one bar's action.
    pub fn push(&mut self, a: Action) {
        let [e, x, se, sx] = a.flags();
        self.entries.push(e);
        self.exits.push(x);
        self.short_entries.push(se);
        self.short_exits.push(sx);
    }

    /// Sets bar `i` to action `a` (no-op past the end).
    pub fn set(&mut self, i: usize, a: Action) {
        let [e, x, se, sx] = a.flags();
        if let (Some(pe), Some(px), Some(pse), Some(psx)) = (
            self.entries.get_mut(i),
            self.exits.get_mut(i),
            self.short_entries.get_mut(i),
            self.short_exits.get_mut(i),
        ) {
            *pe = e;
            *px = x;
            *pse = se;
            *psx = sx;
        }
    }

    /// Number of bars (the length of `entries`).
    #[must_use]
    pub fn len(&self) -> usize {
        self.entries.len()
    }

    /// True when there are no bars.
    #[must_use]
    pub fn is_empty(&self) -> bool {
        self.entries.is_empty()
    }

    /// The action at bar `i`; `None` past the end of any column or for a conflicting
    /// flag combination (see [`Action::from_flags`]).
    #[must_use]
    pub fn action_at(&self, i: usize) -> Option<Action> {
        Action::from_flags([
            *self.entries.get(i)?,
            *self.exits.get(i)?,
            *self.short_entries.get(i)?,
            *self.short_exits.get(i)?,
        ])
    }

    /// True when any short flag is set.
    #[must_use]
    pub fn has_shorts(&self) -> bool {
        self.short_entries
            .iter()
            .chain(&self.short_exits)
            .any(|&b| b)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn flags_round_trip() {
        for a in [
            Action::Hold,
            Action::EnterLong,
            Action::ExitLong,
            Action::EnterShort,
            Action::ExitShort,
            Action::ReverseToLong,
            Action::ReverseToShort,
            Action::Flatten,
        ] {
            assert_eq!(Action::from_flags(a.flags()), Some(a));
        }
        assert_eq!(Action::from_flags([true, true, false, false]), None);
        assert_eq!(Action::from_flags([true, false, true, false]), None);
    }

    #[test]
    fn from_actions_and_back() {
        let acts = [Action::Hold, Action::EnterLong, Action::ReverseToShort];
        let s = Signals::from_actions(&acts);
        assert_eq!(s.len(), 3);
        assert_eq!(s.short_entries, vec![false, false, true]);
        assert_eq!(s.exits, vec![false, false, true]);
        for (i, a) in acts.iter().enumerate() {
            assert_eq!(s.action_at(i), Some(*a));
        }
        assert_eq!(s.action_at(3), None);
        let mut t = Signals::new(3);
        t.set(1, Action::EnterLong);
        t.set(2, Action::ReverseToShort);
        t.set(9, Action::Flatten);
        assert_eq!(s, t);
        assert!(s.has_shorts());
    }
}
