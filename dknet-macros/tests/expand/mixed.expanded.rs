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
                scope: ::dknet::network::Scope::Global,
                connectivity_scope: ::core::option::Option::Some(
                    ::dknet::network::Scope::Local,
                ),
                gw_alloc_checker: true,
            }),
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
            match Self::create_network(&*self, __dknet_request).await {
                ::core::result::Result::Ok(__dknet_value) => {
                    ::core::result::Result::Ok(__dknet_value)
                }
                ::core::result::Result::Err(__dknet_error) => {
                    ::core::result::Result::Err(
                        ::dknet::DriverError::new(
                            ::core::format_args!("{}", __dknet_error),
                        ),
                    )
                }
            }
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
        ::dknet::__private::run_blocking(move || {
            let __dknet_value = Self::join(&*self, __dknet_request, __dknet_context);
            ::core::result::Result::<
                _,
                ::dknet::DriverError,
            >::Ok({
                let __dknet_value: ::dknet::network::JoinResponse = __dknet_value;
                __dknet_value
            })
        })
    }
    fn leave(
        self: ::std::sync::Arc<Self>,
        __dknet_request: ::dknet::network::LeaveRequest,
        __dknet_context: ::dknet::Context,
    ) -> impl ::core::future::Future<
        Output = ::core::result::Result<(), ::dknet::DriverError>,
    > + ::core::marker::Send {
        ::dknet::__private::run_blocking(move || {
            let __dknet_value = Self::leave(&*self, __dknet_request);
            ::core::result::Result::<_, ::dknet::DriverError>::Ok(__dknet_value)
        })
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
            match Self::gw_alloc_check(&*self, __dknet_request).await {
                ::core::result::Result::Ok(__dknet_value) => {
                    ::core::result::Result::Ok({
                        let __dknet_value: ::dknet::network::GwAllocCheckResponse = __dknet_value;
                        __dknet_value
                    })
                }
                ::core::result::Result::Err(__dknet_error) => {
                    ::core::result::Result::Err(
                        ::dknet::DriverError::new(
                            ::core::format_args!("{}", __dknet_error),
                        ),
                    )
                }
            }
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
