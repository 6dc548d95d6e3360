package fs

import (
	"sync/atomic"

	"gokern/arch/amd64/asm"
	"gokern/include/uapi"
	"gokern/kernel/sched"
	"gokern/kunit"
	"gokern/printk"
)

// Selftest fs_namei_smp: names made and removed in one directory on
// every CPU at once, through the system calls' own paths (Filp_open,
// Do_mkdirat, Do_linkat, Do_unlinkat). NAMEI_ST_THREADS kernel threads
// meet at a barrier each round, then
//   - all open(O_CREAT|O_EXCL) the same new name: exactly one may succeed,
//     the others get EEXIST (Linux: the parent's i_rwsem is held across
//     lookup and create, open_last_lookups);
//   - all mkdir the same new name: likewise one, the others EEXIST
//     (filename_create);
//   - each mkdirs a name of its own in the shared directory, so that the
//     directory's link count is raised by every CPU at once;
//   - each links and unlinks, NAMEI_ST_LINKS times, a name in a
//     directory of its own to one shared file, so that one inode's link
//     and reference counts change on every CPU at once though no two
//     threads share a directory (the inode's own lock, i_count's atomics).
// At the end each name is there once, the directory's link count is 2
// and one per subdirectory, the shared file has one link and one
// reference, and everything removed leaves the object counts as they
// were.

const (
	NAMEI_ST_THREADS = 4
	NAMEI_ST_ROUNDS  = 100
	NAMEI_ST_LINKS   = 8
	namei_st_dir     = "/fs_namei_smp"
)

var namei_st struct {
	arrived  atomic.Int32 // barrier: NAMEI_ST_THREADS arrivals a round
	created  [NAMEI_ST_ROUNDS]atomic.Int32
	made     [NAMEI_ST_ROUNDS]atomic.Int32
	other    atomic.Int32 // unexpected errors
	lastErr  atomic.Int32
	linkErrs atomic.Int32
	cpus     atomic.Uint64
}

// namei_st_name builds namei_st_dir + "/" + prefix + n [+ "_" + m] in buf.
func namei_st_name(buf []byte, prefix string, n, m int) []byte {
	k := copy(buf, namei_st_dir)
	buf[k] = '/'
	k++
	k += copy(buf[k:], prefix)
	k = st_itoa(buf, k, n)
	if m >= 0 {
		buf[k] = '_'
		k = st_itoa(buf, k+1, m)
	}
	return buf[:k]
}

// namei_st_link builds namei_st_dir + "/t" + i + "/l" + k in buf.
func namei_st_link(buf []byte, i, k int) []byte {
	n := len(namei_st_name(buf, "t", i, -1))
	n += copy(buf[n:], "/l")
	return buf[:st_itoa(buf, n, k)]
}

// st_itoa writes n in decimal at buf[k:] and returns the end.
func st_itoa(buf []byte, k, n int) int {
	var d [20]byte
	i := len(d)
	for {
		i--
		d[i] = byte('0' + n%10)
		n /= 10
		if n == 0 {
			break
		}
	}
	return k + copy(buf[k:], d[i:])
}

func namei_st_unexpected(err int) {
	namei_st.other.Add(1)
	namei_st.lastErr.Store(int32(err))
}

func namei_st_thread(arg uintptr) int {
	st := &namei_st
	i := int(arg)
	var p, q [64]byte
	for r := 0; r < NAMEI_ST_ROUNDS; r++ {
		st.arrived.Add(1)
		for st.arrived.Load() < int32((r+1)*NAMEI_ST_THREADS) {
			sched.Yield()
		}
		st.cpus.Or(1 << uint(asm.Smp_processor_id()))
		f, err := Filp_open(namei_st_name(p[:], "f", r, -1), uapi.O_RDWR|uapi.O_CREAT|uapi.O_EXCL, 0o644)
		switch err {
		case 0:
			st.created[r].Add(1)
			Fput(f)
		case -EEXIST:
		default:
			namei_st_unexpected(err)
		}
		switch err := Do_mkdirat(uapi.AT_FDCWD, namei_st_name(p[:], "d", r, -1), 0o755); err {
		case 0:
			st.made[r].Add(1)
		case -EEXIST:
		default:
			namei_st_unexpected(err)
		}
		if err := Do_mkdirat(uapi.AT_FDCWD, namei_st_name(p[:], "m", i, r), 0o755); err != 0 {
			namei_st_unexpected(err)
		}
		target := namei_st_name(q[:], "target", 0, -1)
		for k := 0; k < NAMEI_ST_LINKS; k++ {
			l := namei_st_link(p[:], i, k)
			if err := Do_linkat(uapi.AT_FDCWD, target, uapi.AT_FDCWD, l, 0); err != 0 {
				st.linkErrs.Add(1)
				namei_st_unexpected(err)
				continue
			}
			if err := Do_unlinkat(uapi.AT_FDCWD, l); err != 0 {
				st.linkErrs.Add(1)
				namei_st_unexpected(err)
			}
		}
	}
	return 0
}

// namei_st_children counts dir's positive children and those among
// them whose name another positive child has too.
func namei_st_children(dir *Dentry) (n, dups, subdirs int) {
	flags := dcache_lock_irq()
	for l := dir.D_subdirs.Next; l != &dir.D_subdirs; l = l.Next {
		d := dentry_of(l)
		if !simple_positive(d) {
			continue
		}
		n++
		if d_is_dir(d) {
			subdirs++
		}
		for l2 := l.Next; l2 != &dir.D_subdirs; l2 = l2.Next {
			if e := dentry_of(l2); simple_positive(e) && name_eq(e, d.D_name.Hash, d.D_name.Bytes()) {
				dups++
				break
			}
		}
	}
	dcache_unlock_irq(flags)
	return n, dups, subdirs
}

// Test_fs_namei_smp: one name, one file; counts exact; nothing left.
func Test_fs_namei_smp(t *kunit.Kunit) {
	st := &namei_st
	var p [64]byte
	before, bugs := st_snapshot(), Vfs_bugs
	dirname := p[:copy(p[:], namei_st_dir)]
	if err := Do_mkdirat(uapi.AT_FDCWD, dirname, 0o755); err != 0 {
		t.Errorf("mkdir %s: %d", printk.Str(namei_st_dir), printk.Int(err))
		return
	}
	for i := 0; i < NAMEI_ST_THREADS; i++ {
		Do_mkdirat(uapi.AT_FDCWD, namei_st_name(p[:], "t", i, -1), 0o755)
	}
	f, err := Filp_open(namei_st_name(p[:], "target", 0, -1), uapi.O_RDWR|uapi.O_CREAT|uapi.O_EXCL, 0o644)
	if err != 0 {
		t.Errorf("create the target: %d", printk.Int(err))
		return
	}
	Fput(f)
	st.arrived.Store(0)
	st.other.Store(0)
	st.linkErrs.Store(0)
	st.cpus.Store(0)
	for r := range st.created {
		st.created[r].Store(0)
		st.made[r].Store(0)
	}
	if !st_run_kthreads(t, namei_st_thread, NAMEI_ST_THREADS, "namei") {
		return
	}
	// One success a round, for the file and for the directory.
	badCreate, badMkdir, extra := 0, 0, 0
	for r := range st.created {
		if c := st.created[r].Load(); c != 1 {
			badCreate++
			extra += int(c) - 1
		}
		if c := st.made[r].Load(); c != 1 {
			badMkdir++
			extra += int(c) - 1
		}
	}
	var path Path
	if err := Kern_path(dirname, 0, &path); err != 0 {
		t.Errorf("lookup %s: %d", printk.Str(namei_st_dir), printk.Int(err))
		return
	}
	dir := path.Dentry
	n, dups, subdirs := namei_st_children(dir)
	nlink := atomic.LoadUint32(&dir.D_inode.I_nlink)
	Path_put(&path)
	var tnlink uint32
	var tcount int32
	if err := Kern_path(namei_st_name(p[:], "target", 0, -1), 0, &path); err == 0 {
		tnlink, tcount = atomic.LoadUint32(&path.Dentry.D_inode.I_nlink), atomic.LoadInt32(&path.Dentry.D_inode.I_count)
		Path_put(&path)
	}
	wantN := 2*NAMEI_ST_ROUNDS + NAMEI_ST_THREADS*NAMEI_ST_ROUNDS + NAMEI_ST_THREADS + 1
	printk.Pr_info("fs_namei_smp: %d threads, %d rounds, on CPUs %#x: rounds with other than one O_EXCL create %d, one mkdir %d (%d extra), %d names (want %d), %d duplicated, directory nlink %d for %d subdirectories (want %d), target nlink %d count %d (want 1 1), %d unexpected errors (last %d)\n",
		printk.Int(NAMEI_ST_THREADS), printk.Int(NAMEI_ST_ROUNDS), printk.Int(st.cpus.Load()),
		printk.Int(badCreate), printk.Int(badMkdir), printk.Int(extra), printk.Int(n), printk.Int(wantN), printk.Int(dups),
		printk.Int(nlink), printk.Int(subdirs), printk.Int(2+subdirs), printk.Int(tnlink), printk.Int(tcount),
		printk.Int(st.other.Load()), printk.Int(st.lastErr.Load()))
	if badCreate != 0 || badMkdir != 0 || n != wantN || dups != 0 {
		t.Errorf("one name, one file: %d rounds with other than one create, %d with other than one mkdir, %d names (want %d), %d duplicated",
			printk.Int(badCreate), printk.Int(badMkdir), printk.Int(n), printk.Int(wantN), printk.Int(dups))
	}
	if int(nlink) != 2+subdirs || tnlink != 1 || tcount != 1 {
		t.Errorf("link counts: directory %d for %d subdirectories, target nlink %d (want 1), count %d (want 1)",
			printk.Int(nlink), printk.Int(subdirs), printk.Int(tnlink), printk.Int(tcount))
	}
	if st.other.Load() != 0 {
		t.Errorf("%d unexpected errors, the last %d", printk.Int(st.other.Load()), printk.Int(st.lastErr.Load()))
	}
	// Remove everything: a name made twice is removed twice.
	for r := 0; r < NAMEI_ST_ROUNDS; r++ {
		for Do_unlinkat(uapi.AT_FDCWD, namei_st_name(p[:], "f", r, -1)) == 0 {
		}
		for Do_rmdir(uapi.AT_FDCWD, namei_st_name(p[:], "d", r, -1)) == 0 {
		}
		for i := 0; i < NAMEI_ST_THREADS; i++ {
			Do_rmdir(uapi.AT_FDCWD, namei_st_name(p[:], "m", i, r))
		}
	}
	for i := 0; i < NAMEI_ST_THREADS; i++ {
		Do_rmdir(uapi.AT_FDCWD, namei_st_name(p[:], "t", i, -1))
	}
	Do_unlinkat(uapi.AT_FDCWD, namei_st_name(p[:], "target", 0, -1))
	if err := Do_rmdir(uapi.AT_FDCWD, p[:copy(p[:], namei_st_dir)]); err != 0 {
		t.Errorf("rmdir %s: %d", printk.Str(namei_st_dir), printk.Int(err))
		return
	}
	if after := st_snapshot(); after != before || Vfs_bugs != bugs {
		t.Errorf("leak: inodes %d→%d, dentries %d→%d, files %d→%d, %d refcount bugs",
			printk.Int(before.inodes), printk.Int(after.inodes), printk.Int(before.dentries), printk.Int(after.dentries),
			printk.Int(before.files), printk.Int(after.files), printk.Int(Vfs_bugs-bugs))
	}
}
