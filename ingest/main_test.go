package ingest_test

import (
	"os"
	"testing"

	"mailassist/internal/natstest"
)

func TestMain(m *testing.M) {
	natstest.ServeIfChild() // when this binary is a test's NATS server
	os.Exit(m.Run())
}
