package ingest

// JunkOwnMoves reads mailassist_watcher_junk_own_moves_total of account.
func JunkOwnMoves(account string) float64 { return junkOwnMoves.With(account).Get() }

// Instance is what this process writes in the leases it holds.
func Instance() string { return instance }

// AccountReconnects reads mailassist_watcher_reconnects_total of an
// account watcher (one connection for every folder: mailbox "*").
func AccountReconnects(account string) float64 { return watcherReconnects.With(account, "*").Get() }
