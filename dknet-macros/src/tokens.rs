//! Small questions about the author's tokens, shared by the phases.

use proc_macro2::{Span, TokenTree};
use quote::ToTokens;
use syn::Type;

/// The last path segment's name: `Context` for `dknet::Context`.
pub(crate) fn last_segment(ty: &Type) -> Option<String> {
    match ty {
        Type::Path(path) => path
            .path
            .segments
            .last()
            .map(|segment| segment.ident.to_string()),
        Type::Group(group) => last_segment(&group.elem),
        Type::Paren(paren) => last_segment(&paren.elem),
        _ => None,
    }
}

/// The spans of the first and last tokens, so generated code can cover the
/// range (stable proc macros cannot join spans).
pub(crate) fn first_and_last(tokens: &dyn ToTokens) -> (Span, Span) {
    let mut spans = tokens
        .to_token_stream()
        .into_iter()
        .map(|token| match token {
            TokenTree::Group(group) => (group.span_open(), group.span_close()),
            other => (other.span(), other.span()),
        });
    let first = spans
        .next()
        .unwrap_or((Span::call_site(), Span::call_site()));
    let last = spans.last().unwrap_or(first);
    (first.0, last.1)
}

/// Tokens as a person writes them: `Arc<Self>`, not `Arc < Self >`.
pub(crate) fn tidy(tokens: &dyn ToTokens) -> String {
    let text = tokens.to_token_stream().to_string();
    let mut text = [
        (" :: ", "::"),
        (":: ", "::"),
        (" < ", "<"),
        ("< ", "<"),
        (" >", ">"),
        (" ,", ","),
        (" : ", ": "),
        ("& ", "&"),
        (" ( ", "("),
        ("( ", "("),
        (" )", ")"),
        (",::", ", ::"),
    ]
    .iter()
    .fold(text, |text, (from, to)| text.replace(from, to));
    if text.starts_with(":: ") {
        text.replace_range(..3, "::");
    }
    text
}

#[cfg(test)]
mod tests {
    use quote::quote;

    use super::*;

    #[test]
    fn tidy_reads_like_source() {
        assert_eq!(tidy(&quote!(self: Arc<Self>)), "self: Arc<Self>");
        assert_eq!(tidy(&quote!(&mut self)), "&mut self");
        assert_eq!(
            tidy(&quote!(Result<Vec<u8>, ::std::io::Error>)),
            "Result<Vec<u8>, ::std::io::Error>"
        );
        assert_eq!(
            tidy(&quote!(dknet::network::JoinRequest)),
            "dknet::network::JoinRequest"
        );
    }

    #[test]
    fn last_segments() {
        let ty: Type = syn::parse_quote!(dknet::Context);
        assert_eq!(last_segment(&ty).as_deref(), Some("Context"));
        let ty: Type = syn::parse_quote!(&str);
        assert_eq!(last_segment(&ty), None);
    }
}
