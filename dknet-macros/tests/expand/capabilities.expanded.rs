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
        ::dknet::__private::run_blocking(move || ::dknet::__private::from_value::<
            ::dknet::network::GetCapabilitiesResponse,
            GetCapabilitiesResponse,
        >(Self::get_capabilities(&*self)))
    }
    #[cfg(feature = "gateway")]
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
            >(Self::gw_alloc_check(&*self, __dknet_request, __dknet_context).await)
        }
    }
}
#[allow(clippy::unused_self, clippy::unused_async, clippy::needless_pass_by_value)]
impl Bridge {
    fn get_capabilities(&self) -> GetCapabilitiesResponse {
        GetCapabilitiesResponse::default()
    }
    #[cfg(feature = "gateway")]
    async fn gw_alloc_check(
        &self,
        _request: GwAllocCheckRequest,
        context: Context,
    ) -> GwAllocCheckResponse {
        GwAllocCheckResponse::default()
    }
}
