//go:build !race

package export

// raceEnabled is true when tests run under the race detector, which makes
// them many times slower; the exhaustive damage test samples then.
const raceEnabled = false
