package fs_test

import (
	"slices"
	"strings"
	"testing"

	"gokern/fs"
	"gokern/include/uapi"
	"gokern/internal/fstest"
)

// TestOutOfMemory fails every allocation of each operation in turn
// (fs.Fail_nth, Linux's fail-nth): the operation must fail with ENOMEM
// and leave the tree and the object counts exactly as they were — no
// half-made names, no leaked inodes, dentries or files — and succeed
// once no allocation fails.
func TestOutOfMemory(t *testing.T) {
	before := boot(t)
	d := tmpdir(t)
	mkdir(d+"/dir", 0o755)
	writeFile(t, d+"/file", []byte("data"))
	long := strings.Repeat("N", 100)
	mkdir(d+"/"+long+"x", 0o755)
	ops := []struct {
		name string
		do   func() int // 0 or an errno
		undo func()
	}{
		{"mkdir long name", func() int { return mkdir(d+"/"+long, 0o755) }, func() { rmdir(d + "/" + long) }},
		{"create and write", func() int {
			fd := open(d+"/new", uapi.O_CREAT|uapi.O_EXCL|uapi.O_WRONLY, 0o644)
			if fd < 0 {
				return fd
			}
			n := write(fd, make([]byte, 3*4096+5))
			fs.Ksys_close(fd)
			if n < 0 {
				unlink(d + "/new")
				return int(n)
			}
			if n != 3*4096+5 {
				// A short write is what Linux gives when memory runs
				// out midway; the file keeps what was written.
				unlink(d + "/new")
				return -uapi.ENOMEM
			}
			return 0
		}, func() { unlink(d + "/new") }},
		{"symlink", func() int { return symlink(strings.Repeat("t", 300), d+"/"+long+"l") }, func() { unlink(d + "/" + long + "l") }},
		{"link", func() int { return link(d+"/file", d+"/"+long+"h") }, func() { unlink(d + "/" + long + "h") }},
		{"rename to a long name", func() int { return rename(d+"/file", d+"/"+long+"r", 0) }, func() { rename(d+"/"+long+"r", d+"/file", 0) }},
		{"exchange long names", func() int { return rename(d+"/"+long+"x", d+"/dir", uapi.RENAME_EXCHANGE) },
			func() { rename(d+"/"+long+"x", d+"/dir", uapi.RENAME_EXCHANGE) }},
		{"open a directory", func() int {
			fd := open(d, uapi.O_RDONLY|uapi.O_DIRECTORY, 0)
			if fd < 0 {
				return fd
			}
			fs.Ksys_close(fd)
			return 0
		}, func() {}},
		{"pipe2", func() int {
			var fds [2]int
			if err := fs.Do_pipe2(&fds, 0); err != 0 {
				return err
			}
			n := write(fds[1], []byte("x"))
			fs.Ksys_close(fds[0])
			fs.Ksys_close(fds[1])
			if n < 0 {
				return int(n)
			}
			return 0
		}, func() {}},
		{"dup to 200", func() int {
			fd := open(d+"/file", uapi.O_RDONLY, 0)
			if fd < 0 {
				return fd
			}
			err := fs.Ksys_dup2(fd, 200)
			fs.Ksys_close(fd)
			if err < 0 {
				return err
			}
			fs.Ksys_close(200)
			return 0
		}, func() {}},
		{"mount tmpfs", func() int { return fs.Do_mount([]byte(long), []byte(d+"/dir"), []byte("tmpfs"), 0, nil) },
			func() { fs.Ksys_umount([]byte(d+"/dir"), 0) }},
		{"fork's descriptor table", func() int {
			fd := open(d+"/file", uapi.O_RDONLY, 0)
			fs.Ksys_dup2(fd, 150)
			child, err := fs.Dup_fd(&fs.Init_files)
			fs.Ksys_close(fd)
			fs.Ksys_close(150)
			if err != 0 {
				return err
			}
			fs.Put_files_struct(child)
			return 0
		}, func() {}},
	}
	for _, op := range ops {
		tree := ourTree(t, d)
		counts := fstest.Snapshot()
		failed := 0
		for n := 1; ; n++ {
			fs.Fail_nth = n
			err := op.do()
			fired := fs.Fail_nth == 0
			fs.Fail_nth = 0
			if !fired {
				if err != 0 {
					t.Fatalf("%s: %s with no allocation failing", op.name, errname(err))
				}
				op.undo()
				break
			}
			failed++
			if err == 0 {
				// An allocation that may fail without failing the call
				// (a spare page the next write would have used): fine,
				// if undoing it restores everything.
				op.undo()
			} else if err != -uapi.ENOMEM && err != -uapi.ENOSPC {
				// ramfs says ENOSPC when it cannot get an inode, as
				// Linux's ramfs_mknod does.
				t.Errorf("%s, allocation %d failing: %s, want ENOMEM or ENOSPC", op.name, n, errname(err))
			}
			if now := ourTree(t, d); !slices.Equal(now, tree) {
				t.Fatalf("%s, allocation %d failing: the tree changed\nbefore:\n%s\nafter:\n%s", op.name, n,
					strings.Join(tree, "\n"), strings.Join(now, "\n"))
			}
			fstest.CheckLeaks(t, counts)
		}
		if failed == 0 {
			t.Errorf("%s allocates nothing?", op.name)
		}
		if now := ourTree(t, d); !slices.Equal(now, tree) {
			t.Fatalf("%s: undo left the tree changed", op.name)
		}
		fstest.CheckLeaks(t, counts)
	}
	removeAll(t, d)
	fstest.CheckLeaks(t, before)
}
