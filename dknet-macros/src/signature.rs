//! Phase 2, one method: whether a protocol method's signature has the shape
//! `[async] fn name(&self, request: Request[, context: Context]) -> [Result<]T[, E>]`.

use proc_macro2::Span;
use quote::ToTokens;
use syn::{FnArg, GenericArgument, Pat, PatType, PathArguments, ReturnType, Signature, Type};

use crate::ctxt::Errors;
use crate::table::{Method, Omitted, Protocol};
use crate::tokens::{first_and_last, last_segment, tidy};

/// What the generated code needs to know about a well-formed signature.
pub(crate) struct Shape {
    /// `async fn` or plain `fn`.
    pub(crate) asyncness: bool,
    /// Where the request's type is written, if the method has a request.
    pub(crate) request: Option<Span>,
    /// Where the `Context`'s type is written, if the method takes one.
    pub(crate) context: Option<Span>,
    /// What it returns.
    pub(crate) returns: Returns,
}

/// A method's return type, split as the generated conversion needs it.
#[derive(Default)]
pub(crate) struct Returns {
    /// The return type as written; `None` when there is none.
    pub(crate) whole: Option<Type>,
    /// `Result<T, E>` (or an alias `Result<T>`) rather than `T`.
    pub(crate) fallible: bool,
    /// `T`: the success type (`None` when there is no return type).
    pub(crate) success: Option<Type>,
    /// `E`, unless an alias such as `io::Result<T>` hides it.
    pub(crate) error: Option<Type>,
}

/// Checks `sig` against `method`'s row; `None` (and errors) if it does not fit.
pub(crate) fn lower(
    protocol: &Protocol,
    method: &Method,
    sig: &Signature,
    errors: &mut Errors,
) -> Option<Shape> {
    let mut check = Check {
        protocol,
        method,
        errors,
        ok: true,
    };
    check.qualifiers(sig);
    let params = check.receiver(sig);
    let (request, context) = check.parameters(sig, &params);
    let returns = returns(&sig.output);
    check.response(sig, returns.success.as_ref());
    check.ok.then_some(Shape {
        asyncness: sig.asyncness.is_some(),
        request,
        context,
        returns,
    })
}

/// One method being checked: every mistake is recorded, and any makes it unusable.
struct Check<'a> {
    protocol: &'a Protocol,
    method: &'a Method,
    errors: &'a mut Errors,
    ok: bool,
}

impl Check<'_> {
    fn fail_at(&mut self, span: Span, message: String) {
        self.errors.at(span, message);
        self.ok = false;
    }

    fn fail_over(&mut self, tokens: &dyn ToTokens, message: String) {
        self.errors.over(tokens, message);
        self.ok = false;
    }

    /// No `const`, `unsafe`, `extern`, generics or `where` clause.
    fn qualifiers(&mut self, sig: &Signature) {
        let (attr, name) = (self.protocol.attribute, self.method.name);
        if let Some(token) = &sig.constness {
            self.fail_at(token.span, format!("`#[{attr}]` methods cannot be `const`"));
        }
        if let Some(token) = &sig.unsafety {
            self.fail_at(
                token.span,
                format!(
                    "`#[{attr}]` methods cannot be `unsafe`\n\
                     help: make `{name}` safe and put the unsafe code in an `unsafe` block inside it"
                ),
            );
        }
        if let Some(abi) = &sig.abi {
            self.fail_over(abi, format!("`#[{attr}]` methods cannot be `extern`"));
        }
        if !sig.generics.params.is_empty() {
            let request = self
                .method
                .request
                .map_or("no request".to_owned(), |request| format!("a `{request}`"));
            self.fail_over(
                &sig.generics,
                format!(
                    "`#[{attr}]` methods cannot be generic\n\
                     help: `{name}` always takes {request} and returns `{}`",
                    self.method.response_text()
                ),
            );
        } else if let Some(clause) = &sig.generics.where_clause {
            self.fail_over(
                clause,
                format!("`#[{attr}]` methods cannot have a `where` clause"),
            );
        }
    }

    /// The first parameter must be `&self`; returns the parameters after it.
    fn receiver<'s>(&mut self, sig: &'s Signature) -> Vec<&'s PatType> {
        let (attr, name) = (self.protocol.attribute, self.method.name);
        let missing =
            || format!("`#[{attr}]` method `{name}` must take `&self` as its first parameter");
        let mut inputs = sig.inputs.iter().peekable();
        match inputs.peek() {
            Some(FnArg::Receiver(receiver)) => {
                inputs.next();
                let by_shared_ref = matches!(&*receiver.ty, Type::Reference(reference)
                    if reference.mutability.is_none() && is_self(&reference.elem));
                if !by_shared_ref {
                    let help = if receiver.mutability.is_some() && receiver.reference.is_some() {
                        "requests run concurrently on one shared driver: \
                         keep state that changes behind a `Mutex` or in atomics"
                    } else if receiver.colon_token.is_none() {
                        "the driver serves many requests, so a method borrows it and cannot consume it"
                    } else {
                        "the generated code holds the driver in an `Arc` and lends it to the method"
                    };
                    let message = format!(
                        "`#[{attr}]` methods take `&self`, not `{}`\nhelp: {help}",
                        tidy(receiver)
                    );
                    self.fail_over(receiver, message);
                }
            }
            Some(FnArg::Typed(first)) => self.fail_over(first, missing()),
            None => self.fail_at(sig.paren_token.span.open(), missing()),
        }
        inputs
            .filter_map(|input| match input {
                FnArg::Typed(typed) => Some(typed),
                FnArg::Receiver(_) => None,
            })
            .collect()
    }

    /// The request (if the method has one), then at most a `Context`.
    /// Returns where the request's and the context's types are written.
    fn parameters(&mut self, sig: &Signature, params: &[&PatType]) -> (Option<Span>, Option<Span>) {
        let (attr, name) = (self.protocol.attribute, self.method.name);
        let is_context = |param: &&PatType| last_segment(&param.ty).as_deref() == Some("Context");
        let mut rest = params;
        let mut request_at = None;
        match (self.method.request, rest.first()) {
            (Some(request), None) => self.fail_at(
                sig.paren_token.span.close(),
                format!(
                    "`#[{attr}]` method `{name}` is missing its request parameter\n\
                     help: add `request: {request}` after `&self`"
                ),
            ),
            (Some(request), Some(first)) if is_context(first) => self.fail_over(
                first,
                format!(
                    "`#[{attr}]` method `{name}` is missing its request parameter\n\
                     help: add `request: {request}` before the `Context`"
                ),
            ),
            (Some(request), Some(first)) => {
                rest = &rest[1..];
                request_at = Some(first_and_last(&first.ty).0);
                self.request_type(request, first);
                self.pattern(first);
            }
            (None, Some(first)) if !is_context(first) => {
                rest = &rest[1..];
                self.fail_over(
                    first,
                    format!(
                        "`#[{attr}]` method `{name}` takes no request\n\
                         help: dockerd sends `{}` without a body: `fn {name}(&self) -> {}`",
                        self.method.route,
                        self.method.response_text()
                    ),
                );
            }
            (None, _) => {}
        }
        let context = rest.first().copied();
        if let Some(context) = context {
            rest = &rest[1..];
            if !is_context(&context) {
                let message = format!(
                    "the last parameter of a `#[{attr}]` method must be a `dknet::Context`, not `{}`",
                    tidy(&context.ty)
                );
                self.fail_over(&context.ty, message);
            }
            self.pattern(context);
        }
        for extra in rest {
            let request = self.method.request.map(|request| format!("a `{request}` "));
            self.fail_over(
                extra,
                format!(
                    "`#[{attr}]` method `{name}` takes at most `&self`, {}and a `dknet::Context`\n\
                     help: remove this parameter",
                    request.unwrap_or_default()
                ),
            );
        }
        let context_at = context
            .filter(is_context)
            .map(|context| first_and_last(&context.ty).0);
        (request_at, context_at)
    }

    /// The request's type, by its last segment: `dknet::network::JoinRequest`
    /// or `JoinRequest`. Only another method's request type is refused here;
    /// anything else (an alias such as `type Req = JoinRequest;`) is left to
    /// rustc, which checks the generated call.
    fn request_type(&mut self, expected: &str, param: &PatType) {
        let Some(found) = last_segment(&param.ty) else {
            return;
        };
        let Some(other) = self
            .protocol
            .method_taking(&found)
            .filter(|other| other.name != self.method.name)
        else {
            return;
        };
        let message = format!(
            "`#[{}]` method `{}` takes a `{expected}`, not `{}`\n\
             help: `{found}` is the request of `{}`",
            self.protocol.attribute,
            self.method.name,
            tidy(&param.ty),
            other.name
        );
        self.fail_over(&param.ty, message);
    }

    /// Parameter patterns must be names: `request`, `mut request`, `_request`, `_`.
    fn pattern(&mut self, param: &PatType) {
        let plain = match &*param.pat {
            Pat::Ident(ident) => ident.by_ref.is_none() && ident.subpat.is_none(),
            Pat::Wild(_) => true,
            _ => false,
        };
        if !plain {
            let message = format!(
                "`#[{}]` method parameters must be plain names\n\
                 help: name the parameter (`request: {}`) and take it apart in the body",
                self.protocol.attribute,
                tidy(&param.ty)
            );
            self.fail_over(&param.pat, message);
        }
    }

    /// The obvious mistakes: another method's response or request type, a
    /// response where there is none, `()` where the response has no default.
    /// `()` (or no return type) is fine where the response has a default,
    /// which it then answers; any other type is left to rustc, which checks
    /// it against the response type in the generated code.
    fn response(&mut self, sig: &Signature, found: Option<&Type>) {
        let (protocol, method) = (self.protocol, self.method);
        let found_name = found.and_then(last_segment);
        let unit =
            found.is_none_or(|ty| matches!(ty, Type::Tuple(tuple) if tuple.elems.is_empty()));
        let wrong = match (method.response, found_name.as_deref()) {
            // `()` answers the response's default, which a required method lacks.
            (Some(_), _) if unit => method.omitted == Omitted::Required,
            (expected, Some(found)) => {
                let known = protocol.method_answering(found).is_some()
                    || protocol.method_taking(found).is_some();
                known && expected != Some(found)
            }
            _ => false,
        };
        if !wrong {
            return;
        }
        let expected = method.response_text();
        let found_text = found.map_or_else(
            || "no return type".to_owned(),
            |ty| format!("`{}`", tidy(ty)),
        );
        let found_text = if unit {
            format!("{found_text}\nhelp: `{expected}` has no default answer: dockerd needs one")
        } else {
            found_text
        };
        let hint = match found_name
            .as_deref()
            .and_then(|found| protocol.method_answering(found))
        {
            Some(other) => format!(
                "\nhelp: `{}` is the response of `{}`",
                other.response_text(),
                other.name
            ),
            None => String::new(),
        };
        let message = format!(
            "`#[{}]` method `{}` must return `{expected}` or `Result<{expected}, E>`, found {found_text}{hint}",
            protocol.attribute, method.name
        );
        match found {
            Some(ty) => self.fail_over(ty, message),
            None => self.fail_at(sig.ident.span(), message),
        }
    }
}

/// `Self`.
fn is_self(ty: &Type) -> bool {
    matches!(ty, Type::Path(path) if path.qself.is_none() && path.path.is_ident("Self"))
}

/// The return type, with `Result<T, E>` recognised by its last segment's
/// name, so `io::Result<T>` and `anyhow::Result<T>` count.
fn returns(output: &ReturnType) -> Returns {
    let ReturnType::Type(_, ty) = output else {
        return Returns::default();
    };
    let whole = Some((**ty).clone());
    let segment = match &**ty {
        Type::Path(path) => path.path.segments.last(),
        _ => None,
    };
    if let Some(segment) = segment.filter(|segment| segment.ident == "Result") {
        if let PathArguments::AngleBracketed(args) = &segment.arguments {
            let mut types = args.args.iter().filter_map(|arg| match arg {
                GenericArgument::Type(ty) => Some(ty.clone()),
                _ => None,
            });
            let (success, error) = (types.next(), types.next());
            if success.is_some() && types.next().is_none() {
                return Returns {
                    whole,
                    fallible: true,
                    success,
                    error,
                };
            }
        }
    }
    Returns {
        success: whole.clone(),
        whole,
        fallible: false,
        error: None,
    }
}
