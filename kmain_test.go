package main

import (
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"gokern/arch/amd64"
)

// TestKnownOptions: every option the kernel looks for by name
// (Cmdline_find_option, Cmdline_find_option_bool) and every one the setup
// code reads (cmdline_find_option in boot/*.S) is known to
// print_unknown_bootoptions, which would otherwise call it unknown.
func TestKnownOptions(t *testing.T) {
	goRE := regexp.MustCompile(`Cmdline_find_option(?:_bool)?\([^,]+, "([^"]+)"\)`)
	asRE := regexp.MustCompile(`(?m)^opt_\w+:\s+\.asciz\s+"([^"]+)"`)
	seen := 0
	err := filepath.Walk(".", func(path string, fi os.FileInfo, err error) error {
		if err != nil {
			return err
		}
		if fi.IsDir() && (path == "build" || strings.HasPrefix(fi.Name(), ".") && path != ".") {
			return filepath.SkipDir
		}
		re := goRE
		switch {
		case strings.HasSuffix(path, "_test.go"), strings.HasPrefix(path, "internal/"), strings.HasPrefix(path, "cmd/"):
			return nil
		case strings.HasSuffix(path, ".go"):
		case strings.HasPrefix(path, "boot/") && strings.HasSuffix(path, ".S"):
			re = asRE
		default:
			return nil
		}
		b, err := os.ReadFile(path)
		if err != nil {
			return err
		}
		for _, m := range re.FindAllStringSubmatch(string(b), -1) {
			seen++
			name := m[1]
			known := amd64.Is_early_param([]byte(name))
			for _, k := range kernel_params {
				known = known || k == name
			}
			if !known {
				t.Errorf("%s reads the option %q, which print_unknown_bootoptions does not know: add it to kernel_params", path, name)
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if seen < 8 {
		t.Fatalf("only %d option look-ups found: are the patterns right?", seen)
	}
}
