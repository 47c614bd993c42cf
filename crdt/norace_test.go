//go:build !race

package crdt

// raceEnabled is true when tests run under the race detector, which makes
// them much slower; long tests use smaller sizes then.
const raceEnabled = false
