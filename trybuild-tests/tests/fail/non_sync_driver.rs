use std::cell::Cell;

use dknet::network::*;

struct Bridge {
    networks: Cell<u32>,
}

#[dknet::network_driver]
impl Bridge {
    fn create_network(&self, _request: CreateNetworkRequest) {
        self.networks.set(self.networks.get() + 1);
    }
}

fn main() {}
