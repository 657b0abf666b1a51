// Package faults holds the fault suite: the mailassist binary, its roles
// as separate processes, against a real Dovecot and a separate NATS
// server process, with a few hundred messages flowing while a fault is
// injected — a role killed with SIGKILL mid-batch, NATS killed and
// restarted, Dovecot stopped for 90 s, UIDVALIDITY changed twice over
// messages without a Message-ID, a full disk under data_dir, a language
// model that is down, slow or talks nonsense. After each, every message
// must reach exactly one terminal state (its effect applied, or a dead
// letter with a reason) with no effect doubled and no restart by hand.
// Run it with -v to see the counts each case checked.
package faults
