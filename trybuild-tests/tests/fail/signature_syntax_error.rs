//! A signature that does not parse: its error, and an impl with only
//! defaults, so serving the type adds nothing.
struct Broken;

#[dknet::network_driver]
impl Broken {
    async fn create_network(&self, request: ) {}
}

#[tokio::main]
async fn main() {
    dknet::serve_unix(Broken, "broken").await.unwrap();
}
