package fs

import (
	"sync/atomic"

	"gokern/arch/amd64/asm"
	"gokern/include/uapi"
	"gokern/kernel/sched"
	"gokern/kunit"
	"gokern/printk"
)

// Selftest fs_read_truncate_smp: read(2) races truncate(2), as Linux's
// filemap_read does without the inode's lock. One thread truncates a
// file to nothing and writes it again, RT_ST_PAGES pages of RT_ST_BYTE,
// RT_ST_ROUNDS times; RT_ST_READERS threads read it whole meanwhile. The
// file never holds any other byte, so every byte a read returns must be
// RT_ST_BYTE. Before Find_get_page took a page reference under
// tree_lock, a reader could copy from a page the truncate had freed and
// the writer had taken again, zeroed (or another task had), and read
// zeros or someone else's bytes; and a reader that had seen the old size
// read a hole of zeros where the truncate had taken the page away.

const (
	RT_ST_READERS = 3
	RT_ST_ROUNDS  = 2000
	RT_ST_PAGES   = 8
	RT_ST_BYTE    = 'A'
	rt_st_name    = "/fs_read_truncate_smp"
	// RT_ST_MIN_READS: reads that returned bytes the test needs to
	// conclude anything. At -smp 1 the writer can run all its rounds
	// before a reader gets the CPU (1 boot in 8 of selftest=all read
	// 0-3 times, one of 120 not at all, which failed it); then it goes
	// on, a round at a time with a yield after each (the readers, when
	// they spin on reads of nothing, take a time slice each), until the
	// readers have read this often or RT_ST_MAX_ROUNDS rounds are done.
	RT_ST_MIN_READS  = 30
	RT_ST_MAX_ROUNDS = RT_ST_ROUNDS + 20
)

var rt_st struct {
	f       *File
	pattern [RT_ST_PAGES * asm.PAGE_SIZE]byte
	buf     [RT_ST_READERS][RT_ST_PAGES * asm.PAGE_SIZE]byte
	ready   atomic.Int32
	done    atomic.Int32
	reads   atomic.Int64 // reads that returned bytes
	bytes   atomic.Int64 // bytes they returned
	bad     atomic.Int64 // reads with a byte other than RT_ST_BYTE
	badByte atomic.Int32 // the last such byte
	errs    atomic.Int64 // failed truncates, short writes, negative reads
	rounds  atomic.Int64 // the writer's rounds
	cpus    atomic.Uint64
}

func rt_st_thread(i uintptr) int {
	st := &rt_st
	for st.ready.Add(1); st.ready.Load() < RT_ST_READERS+1; {
		sched.Yield()
	}
	if i == 0 {
		r := 0
		for ; r < RT_ST_ROUNDS || (st.reads.Load() < RT_ST_MIN_READS && r < RT_ST_MAX_ROUNDS); r++ {
			st.cpus.Or(1 << uint(asm.Smp_processor_id()))
			if Do_truncate(st.f.F_path.Dentry, 0) != 0 {
				st.errs.Add(1)
			}
			pos := int64(0)
			if Kernel_write(st.f, st.pattern[:], &pos) != int64(len(st.pattern)) {
				st.errs.Add(1)
			}
			if r >= RT_ST_ROUNDS {
				sched.Yield()
			}
		}
		st.rounds.Store(int64(r))
		st.done.Store(1)
		return 0
	}
	buf := st.buf[i-1][:]
	for st.done.Load() == 0 {
		st.cpus.Or(1 << uint(asm.Smp_processor_id()))
		pos := int64(0)
		n := Kernel_read(st.f, buf, &pos)
		if n < 0 {
			st.errs.Add(1)
			continue
		}
		if n == 0 {
			continue
		}
		st.reads.Add(1)
		st.bytes.Add(n)
		for _, b := range buf[:n] {
			if b != RT_ST_BYTE {
				st.bad.Add(1)
				st.badByte.Store(int32(b))
				break
			}
		}
	}
	return 0
}

// Test_fs_read_truncate_smp: no read returns a byte the file never held.
func Test_fs_read_truncate_smp(t *kunit.Kunit) {
	st := &rt_st
	var p [64]byte
	name := p[:copy(p[:], rt_st_name)]
	f, err := Filp_open(name, uapi.O_RDWR|uapi.O_CREAT|uapi.O_EXCL, 0o644)
	if err != 0 {
		t.Errorf("create %s: %d", printk.Str(rt_st_name), printk.Int(err))
		return
	}
	for i := range st.pattern {
		st.pattern[i] = RT_ST_BYTE
	}
	st.f = f
	st.ready.Store(0)
	st.done.Store(0)
	st.reads.Store(0)
	st.bytes.Store(0)
	st.bad.Store(0)
	st.errs.Store(0)
	st.cpus.Store(0)
	st.rounds.Store(0)
	ok := st_run_kthreads(t, rt_st_thread, RT_ST_READERS+1, "rdtrunc")
	printk.Pr_info("fs_read_truncate_smp: %d truncates and rewrites of %d pages, %d readers on CPUs %#x: %d reads of %d bytes, %d with a byte the file never held (last %#x), %d errors\n",
		printk.Int(st.rounds.Load()), printk.Int(RT_ST_PAGES), printk.Int(RT_ST_READERS), printk.Int(st.cpus.Load()),
		printk.Int(st.reads.Load()), printk.Int(st.bytes.Load()), printk.Int(st.bad.Load()), printk.Int(st.badByte.Load()),
		printk.Int(st.errs.Load()))
	Fput(f)
	Do_unlinkat(uapi.AT_FDCWD, name)
	if !ok {
		return
	}
	if st.bad.Load() != 0 || st.errs.Load() != 0 {
		t.Errorf("%d reads returned a byte the file never held (last %#x), %d errors, %d reads in all",
			printk.Int(st.bad.Load()), printk.Int(st.badByte.Load()), printk.Int(st.errs.Load()), printk.Int(st.reads.Load()))
	} else if st.reads.Load() < RT_ST_MIN_READS {
		t.Errorf("no conclusion: the readers read %d times in %d rounds of the writer, want at least %d",
			printk.Int(st.reads.Load()), printk.Int(st.rounds.Load()), printk.Int(RT_ST_MIN_READS))
	}
}
