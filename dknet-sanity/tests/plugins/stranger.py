#!/usr/bin/env python3
"""A Docker network and IPAM plugin written without dknet: Python's http.server on a unix
socket, as a stranger would write one. dknet-sanity's tests check it as such.

Correct by default. Each --break RULE breaks exactly the rule of the dknet-sanity check
of that name (see BREAKS), so that every check is seen failing.

    stranger.py --socket PATH --state FILE [--implements network,ipam] [--scope local]
                [--break RULE]...

State is kept in FILE after every change and read again at start; SIGHUP restarts the
plugin in place (same pid, state from FILE), which is what --restart-cmd uses.
"""

import argparse
import ipaddress
import json
import os
import signal
import socketserver
import sys
import threading
import time
from http.server import BaseHTTPRequestHandler

BREAKS = {
    "handshake.activate": "Implements names no subsystem dockerd knows",
    "handshake.network-capabilities": "Scope \"Local\" (dockerd wants lower case)",
    "handshake.ipam-capabilities": "RequiresMACAddress is the string \"yes\"",
    "answers.shape": "EndpointOperInfo answers 200 with plain text",
    "answers.unknown-method": "an unknown method answers 500, not 404",
    "answers.bad-body": "an empty or broken body is answered 200 {}",
    "sequence.20.10": "CreateNetwork refuses Options without enable_ipv4 (sent from 28 on)",
    "sequence.28": "GwAllocChecker true, and GwAllocCheck fails",
    "sequence.29": "RequestAddress refuses the endpoint name 29 sends",
    "sequence.swarm": "DiscoverNew fails",
    "refuse.create-endpoint-echo": "CreateEndpoint echoes the Address dockerd sent",
    "refuse.join-interface": "Join names SrcName without DstPrefix",
    "refuse.ipam-address-in-pool": "RequestAddress ignores the sub-pool (--ip-range)",
    "refuse.ipam-address-unique": "RequestAddress gives a specific address already held",
    "refuse.ipam-pool-overlap": "RequestPool gives a subnet overlapping one held",
    "rely.deletes-repeated": "DeleteNetwork of an unknown network fails",
    "rely.concurrent-endpoints": "CreateEndpoint fails while another is in progress",
    "rely.time-bound": "EndpointOperInfo takes 3 s",
    "rely.restart": "state is kept in memory only",
}

DEFAULT_V4 = ipaddress.ip_network("10.203.128.0/17")
DEFAULT_V6 = ipaddress.ip_network("fd00:dead:203:8000::/49")


class Plugin:
    def __init__(self, args):
        self.args = args
        self.broken = set(args.breaks)
        self.lock = threading.Lock()
        self.busy = threading.Lock()
        self.state = {"networks": {}, "endpoints": {}, "pools": {}}
        if "rely.restart" not in self.broken and os.path.exists(args.state):
            with open(args.state) as f:
                self.state = json.load(f)

    def save(self):
        if "rely.restart" in self.broken:
            return
        temporary = self.args.state + ".tmp"
        with open(temporary, "w") as f:
            json.dump(self.state, f)
        os.replace(temporary, self.args.state)

    # Answers: (status, body) where body is a dict (sent as JSON) or bytes.
    def call(self, method, body):
        subsystem = method.split(".")[0]
        served = {"Plugin"}
        if "network" in self.args.implements:
            served.add("NetworkDriver")
        if "ipam" in self.args.implements:
            served.add("IpamDriver")
        handler = getattr(self, method.replace(".", "_"), None)
        if subsystem not in served or handler is None:
            if "answers.unknown-method" in self.broken:
                return 500, {"Err": "unknown method " + method}
            return 404, {"Err": "not implemented: " + method}
        needs_body = method not in NO_BODY
        if needs_body and not isinstance(body, dict):
            if "answers.bad-body" in self.broken:
                return 200, {}
            return 400, {"Err": method + ": the body is not a JSON object"}
        try:
            with self.lock:
                return handler(body)
        except Failure as failure:
            return 500, {"Err": str(failure)}

    def Plugin_Activate(self, _):
        names = []
        if "network" in self.args.implements:
            names.append("NetworkDriver")
        if "ipam" in self.args.implements:
            names.append("IpamDriver")
        if "handshake.activate" in self.broken:
            names = ["VolumeDriver"]
        return 200, {"Implements": names}

    def NetworkDriver_GetCapabilities(self, _):
        scope = "Local" if "handshake.network-capabilities" in self.broken else self.args.scope
        return 200, {"Scope": scope, "ConnectivityScope": self.args.scope,
                     "GwAllocChecker": "sequence.28" in self.broken}

    def NetworkDriver_GwAllocCheck(self, _):
        if "sequence.28" in self.broken:
            raise Failure("cannot check gateways")
        return 200, {"SkipIPv4": False, "SkipIPv6": False}

    def NetworkDriver_AllocateNetwork(self, body):
        return 200, {"Options": body.get("Options") or {}}

    def NetworkDriver_FreeNetwork(self, _):
        return 200, {}

    def NetworkDriver_CreateNetwork(self, body):
        options = body.get("Options") or {}
        if "sequence.20.10" in self.broken and "com.docker.network.enable_ipv4" not in options:
            raise Failure("which IPv4 setting? (enable_ipv4 missing)")
        self.state["networks"][body["NetworkID"]] = {"ipv4": body.get("IPv4Data") or []}
        self.save()
        return 200, {}

    def NetworkDriver_DeleteNetwork(self, body):
        if body["NetworkID"] not in self.state["networks"] and "rely.deletes-repeated" in self.broken:
            raise Failure("no such network " + body["NetworkID"])
        self.state["networks"].pop(body["NetworkID"], None)
        self.save()
        return 200, {}

    def NetworkDriver_CreateEndpoint(self, body):
        if "rely.concurrent-endpoints" in self.broken:
            if not self.busy.acquire(blocking=False):
                raise Failure("busy")
            self.lock.release()
            time.sleep(0.05)
            self.lock.acquire()
            self.busy.release()
        network = body["NetworkID"]
        if network not in self.state["networks"]:
            raise Failure("no such network " + network)
        self.state["endpoints"][body["EndpointID"]] = network
        self.save()
        interface = body.get("Interface") or {}
        answer = {}
        if not interface.get("MacAddress"):
            answer["MacAddress"] = "02:42:cb:00:00:%02x" % (len(self.state["endpoints"]) % 256)
        if "refuse.create-endpoint-echo" in self.broken and interface.get("Address"):
            answer["Address"] = interface["Address"]
        return 200, {"Interface": answer}

    def NetworkDriver_DeleteEndpoint(self, body):
        self.state["endpoints"].pop(body["EndpointID"], None)
        self.save()
        return 200, {}

    def NetworkDriver_EndpointOperInfo(self, _):
        if "answers.shape" in self.broken:
            return 200, b"OK"
        if "rely.time-bound" in self.broken:
            self.lock.release()
            time.sleep(3)
            self.lock.acquire()
        return 200, {"Value": {}}

    def NetworkDriver_Join(self, body):
        network = self.state["networks"].get(body["NetworkID"])
        if network is None or body["EndpointID"] not in self.state["endpoints"]:
            raise Failure("no such endpoint " + body["EndpointID"])
        prefix = "" if "refuse.join-interface" in self.broken else "eth"
        answer = {"InterfaceName": {"SrcName": "vs" + body["EndpointID"][:10], "DstPrefix": prefix}}
        gateways = [d.get("Gateway") for d in network["ipv4"] if d.get("Gateway")]
        if gateways:
            answer["Gateway"] = gateways[0].split("/")[0]
        else:
            answer["DisableGatewayService"] = True
        return 200, answer

    def NetworkDriver_Leave(self, _):
        return 200, {}

    def NetworkDriver_DiscoverNew(self, _):
        if "sequence.swarm" in self.broken:
            raise Failure("discovery is not supported")
        return 200, {}

    def NetworkDriver_DiscoverDelete(self, _):
        return 200, {}

    # IPAM

    def IpamDriver_GetCapabilities(self, _):
        mac = "yes" if "handshake.ipam-capabilities" in self.broken else False
        return 200, {"RequiresMACAddress": mac, "RequiresRequestReplay": False}

    def IpamDriver_GetDefaultAddressSpaces(self, _):
        return 200, {"LocalDefaultAddressSpace": "StrangerLocal",
                     "GlobalDefaultAddressSpace": "StrangerGlobal"}

    def overlaps(self, net, space):
        for pool in self.state["pools"].values():
            other = ipaddress.ip_network(pool["pool"])
            if pool["space"] == space and other.version == net.version and net.overlaps(other):
                return True
        return False

    def IpamDriver_RequestPool(self, body):
        space = body.get("AddressSpace", "")
        if body.get("Pool"):
            net = ipaddress.ip_network(body["Pool"], strict=False)
            if self.overlaps(net, space) and "refuse.ipam-pool-overlap" not in self.broken:
                raise Failure("%s overlaps a pool in use" % net)
        else:
            default = DEFAULT_V6 if body.get("V6") else DEFAULT_V4
            size = 64 if body.get("V6") else 24
            net = next((n for n in default.subnets(new_prefix=size) if not self.overlaps(n, space)), None)
            if net is None:
                raise Failure("no free pool")
        pool_id = "%s/%s" % (space, net)
        while pool_id in self.state["pools"]:
            pool_id += "+"
        self.state["pools"][pool_id] = {"pool": str(net), "sub": body.get("SubPool") or "",
                                        "space": space, "held": []}
        self.save()
        return 200, {"PoolID": pool_id, "Pool": str(net), "Data": {}}

    def IpamDriver_ReleasePool(self, body):
        self.state["pools"].pop(body["PoolID"], None)
        self.save()
        return 200, {}

    def IpamDriver_RequestAddress(self, body):
        pool = self.state["pools"].get(body["PoolID"])
        if pool is None:
            raise Failure("no such pool " + body["PoolID"])
        options = body.get("Options") or {}
        # dockerd sends a MAC only to an IPAM that asked (RequiresMACAddress): this one
        # did not, so one here means the caller is not talking like dockerd.
        if "com.docker.network.endpoint.macaddress" in options:
            raise Failure("a MAC address was not asked for")
        if "sequence.29" in self.broken and "com.docker.network.endpoint.name" in options:
            raise Failure("what is this endpoint name?")
        net = ipaddress.ip_network(pool["pool"])
        if body.get("Address"):
            address = ipaddress.ip_address(body["Address"])
            if address not in net:
                raise Failure("%s is not in %s" % (address, net))
            if str(address) in pool["held"] and "refuse.ipam-address-unique" not in self.broken:
                raise Failure("%s is in use" % address)
        else:
            gateway = options.get("RequestAddressType") == "com.docker.network.gateway"
            sub_pool = pool["sub"] and "refuse.ipam-address-in-pool" not in self.broken
            scope = ipaddress.ip_network(pool["sub"]) if sub_pool and not gateway else net
            address = next((a for a in scope.hosts() if str(a) not in pool["held"]), None)
            if address is None:
                raise Failure("%s is full" % scope)
        if str(address) not in pool["held"]:
            pool["held"].append(str(address))
        self.save()
        return 200, {"Address": "%s/%d" % (address, net.prefixlen), "Data": {}}

    def IpamDriver_ReleaseAddress(self, body):
        pool = self.state["pools"].get(body["PoolID"])
        if pool and body.get("Address") in pool["held"]:
            pool["held"].remove(body["Address"])
            self.save()
        return 200, {}


NO_BODY = {"Plugin.Activate", "NetworkDriver.GetCapabilities", "IpamDriver.GetCapabilities",
           "IpamDriver.GetDefaultAddressSpaces"}


class Failure(Exception):
    pass


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def do_POST(self):
        length = int(self.headers.get("Content-Length") or 0)
        raw = self.rfile.read(length)
        try:
            body = json.loads(raw) if raw.strip() else None
        except ValueError:
            body = None
        status, answer = self.server.plugin.call(self.path.lstrip("/"), body)
        data = answer if isinstance(answer, bytes) else json.dumps(answer).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def log_message(self, *_):
        pass


class Server(socketserver.ThreadingMixIn, socketserver.UnixStreamServer):
    daemon_threads = True
    # dockerd opens a connection per concurrent call; the default backlog of 5 refuses some.
    request_queue_size = 64


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--socket", required=True)
    parser.add_argument("--state", required=True)
    parser.add_argument("--implements", default="network,ipam")
    parser.add_argument("--scope", default="local", choices=["local", "global"])
    parser.add_argument("--break", dest="breaks", action="append", default=[], choices=sorted(BREAKS))
    args = parser.parse_args()
    if os.path.exists(args.socket):
        os.unlink(args.socket)
    server = Server(args.socket, Handler)
    server.plugin = Plugin(args)
    # A restart in place: the same pid, the state read again from the file.
    signal.signal(signal.SIGHUP, lambda *_: os.execv(sys.executable, [sys.executable] + sys.argv))
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(0))
    try:
        server.serve_forever()
    finally:
        os.unlink(args.socket)


if __name__ == "__main__":
    main()
