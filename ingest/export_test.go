package ingest

import dto "github.com/prometheus/client_model/go"

// JunkOwnMoves reads mailassist_watcher_junk_own_moves_total of account.
func JunkOwnMoves(account string) float64 {
	var m dto.Metric
	if err := junkOwnMoves.WithLabelValues(account).Write(&m); err != nil {
		panic(err)
	}
	return m.GetCounter().GetValue()
}

// Instance is what this process writes in the leases it holds.
func Instance() string { return instance }
