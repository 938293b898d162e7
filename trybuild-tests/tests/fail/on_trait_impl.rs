use dknet::network::*;

struct Bridge;

#[dknet::network_driver]
impl NetworkDriver for Bridge {}

fn main() {}
