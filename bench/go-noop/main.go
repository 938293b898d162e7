// A no-op network plugin written with docker/go-plugins-helpers, for the
// benchmark's Go comparison (see BENCHMARKS.md for how to build it).
// Usage: go-noop SOCKET
package main

import (
	"log"
	"net"
	"os"

	"github.com/docker/go-plugins-helpers/network"
)

type noop struct{}

func (noop) GetCapabilities() (*network.CapabilitiesResponse, error) {
	return &network.CapabilitiesResponse{Scope: network.LocalScope}, nil
}
func (noop) CreateNetwork(*network.CreateNetworkRequest) error { return nil }
func (noop) AllocateNetwork(*network.AllocateNetworkRequest) (*network.AllocateNetworkResponse, error) {
	return &network.AllocateNetworkResponse{}, nil
}
func (noop) DeleteNetwork(*network.DeleteNetworkRequest) error { return nil }
func (noop) FreeNetwork(*network.FreeNetworkRequest) error     { return nil }
func (noop) CreateEndpoint(*network.CreateEndpointRequest) (*network.CreateEndpointResponse, error) {
	return &network.CreateEndpointResponse{}, nil
}
func (noop) DeleteEndpoint(*network.DeleteEndpointRequest) error { return nil }
func (noop) EndpointInfo(*network.InfoRequest) (*network.InfoResponse, error) {
	return &network.InfoResponse{}, nil
}
func (noop) Join(*network.JoinRequest) (*network.JoinResponse, error) {
	return &network.JoinResponse{}, nil
}
func (noop) Leave(*network.LeaveRequest) error                   { return nil }
func (noop) DiscoverNew(*network.DiscoveryNotification) error    { return nil }
func (noop) DiscoverDelete(*network.DiscoveryNotification) error { return nil }
func (noop) ProgramExternalConnectivity(*network.ProgramExternalConnectivityRequest) error {
	return nil
}
func (noop) RevokeExternalConnectivity(*network.RevokeExternalConnectivityRequest) error {
	return nil
}

func main() {
	if len(os.Args) != 2 {
		log.Fatal("usage: go-noop SOCKET")
	}
	listener, err := net.Listen("unix", os.Args[1])
	if err != nil {
		log.Fatal(err)
	}
	log.Fatal(network.NewHandler(noop{}).Serve(listener))
}
