package crdt

import (
	"bytes"
	"encoding/hex"
	"fmt"
	"math/rand"
	"slices"
	"testing"
	"time"

	"github.com/automerge/automerge-go"
)

// amDoc is an automerge-go document with the largest operation counter
// it holds, counted by the test itself (every Set is one operation).
type amDoc struct {
	doc   *automerge.Doc
	maxOp uint64
}

func randomActor(rng *rand.Rand) string {
	n := 16
	if rng.Intn(8) == 0 { // actors of other lengths are legal too
		n = 1 + rng.Intn(40)
	}
	b := make([]byte, n)
	rng.Read(b)
	return hex.EncodeToString(b)
}

func randomTime(rng *rand.Rand) *time.Time {
	switch rng.Intn(3) {
	case 0:
		return &time.Time{}
	case 1:
		t := time.UnixMilli(rng.Int63n(1 << 42))
		return &t
	}
	return nil // now
}

// setRandom sets n keys of the statements map (or, sometimes, root keys)
// in d and commits them as one change.
func (d *amDoc) setRandom(t *testing.T, rng *rand.Rand, n int) {
	t.Helper()
	for range n {
		v := make([]byte, rng.Intn(600))
		rng.Read(v)
		k := fmt.Sprintf("k%x%d", v[:min(len(v), 32)], rng.Int63())
		var err error
		if rng.Intn(5) == 0 {
			err = d.doc.Path(fmt.Sprintf("x%d", rng.Intn(4))).Set(rng.Int63())
		} else {
			err = d.doc.Path(keyStatements).Map().Set(k, v)
		}
		if err != nil {
			t.Fatal(err)
		}
		d.maxOp++
	}
	msg := ""
	if rng.Intn(3) == 0 {
		msg = "m"
	}
	if _, err := d.doc.Commit(msg, automerge.CommitOptions{Time: randomTime(rng)}); err != nil {
		t.Fatal(err)
	}
}

// randomDocument makes a document of the cell layout with a random
// history: root operations before the statements map (so its id varies),
// forks by other actors with changes of any time and message, some
// merged (several heads).
func randomDocument(t *testing.T, rng *rand.Rand) (*amDoc, uint64, string) {
	t.Helper()
	d := &amDoc{doc: automerge.New()}
	if err := d.doc.SetActorID(randomActor(rng)); err != nil {
		t.Fatal(err)
	}
	for range rng.Intn(4) {
		if err := d.doc.Path(fmt.Sprintf("r%d", rng.Intn(3))).Set(rng.Int63()); err != nil {
			t.Fatal(err)
		}
		d.maxOp++
	}
	if err := d.doc.Path(keyStatements).Set(automerge.NewMap()); err != nil {
		t.Fatal(err)
	}
	d.maxOp++
	mapCtr, mapActor := d.maxOp, d.doc.ActorID()
	d.setRandom(t, rng, 1+rng.Intn(3))
	forks := []*amDoc{d}
	for range rng.Intn(6) {
		from := forks[rng.Intn(len(forks))]
		f, err := from.doc.Fork()
		if err != nil {
			t.Fatal(err)
		}
		if err := f.SetActorID(randomActor(rng)); err != nil {
			t.Fatal(err)
		}
		fd := &amDoc{doc: f, maxOp: from.maxOp}
		for range 1 + rng.Intn(3) {
			fd.setRandom(t, rng, 1+rng.Intn(4))
		}
		forks = append(forks, fd)
	}
	for _, f := range forks[1:] {
		if rng.Intn(3) != 0 {
			if _, err := d.doc.Merge(f.doc); err != nil {
				t.Fatal(err)
			}
			d.maxOp = max(d.maxOp, f.maxOp)
		}
	}
	return d, mapCtr, mapActor
}

// TestOwnChangeMatchesAutomerge makes the change of a statement both ways
// on random documents and finds the same bytes; the document with the
// chunk written here appended loads in automerge-go with the statement
// under its key and the change as its only head.
func TestOwnChangeMatchesAutomerge(t *testing.T) {
	trials := 400
	if testing.Short() {
		trials = 60
	}
	for trial := range trials {
		rng := rand.New(rand.NewSource(int64(trial)))
		d, mapCtr, mapActor := randomDocument(t, rng)
		actor := randomActor(rng)
		switch rng.Intn(4) {
		case 0:
			actor = mapActor // the founding session goes on
		case 1:
			actor = d.doc.ActorID() // the same actor again: seq > 1
		}
		if err := d.doc.SetActorID(actor); err != nil {
			t.Fatal(err)
		}
		seq := uint64(1)
		chs, err := d.doc.Changes()
		if err != nil {
			t.Fatal(err)
		}
		var last ChangeHash
		for _, ch := range chs {
			if ch.ActorID() == actor && ch.ActorSeq() >= seq {
				seq, last = ch.ActorSeq()+1, ChangeHash(ch.Hash())
			}
		}
		before := d.doc.Save()
		deps := sortedHeads(d.doc)
		if seq > 1 && !slices.Contains(deps, last) {
			// Automerge names the actor's last change too.
			deps = append(deps, last)
			slices.SortFunc(deps, compareHashes)
		}
		value := make([]byte, rng.Intn(3000))
		rng.Read(value)
		key := hex.EncodeToString(value[:min(len(value), 32)]) + fmt.Sprint(trial)
		if err := d.doc.Path(keyStatements).Map().Set(key, value); err != nil {
			t.Fatal(err)
		}
		h, err := d.doc.Commit("", automerge.CommitOptions{Time: &time.Time{}})
		if err != nil {
			t.Fatal(err)
		}
		ch, err := d.doc.Change(h)
		if err != nil {
			t.Fatal(err)
		}
		want := ch.Save()
		actorBytes, _ := hex.DecodeString(actor)
		mapActorBytes, _ := hex.DecodeString(mapActor)
		o := &ownChange{deps: deps, actor: actorBytes, seq: seq, startOp: d.maxOp + 1, mapCtr: mapCtr, mapActor: mapActorBytes, key: key, value: value}
		got, hash := o.encode()
		if !bytes.Equal(got, want) {
			t.Fatalf("trial %d: chunk differs:\n got %x\nwant %x", trial, got, want)
		}
		if hash != ChangeHash(h) {
			t.Fatalf("trial %d: hash %x, automerge-go %x", trial, hash, h)
		}
		back, ok := parseOwnChange(want)
		if !ok || !slices.Equal(back.deps, deps) || back.startOp != o.startOp || back.mapCtr != mapCtr || !bytes.Equal(back.mapActor, mapActorBytes) || back.key != key || !bytes.Equal(back.value, value) || back.seq != seq {
			t.Fatalf("trial %d: automerge-go's chunk reads back as %+v (%v)", trial, back, ok)
		}
		loaded, err := automerge.Load(append(before, got...))
		if err != nil {
			t.Fatalf("trial %d: load: %v", trial, err)
		}
		if heads := loaded.Heads(); len(heads) != 1 || ChangeHash(heads[0]) != hash {
			t.Fatalf("trial %d: heads %v, want the change", trial, heads)
		}
		v, err := loaded.Path(keyStatements, key).Get()
		if err != nil || v.Kind() != automerge.KindBytes || !bytes.Equal(v.Bytes(), value) {
			t.Fatalf("trial %d: statement read back %v %v", trial, v, err)
		}
	}
}

// FuzzParseOwnChange: any bytes are read without a crash, and what reads
// as a change encodes to the same bytes.
func FuzzParseOwnChange(f *testing.F) {
	o := &ownChange{deps: []ChangeHash{{1}, {2}}, actor: []byte{1, 2, 3}, seq: 1, startOp: 40, mapCtr: 3, mapActor: []byte{9, 9}, key: "ab", value: []byte("xyz")}
	seed, _ := o.encode()
	f.Add(seed)
	o.mapActor = o.actor
	seed, _ = o.encode()
	f.Add(seed)
	f.Add([]byte{})
	f.Add(chunkMagic[:])
	f.Fuzz(func(t *testing.T, b []byte) {
		o, ok := parseOwnChange(b)
		if !ok {
			return
		}
		if again, _ := o.encode(); !bytes.Equal(again, b) {
			t.Fatalf("%x reads as a change that encodes to %x", b, again)
		}
	})
}
