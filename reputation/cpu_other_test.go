//go:build !unix

package reputation

import "time"

// cpuTime is not measured on this system.
func cpuTime() time.Duration { return 0 }
