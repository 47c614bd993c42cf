package app

import (
	"image/color"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/theme"
)

// teal is the deep teal of the trustdesk icon, the app's primary colour.
var teal = color.NRGBA{R: 0x0f, G: 0x6e, B: 0x6e, A: 0xff}

// calmTheme is Fyne's default theme, light, with the icon's deep teal as
// the primary colour and a little more room around things.
type calmTheme struct{}

// Color returns the colour for name: teal for the primary colour and for
// focus and selection, Fyne's light theme for the rest.
func (calmTheme) Color(name fyne.ThemeColorName, _ fyne.ThemeVariant) color.Color {
	switch name {
	case theme.ColorNamePrimary, theme.ColorNameHyperlink:
		return teal
	case theme.ColorNameFocus:
		return color.NRGBA{R: 0x0f, G: 0x6e, B: 0x6e, A: 0x50}
	case theme.ColorNameSelection:
		return color.NRGBA{R: 0x0f, G: 0x6e, B: 0x6e, A: 0x30}
	case theme.ColorNameBackground:
		return color.NRGBA{R: 0xf7, G: 0xf9, B: 0xf8, A: 0xff}
	}
	return theme.DefaultTheme().Color(name, theme.VariantLight)
}

// Font returns Fyne's default font.
func (calmTheme) Font(s fyne.TextStyle) fyne.Resource { return theme.DefaultTheme().Font(s) }

// Icon returns Fyne's default icon.
func (calmTheme) Icon(n fyne.ThemeIconName) fyne.Resource { return theme.DefaultTheme().Icon(n) }

// Size returns Fyne's default sizes with slightly larger text.
func (calmTheme) Size(n fyne.ThemeSizeName) float32 {
	switch n {
	case theme.SizeNameText:
		return 14
	case theme.SizeNameHeadingText:
		return 22
	case theme.SizeNameSubHeadingText:
		return 17
	}
	return theme.DefaultTheme().Size(n)
}
