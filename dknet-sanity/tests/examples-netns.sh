#!/usr/bin/env bash
# Checks the example plugins with dknet-sanity, each restarted once between phases
# (--restart-cmd), all inside a network namespace created here: dknet-bridge and
# dknet-overlay create real bridges, veths, VXLAN devices and firewall rules. After each
# plugin it checks that the namespace holds no link and no rule the plugin did not have
# before. Needs root (ip netns). Run by .ci/run; by hand: `sudo dknet-sanity/tests/examples-netns.sh`.
set -euo pipefail
cd "$(dirname "$0")/../.."

cargo build -q -p dknet-examples --bins
cargo build -q -p dknet-sanity --bin dknet-sanity
bin=$PWD/target/debug

ns=dks-ci-$$
dir=$(mktemp -d)
supervisor=
cleanup() {
  stop_plugin
  ip netns del "$ns" 2>/dev/null || true
  rm -rf "$dir"
}
trap cleanup EXIT
ip netns add "$ns"
ip netns exec "$ns" ip link set lo up
in_ns() { ip netns exec "$ns" "$@"; }

# Starts plugin $1 (more arguments follow) under a loop that starts it again whenever it
# exits: the restart command kills it, the loop brings it back.
start_plugin() {
  local name=$1
  shift
  rm -f "$dir/$name.sock"
  # Not through in_ns: `$!` must be the loop itself, not a subshell running a function.
  ip netns exec "$ns" sh -c 'while :; do "$@" & echo $! > "$PIDFILE"; wait $!; done' sh \
    "$bin/$name" --socket "$dir/$name.sock" "$@" &
  supervisor=$!
  local waited=0
  until [[ -S $dir/$name.sock ]]; do
    sleep 0.1
    (( ++waited < 100 )) || { echo "$name did not listen within 10 s" >&2; return 1; }
  done
}

stop_plugin() {
  [[ -n $supervisor ]] || return 0
  kill "$supervisor" 2>/dev/null || true
  wait "$supervisor" 2>/dev/null || true
  supervisor=
  if [[ -s $PIDFILE ]]; then
    local pid
    pid=$(cat "$PIDFILE")
    kill "$pid" 2>/dev/null || true
    # The plugin is not this shell's child: wait for it to go, with a deadline.
    for _ in $(seq 100); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
  fi
  : > "$PIDFILE"
}

# What the namespace holds: its links and firewall rules.
namespace_state() {
  in_ns ip -o link show | awk -F': ' '{print $2}'
  in_ns iptables -S 2>/dev/null || true
  in_ns ip6tables -S 2>/dev/null || true
}

export PIDFILE=$dir/plugin.pid
# Stops the plugin and returns once it is gone; the loop starts it again.
restart="pid=\$(cat $PIDFILE); kill \$pid; while kill -0 \$pid 2>/dev/null; do sleep 0.05; done"
# Short settings: 4 concurrent containers, 5 s per answer.
check() {
  local name=$1
  shift
  local before
  before=$(namespace_state)
  echo "==> dknet-sanity: $name"
  in_ns timeout 180 "$bin/dknet-sanity" --socket "$dir/$name.sock" --timeout 5 \
    --concurrency 4 --restart-cmd "$restart" "$@"
  stop_plugin
  if [[ $(namespace_state) != "$before" ]]; then
    echo "$name left links or firewall rules behind:" >&2
    diff <(echo "$before") <(namespace_state) >&2 || true
    return 1
  fi
}

start_plugin dknet-noop
check dknet-noop --scope local

start_plugin dknet-ipam --state-dir "$dir/ipam" --pool-range 10.203.128.0/17 \
  --pool-range-v6 fd00:dead:203:8000::/49
check dknet-ipam --pool 10.203.0.0/17

start_plugin dknet-bridge --state-dir "$dir/bridge"
check dknet-bridge --scope local

start_plugin dknet-bridge --state-dir "$dir/bridge-ipam" --ipam --pool-range 10.203.128.0/17 \
  --pool-range-v6 fd00:dead:203:8000::/49
check dknet-bridge --pool 10.203.0.0/17 --subsystems both

start_plugin dknet-overlay --state-dir "$dir/overlay"
check dknet-overlay --scope global
echo "==> every example plugin passed dknet-sanity"
