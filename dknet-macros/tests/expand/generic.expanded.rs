impl<S: Store> renamed::network::NetworkDriver for Driver<S>
where
    S: Send + Sync + 'static,
{
    fn get_capabilities(
        self: ::std::sync::Arc<Self>,
        __dknet_context: renamed::Context,
    ) -> impl ::core::future::Future<
        Output = ::core::result::Result<
            renamed::network::GetCapabilitiesResponse,
            renamed::DriverError,
        >,
    > + ::core::marker::Send {
        ::core::future::ready(
            ::core::result::Result::Ok(renamed::network::GetCapabilitiesResponse {
                scope: renamed::network::Scope::Local,
                connectivity_scope: ::core::option::Option::None,
                gw_alloc_checker: false,
            }),
        )
    }
    fn delete_network(
        self: ::std::sync::Arc<Self>,
        __dknet_request: renamed::network::DeleteNetworkRequest,
        __dknet_context: renamed::Context,
    ) -> impl ::core::future::Future<
        Output = ::core::result::Result<(), renamed::DriverError>,
    > + ::core::marker::Send {
        async move {
            match Self::delete_network(&*self, __dknet_request).await {
                ::core::result::Result::Ok(__dknet_value) => {
                    ::core::result::Result::Ok(__dknet_value)
                }
                ::core::result::Result::Err(__dknet_error) => {
                    ::core::result::Result::Err(
                        renamed::DriverError::new(
                            ::core::format_args!("{}", __dknet_error),
                        ),
                    )
                }
            }
        }
    }
}
#[allow(clippy::unused_self, clippy::unused_async, clippy::needless_pass_by_value)]
impl<S: Store> Driver<S>
where
    S: Send + Sync + 'static,
{
    async fn delete_network(&self, request: DeleteNetworkRequest) -> anyhow::Result<()> {
        self.store.remove(&request.network_id).await
    }
}
