//go:build darwin || dragonfly || freebsd || netbsd || openbsd

package plugin

import "syscall"

func redirectFd(from, to int) error { return syscall.Dup2(from, to) }
