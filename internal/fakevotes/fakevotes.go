// Package fakevotes holds, for the tests of several trustdesk packages,
// the home of someone in a cell that a hostile member filled with open
// votes: Ann founded "Night market", invited Mara and admitted [N] fakes
// who accepted; fake i votes to exclude fake i+1 (the last one Mara) and
// for rules of its own, none reaching the number needed. Making Ann's
// sync file takes minutes (each statement signed derives the cell
// again), so it is committed with Mara's home before she took it in
// (testdata, made again with go test -fakevotes.update); [Home] takes it
// in, joins the cell and votes. It is an ordinary (not _test) package
// so that the tests of core's users can share it.
package fakevotes

import (
	"bytes"
	"context"
	_ "embed"
	"fmt"

	"trustdesk/core"
	"trustdesk/crdt"
)

const (
	// N is how many fakes the cell holds.
	N = 2500
	// MyVote is the fake Mara voted to exclude.
	MyVote = N / 2
	// FakeName is how the fakes are named, by their number.
	FakeName = "Fake %04d"
	// CellName is the cell's name.
	CellName = "Night market"
	// Passphrase is the passphrase of Mara's home.
	Passphrase = "votes"
)

// MyRules are the rules Mara voted for.
var MyRules = crdt.Policy{AdmitVouches: 3, ExcludeQuorum: 7}

const (
	backupPath = "testdata/mara.backup"
	filePath   = "testdata/night-market.tdsync"
)

var (
	//go:embed testdata/mara.backup
	backup []byte
	//go:embed testdata/night-market.tdsync
	file []byte
)

// Home restores Mara's home into the empty folder home and unlocks it,
// takes in Ann's file, joins the cell, votes to exclude fake [MyVote]
// and for [MyRules].
func Home(home string) (*core.Service, error) {
	s, err := core.Restore(home, bytes.NewReader(backup), []byte(Passphrase), core.Options{WorkFactor: 10})
	if err != nil {
		return nil, err
	}
	err = act(s)
	if err != nil {
		s.Close()
		return nil, err
	}
	return s, nil
}

// act takes in Ann's file on Mara's home s, joins the cell and votes.
func act(s *core.Service) error {
	sum, err := s.Import(context.Background(), file)
	if err != nil {
		return err
	}
	if len(sum.Cells) != 1 {
		return fmt.Errorf("the file brought %d cells", len(sum.Cells))
	}
	cell := sum.Cells[0].ID
	if _, err := s.JoinCell(cell); err != nil {
		return err
	}
	v, err := s.FindCell(CellName)
	if err != nil {
		return err
	}
	for _, m := range v.Members() {
		if m.Name == fmt.Sprintf(FakeName, MyVote) {
			if _, err := s.VoteExclude(cell, m.ID); err != nil {
				return err
			}
		}
	}
	_, err = s.SetPolicy(cell, MyRules)
	return err
}
