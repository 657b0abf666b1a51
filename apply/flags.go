package apply

import (
	"fmt"

	"github.com/emersion/go-imap/v2"
	"github.com/emersion/go-imap/v2/imapclient"

	"mailassist/bus"
)

func (ac *accountConn) flags(c *imapclient.Client, act *bus.Action) error {
	uids, err := locate(c, act)
	if err != nil || len(uids) == 0 {
		return err
	}
	set := imap.UIDSetNum(uids...)
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
		if err := c.Store(set, &imap.StoreFlags{Op: op.op, Silent: true, Flags: fl}, nil).Close(); err != nil {
			return fmt.Errorf("store flags %v: %w", fl, err)
		}
	}
	return nil
}
