//! Percent-encoding of path segments and query values (RFC 3986 §2).

/// `text` with every byte outside RFC 3986's unreserved set (`A-Z a-z 0-9 - . _ ~`)
/// written as `%XX`, so timestamps (`:` and `+`) and page tokens (base64 `+ / =`) survive
/// the trip.
pub(crate) fn encode(text: &str) -> String {
    const HEX: &[u8; 16] = b"0123456789ABCDEF";
    let mut out = String::with_capacity(text.len());
    for b in text.bytes() {
        if b.is_ascii_alphanumeric() || matches!(b, b'-' | b'.' | b'_' | b'~') {
            out.push(char::from(b));
        } else {
            out.push('%');
            out.push(char::from(HEX[usize::from(b >> 4)]));
            out.push(char::from(HEX[usize::from(b & 0x0F)]));
        }
    }
    out
}

/// `path?k1=v1&k2=v2…` with the values encoded.
pub(crate) fn path_and_query(path: &str, params: &[(&str, String)]) -> String {
    let mut out = path.to_string();
    for (i, (k, v)) in params.iter().enumerate() {
        out.push(if i == 0 { '?' } else { '&' });
        out.push_str(k);
        out.push('=');
        out.push_str(&encode(v));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn encodes_reserved_bytes() {
        assert_eq!(encode("2024-01-19T14:30:00Z"), "2024-01-19T14%3A30%3A00Z");
        assert_eq!(encode("QUFQTHwx+/="), "QUFQTHwx%2B%2F%3D");
        assert_eq!(encode("BRK.B"), "BRK.B");
        assert_eq!(encode("é"), "%C3%A9");
        assert_eq!(
            path_and_query("/v2/x", &[("a", "1".into()), ("b", "x y".into())]),
            "/v2/x?a=1&b=x%20y"
        );
        assert_eq!(path_and_query("/v2/x", &[]), "/v2/x");
    }
}
