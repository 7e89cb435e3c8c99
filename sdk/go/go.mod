module github.com/fctl-plugin-kit/fctl-plugin-kit/sdk/go

go 1.26

toolchain go1.26.8
