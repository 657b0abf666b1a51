package main

import (
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"errors"
	"fmt"
	"log/slog"
	"math/big"
	"net"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/emersion/go-imap/v2"
	"github.com/nats-io/jwt/v2"
	"github.com/nats-io/nats-server/v2/server"
	"github.com/nats-io/nats.go"
	"github.com/nats-io/nkeys"

	"mailassist/bus"
	"mailassist/configs"
	"mailassist/internal/memimap"
)

// A creds file per role (operator mode: JWTs whose permissions are the
// role's) works the same: apply carries out an action, ingest may not
// forge one.
func TestRoleCredsFiles(t *testing.T) {
	dir := t.TempDir()
	op, _ := nkeys.CreateOperator()
	opPub, _ := op.PublicKey()
	oc := jwt.NewOperatorClaims(opPub)
	opJWT, err := oc.Encode(op)
	if err != nil {
		t.Fatal(err)
	}
	opClaims, err := jwt.DecodeOperatorClaims(opJWT)
	if err != nil {
		t.Fatal(err)
	}
	resolver := &server.MemAccResolver{}
	account := func(js bool) (nkeys.KeyPair, string) {
		kp, _ := nkeys.CreateAccount()
		pub, _ := kp.PublicKey()
		ac := jwt.NewAccountClaims(pub)
		if js {
			ac.Limits.JetStreamLimits = jwt.JetStreamLimits{MemoryStorage: -1, DiskStorage: -1, Streams: -1, Consumer: -1}
		}
		accJWT, err := ac.Encode(op)
		if err != nil {
			t.Fatal(err)
		}
		resolver.Store(pub, accJWT)
		return kp, pub
	}
	_, sysPub := account(false)
	acc, _ := account(true)
	for _, r := range append([]string{adminRole}, roleNames()...) {
		ukp, _ := nkeys.CreateUser()
		upub, _ := ukp.PublicKey()
		uc := jwt.NewUserClaims(upub)
		if p, ok := rolePermissions(r); ok {
			uc.Pub.Allow.Add(p.Publish...)
			uc.Sub.Allow.Add(p.Subscribe...)
		}
		userJWT, err := uc.Encode(acc)
		if err != nil {
			t.Fatal(err)
		}
		seed, _ := ukp.Seed()
		creds, err := jwt.FormatUserConfig(userJWT, seed)
		if err != nil {
			t.Fatal(err)
		}
		os.WriteFile(filepath.Join(dir, r+".creds"), creds, 0o600)
	}
	url, violated := startServer(t, &server.Options{
		TrustedOperators: []*jwt.OperatorClaims{opClaims}, AccountResolver: resolver, SystemAccount: sysPub,
	})
	checkRoles(t, dir, fmt.Sprintf(`{url: %q, creds_file: "%s/{role}.creds"}`, url, dir), violated)
}

// A client certificate per role, mapped to a user with the role's
// permissions (mutual TLS, verify_and_map), works the same.
func TestRoleClientCertificates(t *testing.T) {
	dir := t.TempDir()
	ca := newCA(t, dir)
	serverCert := ca.issue(t, dir, "server", "localhost", true)
	users := []*server.User{}
	for _, r := range append([]string{adminRole}, roleNames()...) {
		ca.issue(t, dir, r, "mailassist-"+r, false)
		u := &server.User{Username: "CN=mailassist-" + r}
		if p, ok := rolePermissions(r); ok {
			u.Permissions = &server.Permissions{
				Publish: &server.SubjectPermission{Allow: p.Publish}, Subscribe: &server.SubjectPermission{Allow: p.Subscribe},
			}
		}
		users = append(users, u)
	}
	tlsConfig, err := server.GenTLSConfig(&server.TLSConfigOpts{
		CertFile: serverCert + ".pem", KeyFile: serverCert + ".key", CaFile: ca.file, Verify: true, Map: true,
	})
	if err != nil {
		t.Fatal(err)
	}
	url, violated := startServer(t, &server.Options{TLSConfig: tlsConfig, TLSVerify: true, TLSMap: true, Users: users})
	url = "tls://" + url[strings.Index(url, "://")+3:]
	checkRoles(t, dir, fmt.Sprintf(`{url: %q, ca_file: %q, cert_file: "%s/{role}.pem", key_file: "%s/{role}.key"}`, url, ca.file, dir, dir), violated)
}

func startServer(t *testing.T, opts *server.Options) (string, *violations) {
	t.Helper()
	opts.Host, opts.Port, opts.JetStream, opts.StoreDir, opts.NoSigs = "127.0.0.1", -1, true, t.TempDir(), true
	srv, err := server.NewServer(opts)
	if err != nil {
		t.Fatal(err)
	}
	v := &violations{}
	srv.SetLoggerV2(v, false, false, false)
	go srv.Start()
	if !srv.ReadyForConnections(10 * time.Second) {
		t.Fatal("nats-server did not start")
	}
	t.Cleanup(srv.Shutdown)
	return srv.ClientURL(), v
}

// checkRoles: the admin sets the bus up, apply (with its own credentials)
// carries out an action, and ingest's forged action is refused.
func checkRoles(t *testing.T, dir, natsYAML string, violated *violations) {
	t.Helper()
	box := memimap.Start(t)
	uid := box.Append(t, "INBOX", []byte("From: b@example.org\r\nMessage-Id: <m1@x>\r\nSubject: hi\r\n\r\nhello\r\n"))
	st, err := box.User.Status("INBOX", &imap.StatusOptions{UIDValidity: true})
	if err != nil {
		t.Fatal(err)
	}
	pw := filepath.Join(dir, "pw")
	os.WriteFile(pw, []byte(memimap.Password), 0o600)
	cfgPath := filepath.Join(dir, "mailassist.yaml")
	os.WriteFile(cfgPath, []byte(fmt.Sprintf(`data_dir: %s/data
log: {level: error}
nats: %s
http: {listen: ""}
accounts:
  - name: alice
    address: alice@example.org
    imap: {host: 127.0.0.1, port: %d, tls: none, username: alice, password_file: %s}
`, dir, natsYAML, box.Port, pw)), 0o600)
	if out, err := execute(t, "setup", "--config", cfgPath); err != nil {
		t.Fatalf("setup as admin: %v\n%s", err, out)
	}
	cfg, err := configs.Load(cfgPath)
	if err != nil {
		t.Fatal(err)
	}

	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	apply := roles()[slices.IndexFunc(roles(), func(r role) bool { return r.name == "apply" })]
	go func() { done <- serve(ctx, cfgPath, "apply", embedNever, []role{apply}) }()
	defer func() {
		cancel()
		if err := <-done; err != nil {
			t.Errorf("apply: %v", err)
		}
	}()

	admin := openAs(t, cfg, adminRole)
	act := bus.NewAction(bus.Ref{ID: bus.Identity("alice", st.UIDValidity, uint32(uid)), Account: "alice", Mailbox: "INBOX",
		UIDValidity: st.UIDValidity, UID: uint32(uid), MessageID: "m1@x"}, bus.ActionFlags, "test")
	act.AddFlags = []string{"$Checked"}
	if err := admin.PublishAction(context.Background(), act); err != nil {
		t.Fatal(err)
	}
	c := box.Dial(t)
	defer func() {
		if t.Failed() {
			t.Logf("refusals: %v", violated.list())
		}
	}()
	waitFor(t, "apply to set the flag", func() bool {
		if _, err := c.Select("INBOX", nil).Wait(); err != nil {
			return false
		}
		msgs, err := c.Fetch(imap.UIDSetNum(uid), &imap.FetchOptions{Flags: true}).Collect()
		return err == nil && len(msgs) == 1 && slices.ContainsFunc(msgs[0].Flags, func(f imap.Flag) bool {
			return strings.EqualFold(string(f), "$Checked") // the in-memory server lower-cases keywords
		})
	})

	co := cfg.NATS.ConnectOptions("ingest")
	nc, err := bus.Connect(co, slog.New(slog.DiscardHandler))
	if err != nil {
		t.Fatal(err)
	}
	defer nc.Close()
	nc.Publish(bus.Subject(bus.KindAction, "alice"), []byte(`{"v":1}`))
	nc.Flush()
	waitFor(t, "ingest's forged action refused", func() bool { return errors.Is(nc.LastError(), nats.ErrPermissionViolation) })
	if v := violated.list(); len(v) != 1 {
		t.Errorf("want exactly the forged action refused, got:\n%v", v)
	}
}

func openAs(t *testing.T, cfg *configs.Config, role string) *bus.Bus {
	t.Helper()
	nc, err := bus.Connect(cfg.NATS.ConnectOptions(role), slog.New(slog.DiscardHandler))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(nc.Close)
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	b, err := bus.Open(ctx, nc, busOptions(cfg))
	if err != nil {
		t.Fatal(err)
	}
	return b
}

type testCA struct {
	cert *x509.Certificate
	key  *ecdsa.PrivateKey
	file string
}

func newCA(t *testing.T, dir string) *testCA {
	t.Helper()
	key, _ := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	tmpl := &x509.Certificate{
		SerialNumber: big.NewInt(1), Subject: pkix.Name{CommonName: "mailassist test CA"},
		NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(24 * time.Hour),
		KeyUsage: x509.KeyUsageCertSign, BasicConstraintsValid: true, IsCA: true,
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		t.Fatal(err)
	}
	cert, _ := x509.ParseCertificate(der)
	file := filepath.Join(dir, "ca.pem")
	os.WriteFile(file, pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der}), 0o644)
	return &testCA{cert: cert, key: key, file: file}
}

// issue writes name.pem and name.key: a certificate for cn, a server's
// (for 127.0.0.1 and localhost) or a client's.
func (ca *testCA) issue(t *testing.T, dir, name, cn string, isServer bool) string {
	t.Helper()
	key, _ := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	serial, _ := rand.Int(rand.Reader, big.NewInt(1<<62))
	tmpl := &x509.Certificate{
		SerialNumber: serial, Subject: pkix.Name{CommonName: cn},
		NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(24 * time.Hour),
		KeyUsage: x509.KeyUsageDigitalSignature, ExtKeyUsage: []x509.ExtKeyUsage{x509.ExtKeyUsageClientAuth},
	}
	if isServer {
		tmpl.ExtKeyUsage = []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth}
		tmpl.DNSNames, tmpl.IPAddresses = []string{"localhost"}, []net.IP{net.IPv4(127, 0, 0, 1)}
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, ca.cert, &key.PublicKey, ca.key)
	if err != nil {
		t.Fatal(err)
	}
	keyDER, _ := x509.MarshalPKCS8PrivateKey(key)
	base := filepath.Join(dir, name)
	os.WriteFile(base+".pem", pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der}), 0o644)
	os.WriteFile(base+".key", pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: keyDER}), 0o600)
	return base
}
