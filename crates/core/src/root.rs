//! Option roots (`SPX`, `SPXW`, `AAPL`): a small Copy value, so option quotes can carry
//! theirs without allocating.

use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Deserializer, Serialize, Serializer};

use crate::CoreError;

/// An option root: 1 to 6 upper-case ASCII letters or digits, as in OCC symbology.
/// The root tells contracts on one underlying apart that the expiry, strike and right
/// do not (SPX monthlies settle at the open, SPXW weeklies at the close).
#[derive(Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct OptionRoot {
    bytes: [u8; OptionRoot::MAX_LEN],
    len: u8,
}

impl OptionRoot {
    /// Longest root (OCC).
    pub const MAX_LEN: usize = 6;

    /// Checks and builds a root.
    pub fn new(s: &str) -> Result<Self, CoreError> {
        let s = s.trim();
        if s.is_empty()
            || s.len() > Self::MAX_LEN
            || !s
                .bytes()
                .all(|b| b.is_ascii_uppercase() || b.is_ascii_digit())
        {
            return Err(CoreError::InvalidOptionRoot {
                root: s.to_string(),
                reason: "expected 1 to 6 upper-case letters or digits".to_string(),
            });
        }
        let mut bytes = [0u8; Self::MAX_LEN];
        bytes[..s.len()].copy_from_slice(s.as_bytes());
        Ok(OptionRoot {
            bytes,
            len: s.len() as u8,
        })
    }

    /// The root as text.
    #[must_use]
    pub fn as_str(&self) -> &str {
        // Only ASCII is ever stored (checked in `new`).
        std::str::from_utf8(&self.bytes[..usize::from(self.len)]).unwrap_or("")
    }
}

impl fmt::Display for OptionRoot {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl fmt::Debug for OptionRoot {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "OptionRoot({})", self.as_str())
    }
}

impl FromStr for OptionRoot {
    type Err = CoreError;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        OptionRoot::new(s)
    }
}

impl Serialize for OptionRoot {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(self.as_str())
    }
}

impl<'de> Deserialize<'de> for OptionRoot {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let s = String::deserialize(d)?;
        OptionRoot::new(&s).map_err(serde::de::Error::custom)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn roots_check_and_order() {
        let spx = OptionRoot::new("SPX").unwrap();
        let spxw: OptionRoot = "SPXW".parse().unwrap();
        assert_eq!(spxw.as_str(), "SPXW");
        assert!(spx < spxw);
        assert!(OptionRoot::new("").is_err());
        assert!(OptionRoot::new("spxw").is_err());
        assert!(OptionRoot::new("TOOLONG").is_err());
        assert_eq!(format!("{spx}"), "SPX");
    }
}
