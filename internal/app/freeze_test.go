package app

import (
	"testing"
	"time"

	"fyne.io/fyne/v2/test"

	"trustdesk/core"
	"trustdesk/crdt"
	"trustdesk/internal/workergate"
)

// TestImportLeavesWindowFree receives a sync file while the child process
// that checks it is held up, and meanwhile does on the UI goroutine what a
// person would: switch screens, which read the service afresh. The window
// must never wait for the check (the bar: at most 100 ms longer
// than showing the screen takes with no import under way), neither
// while the file is previewed nor while it is taken in.
func TestImportLeavesWindowFree(t *testing.T) {
	g := workergate.New(t)
	opts := testCore
	opts.Checker = &crdt.Checker{Env: g.Env()}
	u := startUI(t, t.TempDir(), "")
	svc, err := core.Init(u.opts.Home, "Mara", []byte(testPass), opts)
	if err != nil {
		t.Fatal(err)
	}
	bea, err := core.Init(t.TempDir(), "Bea", []byte(testPass), testCore)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { bea.Close() })
	if _, err := svc.AddContact(bea.Card().String(), "", true); err != nil {
		t.Fatal(err)
	}
	if _, err := bea.AddContact(svc.Card().String(), "", true); err != nil {
		t.Fatal(err)
	}
	cell, err := bea.NewCell("Stalls")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := bea.Admit(cell.ID, svc.Card().ID()); err != nil {
		t.Fatal(err)
	}
	to := svc.Card().ID()
	file, err := bea.Export(core.ExportRequest{To: &to})
	if err != nil {
		t.Fatal(err)
	}
	u.unlocked(svc)

	// What showing each screen costs with no import under way: the
	// blocked time is what it takes beyond that.
	// The bar is 100 ms, and the log shows each screen against it. A
	// screen that waited for the held-up check would not be shown while
	// the gate is closed, so the test fails only beyond 2 s: a busy machine
	// running every package's tests under -race must not fail it.
	const limit, waited = 100 * time.Millisecond, 2 * time.Second
	show := func(i int) func() error {
		return func() error {
			// The check's outcome changes the screens: the lock orders
			// it after what the test did (a gate file is no such order
			// for the race detector).
			u.onUI.Lock()
			defer u.onUI.Unlock()
			u.tabs.SelectIndex(i)
			u.changed()
			return nil
		}
	}
	normal := make([]time.Duration, len(u.tabs.Items))
	for i := range u.tabs.Items {
		normal[i] = workergate.BlockedFor(t, "showing a screen", 0, show(i))
	}
	lookAround := func(when string) {
		t.Helper()
		for i, item := range u.tabs.Items {
			took := workergate.BlockedFor(t, item.Text, normal[i]+limit, show(i))
			if took > normal[i]+waited {
				t.Errorf("%s: showing %s took %v (%v with no import): the window waited for the check", when, item.Text, took, normal[i])
			}
			t.Logf("%s: showing %s took %v (%v with no import)", when, item.Text, took, normal[i])
		}
		_ = show(3)()
	}

	g.Close()
	u.sync.check(file.Data)
	g.Waiting()
	lookAround("while the file was checked")
	g.Open()
	u.wait()
	if u.sync.previewed == nil || u.sync.takeIn.Hidden {
		t.Fatalf("no preview: %q", u.lastError)
	}

	g.Close()
	test.Tap(u.sync.takeIn)
	g.Waiting()
	lookAround("while the file was taken in")
	g.Open()
	u.wait()
	if _, err := svc.FindCell("Stalls"); err != nil {
		t.Fatalf("the file was not taken in: %v %q", err, u.lastError)
	}
}
