// Package mailtext decides what the sender of a mail wrote: it splits a
// plain-text body into new text, quoted history and signature, finds the
// sentences that ask the reader for something, and truncates text safely.
//
// It is the one owner of these decisions; the reply trigger, the prompt
// builder and the escalation summary all read a mail through it, so that
// "the new text" means the same thing everywhere.
//
// The vocabularies (attribution verbs, Outlook header names, sign-offs,
// mobile footers) are Go tables, one file per concern, in the languages
// English, German, French, Spanish, Italian, Dutch and Portuguese, with
// the attributions and sign-offs of Swedish, Norwegian, Danish, Polish and
// Finnish clients as well; the ask phrases are data files, asks/<code>.txt,
// one per language. To teach the package a new phrase, add it to the table
// or file and a case to the table test or the corpus (testdata/corpus,
// rewritten with go test -update).
//
// All functions take text that is already decoded (UTF-8, no MIME); they
// accept "\r\n" and "\n" line ends and never panic.
package mailtext
