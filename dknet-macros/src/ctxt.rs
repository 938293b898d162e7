//! [`Errors`]: every mistake found in one expansion, so one build reports
//! them all. It must be [checked](Errors::check) before it is dropped: a
//! phase that records an error and then forgets to stop the expansion would
//! otherwise generate code from a driver it knows is wrong.

use std::fmt::Display;

use proc_macro2::Span;
use quote::ToTokens;

/// The errors collected while parsing, lowering and checking.
pub(crate) struct Errors {
    /// `None` once checked.
    errors: Option<Vec<syn::Error>>,
}

impl Errors {
    /// An empty collector.
    pub(crate) fn new() -> Self {
        Self {
            errors: Some(Vec::new()),
        }
    }

    /// Records an error at `span`.
    pub(crate) fn at(&mut self, span: Span, message: impl Display) {
        self.push(syn::Error::new(span, message));
    }

    /// Records an error covering `tokens`, first to last.
    pub(crate) fn over(&mut self, tokens: &dyn ToTokens, message: impl Display) {
        self.push(syn::Error::new_spanned(tokens, message));
    }

    /// Records an error from a parser.
    pub(crate) fn push(&mut self, error: syn::Error) {
        self.errors
            .as_mut()
            .expect("errors recorded after the check")
            .push(error);
    }

    /// Ends the collection: `Err` with every error as one, when there were any.
    pub(crate) fn check(mut self) -> Result<(), syn::Error> {
        let errors = self.errors.take().expect("errors checked twice");
        match errors.into_iter().reduce(|mut all, error| {
            all.combine(error);
            all
        }) {
            None => Ok(()),
            Some(error) => Err(error),
        }
    }
}

impl Drop for Errors {
    fn drop(&mut self) {
        if self.errors.is_some() && !std::thread::panicking() {
            panic!("dknet-macros: errors dropped without being checked");
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn check_combines_every_error() {
        let mut errors = Errors::new();
        errors.at(Span::call_site(), "first");
        errors.at(Span::call_site(), "second");
        let error = errors.check().unwrap_err();
        let messages: Vec<String> = error.into_iter().map(|e| e.to_string()).collect();
        assert_eq!(messages, ["first", "second"]);
        assert!(Errors::new().check().is_ok());
    }

    #[test]
    #[should_panic(expected = "dropped without being checked")]
    fn an_unchecked_collector_panics() {
        let mut errors = Errors::new();
        errors.at(Span::call_site(), "forgotten");
    }
}
