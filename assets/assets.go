// Package assets holds the files that trustdesk carries inside its binary:
// today the application icon.
//
// # Icon
//
// [Icon] is a 512×512 PNG of a white shield holding two linked rings on a
// deep teal badge: two people who have met face to face and vouch for each
// other. The desktop app uses it as the window and application icon, and
// "fyne package" puts the same file into release archives (FyneApp.toml
// points at assets/icon.png).
//
// The drawing is kept as hand-written SVG in assets/icon.svg; icon.png is
// rendered from it with "make icon" (rsvg-convert) and committed, so a build
// needs no image tools.
package assets

import (
	_ "embed"

	"fyne.io/fyne/v2"
)

//go:embed icon.png
var iconPNG []byte

// Icon is the trustdesk application icon as a 512×512 PNG resource.
var Icon fyne.Resource = fyne.NewStaticResource("trustdesk.png", iconPNG)
