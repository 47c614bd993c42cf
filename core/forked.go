package core

import (
	"trustdesk/crdt"
	"trustdesk/identity"
)

// noteForked adds to the summary, once per person, the authors whom the
// cell next, as the file leaves it, shows signing two different versions
// of their history while old, the cell as held (nil for a new cell), did
// not (crdt/SCHEMA.md §4.9): an honest device never does that, so the
// file shows that they used a changed program. Only someone's own
// signed words can show it, never those a sender relays.
func (p *pendingImport) noteForked(sc *cellScan, old, next *crdt.Cell) {
	forked, _ := next.NewlyForked(old)
	for _, id := range forked {
		if p.forkedSaid[id] {
			continue
		}
		if p.forkedSaid == nil {
			p.forkedSaid = map[identity.ID]bool{}
		}
		p.forkedSaid[id] = true
		p.summary.Forked = append(p.summary.Forked, person(sc.names, id))
	}
}

// forkedPhrase says in plain words who sent two different versions of
// what they did, or nothing.
func (s *ImportSummary) forkedPhrase() []string {
	var others []Person
	var out []string
	for _, p := range s.Forked {
		if p.Name == "you" {
			out = append(out, "two different versions of what you did arrived: was your card used on another computer?")
			continue
		}
		others = append(others, p)
	}
	switch len(others) {
	case 0:
	case 1:
		out = append(out, others[0].Name+" sent two different versions of what they did (from a changed program, or a copy of their computer)")
	default:
		out = append(out, Names(others)+" each sent two different versions of what they did (from a changed program, or a copy of their computer)")
	}
	return out
}
