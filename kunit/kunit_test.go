package kunit

import (
	"strings"
	"testing"

	"gokern/printk"
)

func capture(t *testing.T) *strings.Builder {
	var b strings.Builder
	c := &printk.Console{Name: "t", Write: func(p []byte) { b.Write(p) }}
	printk.Register_console(c)
	t.Cleanup(func() { printk.Unregister_console(c) })
	return &b
}

var cases = []KunitCase{
	{Name: "a", Run: func(t *Kunit) {}},
	{Name: "b", Run: func(t *Kunit) { t.Errorf("x=%d", printk.Int(3)) }},
	{Name: "c", Run: func(t *Kunit) {}, Explicit: true},
}

func TestRunAll(t *testing.T) {
	out := capture(t)
	if Run(cases, []byte("all")) {
		t.Fatal("Run passed with a failing case")
	}
	for _, want := range []string{"KTAP version 1\n", "1..2\n", "ok 1 a\n", "    # b: x=3\n", "not ok 2 b\n"} {
		if !strings.Contains(out.String(), want) {
			t.Errorf("missing %q in\n%s", want, out)
		}
	}
	if strings.Contains(out.String(), " c\n") {
		t.Error("explicit case ran with all")
	}
}

func TestRunSelected(t *testing.T) {
	out := capture(t)
	if !Run(cases, []byte("a,c")) {
		t.Fatalf("Run failed:\n%s", out)
	}
	if !strings.Contains(out.String(), "1..2\n") || !strings.Contains(out.String(), "ok 2 c\n") {
		t.Fatalf("output:\n%s", out)
	}
	out.Reset()
	if Run(cases, []byte("a,nosuch")) {
		t.Fatal("unknown name passed")
	}
	if !strings.Contains(out.String(), "not ok 2 nosuch # no such selftest") {
		t.Fatalf("output:\n%s", out)
	}
	if Run(cases, []byte("")) {
		t.Fatal("empty selection passed")
	}
}
