//go:build !linux

package camera

// Open returns [ErrUnsupported]: this system has no camera support in
// trustdesk.
func Open(opt Options) (*Camera, error) { return nil, ErrUnsupported }

// Devices returns nil: this system has no camera support in trustdesk.
func Devices() []string { return nil }
