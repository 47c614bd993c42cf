//go:build !race

package store

// raceEnabled reports whether the race detector is on; it makes scrypt
// several times slower.
const raceEnabled = false
