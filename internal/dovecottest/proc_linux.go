package dovecottest

import "syscall"

// procAttr puts Dovecot in its own process group, so Stop can signal the
// master and every child at once, and makes the kernel stop the master if
// the test binary dies without running its cleanups (panic, timeout).
func procAttr() *syscall.SysProcAttr {
	return &syscall.SysProcAttr{Setpgid: true, Pdeathsig: syscall.SIGTERM}
}
