//! Managed (v2) plugin packaging: the `config.json` that `docker plugin create NAME DIR`
//! reads from `DIR/config.json`, next to `DIR/rootfs/` (the plugin's root filesystem).
//!
//! [`ManagedConfig::drivers_of`] takes the interface types from the plugin's drivers
//! (`NetworkDriver` → `docker.networkdriver/1.0`, `IpamDriver` → `docker.ipamdriver/1.0`),
//! and always asks for the host's network namespace (`network: host`): a network plugin's
//! bridges and veths must be where dockerd can move them into containers. dockerd never
//! sends a managed plugin `Plugin.Activate`; dknet serves the same routes either way, so
//! one binary works as a process and as a managed plugin.
//!
//! ```
//! let plugin = dknet::Plugin::new().network_driver(MyDriver);
//! let config = dknet::managed::ManagedConfig::new("/usr/bin/my-driver", "my-driver.sock")
//!     .drivers_of(&plugin)
//!     .description("My network driver")
//!     .capability("CAP_NET_ADMIN")
//!     .propagated_mount("/var/lib/my-driver")
//!     .env("RUST_LOG", "The log filter (tracing-subscriber syntax)", "info");
//! let json = config.to_json();
//! assert_eq!(json["interface"]["types"][0], "docker.networkdriver/1.0");
//! # struct MyDriver;
//! # impl dknet::network::NetworkDriver for MyDriver {}
//! ```

use serde::Serialize;

use crate::ipam::protocol::SUBSYSTEM as IPAM_DRIVER;
use crate::network::protocol::SUBSYSTEM as NETWORK_DRIVER;
use crate::Plugin;

/// A managed plugin's `config.json` (see Docker's "Plugin Config Version 1 of Plugin V2"):
/// build it with [`ManagedConfig::new`] and the setters, write [`ManagedConfig::to_json`].
#[derive(Debug, Clone, Serialize)]
pub struct ManagedConfig {
    description: String,
    #[serde(skip_serializing_if = "String::is_empty")]
    documentation: String,
    entrypoint: Vec<String>,
    interface: Interface,
    network: Network,
    linux: Linux,
    mounts: Vec<Mount>,
    #[serde(rename = "propagatedMount", skip_serializing_if = "String::is_empty")]
    propagated_mount: String,
    env: Vec<Setting>,
    args: Args,
}

#[derive(Debug, Clone, Serialize)]
struct Interface {
    types: Vec<String>,
    socket: String,
}

#[derive(Debug, Clone, Serialize)]
struct Network {
    #[serde(rename = "type")]
    kind: &'static str,
}

#[derive(Debug, Clone, Serialize)]
struct Linux {
    capabilities: Vec<String>,
}

/// A bind mount from the host into the plugin (`mounts` in `config.json`).
#[derive(Debug, Clone, Serialize)]
struct Mount {
    name: String,
    description: String,
    settable: Vec<&'static str>,
    source: String,
    destination: String,
    #[serde(rename = "type")]
    kind: &'static str,
    options: Vec<&'static str>,
}

/// An environment variable that `docker plugin set NAME VAR=value` may change.
#[derive(Debug, Clone, Serialize)]
struct Setting {
    name: String,
    description: String,
    settable: Vec<&'static str>,
    value: String,
}

/// Arguments appended to the entrypoint; `docker plugin set NAME args="..."` replaces them.
#[derive(Debug, Clone, Serialize)]
struct Args {
    name: &'static str,
    description: String,
    settable: Vec<&'static str>,
    value: Vec<String>,
}

impl ManagedConfig {
    /// The configuration of a plugin run as `program` (an absolute path inside the root
    /// filesystem) listening on `socket` (a file name in
    /// [`DEFAULT_PLUGIN_DIR`](crate::DEFAULT_PLUGIN_DIR), where dockerd bind-mounts the
    /// host's `/run/docker/plugins/<plugin id>/`), in the host's network namespace, with
    /// no interface, capability, mount, variable or argument yet.
    pub fn new(program: &str, socket: &str) -> Self {
        Self {
            description: String::new(),
            documentation: String::new(),
            entrypoint: vec![program.to_owned()],
            interface: Interface {
                types: Vec::new(),
                socket: socket.to_owned(),
            },
            network: Network { kind: "host" },
            linux: Linux {
                capabilities: Vec::new(),
            },
            mounts: Vec::new(),
            propagated_mount: String::new(),
            env: Vec::new(),
            args: Args {
                name: "args",
                description: "Arguments added to the command line".to_owned(),
                settable: vec!["value"],
                value: Vec::new(),
            },
        }
    }

    /// Declares the interface types of `plugin`'s drivers.
    pub fn drivers_of(self, plugin: &Plugin) -> Self {
        plugin.implements().fold(self, Self::implements)
    }

    /// Declares a network driver (`docker.networkdriver/1.0`), for when the plugin's
    /// drivers are not at hand (e.g. they open state when made).
    pub fn network_driver(self) -> Self {
        self.implements(NETWORK_DRIVER)
    }

    /// Declares an IPAM driver (`docker.ipamdriver/1.0`), for when the plugin's drivers
    /// are not at hand.
    pub fn ipam_driver(self) -> Self {
        self.implements(IPAM_DRIVER)
    }

    /// Adds the interface type of the subsystem dockerd calls `name` (`NetworkDriver`
    /// becomes `docker.networkdriver/1.0`), once.
    fn implements(mut self, name: &str) -> Self {
        let kind = format!("docker.{}/1.0", name.to_lowercase());
        if !self.interface.types.contains(&kind) {
            self.interface.types.push(kind);
        }
        self
    }

    /// What `docker plugin ls` and `inspect` show.
    pub fn description(mut self, text: &str) -> Self {
        self.description = text.to_owned();
        self
    }

    /// A link to the plugin's documentation.
    pub fn documentation(mut self, url: &str) -> Self {
        self.documentation = url.to_owned();
        self
    }

    /// Fixed arguments after the program (before the settable `args`).
    pub fn entrypoint_args<I, S>(mut self, args: I) -> Self
    where
        I: IntoIterator<Item = S>,
        S: Into<String>,
    {
        self.entrypoint.extend(args.into_iter().map(Into::into));
        self
    }

    /// A Linux capability the plugin needs beyond Docker's defaults, e.g. `CAP_NET_ADMIN`
    /// for netlink and iptables, `CAP_SYS_ADMIN` to enter other namespaces. `docker plugin
    /// install` shows them to the operator to grant.
    pub fn capability(mut self, name: &str) -> Self {
        self.linux.capabilities.push(name.to_owned());
        self
    }

    /// A directory of the plugin that lives on the host and outlives the plugin's
    /// container (`propagatedMount`): Docker keeps it under its data root
    /// (`plugins/<id>/propagated-mount`) across `disable`/`enable` and daemon restarts, and
    /// deletes it with `docker plugin rm`. The place for state.
    pub fn propagated_mount(mut self, path: &str) -> Self {
        self.propagated_mount = path.to_owned();
        self
    }

    /// A read-write bind mount of the host's `source` at `destination`; the operator may
    /// change the source (`docker plugin set NAME <name>.source=/elsewhere`).
    pub fn bind_mount(
        mut self,
        name: &str,
        description: &str,
        source: &str,
        destination: &str,
    ) -> Self {
        self.mounts.push(Mount {
            name: name.to_owned(),
            description: description.to_owned(),
            settable: vec!["source"],
            source: source.to_owned(),
            destination: destination.to_owned(),
            kind: "bind",
            options: vec!["rbind", "rw"],
        });
        self
    }

    /// An environment variable with its default `value`, settable with
    /// `docker plugin set NAME VAR=value` (while the plugin is disabled).
    pub fn env(mut self, name: &str, description: &str, value: &str) -> Self {
        self.env.push(Setting {
            name: name.to_owned(),
            description: description.to_owned(),
            settable: vec!["value"],
            value: value.to_owned(),
        });
        self
    }

    /// What the settable `args` are for, e.g. the options the program takes.
    pub fn args_description(mut self, text: &str) -> Self {
        self.args.description = text.to_owned();
        self
    }

    /// The `config.json` document.
    pub fn to_json(&self) -> serde_json::Value {
        serde_json::to_value(self).expect("a ManagedConfig is plain data")
    }
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;
    use crate::network::NetworkDriver;

    struct Driver;
    impl NetworkDriver for Driver {}

    #[test]
    fn a_network_plugin_gets_the_network_interface_host_networking_and_settable_args() {
        let plugin = Plugin::new().network_driver(Driver);
        let config = ManagedConfig::new("/usr/bin/lab", "lab.sock")
            .drivers_of(&plugin)
            .description("A lab driver")
            .entrypoint_args(["--socket", "/run/docker/plugins/lab.sock"])
            .capability("CAP_NET_ADMIN")
            .propagated_mount("/var/lib/lab")
            .env("RUST_LOG", "log filter", "info")
            .args_description("options")
            .to_json();
        assert_eq!(
            config,
            json!({
                "description": "A lab driver",
                "entrypoint": ["/usr/bin/lab", "--socket", "/run/docker/plugins/lab.sock"],
                "interface": {"types": ["docker.networkdriver/1.0"], "socket": "lab.sock"},
                "network": {"type": "host"},
                "linux": {"capabilities": ["CAP_NET_ADMIN"]},
                "mounts": [],
                "propagatedMount": "/var/lib/lab",
                "env": [{"name": "RUST_LOG", "description": "log filter",
                         "settable": ["value"], "value": "info"}],
                "args": {"name": "args", "description": "options",
                         "settable": ["value"], "value": []},
            })
        );
    }

    #[test]
    fn a_plugin_without_drivers_declares_no_interface_and_mounts_are_settable() {
        let config = ManagedConfig::new("/p", "p.sock")
            .drivers_of(&Plugin::new())
            .documentation("https://example.invalid/p")
            .bind_mount("data", "where data goes", "/srv/p", "/data")
            .to_json();
        assert_eq!(config["interface"]["types"], json!([]));
        let declared = ManagedConfig::new("/p", "p.sock")
            .network_driver()
            .to_json();
        let derived =
            ManagedConfig::new("/p", "p.sock").drivers_of(&Plugin::new().network_driver(Driver));
        assert_eq!(declared, derived.network_driver().to_json());
        assert_eq!(
            declared["interface"]["types"],
            json!(["docker.networkdriver/1.0"])
        );
        let both = ManagedConfig::new("/p", "p.sock")
            .network_driver()
            .ipam_driver();
        assert_eq!(
            both.to_json()["interface"]["types"],
            json!(["docker.networkdriver/1.0", "docker.ipamdriver/1.0"])
        );
        assert_eq!(config["documentation"], "https://example.invalid/p");
        assert!(config.get("propagatedMount").is_none());
        assert_eq!(
            config["mounts"],
            json!([{"name": "data", "description": "where data goes", "settable": ["source"],
                    "source": "/srv/p", "destination": "/data", "type": "bind",
                    "options": ["rbind", "rw"]}])
        );
    }
}
