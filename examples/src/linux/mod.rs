//! The Linux helpers the bridge and overlay examples share: [`netlink`] creates links and
//! addresses, [`firewall`] manages iptables rules, [`names`] derives interface names from
//! Docker's ids.

pub mod firewall;
pub mod names;
pub mod netlink;
