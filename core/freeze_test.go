package core

import (
	"testing"
	"time"

	"trustdesk/crdt"
	"trustdesk/internal/workergate"
)

// gatedService is a home whose imports are checked by a worker that waits
// at the returned gate until it opens.
func gatedService(t *testing.T, name string) (*Service, *workergate.Gate) {
	t.Helper()
	g := workergate.New(t)
	opt := testOptions
	opt.Checker = &crdt.Checker{Env: g.Env()}
	s, err := Init(t.TempDir(), name, []byte("correct horse"), opt)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		g.Open()
		s.Close()
	})
	return s, g
}

// TestImportDoesNotBlockScreens imports a sync file while the child
// process that checks it is held up, and meanwhile calls what the screens
// call on the UI goroutine: none of them may wait for the import (the
// issue's bar: blocked no more than 100 ms). A local change to the same
// cell during the check makes the import check the file again, so both
// the change and the file's content are kept.
func TestImportDoesNotBlockScreens(t *testing.T) {
	a := newService(t, "Ana")
	b, g := gatedService(t, "Bo")
	meet(t, a, b)
	cell, err := a.NewCell("Night shift")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := a.Admit(cell.ID, b.Card().ID()); err != nil {
		t.Fatal(err)
	}
	g.Close()
	invitation := mustExport(t, a, ExportRequest{To: to(b.Card().ID())})
	done := make(chan error, 1)
	go func() {
		_, err := b.Import(ctx, invitation)
		done <- err
	}()
	g.Waiting()

	// The bar is 100 ms, and the log shows each call against it. A call
	// that waited for the held-up check would never return while the gate
	// is closed, so the test fails only beyond 2 s: a busy machine running
	// every package's tests under -race must not fail it.
	const limit, waited = 100 * time.Millisecond, 2 * time.Second
	calls := map[string]func() error{
		"Cells":      func() error { _, err := b.Cells(); return err },
		"Contacts":   func() error { _, err := b.Contacts(); return err },
		"Reputation": func() error { _, err := b.Reputation(); return err },
		"NewCell":    func() error { _, err := b.NewCell("Book club"); return err },
	}
	for what, call := range calls {
		took := workergate.BlockedFor(t, what, limit, call)
		if took > waited {
			t.Errorf("%s waited %v for the import being checked", what, took)
		}
		t.Logf("%s took %v while the import was being checked", what, took)
	}
	select {
	case err := <-done:
		t.Fatalf("the import finished while its check was held up: %v", err)
	default:
	}
	g.Open()
	if err := <-done; err != nil {
		t.Fatal(err)
	}
	if _, err := b.JoinCell(cell.ID); err != nil {
		t.Fatalf("the invitation was not taken in: %v", err)
	}
	back := mustExport(t, b, ExportRequest{To: to(a.Card().ID())})
	if _, err := a.Import(ctx, back); err != nil {
		t.Fatal(err)
	}

	// Ana rates Bo; while Bo's device checks her file, Bo rates Ana in the
	// same cell. The import sees the cell changed, checks again, and
	// keeps both.
	if _, err := a.Rate(b.Card().ID(), crdt.Rating{Safety: 5, Reliability: 4}, nil); err != nil {
		t.Fatal(err)
	}
	rating := mustExport(t, a, ExportRequest{To: to(b.Card().ID())})
	g.Close()
	go func() {
		_, err := b.Import(ctx, rating)
		done <- err
	}()
	g.Waiting()
	if _, err := b.Rate(a.Card().ID(), crdt.Rating{Safety: 4, Reliability: 5}, []crdt.CellID{cell.ID}); err != nil {
		t.Fatal(err)
	}
	g.Open()
	if err := <-done; err != nil {
		t.Fatal(err)
	}
	v, err := b.FindCell("Night shift")
	if err != nil {
		t.Fatal(err)
	}
	if v.Ratings != 2 {
		t.Fatalf("after a local rating during the import the cell holds %d ratings, want 2", v.Ratings)
	}
}
