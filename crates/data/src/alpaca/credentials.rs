//! Alpaca API keys, kept out of every log line, error and `Debug` output.

use std::fmt;

use crate::DataError;

/// Environment variable holding the API key id (Alpaca's own name for it).
pub const KEY_ID_VAR: &str = "APCA_API_KEY_ID";
/// Environment variable holding the API secret key.
pub const SECRET_KEY_VAR: &str = "APCA_API_SECRET_KEY";

/// Header that carries the key id.
pub(crate) const KEY_ID_HEADER: &str = "APCA-API-KEY-ID";
/// Header that carries the secret key.
pub(crate) const SECRET_KEY_HEADER: &str = "APCA-API-SECRET-KEY";

/// What replaces a credential wherever text might reach a user or a log.
pub const REDACTED: &str = "[REDACTED]";

/// Key ids shorter than this are shown as `****` only: their last four characters would
/// give away too large a part of them.
const MIN_LEN_FOR_SUFFIX: usize = 16;

/// An Alpaca key id and secret key.
///
/// The values only ever leave this type as HTTP request headers. `Debug` and `Display`
/// show the key id as its length and, for ids of 16 characters or more, its last four
/// characters (`key id …WXYZ (20 chars)`, the way consoles show a key's tail); the
/// secret is never shown at all, not even its length. [`scrub`](Self::scrub) removes
/// both values from any text (a server message, a transport error) before it is put
/// into an error or an event.
///
/// ```
/// use thetalab_data::alpaca::Credentials;
///
/// let c = Credentials::new("PKABCDEFGHIJKLMNWXYZ", "s3cr3t-s3cr3t-s3cr3t-s3cr3t")?;
/// let shown = format!("{c} {c:?}");
/// assert!(shown.contains("WXYZ") && !shown.contains("PKABCDEFGHIJKLMNWXYZ"));
/// assert!(!shown.contains("s3cr3t"));
/// assert_eq!(c.scrub("bad key PKABCDEFGHIJKLMNWXYZ"), "bad key [REDACTED]");
/// # Ok::<(), thetalab_data::DataError>(())
/// ```
#[derive(Clone, PartialEq, Eq)]
pub struct Credentials {
    key_id: String,
    secret_key: String,
}

impl Credentials {
    /// Credentials from explicit values (surrounding whitespace is trimmed).
    ///
    /// Errors with [`DataError::AlpacaCredentials`] when a value is empty or holds
    /// characters an HTTP header cannot carry (anything but visible ASCII); the message
    /// names the field, never the value.
    pub fn new(key_id: &str, secret_key: &str) -> Result<Credentials, DataError> {
        Ok(Credentials {
            key_id: checked("key_id", key_id)?,
            secret_key: checked("secret_key", secret_key)?,
        })
    }

    /// Credentials from `APCA_API_KEY_ID` and `APCA_API_SECRET_KEY`.
    ///
    /// Errors with [`DataError::AlpacaCredentials`] naming the variable that is unset,
    /// not Unicode, empty, or not visible ASCII.
    pub fn from_env() -> Result<Credentials, DataError> {
        Self::from_lookup(|name| std::env::var(name))
    }

    /// As [`from_env`](Self::from_env), reading variables through `lookup` (for tests and
    /// for callers that keep their environment elsewhere).
    pub fn from_lookup(
        lookup: impl Fn(&str) -> Result<String, std::env::VarError>,
    ) -> Result<Credentials, DataError> {
        let read = |name: &'static str| -> Result<String, DataError> {
            let value = lookup(name).map_err(|e| DataError::AlpacaCredentials {
                field: name,
                reason: match e {
                    std::env::VarError::NotPresent => "environment variable is not set".to_string(),
                    std::env::VarError::NotUnicode(_) => {
                        "environment variable is not valid Unicode".to_string()
                    }
                },
            })?;
            checked(name, &value)
        };
        Ok(Credentials {
            key_id: read(KEY_ID_VAR)?,
            secret_key: read(SECRET_KEY_VAR)?,
        })
    }

    /// The key id, for the request header only.
    pub(crate) fn key_id(&self) -> &str {
        &self.key_id
    }

    /// The secret key, for the request header only.
    pub(crate) fn secret_key(&self) -> &str {
        &self.secret_key
    }

    /// `text` with every occurrence of the key id and of the secret key replaced by
    /// [`REDACTED`]. Use it on anything that came from outside (a server message echoes
    /// what it was sent) before showing it.
    #[must_use]
    pub fn scrub(&self, text: &str) -> String {
        // The secret first: were one value to contain the other, the longer one must go
        // whole. Both are non-empty (checked at construction), so `replace` terminates.
        let (long, short) = if self.secret_key.len() >= self.key_id.len() {
            (&self.secret_key, &self.key_id)
        } else {
            (&self.key_id, &self.secret_key)
        };
        text.replace(long.as_str(), REDACTED)
            .replace(short.as_str(), REDACTED)
    }

    /// The key id as shown to people: its length and, when long enough, its last four
    /// characters.
    #[must_use]
    pub fn key_id_hint(&self) -> String {
        let n = self.key_id.chars().count();
        if n >= MIN_LEN_FOR_SUFFIX {
            // Visible ASCII only (checked), so byte slicing is on character boundaries.
            format!("…{} ({n} chars)", &self.key_id[self.key_id.len() - 4..])
        } else {
            format!("**** ({n} chars)")
        }
    }
}

/// Trims `value` and checks that an HTTP header can carry it.
fn checked(field: &'static str, value: &str) -> Result<String, DataError> {
    let v = value.trim();
    if v.is_empty() {
        return Err(DataError::AlpacaCredentials {
            field,
            reason: "empty".to_string(),
        });
    }
    if let Some(pos) = v.bytes().position(|b| !b.is_ascii_graphic()) {
        return Err(DataError::AlpacaCredentials {
            field,
            reason: format!("character {} is not visible ASCII", pos + 1),
        });
    }
    Ok(v.to_string())
}

impl fmt::Debug for Credentials {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Credentials")
            .field("key_id", &format_args!("{}", self.key_id_hint()))
            .field("secret_key", &format_args!("{REDACTED}"))
            .finish()
    }
}

impl fmt::Display for Credentials {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Alpaca key id {}", self.key_id_hint())
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    const KEY: &str = "PKTESTKEY0123456789Q";
    const SECRET: &str = "SeCrEt0123456789abcdefghijklmnopqrstuvwx";

    #[test]
    fn debug_and_display_hide_both_values() {
        let c = Credentials::new(KEY, SECRET).unwrap();
        for shown in [format!("{c:?}"), format!("{c:#?}"), c.to_string()] {
            assert!(!shown.contains(KEY), "{shown}");
            assert!(!shown.contains(SECRET), "{shown}");
            assert!(!shown.contains(&SECRET[..8]), "{shown}");
            assert!(shown.contains("789Q"), "{shown}");
        }
    }

    #[test]
    fn short_key_ids_show_no_characters() {
        let c = Credentials::new("ABCD", "xyz").unwrap();
        let shown = format!("{c:?} {c}");
        assert!(!shown.contains("ABCD") && !shown.contains("xyz"), "{shown}");
        assert!(shown.contains("4 chars"));
    }

    #[test]
    fn scrub_removes_both_even_when_nested() {
        let c = Credentials::new("KEY123", "xxKEY123yy").unwrap();
        assert_eq!(
            c.scrub("a xxKEY123yy b KEY123 c"),
            "a [REDACTED] b [REDACTED] c"
        );
        let c = Credentials::new(KEY, SECRET).unwrap();
        assert_eq!(c.scrub(&format!("{KEY}:{SECRET}")), "[REDACTED]:[REDACTED]");
    }

    #[test]
    fn bad_values_are_refused_without_echo() {
        let e = Credentials::new("  ", "s").unwrap_err().to_string();
        assert!(e.contains("key_id") && e.contains("empty"), "{e}");
        let e = Credentials::new("PK\r\nX-Evil: 1", "s")
            .unwrap_err()
            .to_string();
        assert!(e.contains("key_id") && !e.contains("Evil"), "{e}");
        assert_eq!(
            Credentials::new(" K ", "S\n").unwrap(),
            Credentials::new("K", "S").unwrap()
        );
    }

    #[test]
    fn env_lookup_names_the_missing_variable() {
        let e = Credentials::from_lookup(|_| Err(std::env::VarError::NotPresent)).unwrap_err();
        assert!(e.to_string().contains(KEY_ID_VAR), "{e}");
        let e = Credentials::from_lookup(|n| {
            if n == KEY_ID_VAR {
                Ok(KEY.to_string())
            } else {
                Err(std::env::VarError::NotPresent)
            }
        })
        .unwrap_err();
        assert!(
            e.to_string().contains(SECRET_KEY_VAR) && !e.to_string().contains(KEY),
            "{e}"
        );
        let c =
            Credentials::from_lookup(
                |n| Ok(if n == KEY_ID_VAR { KEY } else { SECRET }.to_string()),
            )
            .unwrap();
        assert_eq!(c.key_id(), KEY);
        assert_eq!(c.secret_key(), SECRET);
    }
}
