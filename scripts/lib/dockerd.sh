# shellcheck shell=bash
# dockerd.sh: start and stop a PRIVATE Docker daemon for the real-Docker tests.
# Source it (bash, as root), after scripts/install-docker has run:
#
#   . scripts/lib/dockerd.sh
#   r=/var/cache/dknet/docker-28/root
#   dockerd_start 28 "$r/usr/sbin:$r/usr/bin" /var/tmp/dknet-docker/28
#   (29: "/var/cache/dknet/docker-29/bin:$r/usr/bin", its dockerd, docker-proxy and
#   runc with 28's containerd and CLI)
#   "$DKNET_DOCKER_CLI" -H "$DKNET_DOCKER_HOST" run --rm busybox:dknet true
#   dockerd_stop /var/tmp/dknet-docker/28
#
# dockerd_start LABEL BIN_DIRS WORKDIR
#   BIN_DIRS (colon-separated) are searched before $PATH for dockerd, containerd,
#   its shim, docker-proxy, runc and the docker CLI; docker-init and iptables
#   come from $PATH (bookworm's), and so does runc unless BIN_DIRS has one (29
#   brings runc 1.4.3: bookworm's cannot make the time namespace 29 asks for).
#   Everything the daemon owns lives in WORKDIR: docker.sock, docker.pid,
#   dockerd.log, data/ (--data-root), exec/ (--exec-root), containerd/ (its own
#   containerd: socket, state, pid, log), bin/docker (the matching CLI) and
#   bin/runc (the runc its containers run with, used again by dockerd_stop). Networking and firewall are Docker's
#   defaults (docker0, iptables on). The image busybox:dknet is imported.
#   Sets DKNET_DOCKER_HOST (unix://WORKDIR/docker.sock), DKNET_DOCKER_CLI and
#   DKNET_DOCKERD_VERSION (e.g. 28.5.2), all exported. Refuses to run while any
#   other dockerd runs: docker0 and the DOCKER firewall chains are host-wide.
#   Extra dockerd flags may be given in DKNET_DOCKERD_ARGS (e.g. --debug), and the
#   firewall backend in DKNET_DOCKERD_FIREWALL (iptables, the default, or nftables:
#   --firewall-backend=nftables, Docker 28.1 and later).
# dockerd_run WORKDIR COMMAND [ARG...]
#   Runs COMMAND as a client of that daemon: DOCKER_HOST is its socket and WORKDIR/bin
#   (a private folder of links: the matching docker CLI and runc) comes first in
#   PATH. BIN_DIRS never enter COMMAND's PATH, so the cargo and rustc it runs are
#   the caller's (for 20.10, BIN_DIRS are /usr/sbin:/usr/bin, where a distribution's
#   older cargo may live); scripts/tests/path-keeps-toolchain checks it.
# dockerd_stop WORKDIR [LINK...]
#   Stops that daemon and its containerd by pid, removes its containers, mounts,
#   bridges and firewall rules, restores ip_forward and the FORWARD policies as
#   they were before dockerd_start, and deletes WORKDIR. Safe to call twice.
#   The LINKs given (e.g. what plugins under test left behind) are deleted too,
#   with every firewall rule that names them.

DKNET_CACHE=${DKNET_CACHE:-/var/cache/dknet}
_DK_SYSCTLS=(net/ipv4/ip_forward net/ipv6/conf/all/forwarding
  net/bridge/bridge-nf-call-iptables net/bridge/bridge-nf-call-ip6tables)

_dk() { echo "dockerd.sh: $*" >&2; }
_dk_since() { awk -v a="$1" -v b="$EPOCHREALTIME" 'BEGIN { printf "%.1f", b - a }'; }

# _dk_alive PID COMM: is PID a live (not zombie) process named COMM?
_dk_alive() {
  local comm state
  [[ -n $1 ]] && read -r _ comm state _ 2>/dev/null <"/proc/$1/stat" &&
    [[ $comm == "($2)" && $state != Z ]]
}

# _dk_which NAME DIRS: first executable NAME in DIRS, then in $PATH.
_dk_which() {
  local d dirs
  IFS=: read -ra dirs <<<"$2:$PATH"
  for d in "${dirs[@]}"; do
    [[ -f $d/$1 && -x $d/$1 ]] && { echo "$d/$1"; return 0; }
  done
  _dk "$1 not found in $2:$PATH"
  return 1
}

_dk_dockerd_pids() {
  local p
  for p in /proc/[0-9]*; do
    _dk_alive "${p#/proc/}" dockerd && echo "${p#/proc/}"
  done
  return 0
}

# _dk_wait_gone PID COMM SECONDS: wait for PID to exit, SIGKILL it after SECONDS.
_dk_wait_gone() {
  local i
  for ((i = 0; i < $3 * 10; i++)); do
    _dk_alive "$1" "$2" || return 0
    sleep 0.1
  done
  _dk "$2 (pid $1) did not exit within $3 s: SIGKILL"
  kill -KILL "$1" 2>/dev/null
  for ((i = 0; i < 50; i++)); do
    _dk_alive "$1" "$2" || return 0
    sleep 0.1
  done
  return 1
}

# Remove Docker's firewall footprint for the interfaces given: every rule that
# jumps to a DOCKER* chain or names one of them, then the DOCKER* chains. That
# covers every layout: DOCKER-ISOLATION-STAGE-1/2 (20.10, 28), DOCKER-FORWARD,
# DOCKER-BRIDGE, DOCKER-CT (28, 29), DOCKER-INTERNAL (29), DOCKER-USER, in the
# filter, nat, raw and mangle tables of both families; and the nftables backend's
# docker-bridges tables.
_dk_fw_clean() {
  local ipt t chain ifs family
  local -a rule
  ifs=$(printf '%s|' "$@")
  if command -v nft >/dev/null; then
    for family in ip ip6; do
      if nft list table "$family" docker-bridges >/dev/null 2>&1; then
        nft delete table "$family" docker-bridges
      fi
    done
  fi
  for ipt in iptables ip6tables; do
    command -v "$ipt" >/dev/null || continue
    for t in filter nat raw mangle; do
      "$ipt" -t "$t" -S >/dev/null 2>&1 || continue
      while read -r -a rule; do
        rule[0]=-D
        "$ipt" -t "$t" "${rule[@]}" 2>/dev/null || true
      done < <("$ipt" -t "$t" -S | grep -v '^-A DOCKER' |
        grep -E -e '^-A .*-j DOCKER' -e "^-A .*-[io] (${ifs%|})( |$)")
      for chain in $("$ipt" -t "$t" -S | awk '$1 == "-N" && $2 ~ /^DOCKER/ {print $2}'); do
        "$ipt" -t "$t" -F "$chain"
      done
      for chain in $("$ipt" -t "$t" -S | awk '$1 == "-N" && $2 ~ /^DOCKER/ {print $2}'); do
        "$ipt" -t "$t" -X "$chain"
      done
    done
  done
}

# Delete the bridges given, docker0 and any br-<12 hex> bridge (Docker's names
# for user-defined networks), with their firewall rules. Only while no dockerd runs.
_dk_net_clean() {
  local b
  local -a ifs=("$@" docker0)
  [[ -z $(_dk_dockerd_pids) ]] || return 0
  mapfile -t -O "${#ifs[@]}" ifs < <(ip -o link show type bridge |
    awk -F': ' '{print $2}' | grep -E '^br-[0-9a-f]{12}$')
  for b in "${ifs[@]}"; do
    if ip link show "$b" >/dev/null 2>&1; then ip link delete "$b" || return 1; fi
  done
  _dk_fw_clean "${ifs[@]}"
}

_dk_save_host() {
  local k ipt
  for k in "${_DK_SYSCTLS[@]}"; do
    [[ -r /proc/sys/$k ]] && echo "$k $(cat "/proc/sys/$k")"
  done
  for ipt in iptables ip6tables; do
    command -v "$ipt" >/dev/null && echo "$ipt $("$ipt" -S FORWARD | awk '$1 == "-P" {print $3}')"
  done
  return 0
}

_dk_restore_host() {
  local k v
  [[ -r $1 ]] || return 0
  while read -r k v; do
    case $k in
      iptables | ip6tables) [[ -n $v ]] && "$k" -P FORWARD "$v" ;;
      *) [[ $(cat "/proc/sys/$k") == "$v" ]] || echo "$v" >"/proc/sys/$k" ;;
    esac
  done <"$1"
}

dockerd_start() {
  local label=$1 bindirs=$2 w=$3 dockerd containerd cli runc pid others i t0=$EPOCHREALTIME
  local -a extra
  [[ $# -eq 3 && $w == /* ]] || { _dk "usage: dockerd_start LABEL BIN_DIRS /abs/WORKDIR"; return 2; }
  [[ -e $DKNET_CACHE/busybox-rootfs.complete ]] || { _dk "run scripts/install-docker first"; return 1; }
  if [[ -e $w ]]; then
    _dk "cleaning up a previous daemon in $w"
    dockerd_stop "$w" || return 1
  fi
  others=$(_dk_dockerd_pids | tr '\n' ' ')
  if [[ -n $others ]]; then
    _dk "another dockerd is running (pid ${others% }); stop it first: docker0 and the firewall are shared"
    return 1
  fi
  dockerd=$(_dk_which dockerd "$bindirs") || return 1
  containerd=$(_dk_which containerd "$bindirs") || return 1
  cli=$(_dk_which docker "$bindirs") || return 1
  runc=$(_dk_which runc "$bindirs") || return 1

  _dk_net_clean || return 1 # leftovers of a daemon killed without dockerd_stop

  mkdir -p "$w"/{data,exec,bin,containerd}
  _dk_save_host >"$w/host-state"
  ln -s "$cli" "$w/bin/docker"
  ln -s "$runc" "$w/bin/runc"
  echo '{}' >"$w/daemon.json" # so /etc/docker/daemon.json is not read
  # Same configuration as the containerd that dockerd would manage itself.
  cat >"$w/containerd/containerd.toml" <<EOF
version = 2
root = "$w/containerd/root"
state = "$w/containerd/state"
disabled_plugins = ["io.containerd.grpc.v1.cri"]
[grpc]
  address = "$w/containerd/containerd.sock"
[plugins."io.containerd.internal.v1.opt"]
  path = "$w/containerd/opt"
EOF
  # Each daemon runs in its own session (no terminal signals); the subshell
  # has no job control, so $! is the daemon's own pid.
  (
    PATH=$bindirs:$PATH setsid "$containerd" --config "$w/containerd/containerd.toml" \
      </dev/null >"$w/containerd/containerd.log" 2>&1 &
    echo $! >"$w/containerd/containerd.pid"
  )
  pid=$(cat "$w/containerd/containerd.pid")
  for ((i = 0; i < 200; i++)); do
    [[ -S $w/containerd/containerd.sock ]] && break
    kill -0 "$pid" 2>/dev/null || break
    sleep 0.1
  done
  if [[ ! -S $w/containerd/containerd.sock ]]; then
    _dk "containerd did not start; $w/containerd/containerd.log ends with:"
    tail -n 30 "$w/containerd/containerd.log" >&2
    dockerd_stop "$w"
    return 1
  fi

  read -ra extra <<<"${DKNET_DOCKERD_ARGS:-}"
  case ${DKNET_DOCKERD_FIREWALL:-iptables} in
    iptables) ;;
    # With nftables, dockerd refuses to switch forwarding on itself (it cannot make other
    # tables drop what it does not accept): the host's business, done here for it
    # (dockerd_stop restores the sysctls).
    nftables)
      extra+=(--firewall-backend=nftables)
      echo 1 >/proc/sys/net/ipv4/ip_forward
      echo 1 >/proc/sys/net/ipv6/conf/all/forwarding
      ;;
    *) _dk "DKNET_DOCKERD_FIREWALL must be iptables or nftables"; dockerd_stop "$w"; return 2 ;;
  esac
  (
    PATH=$bindirs:$PATH setsid "$dockerd" --config-file "$w/daemon.json" --data-root "$w/data" \
      --exec-root "$w/exec" --pidfile "$w/docker.pid" -H "unix://$w/docker.sock" \
      --containerd "$w/containerd/containerd.sock" "${extra[@]}" \
      </dev/null >"$w/dockerd.log" 2>&1 &
    echo $! >"$w/dockerd.launch.pid"
  )
  pid=$(cat "$w/dockerd.launch.pid")
  for ((i = 0; i < 600; i++)); do
    "$cli" -H "unix://$w/docker.sock" info >/dev/null 2>&1 && break
    kill -0 "$pid" 2>/dev/null || { i=600; break; }
    sleep 0.1
  done
  if ((i >= 600)); then
    _dk "dockerd $label did not become ready; $w/dockerd.log ends with:"
    tail -n 40 "$w/dockerd.log" >&2
    dockerd_stop "$w"
    return 1
  fi
  export DKNET_DOCKER_HOST=unix://$w/docker.sock DKNET_DOCKER_CLI=$w/bin/docker DKNET_DOCKERD_VERSION
  DKNET_DOCKERD_VERSION=$("$cli" -H "$DKNET_DOCKER_HOST" version -f '{{.Server.Version}}')
  DKNET_DOCKERD_VERSION=${DKNET_DOCKERD_VERSION%%+*}
  _dk "dockerd $DKNET_DOCKERD_VERSION ($label) ready in $(_dk_since "$t0") s at $DKNET_DOCKER_HOST"
  if ! tar -C "$DKNET_CACHE/busybox-rootfs" -c . |
    "$cli" -H "$DKNET_DOCKER_HOST" import - busybox:dknet >/dev/null; then
    _dk "importing busybox:dknet failed"
    dockerd_stop "$w"
    return 1
  fi
}

dockerd_stop() {
  local w=${1:?usage: dockerd_stop WORKDIR} pid id rest p runc_root rc=0
  local -a ifs=() d
  [[ -d $w ]] || return 0
  pid=$(cat "$w/docker.pid" 2>/dev/null || cat "$w/dockerd.launch.pid" 2>/dev/null || true)
  if _dk_alive "$pid" dockerd; then
    d=("$w/bin/docker" -H "unix://$w/docker.sock")
    # Bridges of user-defined bridge networks: Docker keeps them at shutdown.
    while read -r id rest; do
      [[ -n $id ]] && ifs+=("${rest:-br-${id:0:12}}")
    done < <("${d[@]}" network ls -q --no-trunc --filter driver=bridge 2>/dev/null |
      xargs -r "${d[@]}" network inspect 2>/dev/null \
        -f '{{.Id}} {{with index .Options "com.docker.network.bridge.name"}}{{.}}{{end}}')
    # SIGKILL running containers rather than wait 10 s for each at shutdown.
    "${d[@]}" ps -q 2>/dev/null | timeout 30 xargs -r "${d[@]}" kill >/dev/null 2>&1 || true
    kill -TERM "$pid"
    _dk_wait_gone "$pid" dockerd 60 || rc=1
  fi
  # Containers that outlived a killed dockerd.
  runc_root=$w/exec/runtime-runc/moby
  if [[ -d $runc_root && -x $w/bin/runc ]]; then
    for id in $("$w/bin/runc" --root "$runc_root" list -q 2>/dev/null); do
      "$w/bin/runc" --root "$runc_root" delete --force "$id" || rc=1
    done
  fi
  pid=$(cat "$w/containerd/containerd.pid" 2>/dev/null || true)
  if _dk_alive "$pid" containerd; then
    kill -TERM "$pid"
    _dk_wait_gone "$pid" containerd 20 || rc=1
  fi
  for p in /proc/[0-9]*; do # shims of our containerd
    if tr '\0' ' ' 2>/dev/null <"$p/cmdline" | grep -qF -- "-address $w/containerd/containerd.sock "; then
      kill -KILL "${p#/proc/}" 2>/dev/null || true
    fi
  done
  # Mounts under WORKDIR, deepest first.
  while read -r p; do
    umount "$p" 2>/dev/null || umount -l "$p" || rc=1
  done < <(awk -v w="$w/" 'index($5, w) == 1 {print $5}' /proc/self/mountinfo | sort -r)
  # Network: nothing of ours may outlive the daemon (skip if another dockerd runs).
  if [[ -z $(_dk_dockerd_pids) ]]; then
    _dk_net_clean "${ifs[@]}" "${@:2}" || rc=1
    _dk_restore_host "$w/host-state"
  fi
  rm -rf --one-file-system "$w" || rc=1
  [[ ! -e $w ]] || { _dk "could not remove $w"; rc=1; }
  return "$rc"
}

dockerd_run() {
  local w=$1
  shift
  DOCKER_HOST=unix://$w/docker.sock PATH=$w/bin:$PATH "$@"
}
