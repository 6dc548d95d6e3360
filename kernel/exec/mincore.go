package exec

import (
	"unsafe"

	"gokern/arch/amd64/asm"
	"gokern/kernel/sched"
	"gokern/mm"
)

// X__NR_mincore (syscall_64.tbl).
const X__NR_mincore = 27

// sys_mincore: mincore(addr, length, vec) on the current process's
// address space (Linux SYSCALL_DEFINE3(mincore)): -EINVAL for an
// unaligned addr, -ENOMEM for a range outside user space or with a hole,
// -EFAULT for a vec that is not user memory. The bytes are gathered
// under the mmap lock a chunk at a time and copied out after it is
// dropped, as Linux does with its page of tmp: copy_to_user may fault,
// and the fault takes the lock.
func sys_mincore(r *asm.PtRegs) int64 {
	start, length, vec := a1(r), a2(r), a3(r)
	if start&(asm.PAGE_SIZE-1) != 0 {
		return -asm.EINVAL
	}
	if !asm.Access_ok(uintptr(start), uintptr(length)) {
		return -asm.ENOMEM
	}
	pages := length >> asm.PAGE_SHIFT
	if length&(asm.PAGE_SIZE-1) != 0 {
		pages++
	}
	if !asm.Access_ok(uintptr(vec), uintptr(pages)) {
		return -asm.EFAULT
	}
	m := current_mm()
	if m == nil {
		return -asm.ENOMEM
	}
	var tmp [256]byte
	for pages > 0 {
		sched.Mmap_write_lock(m)
		n := mm.Do_mincore(m, start, tmp[:min(pages, uint64(len(tmp)))])
		sched.Mmap_write_unlock(m)
		if n <= 0 {
			return int64(n)
		}
		if asm.Copy_to_user(uintptr(vec), uintptr(unsafe.Pointer(&tmp[0])), uintptr(n)) != 0 {
			return -asm.EFAULT
		}
		pages -= uint64(n)
		vec += uint64(n)
		start += uint64(n) << asm.PAGE_SHIFT
	}
	return 0
}
