package ops

import "mailassist/setting"

// DefaultListen is where /metrics, /healthz and /readyz are served.
const DefaultListen = "127.0.0.1:9180"

// Config is the http section of the config file. An empty Listen disables
// the server; the default applies only when the listen key is absent.
type Config struct {
	Listen string `yaml:"listen"`
	// TokenFile holds a bearer token: a request that sends it
	// ("Authorization: Bearer …") gets the details of /healthz and
	// /readyz (account and mailbox names, errors) and /metrics from
	// anywhere; without it, only loopback clients do, and others get the
	// status alone. Default none.
	TokenFile string `yaml:"token_file"`
}

// Validate reports every problem of c, and warns when the endpoints are
// reachable from the network.
func (c *Config) Validate(p setting.Problems) {
	if c.Listen != "" {
		if host, ok := p.HostPort("listen", c.Listen); ok && !setting.IsLoopback(host) {
			what := "/healthz and /readyz show their details, and /metrics its account and mailbox names, only with the token_file token"
			if c.TokenFile == "" {
				what = "/metrics shows account and mailbox names to anyone who reaches it; set token_file to guard it"
			}
			p.Warn("listen", "%q is reachable from the network: %s", c.Listen, what)
		}
	}
	p.Existing("token_file", c.TokenFile)
	p.PrivateFile("token_file", c.TokenFile, "the bearer token")
}
