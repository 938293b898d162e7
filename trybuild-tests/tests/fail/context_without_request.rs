struct Bridge;

#[dknet::network_driver]
impl Bridge {
    async fn delete_network(&self, _context: dknet::Context) {}
}

fn main() {}
