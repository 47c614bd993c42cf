//go:build !unix

package store

// peakRSS is unknown on this system.
func peakRSS() int64 { return 0 }
