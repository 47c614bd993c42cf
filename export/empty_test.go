package export

import "testing"

func TestEmptyParts(t *testing.T) {
	// A file with no cells, and one whose cell carries heads only (the
	// sender tells what it has), both open.
	cell := testCell(t, 0)
	for name, f := range map[string]*File{
		"no cells":   {},
		"heads only": {Cells: []Cell{{ID: cell.ID(), Heads: cell.Heads()}}},
	} {
		g, err := Open(person(t, 1), seal(t, f, 1))
		if err != nil {
			t.Errorf("%s: %v", name, err)
			continue
		}
		if len(g.Cells) != len(f.Cells) {
			t.Errorf("%s: %d cells", name, len(g.Cells))
		}
		for _, c := range g.Cells {
			if len(c.Changes) != 0 || len(c.Since) != 0 {
				t.Errorf("%s: changes or since appeared", name)
			}
		}
	}
}
