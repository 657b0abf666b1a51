package apply

import (
	"fmt"
	"slices"
	"strings"

	"github.com/emersion/go-imap/v2"
)

// flags carries out the flags actions of the selected folder: one UID
// STORE (+FLAGS, then -FLAGS) per set of flags, over every UID that
// gets it. STORE is idempotent by nature, and a UID that is gone is left
// out by the server.
func (s *session) flags(fs []*found) {
	var sigs []string
	bySig := map[string][]*found{}
	for _, f := range fs {
		sig := strings.Join(sortedFlags(f.it.act.AddFlags), " ") + "|" + strings.Join(sortedFlags(f.it.act.RemoveFlags), " ")
		if bySig[sig] == nil {
			sigs = append(sigs, sig)
		}
		bySig[sig] = append(bySig[sig], f)
	}
	for _, sig := range sigs {
		s.store(bySig[sig])
	}
}

func sortedFlags(fl []string) []string {
	return slices.Compact(slices.Sorted(slices.Values(fl)))
}

// store gives the messages of fs, which share their flags, those flags.
func (s *session) store(fs []*found) {
	act := fs[0].it.act
	set := uidSet(fs)
	for _, op := range []struct {
		op    imap.StoreFlagsOp
		flags []string
	}{{imap.StoreFlagsAdd, act.AddFlags}, {imap.StoreFlagsDel, act.RemoveFlags}} {
		if len(op.flags) == 0 {
			continue
		}
		fl := make([]imap.Flag, len(op.flags))
		for i, f := range op.flags {
			fl[i] = imap.Flag(f)
		}
		if err := s.c.Store(set, &imap.StoreFlags{Op: op.op, Silent: true, Flags: fl}, nil).Close(); err != nil {
			err = fmt.Errorf("store flags %v on uid %v: %w", fl, set, err)
			if len(fs) == 1 || s.closed() {
				setErr(fs, err)
				return
			}
			s.alone(fs, err, s.store)
			return
		}
	}
}
