package asm

import "sync/atomic"

// Spinlocks. Linux: arch/x86/include/asm/spinlock.h (2.6.25-4.1: the
// ticket lock, arch_spin_lock, arch_spin_unlock, arch_spin_trylock,
// arch_spin_is_locked), include/linux/spinlock.h (spin_lock,
// spin_lock_irqsave, spin_unlock_irqrestore), kernel/locking/spinlock_debug.c
// (the lockup report). Seeds: 002 "Spinlocks" and the CAS slides: a lock
// is a word changed only by atomic read-modify-write instructions.
//
// A ticket lock is a bakery queue: LOCK XADD takes the next ticket (the
// high half, tail) and returns the old value; the holder is whoever's
// ticket equals the low half (head, "now serving"); unlock advances head.
// CPUs get the lock in the order they asked, which a test-and-set lock
// (XCHG) does not promise. Go's sync/atomic compiles to these
// instructions inline: Add is LOCK XADD, CompareAndSwap LOCK CMPXCHG.
// Later Linux (4.2+) uses queued spinlocks (qspinlock), fairer still on
// many sockets; the ticket lock is the one the seeds' 2.6 kernels have.

// Arch_spinlock_t is a ticket lock: bits 15-0 head, 31-16 tail (Linux
// arch_spinlock_t with its tickets).
type Arch_spinlock_t struct{ v atomic.Uint32 }

const ticketOne = 1 << 16

// Arch_spin_lock takes a ticket and spins until it is served.
//
//go:nosplit
func (l *Arch_spinlock_t) Arch_spin_lock() {
	my := uint16((l.v.Add(ticketOne) - ticketOne) >> 16)
	for uint16(l.v.Load()) != my {
		Cpu_relax()
	}
}

// arch_spin_lock_report is Arch_spin_lock that calls Spin_lockup(l) once
// after spins rounds of waiting, and then goes on waiting: a waiter
// cannot leave a ticket queue without stalling everyone behind it.
//
//go:nosplit
func (l *Arch_spinlock_t) arch_spin_lock_report(spins uint64, sl *Spinlock_t) {
	my := uint16((l.v.Add(ticketOne) - ticketOne) >> 16)
	for n := uint64(0); uint16(l.v.Load()) != my; n++ {
		if n == spins {
			if h := Spin_lockup; h != nil {
				h(sl)
			}
		}
		Cpu_relax()
	}
}

// Virt_spin_lock_key: the CPU runs under a hypervisor (CPUID.1:ECX bit
// 31, X86_FEATURE_HYPERVISOR; QEMU sets it under TCG too) and gokern has
// no paravirtual spinlocks, so a waiter takes the lock test-and-set
// instead of queueing for a ticket (Linux virt_spin_lock, enabled by
// native_pv_lock_init on such a CPU: "fair locks have horrible lock
// 'holder' preemption issues"). With more vCPUs than host CPUs, a ticket
// lock hands the lock to one particular vCPU, often not running: four
// vCPUs on two busy host cores took over 400 s for a million increments
// that one CPU does in 0.66 s. A test-and-set waiter takes the lock
// whenever it is free and the waiter runs. Set once at boot
// (Native_pv_lock_init).
var Virt_spin_lock_key bool

// X86_FEATURE_HYPERVISOR: CPUID leaf 1, ECX bit 31, reserved for a
// hypervisor to say it is there (SDM Vol. 2A, CPUID, Table 3-10: "Not
// Used. Always returns 0" on bare metal).
const X86_FEATURE_HYPERVISOR = 1 << 31

// Native_pv_lock_init chooses the waiters' way once, before a second CPU
// runs (Linux native_pv_lock_init).
func Native_pv_lock_init() {
	_, _, ecx, _ := Cpuid(1)
	Virt_spin_lock_key = ecx&X86_FEATURE_HYPERVISOR != 0
}

// virt_spin_lock_report waits test-and-set (Virt_spin_lock_key): a
// trylock each round, calling Spin_lockup(l) once after spins rounds, as
// arch_spin_lock_report does. The ticket layout stays: a trylock takes
// a ticket only when none is out, so ticket waiters and test-and-set
// waiters can share a lock.
//
//go:nosplit
func (l *Arch_spinlock_t) virt_spin_lock_report(spins uint64, sl *Spinlock_t) {
	for n := uint64(0); !l.Arch_spin_trylock(); n++ {
		if n == spins {
			if h := Spin_lockup; h != nil {
				h(sl)
			}
		}
		Cpu_relax()
	}
}

// Arch_spin_trylock takes the lock if it is free, with one LOCK CMPXCHG.
//
//go:nosplit
func (l *Arch_spinlock_t) Arch_spin_trylock() bool {
	old := l.v.Load()
	if uint16(old) != uint16(old>>16) {
		return false
	}
	return l.v.CompareAndSwap(old, old+ticketOne)
}

// Arch_spin_unlock serves the next ticket. Only the holder writes head,
// but waiters write tail in the same word, so the increment of the low
// half is a CMPXCHG loop (Linux adds to the 16-bit half alone, which Go's
// atomics cannot address).
//
//go:nosplit
func (l *Arch_spinlock_t) Arch_spin_unlock() {
	for {
		old := l.v.Load()
		if l.v.CompareAndSwap(old, old&^0xffff|uint32(uint16(old)+1)) {
			return
		}
	}
}

// Arch_spin_is_locked: a ticket is out that is not yet served.
//
//go:nosplit
func (l *Arch_spinlock_t) Arch_spin_is_locked() bool {
	v := l.v.Load()
	return uint16(v) != uint16(v>>16)
}

// Spinlock_t is a lock with its holder, for the lockup report (Linux
// spinlock_t with CONFIG_DEBUG_SPINLOCK's owner_cpu and owner).
type Spinlock_t struct {
	Raw_lock  Arch_spinlock_t
	Owner_cpu int32   // -1 when free
	Owner     uintptr // the holder's caller
	Name      string
}

// SPIN_LOCKUP_SPINS: rounds of PAUSE after which a waiter reports a
// suspected lockup (Linux's spinlock_debug waits loops_per_jiffy * HZ,
// about a second; a PAUSE is tens of cycles, more under TCG).
const SPIN_LOCKUP_SPINS = 1 << 30

// Spin_lockup is called when a waiter has spun SPIN_LOCKUP_SPINS rounds:
// the kernel sets it to print Linux's "BUG: spinlock lockup suspected"
// with the holder's CPU and caller (asm cannot print). The waiter keeps
// waiting afterwards.
var Spin_lockup func(l *Spinlock_t)

// Spin_lock disables preemption, then takes l (Linux spin_lock →
// preempt_disable, do_raw_spin_lock). A holder that an interrupt's way
// out could switch away from would leave its lock held by a task on no
// CPU: the next task on that CPU that wants the lock — maybe with
// preemption off, as in finish_task_switch — spins for ever. That was
// the -smp 4 hang of a Go program whose exiting threads freed their
// stacks on every CPU at once: a task in vfree held
// init_mm_page_table_lock across the TLB shootdown, was preempted there,
// and the same task, run again, wanted the lock once more in the
// finish_task_switch that ran it (every CPU spun on it, tickets 0x28 to
// 0x2b behind the preempted holder's 0x27).
//
//go:nosplit
func (l *Spinlock_t) Spin_lock(caller uintptr) {
	X__preempt_count_add(1)
	l.Do_raw_spin_lock(caller)
}

// Do_raw_spin_lock takes l without touching preemption, recording this
// CPU and caller as its holder (Linux do_raw_spin_lock): for the run
// queue locks, which __schedule takes in one task and finish_task_switch
// releases in the next (Linux's preempt count is per CPU and comes out
// even across the switch; gokern's is per task), always with interrupts
// off, so that nothing can preempt their holder anyway.
//
//go:nosplit
func (l *Spinlock_t) Do_raw_spin_lock(caller uintptr) {
	if !l.Raw_lock.Arch_spin_trylock() {
		if Virt_spin_lock_key {
			l.Raw_lock.virt_spin_lock_report(SPIN_LOCKUP_SPINS, l)
		} else {
			l.Raw_lock.arch_spin_lock_report(SPIN_LOCKUP_SPINS, l)
		}
	}
	l.Owner_cpu = int32(Smp_processor_id())
	l.Owner = caller
}

// Spin_unlock releases l, then enables preemption again (Linux
// spin_unlock; Linux's preempt_enable also switches at once if a
// reschedule came meanwhile: gokern leaves that to the way out of the
// next interrupt, which finds TIF_NEED_RESCHED still set).
//
//go:nosplit
func (l *Spinlock_t) Spin_unlock() {
	l.Do_raw_spin_unlock()
	X__preempt_count_sub(1)
}

// Do_raw_spin_unlock releases l (Linux do_raw_spin_unlock).
//
//go:nosplit
func (l *Spinlock_t) Do_raw_spin_unlock() {
	l.Owner_cpu = -1
	l.Owner = 0
	l.Raw_lock.Arch_spin_unlock()
}

// TI_preempt_count is the offset of the preempt count in the running
// task: kernel/sched's Task_struct starts with its Thread_info (Linux
// THREAD_INFO_IN_TASK), whose Preempt_count is at this offset; a host
// test there checks it. Linux x86 keeps the count per CPU
// (pcpu_hot.preempt_count); gokern keeps it per task.
const TI_preempt_count = 8

// X__preempt_count_add and X__preempt_count_sub change the running
// task's preempt count (Linux __preempt_count_add, __preempt_count_sub,
// arch/x86/include/asm/preempt.h); nothing before the scheduler has
// made the boot flow a task. An interrupt between the load and the store
// changes the count and puts it back before it returns, and no other CPU
// writes it, so a plain add is enough.
//
//go:nosplit
func X__preempt_count_add(val int32) {
	if t := This_cpu().Current_task; t != 0 {
		*(*int32)(KernelPtr(t + TI_preempt_count)) += val
	}
}

//go:nosplit
func X__preempt_count_sub(val int32) { X__preempt_count_add(-val) }

// Spin_lock_irqsave turns interrupts off on this CPU, then takes l: an
// interrupt handler on this CPU that wants l cannot then spin forever
// on a holder it interrupted (Linux spin_lock_irqsave). It returns the
// flags for Spin_unlock_irqrestore.
//
//go:nosplit
func (l *Spinlock_t) Spin_lock_irqsave(caller uintptr) uint64 {
	f := Arch_local_irq_save()
	l.Spin_lock(caller)
	return f
}

// Spin_unlock_irqrestore releases l, then puts the interrupt flag back
// as Spin_lock_irqsave found it (Linux spin_unlock_irqrestore).
//
//go:nosplit
func (l *Spinlock_t) Spin_unlock_irqrestore(flags uint64) {
	l.Spin_unlock()
	Arch_local_irq_restore(flags)
}
