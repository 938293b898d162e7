//! Phase 2: the parsed attribute and impl block, lowered into a typed model
//! of the driver. Every problem found is recorded in [`Errors`] and lowering
//! goes on, so one build reports all of an impl's mistakes.

use proc_macro2::{Span, TokenStream};
use quote::{quote, ToTokens};
use syn::spanned::Spanned;
use syn::{Attribute, Expr, Ident, ImplItem, ItemImpl, Lit, LitStr};

use crate::parse::Arg;
use crate::signature::{self, Shape};
use crate::suggest::closest;
use crate::table::{Key, KeyKind, Subsystem};
use crate::tokens::first_and_last;

/// Errors collected while lowering and checking (serde's `Ctxt`).
#[derive(Default)]
pub(crate) struct Errors(Vec<syn::Error>);

impl Errors {
    /// Records an error at `span`.
    pub(crate) fn at(&mut self, span: Span, message: impl std::fmt::Display) {
        self.0.push(syn::Error::new(span, message));
    }

    /// Records an error covering `tokens`, first to last.
    pub(crate) fn over(&mut self, tokens: &dyn ToTokens, message: impl std::fmt::Display) {
        self.0.push(syn::Error::new_spanned(tokens, message));
    }

    /// Records an error from a parser.
    pub(crate) fn push(&mut self, error: syn::Error) {
        self.0.push(error);
    }

    /// All errors as one, or `None` when there were none.
    pub(crate) fn combined(self) -> Option<syn::Error> {
        self.0.into_iter().reduce(|mut all, error| {
            all.combine(error);
            all
        })
    }
}

/// A driver, as the generated code needs it.
pub(crate) struct Driver<'a> {
    /// The subsystem the attribute implements.
    pub(crate) sub: &'static Subsystem,
    /// The path generated code names the runtime crate by (`::dknet`).
    pub(crate) krate: TokenStream,
    /// The author's impl block (generics, self type).
    pub(crate) item: &'a ItemImpl,
    /// The capability keys the attribute gave.
    pub(crate) keys: Vec<KeyValue>,
    /// The protocol methods the author wrote (only those without mistakes).
    pub(crate) methods: Vec<Method>,
    /// Every protocol method written, by name, mistakes or not.
    pub(crate) written: Vec<Written>,
}

/// A capability key given in the attribute.
pub(crate) struct KeyValue {
    /// The key.
    pub(crate) key: &'static Key,
    /// The runtime value it stands for (`Scope::Local`).
    pub(crate) value: &'static str,
    /// Where the key was written.
    pub(crate) span: Span,
}

/// A protocol method the author wrote, possibly with mistakes.
#[derive(Clone)]
pub(crate) struct Written {
    /// Its row in the table.
    pub(crate) spec: &'static crate::table::Method,
    /// The author's name token.
    pub(crate) ident: Ident,
    /// Its `#[cfg]` attributes: a method may exist only in some builds.
    pub(crate) cfgs: Vec<Attribute>,
}

/// A well-formed protocol method.
pub(crate) struct Method {
    /// Its name, `#[cfg]`s and row in the table.
    pub(crate) written: Written,
    /// Its signature, as the generated code needs it.
    pub(crate) shape: Shape,
}

impl Driver<'_> {
    /// Whether the author wrote `method` (under `#[cfg]` or not).
    pub(crate) fn wrote(&self, method: &str) -> bool {
        self.written
            .iter()
            .any(|written| written.spec.name == method)
    }
}

/// Lowers the attribute's arguments and the impl block.
pub(crate) fn driver<'a>(
    sub: &'static Subsystem,
    args: &[Arg],
    item: &'a ItemImpl,
    errors: &mut Errors,
) -> Driver<'a> {
    let mut driver = Driver {
        sub,
        krate: quote!(::dknet),
        item,
        keys: Vec::new(),
        methods: Vec::new(),
        written: Vec::new(),
    };
    lower_args(&mut driver, args, errors);
    for impl_item in &item.items {
        let ImplItem::Fn(function) = impl_item else {
            not_a_method(sub, impl_item, errors);
            continue;
        };
        let name = function.sig.ident.to_string();
        let Some(spec) = sub.method(&name) else {
            unknown_method(sub, &function.sig.ident, errors);
            continue;
        };
        let written = Written {
            spec,
            ident: function.sig.ident.clone(),
            cfgs: function
                .attrs
                .iter()
                .filter(|attr| attr.path().is_ident("cfg"))
                .cloned()
                .collect(),
        };
        driver.written.push(written.clone());
        if let Some(shape) = signature::lower(sub, spec, &function.sig, errors) {
            driver.methods.push(Method { written, shape });
        }
    }
    driver
}

/// Lowers `key = "value"` arguments: `crate` and the table's capability keys.
fn lower_args(driver: &mut Driver<'_>, args: &[Arg], errors: &mut Errors) {
    let sub = driver.sub;
    let mut seen: Vec<String> = Vec::new();
    for Arg { key, value } in args {
        let name = key.to_string();
        if seen.contains(&name) {
            errors.at(
                key.span(),
                format!("`{name}` is given twice in `#[{}]`", sub.attribute),
            );
            continue;
        }
        seen.push(name.clone());
        let spec = sub.keys().find(|spec| spec.name == name);
        if name != "crate" && spec.is_none() {
            unknown_key(sub, key, errors);
            continue;
        }
        if let Some(spec) = spec.filter(|spec| spec.kind == KeyKind::Bool) {
            match boolean(value) {
                Some(flag) => driver.keys.push(KeyValue {
                    key: spec,
                    value: if flag { "true" } else { "false" },
                    span: key.span(),
                }),
                None => errors.over(
                    value,
                    format!("expected `true` or `false`: `{name} = true`"),
                ),
            }
            continue;
        }
        let Some(text) = string(value) else {
            let example = spec.map_or("::dknet", |spec| spec.values[0].0);
            errors.over(
                value,
                format!("expected a string: `{name} = \"{example}\"`"),
            );
            continue;
        };
        match spec {
            None => match text.parse::<syn::Path>() {
                Ok(path) => driver.krate = path.into_token_stream(),
                Err(_) => errors.at(
                    text.span(),
                    format!(
                        "`crate` must name the dknet crate by a path, such as `crate = \"::dknet\"`, found `{}`",
                        text.value()
                    ),
                ),
            },
            Some(spec) => match spec.value(&text.value()) {
                Some(value) => driver.keys.push(KeyValue {
                    key: spec,
                    value,
                    span: key.span(),
                }),
                None => errors.at(
                    text.span(),
                    format!(
                        "`{}` is not a valid `{name}`: expected {}",
                        text.value(),
                        alternatives(spec.values.iter().map(|(text, _)| *text))
                    ),
                ),
            },
        }
    }
}

/// The boolean literal `value` is, if it is one.
fn boolean(value: &Expr) -> Option<bool> {
    match value {
        Expr::Lit(syn::ExprLit {
            lit: Lit::Bool(flag),
            ..
        }) => Some(flag.value),
        _ => None,
    }
}

/// The string literal `value` is, if it is one.
fn string(value: &Expr) -> Option<&LitStr> {
    match value {
        Expr::Lit(syn::ExprLit {
            lit: Lit::Str(text),
            ..
        }) => Some(text),
        _ => None,
    }
}

fn unknown_key(sub: &Subsystem, key: &Ident, errors: &mut Errors) {
    let name = key.to_string();
    let keys: Vec<&str> = sub.keys().map(|key| key.name).chain(["crate"]).collect();
    let hint = match closest(&name, keys.iter().copied()) {
        Some(near) => format!("did you mean `{near}`?"),
        None => format!("expected {}", alternatives(keys.iter().copied())),
    };
    errors.at(
        key.span(),
        format!("unknown `#[{}]` argument `{name}`: {hint}", sub.attribute),
    );
}

fn unknown_method(sub: &Subsystem, ident: &Ident, errors: &mut Errors) {
    let name = ident.to_string();
    let hint = match closest(&name, sub.methods.iter().map(|method| method.name)) {
        Some(near) => format!("help: did you mean `{near}`?"),
        None => format!(
            "help: a `#[{}]` impl holds only {} protocol methods, such as `{}`; \
             put helper methods in a second `impl` block without the attribute",
            sub.attribute, sub.protocol, sub.methods[2].name
        ),
    };
    errors.at(
        ident.span(),
        format!("unknown `#[{}]` method `{name}`\n{hint}", sub.attribute),
    );
}

fn not_a_method(sub: &Subsystem, item: &ImplItem, errors: &mut Errors) {
    let (span, what) = match item {
        ImplItem::Const(item) => (item.ident.span(), format!("constant `{}`", item.ident)),
        ImplItem::Type(item) => (item.ident.span(), format!("type `{}`", item.ident)),
        ImplItem::Macro(item) => (item.mac.path.span(), "macro invocation".to_owned()),
        other => (first_and_last(other).0, "item".to_owned()),
    };
    errors.at(
        span,
        format!(
            "a `#[{attr}]` impl holds only protocol methods, not this {what}\n\
             help: move it to a second `impl` block without `#[{attr}]`",
            attr = sub.attribute
        ),
    );
}

/// `a`, `a` or `b`, `a`, `b` or `c`.
pub(crate) fn alternatives<'a>(names: impl IntoIterator<Item = &'a str>) -> String {
    let names: Vec<String> = names.into_iter().map(|name| format!("`{name}`")).collect();
    match names.split_last() {
        None => String::new(),
        Some((last, [])) => last.clone(),
        Some((last, rest)) => format!("{} or {last}", rest.join(", ")),
    }
}
