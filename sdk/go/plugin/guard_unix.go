//go:build linux || darwin || dragonfly || freebsd || netbsd || openbsd

package plugin

import (
	"os"
	"syscall"
)

// guardStdout reserves stdout for the protocol. The real stdout is duplicated to a new file
// descriptor that only the SDK writes to, and fd 1 is then pointed at stderr (dup2), with
// os.Stdout following. Redirecting at the descriptor, not only the os.Stdout variable, also
// catches writes that bypass it: cgo, a child process given os.Stdout, a library holding fd 1.
func guardStdout() (*os.File, error) {
	fd, err := syscall.Dup(1)
	if err != nil {
		return nil, err
	}
	syscall.CloseOnExec(fd)
	if err := redirectFd(2, 1); err != nil {
		syscall.Close(fd)
		return nil, err
	}
	os.Stdout = os.Stderr
	return os.NewFile(uintptr(fd), "fctl-protocol"), nil
}
