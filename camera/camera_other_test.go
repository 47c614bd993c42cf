//go:build !linux

package camera

import (
	"errors"
	"testing"
)

func TestOpenUnsupported(t *testing.T) {
	if _, err := Open(Options{}); !errors.Is(err, ErrUnsupported) {
		t.Fatalf("Open: %v", err)
	}
	if Devices() != nil {
		t.Fatal("devices listed on an unsupported system")
	}
}
