//! `Vary` on bytes: whether a response's lines already cover a name, and the one line that
//! joins them with the names a CORS answer adds. Free of any web framework's types.

/// Whether the `Vary` lines cover `name`: list it (in any case) or `*`.
///
/// ```
/// let lines: [&[u8]; 2] = [b"Accept-Encoding", b"cookie, origin"];
/// assert!(cors_rules::vary::lists(lines, b"Origin"));
/// assert!(!cors_rules::vary::lists(lines, b"Access-Control-Request-Method"));
/// assert!(cors_rules::vary::lists([&b"*"[..]], b"Origin"));
/// ```
pub fn lists<'a>(lines: impl IntoIterator<Item = &'a [u8]>, name: &[u8]) -> bool {
    lines.into_iter().any(|line| {
        line.split(|&byte| byte == b',')
            .map(<[u8]>::trim_ascii)
            .any(|token| token == b"*" || token.eq_ignore_ascii_case(name))
    })
}

/// One `Vary` value: the non-empty `lines`, trimmed and in order, then `names`, joined by
/// `", "`. Several `Vary` lines mean the same as one (RFC 9110 §5.3), but caches differ:
/// Debian's nginx 1.22 keys on the last line only.
///
/// ```
/// let lines: [&[u8]; 3] = [b"Accept-Encoding ", b" ", b"Cookie"];
/// let names: [&[u8]; 1] = [b"Origin"];
/// assert_eq!(cors_rules::vary::joined(lines, names), b"Accept-Encoding, Cookie, Origin");
/// ```
pub fn joined<'a, L, N>(lines: L, names: N) -> Vec<u8>
where
    L: IntoIterator<Item = &'a [u8]>,
    L::IntoIter: Clone,
    N: IntoIterator<Item = &'a [u8]>,
    N::IntoIter: Clone,
{
    let parts = lines
        .into_iter()
        .map(<[u8]>::trim_ascii)
        .filter(|line| !line.is_empty())
        .chain(names);
    // One allocation of the right size: the first merge of a route is its only one.
    let length = parts.clone().map(|part| part.len() + 2).sum::<usize>();
    let mut value = Vec::with_capacity(length.saturating_sub(2));
    for part in parts {
        if !value.is_empty() {
            value.extend_from_slice(b", ");
        }
        value.extend_from_slice(part);
    }
    value
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lists_reads_every_token_of_every_line() {
        let lines: [&[u8]; 2] = [b"Accept-Language , ORIGIN", b""];
        assert!(lists(lines, b"origin"));
        assert!(lists(lines, b"accept-language"));
        assert!(!lists(lines, b"Cookie"));
        let none: [&[u8]; 0] = [];
        assert!(!lists(none, b"Origin"));
    }

    #[test]
    fn joined_keeps_the_order_and_drops_empty_lines() {
        let lines: [&[u8]; 4] = [
            b"Accept-Language, Origin",
            b" ",
            b"accept-encoding",
            b"Cookie, *",
        ];
        let none: [&[u8]; 0] = [];
        assert_eq!(
            joined(lines, none),
            b"Accept-Language, Origin, accept-encoding, Cookie, *"
        );
        let names: [&[u8]; 2] = [b"Origin", b"Access-Control-Request-Method"];
        let empty: [&[u8]; 0] = [];
        assert_eq!(
            joined(empty, names),
            b"Origin, Access-Control-Request-Method"
        );
    }
}
