package srcdigest

import (
	"bytes"
	"testing"
	"testing/fstest"
)

func TestOfChangesWithAnyFile(t *testing.T) {
	a := fstest.MapFS{"a.go": {Data: []byte("package a")}, "b.go": {Data: []byte("package a\n")}}
	base := Of(a)
	for _, other := range []fstest.MapFS{
		{"a.go": {Data: []byte("package a")}, "b.go": {Data: []byte("package a \n")}},
		{"a.go": {Data: []byte("package a")}},
		{"a.go": {Data: []byte("package a")}, "c.go": {Data: []byte("package a\n")}},
		{"a.go": {Data: []byte("package ab.go")}, "": {Data: nil}},
	} {
		if bytes.Equal(Of(other), base) {
			t.Errorf("%v has the digest of %v", other, a)
		}
	}
	if !bytes.Equal(Of(a), base) {
		t.Error("the digest changes from call to call")
	}
}

func TestMissing(t *testing.T) {
	got, err := Missing(fstest.MapFS{"srcdigest.go": {Data: []byte("changed")}, "gone.go": {Data: nil}}, ".")
	if err != nil {
		t.Fatal(err)
	}
	if len(got) != 2 || got[0] != "srcdigest.go" || got[1] != "gone.go" {
		t.Fatalf("missing %v", got)
	}
}
