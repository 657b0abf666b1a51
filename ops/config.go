package ops

import "mailassist/setting"

// DefaultListen is where /metrics, /healthz and /readyz are served.
const DefaultListen = "127.0.0.1:9180"

// Config is the http section of the config file. An empty Listen disables
// the server; the default applies only when the listen key is absent.
type Config struct {
	Listen string `yaml:"listen"`
}

// Validate reports every problem of c.
func (c *Config) Validate(p setting.Problems) {
	if c.Listen != "" {
		p.HostPort("listen", c.Listen)
	}
}
