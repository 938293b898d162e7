struct Bridge;

#[dknet::network_driver]
impl Bridge {
    async fn create_network(&self, _request: String) {}
}

fn main() {}
