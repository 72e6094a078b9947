//! Reading a preflight's `Access-Control-Request-Headers` at request time: a
//! comma-separated list of names, possibly spread over several header lines, spaced,
//! unsorted, or with empty elements (`a,,b`). On bytes, so every web framework reads it alike.

/// Every non-empty name the request lists, trimmed of spaces and tabs, in order.
///
/// Borrows from the request: no allocation, and work linear in the header's length.
///
/// ```
/// use cors_rules::request_headers::requested_names;
///
/// let lines: [&[u8]; 2] = [b"x-b, ,content-type", b" x-a"];
/// let names: Vec<&[u8]> = requested_names(lines.into_iter()).collect();
/// assert_eq!(names, [&b"x-b"[..], b"content-type", b"x-a"]);
/// ```
pub fn requested_names<'a>(
    lines: impl Iterator<Item = &'a [u8]>,
) -> impl Iterator<Item = &'a [u8]> {
    lines
        .flat_map(|line| line.split(|&byte| byte == b','))
        .map(|name| name.trim_ascii())
        .filter(|name| !name.is_empty())
}

/// The first requested name that is malformed or not allowed by `allows`, if any: the
/// names of [`requested_names`], in one plain pass with a table lookup per byte (the
/// preflight's hot path).
pub fn first_refused<'a>(
    lines: impl Iterator<Item = &'a [u8]>,
    allows: impl Fn(&[u8]) -> bool,
) -> Option<&'a [u8]> {
    for line in lines {
        for name in line.split(|&byte| byte == b',') {
            let name = name.trim_ascii();
            if name.is_empty() {
                continue;
            }
            if !(name.iter().all(|&byte| TCHAR[usize::from(byte)]) && allows(name)) {
                return Some(name);
            }
        }
    }
    None
}

/// `TCHAR[byte]`: whether `byte` may appear in a token (RFC 9110 §5.6.2), as
/// [`crate::is_tchar`] says, looked up instead of compared.
static TCHAR: [bool; 256] = {
    let mut table = [false; 256];
    let mut byte = 0;
    while byte < 256 {
        let b = byte as u8;
        table[byte] = b.is_ascii_alphanumeric()
            || matches!(
                b,
                b'!' | b'#'
                    | b'$'
                    | b'%'
                    | b'&'
                    | b'\''
                    | b'*'
                    | b'+'
                    | b'-'
                    | b'.'
                    | b'^'
                    | b'_'
                    | b'`'
                    | b'|'
                    | b'~'
            );
        byte += 1;
    }
    table
};

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_token_table_agrees_with_the_rules() {
        for byte in 0..=u8::MAX {
            assert_eq!(
                TCHAR[usize::from(byte)],
                crate::is_tchar(byte),
                "{byte:#04x}"
            );
        }
    }

    #[test]
    fn refusal_is_the_first_requested_name_that_fails() {
        let allowed =
            |name: &[u8]| name.eq_ignore_ascii_case(b"content-type") || name == b"x-api-key";
        let lists: &[&[&[u8]]] = &[
            &[b"content-type, x-api-key"],
            &[b"X-Api-Key,Content-Type"],
            &[b" content-type ,\tx-api-key", b"x-other"],
            &[b"a,,b,"],
            &[b""],
            &[b" , ,"],
            &[b"x y"],
            &[b"x-ok, x\xffbad"],
            &[b"content-type", b"", b"x-api-key"],
            &[b"x(y), content-type"],
        ];
        for lines in lists {
            // The definition: the first listed name that is not a token or not allowed.
            let expected = requested_names(lines.iter().copied())
                .find(|name| !(name.iter().all(|&byte| crate::is_tchar(byte)) && allowed(name)));
            assert_eq!(
                first_refused(lines.iter().copied(), allowed),
                expected,
                "{lines:?}"
            );
        }
    }

    fn names(lines: &[&[u8]]) -> Vec<Vec<u8>> {
        requested_names(lines.iter().copied())
            .map(<[u8]>::to_vec)
            .collect()
    }

    #[test]
    fn lists_are_split_trimmed_and_joined_across_lines() {
        assert_eq!(
            names(&[b"content-type, x-api-key"]),
            [b"content-type".to_vec(), b"x-api-key".to_vec()]
        );
        assert_eq!(
            names(&[b" b ,\ta", b"c"]),
            [b"b".to_vec(), b"a".to_vec(), b"c".to_vec()]
        );
        assert_eq!(names(&[b"a,,b,"]), [b"a".to_vec(), b"b".to_vec()]);
        assert!(names(&[b""]).is_empty());
        assert!(names(&[b" , ,"]).is_empty());
    }

    #[test]
    fn refusal_names_the_first_bad_header() {
        let allowed = |name: &[u8]| name.eq_ignore_ascii_case(b"content-type");
        let lines: [&[u8]; 1] = [b"content-type, x-secret"];
        assert_eq!(
            first_refused(lines.into_iter(), allowed),
            Some(&b"x-secret"[..])
        );
        let lines: [&[u8]; 1] = [b"Content-Type"];
        assert_eq!(first_refused(lines.into_iter(), allowed), None);
    }

    #[test]
    fn malformed_names_are_refused_even_when_everything_is_allowed() {
        let lines: [&[u8]; 1] = [b"x-ok, x\xffbad"];
        assert_eq!(
            first_refused(lines.into_iter(), |_| true),
            Some(&b"x\xffbad"[..])
        );
        let lines: [&[u8]; 1] = [b"x y"];
        assert_eq!(
            first_refused(lines.into_iter(), |_| true),
            Some(&b"x y"[..])
        );
    }

    #[test]
    fn hostile_lists_stay_linear_and_never_panic() {
        let commas = [b','; 20_000];
        assert_eq!(requested_names(std::iter::once(&commas[..])).count(), 0);
        let long_name = [b'x'; 16 * 1024];
        assert_eq!(
            first_refused(std::iter::once(&long_name[..]), |name| name.len() < 100)
                .map(<[u8]>::len),
            Some(16 * 1024)
        );
        let mut many = Vec::new();
        for _ in 0..5_000 {
            many.extend_from_slice(b"a,");
        }
        assert_eq!(requested_names(std::iter::once(&many[..])).count(), 5_000);
    }
}
