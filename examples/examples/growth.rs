//! Growth with the work: what a call costs as a network or a pool fills up (BENCHMARKS.md,
//! "Growth with the work").
//!
//! Run as root: `cargo run --release -p dknet-examples --example growth [-- --endpoints N
//! --addresses N --state-dir DIR]`. It creates the network namespace `dkst-growth-PID`,
//! moves into it (so every link and iptables rule it makes is there, and goes with it) and:
//!
//! - **dknet-bridge**: one network, then `CreateEndpoint` and `Join` for endpoints 1 to N
//!   (default 1,000), then `Leave` and `DeleteEndpoint` from N down to 1, each call timed
//!   through dknet's in-process client; interleaved with them, the kernel alone for the
//!   same links: a veth pair created on a bridge of its own, and deleted, by the same
//!   netlink calls the driver makes. Each figure is the median of the 20 calls made when
//!   the network had about that many endpoints (the 1st to 20th call for "10"); the
//!   plugin's own part is its time less the kernel's.
//! - **dknet-ipam**: a /16 pool (10.202.0.0/16) whose state is filled to 0, 1,000,
//!   10,000, 30,000 and the largest size asked for (default 60,000) addresses, written as
//!   the store writes them (then synced); at each size the driver is opened on that state
//!   and 200 `RequestAddress` and 200 `ReleaseAddress` calls are timed (medians).
//!
//! The state goes in `--state-dir` (default a new directory under /var/tmp, on the disk
//! like a real plugin's), removed at the end; so is the namespace.

use std::fs::File;
use std::net::{IpAddr, Ipv4Addr};
use std::os::fd::AsRawFd;
use std::path::{Path, PathBuf};
use std::process::{Command, ExitCode};
use std::sync::Arc;
use std::time::{Duration, Instant};

use dknet::ipam::{ReleaseAddressRequest, RequestAddressRequest, RequestPoolRequest};
use dknet::network::{
    CreateEndpointRequest, CreateNetworkRequest, DeleteEndpointRequest, IpamData, JoinRequest,
    LeaveRequest,
};
use dknet::testing::Client;
use dknet::Plugin;
use dknet_examples::bridge::BridgeDriver;
use dknet_examples::ipam::allocator::PoolRanges;
use dknet_examples::ipam::IpamAllocator;
use dknet_examples::linux::netlink::{Netlink, VethPair};
use ipnet::IpNet;

/// The network id of the bridge benchmark.
const NETWORK: &str = "d0c0000000000000000000000000000000000000000000000000000000000001";
/// The IPAM benchmark's pool.
const POOL: &str = "10.202.0.0/16";
/// How many calls each figure is the median of.
const WINDOW: usize = 20;
/// The most ports a Linux bridge takes (the kernel's `BR_MAX_PORTS` less port 0): the
/// most endpoints one dknet-bridge network can have.
const MAX_BRIDGE_PORTS: usize = 1023;
/// How many address requests (and releases) are timed at each IPAM state size.
const IPAM_CALLS: usize = 200;

struct Settings {
    endpoints: usize,
    addresses: usize,
    state_dir: PathBuf,
}

fn main() -> ExitCode {
    let settings = match settings(std::env::args().skip(1)) {
        Ok(settings) => settings,
        Err(message) => {
            eprintln!("error: {message}");
            return ExitCode::FAILURE;
        }
    };
    let namespace = format!("dkst-growth-{}", std::process::id());
    let outcome = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
        in_namespace(&namespace, || {
            let runtime = tokio::runtime::Builder::new_current_thread()
                .enable_all()
                .build()
                .map_err(|e| format!("starting tokio: {e}"))?;
            runtime.block_on(run(&settings))
        })
    }));
    // The state goes whatever happened, as the namespace does.
    let _ = std::fs::remove_dir_all(&settings.state_dir);
    match outcome.unwrap_or_else(|panic| std::panic::resume_unwind(panic)) {
        Ok(()) => ExitCode::SUCCESS,
        Err(message) => {
            eprintln!("error: {message}");
            ExitCode::FAILURE
        }
    }
}

fn settings(mut args: impl Iterator<Item = String>) -> Result<Settings, String> {
    let mut settings = Settings {
        endpoints: 1000,
        addresses: 60_000,
        state_dir: PathBuf::from(format!("/var/tmp/dkst-growth-{}", std::process::id())),
    };
    while let Some(flag) = args.next() {
        let value = args.next().ok_or_else(|| format!("{flag} needs a value"))?;
        let number = || {
            value
                .parse::<usize>()
                .map_err(|_| format!("{flag} {value}: not a number"))
        };
        match flag.as_str() {
            "--endpoints" if number()? >= 3 * WINDOW && number()? <= MAX_BRIDGE_PORTS => {
                settings.endpoints = number()?
            }
            "--endpoints" => {
                return Err(format!(
                    "--endpoints takes 60 to {MAX_BRIDGE_PORTS} (a Linux bridge takes at most \
                     {MAX_BRIDGE_PORTS} ports)"
                ))
            }
            "--addresses" if number()? <= 65_000 => settings.addresses = number()?,
            "--addresses" => return Err("--addresses takes at most 65000 (a /16)".into()),
            "--state-dir" => settings.state_dir = PathBuf::from(value),
            _ => return Err(format!("unknown option {flag}")),
        }
    }
    Ok(settings)
}

/// Runs `work` in a new network namespace called `name`, deleted afterwards, even when
/// `work` panics (printing to a closed pipe does).
fn in_namespace(name: &str, work: impl FnOnce() -> Result<(), String>) -> Result<(), String> {
    let ip = |args: &[&str]| -> Result<(), String> {
        let status = Command::new("ip")
            .args(args)
            .status()
            .map_err(|e| format!("running ip: {e}"))?;
        status
            .success()
            .then_some(())
            .ok_or_else(|| format!("`ip {}` failed (run as root)", args.join(" ")))
    };
    ip(&["netns", "add", name])?;
    let outcome = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
        File::open(format!("/run/netns/{name}"))
            .map_err(|e| format!("opening the namespace: {e}"))
            .and_then(|namespace| {
                // SAFETY: setns takes a descriptor and a flag and touches no memory; the
                // descriptor is open for the whole call. The process has one thread here, so
                // every thread started later (tokio's, the child processes) starts inside.
                if unsafe { libc::setns(namespace.as_raw_fd(), libc::CLONE_NEWNET) } != 0 {
                    return Err(format!(
                        "entering the namespace: {}",
                        std::io::Error::last_os_error()
                    ));
                }
                work()
            })
    }));
    let deleted = ip(&["netns", "del", name]);
    match outcome {
        Ok(result) => result.and(deleted),
        Err(panic) => std::panic::resume_unwind(panic),
    }
}

async fn run(settings: &Settings) -> Result<(), String> {
    let (plugin, kernel) = bridge_growth(settings).await?;
    print_bridge_table(settings.endpoints, &plugin, &kernel);
    let ipam = ipam_growth(settings).await?;
    print_ipam_table(&ipam);
    Ok(())
}

/// Per-call times, in the order of the endpoint count at the call (index 0: 1 endpoint).
#[derive(Default)]
struct Calls {
    create: Vec<Sample>,
    join: Vec<Sample>,
    leave: Vec<Sample>,
    delete: Vec<Sample>,
}

/// The endpoint id of endpoint `i`: its first 11 characters differ from every other's.
fn endpoint_id(i: usize) -> String {
    format!("{i:011x}{:053}", 0)
}

/// What one call took: the time it took, and the CPU time the process spent meanwhile
/// (every thread, user and system: the plugin's own work and the kernel's on its behalf,
/// but not the time spent waiting for the disk).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, PartialOrd, Ord)]
struct Sample {
    wall: Duration,
    cpu: Duration,
}

/// The CPU time the process has used so far.
fn cpu_used() -> Duration {
    // SAFETY: getrusage writes into the zeroed struct it is given and nothing else.
    let usage = unsafe {
        let mut usage: libc::rusage = std::mem::zeroed();
        libc::getrusage(libc::RUSAGE_SELF, &mut usage);
        usage
    };
    let time = |t: libc::timeval| {
        Duration::from_secs(t.tv_sec as u64) + Duration::from_micros(t.tv_usec as u64)
    };
    time(usage.ru_utime) + time(usage.ru_stime)
}

/// Times `call`.
async fn timed<T, E: std::fmt::Display>(
    what: &str,
    call: impl std::future::Future<Output = Result<T, E>>,
) -> Result<Sample, String> {
    let (start, cpu) = (Instant::now(), cpu_used());
    call.await.map_err(|e| format!("{what}: {e}"))?;
    Ok(Sample {
        wall: start.elapsed(),
        cpu: cpu_used() - cpu,
    })
}

/// The names of the kernel-only veth pair `i`.
fn kernel_pair(i: usize) -> (String, String) {
    (format!("dkst-h{i}"), format!("dkst-c{i}"))
}

/// The plugin's calls and, interleaved with them (so both see the same machine and the
/// same number of links), the kernel alone making and deleting the same kind of veth pair
/// on a bridge of its own, by the netlink calls the driver makes.
async fn bridge_growth(settings: &Settings) -> Result<(Calls, Calls), String> {
    let dir = settings.state_dir.join("bridge");
    let driver = Arc::new(
        BridgeDriver::open(&dir)
            .await
            .map_err(|e| format!("opening the bridge driver: {e}"))?,
    );
    let client = Client::in_process(Plugin::new().network_driver_shared(driver));
    let mut network = CreateNetworkRequest::new(NETWORK);
    let mut v4 = IpamData::new(net("10.202.16.0/20"));
    v4.gateway = Some(net("10.202.16.1/20"));
    network.ipv4_data = vec![v4];
    client
        .create_network(&network)
        .await
        .map_err(|e| format!("CreateNetwork: {e}"))?;
    let netlink = Netlink::connect().map_err(|e| e.to_string())?;
    netlink
        .ensure_bridge("dkst-kb", None)
        .await
        .map_err(|e| e.to_string())?;
    let (mut plugin, mut kernel) = (Calls::default(), Calls::default());
    for i in 1..=settings.endpoints {
        let id = endpoint_id(i);
        let mut request = CreateEndpointRequest::new(NETWORK, &id);
        let address = u32::from(Ipv4Addr::new(10, 202, 16, 1)) + i as u32;
        request.interface.address = IpNet::new(IpAddr::V4(address.into()), 20).ok();
        plugin
            .create
            .push(timed("CreateEndpoint", client.create_endpoint(&request)).await?);
        plugin
            .join
            .push(timed("Join", client.join(&JoinRequest::new(NETWORK, &id))).await?);
        let (host, peer) = kernel_pair(i);
        let pair = VethPair {
            host: &host,
            peer: &peer,
            bridge: "dkst-kb",
            mtu: None,
            peer_mac: None,
        };
        kernel
            .create
            .push(timed("creating a veth pair", netlink.create_veth(&pair)).await?);
    }
    for i in (1..=settings.endpoints).rev() {
        let id = endpoint_id(i);
        plugin
            .leave
            .push(timed("Leave", client.leave(&LeaveRequest::new(NETWORK, &id))).await?);
        let request = DeleteEndpointRequest::new(NETWORK, &id);
        plugin
            .delete
            .push(timed("DeleteEndpoint", client.delete_endpoint(&request)).await?);
        let (host, _) = kernel_pair(i);
        kernel
            .delete
            .push(timed("deleting a veth pair", netlink.delete_link(&host)).await?);
    }
    for calls in [&mut plugin, &mut kernel] {
        calls.leave.reverse();
        calls.delete.reverse();
    }
    Ok((plugin, kernel))
}

/// The median of the `WINDOW` calls ending at call `at` (1-based), or starting at 1, of
/// what `part` picks of each.
fn median_at(calls: &[Sample], at: usize, part: fn(&Sample) -> Duration) -> Duration {
    let end = at.max(WINDOW).min(calls.len());
    let mut window: Vec<Duration> = calls[end - WINDOW..end].iter().map(part).collect();
    window.sort();
    window[WINDOW / 2]
}

/// The median of every call's `part`.
fn median(calls: &[Sample], part: fn(&Sample) -> Duration) -> Duration {
    let mut all: Vec<Duration> = calls.iter().map(part).collect();
    all.sort();
    all[all.len() / 2]
}

fn wall(sample: &Sample) -> Duration {
    sample.wall
}

fn cpu(sample: &Sample) -> Duration {
    sample.cpu
}

fn ms(duration: Duration) -> String {
    format!("{:.2}", duration.as_secs_f64() * 1000.0)
}

fn print_bridge_table(endpoints: usize, plugin: &Calls, kernel: &Calls) {
    let middle = endpoints / 2;
    println!(
        "dknet-bridge, one network, {endpoints} endpoints (ms per call, medians of {WINDOW} \
         calls; the kernel alone for the same links, and the plugin's own part: the \
         difference)"
    );
    println!();
    println!(
        "| call | at 10 | at {middle} | at {endpoints} | {endpoints}th / 10th | kernel at 10 | \
         kernel at {endpoints} | plugin's own at 10 | plugin's own at {endpoints} |"
    );
    println!("|---|---:|---:|---:|---:|---:|---:|---:|---:|");
    let rows: [(&str, &[Sample], &[Sample]); 4] = [
        ("CreateEndpoint", &plugin.create, &kernel.create),
        ("Join", &plugin.join, &[]),
        ("Leave", &plugin.leave, &[]),
        ("DeleteEndpoint", &plugin.delete, &kernel.delete),
    ];
    for (call, times, kernel) in rows {
        let (first, last) = (
            median_at(times, 10, wall),
            median_at(times, endpoints, wall),
        );
        let kernel_at = |at| (!kernel.is_empty()).then(|| median_at(kernel, at, wall));
        let shown = |kernel: Option<Duration>| kernel.map_or_else(|| "-".to_owned(), ms);
        let own = |total: Duration, kernel: Option<Duration>| {
            let kernel = kernel.unwrap_or_default().as_secs_f64();
            format!("{:.2}", (total.as_secs_f64() - kernel) * 1000.0)
        };
        println!(
            "| {call} | {} | {} | {} | {:.2} | {} | {} | {} | {} |",
            ms(first),
            ms(median_at(times, middle, wall)),
            ms(last),
            last.as_secs_f64() / first.as_secs_f64(),
            shown(kernel_at(10)),
            shown(kernel_at(endpoints)),
            own(first, kernel_at(10)),
            own(last, kernel_at(endpoints)),
        );
    }
    println!();
    println!("CPU time of the process per call (ms, medians of {WINDOW} calls)");
    println!();
    println!("| call | at 10 | at {endpoints} | {endpoints}th / 10th | kernel alone at 10 | kernel alone at {endpoints} |");
    println!("|---|---:|---:|---:|---:|---:|");
    for (call, times, kernel) in rows {
        let (first, last) = (median_at(times, 10, cpu), median_at(times, endpoints, cpu));
        let kernel_at = |at| {
            if kernel.is_empty() {
                "-".to_owned()
            } else {
                ms(median_at(kernel, at, cpu))
            }
        };
        println!(
            "| {call} | {} | {} | {:.2} | {} | {} |",
            ms(first),
            ms(last),
            last.as_secs_f64() / first.as_secs_f64().max(1e-6),
            kernel_at(10),
            kernel_at(endpoints)
        );
    }
    println!();
}

/// One IPAM state size: the medians of the timed requests and releases.
struct IpamRow {
    size: usize,
    request: Vec<Sample>,
    release: Vec<Sample>,
}

async fn ipam_growth(settings: &Settings) -> Result<Vec<IpamRow>, String> {
    let dir = settings.state_dir.join("ipam");
    let ranges = PoolRanges {
        v4: "10.202.0.0/16".parse().expect("a CIDR"),
        v4_prefix: 16,
        ..PoolRanges::default()
    };
    // The pool, made once through the driver.
    {
        let driver = IpamAllocator::open(&dir, ranges)
            .await
            .map_err(|e| format!("opening the IPAM driver: {e}"))?;
        let client = Client::in_process(Plugin::new().ipam_driver(driver));
        let mut request = RequestPoolRequest::new("dknet", false);
        request.pool = Some(net(POOL));
        client
            .ipam()
            .request_pool(&request)
            .await
            .map_err(|e| format!("RequestPool: {e}"))?;
        close(client).await;
    }
    let mut sizes = vec![0, 1_000, 10_000, 30_000, settings.addresses];
    sizes.retain(|size| *size <= settings.addresses);
    sizes.dedup();
    let mut rows = Vec::new();
    let mut filled = 0;
    for size in sizes {
        fill_addresses(&dir, filled, size)?;
        filled = size;
        let driver = IpamAllocator::open(&dir, ranges)
            .await
            .map_err(|e| format!("opening the IPAM driver at {size}: {e}"))?;
        let client = Client::in_process(Plugin::new().ipam_driver(driver));
        let mut requests = Vec::new();
        let mut taken = Vec::new();
        for _ in 0..IPAM_CALLS {
            let (start, used) = (Instant::now(), cpu_used());
            let answer = client
                .ipam()
                .request_address(&RequestAddressRequest::new(POOL))
                .await
                .map_err(|e| format!("RequestAddress at {size}: {e}"))?;
            requests.push(Sample {
                wall: start.elapsed(),
                cpu: cpu_used() - used,
            });
            taken.push(answer.address.addr());
        }
        let mut releases = Vec::new();
        for address in taken {
            let request = ReleaseAddressRequest::new(POOL, address);
            releases.push(timed("ReleaseAddress", client.ipam().release_address(&request)).await?);
        }
        close(client).await;
        rows.push(IpamRow {
            size,
            request: requests,
            release: releases,
        });
    }
    Ok(rows)
}

/// Drops `client` and lets its in-process server end, which closes the driver's store.
async fn close(client: Client) {
    drop(client);
    tokio::time::sleep(Duration::from_millis(100)).await;
}

/// Adds the address entries `from + 1 ..= to` of the pool to the IPAM state in `dir`, as
/// the store writes them, and flushes them to disk.
fn fill_addresses(dir: &Path, from: usize, to: usize) -> Result<(), String> {
    let addresses = dir.join("addresses");
    let base = u32::from(Ipv4Addr::new(10, 202, 0, 0));
    for offset in from + 1..=to {
        let address = Ipv4Addr::from(base + offset as u32);
        std::fs::write(
            addresses.join(format!("{address}.json")),
            format!("{{\n  \"pool\": \"{POOL}\"\n}}"),
        )
        .map_err(|e| format!("filling the IPAM state: {e}"))?;
    }
    // SAFETY: sync takes no argument and cannot fail.
    unsafe { libc::sync() };
    Ok(())
}

fn print_ipam_table(rows: &[IpamRow]) {
    println!("dknet-ipam, one /16 pool (ms per call, medians of {IPAM_CALLS} calls)");
    println!();
    println!(
        "| addresses taken | RequestAddress | ReleaseAddress | RequestAddress CPU | \
         ReleaseAddress CPU |"
    );
    println!("|---:|---:|---:|---:|---:|");
    for row in rows {
        println!(
            "| {} | {} | {} | {} | {} |",
            row.size,
            ms(median(&row.request, wall)),
            ms(median(&row.release, wall)),
            ms(median(&row.request, cpu)),
            ms(median(&row.release, cpu)),
        );
    }
    println!();
}

fn net(text: &str) -> IpNet {
    text.parse().expect("a valid CIDR")
}
