package plugin

// version is the plugin's version: the service version it was built from, injected at build time
// (never written by hand, docs/protocol.md section 8):
//
//	go build -ldflags "-X github.com/fctl-plugin-kit/fctl-plugin-kit/sdk/go/plugin.version=3.2.0"
//
// Without it the manifest says "dev", as for a build from source.
var version = "dev"

// Version is the version injected at build time, or "dev".
func Version() string { return version }
