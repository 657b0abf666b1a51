package configs_test

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/compose-spec/compose-go/v2/cli"
	"github.com/compose-spec/compose-go/v2/types"

	"mailassist/configs"
)

// roles are the worker roles docker-compose.yml must run, each as a
// container of its own.
var roles = []string{"ingest", "spam", "reply", "escalate", "apply"}

// docker-compose.yml, loaded as Docker Compose would (compose-go, every
// profile): every service has an image or a build, every role is there
// with its command and a health check, every depends_on names a service,
// every file it mounts is in the repository, and NATS requires the users
// the keys service makes.
func TestDockerCompose(t *testing.T) {
	opts, err := cli.NewProjectOptions([]string{"../docker-compose.yml"},
		cli.WithName("mailassist"), cli.WithProfiles([]string{"*"}), cli.WithResolvedPaths(true))
	if err != nil {
		t.Fatal(err)
	}
	project, err := opts.LoadProject(context.Background())
	if err != nil {
		t.Fatalf("docker-compose.yml does not load: %v", err)
	}
	root, _ := filepath.Abs("..")
	for name, svc := range project.Services {
		if svc.Image == "" && svc.Build == nil {
			t.Errorf("service %s has neither image nor build", name)
		}
		for dep := range svc.DependsOn {
			if _, ok := project.Services[dep]; !ok {
				t.Errorf("service %s depends on %s, which is not a service", name, dep)
			}
		}
		for _, v := range svc.Volumes {
			if v.Type != types.VolumeTypeBind {
				continue
			}
			if !strings.HasPrefix(v.Source, root) {
				t.Errorf("service %s mounts %s, outside the repository", name, v.Source)
			} else if _, err := os.Stat(v.Source); err != nil {
				t.Errorf("service %s mounts %s: %v", name, v.Source, err)
			}
		}
	}
	for _, name := range append(slices.Clone(roles), "nats", "nats-1", "nats-2", "nats-3", "imap", "ollama") {
		svc, ok := project.Services[name]
		if !ok {
			t.Errorf("no service %s", name)
			continue
		}
		if svc.HealthCheck == nil || len(svc.HealthCheck.Test) == 0 || svc.HealthCheck.Disable {
			t.Errorf("service %s has no health check", name)
		}
	}
	for _, role := range roles {
		svc := project.Services[role]
		if !slices.Equal(svc.Command, types.ShellCommand{role}) {
			t.Errorf("service %s runs %v, want the %s role", role, svc.Command, role)
		}
		if !slices.Equal(svc.HealthCheck.Test, types.HealthCheckTest{"CMD", "/usr/local/bin/mailassist", "healthcheck"}) {
			t.Errorf("service %s's health check %v is not its /readyz", role, svc.HealthCheck.Test)
		}
		if dep, ok := svc.DependsOn["setup"]; !ok || dep.Condition != types.ServiceConditionCompletedSuccessfully {
			t.Errorf("service %s does not wait for setup", role)
		}
	}
	for _, name := range []string{"nats", "nats-1", "nats-2", "nats-3"} {
		if cmd := strings.Join(project.Services[name].Command, " "); !strings.Contains(cmd, "-c /keys/nats-server.conf") {
			t.Errorf("service %s does not load the users' config: %s", name, cmd)
		}
		if len(project.Services[name].Ports) != 0 {
			t.Errorf("service %s publishes a port", name)
		}
	}
	if keys := strings.Join(project.Services["keys"].Command, " "); !strings.Contains(keys, "setup --nkeys /keys") {
		t.Errorf("the keys service runs %q", keys)
	}
	if pull := strings.Join(project.Services["ollama-pull"].Entrypoint, " "); !strings.Contains(pull, "ollama pull") {
		t.Errorf("ollama-pull runs %q", pull)
	}
}

// The configs the compose roles load are valid, but for the files that
// exist only in the containers (the keys volume, the secrets).
func TestComposeConfigs(t *testing.T) {
	for _, name := range []string{"compose/mailassist.yaml", "compose/mailassist-cluster.yaml"} {
		_, err := configs.Load(name)
		var ce *configs.Error
		if errors.As(err, &ce) {
			for _, p := range ce.Problems {
				if !strings.Contains(p.Msg, "/keys/") || !strings.Contains(p.Msg, "no such file") {
					t.Errorf("%s:%d: %s: %s", name, p.Line, p.Path, p.Msg)
				}
			}
		} else if err != nil {
			t.Errorf("%s: %v", name, err)
		}
	}
}

// The systemd unit runs as a dynamic user with its state in
// StateDirectory and the usual hardening, and checks the config first.
func TestSystemdUnit(t *testing.T) {
	data, err := os.ReadFile("mailassist.service")
	if err != nil {
		t.Fatal(err)
	}
	lines := map[string]bool{}
	for _, l := range strings.Split(string(data), "\n") {
		if l = strings.TrimSpace(l); l != "" && !strings.HasPrefix(l, "#") {
			lines[l] = true
		}
	}
	for _, want := range []string{
		"DynamicUser=yes", "StateDirectory=mailassist", "ProtectSystem=strict", "NoNewPrivileges=yes",
		"ProtectHome=yes", "PrivateTmp=yes", "CapabilityBoundingSet=", "UMask=0077",
		"ExecStart=/usr/local/bin/mailassist run --config /etc/mailassist/mailassist.yaml",
		"ExecStartPre=/usr/local/bin/mailassist config check --strict --config /etc/mailassist/mailassist.yaml",
	} {
		if !lines[want] {
			t.Errorf("mailassist.service lacks %q", want)
		}
	}
}
