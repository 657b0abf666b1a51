// Package ingest watches an account's IMAP folders and publishes every new
// message to mail.ingested exactly once: first sync, IDLE (or polling),
// UIDVALIDITY and last-UID checkpoints, reconnects, mailbox leases among
// replicas, and the user's moves into and out of Junk as feedback.
package ingest
