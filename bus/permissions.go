package bus

import (
	"slices"
	"strings"
)

// Permissions are what a NATS user may do: the subjects it may publish
// to and subscribe to (the JetStream API is subjects too). They are
// written for an external server's per-role users (see
// configs/nats-server.conf and docs/nats.md); the builders below derive
// each JetStream operation's subjects in one place.
type Permissions struct {
	Publish   []string
	Subscribe []string
}

// Inbox is the inbox prefix of the processes of one role: replies to its
// requests (JetStream API answers, publish acks, pulled messages) come on
// "<Inbox(role)>.>", which no other role may read.
func Inbox(role string) string { return "_INBOX_" + role }

// jsAPI is the prefix of the JetStream API subjects.
const jsAPI = "$JS.API."

// NewPermissions returns what every process of role needs to open the
// bus (Open): its inbox, account info, and reading the configuration of
// the MAIL stream and of the buckets Open opens. It may create none of
// them: an admin does, with `mailassist setup`.
func NewPermissions(role string) *Permissions {
	p := &Permissions{Subscribe: []string{Inbox(role) + ".>"}}
	p.pub(jsAPI+"INFO", jsAPI+"STREAM.INFO."+StreamName)
	for _, kv := range []string{CheckpointsKV, SeenKV, JunkKV, LeasesKV, BodiesKV} {
		p.pub(jsAPI + "STREAM.INFO.KV_" + kv)
	}
	p.pub(jsAPI + "STREAM.INFO.OBJ_" + RawObjects)
	return p
}

func (p *Permissions) pub(subjects ...string) {
	for _, s := range subjects {
		if !slices.Contains(p.Publish, s) {
			p.Publish = append(p.Publish, s)
		}
	}
}

func (p *Permissions) sub(subjects ...string) {
	for _, s := range subjects {
		if !slices.Contains(p.Subscribe, s) {
			p.Subscribe = append(p.Subscribe, s)
		}
	}
}

// Events lets the role publish events of kind (every account) to the
// MAIL stream.
func (p *Permissions) Events(kinds ...string) *Permissions {
	for _, k := range kinds {
		p.pub(AllAccounts(k))
	}
	return p
}

// Consume lets the role run the stage durable on filter (Bus.Run): create
// that one consumer with that one filter, pull from it, acknowledge, count
// its messages' failures (mail_failures), and turn its max-deliveries
// advisories into dead letters (which reads the original from the stream
// and publishes mail.deadletter).
func (p *Permissions) Consume(durable, filter string) *Permissions {
	p.KV(FailuresKV, true)
	p.pub(
		jsAPI+"CONSUMER.CREATE."+StreamName+"."+durable+"."+filter,
		jsAPI+"CONSUMER.INFO."+StreamName+"."+durable,
		jsAPI+"CONSUMER.MSG.NEXT."+StreamName+"."+durable,
		"$JS.ACK."+StreamName+"."+durable+".>",
		jsAPI+"STREAM.MSG.GET."+StreamName,
	)
	p.Events(KindDeadLetter)
	p.sub("$JS.EVENT.ADVISORY.CONSUMER.MAX_DELIVERIES." + StreamName + "." + durable)
	return p
}

// ReadStream lets the role read single messages of the MAIL stream by
// sequence (msgindex.IngestedEvent).
func (p *Permissions) ReadStream() *Permissions {
	p.pub(jsAPI + "STREAM.MSG.GET." + StreamName)
	return p
}

// KV lets the role use the KV bucket: get, list and watch keys, and with
// write put, create, update and delete them.
func (p *Permissions) KV(bucket string, write bool) *Permissions {
	stream := "KV_" + bucket
	p.pub(
		jsAPI+"STREAM.INFO."+stream,
		jsAPI+"DIRECT.GET."+stream+".>",
		jsAPI+"STREAM.MSG.GET."+stream,
	)
	p.orderedConsumer(stream)
	if write {
		p.pub("$KV." + bucket + ".>")
	}
	return p
}

// KVGet lets the role read single keys of the KV bucket: the fewest
// subjects, for raw mail a stage reads by the key its event names.
func (p *Permissions) KVGet(bucket string) *Permissions {
	stream := "KV_" + bucket
	p.pub(jsAPI+"STREAM.INFO."+stream, jsAPI+"DIRECT.GET."+stream+".>")
	return p
}

// ConsumerInfo lets the role read the state of the stages' durable
// consumers (ingest's backlog pacing, pace.go).
func (p *Permissions) ConsumerInfo(durables ...string) *Permissions {
	for _, d := range durables {
		p.pub(jsAPI + "CONSUMER.INFO." + StreamName + "." + d)
	}
	return p
}

// KVGetPut lets the role read and write single keys of the KV bucket
// (get, put, create, update, delete), without listing or watching: the
// fewest subjects, for a bucket another role or an admin creates.
func (p *Permissions) KVGetPut(bucket string) *Permissions {
	stream := "KV_" + bucket
	p.pub(jsAPI+"STREAM.INFO."+stream, jsAPI+"DIRECT.GET."+stream+".>", "$KV."+bucket+".>")
	return p
}

// OwnKV is KV with write, and lets the role create the bucket and change
// its settings: a stage's own bucket (Bus.KeyValue).
func (p *Permissions) OwnKV(bucket string) *Permissions {
	p.KV(bucket, true)
	p.pub(jsAPI+"STREAM.CREATE.KV_"+bucket, jsAPI+"STREAM.UPDATE.KV_"+bucket)
	return p
}

// Objects lets the role use the object store bucket: get and watch
// objects, and with write put and delete them.
func (p *Permissions) Objects(bucket string, write bool) *Permissions {
	stream := "OBJ_" + bucket
	p.pub(
		jsAPI+"STREAM.INFO."+stream,
		jsAPI+"DIRECT.GET."+stream+".>",
		jsAPI+"STREAM.MSG.GET."+stream,
	)
	p.orderedConsumer(stream)
	if write {
		p.pub("$O."+bucket+".>", jsAPI+"STREAM.PURGE."+stream)
	}
	return p
}

// OwnObjects is Objects with write, and lets the role create the bucket
// and change its settings (Bus.ObjectStore).
func (p *Permissions) OwnObjects(bucket string) *Permissions {
	p.Objects(bucket, true)
	p.pub(jsAPI+"STREAM.CREATE.OBJ_"+bucket, jsAPI+"STREAM.UPDATE.OBJ_"+bucket)
	return p
}

// orderedConsumer lets the role read a bucket's stream through the
// ephemeral consumers that listing keys, watching and reading objects
// use, with their flow control.
func (p *Permissions) orderedConsumer(stream string) {
	p.pub(
		jsAPI+"CONSUMER.CREATE."+stream+".>",
		jsAPI+"CONSUMER.DELETE."+stream+".>",
		jsAPI+"CONSUMER.INFO."+stream+".>",
		"$JS.FC."+stream+".>",
	)
}

// Sorted returns p with both lists sorted, for printing and comparing.
func (p Permissions) Sorted() Permissions {
	p.Publish, p.Subscribe = slices.Sorted(slices.Values(p.Publish)), slices.Sorted(slices.Values(p.Subscribe))
	return p
}

// String is p as the allow lists of a nats-server user.
func (p Permissions) String() string {
	p = p.Sorted()
	quote := func(ss []string) string {
		q := make([]string, len(ss))
		for i, s := range ss {
			q[i] = `"` + s + `"`
		}
		return strings.Join(q, ", ")
	}
	return "publish: {allow: [" + quote(p.Publish) + "]}, subscribe: {allow: [" + quote(p.Subscribe) + "]}"
}
