package mailtext

import (
	"regexp"
	"strings"
)

// injectionPhrases are what a mail says when it addresses a language
// model instead of its human reader.
var injectionPhrases = []string{
	"ignore previous", "ignore all previous", "ignore the previous", "ignore the above", "ignore prior",
	"ignore your instructions", "ignore all instructions", "ignore any instructions", "ignore your rules",
	"disregard previous", "disregard the above", "disregard your", "disregard all", "disregard any",
	"forget your instructions", "forget all previous", "forget everything above", "override your",
	"system prompt", "your system message", "ignore these instructions",
	"you are an ai", "you are a language model", "you are a helpful assistant", "you are chatgpt",
	"as an ai", "as a language model", "language model", "ai assistant", "as an assistant", "dear assistant",
	"dear ai", "hey assistant", "note to the assistant", "note for the assistant", "note to the ai",
	"attention ai", "attention assistant", "to any ai", "assistant:", "you must reply",
	"you must respond", "you must include", "you must write", "do not tell the user", "don't tell the user",
	"without telling the user", "jailbreak", "<|im_start|>", "<|system|>", "[inst]", "### instruction",
	// The same in the other languages mailassist reads.
	"ignoriere alle vorherigen", "ignoriere die vorherigen", "ignoriere deine anweisungen", "als ki-assistent",
	"ignorez les instructions", "ignorez toutes les instructions", "en tant qu'ia",
	"ignora las instrucciones", "ignora todas las instrucciones", "ignora le istruzioni", "ignora tutte le istruzioni",
	"negeer alle vorige", "negeer de vorige", "ignore as instruções", "ignore todas as instruções",
}

// injectionRequests are requests to slip links, secrets or recipients
// into the reply.
var injectionRequests = regexp.MustCompile(
	`\b(include|add|insert|put|paste|append|embed)\s+(the\s+|this\s+|a\s+|an\s+|your\s+|my\s+|following\s+|our\s+)?` +
		`(link|url|password|passcode|pin|credentials?|login|username|bank details|account number|iban|card number|phone number)` +
		`|\b(reply|respond|answer)\s+(only\s+)?with\s+(your|the)\s+(password|passcode|pin|code|credentials|login|account|card)` +
		`|\b(bcc|blind[- ]copy)\b[^.!?]{0,40}@|@\S+[^.!?]{0,40}\b(bcc|blind[- ]copy)\b` +
		`|\badd\s+\S+@\S+\s+(to|as|in)\s+(the\s+)?(cc|recipients|reply)`)

// Injection returns the first text in s (at most its first 64 KiB) that
// is aimed at an assistant rather than a person — "ignore previous
// instructions", "as an AI", "system prompt", a request to include a
// link, a password or a recipient (Bcc) in the reply — or "" when there
// is none. A mail that says so gets no model-written text.
func Injection(s string) string {
	if len(s) > maxSensitiveScan {
		s = Truncate(s, maxSensitiveScan)
	}
	// Invisible characters ("i\u200bgnore") and line breaks do not hide a
	// phrase.
	lo := strings.Join(strings.Fields(strings.ToLower(StripControl(s, false))), " ")
	best := -1
	var cue string
	for _, p := range injectionPhrases {
		for off := 0; off < len(lo); {
			i := strings.Index(lo[off:], p)
			if i < 0 {
				break
			}
			i += off
			off = i + len(p)
			if i > 0 && isWordByte(lo[i-1]) {
				continue // "overignore previous" is not the phrase
			}
			if best < 0 || i < best {
				best, cue = i, p
			}
			break
		}
	}
	if loc := injectionRequests.FindStringIndex(lo); loc != nil && (best < 0 || loc[0] < best) {
		cue = lo[loc[0]:loc[1]]
	}
	return cue
}
