package configs_test

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"mailassist/configs"
	"mailassist/setting"
)

// account is a valid account; cases below change one thing in a copy.
const account = `accounts:
  - name: alice
    address: alice@example.com
    imap:
      host: imap.example.com
      password_env: ALICE_PW
`

// oauthAccount is a valid account with auth oauth2; cases below change
// one thing in a copy.
const oauthAccount = `accounts:
  - name: alice
    address: alice@example.com
    imap:
      host: outlook.office365.com
      auth: oauth2
      oauth2:
        client_id: 00000000-1111-2222-3333-444444444444
        token_url: https://login.microsoftonline.com/common/oauth2/v2.0/token
        device_authorization_url: https://login.microsoftonline.com/common/oauth2/v2.0/devicecode
        scopes: [https://outlook.office.com/IMAP.AccessAsUser.All, offline_access]
`

// llm configures a valid small endpoint; cases below add a key to it
// (on line 4) or change one in a copy.
const llmYAML = `llm:
  small:
    model: qwen2.5:1.5b
`

// problems parses src and returns its problems, failing the test when
// Parse does not return an *Error.
func problems(t *testing.T, src string) []configs.Problem {
	t.Helper()
	cfg, err := configs.Parse("test.yaml", []byte(src))
	var cerr *configs.Error
	if !errors.As(err, &cerr) {
		t.Fatalf("Parse = %+v, %v; want an *Error", cfg, err)
	}
	if cfg != nil {
		t.Errorf("Parse returned a config along with an error")
	}
	return cerr.Problems
}

func TestParseValidAccount(t *testing.T) {
	for _, src := range []string{account, oauthAccount} {
		if _, err := configs.Parse("test.yaml", []byte(src)); err != nil {
			t.Fatalf("Parse: %v", err)
		}
	}
}

// TestParseProblems checks that each kind of mistake gives exactly one
// problem, on the right line and with the right path.
func TestParseProblems(t *testing.T) {
	tests := []struct {
		name string
		src  string
		line int
		path string
		msg  string
	}{
		{"unknown key", "log:\n  level: info\n  colour: true\n", 3, "log.colour", `unknown key "colour"`},
		{"misspelt key", account + "    idle_refrsh: 5m\n", 7, "accounts[0].idle_refrsh", "did you mean idle_refresh?"},
		{"key one level too high", account + "    port: 993\n", 7, "accounts[0].port", "did you mean imap.port?"},
		{"literal password", account + "      password: hunter2\n", 7, "accounts[0].imap.password", "secrets go by reference: use password_env or password_file"},
		{"literal nats token", "nats:\n  token: hunter2\n", 2, "nats.token", "secrets go by reference: use creds_file"},
		{"port not a number", account + "      port: abc\n", 7, "accounts[0].imap.port", `"abc" is not a whole number`},
		{"mapping for a string", "data_dir:\n  a: b\n", 2, "data_dir", "a mapping is not a string"},
		{"list for a mapping", "log: [info]\n", 1, "log", "a list is not a mapping"},
		{"list in a flow list", account + "    folders: {watch: [INBOX, [Lists]]}\n", 7, "accounts[0].folders.watch[1]", "a list is not a string"},
		{"top level not a mapping", "- a\n- b\n", 1, "", "a list is not a mapping"},
		{"bad duration", "stages:\n  ack_wait: 10 minutes\n", 2, "stages.ack_wait", `invalid duration "10 minutes"`},
		{"duration without unit", "stages:\n  ack_wait: 60\n", 2, "stages.ack_wait", `invalid duration "60"`},
		{"negative duration", "stream:\n  max_age: -1h\n", 2, "stream.max_age", "negative"},
		{"bad size", "stream:\n  max_bytes: 10 gigs\n", 2, "stream.max_bytes", `invalid size "10 gigs"`},
		{"bad enum", "log:\n  level: verbose\n", 2, "log.level", `"verbose" is not one of debug, info, warn, error`},
		{"bad format", "log:\n  format: xml\n", 2, "log.format", `"xml" is not one of text, json`},
		{"bad tls", account + "      tls: ssl\n", 7, "accounts[0].imap.tls", `"ssl" is not one of implicit, starttls, none`},
		{"missing password reference", strings.Replace(account, "      password_env: ALICE_PW\n", "", 1), 4, "accounts[0].imap", "missing password reference: set password_env or password_file"},
		{"two password references", account + "      password_file: /run/pw\n", 4, "accounts[0].imap", "set only one of password_env and password_file"},
		{"password_env not a name", strings.Replace(account, "ALICE_PW", "$ALICE_PW", 1), 6, "accounts[0].imap.password_env", "is not an environment variable name"},
		{"unknown provider", strings.Replace(account, "    imap:\n", "    provider: gmx\n    imap:\n", 1), 4, "accounts[0].provider", `"gmx" is not one of fastmail, gmail, icloud, microsoft, yahoo (or empty for none)`},
		{"microsoft without client id", "accounts:\n  - name: a\n    address: a@contoso.com\n    provider: microsoft\n", 2, "accounts[0].imap.oauth2.client_id", "required"},
		{"negative max_connections", account + "      max_connections: -1\n", 7, "accounts[0].imap.max_connections", "-1 is negative"},
		{"bad auth", account + "      auth: token\n", 7, "accounts[0].imap.auth", `"token" is not one of password, oauth2`},
		{"oauth2 section with password auth", account + "      oauth2: {client_id: x}\n", 7, "accounts[0].imap.oauth2", "is only used with auth: oauth2"},
		{"password with oauth2", oauthAccount + "      password_env: ALICE_PW\n", 12, "accounts[0].imap.password_env", "is not used with auth: oauth2"},
		{"oauth2 without client id", strings.Replace(oauthAccount, "        client_id: 00000000-1111-2222-3333-444444444444\n", "", 1), 7, "accounts[0].imap.oauth2.client_id", "required"},
		{"oauth2 token url plaintext", strings.Replace(oauthAccount, "https://login.microsoftonline.com/common/oauth2/v2.0/token", "http://login.example.com/token", 1), 9, "accounts[0].imap.oauth2.token_url", "only allowed to a loopback host"},
		{"oauth2 token url with secret", strings.Replace(oauthAccount, "https://login.microsoftonline.com/common/oauth2/v2.0/token", "https://id:secret@login.example.com/token", 1), 9, "accounts[0].imap.oauth2.token_url", "secrets go by reference"},
		{"oauth2 without device url", strings.Replace(oauthAccount, "        device_authorization_url: https://login.microsoftonline.com/common/oauth2/v2.0/devicecode\n", "", 1), 7, "accounts[0].imap.oauth2.device_authorization_url", "required"},
		{"oauth2 two secrets", oauthAccount + "        client_secret_env: S\n        client_secret_file: " + os.Args[0] + "\n", 7, "accounts[0].imap.oauth2", "set only one of client_secret_env and client_secret_file"},
		{"oauth2 bad scope", strings.Replace(oauthAccount, ", offline_access]", `, "a b"]`, 1), 11, "accounts[0].imap.oauth2.scopes[1]", `"a b" is not a scope`},
		{"oauth2 plaintext imap", oauthAccount + "      tls: none\n", 12, "accounts[0].imap.tls", "none sends the access token in plaintext"},
		{"plaintext to a remote host", account + "      tls: none\n", 7, "accounts[0].imap.tls", "plaintext, which is only allowed to a loopback host"},
		{"skip verify with plaintext", strings.Replace(account, "imap.example.com", "localhost", 1) + "      tls: none\n      insecure_skip_verify: true\n", 8, "accounts[0].imap.insecure_skip_verify", "pointless with tls: none"},
		{"host with port", strings.Replace(account, "imap.example.com", "imap.example.com:993", 1), 5, "accounts[0].imap.host", "not a bare host name"},
		{"missing host", strings.Replace(account, "      host: imap.example.com\n", "", 1), 4, "accounts[0].imap.host", "required"},
		{"port out of range", account + "      port: 70000\n", 7, "accounts[0].imap.port", "70000 is not between 1 and 65535"},
		{"bad account name", strings.Replace(account, "alice\n", "alice smith\n", 1), 2, "accounts[0].name", `"alice smith" is not 1 to 64 letters, digits, _ or -`},
		{"missing account name", strings.Replace(account, "  - name: alice\n    address", "  - address", 1), 2, "accounts[0].name", "required"},
		{"duplicate account name", account + strings.TrimPrefix(strings.Replace(account, "alice@", "alice2@", 1), "accounts:\n"), 7, "accounts[1].name", `"alice" is already the name of accounts[0]`},
		{"bad address", strings.Replace(account, "alice@example.com", "alice", 1), 3, "accounts[0].address", `"alice" is not an e-mail address`},
		{"address with display name", strings.Replace(account, "alice@example.com", `"Alice <alice@example.com>"`, 1), 3, "accounts[0].address", "not a bare address: write alice@example.com"},
		{"duplicate watch folder", account + "    folders:\n      watch: [INBOX, Lists, inbox]\n", 8, "accounts[0].folders.watch[2]", `"inbox" is listed twice`},
		{"empty watch folder", account + "    folders:\n      watch:\n        - INBOX\n        - \"\"\n", 10, "accounts[0].folders.watch[1]", "empty folder name"},
		{"idle refresh too long", account + "    idle_refresh: 29m\n", 7, "accounts[0].idle_refresh", "29m is not below 29m"},
		{"poll interval too short", account + "    poll_interval: 500ms\n", 7, "accounts[0].poll_interval", "500ms is below the minimum of 1s"},
		{"nats listen not loopback", "nats:\n  listen: 0.0.0.0:4222\n", 2, "nats.listen", `"0.0.0.0" is not a loopback address`},
		{"nats listen without port", "nats:\n  listen: localhost\n", 2, "nats.listen", `"localhost" is not host:port`},
		{"nats url scheme", "nats:\n  url: http://bus.example.com:4222\n", 2, "nats.url", `scheme "http" is not one of nats, tls, ws, wss`},
		{"nats url not a url", "nats:\n  url: bus.example.com:4222\n", 2, "nats.url", "server 1 is not a URL"},
		{"nats url second server", "nats:\n  url: nats://a:4222, ftp://b:4222\n", 2, "nats.url", `ftp://b:4222: scheme "ftp"`},
		{"missing creds file", "nats:\n  url: nats://bus:4222\n  creds_file: /nonexistent/bus.creds\n", 3, "nats.creds_file", "/nonexistent/bus.creds: no such file or directory"},
		{"cert without key", "nats:\n  url: nats://bus:4222\n  cert_file: " + os.Args[0] + "\n", 1, "nats.key_file", "required with cert_file"},
		{"credentials for the embedded server", "nats:\n  nkey_file: " + os.Args[0] + "\n", 1, "nats.url", "the embedded server uses the credentials it keeps in data_dir"},
		{"creds and nkey", "nats:\n  url: nats://bus:4222\n  creds_file: " + os.Args[0] + "\n  nkey_file: " + os.Args[0] + "\n", 4, "nats.nkey_file", "set only one of creds_file and nkey_file"},
		{"inline_max too big", "stream:\n  inline_max: 1MiB\n", 2, "stream.inline_max", "1MiB is not between 1KiB and 768KiB"},
		{"memory_limit too low", "data_dir: ./d\nmemory_limit: 16MiB\n", 2, "memory_limit", "16MiB is too little to run in; at least 32MiB"},
		{"gc_percent too low", "data_dir: ./d\ngc_percent: 5\n", 2, "gc_percent", "5 is out of range: 10 to 1000"},
		{"max_bytes too small", "stream:\n  max_bytes: 100KB\n", 2, "stream.max_bytes", "100000B is below the minimum of 1MiB"},
		{"max age below duplicate window", "stream:\n  max_age: 1h\n", 2, "stream.max_age", "duplicate_window (2h) is longer than max_age (1h)"},
		{"duplicate window beyond max age", "stream:\n  max_age: 1h\n  duplicate_window: 3h\n", 3, "stream.duplicate_window", "duplicate_window (3h) is longer than max_age (1h)"},
		{"replicas", "stream:\n  replicas: 7\n", 2, "stream.replicas", "7 is not between 1 and 5"},
		{"concurrency", "stages:\n  concurrency: 1000\n", 2, "stages.concurrency", "1000 is not between 1 and 256"},
		{"max_deliver", "stages:\n  max_deliver: 1\n", 2, "stages.max_deliver", "1 is not between 2 and 100"},
		{"ack_wait", "stages:\n  ack_wait: 500ms\n", 2, "stages.ack_wait", "500ms is below the minimum of 1s"},
		{"http listen", "http:\n  listen: 9180\n", 2, "http.listen", `"9180" is not host:port`},
		{"spam action", "spam:\n  action: delete\n", 2, "spam.action", `"delete" is not one of move, flag, none`},
		{"spam threshold above range", "spam:\n  threshold: 1.5\n", 2, "spam.threshold", "1.5 is not in [0, 1)"},
		{"spam threshold of 1", "spam:\n  threshold: 1\n", 2, "spam.threshold", "1 is not in [0, 1)"},
		{"spam threshold negative", "spam:\n  threshold: -0.1\n", 2, "spam.threshold", "-0.1 is not in [0, 1)"},
		{"spam threshold NaN", "spam:\n  threshold: .nan\n", 2, "spam.threshold", "NaN is not in [0, 1)"},
		{"spam threshold not a number", "spam:\n  threshold: high\n", 2, "spam.threshold", `"high" is not a number`},
		{"gray zone of one", "spam:\n  gray_zone: [0.3]\n", 2, "spam.gray_zone", "[0.3] is not [low, high] with 0 <= low < high <= 1"},
		{"gray zone of three", "spam:\n  gray_zone: [0.1, 0.5, 0.9]\n", 2, "spam.gray_zone", "[0.1 0.5 0.9] is not [low, high]"},
		{"gray zone reversed", "spam:\n  gray_zone: [0.9, 0.3]\n", 2, "spam.gray_zone", "[0.9 0.3] is not [low, high]"},
		{"gray zone empty", "spam:\n  gray_zone: [0.5, 0.5]\n", 2, "spam.gray_zone", "[0.5 0.5] is not [low, high]"},
		{"gray zone above 1", "spam:\n  gray_zone: [0.5, 1.5]\n", 2, "spam.gray_zone", "[0.5 1.5] is not [low, high]"},
		{"gray zone below 0", "spam:\n  gray_zone: [-0.5, 0.5]\n", 2, "spam.gray_zone", "[-0.5 0.5] is not [low, high]"},
		{"gray zone NaN", "spam:\n  gray_zone: [.nan, 0.9]\n", 2, "spam.gray_zone", "[NaN 0.9] is not [low, high]"},
		{"gray zone not a list", "spam:\n  gray_zone: 0.3\n", 2, "spam.gray_zone", `"0.3" is not a list`},
		{"spam llm not configured", "spam:\n  llm: small\n", 2, "spam.llm", `"small" names llm.small, which is not configured`},
		{"spam llm other not configured", "spam:\n  llm: large\n" + llmYAML, 2, "spam.llm", `"large" names llm.large, which is not configured`},
		{"spam llm bad value", "spam:\n  llm: medium\n" + llmYAML, 2, "spam.llm", `"medium" is not one of small, large (or empty for no second opinion)`},
		{"spam llm timeout", "spam:\n  llm_timeout: 50ms\n", 2, "spam.llm_timeout", "50ms is below the minimum of 100ms"},
		{"missing spam model", "spam:\n  model: /nonexistent/spam.model\n", 2, "spam.model", "/nonexistent/spam.model: no such file or directory"},
		{"llm model missing", "llm:\n  small:\n    url: http://127.0.0.1:11434\n", 2, "llm.small.model", "required"},
		{"llm large model missing", "llm:\n  large: {}\n", 2, "llm.large.model", "required"},
		{"llm url without scheme", llmYAML + "    url: 127.0.0.1:11434\n", 4, "llm.small.url", "is not a URL such as http://127.0.0.1:11434"},
		{"llm url without host", llmYAML + "    url: gpu.example.com\n", 4, "llm.small.url", "is not a URL"},
		{"llm url with port only", llmYAML + "    url: http://:11434\n", 4, "llm.small.url", "is not a URL"},
		{"llm url credentials", llmYAML + "    url: https://bob:pw@gpu.example.com\n", 4, "llm.small.url", "has credentials in the URL, which are not allowed"},
		{"llm url plain http", llmYAML + "    url: http://gpu.example.com:11434\n", 4, "llm.small.url", "plain http to gpu.example.com, which is not a loopback host: use https, or set allow_plaintext: true"},
		{"llm url plain http to an address", llmYAML + "    url: http://192.168.1.20:11434\n", 4, "llm.small.url", "plain http to 192.168.1.20"},
		{"llm url scheme", llmYAML + "    url: ftp://gpu.example.com\n", 4, "llm.small.url", `scheme "ftp" is not http or https`},
		{"llm url scheme with allow_plaintext", llmYAML + "    url: ws://gpu.example.com\n    allow_plaintext: true\n", 4, "llm.small.url", `scheme "ws" is not http or https`},
		{"llm timeout", llmYAML + "    timeout: 500ms\n", 4, "llm.small.timeout", "500ms is below the minimum of 1s"},
		{"llm max_concurrency too high", llmYAML + "    max_concurrency: 65\n", 4, "llm.small.max_concurrency", "65 is not between 1 and 64"},
		{"llm max_concurrency negative", llmYAML + "    max_concurrency: -1\n", 4, "llm.small.max_concurrency", "-1 is not between 1 and 64"},
		{"llm missing ca_file", llmYAML + "    ca_file: /nonexistent/ca.pem\n", 4, "llm.small.ca_file", "/nonexistent/ca.pem: no such file or directory"},
		{"llm endpoint not a mapping", "llm:\n  small: qwen2.5:1.5b\n", 2, "llm.small", `"qwen2.5:1.5b" is not a mapping`},
		{"llm unknown endpoint", "llm:\n  medium:\n    model: m\n", 2, "llm.medium", `unknown key "medium"`},
		{"llm allow_plaintext not a bool", llmYAML + "    allow_plaintext: maybe\n", 4, "llm.small.allow_plaintext", `"maybe" is not true or false`},
		{"alias not an address", account + "    aliases: [alice@example.net, alice]\n", 7, "accounts[0].aliases[1]", `"alice" is not an e-mail address`},
		{"alias with display name", account + "    aliases:\n      - \"Alice <alice@example.net>\"\n", 8, "accounts[0].aliases[0]", "not a bare address: write alice@example.net"},
		{"alias empty", account + "    aliases: [\"\"]\n", 7, "accounts[0].aliases[0]", "empty address"},
		{"reply draft", "reply:\n  draft: always\n", 2, "reply.draft", `"always" is not one of top, none`},
		{"reply threshold above range", "reply:\n  threshold: 1.5\n", 2, "reply.threshold", "1.5 is not in (0, 1)"},
		{"reply threshold of 1", "reply:\n  threshold: 1\n", 2, "reply.threshold", "1 is not in (0, 1)"},
		{"reply threshold negative", "reply:\n  threshold: -0.5\n", 2, "reply.threshold", "-0.5 is not in (0, 1)"},
		{"reply threshold NaN", "reply:\n  threshold: .nan\n", 2, "reply.threshold", "NaN is not in (0, 1)"},
		{"reply llm not configured", "reply:\n  llm: small\n", 2, "reply.llm", `"small" names llm.small, which is not configured`},
		{"reply llm other not configured", "reply:\n  llm: large\n" + llmYAML, 2, "reply.llm", `"large" names llm.large, which is not configured`},
		{"reply llm bad value", "reply:\n  llm: medium\n" + llmYAML, 2, "reply.llm", `"medium" is not one of small, large (or empty for none)`},
		{"escalate threshold above range", "escalate:\n  threshold: 1.01\n", 2, "escalate.threshold", "1.01 is not in (0, 1]"},
		{"escalate threshold negative", "escalate:\n  threshold: -1\n", 2, "escalate.threshold", "-1 is not in (0, 1]"},
		{"escalate threshold NaN", "escalate:\n  threshold: .NaN\n", 2, "escalate.threshold", "NaN is not in (0, 1]"},
		{"escalate unknown weight", "escalate:\n  weights:\n    legal: 0.5\n    lawyer: 0.5\n", 4, "escalate.weights.lawyer", `unknown reason "lawyer" (known: thread_length, participants,`},
		{"escalate weight above range", "escalate:\n  weights:\n    vip: 1.5\n", 3, "escalate.weights.vip", "1.5 is not in [0, 1]"},
		{"escalate weight negative", "escalate:\n  weights: {complaint: -0.1}\n", 2, "escalate.weights.complaint", "-0.1 is not in [0, 1]"},
		{"escalate weight NaN", "escalate:\n  weights:\n    money: .nan\n", 3, "escalate.weights.money", "NaN is not in [0, 1]"},
		{"escalate weight not a number", "escalate:\n  weights:\n    money: high\n", 3, "escalate.weights.money", `"high" is not a number`},
		{"escalate vip not an address", "escalate:\n  vip:\n    - boss@example.com\n    - boss\n", 4, "escalate.vip[1]", `"boss" is not an address or @domain`},
		{"escalate vip with display name", "escalate:\n  vip: [\"Boss <boss@example.com>\"]\n", 2, "escalate.vip[0]", `"Boss <boss@example.com>" is not an address or @domain`},
		{"escalate vip bare @", "escalate:\n  vip: [\"@\"]\n", 2, "escalate.vip[0]", `"@" is not @domain`},
		{"escalate vip @ with address", "escalate:\n  vip: [\"@boss@example.com\"]\n", 2, "escalate.vip[0]", `"@boss@example.com" is not @domain`},
		{"escalate vip empty", "escalate:\n  vip: [\"\"]\n", 2, "escalate.vip[0]", `"" is not an address or @domain`},
		{"escalate rule without name", "escalate:\n  rules:\n    - field: from\n      pattern: x\n      weight: 1\n", 3, "escalate.rules[0].name", "required"},
		{"escalate rule name not a word", "escalate:\n  rules:\n    - {name: legal dept, field: from, pattern: x, weight: 1}\n", 3, "escalate.rules[0].name", `"legal dept" is not one word`},
		{"escalate rule duplicate name", "escalate:\n  rules:\n    - {name: legal, field: from, pattern: x, weight: 1}\n    - {name: legal, field: subject, pattern: y, weight: 1}\n", 4, "escalate.rules[1].name", `"legal" is used by another rule`},
		{"escalate rule bad field", "escalate:\n  rules:\n    - name: legal\n      field: body\n      pattern: x\n      weight: 1\n", 4, "escalate.rules[0].field", `"body" is not one of subject, from`},
		{"escalate rule without field", "escalate:\n  rules:\n    - {name: legal, pattern: x, weight: 1}\n", 3, "escalate.rules[0].field", `"" is not one of subject, from`},
		{"escalate rule bad regexp", "escalate:\n  rules:\n    - name: legal\n      field: subject\n      pattern: '(lawyer'\n      weight: 1\n", 5, "escalate.rules[0].pattern", "not a regular expression: error parsing regexp: missing closing )"},
		{"escalate rule without pattern", "escalate:\n  rules:\n    - {name: legal, field: subject, weight: 1}\n", 3, "escalate.rules[0].pattern", "required"},
		{"escalate rule weight above range", "escalate:\n  rules:\n    - name: legal\n      field: subject\n      pattern: x\n      weight: 2\n", 6, "escalate.rules[0].weight", "2 is not in (0, 1]"},
		{"escalate rule weight of 0", "escalate:\n  rules:\n    - {name: legal, field: subject, pattern: x, weight: 0}\n", 3, "escalate.rules[0].weight", "0 is not in (0, 1]"},
		{"escalate rule without weight", "escalate:\n  rules:\n    - {name: legal, field: subject, pattern: x}\n", 3, "escalate.rules[0].weight", "0 is not in (0, 1]"},
		{"escalate rule weight negative", "escalate:\n  rules:\n    - {name: legal, field: subject, pattern: x, weight: -0.5}\n", 3, "escalate.rules[0].weight", "-0.5 is not in (0, 1]"},
		{"escalate rule weight NaN", "escalate:\n  rules:\n    - name: legal\n      field: subject\n      pattern: x\n      weight: .nan\n", 6, "escalate.rules[0].weight", "NaN is not in (0, 1]"},
		{"escalate llm bad value", "escalate:\n  llm: medium\n", 2, "escalate.llm", `"medium" is not one of small, large, none`},
		{"escalate llm not configured", "escalate:\n  llm: large\n" + llmYAML, 2, "escalate.llm", `"large" names llm.large, which is not configured`},
		{"escalate llm small not configured", "escalate:\n  llm: small\n", 2, "escalate.llm", `"small" names llm.small, which is not configured`},
		{"escalate max_per_hour negative", "escalate:\n  max_per_hour: -1\n", 2, "escalate.max_per_hour", "-1 is not between 1 and 100000"},
		{"escalate max_per_hour too high", "escalate:\n  max_per_hour: 100001\n", 2, "escalate.max_per_hour", "100001 is not between 1 and 100000"},
		{"escalate thread_tokens too low", "escalate:\n  thread_tokens: 199\n", 2, "escalate.thread_tokens", "199 is not between 200 and 1000000"},
		{"escalate thread_tokens too high", "escalate:\n  thread_tokens: 1000001\n", 2, "escalate.thread_tokens", "1000001 is not between 200 and 1000000"},
		{"escalate max_wait negative", "escalate:\n  max_wait: -1h\n", 2, "escalate.max_wait", `duration "-1h" is negative`},
		{"escalate max_wait not a duration", "escalate:\n  max_wait: 12\n", 2, "escalate.max_wait", `invalid duration "12"`},
		{"trigger threshold of 1", "reply:\n  trigger:\n    threshold: 1\n", 3, "reply.trigger.threshold", "1 is not in [0, 1)"},
		{"trigger target_recall above 1", "reply:\n  trigger:\n    target_recall: 1.5\n", 3, "reply.trigger.target_recall", "1.5 is not in (0, 1]"},
		{"trigger history_days negative", "reply:\n  trigger:\n    history_days: -1\n", 3, "reply.trigger.history_days", "-1 is not between 1 and 3650"},
		{"trigger history_max too high", "reply:\n  trigger:\n    history_max: 5001\n", 3, "reply.trigger.history_max", "5001 is not between 1 and 5000"},
		{"trigger personal not a bool", "reply:\n  trigger:\n    personal: maybe\n", 3, "reply.trigger.personal", "maybe"},
		{"trigger per_account threshold", account + "reply:\n  trigger:\n    per_account:\n      alice:\n        threshold: -0.1\n", 11, "reply.trigger.per_account.alice.threshold", "-0.1 is not in [0, 1)"},
		{"trigger per_account unknown account", account + "reply:\n  trigger:\n    per_account:\n      bob: {personal: false}\n", 10, "reply.trigger.per_account.bob", `"bob" is not the name of an account`},
		{"trigger per_account unknown key", account + "reply:\n  trigger:\n    per_account:\n      alice: {recall: 0.5}\n", 10, "reply.trigger.per_account.alice.recall", "unknown"},
		{"duplicate key", "log:\n  level: info\n  level: debug\n", 3, "log.level", `key "level" is already set on line 2`},
		{"bad indentation", "log:\n  level: info\n   format: text\n", 3, "", "syntax error"},
		{"tab indentation", "log:\n\tlevel: info\n", 2, "", "syntax error"},
		{"two documents", "log:\n  level: info\n---\nlog:\n  level: debug\n", 3, "", "only one YAML document is allowed"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ps := problems(t, tt.src)
			if len(ps) != 1 {
				t.Fatalf("got %d problems, want 1: %+v", len(ps), ps)
			}
			p := ps[0]
			if p.Line != tt.line || p.Path != tt.path || !strings.Contains(p.Msg, tt.msg) {
				t.Errorf("got %+v\nwant line %d, path %q, message containing %q", p, tt.line, tt.path, tt.msg)
			}
		})
	}
}

// TestParseReportsAll checks that problems of every stage (type errors,
// unknown keys, validation) come together, sorted by line and printed one
// per line.
func TestParseReportsAll(t *testing.T) {
	src := `log:
  level: loud
accounts:
  - name: alice
    address: alice@example.com
    imap:
      host: imap.example.com
      port: abc
      tls: none
      password: hunter2
`
	_, err := configs.Parse("mailassist.yaml", []byte(src))
	want := strings.Join([]string{
		`mailassist.yaml:2: log.level: "loud" is not one of debug, info, warn, error`,
		`mailassist.yaml:6: accounts[0].imap: missing password reference: set password_env or password_file`,
		`mailassist.yaml:8: accounts[0].imap.port: "abc" is not a whole number`,
		`mailassist.yaml:9: accounts[0].imap.tls: none sends the password in plaintext, which is only allowed to a loopback host (localhost, 127.0.0.0/8, ::1), not "imap.example.com"`,
		`mailassist.yaml:10: accounts[0].imap.password: unknown key "password": secrets go by reference: use password_env or password_file`,
	}, "\n")
	if err == nil || err.Error() != want {
		t.Errorf("got:\n%v\nwant:\n%s", err, want)
	}
}

// TestParseFourProblems checks four unrelated problems in one file.
func TestParseFourProblems(t *testing.T) {
	src := `stream:
  inline_max: 2MiB
stages:
  ack_wait: soon
accounts:
  - name: a
    address: a@example.com
    imap:
      host: imap.example.com
      password_env: A_PW
  - name: a
    address: b@example.com
    bogus: 1
    imap:
      host: imap.example.com
      password_file: /run/b
`
	ps := problems(t, src)
	want := []configs.Problem{
		{Line: 2, Path: "stream.inline_max", Msg: "2MiB is not between 1KiB and 768KiB"},
		{Line: 4, Path: "stages.ack_wait", Msg: `invalid duration "soon": want a duration such as 90s, 15m, 720h or 7d`},
		{Line: 11, Path: "accounts[1].name", Msg: `"a" is already the name of accounts[0]`},
		{Line: 13, Path: "accounts[1].bogus", Msg: `unknown key "bogus"`},
	}
	if fmt.Sprint(ps) != fmt.Sprint(want) {
		t.Errorf("got  %+v\nwant %+v", ps, want)
	}
}

// TestSecretsNotInErrors checks that no message repeats a secret written
// where it does not belong.
func TestSecretsNotInErrors(t *testing.T) {
	srcs := []string{
		account + "      password: hunter2\n",
		strings.Replace(account, "ALICE_PW", "hunter2!", 1),
		"nats:\n  url: nats://bob:hunter2@bus.example.com:4222\n",
		"nats:\n  url: http://hunter2@bus.example.com:4222\n",
		"nats:\n  url: \"nats://bus:4222\\x7fhunter2\"\n",
		llmYAML + "    url: https://bob:hunter2@gpu.example.com\n",
		llmYAML + "    url: http://hunter2@gpu.example.com\n",
		llmYAML + "    url: bob:hunter2@gpu.example.com\n",
		llmYAML + "    url: \"http://bob:hunter2@gpu.example.com\\x7f\"\n",
		llmYAML + "    url: \"http://bob:hunter2@gpu.example.com:port\"\n",
	}
	for _, src := range srcs {
		_, err := configs.Parse("test.yaml", []byte(src))
		if err == nil {
			t.Errorf("Parse(%q) succeeded", src)
		} else if strings.Contains(err.Error(), "hunter2") {
			t.Errorf("error leaks the secret: %v", err)
		}
	}
}

// TestParseValidLLM checks configs that the llm checks must accept.
func TestParseValidLLM(t *testing.T) {
	srcs := []string{
		llmYAML,
		llmYAML + "    url: http://localhost:11434\n",
		llmYAML + "    url: http://127.0.0.2:11434\n",
		llmYAML + "    url: http://[::1]:11434\n",
		llmYAML + "    url: https://gpu.example.com\n",
		llmYAML + "    url: HTTPS://gpu.example.com:8443/\n",
		llmYAML + "    url: http://gpu.example.com:11434\n    allow_plaintext: true\n",
		llmYAML + "    url: http://192.168.1.20:11434\n    allow_plaintext: true\n",
		llmYAML + "    timeout: 1s\n    max_concurrency: 64\n    ca_file: " + os.Args[0] + "\n",
		llmYAML + "    options: {temperature: 0, num_ctx: 8192, stop: [\"\\n\"]}\n",
		"spam:\n  llm: small\n" + llmYAML,
		"spam:\n  llm: large\nllm:\n  large:\n    model: qwen2.5:14b\n",
		"spam:\n  action: flag\n  threshold: 0.5\n  gray_zone: [0, 1]\n  llm_timeout: 100ms\n",
		"spam:\n  action: none\n  threshold: 0.999\n",

		"reply:\n  llm: small\n" + llmYAML,
		"reply:\n  llm: large\nllm:\n  large:\n    model: qwen2.5:14b\n",
		"reply:\n  draft: none\n  threshold: 0.999\n",
		"escalate:\n  llm: small\n" + llmYAML,
		"escalate:\n  llm: none\nllm:\n  large:\n    model: qwen2.5:14b\n",
		"escalate:\n  threshold: 1\n  weights: {vip: 0, legal: 1}\n  vip: [Boss@Example.com, \"@example.org\"]\n",
		"escalate:\n  rules:\n    - {name: a, field: subject, pattern: '(?-i)URGENT', weight: 0.001}\n",
		"escalate:\n  max_per_hour: 1\n  thread_tokens: 200\n  max_wait: 1s\n",
		"escalate:\n  max_per_hour: 100000\n  thread_tokens: 1000000\n",
		account + "    aliases: [alice@example.net, alice+lists@example.com]\n    display_name: Alice Example\n    folders: {sent: Sent, archive: Archive}\n",
	}
	for _, src := range srcs {
		if _, err := configs.Parse("test.yaml", []byte(src)); err != nil {
			t.Errorf("Parse(%q): %v", src, err)
		}
	}
}

func TestLoadMissingFile(t *testing.T) {
	path := filepath.Join(t.TempDir(), "none.yaml")
	_, err := configs.Load(path)
	var cerr *configs.Error
	if err == nil || errors.As(err, &cerr) || !errors.Is(err, os.ErrNotExist) {
		t.Errorf("Load(missing) = %v; want a wrapped fs.ErrNotExist", err)
	}
}

func TestLoadExample(t *testing.T) {
	cfg, err := configs.Load("mailassist.yaml")
	if err != nil {
		t.Fatalf("Load: %v", err)
	}
	if len(cfg.Accounts) != 3 {
		t.Fatalf("got %d accounts, want 3", len(cfg.Accounts))
	}
	work, ok := cfg.Account("work")
	if !ok || work.IMAP.Auth != "oauth2" || work.IMAP.OAuth2 == nil || work.IMAP.OAuth2.ClientID == "" {
		t.Errorf("Account(work) = %+v, %v; want an oauth2 account", work, ok)
	}
	local, ok := cfg.Account("local")
	if !ok || local.IMAP.TLS != "none" || local.IMAP.PasswordFile == "" {
		t.Errorf("Account(local) = %+v, %v; want a plaintext account with a password file", local, ok)
	}
	if _, ok := cfg.Account("nobody"); ok {
		t.Errorf("Account(nobody) found an account")
	}
	// The llm endpoints are examples too: there is no default endpoint.
	small, large := cfg.LLM.Small, cfg.LLM.Large
	if small == nil || small.Model != "qwen2.5:1.5b" || small.URL != "http://127.0.0.1:11434" || small.Timeout != setting.Duration(time.Minute) {
		t.Errorf("llm.small = %+v; want qwen2.5:1.5b on the default url with the default timeout", small)
	}
	if large == nil || large.Model != "qwen2.5:14b" || !strings.HasPrefix(large.URL, "https://") || large.Timeout != setting.Duration(10*time.Minute) {
		t.Errorf("llm.large = %+v; want qwen2.5:14b over https with the default timeout", large)
	}
	// So are the escalate lists, which are empty by default.
	esc := cfg.Escalate
	if esc.Weights["legal"] != 0.6 || len(esc.Weights) != 1 || len(esc.VIP) != 2 || len(esc.Rules) != 1 || esc.Rules[0].Name != "legal-dept" {
		t.Errorf("escalate = %+v; want the weights, vip and rules examples", esc)
	}
	// So are the spam lists.
	if sp := cfg.Spam; len(sp.Block) != 1 || len(sp.PerAccount["alice"].Allow) != 1 {
		t.Errorf("spam = %+v; want the block and per_account examples", sp)
	}
	cfg.Spam.Block, cfg.Spam.PerAccount = nil, nil
	// And the reply lists.
	if r := cfg.Reply; len(r.SkipSenders) != 1 || r.PerAccount["alice"].Signature != "auto" || r.PerAccount["alice"].LLM != "none" {
		t.Errorf("reply = %+v; want the skip_senders and per_account examples", r)
	}
	cfg.Reply.SkipSenders, cfg.Reply.PerAccount = nil, nil
	// So is the trigger's per_account.
	if a, ok := cfg.Reply.Trigger.PerAccount["alice"]; !ok || a.Threshold != 0.3 || a.Personal == nil {
		t.Errorf("reply.trigger = %+v; want the per_account example", cfg.Reply.Trigger)
	}
	cfg.Reply.Trigger.PerAccount = nil
	alice, _ := cfg.Account("alice")
	if alice.DisplayName == "" || len(alice.Aliases) == 0 {
		t.Errorf("Account(alice) = %+v; want the display_name and aliases examples", alice)
	}
	// Outside those, the example spells out exactly the defaults (of a file
	// that configures llm.large, on which escalate.llm's default depends).
	defaults, err := configs.Parse("defaults.yaml", []byte("llm:\n  large:\n    model: m\n"))
	if err != nil {
		t.Fatalf("Parse(defaults): %v", err)
	}
	cfg.Accounts = nil
	cfg.LLM, defaults.LLM = configs.LLM{}, configs.LLM{}
	cfg.Escalate.Weights, cfg.Escalate.VIP, cfg.Escalate.Rules = nil, nil, nil
	if fmt.Sprintf("%+v", cfg) != fmt.Sprintf("%+v", defaults) {
		t.Errorf("example differs from the defaults:\n%+v\n%+v", cfg, defaults)
	}
}

func TestDisplayNameWithoutControlCharacters(t *testing.T) {
	y := "accounts:\n  - name: a\n    address: a@example.org\n    display_name: \"Eve\\r\\nBcc: x@evil.example\"\n    imap: {host: imap.example.org, password_env: P}\n"
	_, err := configs.Parse("t.yaml", []byte(y))
	if err == nil || !strings.Contains(err.Error(), "t.yaml:4: accounts[0].display_name") {
		t.Fatalf("err = %v", err)
	}
	y = "reply:\n  llm: none\n"
	if _, err := configs.Parse("t.yaml", []byte(y)); err != nil {
		t.Fatalf("reply.llm none: %v", err)
	}
}

func TestSpamListsChecked(t *testing.T) {
	y := "accounts:\n  - name: a\n    address: a@example.org\n    imap: {host: imap.example.org, password_env: P}\n" +
		"spam:\n  allow: [not-an-address]\n  per_account:\n    nobody:\n      block: [\"@example.com\"]\n"
	_, err := configs.Parse("t.yaml", []byte(y))
	if err == nil || !strings.Contains(err.Error(), "spam.allow[0]") || !strings.Contains(err.Error(), "spam.per_account.nobody") {
		t.Errorf("Parse = %v; want problems with spam.allow[0] and spam.per_account.nobody", err)
	}
}

// The reply section's per-account entries, sender patterns and
// signature are checked, each problem with its line.
func TestReplyChecked(t *testing.T) {
	y := `accounts:
  - name: a
    address: a@example.org
    imap: {host: imap.example.org, password_env: P}
reply:
  skip_senders: [not-a-pattern]
  signature: "bell\a"
  pending_after: 10s
  per_account:
    nobody:
      draft: top
    a:
      draft: maybe
      llm: large
      only_senders: ["@"]
`
	_, err := configs.Parse("t.yaml", []byte(y))
	if err == nil {
		t.Fatal("no error")
	}
	for _, want := range []string{
		`t.yaml:6: reply.skip_senders[0]: "not-a-pattern" is not an address`,
		`t.yaml:7: reply.signature: holds control characters`,
		`t.yaml:8: reply.pending_after:`,
		`t.yaml:10: reply.per_account.nobody: "nobody" is not the name of an account`,
		`t.yaml:13: reply.per_account.a.draft: "maybe" is not one of top, none`,
		`t.yaml:14: reply.per_account.a.llm: "large" names llm.large, which is not configured`,
		`t.yaml:15: reply.per_account.a.only_senders[0]:`,
	} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("missing %q in:\n%v", want, err)
		}
	}
}
