package plugin

import "syscall"

func redirectFd(from, to int) error { return syscall.Dup3(from, to, 0) }
