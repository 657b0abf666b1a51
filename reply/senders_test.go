package reply

import "testing"

func TestSenders(t *testing.T) {
	s := Senders{Skip: []string{"@news.example.com", "*@lists.*", "noreply-*@shop.example"}, Only: nil}
	only := Senders{Only: []string{"boss@example.com", "@partner.example"}, Skip: []string{"spam@partner.example"}}
	tests := []struct {
		s     Senders
		addr  string
		allow bool
	}{
		{s, "carol@example.org", true},
		{s, "editor@news.example.com", false},
		{s, "editor@eu.news.example.com", false}, // subdomains of a domain entry
		{s, "editor@fakenews.example.com", true}, // not a subdomain
		{s, "x@lists.example.org", false},
		{s, "noreply-orders@shop.example", false},
		{s, "orders@shop.example", true},
		{s, "Editor@NEWS.example.com", false}, // case-insensitive
		{only, "boss@example.com", true},
		{only, "BOSS@example.com", true},
		{only, "dana@partner.example", true},
		{only, "spam@partner.example", false}, // skip wins
		{only, "carol@example.org", false},
	}
	for _, tt := range tests {
		if got, why := tt.s.Allows(tt.addr); got != tt.allow {
			t.Errorf("%+v.Allows(%q) = %v (%s), want %v", tt.s, tt.addr, got, why, tt.allow)
		}
	}
	for e, ok := range map[string]bool{
		"boss@example.com": true, "@example.com": true, "*@news.*": true, "noreply-*@x": true,
		"example.com": false, "@": false, "a b@example.com": false, "boss@localhost": false, "": false,
	} {
		if validSender(e) != ok {
			t.Errorf("validSender(%q) = %v", e, !ok)
		}
	}
}

func TestPolicy(t *testing.T) {
	c := Config{Draft: DraftTop, LLM: "small", Signature: "-- \nTeam", SkipSenders: []string{"@a.example"},
		PerAccount: map[string]AccountConfig{
			"home": {Draft: DraftNone, LLM: "none", Signature: SignatureNone, SkipSenders: []string{"@b.example"}},
			"work": {Signature: SignatureAuto, LLM: "large"},
		}}.WithDefaults()
	if p := c.Policy("other"); !p.Draft || p.LLM != "small" || p.Signature != "-- \nTeam" || len(p.Senders.Skip) != 1 {
		t.Errorf("other: %+v", p)
	}
	if p := c.Policy("home"); p.Draft || p.LLM != "" || p.Signature != "" || len(p.Senders.Skip) != 2 {
		t.Errorf("home: %+v", p)
	}
	if p := c.Policy("work"); !p.Draft || p.LLM != "large" || p.Signature != SignatureAuto {
		t.Errorf("work: %+v", p)
	}
	if got := c.LLMs(); len(got) != 2 {
		t.Errorf("LLMs = %v, want small and large", got)
	}
}
