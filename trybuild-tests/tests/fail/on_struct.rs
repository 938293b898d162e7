#[dknet::network_driver]
struct Bridge;

fn main() {
    let _ = Bridge;
}
