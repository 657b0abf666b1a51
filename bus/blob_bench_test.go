package bus_test

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"math/rand/v2"
	"strconv"
	"testing"

	"mailassist/bus"
	"mailassist/internal/natstest"
)

// BenchmarkBlobTransport compares carrying a raw message inline in the
// event with carrying it through the object store, for a range of sizes:
// publish on one side, read back and decode on the other. It is the
// measurement behind the default stream.inline_max. The message is what
// large mail is, a base64 attachment, which the writer's S2 compression
// does not shrink (it has no entropy coding): the figures are those of
// the bytes as they are.
func BenchmarkBlobTransport(b *testing.B) {
	srv := natstest.Start(b)
	for _, size := range []int{4 << 10, 16 << 10, 32 << 10, 64 << 10, 128 << 10, 256 << 10, 512 << 10} {
		for _, mode := range []string{"inline", "object"} {
			b.Run(fmt.Sprintf("%dKiB/%s", size>>10, mode), func(b *testing.B) {
				inlineMax := 1 << 10 // everything above 1 KiB goes to the object store
				if mode == "inline" {
					inlineMax = 768 << 10
				}
				bs := srv.Open(b, bus.Options{InlineMax: inlineMax})
				raw := attachment(size)
				ctx := context.Background()
				b.SetBytes(int64(size))
				b.ResetTimer()
				for i := range b.N {
					id := "bench/" + mode + "/" + strconv.Itoa(size) + "/" + strconv.Itoa(i)
					ev := bus.Ingested{V: 1, Ref: bus.Ref{ID: id}}
					var err error
					if ev.RawKey, ev.RawObject, err = bs.StoreBlob(ctx, id, raw); err != nil {
						b.Fatal(err)
					}
					ack, err := bs.Publish(ctx, "mail.bench.x", id, &ev)
					if err != nil {
						b.Fatal(err)
					}
					msg, err := bs.Stream.GetMsg(ctx, ack.Sequence)
					if err != nil {
						b.Fatal(err)
					}
					var got bus.Ingested
					if err := json.Unmarshal(msg.Data, &got); err != nil {
						b.Fatal(err)
					}
					back, err := bs.LoadBlob(ctx, got.Raw, got.RawKey, got.RawObject)
					if err != nil || len(back) != size {
						b.Fatalf("read back %d bytes: %v", len(back), err)
					}
				}
			})
		}
	}
}

// attachment is size bytes of base64 lines of random data, as a large
// message's attachment is.
func attachment(size int) []byte {
	rnd := rand.New(rand.NewPCG(1, 2))
	bin := make([]byte, size*3/4)
	for i := range bin {
		bin[i] = byte(rnd.Uint32())
	}
	enc := base64.StdEncoding.EncodeToString(bin)
	raw := make([]byte, 0, size+size/38)
	for len(enc) > 0 && len(raw) < size {
		n := min(76, len(enc))
		raw = append(raw, enc[:n]...)
		raw = append(raw, '\r', '\n')
		enc = enc[n:]
	}
	return raw[:size]
}
