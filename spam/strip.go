package spam

import "strings"

// Header fields that describe how a message was received, stored,
// collected or judged — by the recipient's server, delivery agent, mail
// program, archive, or another filter — and not the message itself. They
// are stripped before featurizing: they yield no feature at all, not even
// their presence, so a model cannot learn the mailbox or the corpus a
// message was collected in, nor another filter's verdict.
//
// Authentication-Results and Received are not words either: the trusted
// Authentication-Results are read as sender authentication (auth.go), and
// only the first external Received hop is read (received.go).

// strippedHeaders are stripped by exact (canonical) name.
var strippedHeaders = map[string]bool{
	// delivery and storage
	"Delivered-To": true, "X-Original-To": true, "Envelope-To": true, "X-Envelope-To": true,
	"X-Envelope-From": true, "X-Original-Delivered-To": true,
	"Delivery-Date": true, "Return-Path": true, "X-Keywords": true, "X-Status": true,
	"Status": true, "X-Uid": true, "X-Uidl": true, "Content-Length": true, "Lines": true,
	"X-Mozilla-Status": true, "X-Mozilla-Status2": true, "X-Mozilla-Keys": true,
	"X-Evolution": true, "X-Imap": true, "X-Imapbase": true, "X-Apparently-To": true,
	"X-Original-Arrival-Time": true, "X-Received": true, "X-Gm-Message-State": true,
	"X-Gmail-Labels": true, "X-Gm-Thrid": true, "X-Gm-Msgid": true, "X-Gm-Features": true,
	"X-Yahoo-Newman-Property": true, "X-Yahoo-Newman-Id": true, "X-Ymail-Osg": true,
	"X-Rcpt-To": true, "X-Antiabuse": true, "X-Sieve": true, "X-Sieve-Redirected-From": true,
	"X-Loop": true, "X-Resolved-To": true, "X-Delivered-To": true, "X-Mail-From": true,
	"X-Rcvd-From": true, "Received-Spf": true, "X-Halon-Id": true, "X-Pobox-Relay-Id": true,
	// other filters' verdicts
	"X-Bogosity": true, "X-Razor-Id": true, "X-Pyzor": true, "X-Dcc": true,
	"X-Ms-Exchange-Organization-Scl": true, "X-Scanned-By": true, "X-Scanner": true,
	"X-Quarantine-Id": true, "X-Filtered-By": true, "X-Junk": true, "X-Junk-Score": true,
	"X-Policyd-Weight": true, "X-Greylist": true, "X-Cmae-Score": true, "X-Cmae-Analysis": true,
	"X-Ovh-Spamscore": true, "X-Ovh-Spamstate": true, "X-Vr-Spamscore": true,
	"X-Vr-Spamcause": true, "X-Vr-Spamstate": true,
	// trusted separately, or never words
	"Authentication-Results": true, "Arc-Authentication-Results": true, "Arc-Seal": true,
	"Arc-Message-Signature": true,
}

// strippedPrefixes are stripped when the (canonical) name starts with one:
// families of fields that filters, scanners and collectors add.
var strippedPrefixes = []string{
	"X-Spam", "X-Virus", "X-Antivirus", "X-Av-", "X-Amavis", "X-Dspam", "X-Crm114",
	"X-Rspamd", "X-Ms-Exchange-", "X-Microsoft-Antispam", "X-Forefront-", "X-Eopattributedmessage",
	"X-Eoptenantattributedmessage", "X-Ms-Office365-", "X-Ms-Traffictypediagnostic",
	"X-Ms-Publictraffictype", "X-Ms-Oob-", "X-Ms-Has-Attach", "X-Ms-Tnef-",
	"X-Proofpoint-", "X-Barracuda", "X-Ironport-", "X-Mimecast-", "X-Spamexperts-",
	"X-Sophos", "X-Symantec", "X-Brightmail", "X-Trendmicro", "X-Tm-As-", "X-Tmase-",
	"X-Fortiguard", "X-Sonicwall", "X-Kaspersky", "X-Kse-", "X-Eset", "X-Mailscanner",
	"X-Mailcontrol", "X-Cloudmark", "X-Vade", "X-Ovh-", "X-Policyd", "X-Smtpapi-Virus",
	"X-Gm-", "X-Google-Dkim-", "X-Hmxmroriginalrecipient", "X-Ydmarc", "X-Aol-Ip",
	"X-Apple-", "X-Icl-", "X-Zoho-Virus", "X-Zohomail-Dkim", "X-Zm-", "X-Mailru-Spam",
	"X-Yandex-Spam", "X-Yandex-Forward", "X-Cnfs-", "X-Cse-", "X-Mxl-", "X-Sg-Eid-",
	"X-Abuse-", "X-Mras", "X-Ham-Report", "X-Filter", "X-Mda-",
}

// prefixesByThird are strippedPrefixes grouped by their third letter,
// lower-case (every prefix starts with "X-"): most names are rejected
// without a comparison, the rest compared with a few prefixes.
var prefixesByThird = func() (t [256][]string) {
	for _, p := range strippedPrefixes {
		if len(p) < 3 || !strings.HasPrefix(p, "X-") {
			panic("stripped prefix " + p + " does not start with X- and a letter")
		}
		t[foldByte(p[2])] = append(t[foldByte(p[2])], p)
	}
	return t
}()

func foldByte(c byte) byte {
	if 'A' <= c && c <= 'Z' {
		return c + 'a' - 'A'
	}
	return c
}

// stripped reports whether the header field name (canonical form, as
// mailmsg gives it) is stripped before featurizing; extra are names and
// prefixes ("X-Foo-*") the configuration adds.
func stripped(name string, extra []string) bool {
	if strippedHeaders[name] {
		return true
	}
	if len(name) > 2 && (name[0] == 'X' || name[0] == 'x') && name[1] == '-' {
		for _, p := range prefixesByThird[foldByte(name[2])] {
			if len(name) >= len(p) && strings.EqualFold(name[:len(p)], p) {
				return true
			}
		}
	}
	for _, e := range extra {
		if p, ok := strings.CutSuffix(e, "*"); ok {
			if len(name) >= len(p) && strings.EqualFold(name[:len(p)], p) {
				return true
			}
		} else if strings.EqualFold(name, e) {
			return true
		}
	}
	return false
}
