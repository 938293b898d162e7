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
                gw_alloc_checker: ::core::cfg!(any(all(unix))),
            }),
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
            {
                let __dknet_value = Self::gw_alloc_check(&*self, __dknet_request).await;
                ::core::result::Result::<
                    _,
                    ::dknet::DriverError,
                >::Ok({
                    let __dknet_value: ::dknet::network::GwAllocCheckResponse = __dknet_value;
                    __dknet_value
                })
            }
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
