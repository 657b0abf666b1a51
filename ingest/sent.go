package ingest

import (
	"context"
	"time"

	"mailassist/bus"
	"mailassist/mailmsg"
)

// publishSent publishes a message of the Sent folder on mail.sent: what
// the user sent, with the ids of what it answers. It is not ingested: no
// stage classifies or answers the user's own mail.
func (s *syncer) publishSent(ctx context.Context, in *bus.Ingested, raw []byte) error {
	w := s.w
	ev := bus.Sent{
		V: bus.Version, Ref: in.Ref, Fingerprint: in.Fingerprint, InternalDate: in.InternalDate, Size: in.Size,
		InReplyTo:  mailmsg.ParseMsgIDs(mailmsg.HeaderValue(raw, "In-Reply-To")),
		References: mailmsg.ParseMsgIDs(mailmsg.HeaderValue(raw, "References")),
		SeenAt:     time.Now().UTC(),
	}
	var err error
	if ev.RawKey, ev.RawObject, err = w.Bus.StoreBlob(ctx, "sent/"+in.ID, raw); err != nil {
		return err
	}
	if _, err := w.Bus.Publish(ctx, bus.Subject(bus.KindSent, w.Account.Name), bus.MsgID("sent", in.ID), &ev); err != nil {
		return err
	}
	sentPublished.With(w.Account.Name).Inc()
	w.Log.Debug("sent by the user", "uid", in.UID, "answers", len(ev.InReplyTo))
	return nil
}
