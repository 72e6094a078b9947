//! Parsing `Access-Control-Request-Headers`: a comma-separated list of names, possibly
//! spread over several header lines, spaced, unsorted, or with empty elements (`a,,b`).

use actix_web::http::header::{HeaderMap, HeaderName, HeaderValue};

/// Every non-empty name the request lists, trimmed of spaces and tabs, in order.
///
/// Borrows from the request: no allocation, and work linear in the header's length.
///
/// ```
/// use actix_web::http::header::HeaderValue;
/// use cors_runtime::request_headers::requested_names;
///
/// let lines = [HeaderValue::from_static("x-b, ,content-type"), HeaderValue::from_static(" x-a")];
/// let names: Vec<&[u8]> = requested_names(lines.iter()).collect();
/// assert_eq!(names, [&b"x-b"[..], b"content-type", b"x-a"]);
/// ```
pub fn requested_names<'a>(
    values: impl Iterator<Item = &'a HeaderValue>,
) -> impl Iterator<Item = &'a [u8]> {
    values
        .flat_map(|value| value.as_bytes().split(|&byte| byte == b','))
        .map(|name| name.trim_ascii())
        .filter(|name| !name.is_empty())
}

/// The first requested name that is malformed or not allowed by `allows`, if any: the
/// names of [`requested_names`], in one plain pass with a table lookup per byte (the
/// preflight's hot path).
pub fn first_refused<'a>(
    values: impl Iterator<Item = &'a HeaderValue>,
    allows: impl Fn(&[u8]) -> bool,
) -> Option<&'a [u8]> {
    for value in values {
        for name in value.as_bytes().split(|&byte| byte == b',') {
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
/// `cors_rules::is_tchar` says.
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

/// The value of a header that must appear exactly once (`Origin`,
/// `Access-Control-Request-Method`); `None` when it is missing or repeated.
pub fn single(headers: &HeaderMap, name: HeaderName) -> Option<&HeaderValue> {
    let mut values = headers.get_all(name);
    match (values.next(), values.next()) {
        (Some(value), None) => Some(value),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_token_table_agrees_with_the_rules() {
        for byte in 0..=u8::MAX {
            assert_eq!(
                TCHAR[usize::from(byte)],
                cors_rules::is_tchar(byte),
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
            let values: Vec<HeaderValue> = lines
                .iter()
                .map(|line| HeaderValue::from_bytes(line).unwrap())
                .collect();
            // The definition: the first listed name that is not a token or not allowed.
            let expected = requested_names(values.iter()).find(|name| {
                !(name.iter().all(|&byte| cors_rules::is_tchar(byte)) && allowed(name))
            });
            assert_eq!(first_refused(values.iter(), allowed), expected, "{lines:?}");
        }
    }

    fn names(lines: &[&[u8]]) -> Vec<Vec<u8>> {
        let values: Vec<HeaderValue> = lines
            .iter()
            .map(|line| HeaderValue::from_bytes(line).unwrap())
            .collect();
        requested_names(values.iter()).map(<[u8]>::to_vec).collect()
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
        let values = [HeaderValue::from_static("content-type, x-secret")];
        let allowed = |name: &[u8]| name.eq_ignore_ascii_case(b"content-type");
        assert_eq!(
            first_refused(values.iter(), allowed),
            Some(&b"x-secret"[..])
        );
        let values = [HeaderValue::from_static("Content-Type")];
        assert_eq!(first_refused(values.iter(), allowed), None);
    }

    #[test]
    fn malformed_names_are_refused_even_when_everything_is_allowed() {
        let values = [HeaderValue::from_bytes(b"x-ok, x\xffbad").unwrap()];
        assert_eq!(
            first_refused(values.iter(), |_| true),
            Some(&b"x\xffbad"[..])
        );
        let values = [HeaderValue::from_static("x y")];
        assert_eq!(first_refused(values.iter(), |_| true), Some(&b"x y"[..]));
    }

    #[test]
    fn hostile_lists_stay_linear_and_never_panic() {
        let commas = HeaderValue::from_bytes(&[b','; 20_000]).unwrap();
        assert_eq!(requested_names(std::iter::once(&commas)).count(), 0);
        let long_name = HeaderValue::from_bytes(&[b'x'; 16 * 1024]).unwrap();
        assert_eq!(
            first_refused(std::iter::once(&long_name), |name| name.len() < 100).map(<[u8]>::len),
            Some(16 * 1024)
        );
        let mut many = Vec::new();
        for _ in 0..5_000 {
            many.extend_from_slice(b"a,");
        }
        let many = HeaderValue::from_bytes(&many).unwrap();
        assert_eq!(requested_names(std::iter::once(&many)).count(), 5_000);
    }
}
