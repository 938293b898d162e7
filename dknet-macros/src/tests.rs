//! Expansion snapshots: `expand` on representative inputs, pretty-printed and
//! compared with `tests/expand/<name>.expanded.rs`. Re-bless after an
//! intended change with `DKNET_MACROS_BLESS=1 cargo test -p dknet-macros`,
//! then read the diff.

use std::path::PathBuf;

use proc_macro2::TokenStream;
use quote::quote;

use crate::expand;

fn snapshot(name: &str, args: TokenStream, item: TokenStream) {
    snapshot_with(name, expand, args, item);
}

fn snapshot_with(
    name: &str,
    expand: fn(TokenStream, TokenStream) -> TokenStream,
    args: TokenStream,
    item: TokenStream,
) {
    let expanded = expand(args, item);
    let file = syn::parse2(expanded.clone()).unwrap_or_else(|error| {
        panic!("{name}: the expansion does not parse: {error}\n{expanded}")
    });
    let actual = prettyplease::unparse(&file);
    let path = PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("tests/expand")
        .join(format!("{name}.expanded.rs"));
    if std::env::var_os("DKNET_MACROS_BLESS").is_some() {
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        std::fs::write(&path, &actual).unwrap();
        return;
    }
    let expected = std::fs::read_to_string(&path).unwrap_or_default();
    assert!(
        expected == actual,
        "{name}: the expansion changed (DKNET_MACROS_BLESS=1 to accept):\n{actual}"
    );
}

#[test]
fn empty_impl() {
    snapshot("empty", quote!(), quote!(impl Bridge {}));
}

#[test]
fn sync_and_async_methods() {
    snapshot(
        "mixed",
        quote!(scope = "global", connectivity_scope = "local"),
        quote! {
            impl Bridge {
                /// Creates the bridge.
                async fn create_network(&self, request: CreateNetworkRequest) -> Result<(), Error> {
                    self.create(request).await
                }
                fn join(&self, request: JoinRequest, context: dknet::Context) -> JoinResponse {
                    self.join_blocking(request, context)
                }
                fn leave(&self, _: LeaveRequest) {}
                async fn gw_alloc_check(&self, _request: GwAllocCheckRequest) -> io::Result<GwAllocCheckResponse> {
                    Ok(GwAllocCheckResponse::default())
                }
            }
        },
    );
}

#[test]
fn generic_driver_with_renamed_crate() {
    snapshot(
        "generic",
        quote!(crate = "renamed"),
        quote! {
            impl<S: Store> Driver<S> where S: Send + Sync + 'static {
                async fn delete_network(&self, request: DeleteNetworkRequest) -> anyhow::Result<()> {
                    self.store.remove(&request.network_id).await
                }
            }
        },
    );
}

#[test]
fn hand_written_capabilities_and_cfg() {
    snapshot(
        "capabilities",
        quote!(),
        quote! {
            impl Bridge {
                fn get_capabilities(&self) -> GetCapabilitiesResponse {
                    GetCapabilitiesResponse::default()
                }
                #[cfg(feature = "gateway")]
                async fn gw_alloc_check(&self, _request: GwAllocCheckRequest, context: Context) -> GwAllocCheckResponse {
                    GwAllocCheckResponse::default()
                }
            }
        },
    );
}

#[test]
fn conditional_gw_alloc_check() {
    snapshot(
        "conditional",
        quote!(),
        quote! {
            impl Bridge {
                #[cfg(unix)]
                async fn gw_alloc_check(&self, _request: GwAllocCheckRequest) -> GwAllocCheckResponse {
                    GwAllocCheckResponse::default()
                }
            }
        },
    );
}

#[test]
fn errors_keep_the_impl_and_add_a_default_trait_impl() {
    snapshot(
        "errors",
        quote!(scope = "planet"),
        quote! {
            impl Bridge {
                fn create_netwrok(&self, request: CreateNetworkRequest) {}
                fn join(&mut self, request: JoinRequest) -> JoinResponse {
                    JoinResponse::default()
                }
            }
        },
    );
}

#[test]
fn not_an_impl() {
    snapshot(
        "struct",
        quote!(),
        quote!(
            struct Bridge;
        ),
    );
}

#[test]
fn ipam_driver() {
    snapshot_with(
        "ipam",
        crate::expand_ipam,
        quote!(requires_mac_address = true),
        quote! {
            impl Pools {
                async fn request_pool(&self, request: RequestPoolRequest) -> Result<RequestPoolResponse, Error> {
                    self.pool(request).await
                }
                fn release_pool(&self, _: ReleasePoolRequest) {}
                fn request_address(&self, request: RequestAddressRequest, context: dknet::Context) -> Result<RequestAddressResponse, Error> {
                    self.address(request, context)
                }
                fn release_address(&self, _: ReleaseAddressRequest) {}
            }
        },
    );
}

/// A body that does not parse still gets the generated impl (issue 10, item 14):
/// rustc then reports only the syntax error, on the author's tokens.
#[test]
fn a_body_syntax_error_keeps_the_generated_impl() {
    let item = quote! {
        impl Bridge {
            async fn join(&self, request: JoinRequest) -> JoinResponse {
                let x = ;
            }
        }
    };
    let expanded = expand(quote!(), item).to_string();
    assert!(!expanded.contains("compile_error"), "{expanded}");
    assert!(expanded.contains("fn join"), "{expanded}");
    assert!(expanded.contains("Self :: join"), "{expanded}");
}

/// A signature that does not parse is an error naming the method, and the
/// method is left out of the emitted impl (rustc would report it again);
/// the rest of the impl is still checked, and a fallback impl keeps the
/// type usable as a driver.
#[test]
fn a_signature_syntax_error_names_the_method() {
    let item = quote! {
        impl Bridge {
            async fn create_network(&self, request: ) {}
            fn helper_kept(&self) {}
            fn join(&mut self, request: JoinRequest) {}
        }
    };
    let expanded = expand(quote!(), item).to_string();
    assert!(
        expanded.contains("cannot read the signature of `create_network`: unexpected end of input"),
        "{expanded}"
    );
    assert!(!expanded.contains("fn create_network"), "{expanded}");
    assert!(expanded.contains("fn helper_kept"), "{expanded}");
    assert!(
        expanded.contains("methods take `&self`, not `&mut self`"),
        "{expanded}"
    );
    assert!(
        expanded.contains("impl :: dknet :: network :: NetworkDriver for Bridge { }"),
        "{expanded}"
    );
}

/// `crate = "..."` replaces every mention of `::dknet`.
#[test]
fn renamed_crate_leaves_no_dknet_path() {
    let item = quote! {
        impl Bridge {
            fn get_capabilities(&self) -> GetCapabilitiesResponse { todo!() }
            async fn join(&self, request: JoinRequest) -> Result<JoinResponse, String> { todo!() }
        }
    };
    let expanded = expand(quote!(crate = "renamed"), item.clone()).to_string();
    assert!(
        expanded.contains("renamed :: network :: NetworkDriver"),
        "{expanded}"
    );
    assert!(!expanded.contains(":: dknet"), "{expanded}");
    assert!(!expanded.contains("dknet ::"), "{expanded}");
    // With errors too: the fallback impl names the renamed crate.
    let expanded = expand(quote!(crate = "renamed", scope = "global"), item).to_string();
    assert!(expanded.contains("compile_error"), "{expanded}");
    assert!(
        expanded.contains("renamed :: network :: NetworkDriver"),
        "{expanded}"
    );
    assert!(!expanded.contains(":: dknet"), "{expanded}");
    assert!(!expanded.contains("dknet ::"), "{expanded}");
}

/// `__protocol!` hands the callback the passed tokens and one row per method.
#[test]
fn the_runtime_gets_every_row() {
    let input: crate::runtime::Input =
        syn::parse2(quote!(ipam => crate::protocol::define { trait; })).unwrap();
    let expanded = crate::runtime::expand(input).to_string();
    assert!(
        expanded.starts_with(
            "crate :: protocol :: define ! { subsystem : \"IpamDriver\" , trait : IpamDriver ; trait ;"
        ),
        "{expanded}"
    );
    for method in crate::table::IPAM.methods {
        let row = format!("{} = \"{}\"", method.name, method.route);
        assert!(expanded.contains(&row), "{row} in {expanded}");
    }
    let unknown = syn::parse2::<crate::runtime::Input>(quote!(volume => define {}));
    let error = unknown.err().expect("an unknown subsystem is refused");
    assert_eq!(error.to_string(), "expected `network` or `ipam`");
}
