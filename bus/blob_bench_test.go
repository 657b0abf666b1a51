package bus_test

import (
	"context"
	"encoding/json"
	"fmt"
	"strconv"
	"testing"

	"mailassist/bus"
	"mailassist/internal/natstest"
)

// BenchmarkBlobTransport compares carrying a raw message inline in the
// event with carrying it through the object store, for a range of sizes:
// publish on one side, read back and decode on the other. It is the
// measurement behind the default stream.inline_max.
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
				raw := make([]byte, size)
				for i := range raw {
					raw[i] = "abcdefghij\r\n"[i%12]
				}
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
