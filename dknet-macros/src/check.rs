//! Phase 3: rules that involve more than one method or argument.

use crate::ctxt::Errors;
use crate::lower::{alternatives, Driver};
use crate::table::Omitted;

/// Checks the lowered driver as a whole.
pub(crate) fn driver(driver: &Driver<'_>, errors: &mut Errors) {
    duplicates(driver, errors);
    capabilities(driver, errors);
    required(driver, errors);
}

/// A method the protocol cannot do without, left out. Reported at the
/// impl's type, naming every missing method.
fn required(driver: &Driver<'_>, errors: &mut Errors) {
    let protocol = driver.protocol;
    let missing: Vec<&str> = protocol
        .methods
        .iter()
        .filter(|method| method.omitted == Omitted::Required && !driver.wrote(method.name))
        .map(|method| method.name)
        .collect();
    if missing.is_empty() {
        return;
    }
    let listed = alternatives(missing.iter().copied()).replace(" or ", " and ");
    let signatures: Vec<String> = missing
        .iter()
        .filter_map(|name| protocol.method(name))
        .map(|method| {
            format!(
                "fn {}(&self, request: {}) -> Result<{}, E>",
                method.name,
                method.request.unwrap_or_default(),
                method.response_text()
            )
        })
        .collect();
    let (noun, verb, it) = if missing.len() == 1 {
        ("method", "is", "it")
    } else {
        ("methods", "are", "them")
    };
    errors.over(
        &driver.item.self_ty,
        format!(
            "`#[{}]` {noun} {listed} {verb} missing: `{}` has no useful default for {it}\n\
             help: add {}",
            protocol.attribute,
            protocol.trait_name,
            signatures.join(", ")
        ),
    );
}

/// A method written twice. Copies under `#[cfg]` may be alternatives for
/// different builds, so only unconditional ones count.
fn duplicates(driver: &Driver<'_>, errors: &mut Errors) {
    for (index, method) in driver.written.iter().enumerate() {
        let earlier = driver.written[..index]
            .iter()
            .find(|earlier| earlier.spec.name == method.spec.name);
        if let Some(earlier) = earlier {
            if earlier.cfgs.is_empty() && method.cfgs.is_empty() {
                errors.at(
                    method.ident.span(),
                    format!(
                        "`#[{}]` method `{}` is written twice\n\
                         help: remove one of them",
                        driver.protocol.attribute, method.spec.name
                    ),
                );
            }
        }
    }
}

/// A hand-written capabilities method answers by itself: the attribute's
/// capability keys would be silently ignored.
fn capabilities(driver: &Driver<'_>, errors: &mut Errors) {
    let method = driver.protocol.capabilities().name;
    if !driver.wrote(method) {
        return;
    }
    for key in &driver.keys {
        errors.at(
            key.span,
            format!(
                "`{}` cannot be given together with a hand-written `{method}`\n\
                 help: remove `{}` here, or remove `{method}` and let `#[{}]` answer",
                key.key.name, key.key.name, driver.protocol.attribute
            ),
        );
    }
}
