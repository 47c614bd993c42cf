//go:build !race

package qr

// raceEnabled is true when the race detector, which slows image code about
// tenfold, is on; the heaviest simulations then use smaller inputs.
const raceEnabled = false
