// Package tmpfstest mounts a small tmpfs for tests of a full disk, and
// fills and frees it.
package tmpfstest

import (
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"syscall"
	"testing"
)

// Mount mounts a tmpfs of size bytes on a new directory and unmounts it
// when the test ends. It needs root (CAP_SYS_ADMIN): without it the test
// is skipped, or fails when CI=true, where CI runs as root.
func Mount(t testing.TB, size int64) string {
	t.Helper()
	if os.Geteuid() != 0 {
		if os.Getenv("CI") == "true" {
			t.Fatal("tmpfstest: mounting a tmpfs needs root, and CI runs as root")
		}
		t.Skip("tmpfstest: mounting a tmpfs needs root; skipping")
	}
	dir := t.TempDir()
	out, err := exec.Command("mount", "-t", "tmpfs", "-o", fmt.Sprintf("size=%d", size), "tmpfs", dir).CombinedOutput()
	if err != nil {
		t.Fatalf("tmpfstest: mount tmpfs on %s: %v\n%s", dir, err, out)
	}
	t.Cleanup(func() {
		if err := syscall.Unmount(dir, syscall.MNT_DETACH); err != nil {
			t.Errorf("tmpfstest: unmount %s: %v", dir, err)
		}
	})
	return dir
}

// Fill writes a file in dir until the file system is full and returns its
// path; removing it frees the space.
func Fill(t testing.TB, dir string) string {
	t.Helper()
	path := filepath.Join(dir, "filler")
	f, err := os.Create(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	buf := make([]byte, 64<<10)
	for {
		if _, err := f.Write(buf); err != nil {
			if errors.Is(err, syscall.ENOSPC) {
				// and the last few bytes
				for len(buf) > 1 {
					buf = buf[:len(buf)/2]
					for {
						if _, err := f.Write(buf); err != nil {
							break
						}
					}
				}
				return path
			}
			t.Fatalf("tmpfstest: fill %s: %v", dir, err)
		}
	}
}
