//! The iptables and ip6tables rules that go with a network's bridge.
//!
//! With `br_netfilter` loaded, frames crossing a Linux bridge go through the `FORWARD`
//! chain, and Docker sets that chain's policy to `DROP`: two containers on the plugin's
//! bridge cannot talk until the plugin accepts traffic from the bridge to itself. Like
//! Docker, the rules are written with the `iptables`/`ip6tables` commands. A change is one
//! `iptables-restore --noflush` per family (see [`restore`]); installing
//! and removing can both be repeated: `install` checks with `-C` whether the first rule of
//! a family is there and, if it is, inserts rule by rule what `-C` does not find;
//! `remove` falls back to deleting rule by rule until `-C` no longer finds a rule when
//! its batch fails (a rule was not there).
//!
//! These rules use the `iptables` commands whatever firewall backend dockerd uses: on
//! Debian they are `iptables-nft`, and with dockerd's nftables backend (Docker 29) the
//! `ip filter`/`ip mangle` tables they write sit beside Docker's `docker-bridges` tables;
//! the isolation `DROP`s of [`isolation`] hold whatever another table
//! accepts.
//!
//! What a network gets (for both families):
//! - always: `FORWARD -i BR -o BR -j ACCEPT` (container to container);
//! - an ordinary network reaches the world the way Docker's `bridge` driver does: traffic
//!   leaving the bridge is accepted (`-i BR ! -o BR`), replies coming back are accepted
//!   (`-o BR` with conntrack `RELATED,ESTABLISHED`), and each subnet is masqueraded behind
//!   the host's address when it leaves through another interface (`nat POSTROUTING -s
//!   SUBNET ! -o BR -j MASQUERADE`). Forwarding itself (`net.ipv4.ip_forward`) is the host's
//!   business; dockerd switches it on. Docker's chains (`DOCKER-ISOLATION-STAGE-*` on 20.10
//!   and 28, `DOCKER-INTERNAL` and per-bridge rules in `DOCKER-FORWARD` on 29) never name
//!   the plugin's bridges: the rules here are inserted at the top of `FORWARD`, ahead of
//!   every jump into Docker's chains but `DOCKER-USER` (the administrator's, which dockerd
//!   keeps first), so the same rules hold on every layout. Isolation from other networks,
//!   which Docker's chains do not give plugin networks, comes from the rules of
//!   [`isolation`], unless the network was created with
//!   `-o isolate=false`.
//! - an `--internal` network talks to nothing but itself: everything from the bridge to
//!   another interface and from another interface to the bridge is dropped. These two
//!   `DROP` rules go into the `mangle` table's `FORWARD` chain, which the kernel runs before
//!   the `filter` table's: in `filter` they would be shadowed by the `ACCEPT` rules of any
//!   ordinary network created later (inserted above them), and a container on that network
//!   would reach the internal one, masqueraded behind the internal bridge's own address.
//!   The host still reaches the gateway address (that is `INPUT`, not `FORWARD`).
//!
//! Published ports (`docker run -p`) have rules of their own, per endpoint: see
//! [`ports`](crate::bridge::ports).

use std::fmt;
use std::io;

use ipnet::IpNet;
use tokio::process::Command;

use super::isolation;
use super::restore::{self, Operation};

/// A failed `iptables`/`ip6tables` run.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// The command could not be started (not installed, not allowed).
    #[error("running `{command}`: {source}")]
    Spawn {
        /// The command line.
        command: String,
        /// Why it could not start.
        source: io::Error,
    },
    /// The command ran and failed.
    #[error("`{command}` failed: {stderr}")]
    Failed {
        /// The command line.
        command: String,
        /// What it printed on standard error.
        stderr: String,
    },
}

/// The address family a rule belongs to, which picks the command that manages it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Family {
    /// IPv4: `iptables`.
    V4,
    /// IPv6: `ip6tables`.
    V6,
}

impl Family {
    fn command(self) -> &'static str {
        match self {
            Family::V4 => "iptables",
            Family::V6 => "ip6tables",
        }
    }
}

/// One rule: a family, a table, a chain and the rule's match and target arguments.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Rule {
    /// Which command manages it.
    pub family: Family,
    /// `filter`, `nat` or `mangle`.
    pub table: &'static str,
    /// The built-in chain it goes into.
    pub chain: &'static str,
    /// Everything after the chain: matches and `-j TARGET`.
    pub args: Vec<String>,
}

impl fmt::Display for Rule {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{} -t {} {} {}",
            self.family.command(),
            self.table,
            self.chain,
            self.args.join(" ")
        )
    }
}

/// The rules for the bridge `bridge`: `subnets` are the network's subnets (masqueraded
/// unless the network is `internal`); an `isolated` network (that is not `internal`) also
/// gets the [`isolation`] rules.
pub fn rules(bridge: &str, internal: bool, isolated: bool, subnets: &[IpNet]) -> Vec<Rule> {
    let mut rules = Vec::new();
    for family in [Family::V4, Family::V6] {
        let rule = |table, chain, args: &[&str]| Rule {
            family,
            table,
            chain,
            args: args.iter().map(|s| s.to_string()).collect(),
        };
        let forward = |args: &[&str]| rule("filter", "FORWARD", args);
        rules.push(forward(&["-i", bridge, "-o", bridge, "-j", "ACCEPT"]));
        if internal {
            // In `mangle`, ahead of every `filter` rule (see the module's documentation).
            let isolate = |args: &[&str]| rule("mangle", "FORWARD", args);
            rules.push(isolate(&["-i", bridge, "!", "-o", bridge, "-j", "DROP"]));
            rules.push(isolate(&["!", "-i", bridge, "-o", bridge, "-j", "DROP"]));
            continue;
        }
        if isolated {
            rules.extend(isolation::rules(family, bridge));
        }
        rules.push(forward(&["-i", bridge, "!", "-o", bridge, "-j", "ACCEPT"]));
        rules.push(forward(&[
            "-o",
            bridge,
            "-m",
            "conntrack",
            "--ctstate",
            "RELATED,ESTABLISHED",
            "-j",
            "ACCEPT",
        ]));
        let own_family = |net: &&IpNet| {
            matches!(
                (family, net),
                (Family::V4, IpNet::V4(_)) | (Family::V6, IpNet::V6(_))
            )
        };
        for subnet in subnets.iter().filter(own_family) {
            let source = subnet.trunc().to_string();
            let masquerade = ["-s", &source, "!", "-o", bridge, "-j", "MASQUERADE"];
            rules.push(rule("nat", "POSTROUTING", &masquerade));
        }
    }
    rules
}

/// Inserts every rule that is not there yet (at the top of its chain, so it comes before
/// Docker's own jumps and a `DROP` policy): for each family, one batch when its first rule
/// is not there (the usual case: nothing is), rule by rule otherwise.
pub async fn install(rules: &[Rule]) -> Result<(), Error> {
    for family in [Family::V4, Family::V6] {
        let batch = of_family(rules, family);
        let Some(first) = batch.first() else {
            continue;
        };
        if !is_installed(first).await? {
            restore::apply(family, &batch, Operation::Insert).await?;
            continue;
        }
        for rule in batch {
            if !is_installed(rule).await? {
                run(rule, "-I").await?;
            }
        }
    }
    Ok(())
}

/// Deletes every rule; rules that are not there are skipped. For each family, one batch;
/// when it fails (a rule was not there), every copy of every rule left is deleted rule by
/// rule.
pub async fn remove(rules: &[Rule]) -> Result<(), Error> {
    for family in [Family::V4, Family::V6] {
        let batch = of_family(rules, family);
        if batch.is_empty()
            || restore::apply(family, &batch, Operation::Delete)
                .await
                .is_ok()
        {
            continue;
        }
        for rule in batch {
            while is_installed(rule).await? {
                run(rule, "-D").await?;
            }
        }
    }
    Ok(())
}

/// The rules of `family`, in their order.
fn of_family(rules: &[Rule], family: Family) -> Vec<&Rule> {
    rules.iter().filter(|rule| rule.family == family).collect()
}

/// Whether `rule` is in its chain (`-C`: exit status 0 when it is, 1 when it is not).
pub async fn is_installed(rule: &Rule) -> Result<bool, Error> {
    let (command, output) = execute(rule, "-C").await?;
    match output.status.code() {
        Some(0) => Ok(true),
        Some(1) => Ok(false),
        _ => Err(failed(command, &output)),
    }
}

/// Runs `rule` with `operation` (`-I` or `-D`) and fails when the command does.
async fn run(rule: &Rule, operation: &str) -> Result<(), Error> {
    let (command, output) = execute(rule, operation).await?;
    if output.status.success() {
        Ok(())
    } else {
        Err(failed(command, &output))
    }
}

/// Runs the rule's command with `operation`; `-w` waits for the xtables lock rather than
/// failing when another program (dockerd, a parallel test) holds it.
async fn execute(rule: &Rule, operation: &str) -> Result<(String, std::process::Output), Error> {
    let tool = rule.family.command();
    let mut args = vec!["-w", "-t", rule.table, operation, rule.chain];
    args.extend(rule.args.iter().map(String::as_str));
    let command = format!("{tool} {}", args.join(" "));
    match Command::new(tool).args(&args).output().await {
        Ok(output) => Ok((command, output)),
        Err(source) => Err(Error::Spawn { command, source }),
    }
}

fn failed(command: String, output: &std::process::Output) -> Error {
    let stderr = String::from_utf8_lossy(&output.stderr).trim().to_string();
    Error::Failed { command, stderr }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn shown(rules: &[Rule]) -> Vec<String> {
        rules.iter().map(Rule::to_string).collect()
    }

    #[test]
    fn an_ordinary_network_accepts_its_own_traffic_and_masquerades_its_subnets() {
        let subnets = [
            "10.1.0.1/24".parse().unwrap(),
            "fd00:1::1/64".parse().unwrap(),
        ];
        assert_eq!(
            shown(&rules("br0", false, false, &subnets)),
            [
                "iptables -t filter FORWARD -i br0 -o br0 -j ACCEPT",
                "iptables -t filter FORWARD -i br0 ! -o br0 -j ACCEPT",
                "iptables -t filter FORWARD -o br0 -m conntrack --ctstate RELATED,ESTABLISHED -j ACCEPT",
                "iptables -t nat POSTROUTING -s 10.1.0.0/24 ! -o br0 -j MASQUERADE",
                "ip6tables -t filter FORWARD -i br0 -o br0 -j ACCEPT",
                "ip6tables -t filter FORWARD -i br0 ! -o br0 -j ACCEPT",
                "ip6tables -t filter FORWARD -o br0 -m conntrack --ctstate RELATED,ESTABLISHED -j ACCEPT",
                "ip6tables -t nat POSTROUTING -s fd00:1::/64 ! -o br0 -j MASQUERADE",
            ]
        );
    }

    #[test]
    fn an_isolated_network_drops_new_connections_across_its_edge_before_accepting() {
        let subnets = ["10.1.0.1/24".parse().unwrap()];
        let isolated = rules("br0", false, true, &subnets);
        let v4: Vec<String> = shown(&isolated)
            .into_iter()
            .filter(|rule| rule.starts_with("iptables "))
            .collect();
        assert_eq!(v4.len(), 7, "{v4:#?}");
        assert_eq!(
            v4[1],
            "iptables -t mangle FORWARD ! -i br0 -o br0 -m conntrack ! --ctstate RELATED,ESTABLISHED,DNAT -j DROP"
        );
        assert!(shown(&isolated)
            .iter()
            .any(|r| r.starts_with("ip6tables -t mangle")));
        // Isolation adds rules only: the network's own ones are the same.
        let open = rules("br0", false, false, &subnets);
        assert!(open.iter().all(|rule| isolated.contains(rule)));
    }

    #[test]
    fn an_internal_network_drops_everything_that_crosses_its_bridge() {
        let subnets = ["10.1.0.1/24".parse().unwrap()];
        assert_eq!(
            shown(&rules("br0", true, true, &subnets)),
            [
                "iptables -t filter FORWARD -i br0 -o br0 -j ACCEPT",
                "iptables -t mangle FORWARD -i br0 ! -o br0 -j DROP",
                "iptables -t mangle FORWARD ! -i br0 -o br0 -j DROP",
                "ip6tables -t filter FORWARD -i br0 -o br0 -j ACCEPT",
                "ip6tables -t mangle FORWARD -i br0 ! -o br0 -j DROP",
                "ip6tables -t mangle FORWARD ! -i br0 -o br0 -j DROP",
            ]
        );
    }
}
