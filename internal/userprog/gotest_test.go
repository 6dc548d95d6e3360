package userprog

import (
	"reflect"
	"testing"
)

// TestSkipArgs: a package with skip entries runs with -test.run=. and an
// anchored, sorted -test.skip of them; one without gets no flags.
func TestSkipArgs(t *testing.T) {
	skips := []Skip{{"os/exec", "TestB", "r"}, {"os", "TestX", "r"}, {"os/exec", "TestA", "r"}}
	if got, want := SkipArgs("os/exec", skips), []string{"-test.run", ".", "-test.skip", "^(TestA|TestB)$"}; !reflect.DeepEqual(got, want) {
		t.Errorf("SkipArgs(os/exec) = %q, want %q", got, want)
	}
	if got := SkipArgs("fmt", skips); got != nil {
		t.Errorf("SkipArgs(fmt) = %q, want none", got)
	}
}
