package core

import (
	"testing"

	"trustdesk/identity"
	"trustdesk/internal/words"
)

// TestReplacementSentence: the person page's words for a replaced card,
// on the old card's page and the new one's, with the guardians this
// device knows, does not know, or is.
func TestReplacementSentence(t *testing.T) {
	old, next := Person{ID: identity.ID{1}, Name: "Ana (old card)"}, Person{ID: identity.ID{2}, Name: "Ana"}
	bo, cy := Person{ID: identity.ID{3}, Name: "Bo"}, Person{ID: identity.ID{4}, Name: "Cy"}
	for _, c := range []struct {
		r    CardReplacement
		id   identity.ID
		want string
	}{
		{CardReplacement{Cell: "Night", Old: old, New: next, Guardians: []Person{bo}}, old.ID,
			"In Night this card was replaced by a new one (Ana), confirmed by their guardian Bo."},
		{CardReplacement{Cell: "Night", Old: old, New: next, Guardians: []Person{bo, cy}, Unknown: 1}, next.ID,
			"In Night this card took the place of an old one (Ana (old card)), confirmed by their guardians Bo, Cy and 1 other this computer does not know."},
		{CardReplacement{Cell: "Night", Old: old, New: next, Unknown: 2}, old.ID,
			"In Night this card was replaced by a new one (Ana), confirmed by 2 guardians this computer does not know."},
		{CardReplacement{Cell: "Night", Old: old, New: next, Guardians: []Person{cy}, You: true, OnlyInvited: true}, old.ID,
			"In Night this card was replaced by a new one (Ana), confirmed by you and their guardian Cy. You have not joined that cell: nothing changes on this computer."},
		{CardReplacement{Cell: "Night", Old: old, New: next, Guardians: []Person{bo}, StillIn: []string{"Day", "Noon"}}, next.ID,
			"In Night this card took the place of an old one (Ana (old card)), confirmed by their guardian Bo. The old card is still a member of Day and Noon: their pages say what to do."},
	} {
		got := c.r.Sentence(c.id)
		if got != c.want {
			t.Errorf("Sentence = %q\nwant       %q", got, c.want)
		}
		if w := words.Jargon.FindString(got); w != "" {
			t.Errorf("%q says %q", got, w)
		}
	}
}
