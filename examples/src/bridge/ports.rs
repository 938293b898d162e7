//! Published ports (`docker run -p HOST_PORT:CONTAINER_PORT`): the NAT and filter rules
//! that forward a host port to a container on the network's bridge.
//!
//! dockerd hands the port bindings to the driver in `ProgramExternalConnectivity`, sent
//! when an endpoint becomes its container's gateway (that is, when `Join` answered a
//! gateway: never on an `--internal` network); `RevokeExternalConnectivity` takes them
//! back. Docker 29 sends the pair for every gateway endpoint, with or without published
//! ports (an empty `com.docker.network.portmap`); 20.10 and 28 send them for gateway
//! endpoints too. For each binding and each of the container's addresses of the binding's
//! family (both families unless a host address is given), the plugin installs:
//!
//! - `nat PREROUTING` and `nat OUTPUT`: traffic to a local address (`-m addrtype
//!   --dst-type LOCAL`, or the `-d HOST_IP` given) on the host port is DNATed to the
//!   container's address and port. `OUTPUT` covers connections made on the host itself,
//!   except to loopback addresses;
//! - `filter FORWARD`: new connections to the container's port on the bridge are accepted
//!   (dockerd sets the `FORWARD` policy to `DROP`);
//! - `nat POSTROUTING`: connections from the network's own subnet that were DNATed back
//!   onto the bridge (a container reaching a sibling through the gateway address and the
//!   published port, "hairpin") are masqueraded, so the answer goes back through the host.
//!
//! What is not done, and why: there is no userland proxy (`docker-proxy`), so a port
//! published on a loopback address (`-p 127.0.0.1:8080:80`), which only a proxy (or
//! `route_localnet`) can serve, is refused with a clear error, and the host's loopback
//! address does not reach ports published on all addresses either (any other host address
//! does). A host port range (`-p 8000-8010:80`) publishes its first port, and a binding
//! without a host port (`-p 80`, `-P`) is refused: dockerd leaves choosing one to the
//! driver, which this example does not do. TCP, UDP and SCTP are supported.

use std::net::IpAddr;

use dknet::network::{PortBinding, Protocol};
use ipnet::IpNet;

use super::firewall::{Family, Rule};

/// A port binding that cannot be published.
#[derive(Debug, thiserror::Error)]
#[error("cannot publish {binding}: {reason}")]
pub struct Error {
    /// The binding, as `-p` writes it.
    binding: String,
    /// Why not.
    reason: &'static str,
}

/// The rules that publish `bindings` to the container with `addresses` (the endpoint's,
/// with the subnet's prefix length) on the bridge `bridge`; an error for the first binding
/// that cannot be published.
pub fn rules(
    bridge: &str,
    addresses: &[IpNet],
    bindings: &[PortBinding],
) -> Result<Vec<Rule>, Error> {
    let mut rules = Vec::new();
    for binding in bindings {
        let protocol = protocol_name(binding)?;
        if binding.host_port == 0 {
            return Err(refused(
                binding,
                "no host port given (-p 80 and -P are not supported)",
            ));
        }
        if binding.host_ip.is_some_and(|ip| ip.is_loopback()) {
            return Err(refused(
                binding,
                "a loopback address needs a userland proxy, which dknet-bridge does not run",
            ));
        }
        let wanted = |address: &&IpNet| match binding.host_ip {
            Some(host) => host.is_ipv4() == address.addr().is_ipv4(),
            None => true,
        };
        for address in addresses.iter().filter(wanted) {
            rules.extend(binding_rules(bridge, *address, binding, protocol));
        }
    }
    Ok(rules)
}

/// The four rules of one binding to one container address.
fn binding_rules(
    bridge: &str,
    address: IpNet,
    binding: &PortBinding,
    protocol: &'static str,
) -> Vec<Rule> {
    let family = match address {
        IpNet::V4(_) => Family::V4,
        IpNet::V6(_) => Family::V6,
    };
    let rule = |table, chain, args: Vec<String>| Rule {
        family,
        table,
        chain,
        args,
    };
    let container = address.addr();
    let container_port = binding.port.to_string();
    let host_port = binding.host_port.to_string();
    let destination = match container {
        IpAddr::V4(ip) => format!("{ip}:{container_port}"),
        IpAddr::V6(ip) => format!("[{ip}]:{container_port}"),
    };
    let loopback = match family {
        Family::V4 => "127.0.0.0/8",
        Family::V6 => "::1/128",
    };
    // `0.0.0.0` and `::` stand for every address of their family.
    let (incoming, outgoing) = match binding.host_ip.filter(|ip| !ip.is_unspecified()) {
        Some(ip) => {
            let only = words(&["-d", &ip.to_string()]);
            (only.clone(), only)
        }
        None => {
            let local = words(&["-m", "addrtype", "--dst-type", "LOCAL"]);
            let mut not_loopback = words(&["!", "-d", loopback]);
            not_loopback.extend(local.iter().cloned());
            (local, not_loopback)
        }
    };
    let dnat = |host_match: Vec<String>| {
        let mut args = host_match;
        args.extend(words(&["-p", protocol, "--dport", &host_port]));
        args.extend(words(&["-j", "DNAT", "--to-destination", &destination]));
        args
    };
    let single = IpNet::from(container).to_string();
    let subnet = address.trunc().to_string();
    // Forwarded and masqueraded: what DNAT sent to the container's port on the bridge.
    let to_container = |source: &[&str], target: &str| {
        let mut args = words(source);
        args.extend(words(&[
            "-d",
            &single,
            "-o",
            bridge,
            "-p",
            protocol,
            "--dport",
            &container_port,
            "-m",
            "conntrack",
            "--ctstate",
            "DNAT",
            "-j",
            target,
        ]));
        args
    };
    vec![
        rule("nat", "PREROUTING", dnat(incoming)),
        rule("nat", "OUTPUT", dnat(outgoing)),
        rule("filter", "FORWARD", to_container(&[], "ACCEPT")),
        rule(
            "nat",
            "POSTROUTING",
            to_container(&["-s", &subnet], "MASQUERADE"),
        ),
    ]
}

/// The iptables name of the binding's protocol.
fn protocol_name(binding: &PortBinding) -> Result<&'static str, Error> {
    match binding.proto {
        Protocol::Tcp => Ok("tcp"),
        Protocol::Udp => Ok("udp"),
        Protocol::Sctp => Ok("sctp"),
        Protocol::Other(_) => Err(refused(
            binding,
            "only TCP, UDP and SCTP ports can be published",
        )),
    }
}

fn refused(binding: &PortBinding, reason: &'static str) -> Error {
    Error {
        binding: shown(binding),
        reason,
    }
}

/// The binding as `docker run -p` writes it: `[HOST_IP:]HOST_PORT:PORT/PROTO`.
fn shown(binding: &PortBinding) -> String {
    let protocol = match binding.proto {
        Protocol::Tcp => "tcp".to_owned(),
        Protocol::Udp => "udp".to_owned(),
        Protocol::Sctp => "sctp".to_owned(),
        Protocol::Other(number) => format!("protocol {number}"),
    };
    let host = match binding.host_ip {
        Some(IpAddr::V6(ip)) => format!("[{ip}]:"),
        Some(ip) => format!("{ip}:"),
        None => String::new(),
    };
    format!("{host}{}:{}/{protocol}", binding.host_port, binding.port)
}

fn words(words: &[&str]) -> Vec<String> {
    words.iter().map(|word| word.to_string()).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn binding(proto: Protocol, host_ip: Option<&str>, host_port: u16, port: u16) -> PortBinding {
        PortBinding {
            proto,
            host_ip: host_ip.map(|ip| ip.parse().unwrap()),
            host_port,
            host_port_end: host_port,
            port,
            ..PortBinding::default()
        }
    }

    fn shown_rules(rules: &[Rule]) -> Vec<String> {
        rules.iter().map(Rule::to_string).collect()
    }

    #[test]
    fn a_port_on_all_addresses_is_forwarded_for_each_family_of_the_container() {
        let addresses = [
            "10.1.0.5/24".parse().unwrap(),
            "fd00:1::5/64".parse().unwrap(),
        ];
        let rules = rules("br0", &addresses, &[binding(Protocol::Tcp, None, 8080, 80)]).unwrap();
        assert_eq!(
            shown_rules(&rules),
            [
                "iptables -t nat PREROUTING -m addrtype --dst-type LOCAL -p tcp --dport 8080 -j DNAT --to-destination 10.1.0.5:80",
                "iptables -t nat OUTPUT ! -d 127.0.0.0/8 -m addrtype --dst-type LOCAL -p tcp --dport 8080 -j DNAT --to-destination 10.1.0.5:80",
                "iptables -t filter FORWARD -d 10.1.0.5/32 -o br0 -p tcp --dport 80 -m conntrack --ctstate DNAT -j ACCEPT",
                "iptables -t nat POSTROUTING -s 10.1.0.0/24 -d 10.1.0.5/32 -o br0 -p tcp --dport 80 -m conntrack --ctstate DNAT -j MASQUERADE",
                "ip6tables -t nat PREROUTING -m addrtype --dst-type LOCAL -p tcp --dport 8080 -j DNAT --to-destination [fd00:1::5]:80",
                "ip6tables -t nat OUTPUT ! -d ::1/128 -m addrtype --dst-type LOCAL -p tcp --dport 8080 -j DNAT --to-destination [fd00:1::5]:80",
                "ip6tables -t filter FORWARD -d fd00:1::5/128 -o br0 -p tcp --dport 80 -m conntrack --ctstate DNAT -j ACCEPT",
                "ip6tables -t nat POSTROUTING -s fd00:1::/64 -d fd00:1::5/128 -o br0 -p tcp --dport 80 -m conntrack --ctstate DNAT -j MASQUERADE",
            ]
        );
    }

    #[test]
    fn a_host_address_limits_the_port_to_that_address_and_its_family() {
        let addresses = [
            "10.1.0.5/24".parse().unwrap(),
            "fd00:1::5/64".parse().unwrap(),
        ];
        let udp = binding(Protocol::Udp, Some("192.0.2.1"), 5353, 53);
        let rules = rules("br0", &addresses, &[udp]).unwrap();
        assert_eq!(rules.len(), 4);
        assert!(rules.iter().all(|rule| rule.family == Family::V4));
        assert_eq!(
            shown_rules(&rules[..2]),
            [
                "iptables -t nat PREROUTING -d 192.0.2.1 -p udp --dport 5353 -j DNAT --to-destination 10.1.0.5:53",
                "iptables -t nat OUTPUT -d 192.0.2.1 -p udp --dport 5353 -j DNAT --to-destination 10.1.0.5:53",
            ]
        );
        let all_v6 = binding(Protocol::Tcp, Some("::"), 8080, 80);
        let v6 = super::rules("br0", &addresses, &[all_v6]).unwrap();
        assert_eq!(v6.len(), 4);
        assert!(v6.iter().all(|rule| rule.family == Family::V6));
        let first = v6[0].to_string();
        assert!(first.contains("-m addrtype --dst-type LOCAL"), "{first}");
    }

    #[test]
    fn no_bindings_make_no_rules() {
        let addresses = ["10.1.0.5/24".parse().unwrap()];
        assert!(rules("br0", &addresses, &[]).unwrap().is_empty());
    }

    #[test]
    fn bindings_that_cannot_be_published_are_refused_naming_them() {
        let addresses = ["10.1.0.5/24".parse().unwrap()];
        let cases = [
            (
                binding(Protocol::Tcp, None, 0, 80),
                "cannot publish 0:80/tcp: no host port given",
            ),
            (
                binding(Protocol::Tcp, Some("127.0.0.1"), 8080, 80),
                "cannot publish 127.0.0.1:8080:80/tcp: a loopback address",
            ),
            (
                binding(Protocol::Udp, Some("::1"), 8080, 80),
                "cannot publish [::1]:8080:80/udp: a loopback address",
            ),
            (
                binding(Protocol::Other(47), None, 8080, 80),
                "cannot publish 8080:80/protocol 47: only TCP",
            ),
        ];
        for (refused, message) in cases {
            let error = rules("br0", &addresses, &[refused])
                .unwrap_err()
                .to_string();
            assert!(error.starts_with(message), "{error}");
        }
    }
}
