package configs_test

import (
	"fmt"

	"mailassist/configs"
)

func ExampleLoad() {
	cfg, err := configs.Load("mailassist.yaml")
	if err != nil {
		fmt.Println(err)
		return
	}
	for _, a := range cfg.Accounts {
		fmt.Printf("%s: %s:%d tls %s, watching %v\n", a.Name, a.IMAP.Host, a.IMAP.Port, a.IMAP.TLS, a.Folders.Watch)
	}
	fmt.Println("stream keeps", cfg.Stream.MaxAge, "up to", cfg.Stream.MaxBytes)
	// Output:
	// alice: imap.example.com:993 tls implicit, watching [INBOX]
	// work: outlook.office365.com:993 tls implicit, watching [INBOX]
	// local: 127.0.0.1:143 tls none, watching [INBOX Lists]
	// stream keeps 720h up to 10GiB
}

func ExampleParse_problems() {
	_, err := configs.Parse("mailassist.yaml", []byte(`stages:
  ack_wait: 30
accounts:
  - name: work
    address: me@example.com
    imap:
      host: imap.example.com
      tls: ssl
      password_env: WORK_PW
      password_file: /run/secrets/work
`))
	fmt.Println(err)
	// Output:
	// mailassist.yaml:2: stages.ack_wait: invalid duration "30": want a duration such as 90s, 15m, 720h or 7d
	// mailassist.yaml:6: accounts[0].imap: set only one of password_env and password_file
	// mailassist.yaml:8: accounts[0].imap.tls: "ssl" is not one of implicit, starttls, none
}
