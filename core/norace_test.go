//go:build !race

package core

// raceEnabled is true when the tests run under the race detector.
const raceEnabled = false
