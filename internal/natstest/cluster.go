package natstest

import (
	"fmt"
	"net"
	"net/url"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/nats-io/nats-server/v2/server"
)

// Cluster is a JetStream cluster of embedded servers in this process,
// for tests of replicated streams and buckets.
type Cluster struct {
	// URL lists every server's client URL, comma-separated, as nats.url
	// takes it.
	URL     string
	servers []*server.Server
}

// StartCluster starts n clustered JetStream servers on free loopback
// ports and waits until JetStream has a leader; they are shut down when
// the test ends.
func StartCluster(t testing.TB, n int) *Cluster {
	t.Helper()
	routes := make([]*url.URL, n)
	ports := make([]int, n)
	for i := range n {
		ports[i] = freePort(t)
		routes[i] = &url.URL{Scheme: "nats", Host: fmt.Sprintf("127.0.0.1:%d", ports[i])}
	}
	c := &Cluster{}
	var urls []string
	for i := range n {
		opts := &server.Options{
			ServerName: fmt.Sprintf("n%d", i+1),
			Host:       "127.0.0.1",
			Port:       -1,
			JetStream:  true,
			StoreDir:   filepath.Join(t.TempDir(), "js"),
			NoSigs:     true,
			NoLog:      true,
			Cluster:    server.ClusterOpts{Name: "test", Host: "127.0.0.1", Port: ports[i]},
			Routes:     routes,
		}
		s, err := server.NewServer(opts)
		if err != nil {
			t.Fatal(err)
		}
		go s.Start()
		t.Cleanup(func() { s.Shutdown(); s.WaitForShutdown() })
		if !s.ReadyForConnections(15 * time.Second) {
			t.Fatalf("cluster server %d did not start", i+1)
		}
		c.servers = append(c.servers, s)
		urls = append(urls, s.ClientURL())
	}
	c.URL = strings.Join(urls, ",")
	deadline := time.Now().Add(30 * time.Second)
	for !c.ready() {
		if time.Now().After(deadline) {
			t.Fatal("the JetStream cluster elected no leader within 30s")
		}
		time.Sleep(50 * time.Millisecond)
	}
	return c
}

func (c *Cluster) ready() bool {
	for _, s := range c.servers {
		if s.JetStreamIsLeader() {
			return true
		}
	}
	return false
}

func freePort(t testing.TB) int {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	return ln.Addr().(*net.TCPAddr).Port
}
