package exec

import (
	"gokern/arch/amd64/asm"
	"gokern/kernel/sched"
	"gokern/mm"
)

// X__NR_msync (syscall_64.tbl).
const X__NR_msync = 26

// sys_msync: msync(addr, length, flags) on the current process's address
// space (Linux SYSCALL_DEFINE3(msync); mm.Do_msync).
func sys_msync(r *asm.PtRegs) int64 {
	m := current_mm()
	if m == nil {
		return -asm.ENOMEM
	}
	sched.Mmap_write_lock(m)
	ret := mm.Do_msync(m, a1(r), a2(r), int(int32(a3(r))))
	sched.Mmap_write_unlock(m)
	return int64(ret)
}
