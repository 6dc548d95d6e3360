package main

import (
	"errors"
	"fmt"
	"math/rand"
	"os"
	"sync"
	"sync/atomic"
	"syscall"
)

// vfsstress (init.mode=vfsstress): goroutines on every CPU create,
// link, rename, unlink, mkdir, rmdir, stat and list a few names in two
// directories at once, then the tree is checked while quiet: no name
// listed twice, every file's link count the number of its names, every
// directory's 2 and one per subdirectory; and in each of 100 rounds 8
// goroutines race to create one name with O_CREAT|O_EXCL and to mkdir
// another: one wins each, the others get EEXIST (Linux: the parent's
// i_rwsem across lookup and create). Errors other than those the races
// explain (ENOENT, EEXIST, ENOTEMPTY, EISDIR, ENOTDIR; EPERM for a
// link to a directory) are reported.
func vfsstress() bool {
	const workers, ops = 8, 300
	base := "/tmp/vfsstress"
	os.RemoveAll(base)
	dirs := []string{base + "/a", base + "/b"}
	for _, d := range dirs {
		if err := os.MkdirAll(d, 0o755); err != nil {
			fmt.Printf("goinit: vfsstress: %v\n", err)
			return false
		}
	}
	names := []string{"n0", "n1", "n2", "n3", "n4", "n5"}
	var unexpected atomic.Int64
	var firstErr atomic.Value
	bad := func(err error) {
		if err == nil {
			return
		}
		var errno syscall.Errno
		if errors.As(err, &errno) {
			switch errno {
			case syscall.ENOENT, syscall.EEXIST, syscall.ENOTEMPTY, syscall.EISDIR, syscall.ENOTDIR, syscall.EPERM:
				return
			}
		}
		if unexpected.Add(1) == 1 {
			firstErr.Store(err.Error())
		}
	}
	pick := func(r *rand.Rand) string {
		return dirs[r.Intn(len(dirs))] + "/" + names[r.Intn(len(names))]
	}
	var wg sync.WaitGroup
	for w := 0; w < workers; w++ {
		wg.Add(1)
		go func(seed int64) {
			defer wg.Done()
			r := rand.New(rand.NewSource(seed))
			for i := 0; i < ops; i++ {
				p := pick(r)
				switch r.Intn(9) {
				case 0:
					f, err := os.OpenFile(p, os.O_CREATE|os.O_EXCL|os.O_WRONLY, 0o644)
					if err == nil {
						f.Close()
					}
					bad(unwrap(err))
				case 1:
					bad(unwrap(os.Link(p, pick(r))))
				case 2:
					bad(unwrap(os.Rename(p, pick(r))))
				case 3:
					bad(unwrap(syscall.Unlink(p)))
				case 4:
					bad(unwrap(os.Mkdir(p, 0o755)))
				case 5:
					bad(unwrap(syscall.Rmdir(p)))
				case 6:
					var st syscall.Stat_t
					bad(unwrap(syscall.Lstat(p, &st)))
				case 7:
					// (A name renamed meanwhile may be listed twice, as
					// on Linux: the end's listing checks for that.)
					_, err := os.ReadDir(dirs[r.Intn(len(dirs))])
					bad(unwrap(err))
				case 8:
					f, err := os.OpenFile(p, os.O_CREATE|os.O_WRONLY, 0o644)
					if err == nil {
						f.Close()
					}
					bad(unwrap(err))
				}
			}
		}(int64(w) + 1)
	}
	wg.Wait()
	// The tree, quiet: names once each, link counts exact.
	problems := 0
	links := map[uint64]int{}
	nlink := map[uint64]uint64{}
	entries := 0
	for _, d := range dirs {
		ents, err := os.ReadDir(d)
		if err != nil {
			fmt.Printf("goinit: vfsstress: %v\n", err)
			return false
		}
		seen := map[string]bool{}
		subdirs := 0
		for _, e := range ents {
			entries++
			if seen[e.Name()] {
				problems++
				fmt.Printf("goinit: vfsstress: %s/%s listed twice\n", d, e.Name())
			}
			seen[e.Name()] = true
			var st syscall.Stat_t
			if err := syscall.Lstat(d+"/"+e.Name(), &st); err != nil {
				problems++
				fmt.Printf("goinit: vfsstress: listed %s/%s: %v\n", d, e.Name(), err)
				continue
			}
			if st.Mode&syscall.S_IFMT == syscall.S_IFDIR {
				subdirs++
				if st.Nlink != 2 {
					problems++
					fmt.Printf("goinit: vfsstress: empty directory %s/%s has %d links\n", d, e.Name(), st.Nlink)
				}
				continue
			}
			links[st.Ino]++
			nlink[st.Ino] = st.Nlink
		}
		var st syscall.Stat_t
		syscall.Stat(d, &st)
		if st.Nlink != uint64(2+subdirs) {
			problems++
			fmt.Printf("goinit: vfsstress: %s has %d links for %d subdirectories\n", d, st.Nlink, subdirs)
		}
	}
	for ino, n := range links {
		if nlink[ino] != uint64(n) {
			problems++
			fmt.Printf("goinit: vfsstress: inode %d has %d names, nlink %d\n", ino, n, nlink[ino])
		}
	}
	// One winner per name.
	const rounds = 100
	twice := 0
	for r := 0; r < rounds; r++ {
		var created, made atomic.Int32
		var start sync.WaitGroup
		start.Add(1)
		var done sync.WaitGroup
		for w := 0; w < workers; w++ {
			done.Add(1)
			go func() {
				defer done.Done()
				start.Wait()
				f, err := os.OpenFile(fmt.Sprintf("%s/x%d", dirs[0], r), os.O_CREATE|os.O_EXCL|os.O_WRONLY, 0o644)
				if err == nil {
					created.Add(1)
					f.Close()
				} else {
					bad(unwrap(err))
				}
				if err := os.Mkdir(fmt.Sprintf("%s/y%d", dirs[1], r), 0o755); err == nil {
					made.Add(1)
				} else {
					bad(unwrap(err))
				}
			}()
		}
		start.Done()
		done.Wait()
		if created.Load() != 1 || made.Load() != 1 {
			twice++
		}
	}
	first, _ := firstErr.Load().(string)
	if first != "" {
		first = ", the first: " + first
	}
	fmt.Printf("goinit: vfsstress: %d goroutines x %d operations on %d names in 2 directories, %d entries at the end, %d problems in the tree; %d rounds of %d racing O_EXCL creates and mkdirs, %d without exactly one winner; %d unexpected errors%s\n",
		workers, ops, len(names), entries, problems, rounds, workers, twice, unexpected.Load(), first)
	os.RemoveAll(base)
	return problems == 0 && twice == 0 && unexpected.Load() == 0
}

// unwrap gives the errno inside a *PathError or *LinkError.
func unwrap(err error) error {
	var pe *os.PathError
	if errors.As(err, &pe) {
		return pe.Err
	}
	var le *os.LinkError
	if errors.As(err, &le) {
		return le.Err
	}
	return err
}
