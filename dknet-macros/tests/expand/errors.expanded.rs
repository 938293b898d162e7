impl ::dknet::network::NetworkDriver for Bridge {}
impl Bridge {
    fn create_netwrok(&self, request: CreateNetworkRequest) {}
    fn join(&mut self, request: JoinRequest) -> JoinResponse {
        JoinResponse::default()
    }
}
::core::compile_error! {
    "`planet` is not a valid `scope`: expected `local` or `global`"
}
::core::compile_error! {
    "unknown `#[network_driver]` method `create_netwrok`\nhelp: did you mean `create_network`?"
}
::core::compile_error! {
    "`#[network_driver]` methods take `&self`, not `&mut self`\nhelp: requests run concurrently on one shared driver: keep state that changes behind a `Mutex` or in atomics"
}
