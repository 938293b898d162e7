//! A signature that does not parse: rustc's syntax error (rustc parses the
//! item before the attribute runs), then the attribute's, naming the method
//! it cannot read (so a signature rustc accepts but the attribute cannot
//! read is never a silent all-defaults driver), and an impl with only
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
