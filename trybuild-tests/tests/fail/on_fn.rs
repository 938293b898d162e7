#[dknet::network_driver]
async fn create_network(_request: dknet::network::CreateNetworkRequest) {}

fn main() {}
