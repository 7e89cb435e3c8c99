// Command hello is the Go SDK's example plugin: fctl hello greetings list|get, fctl hello greet.
// Its stack API lives under /api/hello/v1. Build it with its version injected:
//
//	go build -ldflags "-X github.com/fctl-plugin-kit/fctl-plugin-kit/sdk/go/plugin.version=1.4.0" ./examples/hello
package main

import (
	"github.com/fctl-plugin-kit/fctl-plugin-kit/sdk/go/plugin"
)

func main() {
	plugin.Serve(New())
}
