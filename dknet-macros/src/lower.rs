//! Phase 2: the parsed attribute and impl block, lowered into a typed model
//! of the driver. Every problem found is recorded in [`Errors`] and lowering
//! goes on, so one build reports all of an impl's mistakes; [`signature`]
//! checks one method.

use proc_macro2::{Span, TokenStream};
use quote::{quote, ToTokens};
use syn::spanned::Spanned;
use syn::{Attribute, Expr, Ident, ImplItem, ItemImpl, Lit, LitStr};

use crate::ctxt::Errors;
use crate::parse::Arg;
use crate::signature::{self, Shape};
use crate::suggest::closest;
use crate::table::{Key, KeyKind, Protocol, Scope};
use crate::tokens::first_and_last;

/// A driver, as the generated code needs it.
pub(crate) struct Driver<'a> {
    /// The protocol the attribute implements.
    pub(crate) protocol: &'static Protocol,
    /// The path generated code names the runtime crate by (`::dknet`).
    pub(crate) krate: TokenStream,
    /// The author's impl block (generics, self type).
    pub(crate) item: &'a ItemImpl,
    /// The capability keys the attribute gave.
    pub(crate) keys: Vec<KeyValue>,
    /// The protocol methods the author wrote (only those without mistakes).
    pub(crate) methods: Vec<Implemented>,
    /// Every protocol method written, by name, mistakes or not.
    pub(crate) written: Vec<Written>,
}

/// A capability key given in the attribute.
pub(crate) struct KeyValue {
    /// The key.
    pub(crate) key: &'static Key,
    /// The value given.
    pub(crate) value: Value,
    /// Where the key was written.
    pub(crate) span: Span,
}

/// The value of a capability key.
#[derive(Clone, Copy)]
pub(crate) enum Value {
    /// A scope (`"local"`).
    Scope(Scope),
    /// A flag.
    Bool(bool),
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
pub(crate) struct Implemented {
    /// Its name, `#[cfg]`s and row in the table.
    pub(crate) written: Written,
    /// Its signature, as the generated code needs it.
    pub(crate) shape: Shape,
}

impl<'a> Driver<'a> {
    /// A driver of `item` with no method written and no key given, naming
    /// the runtime by `krate` (`::dknet` when `None`).
    pub(crate) fn without_methods(
        protocol: &'static Protocol,
        item: &'a ItemImpl,
        krate: Option<TokenStream>,
    ) -> Self {
        Self {
            protocol,
            krate: krate.unwrap_or_else(|| quote!(::dknet)),
            item,
            keys: Vec::new(),
            methods: Vec::new(),
            written: Vec::new(),
        }
    }

    /// Whether the author wrote `method` (under `#[cfg]` or not).
    pub(crate) fn wrote(&self, method: &str) -> bool {
        self.written
            .iter()
            .any(|written| written.spec.name == method)
    }
}

/// Lowers the attribute's arguments and the impl block.
pub(crate) fn driver<'a>(
    protocol: &'static Protocol,
    args: &[Arg],
    item: &'a ItemImpl,
    errors: &mut Errors,
) -> Driver<'a> {
    let mut driver = Driver::without_methods(protocol, item, None);
    lower_args(&mut driver, args, errors);
    for impl_item in &item.items {
        let ImplItem::Fn(function) = impl_item else {
            not_a_method(protocol, impl_item, errors);
            continue;
        };
        let name = function.sig.ident.to_string();
        let Some(spec) = protocol.method(&name) else {
            unknown_method(protocol, &function.sig.ident, errors);
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
        if let Some(shape) = signature::lower(protocol, spec, &function.sig, errors) {
            driver.methods.push(Implemented { written, shape });
        }
    }
    driver
}

/// Lowers `key = "value"` arguments: `crate` and the table's capability keys.
fn lower_args(driver: &mut Driver<'_>, args: &[Arg], errors: &mut Errors) {
    let protocol = driver.protocol;
    let mut seen: Vec<String> = Vec::new();
    for Arg { key, value } in args {
        let name = key.to_string();
        if seen.contains(&name) {
            errors.at(
                key.span(),
                format!("`{name}` is given twice in `#[{}]`", protocol.attribute),
            );
            continue;
        }
        seen.push(name.clone());
        if name == "crate" {
            if let Some(path) = crate_path(value, errors) {
                driver.krate = path;
            }
            continue;
        }
        let Some(spec) = protocol.keys.iter().find(|spec| spec.name == name) else {
            unknown_key(protocol, key, errors);
            continue;
        };
        if let Some(value) = key_value(spec, value, errors) {
            driver.keys.push(KeyValue {
                key: spec,
                value,
                span: key.span(),
            });
        }
    }
}

/// The path `crate = "..."` names dknet by.
fn crate_path(value: &Expr, errors: &mut Errors) -> Option<TokenStream> {
    let Some(text) = string(value) else {
        errors.over(value, "expected a string: `crate = \"::dknet\"`");
        return None;
    };
    match text.parse::<syn::Path>() {
        Ok(path) => Some(path.into_token_stream()),
        Err(_) => {
            errors.at(
                text.span(),
                format!(
                    "`crate` must name the dknet crate by a path, such as `crate = \"::dknet\"`, found `{}`",
                    text.value()
                ),
            );
            None
        }
    }
}

/// The value of the capability key `spec`, as the author wrote it.
fn key_value(spec: &Key, value: &Expr, errors: &mut Errors) -> Option<Value> {
    let name = spec.name;
    match spec.kind {
        KeyKind::Bool { .. } => match boolean(value) {
            Some(flag) => Some(Value::Bool(flag)),
            None => {
                errors.over(
                    value,
                    format!("expected `true` or `false`: `{name} = true`"),
                );
                None
            }
        },
        KeyKind::Scope { .. } => {
            let accepted = Scope::ALL.iter().map(|(text, _)| *text);
            let Some(text) = string(value) else {
                let example = Scope::ALL[0].0;
                errors.over(
                    value,
                    format!("expected a string: `{name} = \"{example}\"`"),
                );
                return None;
            };
            match Scope::parse(&text.value()) {
                Some(scope) => Some(Value::Scope(scope)),
                None => {
                    errors.at(
                        text.span(),
                        format!(
                            "`{}` is not a valid `{name}`: expected {}",
                            text.value(),
                            alternatives(accepted)
                        ),
                    );
                    None
                }
            }
        }
    }
}

/// The `crate = "..."` path of the attribute's arguments, if one is given
/// and valid; the fallback impl names the runtime by it.
pub(crate) fn given_crate_path(args: &[Arg]) -> Option<TokenStream> {
    let arg = args.iter().find(|arg| arg.key == "crate")?;
    let path = string(&arg.value)?.parse::<syn::Path>().ok()?;
    Some(path.into_token_stream())
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

fn unknown_key(protocol: &Protocol, key: &Ident, errors: &mut Errors) {
    let name = key.to_string();
    let keys: Vec<&str> = protocol
        .keys
        .iter()
        .map(|key| key.name)
        .chain(["crate"])
        .collect();
    let hint = match closest(&name, keys.iter().copied()) {
        Some(near) => format!("did you mean `{near}`?"),
        None => format!("expected {}", alternatives(keys.iter().copied())),
    };
    errors.at(
        key.span(),
        format!(
            "unknown `#[{}]` argument `{name}`: {hint}",
            protocol.attribute
        ),
    );
}

fn unknown_method(protocol: &Protocol, ident: &Ident, errors: &mut Errors) {
    let name = ident.to_string();
    let hint = match closest(&name, protocol.methods.iter().map(|method| method.name)) {
        Some(near) => format!("help: did you mean `{near}`?"),
        None => format!(
            "help: a `#[{}]` impl holds only {} protocol methods, such as `{}`; \
             put helper methods in a second `impl` block without the attribute",
            protocol.attribute,
            protocol.subsystem,
            protocol.example().name
        ),
    };
    errors.at(
        ident.span(),
        format!(
            "unknown `#[{}]` method `{name}`\n{hint}",
            protocol.attribute
        ),
    );
}

fn not_a_method(protocol: &Protocol, item: &ImplItem, errors: &mut Errors) {
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
            attr = protocol.attribute
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
