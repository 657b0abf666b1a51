// Package ollamatest serves Ollama's chat API (NDJSON streaming) from an
// httptest server with scripted answers, and finds the real Ollama of the
// integration tier.
package ollamatest

import (
	"encoding/json"
	"fmt"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"sync"
	"testing"
	"time"

	"github.com/ollama/ollama/api"
)

// Reply is what the fake server does with one chat request.
type Reply struct {
	// Content is streamed in chunks of a few bytes.
	Content string
	// NotDone ends the stream without the done:true line, as Ollama does
	// when it stops a generation that repeats itself.
	NotDone bool
	// Status, when not 0 or 200, answers with this HTTP status and Content
	// as the error.
	Status int
	// Delay waits before answering (or until the client gives up).
	Delay time.Duration
	// Garbage sends this raw line instead of NDJSON.
	Garbage string
}

// Server is a fake Ollama.
type Server struct {
	URL string
	// Models are the models /api/show knows. Default: "tiny".
	Models []string

	mu       sync.Mutex
	replies  func(req *api.ChatRequest) Reply
	requests []api.ChatRequest
}

// Start serves replies; reply is called for every chat request.
func Start(t testing.TB, reply func(req *api.ChatRequest) Reply) *Server {
	t.Helper()
	return StartAt(t, "", reply)
}

// StartAt is Start on the address addr ("127.0.0.1:port"), for a test
// that configured the URL before the server was there (an endpoint that
// is down at start and comes up later). An empty addr picks a free port.
func StartAt(t testing.TB, addr string, reply func(req *api.ChatRequest) Reply) *Server {
	t.Helper()
	s := &Server{Models: []string{"tiny"}, replies: reply}
	mux := http.NewServeMux()
	mux.HandleFunc("POST /api/chat", s.chat)
	mux.HandleFunc("POST /api/show", s.show)
	hs := httptest.NewUnstartedServer(mux)
	if addr != "" {
		ln, err := net.Listen("tcp", addr)
		if err != nil {
			t.Fatalf("ollamatest: listen on %s: %v", addr, err)
		}
		hs.Listener.Close()
		hs.Listener = ln
	}
	hs.Start()
	t.Cleanup(hs.Close)
	s.URL = hs.URL
	return s
}

// Always replies the same to every request.
func Always(r Reply) func(*api.ChatRequest) Reply {
	return func(*api.ChatRequest) Reply { return r }
}

// Sequence replies with rs in turn, repeating the last.
func Sequence(rs ...Reply) func(*api.ChatRequest) Reply {
	var mu sync.Mutex
	i := 0
	return func(*api.ChatRequest) Reply {
		mu.Lock()
		defer mu.Unlock()
		r := rs[min(i, len(rs)-1)]
		i++
		return r
	}
}

// SetReply changes the script (e.g. a model that comes back up).
func (s *Server) SetReply(reply func(req *api.ChatRequest) Reply) {
	s.mu.Lock()
	s.replies = reply
	s.mu.Unlock()
}

// Requests returns the chat requests received so far.
func (s *Server) Requests() []api.ChatRequest {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]api.ChatRequest(nil), s.requests...)
}

func (s *Server) show(w http.ResponseWriter, r *http.Request) {
	var req api.ShowRequest
	_ = json.NewDecoder(r.Body).Decode(&req)
	for _, m := range s.Models {
		if m == req.Model || m+":latest" == req.Model {
			_ = json.NewEncoder(w).Encode(api.ShowResponse{})
			return
		}
	}
	w.WriteHeader(http.StatusNotFound)
	fmt.Fprintf(w, `{"error":"model '%s' not found"}`, req.Model)
}

func (s *Server) chat(w http.ResponseWriter, r *http.Request) {
	var req api.ChatRequest
	if err := json.NewDecoder(r.Body).Decode(&req); err != nil {
		http.Error(w, `{"error":"bad request"}`, http.StatusBadRequest)
		return
	}
	s.mu.Lock()
	s.requests = append(s.requests, req)
	reply := s.replies(&req)
	s.mu.Unlock()

	if reply.Delay > 0 {
		select {
		case <-time.After(reply.Delay):
		case <-r.Context().Done():
			return
		}
	}
	if reply.Status != 0 && reply.Status != http.StatusOK {
		w.WriteHeader(reply.Status)
		fmt.Fprintf(w, "{\"error\":%q}\n", reply.Content)
		return
	}
	w.Header().Set("Content-Type", "application/x-ndjson")
	if reply.Garbage != "" {
		fmt.Fprintln(w, reply.Garbage)
		return
	}
	enc := json.NewEncoder(w)
	content := reply.Content
	for len(content) > 0 {
		n := min(7, len(content))
		_ = enc.Encode(chunk(req.Model, content[:n], false))
		content = content[n:]
		if f, ok := w.(http.Flusher); ok {
			f.Flush()
		}
	}
	if !reply.NotDone {
		final := chunk(req.Model, "", true)
		final.DoneReason = "stop"
		final.PromptEvalCount = len(req.Messages) * 50
		final.EvalCount = len(reply.Content) / 4
		_ = enc.Encode(final)
	}
}

func chunk(model, content string, done bool) api.ChatResponse {
	return api.ChatResponse{
		Model: model, CreatedAt: time.Now(), Done: done,
		Message: api.Message{Role: "assistant", Content: content},
	}
}

// Real returns the URL and model of the real Ollama of the integration
// tier (MAILASSIST_TEST_OLLAMA=1 with OLLAMA_HOST and
// MAILASSIST_TEST_OLLAMA_MODEL, as .ci/run sets them). Without the tier
// the test is skipped; with it but no server answering, the test fails.
func Real(t testing.TB) (url, model string) {
	t.Helper()
	if os.Getenv("MAILASSIST_TEST_OLLAMA") != "1" {
		if os.Getenv("CI") == "true" && os.Getenv("OLLAMA_HOST") != "" {
			t.Fatal("OLLAMA_HOST is set in CI but MAILASSIST_TEST_OLLAMA is not 1")
		}
		t.Skip("real-Ollama tier off: set MAILASSIST_TEST_OLLAMA=1, OLLAMA_HOST and MAILASSIST_TEST_OLLAMA_MODEL (.ci/run does)")
	}
	url, model = os.Getenv("OLLAMA_HOST"), os.Getenv("MAILASSIST_TEST_OLLAMA_MODEL")
	if url == "" || model == "" {
		t.Fatal("MAILASSIST_TEST_OLLAMA=1 needs OLLAMA_HOST and MAILASSIST_TEST_OLLAMA_MODEL")
	}
	resp, err := http.Get(url + "/api/version")
	if err != nil {
		t.Fatalf("real Ollama at %s does not answer: %v", url, err)
	}
	resp.Body.Close()
	return url, model
}
