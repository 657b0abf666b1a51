package configs

import (
	"net/url"
	"time"
)

// validateSpam checks the spam stage and that spam.llm names an endpoint
// that is configured in l.
func validateSpam(s *Spam, l *LLM, ps *problems) {
	oneOf(ps, "spam.action", s.Action, "move", "flag", "none")
	if !(s.Threshold >= 0 && s.Threshold < 1) { // negated, so that NaN fails too
		ps.add("spam.threshold", "%g is not in [0, 1) (0 keeps the model's own threshold)", s.Threshold)
	}
	if g := s.GrayZone; len(g) != 2 || !(0 <= g[0] && g[0] < g[1] && g[1] <= 1) {
		ps.add("spam.gray_zone", "%v is not [low, high] with 0 <= low < high <= 1", g)
	}
	switch s.LLM {
	case "":
	case "small", "large":
		if (s.LLM == "small" && l.Small == nil) || (s.LLM == "large" && l.Large == nil) {
			ps.add("spam.llm", "%q names llm.%s, which is not configured", s.LLM, s.LLM)
		}
	default:
		ps.add("spam.llm", "%q is not one of small, large (or empty for no second opinion)", s.LLM)
	}
	atLeast(ps, "spam.llm_timeout", s.LLMTimeout, 100*time.Millisecond)
	existing(ps, "spam.model", s.Model)
}

// validateEndpoint checks one Ollama endpoint. Plain http is allowed to a
// loopback host, elsewhere only with allow_plaintext. Like natsURL, it
// never prints the URL, which may hold credentials.
func validateEndpoint(ps *problems, path string, e *Endpoint) {
	if e == nil {
		return
	}
	if e.Model == "" {
		ps.add(path+".model", "required: the model name as Ollama lists it")
	}
	u, err := url.Parse(e.URL)
	switch {
	case err != nil || u.Hostname() == "":
		ps.add(path+".url", "is not a URL such as http://127.0.0.1:11434")
	case u.User != nil:
		ps.add(path+".url", "has credentials in the URL, which are not allowed: secrets do not go in this file")
	case u.Scheme != "http" && u.Scheme != "https":
		ps.add(path+".url", "scheme %q is not http or https", u.Scheme)
	case u.Scheme == "http" && !isLoopback(u.Hostname()) && !e.AllowPlaintext:
		ps.add(path+".url", "plain http to %s, which is not a loopback host: use https, or set allow_plaintext: true", u.Hostname())
	}
	atLeast(ps, path+".timeout", e.Timeout, time.Second)
	between(ps, path+".max_concurrency", e.MaxConcurrency, 1, 64)
	existing(ps, path+".ca_file", e.CAFile)
}
