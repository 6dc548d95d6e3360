package fs

import (
	"sync/atomic"

	"gokern/arch/amd64/asm"
	"gokern/include/uapi"
	"gokern/kernel/sched"
	ktime "gokern/kernel/time"
	"gokern/mm"
)

// Inodes. Linux: fs/inode.c (new_inode, ihold, iput, evict, get_next_ino,
// inode_init_owner, init_special_inode, clear_nlink, inc_nlink,
// drop_nlink), include/linux/fs.h. Seeds/003 "inode". An inode lives while
// it is referenced: by each dentry that names it and by each open file
// (through the file's dentry). gokern's file systems keep no unused
// inodes, so the last Iput evicts: the data pages go back to the buddy
// allocator and the inode to its cache.

var inode_cache = objCache[Inode]{Name: "inode_cache"}

// Nr_inodes counts live inodes (Linux get_nr_inodes).
func Nr_inodes() uint64 { return inode_cache.Active }

// last_ino is get_next_ino's counter.
var last_ino uint64

// Get_next_ino hands out inode numbers for file systems without their
// own (Linux get_next_ino, whose per-CPU batches this one atomic counter
// stands for: two CPUs making files at once must not get one number).
// 0 is never used: readdir skips it.
func Get_next_ino() uint64 {
	return atomic.AddUint64(&last_ino, 1)
}

// inode_sb_list_lock guards every super block's list of inodes
// (S_inodes, I_sb_list), which new inodes join and evicted ones leave
// on any CPU (Linux 2.6.39's inode_sb_list_lock; Linux now has one per
// super block, s_inode_list_lock). Taken with interrupts off, as
// dcache_lock, so that its holder is not preempted while others spin.
var inode_sb_list_lock asm.Arch_spinlock_t

func inode_sb_list_add(inode *Inode) {
	flags := vfs_lock_irq(&inode_sb_list_lock)
	mm.List_add_tail(&inode.I_sb_list, &inode.I_sb.S_inodes)
	vfs_unlock_irq(&inode_sb_list_lock, flags)
}

func inode_sb_list_del(inode *Inode) {
	flags := vfs_lock_irq(&inode_sb_list_lock)
	mm.List_del(&inode.I_sb_list)
	vfs_unlock_irq(&inode_sb_list_lock, flags)
}

// vfs_lock_irq takes one of the VFS's spinlocks with interrupts off (no
// interrupts to turn off in the host tests), so that its holder is not
// preempted while others spin (Linux spin_lock_irqsave);
// vfs_unlock_irq lets it go and turns them back on.
func vfs_lock_irq(l *asm.Arch_spinlock_t) uint64 {
	var flags uint64
	if sched.Hooks.Irq_save != nil {
		flags = sched.Hooks.Irq_save()
	}
	l.Arch_spin_lock()
	return flags
}

func vfs_unlock_irq(l *asm.Arch_spinlock_t, flags uint64) {
	l.Arch_spin_unlock()
	if sched.Hooks.Irq_restore != nil {
		sched.Hooks.Irq_restore(flags)
	}
}

// Current_time is the time stamp for an inode change (Linux
// current_time): the wall clock at the last tick, CLOCK_REALTIME_COARSE
// (ktime_get_coarse_real_ts64), which the CMOS clock set at boot. It
// was the time since the tick started, so files made or touched at run
// time were dated January 1970 while date said today.
func Current_time(inode *Inode) Timespec64 {
	t := ktime.Ktime_get_coarse_real_ts64()
	return Timespec64{Tv_sec: t.Tv_sec, Tv_nsec: t.Tv_nsec}
}

// New_inode makes an inode on sb with one reference and a fresh number
// (Linux new_inode + get_next_ino, which ramfs uses).
func New_inode(sb *SuperBlock) *Inode {
	var inode *Inode
	if sb.S_op != nil && sb.S_op.Alloc_inode != nil {
		inode = sb.S_op.Alloc_inode(sb)
	} else {
		inode = inode_cache.Zalloc(mm.GFP_KERNEL)
	}
	if inode == nil {
		return nil
	}
	inode.I_sb = sb
	inode.I_count = 1
	inode.I_nlink = 1
	inode.I_ino = Get_next_ino()
	t := Current_time(inode)
	inode.I_atime, inode.I_mtime, inode.I_ctime = t, t, t
	inode_sb_list_add(inode)
	return inode
}

// Ihold takes another reference (Linux ihold: atomic_inc(&i_count)). A
// hard link takes one while the file's other names come and go on
// other CPUs: with plain increments and decrements the count was lost
// and gained (selftest fs_namei_smp).
func Ihold(inode *Inode) { atomic.AddInt32(&inode.I_count, 1) }

// Iput drops a reference; the last one evicts the inode (Linux iput →
// iput_final → evict with generic_delete_inode's answer). gokern keeps
// no unused inodes to find again, so the CPU that drops the count to 0
// owns the inode.
func Iput(inode *Inode) {
	if inode == nil {
		return
	}
	for {
		c := atomic.LoadInt32(&inode.I_count)
		if c <= 0 {
			Vfs_bugs++
			return
		}
		if atomic.CompareAndSwapInt32(&inode.I_count, c, c-1) {
			if c == 1 {
				evict(inode)
			}
			return
		}
	}
}

// evict frees an inode and what it owns (Linux evict, truncate_inode_pages_final,
// clear_inode, destroy_inode).
func evict(inode *Inode) {
	sb := inode.I_sb
	if sb.S_op != nil && sb.S_op.Evict_inode != nil {
		sb.S_op.Evict_inode(inode)
	}
	Truncate_inode_pages(&inode.I_data, 0)
	if inode.I_link != nil {
		kfree(inode.I_link)
		inode.I_link = nil
	}
	inode_sb_list_del(inode)
	*inode = Inode{}
	inode_cache.Free(inode)
}

// Current_fsuid_fsgid returns current's fs ids (Linux current_fsuid,
// current_fsgid); the process layer sets it, and until then the kernel
// runs as root.
var Current_fsuid_fsgid func() (uint32, uint32)

// Inode_init_owner sets a new inode's owner and mode (Linux
// inode_init_owner): the creating task's fs ids (current_fsuid,
// current_fsgid; root's before there are tasks), the directory's group
// when it is set-group-ID.
func Inode_init_owner(inode, dir *Inode, mode uint32) {
	inode.I_uid, inode.I_gid = 0, 0
	if Current_fsuid_fsgid != nil {
		inode.I_uid, inode.I_gid = Current_fsuid_fsgid()
	}
	if dir != nil && dir.I_mode&uapi.S_ISGID != 0 {
		inode.I_gid = dir.I_gid
		if uapi.S_ISDIR(mode) {
			mode |= uapi.S_ISGID
		}
	}
	inode.I_mode = mode
}

// Init_special_inode makes inode a device or FIFO node (Linux
// init_special_inode): opening it goes to the character device's driver
// (chrdev_open) or to the pipe code (fifo_open).
func Init_special_inode(inode *Inode, mode uint32, rdev uapi.Dev_t) {
	inode.I_mode = mode
	switch mode & uapi.S_IFMT {
	case uapi.S_IFCHR:
		inode.I_fop = &Def_chr_fops
		inode.I_rdev = rdev
	case uapi.S_IFBLK:
		inode.I_fop = &Def_blk_fops
		inode.I_rdev = rdev
	case uapi.S_IFIFO:
		inode.I_fop = &Pipefifo_fops
	case uapi.S_IFSOCK:
		inode.I_fop = &No_open_fops
	}
}

// Link counts (Linux set_nlink, inc_nlink, drop_nlink, clear_nlink).
// Linux changes i_nlink under the inode's lock, which the callers here
// hold too (a directory's for its subdirectories' "..", a file's own in
// Vfs_link, Vfs_unlink, Vfs_rename); the updates are atomic besides, so
// that a count is never torn or lost whoever changes it, and stat
// reads it without the lock.
func Set_nlink(inode *Inode, n uint32) { atomic.StoreUint32(&inode.I_nlink, n) }
func Inc_nlink(inode *Inode)           { atomic.AddUint32(&inode.I_nlink, 1) }
func Drop_nlink(inode *Inode) {
	for {
		n := atomic.LoadUint32(&inode.I_nlink)
		if n == 0 {
			Vfs_bugs++
			return
		}
		if atomic.CompareAndSwapUint32(&inode.I_nlink, n, n-1) {
			return
		}
	}
}
func Clear_nlink(inode *Inode) { atomic.StoreUint32(&inode.I_nlink, 0) }

// Inode_set_ctime_current and friends stamp a change.
func touch_mc(inode *Inode) {
	t := Current_time(inode)
	inode.I_mtime, inode.I_ctime = t, t
}

// I_size_read and i_size_write (Linux's, without the seqcount a 32-bit
// SMP kernel needs).
func I_size_read(inode *Inode) int64        { return inode.I_size }
func I_size_write(inode *Inode, size int64) { inode.I_size = size }

// Inode_set_link gives a symlink inode its body, copied into kmalloc'd
// memory (Linux: ramfs keeps it in a page, page_symlink; shmem in
// i_link).
func Inode_set_link(inode *Inode, target []byte) int {
	if len(target) >= uapi.PATH_MAX {
		return -ENAMETOOLONG
	}
	b := kmalloc(len(target), mm.GFP_KERNEL)
	if b == nil {
		return -ENOMEM
	}
	copy(b, target)
	inode.I_link = b
	I_size_write(inode, int64(len(target)))
	return 0
}

// Inode_lock takes inode's lock, sleeping while another task holds it
// (Linux inode_lock: down_write(&inode->i_rwsem)). Writes and truncates
// of one file are serialised by it: before, two threads writing
// different bytes of a new page of a tmpfs file at once each added a
// page for it, and one's bytes were lost (io's TestOffsetWriter_WriteAt
// at -smp 4: 16 goroutines each pwrite one byte).
func Inode_lock(inode *Inode) {
	sched.Wait_event(&inode.I_rwsem_wait, func() bool { return atomic.CompareAndSwapUint32(&inode.I_rwsem, 0, 1) })
}

// Inode_unlock releases it (Linux inode_unlock).
func Inode_unlock(inode *Inode) {
	atomic.StoreUint32(&inode.I_rwsem, 0)
	sched.Wake_up(&inode.I_rwsem_wait)
}
