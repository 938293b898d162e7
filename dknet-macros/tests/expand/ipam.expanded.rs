impl ::dknet::ipam::IpamDriver for Pools {
    fn get_capabilities(
        self: ::std::sync::Arc<Self>,
        __dknet_context: ::dknet::Context,
    ) -> impl ::core::future::Future<
        Output = ::core::result::Result<
            ::dknet::ipam::GetCapabilitiesResponse,
            ::dknet::DriverError,
        >,
    > + ::core::marker::Send {
        ::core::future::ready(
            ::core::result::Result::Ok(::dknet::ipam::GetCapabilitiesResponse {
                requires_mac_address: true,
                requires_request_replay: false,
            }),
        )
    }
    fn request_pool(
        self: ::std::sync::Arc<Self>,
        __dknet_request: ::dknet::ipam::RequestPoolRequest,
        __dknet_context: ::dknet::Context,
    ) -> impl ::core::future::Future<
        Output = ::core::result::Result<
            ::dknet::ipam::RequestPoolResponse,
            ::dknet::DriverError,
        >,
    > + ::core::marker::Send {
        async move {
            match Self::request_pool(&*self, __dknet_request).await {
                ::core::result::Result::Ok(__dknet_value) => {
                    ::core::result::Result::Ok({
                        let __dknet_value: ::dknet::ipam::RequestPoolResponse = __dknet_value;
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
    fn release_pool(
        self: ::std::sync::Arc<Self>,
        __dknet_request: ::dknet::ipam::ReleasePoolRequest,
        __dknet_context: ::dknet::Context,
    ) -> impl ::core::future::Future<
        Output = ::core::result::Result<(), ::dknet::DriverError>,
    > + ::core::marker::Send {
        ::dknet::__private::run_blocking(move || {
            let __dknet_value = Self::release_pool(&*self, __dknet_request);
            ::core::result::Result::<_, ::dknet::DriverError>::Ok(__dknet_value)
        })
    }
    fn request_address(
        self: ::std::sync::Arc<Self>,
        __dknet_request: ::dknet::ipam::RequestAddressRequest,
        __dknet_context: ::dknet::Context,
    ) -> impl ::core::future::Future<
        Output = ::core::result::Result<
            ::dknet::ipam::RequestAddressResponse,
            ::dknet::DriverError,
        >,
    > + ::core::marker::Send {
        ::dknet::__private::run_blocking(move || match Self::request_address(
            &*self,
            __dknet_request,
            __dknet_context,
        ) {
            ::core::result::Result::Ok(__dknet_value) => {
                ::core::result::Result::Ok({
                    let __dknet_value: ::dknet::ipam::RequestAddressResponse = __dknet_value;
                    __dknet_value
                })
            }
            ::core::result::Result::Err(__dknet_error) => {
                ::core::result::Result::Err(
                    ::dknet::DriverError::new(::core::format_args!("{}", __dknet_error)),
                )
            }
        })
    }
    fn release_address(
        self: ::std::sync::Arc<Self>,
        __dknet_request: ::dknet::ipam::ReleaseAddressRequest,
        __dknet_context: ::dknet::Context,
    ) -> impl ::core::future::Future<
        Output = ::core::result::Result<(), ::dknet::DriverError>,
    > + ::core::marker::Send {
        ::dknet::__private::run_blocking(move || {
            let __dknet_value = Self::release_address(&*self, __dknet_request);
            ::core::result::Result::<_, ::dknet::DriverError>::Ok(__dknet_value)
        })
    }
}
#[allow(clippy::unused_self, clippy::unused_async, clippy::needless_pass_by_value)]
impl Pools {
    async fn request_pool(
        &self,
        request: RequestPoolRequest,
    ) -> Result<RequestPoolResponse, Error> {
        self.pool(request).await
    }
    fn release_pool(&self, _: ReleasePoolRequest) {}
    fn request_address(
        &self,
        request: RequestAddressRequest,
        context: dknet::Context,
    ) -> Result<RequestAddressResponse, Error> {
        self.address(request, context)
    }
    fn release_address(&self, _: ReleaseAddressRequest) {}
}
