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
            ::core::result::Result::Ok(
                ::dknet::__private::ipam_capabilities(true, false),
            ),
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
            ::dknet::__private::from_result::<
                ::dknet::ipam::RequestPoolResponse,
                RequestPoolResponse,
                Error,
            >(Self::request_pool(&*self, __dknet_request).await)
        }
    }
    fn release_pool(
        self: ::std::sync::Arc<Self>,
        __dknet_request: ::dknet::ipam::ReleasePoolRequest,
        __dknet_context: ::dknet::Context,
    ) -> impl ::core::future::Future<
        Output = ::core::result::Result<(), ::dknet::DriverError>,
    > + ::core::marker::Send {
        ::dknet::__private::run_blocking(move || ::dknet::__private::from_value::<
            (),
            (),
        >(Self::release_pool(&*self, __dknet_request)))
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
        ::dknet::__private::run_blocking(move || ::dknet::__private::from_result::<
            ::dknet::ipam::RequestAddressResponse,
            RequestAddressResponse,
            Error,
        >(Self::request_address(&*self, __dknet_request, __dknet_context)))
    }
    fn release_address(
        self: ::std::sync::Arc<Self>,
        __dknet_request: ::dknet::ipam::ReleaseAddressRequest,
        __dknet_context: ::dknet::Context,
    ) -> impl ::core::future::Future<
        Output = ::core::result::Result<(), ::dknet::DriverError>,
    > + ::core::marker::Send {
        ::dknet::__private::run_blocking(move || ::dknet::__private::from_value::<
            (),
            (),
        >(Self::release_address(&*self, __dknet_request)))
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
