package reply

import (
	"mailassist/habits"
	"mailassist/setting"
)

// Defaults of the reply.trigger section.
const (
	DefaultHistoryDays = 180
	DefaultHistoryMax  = 5000
)

// TriggerConfig is the reply.trigger section: the personal trigger, which
// learns each account's reply habits.
type TriggerConfig struct {
	// Personal decides with the account's habits learnt from its mail
	// (TriggerPersonal); false decides by the content alone (Trigger).
	// Default true (nil means true).
	Personal *bool `yaml:"personal"`
	// Threshold is the chance that the user answers (0..1) from which
	// replies are suggested. 0, the default, lets each account choose its
	// own from its outcomes (habits.Model.Threshold), 0.2 until it has
	// enough.
	Threshold float64 `yaml:"threshold"`
	// TargetRecall is the share of the messages the user answers that a
	// chosen threshold would have caught. Default 0.55.
	TargetRecall float64 `yaml:"target_recall"`
	// HistoryDays and HistoryMax bound the mailbox history read on an
	// account's first start: received messages of the last HistoryDays
	// days, at most HistoryMax (the newest), and the Sent messages of the
	// same days, at most HistoryMax. Default 180 and 5000.
	HistoryDays int `yaml:"history_days"`
	HistoryMax  int `yaml:"history_max"`
	// PerAccount sets personal and threshold per account name.
	PerAccount map[string]TriggerAccount `yaml:"per_account"`
}

// TriggerAccount is one account's entry of reply.trigger.per_account.
type TriggerAccount struct {
	// Personal overrides reply.trigger.personal; nil keeps it.
	Personal *bool `yaml:"personal"`
	// Threshold overrides reply.trigger.threshold; 0 keeps it.
	Threshold float64 `yaml:"threshold"`
}

// WithDefaults returns c with its zero fields set to the defaults.
func (c TriggerConfig) WithDefaults() TriggerConfig {
	if c.Personal != nil && *c.Personal {
		c.Personal = nil // nil is the default: on
	}
	if c.TargetRecall == 0 {
		c.TargetRecall = habits.DefaultTargetRecall
	}
	if c.HistoryDays == 0 {
		c.HistoryDays = DefaultHistoryDays
	}
	if c.HistoryMax == 0 {
		c.HistoryMax = DefaultHistoryMax
	}
	return c
}

// Validate reports every problem of c (with its defaults filled in).
// That the per_account names are accounts is the caller's to check.
func (c *TriggerConfig) Validate(p setting.Problems) {
	threshold := func(field string, v float64) {
		if !(v >= 0 && v < 1) { // negated, so that NaN fails too
			p.Add(field, "%g is not in [0, 1) (0 lets each account choose its own)", v)
		}
	}
	threshold("threshold", c.Threshold)
	if !(c.TargetRecall > 0 && c.TargetRecall <= 1) {
		p.Add("target_recall", "%g is not in (0, 1]", c.TargetRecall)
	}
	p.Between("history_days", c.HistoryDays, 1, 3650)
	// Each message counts once only within the ids a profile remembers.
	p.Between("history_max", c.HistoryMax, 1, habits.MaxSentIDs)
	for name, a := range c.PerAccount {
		threshold("per_account."+name+".threshold", a.Threshold)
	}
}

// For returns whether the account decides with the personal trigger, and
// its options (threshold and target recall).
func (c *TriggerConfig) For(account string) (personal bool, o PersonalOptions) {
	personal = c.Personal == nil || *c.Personal
	o = PersonalOptions{Threshold: c.Threshold, TargetRecall: c.TargetRecall}
	if a, ok := c.PerAccount[account]; ok {
		if a.Personal != nil {
			personal = *a.Personal
		}
		if a.Threshold != 0 {
			o.Threshold = a.Threshold
		}
	}
	return personal, o
}
