impl ::dknet::network::NetworkDriver for Bridge {
    fn get_capabilities(
        self: ::std::sync::Arc<Self>,
        __dknet_context: ::dknet::Context,
    ) -> impl ::core::future::Future<
        Output = ::core::result::Result<
            ::dknet::network::GetCapabilitiesResponse,
            ::dknet::DriverError,
        >,
    > + ::core::marker::Send {
        ::core::future::ready(
            ::core::result::Result::Ok(::dknet::network::GetCapabilitiesResponse {
                scope: ::dknet::network::Scope::Local,
                connectivity_scope: ::core::option::Option::None,
                gw_alloc_checker: false,
            }),
        )
    }
}
#[allow(clippy::unused_self, clippy::unused_async, clippy::needless_pass_by_value)]
impl Bridge {}
