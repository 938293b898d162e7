//! `async fn` and plain `fn` mixed, fallible and not.

use dknet::network::{
    CreateNetworkRequest, DeleteNetworkRequest, JoinRequest, JoinResponse, LeaveRequest,
};

struct Mixed;

#[dknet::network_driver]
impl Mixed {
    async fn create_network(&self, request: CreateNetworkRequest) -> Result<(), String> {
        tokio::task::yield_now().await;
        if request.network_id.is_empty() {
            return Err("no id".to_owned());
        }
        Ok(())
    }

    fn delete_network(&self, request: DeleteNetworkRequest) -> Result<(), String> {
        std::thread::sleep(std::time::Duration::from_millis(1));
        drop(request);
        Ok(())
    }

    async fn join(&self, _request: JoinRequest) -> JoinResponse {
        JoinResponse::default()
    }

    fn leave(&self, _request: LeaveRequest) {}
}

fn main() {}
