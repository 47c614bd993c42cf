package app

import (
	"image/color"
	"strconv"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/canvas"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/dialog"
	"fyne.io/fyne/v2/theme"
	"fyne.io/fyne/v2/widget"

	"trustdesk/reputation"
)

// legendTitle is the title of the legend of the bars, and the label of
// the buttons that open it.
const legendTitle = "What the bars mean"

// legendWords are the legend's paragraphs after the colours, in order.
var legendWords = []string{
	"The number beside a bar is the score from 1 to 5: " + safetyWords[5] + " is 5, " + safetyWords[1] + " is 1. " +
		"It is worked out on this computer from the ratings in your cells. " +
		"Ratings from people you met in person, and from people they vouched for, count most; " +
		"older ratings count less; ratings from people nobody you know leads to, or whom you blocked, do not count. " +
		"So the number can differ from what one person entered: a person's page shows every rating and how much it counts.",
	"With a single rating, its own words are shown instead, such as \"1 rating: " + safetyWords[5] + "\".",
	"How much is known, from least to most: \"" + reputation.ConfidenceWords(0.2) + "\", \"" +
		reputation.ConfidenceWords(0.5) + "\", \"" + reputation.ConfidenceWords(0.9) + "\". " +
		"It grows with the number of ratings that count and with how much each one counts.",
	"When several ratings count but each counts little, the words say why instead: \"" + reputation.KnownLittleWords + "\" " +
		"means you have not met the people who rated them, and few of the people you met or rated have rated those; " +
		"\"" + reputation.FarWords + "\" means they are many vouches away from anyone you met in person.",
	"A red warning such as \"2 people felt unsafe\" means that people you trust gave a safety of " +
		strconv.Itoa(reputation.FlagSafety) + " or lower lately. It is shown whatever the bars say, " +
		"and such people come last when you order People by safety.",
}

// showLegend explains the reputation bars: the colours, the number, and
// the words for how much is known.
func (u *ui) showLegend() {
	swatch := func(c color.Color, text string) fyne.CanvasObject {
		r := canvas.NewRectangle(c)
		r.CornerRadius = 4
		r.SetMinSize(meterSize)
		return container.NewBorder(nil, nil, container.NewCenter(r), nil, widget.NewLabel(text))
	}
	box := container.NewVBox(
		swatch(teal, "Teal: 3.5 or more. Most felt safe; things went as agreed."),
		swatch(meterAmber, "Orange: 2.5 to 3.4. Mixed: some good, some bad."),
		swatch(meterRed, "Red: under 2.5. People felt unsafe, or they often did not keep their word."),
	)
	for _, p := range legendWords {
		box.Add(wrapped(p))
	}
	u.legend = box
	d := dialog.NewCustom(legendTitle, "Close", u.scrollInDialog(box), u.win)
	d.Resize(fyne.NewSize(560, 0))
	u.showDialog(d)
}

// legendButton returns a small button that opens the legend.
func (u *ui) legendButton() *widget.Button {
	b := widget.NewButtonWithIcon(legendTitle, theme.QuestionIcon(), u.showLegend)
	b.Importance = widget.LowImportance
	return b
}
