// Command fctl-plugin is fctl-plugin-wallets: `fctl wallets list` and `fctl wallets show <id>`,
// against the wallets API under /api/wallets/v1. Its version is the service's, injected at build
// time (docs/sdk-go.md, "The version variable"):
//
//	go build -o fctl-plugin-wallets -ldflags "-X github.com/fctl-plugin-kit/fctl-plugin-kit/sdk/go/plugin.version=$(cat ../../VERSION)" .
package main

import "github.com/fctl-plugin-kit/fctl-plugin-kit/sdk/go/plugin"

func main() {
	plugin.Serve(New())
}
