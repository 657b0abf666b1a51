package configs_test

import (
	"reflect"
	"strings"
	"testing"
	"time"

	acct "mailassist/account"
	"mailassist/bus"
	"mailassist/configs"
	"mailassist/escalate"
	"mailassist/hardness"
	"mailassist/imapx"
	"mailassist/llm"
	"mailassist/ops"
	"mailassist/reply"
	"mailassist/setting"
	"mailassist/spam"
)

func parse(t *testing.T, src string) *configs.Config {
	t.Helper()
	cfg, err := configs.Parse("test.yaml", []byte(src))
	if err != nil {
		t.Fatalf("Parse: %v", err)
	}
	return cfg
}

func TestDefaults(t *testing.T) {
	want := &configs.Config{
		DataDir:     "./data",
		MemoryLimit: configs.DefaultMemoryLimit,
		GCPercent:   configs.DefaultGCPercent,
		Log:         configs.Log{Level: "info", Format: "text"},
		NATS:        bus.NATSConfig{},
		Stream: bus.StreamConfig{
			MaxAge:          setting.Duration(720 * time.Hour),
			MaxBytes:        10 * setting.GiB,
			DuplicateWindow: setting.Duration(2 * time.Hour),
			RawMaxAge:       setting.Duration(24 * time.Hour),
			InlineMax:       256 * setting.KiB,
			Replicas:        1,
		},
		Stages: bus.StagesConfig{
			Concurrency: 4,
			MaxDeliver:  8,
			AckWait:     setting.Duration(time.Minute),
			Grace:       setting.Duration(20 * time.Second),
		},
		HTTP: ops.Config{Listen: "127.0.0.1:9180"},
		IMAP: imapx.Limits{LoginsPerSecond: 200},
		Spam: spam.Config{
			Action:             "move",
			GrayZone:           []float64{0.3, 0.9},
			LLMTimeout:         setting.Duration(10 * time.Second),
			TargetFPR:          0.001,
			ThresholdFloor:     0.5,
			CorrespondentScore: 0.99,
			Bootstrap:          spam.Bootstrap{MaxSpam: 2000, MaxHam: 2000, SentInterval: setting.Duration(10 * time.Minute)},
			ModelsMemory:       64 << 20,
		},
		Reply: reply.Config{Draft: "top", Threshold: 0.5, MaxRecipients: 20,
			PendingAfter: setting.Duration(72 * time.Hour), DraftsCheck: setting.Duration(10 * time.Minute),
			Trigger: reply.TriggerConfig{TargetRecall: 0.55, HistoryDays: 180, HistoryMax: 5000}},
		Escalate: escalate.Config{
			Config:       hardness.Config{Threshold: 0.5},
			LLM:          "none", // without llm.large; see TestEscalateLLMDefault
			MaxPerHour:   20,
			ThreadTokens: 3000,
			MaxWait:      setting.Duration(12 * time.Hour),
		},
		// No llm endpoint unless the file configures one.
	}
	for _, src := range []string{
		"",
		"# nothing\n",
		"log: {}\nstream:\nstages:\n  concurrency: 0\n",
		"spam:\n  action: \"\"\n  gray_zone: []\n  llm_timeout: 0s\nllm: {}\n",
		"llm:\n  small:\n  large: null\n",
		"reply:\n  draft: \"\"\n  threshold: 0\n  llm: \"\"\n",
		"reply: {}\nescalate:\n  threshold: 0\n  llm: \"\"\n  max_per_hour: 0\n  thread_tokens: 0\n  max_wait: 0s\n",
		"escalate:\n  weights:\n  vip:\n  rules:\n",
	} {
		if got := parse(t, src); !reflect.DeepEqual(got, want) {
			t.Errorf("Parse(%q) =\n%+v\nwant\n%+v", src, got, want)
		}
	}
}

func TestAccountDefaults(t *testing.T) {
	cfg := parse(t, account)
	a, ok := cfg.Account("alice")
	if !ok {
		t.Fatal("no account alice")
	}
	want := acct.Account{
		Name:    "alice",
		Address: "alice@example.com",
		IMAP: imapx.Config{
			Host:        "imap.example.com",
			Port:        993,
			TLS:         "implicit",
			Username:    "alice@example.com",
			Auth:        "password",
			PasswordEnv: "ALICE_PW",
		},
		Folders:      acct.Folders{Watch: []string{"INBOX"}},
		InitialSync:  setting.Duration(7 * 24 * time.Hour),
		IdleRefresh:  setting.Duration(10 * time.Minute),
		PollInterval: setting.Duration(time.Minute),
	}
	if !reflect.DeepEqual(*a, want) {
		t.Errorf("got\n%+v\nwant\n%+v", *a, want)
	}
}

func TestDefaultPort(t *testing.T) {
	tests := []struct {
		host  string
		extra string
		port  int
	}{
		{"imap.example.com", "", 993},
		{"imap.example.com", "tls: implicit", 993},
		{"imap.example.com", "tls: starttls", 143},
		{"localhost", "tls: none", 143},
		{"imap.example.com", "port: 1143", 1143},
	}
	for _, tt := range tests {
		src := strings.Replace(account, "imap.example.com", tt.host, 1) + "      " + tt.extra + "\n"
		if got := parse(t, src).Accounts[0].IMAP.Port; got != tt.port {
			t.Errorf("%s %q: port %d, want %d", tt.host, tt.extra, got, tt.port)
		}
	}
}

// TestHTTPListen checks that an absent http.listen gets the default and
// an explicit empty one disables the server.
func TestHTTPListen(t *testing.T) {
	tests := []struct {
		src  string
		want string
	}{
		{"", "127.0.0.1:9180"},
		{"http: {}\n", "127.0.0.1:9180"},
		{"http:\n  listen: \"\"\n", ""},
		{"http:\n  listen: ''\n", ""},
		{"http:\n  listen: \":9180\"\n", ":9180"},
	}
	for _, tt := range tests {
		if got := parse(t, tt.src).HTTP.Listen; got != tt.want {
			t.Errorf("Parse(%q): http.listen %q, want %q", tt.src, got, tt.want)
		}
	}
}

// TestLLMDefaults checks that endpoint defaults are applied only to the
// endpoints that are present, with the timeout of their size, and that
// values written in the file are kept.
func TestLLMDefaults(t *testing.T) {
	small := &llm.Endpoint{
		URL:            "http://127.0.0.1:11434",
		Model:          "qwen2.5:1.5b",
		Timeout:        setting.Duration(60 * time.Second),
		MaxConcurrency: 1,
	}
	large := &llm.Endpoint{
		URL:            "http://127.0.0.1:11434",
		Model:          "qwen2.5:14b",
		Timeout:        setting.Duration(10 * time.Minute),
		MaxConcurrency: 1,
	}
	tests := []struct {
		src  string
		want configs.LLM
	}{
		{"llm:\n  small:\n    model: qwen2.5:1.5b\n", configs.LLM{Small: small}},
		{"llm:\n  large:\n    model: qwen2.5:14b\n", configs.LLM{Large: large}},
		{"llm:\n  small: {model: qwen2.5:1.5b}\n  large: {model: qwen2.5:14b}\n", configs.LLM{Small: small, Large: large}},
		{"llm:\n  small: {model: qwen2.5:1.5b, url: \"\", timeout: 0s, max_concurrency: 0}\n", configs.LLM{Small: small}},
		{"llm:\n  large:\n    model: m\n    url: https://gpu.example.com\n    timeout: 5m\n    max_concurrency: 4\n    options: {num_ctx: 8192}\n",
			configs.LLM{Large: &llm.Endpoint{
				URL:            "https://gpu.example.com",
				Model:          "m",
				Timeout:        setting.Duration(5 * time.Minute),
				MaxConcurrency: 4,
				Options:        map[string]any{"num_ctx": 8192},
			}}},
	}
	for _, tt := range tests {
		if got := parse(t, tt.src).LLM; !reflect.DeepEqual(got, tt.want) {
			t.Errorf("Parse(%q).LLM =\n%+v %+v\nwant\n%+v %+v", tt.src, got.Small, got.Large, tt.want.Small, tt.want.Large)
		}
	}
}

// TestEscalateLLMDefault checks that escalate.llm defaults to large when
// llm.large is configured and to none otherwise, and that a value written
// in the file is kept.
func TestEscalateLLMDefault(t *testing.T) {
	const small, large = "  small:\n    model: qwen2.5:1.5b\n", "  large:\n    model: qwen2.5:14b\n"
	tests := []struct {
		src  string
		want string
	}{
		{"", "none"},
		{"llm:\n" + small, "none"},
		{"llm:\n" + large, "large"},
		{"llm:\n" + small + large, "large"},
		{"escalate:\n  llm: \"\"\nllm:\n" + large, "large"},
		{"escalate:\n  llm: none\nllm:\n" + large, "none"},
		{"escalate:\n  llm: small\nllm:\n" + small + large, "small"},
		{"escalate:\n  llm: none\n", "none"},
	}
	for _, tt := range tests {
		if got := parse(t, tt.src).Escalate.LLM; got != tt.want {
			t.Errorf("Parse(%q): escalate.llm %q, want %q", tt.src, got, tt.want)
		}
	}
}

// TestStageValuesKept checks that reply and escalate values written in
// the file are kept as written.
func TestStageValuesKept(t *testing.T) {
	src := `reply:
  draft: none
  threshold: 0.7
  llm: small
  max_recipients: 5
  signature: "-- \nAlice"
  skip_senders: ["@news.example.com"]
  only_senders: [boss@example.com]
  voice: false
  voice_remote: true
  pending_after: 24h
  drafts_check: 5m
  per_account:
    alice: {draft: top, llm: none, signature: auto, skip_senders: ["*@lists.*"]}
accounts:
  - {name: alice, address: alice@example.org, imap: {host: imap.example.org, password_env: P}}
escalate:
  threshold: 1
  weights: {legal: 0, vip: 1}
  vip: [boss@example.com, "@board.example.com"]
  rules:
    - {name: legal-dept, field: from, pattern: '@legal\.example\.com>?$', weight: 1}
    - {name: invoice, field: subject, pattern: '\binvoice\b', weight: 0.25}
  llm: small
  max_per_hour: 1
  thread_tokens: 200
  max_wait: 30m
llm:
  small:
    model: qwen2.5:1.5b
`
	cfg := parse(t, src)
	off := false
	wantReply := reply.Config{Draft: "none", Threshold: 0.7, LLM: "small", MaxRecipients: 5,
		Signature: "-- \nAlice", SkipSenders: []string{"@news.example.com"}, OnlySenders: []string{"boss@example.com"},
		Voice: &off, VoiceRemote: true, PendingAfter: setting.Duration(24 * time.Hour), DraftsCheck: setting.Duration(5 * time.Minute),
		PerAccount: map[string]reply.AccountConfig{"alice": {Draft: "top", LLM: "none", Signature: "auto", SkipSenders: []string{"*@lists.*"}}},
		Trigger:    reply.TriggerConfig{TargetRecall: 0.55, HistoryDays: 180, HistoryMax: 5000}}
	wantEsc := escalate.Config{
		Config: hardness.Config{
			Threshold: 1,
			Weights:   map[string]float64{"legal": 0, "vip": 1},
			VIP:       []string{"boss@example.com", "@board.example.com"},
			Rules: []hardness.Rule{
				{Name: "legal-dept", Field: "from", Pattern: `@legal\.example\.com>?$`, Weight: 1},
				{Name: "invoice", Field: "subject", Pattern: `\binvoice\b`, Weight: 0.25},
			},
		},
		LLM:          "small",
		MaxPerHour:   1,
		ThreadTokens: 200,
		MaxWait:      setting.Duration(30 * time.Minute),
	}
	if !reflect.DeepEqual(cfg.Reply, wantReply) {
		t.Errorf("reply = %+v, want %+v", cfg.Reply, wantReply)
	}
	if !reflect.DeepEqual(cfg.Escalate, wantEsc) {
		t.Errorf("escalate =\n%+v\nwant\n%+v", cfg.Escalate, wantEsc)
	}
}

// TestAccountIdentityKept checks that display_name, aliases and the sent
// and archive folders, which have no defaults, are kept as written.
func TestAccountIdentityKept(t *testing.T) {
	src := account + `    display_name: Alice Example
    aliases: [alice@example.net, Alice.Example@example.com]
    folders:
      sent: Sent Items
      archive: Archive
`
	a := parse(t, src).Accounts[0]
	if a.DisplayName != "Alice Example" || !reflect.DeepEqual(a.Aliases, []string{"alice@example.net", "Alice.Example@example.com"}) ||
		a.Folders.Sent != "Sent Items" || a.Folders.Archive != "Archive" {
		t.Errorf("got display_name %q, aliases %q, sent %q, archive %q", a.DisplayName, a.Aliases, a.Folders.Sent, a.Folders.Archive)
	}
}

// An endpoint that the spam gray zone shares with another stage keeps a
// slot for it: max_concurrency defaults to 2 there, and 1 written in the
// file is a problem that says what to do.
func TestGrayZoneSharesAnEndpoint(t *testing.T) {
	const shared = "spam:\n  llm: small\nreply:\n  llm: small\nllm:\n  small:\n    model: qwen2.5:1.5b\n"
	cfg := parse(t, shared)
	if !cfg.SharesGrayZone("small") || cfg.LLM.Small.MaxConcurrency != 2 {
		t.Errorf("shared endpoint: shares %v, max_concurrency %d; want true, 2", cfg.SharesGrayZone("small"), cfg.LLM.Small.MaxConcurrency)
	}
	if cfg := parse(t, "spam:\n  llm: small\nllm:\n  small:\n    model: m\n"); cfg.SharesGrayZone("small") || cfg.LLM.Small.MaxConcurrency != 1 {
		t.Errorf("gray zone alone: max_concurrency %d, want 1", cfg.LLM.Small.MaxConcurrency)
	}
	ps := problems(t, shared+"    max_concurrency: 1\n")
	if len(ps) != 1 || ps[0].Line != 8 || ps[0].Path != "llm.small.max_concurrency" || !strings.Contains(ps[0].Msg, "set 2 or more") {
		t.Errorf("problems = %+v", ps)
	}
}
