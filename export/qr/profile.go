package qr

import (
	"fmt"
	"strings"
	"time"

	"github.com/skip2/go-qrcode"
)

// FrameInterval is how long a sender shows each frame of a sequence: ten
// frames per second.
const FrameInterval = 100 * time.Millisecond

// Profile selects the QR version, error correction level and shard size of
// an animated sequence. The zero value is [Normal].
type Profile int

const (
	// Normal carries 640 bytes per frame in a version 18 QR code
	// (89×89 modules) with error correction level L.
	Normal Profile = iota
	// Dense carries 896 bytes per frame in a version 21 QR code
	// (101×101 modules) with error correction level L. It needs a sharper
	// camera picture than Normal.
	Dense
	// Robust carries 320 bytes per frame in a version 14 QR code
	// (73×73 modules) with error correction level M, for poor cameras and
	// poor light.
	Robust
)

// profileSpec is the fixed geometry of one profile.
type profileSpec struct {
	name      string
	version   int
	level     qrcode.RecoveryLevel
	shardSize int
}

var profiles = [...]profileSpec{
	Normal: {"normal", 18, qrcode.Low, 640},
	Dense:  {"dense", 21, qrcode.Low, 896},
	Robust: {"robust", 14, qrcode.Medium, 320},
}

// Profiles lists every profile, from the most robust to the densest.
func Profiles() []Profile { return []Profile{Robust, Normal, Dense} }

func (p Profile) spec() (profileSpec, error) {
	if p < 0 || int(p) >= len(profiles) {
		return profileSpec{}, fmt.Errorf("qr: unknown profile %d", int(p))
	}
	return profiles[p], nil
}

// String returns the profile's name: "normal", "dense" or "robust".
func (p Profile) String() string {
	s, err := p.spec()
	if err != nil {
		return fmt.Sprintf("Profile(%d)", int(p))
	}
	return s.name
}

// ShardSize returns the number of file bytes one frame of the profile
// carries, or 0 for an unknown profile.
func (p Profile) ShardSize() int {
	s, _ := p.spec()
	return s.shardSize
}

// Version returns the QR code version the profile uses, or 0 for an unknown
// profile. A version v code has 17+4v modules on a side, plus the quiet zone.
func (p Profile) Version() int {
	s, _ := p.spec()
	return s.version
}

// ParseProfile returns the profile with the given name ("robust", "normal"
// or "dense", in any case); the empty string means [Normal].
func ParseProfile(name string) (Profile, error) {
	n := strings.ToLower(strings.TrimSpace(name))
	if n == "" {
		return Normal, nil
	}
	for i, s := range profiles {
		if s.name == n {
			return Profile(i), nil
		}
	}
	return 0, fmt.Errorf("qr: unknown profile %q (want robust, normal or dense)", name)
}
