package kbuild

// Up-to-date checks, as make does for Linux's kbuild, but by content: a
// step runs again when the hash of its inputs (file contents, the command,
// tool versions) differs from the one recorded when its outputs were last
// written, or when an output is missing or was changed since. A stale
// image is never used: every file that can change an output is an input,
// including every non-test Go file of the module (the kernel and this
// builder) and the Go toolchain's identity.

import (
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"time"
)

// step is one command of the build.
type step struct {
	tag     string   // "AS", "LD", "GO": what kbuild prints
	show    string   // the path printed after the tag
	inputs  []string // files whose contents the outputs depend on
	extra   []string // anything else they depend on: the command line, versions
	outputs []string
	run     func() error
}

// stamp is what a step records after running: the hash of its inputs and
// the size and modification time of each output.
func (b *builder) stampPath(s *step) string {
	h := sha256.Sum256([]byte(s.outputs[0]))
	return filepath.Join(b.o.Out, ".kbuild", hex.EncodeToString(h[:8])+".stamp")
}

func (b *builder) key(s *step) (string, error) {
	h := sha256.New()
	for _, e := range s.extra {
		fmt.Fprintf(h, "extra %q\n", e)
	}
	in := append([]string(nil), s.inputs...)
	sort.Strings(in)
	for _, f := range in {
		fh, err := b.fileHash(f)
		if err != nil {
			return "", err
		}
		fmt.Fprintf(h, "in %s %s\n", f, fh)
	}
	return hex.EncodeToString(h.Sum(nil)), nil
}

// fileHash hashes a file's contents, once per build.
func (b *builder) fileHash(path string) (string, error) {
	if h, ok := b.hashes[path]; ok {
		return h, nil
	}
	f, err := os.Open(path)
	if err != nil {
		return "", err
	}
	defer f.Close()
	h := sha256.New()
	if _, err := io.Copy(h, f); err != nil {
		return "", err
	}
	s := hex.EncodeToString(h.Sum(nil))
	b.hashes[path] = s
	return s, nil
}

func outputState(path string) string {
	st, err := os.Stat(path)
	if err != nil {
		return "missing"
	}
	return fmt.Sprintf("%d %d", st.Size(), st.ModTime().UnixNano())
}

func (b *builder) stampText(key string, s *step) string {
	var sb strings.Builder
	fmt.Fprintf(&sb, "key %s\n", key)
	for _, o := range s.outputs {
		fmt.Fprintf(&sb, "out %s %s\n", o, outputState(o))
	}
	return sb.String()
}

// do runs s unless its outputs are up to date.
func (b *builder) do(s *step) error {
	key, err := b.key(s)
	if err != nil {
		return err
	}
	sp := b.stampPath(s)
	if old, err := os.ReadFile(sp); err == nil && !b.o.Force && string(old) == b.stampText(key, s) {
		return b.freshen(s, key, sp)
	}
	os.Remove(sp) // an interrupted step must not leave a valid stamp behind
	b.logStep(s.tag, s.show)
	if err := s.run(); err != nil {
		return err
	}
	for _, o := range s.outputs {
		delete(b.hashes, o) // inputs of later steps
	}
	b.ran++
	if err := os.MkdirAll(filepath.Dir(sp), 0o755); err != nil {
		return err
	}
	return os.WriteFile(sp, []byte(b.stampText(key, s)), 0o644)
}

// freshen runs for a step that is up to date by content but may not be by
// time: a rebase or a checkout rewrites sources with the bytes they had,
// and newer. gdb compares each source file's time with the executable's
// and warns "Source file is more recent than executable" (make would have
// rebuilt). So every output older than the newest input is given that
// input's time, as if the step had just made it, and the stamp records
// the new times. Later steps, whose inputs these outputs are, then do the
// same.
func (b *builder) freshen(s *step, key, sp string) error {
	var newest time.Time
	for _, f := range s.inputs {
		st, err := os.Stat(f)
		if err != nil {
			return err
		}
		if st.ModTime().After(newest) {
			newest = st.ModTime()
		}
	}
	touched := false
	for _, o := range s.outputs {
		st, err := os.Stat(o)
		if err != nil {
			return err
		}
		if st.ModTime().Before(newest) {
			if err := os.Chtimes(o, newest, newest); err != nil {
				return err
			}
			touched = true
			if b.o.Verbose {
				b.logf("  # %s: inputs newer, contents the same: time stamp brought forward", b.rel(o))
			}
		}
	}
	if !touched {
		return nil
	}
	return os.WriteFile(sp, []byte(b.stampText(key, s)), 0o644)
}

// writeIfChanged writes data unless the file already holds it, so that an
// unchanged output keeps its time stamp; it reports whether it wrote.
func writeIfChanged(path string, data []byte, mode os.FileMode) (bool, error) {
	if old, err := os.ReadFile(path); err == nil && string(old) == string(data) {
		return false, nil
	}
	tmp := path + ".tmp"
	if err := os.WriteFile(tmp, data, mode); err != nil {
		return false, err
	}
	return true, os.Rename(tmp, path)
}

// sourceFiles lists the files under root with one of the suffixes,
// leaving out tests, build outputs and test data.
func sourceFiles(root string, suffixes ...string) ([]string, error) {
	var out []string
	err := filepath.WalkDir(root, func(path string, d os.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if d.IsDir() {
			if path != root && skipDir(d.Name()) {
				return filepath.SkipDir
			}
			return nil
		}
		if strings.HasSuffix(path, "_test.go") {
			return nil
		}
		for _, s := range suffixes {
			if strings.HasSuffix(path, s) {
				out = append(out, path)
				break
			}
		}
		return nil
	})
	sort.Strings(out)
	return out, err
}
