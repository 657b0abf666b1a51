package spam

import (
	"slices"
	"strings"
	"unicode"
	"unicode/utf8"

	"golang.org/x/net/idna"

	"mailassist/mailmsg"
)

// brands maps a brand as it appears in a display name (lower-case words)
// to the organizational domains that may send as it. A brand's own
// domains also include any whose first label contains its key without
// spaces ("paypal" for paypal.co.uk, paypal-community.com).
var brands = map[string][]string{
	"paypal": nil, "apple": {"icloud.com", "itunes.com"}, "icloud": {"apple.com"},
	"itunes": {"apple.com"}, "microsoft": {"outlook.com", "office.com", "live.com", "office365.com", "microsoftonline.com", "sharepoint.com", "onmicrosoft.com"},
	"office 365": {"microsoft.com", "office.com", "outlook.com", "microsoftonline.com"},
	"office365":  {"microsoft.com", "office.com", "outlook.com"}, "microsoft 365": {"microsoft.com", "office.com"},
	"outlook": {"microsoft.com", "live.com", "office.com", "hotmail.com"}, "onedrive": {"microsoft.com", "live.com"},
	"sharepoint": {"microsoft.com"}, "amazon": {"aws.com"}, "netflix": nil, "google": {"youtube.com", "gmail.com"},
	"gmail": {"google.com"}, "facebook": {"facebookmail.com", "meta.com", "fb.com"}, "instagram": {"facebookmail.com", "meta.com"},
	"whatsapp": {"facebookmail.com", "meta.com"}, "linkedin": {"lnkd.in"}, "dhl": nil, "fedex": nil, "ups": nil,
	"usps": nil, "docusign": {"docusign.net"}, "dropbox": {"dropboxmail.com"}, "wells fargo": {"wellsfargo.com"},
	"chase bank": {"chase.com"}, "jpmorgan chase": {"chase.com", "jpmorgan.com"}, "bank of america": {"bankofamerica.com", "bofa.com"},
	"citibank": {"citi.com"}, "hsbc": nil, "barclays": nil, "santander": nil, "ebay": nil, "adobe": nil,
	"coinbase": nil, "binance": nil, "metamask": nil, "irs": {"irs.gov"}, "hmrc": {"gov.uk"},
	"american express": {"americanexpress.com", "aexp.com"}, "amex": {"americanexpress.com", "aexp.com"},
	"spotify": nil, "steam": {"steampowered.com", "steamcommunity.com"}, "royal mail": {"royalmail.com"},
	"deutsche bank": {"db.com"}, "sparkasse": nil, "norton": {"nortonlifelock.com", "gen.com"}, "mcafee": nil,
	"geek squad": {"bestbuy.com"}, "zoom": {"zoom.us"}, "webmail": nil, "mail administrator": nil,
	"it helpdesk": nil, "help desk": nil, "mailbox administrator": nil,
}

// paddedBrands are the keys of brands with a space on each side, to find
// them among the words of a display name without an allocation each.
var paddedBrands = func() []struct{ brand, padded string } {
	out := make([]struct{ brand, padded string }, 0, len(brands))
	for b := range brands {
		out = append(out, struct{ brand, padded string }{b, " " + b + " "})
	}
	slices.SortFunc(out, func(a, b struct{ brand, padded string }) int { return strings.Compare(a.brand, b.brand) })
	return out
}()

// noOwnDomain are brand keys that no sender domain owns: "IT helpdesk" is
// the local admin only when it writes from the user's own organization,
// which the model cannot know, so these count when From is free mail.
var noOwnDomain = map[string]bool{"webmail": true, "mail administrator": true, "it helpdesk": true, "help desk": true, "mailbox administrator": true}

// freeMail are organizational domains of free mail services.
var freeMail = map[string]bool{
	"gmail.com": true, "googlemail.com": true, "yahoo.com": true, "ymail.com": true, "hotmail.com": true,
	"outlook.com": true, "live.com": true, "msn.com": true, "aol.com": true, "icloud.com": true, "me.com": true,
	"mail.ru": true, "yandex.ru": true, "yandex.com": true, "gmx.com": true, "gmx.net": true, "gmx.de": true,
	"web.de": true, "protonmail.com": true, "proton.me": true, "qq.com": true, "163.com": true, "126.com": true,
	"zoho.com": true, "mail.com": true, "yahoo.co.uk": true, "hotmail.co.uk": true, "rediffmail.com": true,
	"seznam.cz": true, "wp.pl": true, "o2.pl": true, "libero.it": true, "orange.fr": true, "laposte.net": true,
}

// shorteners are URL-shortening hosts.
var shorteners = map[string]bool{
	"bit.ly": true, "bitly.com": true, "tinyurl.com": true, "t.co": true, "goo.gl": true, "ow.ly": true,
	"is.gd": true, "buff.ly": true, "rebrand.ly": true, "cutt.ly": true, "shorturl.at": true, "rb.gy": true,
	"tiny.cc": true, "s.id": true, "t.ly": true, "v.gd": true, "bl.ink": true, "shorte.st": true,
	"adf.ly": true, "tr.im": true, "qrco.de": true, "urlz.fr": true,
}

// Attachment extensions by the signal they raise.
var (
	execExts = map[string]bool{
		"exe": true, "scr": true, "pif": true, "com": true, "bat": true, "cmd": true, "js": true, "jse": true,
		"vbs": true, "vbe": true, "wsf": true, "wsh": true, "hta": true, "msi": true, "lnk": true, "jar": true,
		"ps1": true, "cpl": true, "reg": true, "iso": true, "img": true, "vhd": true, "vhdx": true, "apk": true,
		"dll": true, "scf": true, "msc": true, "one": true, "xll": true,
	}
	macroExts   = map[string]bool{"docm": true, "xlsm": true, "pptm": true, "dotm": true, "xltm": true, "xlam": true, "ppsm": true, "potm": true, "xlsb": true}
	archiveExts = map[string]bool{"zip": true, "rar": true, "7z": true, "gz": true, "tgz": true, "tar": true, "ace": true, "arj": true, "cab": true, "bz2": true, "xz": true, "lzh": true, "r00": true, "z": true}
	execTypes   = map[string]bool{"application/x-msdownload": true, "application/x-ms-dos-executable": true, "application/x-msdos-program": true, "application/x-dosexec": true, "application/hta": true, "application/x-ms-shortcut": true}
)

// phishFeatures adds the phishing signals of m.
func (f *featurizer) phishFeatures(m *mailmsg.Message) {
	fromOrg := ""
	if len(m.From) > 0 {
		fromOrg = orgDomain(m.From[0].Domain())
		f.senderName(m.From[0].Name, fromOrg)
	}
	f.replyTo(m, fromOrg)
	for _, l := range m.Links {
		if linkMismatch(l) {
			f.signal("phish-link-mismatch")
			break
		}
	}
	for _, u := range m.URLs {
		f.urlSignals(mailmsg.URLHost(u))
	}
	if m.Forms > 0 {
		f.signal("phish-html-form")
	}
	if m.PasswordFields > 0 {
		f.signal("phish-password-field")
	}
	for _, p := range m.Parts {
		if p.IsAttachment() || p.Filename != "" {
			f.attachment(p)
		}
	}
}

// senderName raises phish-brand-name when the From display name names a
// brand that the From domain is not, and phish-name-address when it holds
// an address of another domain.
func (f *featurizer) senderName(name, fromOrg string) {
	if name == "" {
		return
	}
	lower := strings.ToLower(name)
	if i := strings.IndexByte(lower, '@'); i > 0 {
		j := i + 1
		for j < len(lower) && (isDomainByte(lower[j])) {
			j++
		}
		if d := orgDomain(lower[i+1 : j]); strings.Contains(d, ".") && d != fromOrg {
			f.signal("phish-name-address")
		}
	}
	// the name's words (runs of letters and digits), each between spaces
	b := append(f.nameBuf[:0], ' ')
	for _, r := range lower {
		if unicode.IsLetter(r) || unicode.IsDigit(r) {
			b = utf8.AppendRune(b, r)
		} else if b[len(b)-1] != ' ' {
			b = append(b, ' ')
		}
	}
	if b[len(b)-1] != ' ' {
		b = append(b, ' ')
	}
	f.nameBuf = b
	words := unsafeString(b)
	for _, b := range paddedBrands {
		if !strings.Contains(words, b.padded) {
			continue
		}
		brand, domains := b.brand, brands[b.brand]
		if noOwnDomain[brand] {
			if freeMail[fromOrg] {
				f.signal("phish-brand-name")
				return
			}
			continue
		}
		if !ownsBrand(fromOrg, brand, domains) {
			f.signal("phish-brand-name")
			return
		}
	}
}

func isDomainByte(c byte) bool {
	return 'a' <= c && c <= 'z' || '0' <= c && c <= '9' || c == '.' || c == '-'
}

// ownsBrand reports whether the organizational domain may send as brand.
func ownsBrand(org, brand string, domains []string) bool {
	if org == "" {
		return false
	}
	first, _, _ := strings.Cut(org, ".")
	if strings.Contains(first, strings.ReplaceAll(brand, " ", "")) {
		return true
	}
	for _, d := range domains {
		if org == d {
			return true
		}
	}
	return false
}

// replyTo raises phish-reply-to-other when replies go to another
// organization than From (not on a mailing list, where that is the
// rule), and phish-reply-to-free when they go to free mail and From is
// not.
func (f *featurizer) replyTo(m *mailmsg.Message, fromOrg string) {
	if len(m.ReplyTo) == 0 || fromOrg == "" {
		return
	}
	h := m.Header
	if h.Has("List-Id") || h.Has("List-Post") || h.Has("Mailing-List") || h.Has("List-Unsubscribe") {
		return
	}
	rt := orgDomain(m.ReplyTo[0].Domain())
	if rt == "" || rt == fromOrg {
		return
	}
	f.signal("phish-reply-to-other")
	if freeMail[rt] && !freeMail[fromOrg] {
		f.signal("phish-reply-to-free")
	}
}

// linkMismatch reports whether a link's text shows a host of one
// organization and its URL goes to another.
func linkMismatch(l mailmsg.Link) bool {
	shown := shownHost(l.Text)
	if shown == "" {
		return false
	}
	target := mailmsg.URLHost(l.URL)
	if target == "" {
		return false
	}
	return orgDomain(shown) != orgDomain(target)
}

// shownHost returns the host a link text shows: the text is one URL
// ("https://www.bank.com/login") or one host name ("www.bank.com"), else "".
func shownHost(text string) string {
	text = strings.TrimSpace(text)
	if text == "" || strings.ContainsAny(text, " \t\n") || len(text) > 200 {
		return ""
	}
	lower := strings.ToLower(text)
	if strings.HasPrefix(lower, "http://") || strings.HasPrefix(lower, "https://") {
		return mailmsg.URLHost(text)
	}
	host, _, _ := strings.Cut(lower, "/")
	if strings.ContainsAny(host, "@:") || !strings.Contains(host, ".") {
		return ""
	}
	// a host name: labels of letters, digits and '-', a TLD of letters
	labels := strings.Split(strings.TrimSuffix(host, "."), ".")
	for _, l := range labels {
		if l == "" {
			return ""
		}
		for i := 0; i < len(l); i++ {
			if !isDomainByte(l[i]) || l[i] == '.' {
				return ""
			}
		}
	}
	tld := labels[len(labels)-1]
	if len(tld) < 2 || strings.IndexFunc(tld, func(r rune) bool { return r < 'a' || r > 'z' }) >= 0 {
		return ""
	}
	if !strings.HasPrefix(host, "www.") && len(labels) < 2 {
		return ""
	}
	return host
}

// urlSignals raises the signals of one URL host.
func (f *featurizer) urlSignals(host string) {
	if host == "" {
		return
	}
	switch {
	case isNumericHost(host) || strings.HasPrefix(host, "["):
		f.signal("phish-url-ip")
		return
	case shorteners[host]:
		f.signal("phish-url-shortener")
	}
	uhost := host
	if strings.Contains(host, "xn--") {
		f.signal("phish-url-punycode")
		if u, err := idna.Punycode.ToUnicode(host); err == nil {
			uhost = u
		}
	}
	if mixedScript(uhost) {
		f.signal("phish-url-mixed-script")
	}
}

// mixedScript reports whether a label of the host mixes letters of
// Latin with Cyrillic or Greek (the look-alikes of homograph attacks), or
// any two of them.
func mixedScript(host string) bool {
	for label := range strings.SplitSeq(host, ".") {
		var latin, cyrillic, greek bool
		for _, r := range label {
			switch {
			case r < 0x80:
				latin = latin || ('a' <= r && r <= 'z' || 'A' <= r && r <= 'Z')
			case unicode.Is(unicode.Cyrillic, r):
				cyrillic = true
			case unicode.Is(unicode.Greek, r):
				greek = true
			case unicode.Is(unicode.Latin, r):
				latin = true
			}
		}
		n := 0
		for _, b := range []bool{latin, cyrillic, greek} {
			if b {
				n++
			}
		}
		if n > 1 {
			return true
		}
	}
	return false
}

// attachment raises the signal of an attachment's type.
func (f *featurizer) attachment(p mailmsg.Part) {
	name := strings.ToLower(strings.TrimRight(p.Filename, ". "))
	ext := ""
	if i := strings.LastIndexByte(name, '.'); i >= 0 {
		ext = name[i+1:]
	}
	switch {
	case execExts[ext] || execTypes[p.ContentType]:
		f.signal("phish-attach-exec")
	case macroExts[ext] || p.ContentType == "application/vnd.ms-excel.sheet.macroenabled.12" ||
		p.ContentType == "application/vnd.ms-word.document.macroenabled.12":
		f.signal("phish-attach-macro")
	case archiveExts[ext] || p.ContentType == "application/zip" || p.ContentType == "application/x-rar-compressed" ||
		p.ContentType == "application/x-7z-compressed":
		f.signal("phish-attach-archive")
	}
}
