//! The command-line options that choose where pools come from.

use ipnet::{Ipv4Net, Ipv6Net};

use super::allocator::{PoolRanges, DEFAULT_POOL_RANGE_V4, DEFAULT_POOL_RANGE_V6};

/// `--pool-range`, `--pool-prefix`, `--pool-range-v6`.
#[derive(Debug, Clone, clap::Args)]
pub struct PoolRangeArgs {
    /// The IPv4 range networks' pools are cut from
    #[arg(long, value_name = "CIDR", default_value = DEFAULT_POOL_RANGE_V4)]
    pub pool_range: Ipv4Net,
    /// The prefix length of each IPv4 pool
    #[arg(long, value_name = "LEN", default_value_t = 24, value_parser = clap::value_parser!(u8).range(8..=29))]
    pub pool_prefix: u8,
    /// The IPv6 range networks' pools are cut from (into /64s)
    #[arg(long, value_name = "CIDR", default_value = DEFAULT_POOL_RANGE_V6)]
    pub pool_range_v6: Ipv6Net,
}

impl PoolRangeArgs {
    /// The ranges, as the allocator takes them.
    pub fn ranges(&self) -> PoolRanges {
        PoolRanges {
            v4: self.pool_range.trunc(),
            v4_prefix: self.pool_prefix.max(self.pool_range.prefix_len()),
            v6: self.pool_range_v6.trunc(),
            v6_prefix: 64.max(self.pool_range_v6.prefix_len()),
        }
    }
}
