//go:build unix && !linux

package dovecottest

import "syscall"

// procAttr puts Dovecot in its own process group, so Stop can signal the
// master and every child at once.
func procAttr() *syscall.SysProcAttr {
	return &syscall.SysProcAttr{Setpgid: true}
}

// groupAlive reports whether any process of the group still exists.
func groupAlive(pgid int) bool {
	return syscall.Kill(-pgid, 0) == nil
}
