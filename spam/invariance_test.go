package spam

import (
	"math"
	"os"
	"strings"
	"testing"
)

// receivingHops are what three providers' receiving sides add on top of
// the same delivered message: hops that are the same for every message
// of a mailbox and must not move its score.
var receivingHops = []string{
	"", // the first external hop alone (provider A's MX)
	"Received: from localhost (localhost [127.0.0.1])\r\n\tby imap.provider-a.example (Dovecot) with LMTP id x1; Mon, 2 Mar 2026 10:00:02 +0000\r\n" +
		"Received: from mx1.provider-a.example (mx1.provider-a.example [10.0.0.5])\r\n\tby filter.provider-a.example (Postfix) with ESMTP id x2; Mon, 2 Mar 2026 10:00:01 +0000\r\n",
	"Received: by 2002:a05:6a10:9e0c:b0:4d1:3c9f with SMTP id x3; Mon, 2 Mar 2026 02:00:02 -0800 (PST)\r\n" +
		"X-Received: by 2002:a17:907:1c0a with SMTP id x4; Mon, 2 Mar 2026 02:00:01 -0800 (PST)\r\n" +
		"ARC-Seal: i=1; a=rsa-sha256; t=1; cv=none; d=google.com; s=arc-20240605; b=abc\r\n",
}

// collectorHeaders are fields that other filters, scanners and archives
// add: they must not move a score either.
const collectorHeaders = "X-Spam-Status: No, score=-2.6 required=5.0 tests=BAYES_00\r\n" +
	"X-Spam-Level: \r\nX-Spam-Checker-Version: SpamAssassin 4.0.1\r\n" +
	"X-Virus-Scanned: amavisd-new at provider.example\r\nX-Virus-Status: Clean\r\n" +
	"X-MS-Exchange-Organization-SCL: 1\r\nX-Microsoft-Antispam: BCL:0;\r\n" +
	"X-Forefront-Antispam-Report: CIP:198.51.100.20;CTRY:US;SFV:NSPM\r\n" +
	"X-Proofpoint-Spam-Details: rule=notspam policy=default score=0\r\n" +
	"X-Keywords: NonJunk\r\nX-UID: 4711\r\nStatus: RO\r\nX-Status: A\r\n" +
	"Delivered-To: user@provider.example\r\nX-Original-To: user@provider.example\r\n" +
	"Return-Path: <bounce@sender.example>\r\nX-Gmail-Labels: Inbox\r\nX-Bogosity: Ham, tests=bogofilter\r\n" +
	"Received-SPF: pass (provider.example: domain of sender.example designates 198.51.100.20 as permitted sender)\r\n"

// externalHop is the hop at which the provider took the message in,
// written as each provider writes it (same sending side).
var externalHops = []string{
	"Received: from mail.sender.example (mail.sender.example [198.51.100.20])\r\n\tby mx1.provider-a.example (Postfix) with ESMTPS id y1 for <user@provider-a.example>; Mon, 2 Mar 2026 10:00:00 +0000\r\n",
	"Received: from mail.sender.example (mail.sender.example [198.51.100.20])\r\n\tby mx.google.com with ESMTPS id y2\r\n\tfor <user@gmail.com>\r\n\t(version=TLS1_3 cipher=TLS_AES_256_GCM_SHA384 bits=256/256); Mon, 2 Mar 2026 02:00:00 -0800 (PST)\r\n",
}

// TestScoreIgnoresMailbox checks item 1 of the features' contract: adding
// or removing collector and other-filter headers, and changing the
// receiving side's hops, moves no score by more than 0.01.
func TestScoreIgnoresMailbox(t *testing.T) {
	models := map[string]*Model{"default": Default(), "fixtures": trainFixtures(t, Logistic)}
	for _, file := range []string{"testdata/ham-personal.eml", "testdata/spam-419.eml", "testdata/spam-html.eml", "testdata/ham-list.eml"} {
		raw, err := os.ReadFile(file)
		if err != nil {
			t.Fatal(err)
		}
		// the message as the sender's side sent it: its own Received fields stay
		body := dropHeader(string(raw), "Received")
		var sender string
		for _, l := range strings.SplitAfter(string(raw), "\n") {
			if strings.HasPrefix(l, "Received:") || (sender != "" && (strings.HasPrefix(l, " ") || strings.HasPrefix(l, "\t"))) {
				sender += l
				continue
			}
			if sender != "" {
				break
			}
		}
		for name, m := range models {
			var base float64
			first := true
			for _, rh := range receivingHops {
				for _, eh := range externalHops {
					for _, extra := range []string{"", collectorHeaders} {
						msg := rh + extra + eh + sender + body
						s := m.Classify([]byte(msg)).Score
						if first {
							base, first = s, false
							continue
						}
						if math.Abs(s-base) > 0.01 {
							t.Errorf("%s, model %s: score %.4f with\n%s\nbut %.4f with the first variant", file, name, s, rh+extra+eh, base)
						}
					}
				}
			}
		}
	}
}

// dropHeader removes every field called name (with its continuation
// lines) from a raw message.
func dropHeader(raw, name string) string {
	var b strings.Builder
	skipping := false
	inHeader := true
	for _, l := range strings.SplitAfter(raw, "\n") {
		if inHeader && (l == "\n" || l == "\r\n") {
			inHeader = false
		}
		if inHeader {
			if strings.HasPrefix(l, " ") || strings.HasPrefix(l, "\t") {
				if skipping {
					continue
				}
			} else {
				skipping = strings.HasPrefix(strings.ToLower(l), strings.ToLower(name)+":")
				if skipping {
					continue
				}
			}
		}
		b.WriteString(l)
	}
	return b.String()
}
