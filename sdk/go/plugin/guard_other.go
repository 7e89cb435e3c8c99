//go:build !(linux || darwin || dragonfly || freebsd || netbsd || openbsd)

package plugin

import "os"

// guardStdout reserves stdout for the protocol. Where the standard library offers no dup2
// (Windows, Plan 9...), only the os.Stdout variable is redirected to stderr: fmt.Println and the
// log package are caught, a write to the raw descriptor or handle is not.
func guardStdout() (*os.File, error) {
	protocol := os.Stdout
	os.Stdout = os.Stderr
	return protocol, nil
}
