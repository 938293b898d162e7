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
            ::core::result::Result::Ok(
                ::dknet::__private::capabilities(
                    ::dknet::network::Scope::Local,
                    ::core::option::Option::None,
                    ::core::cfg!(any(all(unix))),
                ),
            ),
        )
    }
    #[cfg(unix)]
    fn gw_alloc_check(
        self: ::std::sync::Arc<Self>,
        __dknet_request: ::dknet::network::GwAllocCheckRequest,
        __dknet_context: ::dknet::Context,
    ) -> impl ::core::future::Future<
        Output = ::core::result::Result<
            ::dknet::network::GwAllocCheckResponse,
            ::dknet::DriverError,
        >,
    > + ::core::marker::Send {
        async move {
            ::dknet::__private::from_value::<
                ::dknet::network::GwAllocCheckResponse,
                GwAllocCheckResponse,
            >(Self::gw_alloc_check(&*self, __dknet_request).await)
        }
    }
}
#[allow(clippy::unused_self, clippy::unused_async, clippy::needless_pass_by_value)]
impl Bridge {
    #[cfg(unix)]
    async fn gw_alloc_check(
        &self,
        _request: GwAllocCheckRequest,
    ) -> GwAllocCheckResponse {
        GwAllocCheckResponse::default()
    }
}
