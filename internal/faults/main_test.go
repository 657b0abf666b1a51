package faults

import (
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"testing"

	"mailassist/internal/natstest"
)

// binary is the mailassist binary the suite runs, built once.
var binary string

func TestMain(m *testing.M) {
	natstest.ServeIfChild()
	dir, err := os.MkdirTemp("", "mailassist-faults-")
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	binary = filepath.Join(dir, "mailassist")
	build := exec.Command("go", "build", "-o", binary, "./cmd/mailassist")
	build.Dir = filepath.Join("..", "..")
	build.Stdout, build.Stderr = os.Stderr, os.Stderr
	if err := build.Run(); err != nil {
		fmt.Fprintln(os.Stderr, "faults: building mailassist:", err)
		os.RemoveAll(dir)
		os.Exit(1)
	}
	code := m.Run()
	os.RemoveAll(dir)
	os.Exit(code)
}
