package reply

// words counts the words of s (runs of letters or digits).
func words(s string) int {
	n := 0
	forEachWord(s, func([]byte) { n++ })
	return n
}
