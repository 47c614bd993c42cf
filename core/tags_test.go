package core

import (
	"reflect"
	"testing"
)

// TestViewsHaveNoJSONTags: the views and summaries below are never
// written as JSON (the CLI's --json writes its own structs, built in
// internal/cli), and cellDetail is kept as CBOR, where a json tag would
// name a field ("keep") and leave it out when false, unlike its
// siblings. A tag on one field of them is a stray that says otherwise.
func TestViewsHaveNoJSONTags(t *testing.T) {
	for _, v := range []any{
		cellDetail{}, MemberView{}, VoteView{}, PolicyVoteView{}, Person{},
		ImportSummary{}, CellChanges{}, RulesVote{}, SetAside{}, RenamedCard{}, ReplacedCard{},
	} {
		typ := reflect.TypeOf(v)
		for i := range typ.NumField() {
			f := typ.Field(i)
			if tag, ok := f.Tag.Lookup("json"); ok {
				t.Errorf("%s.%s has the json tag %q", typ.Name(), f.Name, tag)
			}
		}
	}
}
