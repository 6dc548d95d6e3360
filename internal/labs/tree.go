package labs

import (
	"bytes"
	"fmt"
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
)

// SourceFiles lists the files of the checkout at root that make the tree:
// in a git work tree the tracked files and the untracked ones git does not
// ignore (so a teacher's uncommitted hidden tests count), elsewhere (an
// unpacked tarball) every file outside build/ and .git.
func SourceFiles(root string) ([]string, error) {
	cmd := exec.Command("git", "ls-files", "-z", "--cached", "--others", "--exclude-standard")
	cmd.Dir = root
	if out, err := cmd.Output(); err == nil && isGitTop(root) {
		var fs []string
		for _, f := range strings.Split(string(out), "\x00") {
			if f == "" {
				continue
			}
			if _, err := os.Lstat(filepath.Join(root, f)); err == nil { // deleted but not staged: gone
				fs = append(fs, f)
			}
		}
		return fs, nil
	}
	var out []string
	err := filepath.WalkDir(root, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if d.IsDir() {
			if d.Name() == ".git" || p == filepath.Join(root, "build") {
				return filepath.SkipDir
			}
			return nil
		}
		rel, _ := filepath.Rel(root, p)
		out = append(out, filepath.ToSlash(rel))
		return nil
	})
	return out, err
}

// isGitTop reports whether root is the top of a git work tree (not a
// directory inside some other repository).
func isGitTop(root string) bool {
	cmd := exec.Command("git", "rev-parse", "--show-toplevel")
	cmd.Dir = root
	out, err := cmd.Output()
	if err != nil {
		return false
	}
	a, err1 := filepath.EvalSymlinks(strings.TrimSpace(string(out)))
	b, err2 := filepath.EvalSymlinks(root)
	return err1 == nil && err2 == nil && a == b
}

// CopyTree copies the tree at src (SourceFiles) to dst.
func CopyTree(src, dst string) error {
	fs, err := SourceFiles(src)
	if err != nil {
		return err
	}
	for _, f := range fs {
		from, to := filepath.Join(src, f), filepath.Join(dst, f)
		st, err := os.Lstat(from)
		if err != nil {
			return err
		}
		if err := os.MkdirAll(filepath.Dir(to), 0o755); err != nil {
			return err
		}
		if st.Mode()&os.ModeSymlink != 0 {
			l, err := os.Readlink(from)
			if err != nil {
				return err
			}
			if err := os.Symlink(l, to); err != nil {
				return err
			}
			continue
		}
		if !st.Mode().IsRegular() {
			continue
		}
		b, err := os.ReadFile(from)
		if err != nil {
			return err
		}
		if err := os.WriteFile(to, b, st.Mode().Perm()); err != nil {
			return err
		}
	}
	return nil
}

// Diff lists the files that differ between the trees at a and b
// (SourceFiles of both), for the round-trip check.
func Diff(a, b string) ([]string, error) {
	fa, err := SourceFiles(a)
	if err != nil {
		return nil, err
	}
	fb, err := SourceFiles(b)
	if err != nil {
		return nil, err
	}
	in := map[string]bool{}
	for _, f := range fb {
		in[f] = true
	}
	var out []string
	for _, f := range fa {
		if !in[f] {
			out = append(out, f+" (only in "+a+")")
			continue
		}
		delete(in, f)
		x, err1 := os.ReadFile(filepath.Join(a, f))
		y, err2 := os.ReadFile(filepath.Join(b, f))
		if err1 != nil || err2 != nil || !bytes.Equal(x, y) {
			out = append(out, f)
		}
	}
	for f := range in {
		out = append(out, f+" (only in "+b+")")
	}
	return out, nil
}

// Submission makes the tree a submission is graded in: a copy of the
// teacher's tree at ref (with its hidden tests) into which the student's
// bodies of lab's regions are spliced from sub, a checkout or a .tar.gz
// made by `./qemu.sh lab NAME --export`. Nothing else of the submission
// is used. It returns the directory; the caller removes it.
func Submission(ref, sub, lab string) (string, error) {
	tmp, err := os.MkdirTemp("", "gokern-grade-")
	if err != nil {
		return "", err
	}
	if st, err := os.Stat(sub); err == nil && !st.IsDir() {
		x := filepath.Join(tmp, "submission")
		if err := os.MkdirAll(x, 0o755); err != nil {
			return tmp, err
		}
		if out, err := exec.Command("tar", "-xzf", sub, "-C", x).CombinedOutput(); err != nil {
			return tmp, fmt.Errorf("unpacking %s: %v\n%s", sub, err, out)
		}
		// The tarball holds one top directory.
		if ents, _ := os.ReadDir(x); len(ents) == 1 && ents[0].IsDir() {
			x = filepath.Join(x, ents[0].Name())
		}
		sub = x
	} else if err != nil {
		return tmp, fmt.Errorf("submission %s: %v", sub, err)
	}
	tree := filepath.Join(tmp, "tree")
	if err := CopyTree(ref, tree); err != nil {
		return tmp, err
	}
	if _, err := SpliceTree(tree, sub, lab); err != nil {
		return tmp, fmt.Errorf("submission %s: %v", sub, err)
	}
	return tmp, nil
}
