//go:build !unix

package core

import "time"

func cpuTime() time.Duration { return 0 }

func liveChildrenRSS() int64 { return 0 }

func selfCPU() time.Duration { return 0 }

func liveChildrenPeak() int64 { return 0 }
