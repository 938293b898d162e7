struct Bridge;

impl Bridge {
    #[allow(dead_code)]
    async fn create_network(&self, _request: dknet::network::CreateNetworkRequest) {}
}

#[tokio::main]
async fn main() -> Result<(), dknet::Error> {
    dknet::serve_unix(Bridge, "bridge").await
}
