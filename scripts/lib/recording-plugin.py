#!/usr/bin/env python3
"""recording-plugin.py: a Docker network AND IPAM plugin that records what dockerd sends.

    recording-plugin.py SOCKET OUTPUT DAEMON_VERSION

Listens on the unix socket SOCKET (for a legacy plugin /run/docker/plugins/NAME.sock;
inside a managed plugin /run/docker/plugins/<interface.socket>), answers every
`NetworkDriver.*` and `IpamDriver.*` call, and appends one JSON object a line to OUTPUT,
in the order the requests came: daemon, path, accept, content_type, request (the JSON
body, null when empty), response. The Host header of every request is written to
OUTPUT.hosts, one a line. Stops on SIGTERM or SIGINT.

It is independent of dknet, so that a recording shows dockerd's traffic and not what
dknet expects of it, and it is a development tool:
scripts/record-fixtures runs it (by hand, as root, under the suite's lock); nothing in CI
does. Python 3's standard library only, so that it also runs inside a managed plugin
whose rootfs borrows the host's /usr.

The answers are one valid choice each, enough for containers to start:
- IPAM: the requested pool, or 10.250.<n>.0/24 and fd00:250:<n>::/64 for a default one
  (address space CaptureLocal); addresses handed out in order from .11 (the gateway .1
  unless one was requested), released ones not reused. RequiresMACAddress: true.
- network: local scope, GwAllocChecker; CreateEndpoint makes a veth pair
  (rec<9 hex> on the host, cp<9 hex> for the container; dockerd moves it), answering the
  MAC only when dockerd gave none; Join names cp<9 hex> with prefix eth and the
  network's gateways unless it is internal; DeleteEndpoint deletes the pair. Every other
  call (EndpointOperInfo, Leave, Program/RevokeExternalConnectivity, ...) gets an empty
  answer ({"Value": {}} for EndpointOperInfo).
"""

import ipaddress
import json
import os
import signal
import socketserver
import subprocess
import sys
import threading
from http.server import BaseHTTPRequestHandler

MEDIA_TYPE = "application/vnd.docker.plugins.v1.2+json"


class Recorder:
    """The plugin's state and the recording, guarded by one lock."""

    def __init__(self, output, daemon):
        self.output = open(output, "a", encoding="utf-8")
        self.hosts = open(output + ".hosts", "a", encoding="utf-8")
        self.daemon = daemon
        self.lock = threading.Lock()
        self.pools = {}  # pool id -> {"net": ip_network, "next": int}
        self.default_pools = 0
        self.networks = {}  # network id -> {"gateways": [...], "internal": bool}

    def record(self, path, headers, request, response):
        line = {
            "daemon": self.daemon,
            "path": path,
            "accept": headers.get("Accept"),
            "content_type": headers.get("Content-Type"),
            "request": request,
            "response": response,
        }
        self.output.write(json.dumps(line) + "\n")
        self.output.flush()
        self.hosts.write((headers.get("Host") or "") + "\n")
        self.hosts.flush()

    # ----- IPAM ------------------------------------------------------------------

    def request_pool(self, req):
        if req.get("Pool"):
            net = ipaddress.ip_network(req["Pool"], strict=False)
        else:
            n = self.default_pools
            self.default_pools += 1
            text = f"fd00:250:{n}::/64" if req.get("V6") else f"10.250.{n}.0/24"
            net = ipaddress.ip_network(text)
        pool_id = f"pool-{net}"
        if pool_id in self.pools:
            raise ValueError(f"pool {net} is already allocated")
        self.pools[pool_id] = {"net": net, "next": 11}
        return {"PoolID": pool_id, "Pool": str(net), "Data": {}}

    def request_address(self, req):
        pool = self.pools.get(req.get("PoolID"))
        if pool is None:
            raise ValueError(f"no such pool {req.get('PoolID')}")
        net = pool["net"]
        options = req.get("Options") or {}
        if req.get("Address"):
            address = ipaddress.ip_address(req["Address"])
        elif options.get("RequestAddressType") == "com.docker.network.gateway":
            address = net.network_address + 1
        else:
            address = net.network_address + pool["next"]
            pool["next"] += 1
        return {"Address": f"{address}/{net.prefixlen}", "Data": {}}

    # ----- network ---------------------------------------------------------------

    def create_network(self, req):
        options = req.get("Options") or {}
        gateways = [
            data["Gateway"].split("/")[0]
            for data in (req.get("IPv4Data") or []) + (req.get("IPv6Data") or [])
            if data.get("Gateway")
        ]
        self.networks[req["NetworkID"]] = {
            "gateways": gateways,
            "internal": bool(options.get("com.docker.network.internal")),
        }
        return {}

    def create_endpoint(self, req):
        short = req["EndpointID"][:9]
        host, peer = f"rec{short}", f"cp{short}"
        ip("link", "add", host, "type", "veth", "peer", "name", peer)
        ip("link", "set", host, "up")
        mac = (req.get("Interface") or {}).get("MacAddress")
        if mac:
            ip("link", "set", peer, "address", mac)
            return {}
        with open(f"/sys/class/net/{peer}/address", encoding="ascii") as f:
            return {"Interface": {"MacAddress": f.read().strip()}}

    def join(self, req):
        network = self.networks.get(req["NetworkID"], {"gateways": [], "internal": True})
        answer = {
            "InterfaceName": {"SrcName": "cp" + req["EndpointID"][:9], "DstPrefix": "eth"},
            "DisableGatewayService": True,
        }
        if not network["internal"]:
            for gateway in network["gateways"]:
                key = "GatewayIPv6" if ":" in gateway else "Gateway"
                answer.setdefault(key, gateway)
        return answer

    def delete_endpoint(self, req):
        host = "rec" + req["EndpointID"][:9]
        if os.path.exists(f"/sys/class/net/{host}"):
            ip("link", "delete", host)
        return {}

    def answer(self, path, req):
        """The response body for one call (raises ValueError for a refused request)."""
        fixed = {
            "/Plugin.Activate": {"Implements": ["NetworkDriver", "IpamDriver"]},
            "/NetworkDriver.GetCapabilities": {
                "Scope": "local",
                "ConnectivityScope": "local",
                "GwAllocChecker": True,
            },
            "/NetworkDriver.GwAllocCheck": {"SkipIPv4": False, "SkipIPv6": False},
            "/NetworkDriver.EndpointOperInfo": {"Value": {}},
            "/IpamDriver.GetCapabilities": {
                "RequiresMACAddress": True,
                "RequiresRequestReplay": False,
            },
            "/IpamDriver.GetDefaultAddressSpaces": {
                "LocalDefaultAddressSpace": "CaptureLocal",
                "GlobalDefaultAddressSpace": "CaptureGlobal",
            },
        }
        if path in fixed:
            return fixed[path]
        handlers = {
            "/IpamDriver.RequestPool": self.request_pool,
            "/IpamDriver.RequestAddress": self.request_address,
            "/NetworkDriver.CreateNetwork": self.create_network,
            "/NetworkDriver.CreateEndpoint": self.create_endpoint,
            "/NetworkDriver.Join": self.join,
            "/NetworkDriver.DeleteEndpoint": self.delete_endpoint,
        }
        if path == "/IpamDriver.ReleasePool":
            self.pools.pop(req.get("PoolID"), None)
        if path == "/NetworkDriver.DeleteNetwork":
            self.networks.pop(req.get("NetworkID"), None)
        handler = handlers.get(path)
        return handler(req or {}) if handler else {}


def ip(*args):
    subprocess.run(["ip", *args], check=True, capture_output=True, text=True)


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"  # keep-alive, as dockerd expects

    def do_POST(self):
        recorder = self.server.recorder
        length = int(self.headers.get("Content-Length") or 0)
        body = self.rfile.read(length) if length else b""
        status = 200
        try:
            request = json.loads(body) if body.strip() else None
        except ValueError as e:
            request, status, response = None, 400, {"Err": f"malformed JSON: {e}"}
        if status == 200:
            with recorder.lock:
                try:
                    response = recorder.answer(self.path, request)
                except (ValueError, KeyError, subprocess.CalledProcessError) as e:
                    detail = getattr(e, "stderr", "") or e
                    status, response = 500, {"Err": f"{self.path}: {detail}"}
                recorder.record(self.path, self.headers, request, response)
        data = json.dumps(response).encode()
        self.send_response(status)
        self.send_header("Content-Type", MEDIA_TYPE)
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def log_message(self, format, *args):  # one line per call on stderr
        sys.stderr.write("recording-plugin: " + (format % args) + "\n")


class Server(socketserver.ThreadingMixIn, socketserver.UnixStreamServer):
    daemon_threads = True

    def get_request(self):
        connection, _ = super().get_request()
        return connection, ("local", 0)  # BaseHTTPRequestHandler wants a (host, port)


def main():
    if len(sys.argv) != 4:
        sys.exit("usage: recording-plugin.py SOCKET OUTPUT DAEMON_VERSION")
    socket_path, output, daemon = sys.argv[1:]
    os.makedirs(os.path.dirname(socket_path), exist_ok=True)
    if os.path.exists(socket_path):
        os.unlink(socket_path)
    server = Server(socket_path, Handler)
    server.recorder = Recorder(output, daemon)

    def stop(*_):
        threading.Thread(target=server.shutdown).start()

    signal.signal(signal.SIGTERM, stop)
    signal.signal(signal.SIGINT, stop)
    try:
        server.serve_forever()
    finally:
        server.server_close()
        os.unlink(socket_path)


if __name__ == "__main__":
    main()
