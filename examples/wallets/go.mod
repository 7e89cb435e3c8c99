module github.com/fctl-plugin-kit/fctl-plugin-kit/examples/wallets

go 1.26

toolchain go1.26.8

require github.com/fctl-plugin-kit/fctl-plugin-kit/sdk/go v0.0.0-00010101000000-000000000000

// This repository builds the plugin against its own SDK. A product repository requires a
// released version instead (go get github.com/fctl-plugin-kit/fctl-plugin-kit/sdk/go@vX.Y.Z)
// and has no replace directive.
replace github.com/fctl-plugin-kit/fctl-plugin-kit/sdk/go => ../../sdk/go
