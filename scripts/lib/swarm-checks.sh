# shellcheck shell=bash
# swarm-checks.sh: the checks scripts/swarm-tests runs on its three-node swarm. Sourced;
# uses dk N ARGS (docker CLI on node N), in_node N CMD (a command in node N's network
# namespace), node_pid/launch_dockerd/wait_node, $label, $plugin, $work and $subnet_prefix
# from it. checks_run sets check_passed and check_failed. Every check can fail, and every
# wait has a deadline.

# check DESCRIPTION FUNCTION: runs FUNCTION in a subshell, records and prints the outcome.
check() {
  local out rc=0
  out=$("${@:2}" 2>&1) || rc=$?
  if ((rc == 0)); then
    check_passed=$((check_passed + 1))
    echo "swarm-tests:   ok   $1"
  else
    check_failed=$((check_failed + 1))
    echo "swarm-tests:   FAIL $1"
    [[ -z $out ]] || sed 's/^/swarm-tests:        /' <<<"$out" | tail -n 20
  fi
}

# wait_for SECONDS COMMAND...: until COMMAND succeeds; fails after SECONDS.
wait_for() {
  local deadline=$((SECONDS + $1))
  shift
  until "$@" >/dev/null 2>&1; do
    ((SECONDS < deadline)) || { echo "still failing after the deadline: $*"; "$@"; return 1; }
    sleep 0.5
  done
}

# fail MESSAGE: ends the check (each runs in a subshell of its own) with MESSAGE.
fail() {
  echo "$*"
  exit 1
}

# net_id NAME: the network's id (on the manager).
net_id() { dk 1 network inspect -f '{{.Id}}' "$1"; }
# vxlan_of ID / bridge_of ID: the names the plugin gives a network's devices.
vxlan_of() { echo "dkx-${1:0:11}"; }
bridge_of() { echo "dko-${1:0:11}"; }
# vni_on N ID: the VXLAN id of network ID's device on node N.
vni_on() { in_node "$1" ip -d link show "$(vxlan_of "$2")" | grep -o 'vxlan id [0-9]*' | cut -d' ' -f3; }
# ip_of N CONTAINER NETWORK: the container's address on the network.
ip_of() { dk "$1" inspect -f "{{(index .NetworkSettings.Networks \"$3\").IPAddress}}" "$2"; }
# has_peer N ID PEER: node N's VXLAN device of network ID floods to PEER. (The table is
# read whole first: `bridge ... | grep -q` fails under pipefail when grep stops early.)
has_peer() {
  local table
  table=$(in_node "$1" bridge fdb show dev "$(vxlan_of "$2")") || return 1
  grep -q "^00:00:00:00:00:00 dst $3 " <<<"$table"
}
lacks_peer() { ! has_peer "$@"; }
# counter N DEV NAME: a statistics counter of DEV on node N.
counter() { in_node "$1" cat "/sys/class/net/$2/statistics/$3"; }
pings() { dk "$1" exec "$2" ping -c 1 -W 1 "$3"; }
# no_devices ID: no node has a device of network ID left.
no_devices() {
  local i
  for i in "${nodes[@]}"; do
    ! in_node "$i" ip -o link show | grep -E "$(vxlan_of "$1")|$(bridge_of "$1")" || return 1
  done
}
# service_tasks NAME: how many of the service's tasks run.
service_tasks() { dk 1 service ps --filter desired-state=running --format '{{.CurrentState}}' "$1" | grep -c '^Running'; }
# task_addresses N CONTAINER: the addresses tasks.gs resolves to, seen from CONTAINER.
task_addresses() { dk "$1" exec "$2" nslookup tasks.gs | grep -o '10\.100\.[0-9]*\.[0-9]*' | sort -u; }
service_runs_everywhere() { [[ $(service_tasks "$1") == 3 ]]; }
# task_on N SERVICE: the id of the service's container on node N.
task_on() { dk "$1" ps -q --filter "label=com.docker.swarm.service.name=$2"; }

t_network_and_containers() {
  local ov1 vni1 peer
  dk 1 network create -d "$plugin" --attachable ov1 >/dev/null || return 1
  ov1=$(net_id ov1)
  dk 1 run -d --name c1 --network ov1 busybox:dknet sleep 3600 >/dev/null || return 1
  dk 3 run -d --name c3 --network ov1 busybox:dknet sleep 3600 >/dev/null || return 1
  vni1=$(vni_on 1 "$ov1")
  [[ -n $vni1 && $vni1 == "$(vni_on 3 "$ov1")" ]] || fail "VXLAN ids on nodes 1 and 3: '$vni1' '$(vni_on 3 "$ov1")'"
  for peer in 12 13; do has_peer 1 "$ov1" "$subnet_prefix.$peer" || fail "node 1 does not flood to .$peer"; done
  for peer in 11 12; do has_peer 3 "$ov1" "$subnet_prefix.$peer" || fail "node 3 does not flood to .$peer"; done
}

t_ping_by_address() {
  local a1 a3
  a1=$(ip_of 1 c1 ov1) && a3=$(ip_of 3 c3 ov1) || return 1
  [[ $a1 == 10.100.* && $a3 == 10.100.* && $a1 != "$a3" ]] || fail "addresses '$a1' '$a3'"
  wait_for 20 pings 1 c1 "$a3" && wait_for 20 pings 3 c3 "$a1"
}

t_ping_by_name() { wait_for 30 pings 1 c1 c3 && wait_for 30 pings 3 c3 c1; }

t_traffic_crosses_vxlan() {
  local dev tx rx a3
  dev=$(vxlan_of "$ov1")
  tx=$(counter 1 "$dev" tx_packets) && rx=$(counter 1 "$dev" rx_packets) || return 1
  a3=$(ip_of 3 c3 ov1)
  dk 1 exec c1 ping -c 5 -i 0.2 -W 1 "$a3" >/dev/null || fail "ping failed"
  (($(counter 1 "$dev" tx_packets) >= tx + 5)) || fail "$dev sent $(($(counter 1 "$dev" tx_packets) - tx)) packets"
  (($(counter 1 "$dev" rx_packets) >= rx + 5)) || fail "$dev received $(($(counter 1 "$dev" rx_packets) - rx)) packets"
}

t_mtu_and_gateway_bridge() {
  [[ $(counter 1 "$(vxlan_of "$ov1")" ../mtu) == 1450 ]] || fail "VXLAN MTU $(counter 1 "$(vxlan_of "$ov1")" ../mtu)"
  [[ $(dk 1 exec c1 cat /sys/class/net/eth0/mtu) == 1450 ]] || fail "container MTU"
  # No gateway from the plugin: dockerd added docker_gwbridge (eth1) and the default route.
  dk 1 exec c1 ip route | grep -q '^default .* dev eth1' || fail "no default route via eth1: $(dk 1 exec c1 ip route)"
}

t_global_service_dnsrr() {
  local i cid addrs a
  dk 1 service create --detach --name gs --mode global --endpoint-mode dnsrr --network ov1 \
    --no-resolve-image --stop-grace-period 1s busybox:dknet sleep 3600 >/dev/null || return 1
  wait_for 120 service_runs_everywhere gs || return 1
  for i in "${nodes[@]}"; do
    cid=$(task_on "$i" gs)
    [[ -n $cid ]] || fail "no task on node $i"
    wait_for 30 eval "[[ \$(task_addresses $i $cid | wc -l) == 3 ]]" ||
      fail "node $i: tasks.gs: $(dk "$i" exec "$cid" nslookup tasks.gs)"
    addrs=$(task_addresses "$i" "$cid")
    for a in $addrs; do wait_for 20 pings "$i" "$cid" "$a" || fail "node $i cannot reach $a"; done
  done
}

t_two_networks_are_apart() {
  local ov2 vni2
  dk 1 network create -d "$plugin" --attachable ov2 >/dev/null || return 1
  ov2=$(net_id ov2)
  dk 1 run -d --name d1 --network ov2 busybox:dknet sleep 3600 >/dev/null || return 1
  dk 3 run -d --name d3 --network ov2 busybox:dknet sleep 3600 >/dev/null || return 1
  vni2=$(vni_on 1 "$ov2")
  [[ -n $vni2 && $vni2 != "$vni1" ]] || fail "VXLAN ids '$vni1' and '$vni2'"
  wait_for 20 pings 1 d1 "$(ip_of 3 d3 ov2)" || fail "ov2 itself does not work"
  ! pings 1 d1 "$(ip_of 3 c3 ov1)" || fail "ov2 reaches ov1"
  ! pings 1 c1 "$(ip_of 3 d3 ov2)" || fail "ov1 reaches ov2"
}

# The swarm allocates networks after `docker network create` has returned: a refused
# allocation shows in the manager's log (and the network stays unallocated).
t_taken_vni_refused() {
  dk 1 network create -d "$plugin" -o "vni=$vni1" ovx >/dev/null || return 1
  wait_for 30 grep -aq "VXLAN id $vni1 is already used by network $ov1" "$work/n1/dockerd.log" ||
    fail "no refusal in the manager's log"
  dk 1 network rm ovx >/dev/null
}

t_worker_leaves_and_rejoins() {
  local token cid
  has_peer 1 "$ov1" "$subnet_prefix.12" || fail "precondition: node 1 floods to node 2"
  dk 2 swarm leave >/dev/null || return 1
  wait_for 60 lacks_peer 1 "$ov1" "$subnet_prefix.12" || fail "node 1 kept node 2's entry"
  wait_for 10 lacks_peer 3 "$ov1" "$subnet_prefix.12" || fail "node 3 kept node 2's entry"
  token=$(dk 1 swarm join-token -q worker)
  dk 2 swarm join --token "$token" --advertise-addr "$subnet_prefix.12" "$subnet_prefix.11:2377" >/dev/null || return 1
  wait_for 60 has_peer 1 "$ov1" "$subnet_prefix.12" || fail "node 1 has no entry for node 2 again"
  wait_for 120 eval "[[ -n \$(task_on 2 gs) ]]" || fail "no task on node 2 again"
  cid=$(task_on 2 gs)
  wait_for 30 pings 2 "$cid" "$(ip_of 1 c1 ov1)" || fail "node 2's task does not reach c1"
  wait_for 30 pings 1 c1 "$(ip_of 2 "$cid" ov1)" || fail "c1 does not reach node 2's task"
}

# plugin_pid N: the pid of the plugin's process on node N.
plugin_pid() {
  local p cmdline
  for p in $(ip netns pids "dknet-sw$1"); do
    cmdline=$(tr '\0' ' ' <"/proc/$p/cmdline" 2>/dev/null) || continue
    [[ $cmdline == "/usr/bin/dknet-overlay "* ]] && echo "$p"
  done
  return 0
}
# restarted N OLD_PID: node N runs one plugin process, not OLD_PID, and dockerd has it enabled.
restarted() {
  local pids
  pids=$(plugin_pid "$1")
  [[ -n $pids && $pids != *$'\n'* && $pids != "$2" ]] &&
    [[ $(dk "$1" plugin inspect -f '{{.Enabled}}' "$plugin") == true ]]
}

# A killed plugin process is restarted by dockerd itself (its plugin manager re-enables a
# plugin that exits while enabled). No `disable`/`enable` after the kill: racing dockerd's
# own restart, it makes dockerd 28 and 29 restart the plugin in a loop.
t_plugin_restart_on_worker() {
  local started pid new
  started=$(dk 3 inspect -f '{{.State.StartedAt}}' c3)
  dk 3 plugin disable -f "$plugin" >/dev/null && dk 3 plugin enable "$plugin" >/dev/null || return 1
  wait_for 30 pings 3 c3 "$(ip_of 1 c1 ov1)" || fail "c3 does not reach c1 after disable/enable"
  wait_for 30 pings 1 c1 "$(ip_of 3 c3 ov1)" || fail "c1 does not reach c3 after disable/enable"
  pid=$(plugin_pid 3)
  [[ -n $pid ]] || fail "no plugin process on node 3"
  kill -KILL "$pid"
  wait_for 30 restarted 3 "$pid" || fail "dockerd did not restart the killed plugin"
  new=$(plugin_pid 3)
  wait_for 30 pings 3 c3 "$(ip_of 1 c1 ov1)" || fail "c3 does not reach c1 after a kill"
  wait_for 30 pings 1 c1 c3 || fail "c1 does not reach c3 by name after a kill"
  [[ $(dk 3 inspect -f '{{.State.StartedAt}}' c3) == "$started" ]] || fail "c3 was restarted"
  # The same process a few seconds later: restarted once, not in a loop.
  sleep 3
  [[ $(plugin_pid 3) == "$new" ]] || fail "the plugin does not stay up after its restart"
}

# allocated_vni ID: the VXLAN id the manager's plugin allocated for network ID (its log).
allocated_vni() {
  grep -a "VXLAN id allocated network=$1 " "$work/n1/dockerd.log" | tail -n 1 | grep -o 'vni=[0-9]*' | cut -d= -f2
}

# The manager's dockerd restarts (and with it its plugin): the allocations survive, so a
# new network gets an id no other network has; ov1 works again once c1 is started.
t_manager_restart_keeps_allocations() {
  local pid ov4 vni4 taken
  taken=$(for net in ov1 ov2; do allocated_vni "$(net_id $net)"; done)
  [[ $(wc -w <<<"$taken") == 2 ]] || fail "the ids of ov1 and ov2 are not in the manager's log: $taken"
  pid=$(node_pid 1)
  # Stopped at once rather than after dockerd's shutdown timeout (busybox ignores TERM).
  dk 1 kill c1 d1 >/dev/null || return 1
  kill -TERM "$pid"
  wait_for 60 eval "! kill -0 $pid" || fail "node 1's dockerd did not stop"
  launch_dockerd "$label" 1
  wait_node 1 >/dev/null 2>&1 || fail "node 1's dockerd did not start again"
  wait_for 60 eval "[[ \$(dk 1 info -f '{{.Swarm.ControlAvailable}}') == true ]]" || fail "no manager after the restart"
  wait_for 60 dk 1 network create -d "$plugin" --attachable ov4 || fail "network create after the restart"
  ov4=$(net_id ov4)
  wait_for 30 eval "[[ -n \$(allocated_vni $ov4) ]]" || fail "no VXLAN id allocated for ov4"
  vni4=$(allocated_vni "$ov4")
  ! grep -qx "$vni4" <<<"$taken" || fail "ov4 got VXLAN id $vni4, already taken by another network ($taken)"
  dk 1 network rm ov4 >/dev/null
  dk 1 start c1 >/dev/null || return 1
  wait_for 30 pings 1 c1 "$(ip_of 3 c3 ov1)" || fail "c1 does not reach c3 after the restart"
}

t_network_rm_frees_everything() {
  dk 1 service rm gs >/dev/null || return 1
  dk 1 rm -f c1 >/dev/null && dk 3 rm -f c3 >/dev/null || return 1
  wait_for 60 eval "[[ -z \$(task_on 1 gs)\$(task_on 2 gs)\$(task_on 3 gs) ]]" || fail "service tasks left"
  wait_for 30 dk 1 network rm ov1 || fail "network rm ov1 failed"
  wait_for 30 no_devices "$ov1" || fail "devices of ov1 left"
  grep -aq "VXLAN id freed.*vni=$vni1\|vni=$vni1.*VXLAN id freed" "$work/n1/dockerd.log" || fail "no FreeNetwork for $vni1 in the manager's log"
  dk 1 network create -d "$plugin" -o "vni=$vni1" ov3 >/dev/null || fail "VXLAN id $vni1 was not freed"
  dk 1 network rm ov3 >/dev/null
}

checks_run() {
  check_passed=0
  check_failed=0
  check "network create on the manager; containers on nodes 1 and 3; same VXLAN id, peers flooded" t_network_and_containers
  if ((check_failed > 0)); then return; fi
  ov1=$(net_id ov1)
  vni1=$(vni_on 1 "$ov1")
  check "containers on nodes 1 and 3 ping each other by address" t_ping_by_address
  check "... and by name" t_ping_by_name
  check "the traffic crosses the VXLAN device" t_traffic_crosses_vxlan
  check "MTU lowered by 50; docker_gwbridge gives the default route" t_mtu_and_gateway_bridge
  check "global dnsrr service: one task per node, all reach each other via tasks.gs" t_global_service_dnsrr
  check "two networks: different VXLAN ids, no traffic between them" t_two_networks_are_apart
  check "a VXLAN id already in use is refused (in the manager's log) with a clear error" t_taken_vni_refused
  check "a worker leaves: peers drop its entry; rejoins: traffic returns" t_worker_leaves_and_rejoins
  check "plugin restarted on a worker (disable -f/enable; killed, dockerd restarts it): containers reconnect" t_plugin_restart_on_worker
  check "the manager's dockerd restarts: allocations kept (a new network gets a new id), ov1 works" t_manager_restart_keeps_allocations
  check "network rm: FreeNetwork, VXLAN id reusable, no device left on any node" t_network_rm_frees_everything
}
