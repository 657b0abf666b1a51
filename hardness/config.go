package hardness

import (
	"fmt"
	"maps"
	"net/mail"
	"regexp"
	"slices"
	"strings"

	"mailassist/setting"
)

// ReasonNames are the reasons whose weight the config may set, in the
// order the docs and messages list them.
var ReasonNames = []string{
	ReasonThreadLength, ReasonParticipants, ReasonLongMessage, ReasonComplaint, ReasonLegal, ReasonUrgent,
	ReasonMoney, ReasonNegativeTone, ReasonVIP, ReasonSmallModelInvalid, ReasonSmallModelUnsure,
}

// DefaultThreshold is the score from which a thread escalates.
const DefaultThreshold = 0.5

// Config is the hardness part of the config's escalate section: the
// threshold, weight overrides by reason name, VIP senders and rules. The
// rest of the score's parameters are DefaultScoreConfig's.
type Config struct {
	// Threshold of the hardness score (0..1). Default 0.5.
	Threshold float64 `yaml:"threshold"`
	// Weights override the default weight of a reason, by name (see
	// ReasonNames).
	Weights map[string]float64 `yaml:"weights"`
	// VIP senders: addresses or @domains.
	VIP []string `yaml:"vip"`
	// Rules escalate on subject or sender patterns.
	Rules []Rule `yaml:"rules"`
}

// WithDefaults returns c with its zero fields set to the defaults.
func (c Config) WithDefaults() Config {
	if c.Threshold == 0 {
		c.Threshold = DefaultThreshold
	}
	return c
}

// Validate reports every problem of c (with its defaults filled in).
func (c *Config) Validate(p setting.Problems) {
	checkThreshold(p, c.Threshold)
	for _, name := range slices.Sorted(maps.Keys(c.Weights)) { // sorted: one order for a flow mapping on one line
		w, field := c.Weights[name], "weights."+name
		switch {
		case !slices.Contains(ReasonNames, name):
			p.Add(field, "unknown reason %q (known: %s)", name, strings.Join(ReasonNames, ", "))
		case !(w >= 0 && w <= 1):
			p.Add(field, "%g is not in [0, 1]", w)
		}
	}
	checkVIP(p.In("vip"), c.VIP)
	checkRules(p.In("rules"), c.Rules)
}

// ScoreConfig returns DefaultScoreConfig with c's settings.
func (c Config) ScoreConfig() (ScoreConfig, error) {
	sc := DefaultScoreConfig()
	c = c.WithDefaults()
	sc.Threshold, sc.VIP, sc.Rules = c.Threshold, c.VIP, c.Rules
	for _, name := range slices.Sorted(maps.Keys(c.Weights)) {
		if err := sc.Weights.Set(name, c.Weights[name]); err != nil {
			return ScoreConfig{}, fmt.Errorf("weights: %w", err)
		}
	}
	return sc, nil
}

// Scorer validates c and returns its Scorer.
func (c Config) Scorer() (*Scorer, error) {
	sc, err := c.ScoreConfig()
	if err != nil {
		return nil, err
	}
	return NewScorer(sc)
}

func checkThreshold(p setting.Problems, t float64) {
	if !(t > 0 && t <= 1) {
		p.Add("threshold", "%g is not in (0, 1]", t)
	}
}

// checkVIP wants bare addresses or @domains.
func checkVIP(p setting.Problems, vip []string) {
	for i, v := range vip {
		field := fmt.Sprintf("[%d]", i)
		if strings.HasPrefix(v, "@") {
			if len(v) < 2 || strings.ContainsAny(v[1:], "@ <>,") {
				p.Add(field, "%q is not @domain", v)
			}
		} else if a, err := mail.ParseAddress(v); err != nil || a.Address != v {
			p.Add(field, "%q is not an address or @domain", v)
		}
	}
}

// checkRules wants named, distinct rules with a field, a valid pattern
// and a weight.
func checkRules(p setting.Problems, rules []Rule) {
	names := map[string]bool{}
	for i, r := range rules {
		rp := p.In(fmt.Sprintf("[%d]", i))
		switch {
		case r.Name == "":
			rp.Add("name", "required")
		case strings.ContainsAny(r.Name, " \t\r\n"):
			rp.Add("name", "%q is not one word", r.Name)
		case names[r.Name]:
			rp.Add("name", "%q is used by another rule", r.Name)
		}
		names[r.Name] = true
		rp.OneOf("field", r.Field, "subject", "from")
		if r.Pattern == "" {
			rp.Add("pattern", "required")
		} else if _, err := regexp.Compile("(?i)" + r.Pattern); err != nil {
			rp.Add("pattern", "not a regular expression: %v", err)
		}
		if !(r.Weight > 0 && r.Weight <= 1) {
			rp.Add("weight", "%g is not in (0, 1]", r.Weight)
		}
	}
}
