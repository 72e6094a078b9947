//! Values that are either written into the program (`#[cors]` compiles a policy into
//! `static` data) or owned (origins checked while the program runs). Not `Cow`: the
//! compiler checks a `static` of these plain enums in a fraction of the time a `Cow` of the
//! same data takes (its `ToOwned` bounds), and an application has one such `static` per
//! annotated handler.

use std::fmt;
use std::ops::Deref;

/// Text written into the program, or owned.
#[derive(Clone)]
pub enum Text {
    /// Written into the program.
    Static(&'static str),
    /// Made while the program runs.
    Owned(Box<str>),
}

impl Deref for Text {
    type Target = str;

    fn deref(&self) -> &str {
        match self {
            Text::Static(text) => text,
            Text::Owned(text) => text,
        }
    }
}

impl PartialEq for Text {
    fn eq(&self, other: &Text) -> bool {
        **self == **other
    }
}

impl Eq for Text {}

impl PartialEq<str> for Text {
    fn eq(&self, other: &str) -> bool {
        **self == *other
    }
}

impl PartialEq<&str> for Text {
    fn eq(&self, other: &&str) -> bool {
        **self == **other
    }
}

impl fmt::Debug for Text {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Debug::fmt(&**self, f)
    }
}

impl fmt::Display for Text {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self)
    }
}

impl From<&str> for Text {
    fn from(text: &str) -> Text {
        Text::Owned(text.into())
    }
}

impl From<String> for Text {
    fn from(text: String) -> Text {
        Text::Owned(text.into_boxed_str())
    }
}

/// A list written into the program, or owned.
pub enum List<T: 'static> {
    /// Written into the program.
    Static(&'static [T]),
    /// Made while the program runs.
    Owned(Box<[T]>),
}

impl<T> List<T> {
    /// No entries.
    pub const EMPTY: List<T> = List::Static(&[]);
}

impl<T> Deref for List<T> {
    type Target = [T];

    fn deref(&self) -> &[T] {
        match self {
            List::Static(items) => items,
            List::Owned(items) => items,
        }
    }
}

impl<T: Clone> Clone for List<T> {
    fn clone(&self) -> List<T> {
        match self {
            List::Static(items) => List::Static(items),
            List::Owned(items) => List::Owned(items.clone()),
        }
    }
}

impl<T: PartialEq> PartialEq for List<T> {
    fn eq(&self, other: &List<T>) -> bool {
        **self == **other
    }
}

impl<T: Eq> Eq for List<T> {}

impl<T: fmt::Debug> fmt::Debug for List<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Debug::fmt(&**self, f)
    }
}

impl<T> From<Vec<T>> for List<T> {
    fn from(items: Vec<T>) -> List<T> {
        List::Owned(items.into_boxed_slice())
    }
}

impl<T> FromIterator<T> for List<T> {
    fn from_iter<I: IntoIterator<Item = T>>(items: I) -> List<T> {
        List::Owned(items.into_iter().collect())
    }
}
