// Package plugin is the Go SDK for fctl plugins: a plugin is a separate process that fctl starts
// and talks to in line-delimited JSON over stdin and stdout (docs/protocol.md, versions 1 and 2).
//
// Define a Plugin (name, description, persistent flags, a tree of Commands with typed flags,
// arguments and display schemas) and hand it to Serve from main:
//
//	func main() {
//		plugin.Serve(&plugin.Plugin{
//			Name:        "ledger",
//			Description: "Ledger v2",
//			Commands: []*plugin.Command{{
//				Use: "transactions", Short: "Read transactions",
//				Commands: []*plugin.Command{{
//					Use: "list", Short: "List transactions",
//					Flags: []plugin.Flag{plugin.IntFlag{Name: "page-size", Description: "Page size", Default: plugin.IntDefault(15)}},
//					Run: func(ctx context.Context, call *plugin.Call) (any, error) {
//						req, _ := http.NewRequestWithContext(ctx, "GET", "/api/ledger/v2/default/transactions", nil)
//						resp, err := call.HTTP.Do(req)
//						...
//					},
//				}},
//			}},
//		})
//	}
//
// Serve does the handshake guard, version negotiation (the highest version both sides speak),
// both conversations, flag and argument checking, cancellation (ctx), the protocol's limits,
// and end of stdin. Call.HTTP is an *http.Client whose transport is brokered by fctl under
// protocol v2 (http.request / http.response; the plugin never holds the token) and direct under
// v1 (the SDK adds the execute's token): handler code is the same for both.
//
// Test commands in process with Invoke. The version in the manifest is the package variable
// version, set at build time with
//
//	-ldflags "-X github.com/fctl-plugin-kit/fctl-plugin-kit/sdk/go/plugin.version=3.2.0"
//
// and "dev" otherwise. See docs/sdk-go.md.
package plugin
