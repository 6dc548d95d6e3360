package labs

import (
	"crypto/sha256"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"testing"
)

// The tests that build a kernel in a changed tree (a skeleton, a broken
// submission) take turns in one copy of the tree instead of a copy each.
// The Go build cache keys a package on its directory too (the kernel is
// built without -trimpath: its DWARF and the oops name the source files),
// so a kernel built in a fresh copy recompiled every package, each time:
// ten full builds per run. In the one copy only the packages a lab
// changes and those that import them are compiled again. Its path stays
// the same from run to run (under the system's temporary directory, named
// after the tree it copies), so a second run finds the first one's
// packages; an flock keeps two runs on the same tree from sharing it (the
// second takes a temporary copy of its own).
var scratch struct {
	sync.Mutex
	once sync.Once
	dir  string
	err  error
}

// inScratch runs fn with the scratch copy of the reference tree, which fn
// may change (apply a lab, edit a file, build), alone; the reference is
// put back after, every file fn changed copied again from the tree.
func inScratch(t *testing.T, fn func(dir string)) {
	t.Helper()
	r := root(t)
	scratch.once.Do(func() { scratch.dir, scratch.err = makeScratch(r) })
	if scratch.err != nil {
		t.Fatal(scratch.err)
	}
	scratch.Lock()
	defer scratch.Unlock()
	defer func() {
		if err := resetScratch(r, scratch.dir); err != nil {
			scratch.err = err
			t.Error(err)
		}
	}()
	fn(scratch.dir)
}

// makeScratch copies the tree at r to its scratch directory, afresh.
func makeScratch(r string) (string, error) {
	base := filepath.Join(os.TempDir(), fmt.Sprintf("gokern-labs-%x", sha256.Sum256([]byte(r)))[:len("gokern-labs-")+12])
	if err := os.MkdirAll(base, 0o755); err != nil {
		return "", err
	}
	lock, err := os.OpenFile(base+".lock", os.O_CREATE|os.O_RDWR, 0o644)
	if err != nil {
		return "", err
	}
	// Held until the test binary exits (the file stays open).
	if syscall.Flock(int(lock.Fd()), syscall.LOCK_EX|syscall.LOCK_NB) != nil {
		lock.Close()
		if base, err = os.MkdirTemp("", "gokern-labs-"); err != nil {
			return "", err
		}
	}
	dir := filepath.Join(base, "tree")
	if err := os.RemoveAll(dir); err != nil {
		return "", err
	}
	return dir, CopyTree(r, dir)
}

// resetScratch makes the source files of dir those of r again.
func resetScratch(r, dir string) error {
	d, err := Diff(r, dir)
	if err != nil {
		return err
	}
	for _, f := range d {
		// A file only in one tree: added to the tree since the copy (a
		// rebase while a long labsuite ran), or left by a test.
		if name, ok := strings.CutSuffix(f, " (only in "+dir+")"); ok {
			if err := os.Remove(filepath.Join(dir, name)); err != nil {
				return err
			}
			continue
		}
		f = strings.TrimSuffix(f, " (only in "+r+")")
		b, err := os.ReadFile(filepath.Join(r, f))
		if err != nil {
			return err
		}
		if err := os.MkdirAll(filepath.Dir(filepath.Join(dir, f)), 0o755); err != nil {
			return err
		}
		if err := os.WriteFile(filepath.Join(dir, f), b, 0o644); err != nil {
			return err
		}
	}
	return nil
}
