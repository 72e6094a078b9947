//! Collects every error of one attribute so they are all reported in the same compile.

use proc_macro2::Span;

/// An accumulator of spanned errors, combined into one `syn::Error` at the end.
#[derive(Default)]
pub struct Errors {
    combined: Option<syn::Error>,
}

impl Errors {
    /// Records one error.
    pub fn push(&mut self, error: syn::Error) {
        match &mut self.combined {
            Some(combined) => combined.combine(error),
            None => self.combined = Some(error),
        }
    }

    /// Records `message` at `span`.
    pub fn at(&mut self, span: Span, message: impl std::fmt::Display) {
        self.push(syn::Error::new(span, message));
    }

    /// Records every message at `span`.
    pub fn all_at<M: std::fmt::Display>(&mut self, span: Span, messages: Vec<M>) {
        for message in messages {
            self.at(span, message);
        }
    }

    /// `Err` with every recorded error, or `Ok(())` when there were none.
    pub fn finish(self) -> syn::Result<()> {
        match self.combined {
            Some(error) => Err(error),
            None => Ok(()),
        }
    }
}
