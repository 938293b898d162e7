//! Many rule changes with one process: `iptables-restore --noflush` (and
//! `ip6tables-restore`) reads the rules to insert or delete on its standard input and
//! applies them per table in one go, so a call that changes ten rules starts one process
//! per family instead of twenty (`-C` then `-I` for each).
//!
//! `--noflush` keeps every other rule as it is. A batch fails as a whole when one of its
//! lines does (a `-D` of a rule that is not there); [`firewall`](super::firewall) then
//! falls back to checking rule by rule.

use std::process::Stdio;

use tokio::io::AsyncWriteExt;
use tokio::process::Command;

use super::firewall::{Error, Family, Rule};

/// What a batch does with each of its rules.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Operation {
    /// `-I`: insert at the top of the chain.
    Insert,
    /// `-D`: delete one copy.
    Delete,
}

impl Operation {
    fn flag(self) -> &'static str {
        match self {
            Operation::Insert => "-I",
            Operation::Delete => "-D",
        }
    }
}

impl Family {
    fn restore_command(self) -> &'static str {
        match self {
            Family::V4 => "iptables-restore",
            Family::V6 => "ip6tables-restore",
        }
    }
}

/// The `iptables-restore` input that applies `operation` to `rules`: a section per table
/// (in the order the tables first appear), the rules of each in their order. Rules given
/// one after the other with `-I` end up in the same order as with one `iptables -I` each.
pub fn input(rules: &[&Rule], operation: Operation) -> String {
    let mut tables: Vec<&str> = Vec::new();
    for rule in rules {
        if !tables.contains(&rule.table) {
            tables.push(rule.table);
        }
    }
    let mut input = String::new();
    for table in tables {
        input.push_str(&format!("*{table}\n"));
        for rule in rules.iter().filter(|rule| rule.table == table) {
            let args = rule.args.join(" ");
            input.push_str(&format!("{} {} {args}\n", operation.flag(), rule.chain));
        }
        input.push_str("COMMIT\n");
    }
    input
}

/// Applies `operation` to `rules`, all of `family`, with one `iptables-restore --noflush`
/// (`-w`: waiting for the xtables lock rather than failing when dockerd holds it).
pub async fn apply(family: Family, rules: &[&Rule], operation: Operation) -> Result<(), Error> {
    let tool = family.restore_command();
    let input = input(rules, operation);
    let command = format!(
        "{tool} -w --noflush ({})",
        input.trim_end().replace('\n', "; ")
    );
    let spawned = Command::new(tool)
        .args(["-w", "--noflush"])
        .stdin(Stdio::piped())
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn();
    let mut child = match spawned {
        Ok(child) => child,
        Err(source) => return Err(Error::Spawn { command, source }),
    };
    if let Some(mut stdin) = child.stdin.take() {
        // A write error means the command exited early; its status and stderr say why.
        let _ = stdin.write_all(input.as_bytes()).await;
    }
    let output = match child.wait_with_output().await {
        Ok(output) => output,
        Err(source) => return Err(Error::Spawn { command, source }),
    };
    if output.status.success() {
        Ok(())
    } else {
        let stderr = String::from_utf8_lossy(&output.stderr).trim().to_string();
        Err(Error::Failed { command, stderr })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn rule(table: &'static str, chain: &'static str, args: &str) -> Rule {
        Rule {
            family: Family::V4,
            table,
            chain,
            args: args.split(' ').map(str::to_owned).collect(),
        }
    }

    #[test]
    fn rules_are_grouped_by_table_in_their_order() {
        let rules = [
            rule("filter", "FORWARD", "-i br0 -o br0 -j ACCEPT"),
            rule(
                "nat",
                "POSTROUTING",
                "-s 10.1.0.0/24 ! -o br0 -j MASQUERADE",
            ),
            rule("filter", "FORWARD", "-i br0 ! -o br0 -j ACCEPT"),
        ];
        let all: Vec<&Rule> = rules.iter().collect();
        assert_eq!(
            input(&all, Operation::Insert),
            "*filter\n\
             -I FORWARD -i br0 -o br0 -j ACCEPT\n\
             -I FORWARD -i br0 ! -o br0 -j ACCEPT\n\
             COMMIT\n\
             *nat\n\
             -I POSTROUTING -s 10.1.0.0/24 ! -o br0 -j MASQUERADE\n\
             COMMIT\n"
        );
        assert_eq!(
            input(&all[1..2], Operation::Delete),
            "*nat\n-D POSTROUTING -s 10.1.0.0/24 ! -o br0 -j MASQUERADE\nCOMMIT\n"
        );
        assert_eq!(input(&[], Operation::Delete), "");
    }
}
