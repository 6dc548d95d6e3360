package exec

import (
	"strings"
	"testing"
)

// TestLoadScript: the "#!" line as Linux's load_script reads it.
func TestLoadScript(t *testing.T) {
	for _, c := range []struct {
		in, interp, arg string
		is              bool
		r               int
	}{
		{"\x7fELF...", "", "", false, 0},
		{"#!/bin/sh\necho hi\n", "/bin/sh", "", true, 0},
		{"#! /bin/sh -e \necho", "/bin/sh", "-e", true, 0},
		{"#!/usr/bin/env  python3 -u  -x\n", "/usr/bin/env", "python3 -u  -x", true, 0},
		{"#!\t/bin/sh\t\n", "/bin/sh", "", true, 0},
		{"#!/bin/sh", "/bin/sh", "", true, -8},     // no newline: the name may be truncated
		{"#!/bin/sh -x", "/bin/sh", "-x", true, 0}, // the name ended; the argument may be cut
		{"#!\n", "", "", true, -8},
		{"#!   \n", "", "", true, -8},
		{"#", "", "", false, 0},
		{"#!" + strings.Repeat("a", 300), "", "", true, -8},
	} {
		in := []byte(c.in)
		if len(in) > BINPRM_BUF_SIZE {
			in = in[:BINPRM_BUF_SIZE]
		}
		interp, arg, is, r := Load_script(in)
		if is != c.is || r != c.r || (r == 0 && (string(interp) != c.interp || string(arg) != c.arg)) {
			t.Errorf("Load_script(%q) = %q, %q, %v, %d; want %q, %q, %v, %d", c.in, interp, arg, is, r, c.interp, c.arg, c.is, c.r)
		}
	}
}
