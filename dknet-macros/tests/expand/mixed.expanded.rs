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
                    ::dknet::network::Scope::Global,
                    ::core::option::Option::Some(::dknet::network::Scope::Local),
                    true,
                ),
            ),
        )
    }
    fn create_network(
        self: ::std::sync::Arc<Self>,
        __dknet_request: ::dknet::network::CreateNetworkRequest,
        __dknet_context: ::dknet::Context,
    ) -> impl ::core::future::Future<
        Output = ::core::result::Result<(), ::dknet::DriverError>,
    > + ::core::marker::Send {
        async move {
            ::dknet::__private::from_result::<
                (),
                (),
                Error,
            >(Self::create_network(&*self, __dknet_request).await)
        }
    }
    fn join(
        self: ::std::sync::Arc<Self>,
        __dknet_request: ::dknet::network::JoinRequest,
        __dknet_context: ::dknet::Context,
    ) -> impl ::core::future::Future<
        Output = ::core::result::Result<
            ::dknet::network::JoinResponse,
            ::dknet::DriverError,
        >,
    > + ::core::marker::Send {
        ::dknet::__private::run_blocking(move || ::dknet::__private::from_value::<
            ::dknet::network::JoinResponse,
            JoinResponse,
        >(Self::join(&*self, __dknet_request, __dknet_context)))
    }
    fn leave(
        self: ::std::sync::Arc<Self>,
        __dknet_request: ::dknet::network::LeaveRequest,
        __dknet_context: ::dknet::Context,
    ) -> impl ::core::future::Future<
        Output = ::core::result::Result<(), ::dknet::DriverError>,
    > + ::core::marker::Send {
        ::dknet::__private::run_blocking(move || ::dknet::__private::from_value::<
            (),
            (),
        >(Self::leave(&*self, __dknet_request)))
    }
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
            ::dknet::__private::from_result::<
                ::dknet::network::GwAllocCheckResponse,
                GwAllocCheckResponse,
                _,
            >(Self::gw_alloc_check(&*self, __dknet_request).await)
        }
    }
}
#[allow(clippy::unused_self, clippy::unused_async, clippy::needless_pass_by_value)]
impl Bridge {
    /// Creates the bridge.
    async fn create_network(&self, request: CreateNetworkRequest) -> Result<(), Error> {
        self.create(request).await
    }
    fn join(&self, request: JoinRequest, context: dknet::Context) -> JoinResponse {
        self.join_blocking(request, context)
    }
    fn leave(&self, _: LeaveRequest) {}
    async fn gw_alloc_check(
        &self,
        _request: GwAllocCheckRequest,
    ) -> io::Result<GwAllocCheckResponse> {
        Ok(GwAllocCheckResponse::default())
    }
}
