package boottest

import (
	"regexp"
	"strconv"
	"strings"
	"testing"

	q "gokern/internal/qemutest"
)

// shmLines is what the Go /init's shm mode (user/init/shm.go) prints, as
// the same binary prints it on the host's Linux 6.18 (run as root:
// `go run ./user/init shm`): shared anonymous memory, /dev/zero's and a
// tmpfs file's MAP_SHARED pages shared with a forked child both ways
// (MAP_PRIVATE's not), a file mapping that is the file (pread sees a
// store, the mapping a pwrite), SIGBUS past the file's last page and
// after a truncate, madvise(MADV_DONTNEED) keeping the data, mprotect,
// msync's errors, mincore (resident pages, EINVAL, ENOMEM), EACCES for a read-only file's shared mapping made
// writable, EPERM for PROT_EXEC on a noexec mount (mprotect: EACCES),
// /proc/self/maps's 's' for a read-only file's shared mapping (VM_MAYSHARE
// without VM_SHARED; gokern printed 'p'), and /proc/self/fd/N opening the
// same pipe and a deleted file; and 4 goroutines storing into a shared file
// mapping while it is cut to 0 and extended 200 times (on gokern, pid 1,
// the mode also wants /proc/meminfo's Cached back where it was). Before,
// the first mmap(MAP_SHARED) was -EINVAL and the mode ended at once.
var shmLines = []string{
	"anonymous: the child's store seen in MAP_SHARED true, in MAP_PRIVATE false; the parent's store seen by the child true",
	"/proc/self/maps: rw-s /dev/zero (deleted)",
	"/dev/zero open O_RDONLY: MAP_SHARED PROT_WRITE permission denied",
	"/dev/zero: the child's store seen in MAP_SHARED true, in MAP_PRIVATE false; the parent's store seen by the child true",
	`file: a store through the mapping, read by pread: "HELLO"`,
	`file: a pwrite, seen in the mapping: "world"`,
	"file: the page past the file's last: SIGBUS at it true",
	"file: a store past EOF in the last page: size still 5",
	`file: madvise(MADV_DONTNEED): <nil>, the data still "world"`,
	"file: mprotect(PROT_READ) <nil>, then a store faults true",
	`file: mprotect(PROT_READ|PROT_WRITE) <nil>, a store read by pread: "wOrld"`,
	"file: msync MS_SYNC <nil>, MS_ASYNC|MS_INVALIDATE <nil>, MS_SYNC|MS_ASYNC invalid argument, flag 8 invalid argument, unaligned invalid argument",
	"file: mincore <nil> [1 0], unaligned invalid argument",
	"anonymous: mincore of a touched and an untouched page <nil> [1 0]",
	"file: truncated to 0: SIGBUS at the first page true",
	"file: extended to a page again: it reads zeros true",
	"file: the child's store seen in the mapping true and by pread true, the parent's by the child true",
	"file: after munmap the file keeps the store true",
	"file: msync of the unmapped range: cannot allocate memory, mincore: cannot allocate memory",
	"O_RDONLY: /proc/self/maps: r--s /tmp/shm-ro",
	"O_RDONLY: MAP_SHARED PROT_WRITE permission denied, PROT_READ <nil> then mprotect(PROT_WRITE) permission denied; MAP_PRIVATE PROT_WRITE <nil> (file unchanged true); O_WRONLY: permission denied",
	"noexec: PROT_EXEC MAP_PRIVATE operation not permitted, MAP_SHARED operation not permitted; PROT_READ <nil> then mprotect(PROT_EXEC) permission denied",
	`/proc/self/fd: the pipe's write end opened again: <nil>, read "through fd"`,
	`/proc/self/fd: a deleted file opened again: <nil>, read "still here"`,
	"stress: 4 goroutines stored into a shared mapping while the file was cut to 0 and extended 200 times: 0 wrong values",
}

// TestGoInitShm boots the shm mode at -smp 1 and 4 and wants the host's
// lines, then init's exit with every user page given back.
func TestGoInitShm(t *testing.T) {
	initrd := goInitrd(t)
	for _, smp := range []int{1, 4} {
		t.Run("smp"+strconv.Itoa(smp), func(t *testing.T) {
			t.Parallel()
			r := q.Boot(t, q.Config{Initrd: initrd, SMP: smp, Append: "init.mode=shm -- shm self"})
			var got []string
			for _, l := range r.Lines() {
				if _, s, ok := strings.Cut(l, "goinit: shm: "); ok {
					got = append(got, s)
				}
			}
			if strings.Join(got, "\n") != strings.Join(shmLines, "\n") {
				t.Errorf("got\n%s\nwant\n%s", strings.Join(got, "\n"), strings.Join(shmLines, "\n"))
			}
			mustExit(t, r, q.ExitSuccess)
			mustContain(t, r, "goinit: mode shm ok after ")
		})
	}
}

// TestGDBVmas: gk-vmas on the Go init stopped in its first shared fault
// (init.mode=shm, mm.filemap_fault): pid 1's VMAs in address order with
// /proc/<pid>/maps's permissions, the shared anonymous mapping's line
// showing its shmem file, named /dev/zero (deleted), its page cache and the
// VMAs on its I_mmap list, the program's text as the ELF loader's file, and
// the mm's totals; a pid with no mm is one line of error. Then the program
// goes on and ends well.
func TestGDBVmas(t *testing.T) {
	t.Parallel()
	r := runGDBConfig(t, q.Config{Initrd: goInitrd(t), Append: "init.mode=shm -- shm self"}, false,
		"break 'gokern/mm.filemap_fault'", "continue", "gk-vmas 1", "gk-vmas 0", "delete", "continue")
	for _, want := range []string{
		`(?m)^pid 1 \(init\): mm 0x[0-9a-f]+, PGD 0x[0-9a-f]+$`,
		`(?m)^[0-9a-f]{16}-[0-9a-f]{16} rw-s 00000000 +[01]/1 +/dev/zero \(deleted\) shmem, ino \d+, 4096 bytes; shared: [01] cached pages, [12] shared VMAs of the file$`,
		`(?m)^0000000000400000-[0-9a-f]{16} r-xp 00000000 +\d+/\d+ +file \(the ELF loader's\)$`,
		`(?m)^[0-9a-f]{16}-[0-9a-f]{16} r-xp 00000000 +\d/\d +\[vdso\]$`,
		`(?m)^\d+ VMAs, total_vm \d+ pages, rss \d+ pages, \d+ users$`,
	} {
		if !regexp.MustCompile(want).MatchString(r.out) {
			t.Errorf("gk-vmas shows no match for %s\n--- gdb\n%s", want, r.all())
		}
	}
	if !strings.Contains(r.stderr, "gk-vmas: no user task with pid 0 (gk-ps lists them)") {
		t.Errorf("gk-vmas 0: no one-line error\n%s", r.all())
	}
	if !strings.Contains(r.serial, "goinit: mode shm ok") {
		t.Errorf("the program did not end well after gdb let it go on\n--- serial\n%s", r.serial)
	}
}
