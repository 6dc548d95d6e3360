package amd64

import (
	"sync/atomic"

	"gokern/arch/amd64/apic"
	"gokern/arch/amd64/asm"
	"gokern/arch/amd64/realmode"
	"gokern/arch/amd64/tsc"
	"gokern/kallsyms"
	"gokern/kernel"
	"gokern/kernel/cpumask"
	"gokern/kernel/irq"
	"gokern/kernel/sched"
	"gokern/kernel/smp"
	"gokern/kernel/time"
	"gokern/kunit"
	"gokern/mm"
	"gokern/printk"
)

// Test_smp_cpus checks what smp_init left behind, from the state each AP
// wrote itself: as many CPUs online as present and allowed (maxcpus=,
// nosmp), each AP with the APIC ID the tables gave it (read from its own
// local APIC), its own GS base pointing at its own per-CPU data, through
// which it read its own CPU number, its own GDT with its own TSS, whose
// RSP0 and IST slots are inside its own stacks, its g current in its own
// TLS block, and in its idle loop.
func Test_smp_cpus(t *kunit.Kunit) {
	want := min(cpumask.Num_present_cpus(), max(Setup_max_cpus, 1))
	if got := cpumask.Num_online_cpus(); got != want {
		t.Errorf("%d CPUs online (mask %#x), want %d: present %#x, maxcpus %d",
			printk.Int(got), printk.Int(cpumask.Cpu_online_mask.Bits()), printk.Int(want),
			printk.Int(cpumask.Cpu_present_mask.Bits()), printk.Int(Setup_max_cpus))
	}
	if !cpumask.Cpu_online(0) || asm.Smp_processor_id() != 0 {
		t.Errorf("the boot CPU is not CPU 0 online (smp_processor_id %d)", printk.Int(asm.Smp_processor_id()))
	}
	if want > 1 {
		if pa := realmode.Real_mode_header; pa == 0 || pa >= 1<<20 || pa%asm.PAGE_SIZE != 0 {
			t.Errorf("trampoline page %#x: not a page below 1 MiB", printk.Int(pa))
		}
		if s := realmode.Tr_status_read(); s != 3 {
			t.Errorf("trampoline status %d: the last AP did not report reaching long mode", printk.Int(s))
		}
	}
	for cpu := 1; cpu < asm.NR_CPUS; cpu++ {
		if !cpumask.Cpu_online(cpu) {
			continue
		}
		p := asm.Per_cpu_ptr(asm.Pcpu_hot, cpu)
		// Its idle task (fork_idle), current on it, on its task stack.
		rq := sched.Cpu_rq(cpu)
		if idle := rq.Idle; idle == nil || rq.Curr != idle || p.Current_task != uintptrOf(idle) || idle.Flags&sched.PF_IDLE == 0 ||
			idle.Pid != 0 || int(idle.Cpu) != cpu || idle.Stack != p.Stacks[asm.STACK_TYPE_TASK].Begin {
			t.Errorf("CPU %d: no idle task of its own current (rq idle %#x, curr %#x, current_task %#x)", printk.Int(cpu),
				printk.Int(uintptrOf(rq.Idle)), printk.Int(uintptrOf(rq.Curr)), printk.Int(p.Current_task))
		} else {
			// Its idle task runs with preemption off (Linux
			// init_idle_preempt_count): 1, not moved by the spinlocks
			// its CPU took before it became current.
			if c := idle.Thread_info.Preempt_count; c != 1 {
				t.Errorf("CPU %d: idle task's preempt count %d, want 1", printk.Int(cpu), printk.Int(c))
			}
			var want [16]byte
			n := printk.Snprintf(want[:], "swapper/%d", printk.Int(cpu))
			if idle.Name() != string(want[:n]) {
				t.Errorf("CPU %d: idle task %s, want %s", printk.Int(cpu), printk.Str(idle.Name()), printk.Bytes(want[:n]))
			}
		}
		if Cpu_callin_apicid[cpu] != apic.X86_cpu_to_apicid[cpu] {
			t.Errorf("CPU %d: APIC ID %#x, the tables say %#x", printk.Int(cpu), printk.Int(Cpu_callin_apicid[cpu]), printk.Int(apic.X86_cpu_to_apicid[cpu]))
		}
		if Cpu_callin_gs_base[cpu] != uintptrOf(p) || Cpu_callin_id[cpu] != cpu || p.This_cpu_off != uintptrOf(p) {
			t.Errorf("CPU %d: GS base %#x (per-CPU data at %#x), smp_processor_id() %d", printk.Int(cpu),
				printk.Int(Cpu_callin_gs_base[cpu]), printk.Int(uintptrOf(p)), printk.Int(Cpu_callin_id[cpu]))
		}
		tss := &Cpu_tss_rw[cpu]
		if tss.Sp0() != uint64(p.Top_of_stack) || p.Top_of_stack != Cpu_stacks[cpu]+AP_STACKS_SIZE {
			t.Errorf("CPU %d: TSS RSP0 %#x, top of stack %#x, stacks at %#x", printk.Int(cpu), printk.Int(tss.Sp0()),
				printk.Int(p.Top_of_stack), printk.Int(Cpu_stacks[cpu]))
		}
		for e := 0; e < asm.N_EXCEPTION_STACKS; e++ {
			s := &p.Stacks[asm.STACK_TYPE_EXCEPTION+e]
			if tss.Ist(e+1) != uint64(s.End) || s.Begin < Cpu_stacks[cpu] || s.End > Cpu_stacks[cpu]+AP_STACKS_SIZE {
				t.Errorf("CPU %d: IST%d %#x, its stack [%#x, %#x)", printk.Int(cpu), printk.Int(e+1), printk.Int(tss.Ist(e+1)), printk.Int(s.Begin), printk.Int(s.End))
			}
		}
		gdt := Get_cpu_gdt_rw(cpu)
		if base := (asm.LdttssDesc{uint64(gdt[asm.GDT_ENTRY_TSS]), uint64(gdt[asm.GDT_ENTRY_TSS+1])}).Base(); base != uint64(uintptrOf(tss)) {
			t.Errorf("CPU %d: its GDT's TSS descriptor has base %#x, want its TSS %#x", printk.Int(cpu), printk.Int(base), printk.Int(uintptrOf(tss)))
		}
		// The slot holds the IRQ stack's g while that CPU runs an
		// interrupt handler: a read then is not the idle loop's state,
		// so reads until one finds the task's g. The budget counts
		// this CPU's running time, not the other's: the host can stop
		// that vCPU's thread alone, inside a handler, for seconds (a
		// 1000-read loop failed so on a loaded host), so it is long;
		// a working CPU answers within microseconds.
		budget := tsc.New_run_budget(10000)
		slot := atomic.LoadUintptr(&cpu_tls[cpu][0])
		for slot != uintptrOf(&ap_g[cpu].task) && !budget.Spent() {
			asm.Cpu_relax()
			slot = atomic.LoadUintptr(&cpu_tls[cpu][0])
		}
		if slot != uintptrOf(&ap_g[cpu].task) {
			t.Errorf("CPU %d: TLS slot %#x, want its task g %#x", printk.Int(cpu), printk.Int(slot), printk.Int(uintptrOf(&ap_g[cpu].task)))
		}
		for !Cpu_idle[cpu] && !budget.Spent() {
			asm.Cpu_relax()
		}
		if !Cpu_idle[cpu] {
			t.Errorf("CPU %d: online but not in its idle loop after 10 s of running time", printk.Int(cpu))
		}
	}
}

// smp_seen[cpu] is cpu+1 once the function ran there and read its own
// smp_processor_id() through its GS base.
var smp_seen [asm.NR_CPUS]atomic.Int64

func record_cpu(info uintptr) {
	cpu := asm.Smp_processor_id()
	smp_seen[cpu].Store(int64(cpu) + 1)
}

func nothing(uintptr) {}

// online_aps is the online mask without this CPU.
func online_aps() uint64 {
	return cpumask.Cpu_online_mask.Bits() &^ (1 << uint(asm.Smp_processor_id()))
}

// Test_smp_call_function: smp_call_function runs a function on every
// other online CPU, each records the CPU number it reads through its own
// GS base; smp_call_function_single reaches each one alone; a
// RESCHEDULE_VECTOR IPI is counted by each; an IPI to a CPU that is not
// online is refused and not sent. It prints the round trip of a call
// with wait to all the other CPUs, and to one.
func Test_smp_call_function(t *kunit.Kunit) {
	aps := online_aps()
	n := 0
	for m := aps; m != 0; m &= m - 1 {
		n++
	}
	for i := range smp_seen {
		smp_seen[i].Store(0)
	}
	before := asm.Per_cpu_read(asm.Irq_stat_call, 0)
	if got := smp.Smp_call_function(record_cpu, 0, true); got != n {
		t.Errorf("smp_call_function ran on %d CPUs, want %d (online %#x)", printk.Int(got), printk.Int(n), printk.Int(cpumask.Cpu_online_mask.Bits()))
	}
	for cpu := 0; cpu < asm.NR_CPUS; cpu++ {
		want := int64(0)
		if aps&(1<<uint(cpu)) != 0 {
			want = int64(cpu) + 1
		}
		if got := smp_seen[cpu].Load(); got != want {
			t.Errorf("CPU %d recorded %d, want %d", printk.Int(cpu), printk.Int(got-1), printk.Int(want-1))
		}
	}
	if asm.Per_cpu_read(asm.Irq_stat_call, 0) != before {
		t.Errorf("the calling CPU ran its own smp_call_function")
	}
	for cpu := 1; cpu < asm.NR_CPUS; cpu++ {
		if aps&(1<<uint(cpu)) == 0 {
			continue
		}
		smp_seen[cpu].Store(0)
		if smp.Smp_call_function_single(cpu, record_cpu, 0, true) != 0 || smp_seen[cpu].Load() != int64(cpu)+1 {
			t.Errorf("smp_call_function_single(%d) did not run there (%d)", printk.Int(cpu), printk.Int(smp_seen[cpu].Load()-1))
		}
		r := asm.Per_cpu_read(asm.Irq_stat_resched, cpu)
		apic.Send_IPI_mask(1<<uint(cpu), asm.RESCHEDULE_VECTOR)
		budget := tsc.New_run_budget(1000) // not counting host stalls
		for asm.Per_cpu_read(asm.Irq_stat_resched, cpu) == r && !budget.Spent() {
			asm.Cpu_relax()
		}
		if asm.Per_cpu_read(asm.Irq_stat_resched, cpu) != r+1 {
			t.Errorf("CPU %d took %d RESCHEDULE_VECTOR IPIs, want 1", printk.Int(cpu), printk.Int(asm.Per_cpu_read(asm.Irq_stat_resched, cpu)-r))
		}
	}
	// A CPU that is not online: refused, nothing sent, and said so
	// (smp_call_function_single, and a bare IPI through send_IPI_mask).
	for cpu := 1; cpu < asm.NR_CPUS; cpu++ {
		if cpumask.Cpu_online(cpu) {
			continue
		}
		sent := apic.Ipi_sent[asm.CALL_FUNCTION_SINGLE_VECTOR]
		if smp.Smp_call_function_single(cpu, record_cpu, 0, true) != -1 || apic.Ipi_sent[asm.CALL_FUNCTION_SINGLE_VECTOR] != sent {
			t.Errorf("a call to offline CPU %d was not refused", printk.Int(cpu))
		}
		res := apic.Ipi_sent[asm.RESCHEDULE_VECTOR]
		apic.Send_IPI_mask(1<<uint(cpu), asm.RESCHEDULE_VECTOR)
		if apic.Ipi_sent[asm.RESCHEDULE_VECTOR] != res {
			t.Errorf("a RESCHEDULE_VECTOR IPI went to offline CPU %d", printk.Int(cpu))
		}
		break
	}
	if n == 0 {
		return
	}
	const rounds = 200
	t0 := asm.Rdtsc()
	for i := 0; i < rounds; i++ {
		smp.Smp_call_function(nothing, 0, true)
	}
	all := (asm.Rdtsc() - t0) * 1000000 / tsc.Tsc_khz / rounds
	first := 0
	for first = 1; aps&(1<<uint(first)) == 0; first++ {
	}
	t0 = asm.Rdtsc()
	for i := 0; i < rounds; i++ {
		smp.Smp_call_function_single(first, nothing, 0, true)
	}
	one := (asm.Rdtsc() - t0) * 1000000 / tsc.Tsc_khz / rounds
	t.Logf("smp_call_function round trip (wait=1, TCG): %d ns to all %d other CPUs, %d ns to CPU %d alone",
		printk.Int(all), printk.Int(n), printk.Int(one), printk.Int(first))
}

// The spinlock test's counter: every online CPU adds spin_test_rounds
// under spin_test_lock at once (or, to show what the lock prevents,
// without it).
const SPIN_TEST_ROUNDS = 1000

var (
	spin_test_lock    asm.Spinlock_t
	spin_test_counter uint64
	spin_test_go      atomic.Bool
	spin_test_done    atomic.Int32
	spin_test_rounds  int
	spin_test_nolock  bool
)

// plain_inc is counter++ as one load, add and store, each a separate
// access another CPU's can fall between (out of line, so that the loop
// below does not keep the counter in a register).
//
//go:noinline
func plain_inc(p *uint64) { *p++ }

func spin_test_worker(uintptr) {
	for !spin_test_go.Load() {
		asm.Cpu_relax()
	}
	for i := 0; i < spin_test_rounds; i++ {
		if spin_test_nolock {
			plain_inc(&spin_test_counter)
			continue
		}
		spin_test_lock.Spin_lock(0)
		plain_inc(&spin_test_counter)
		spin_test_lock.Spin_unlock()
	}
	spin_test_done.Add(1)
}

// spin_test_run has every online CPU add rounds to the counter at once
// (the others in smp_call_function's handler, started together, this
// one too) and returns the total, what it should be, and the time.
func spin_test_run(t *kunit.Kunit, rounds int, nolock bool) (got, want, ms uint64) {
	online := cpumask.Num_online_cpus()
	spin_test_counter = 0
	spin_test_rounds, spin_test_nolock = rounds, nolock
	spin_test_done.Store(0)
	spin_test_go.Store(false)
	spin_test_lock.Name = "spin_test_lock"
	t0 := asm.Rdtsc()
	smp.Smp_call_function(spin_test_worker, 0, false)
	spin_test_go.Store(true)
	f := asm.Arch_local_irq_save()
	spin_test_worker(0)
	asm.Arch_local_irq_restore(f)
	deadline := asm.Rdtsc() + 120000*tsc.Tsc_khz
	for int(spin_test_done.Load()) < online && asm.Rdtsc() < deadline {
		asm.Cpu_relax()
	}
	ms = (asm.Rdtsc() - t0) / tsc.Tsc_khz
	if int(spin_test_done.Load()) != online {
		t.Errorf("%d of %d CPUs done after %d ms", printk.Int(spin_test_done.Load()), printk.Int(online), printk.Int(ms))
	}
	if spin_test_lock.Raw_lock.Arch_spin_is_locked() {
		t.Errorf("the lock is still held")
	}
	return spin_test_counter, uint64(online) * uint64(rounds), ms
}

// Test_smp_spinlock: every online CPU increments one plain counter
// SPIN_TEST_ROUNDS times under a ticket spinlock, all at once; the total
// is exact.
func Test_smp_spinlock(t *kunit.Kunit) {
	got, want, ms := spin_test_run(t, SPIN_TEST_ROUNDS, false)
	if got != want {
		t.Errorf("counter %d, want %d", printk.Int(got), printk.Int(want))
	}
	t.Logf("%d CPUs x %d spin_lock/unlock increments: %d ms", printk.Int(cpumask.Num_online_cpus()), printk.Int(SPIN_TEST_ROUNDS), printk.Int(ms))
}

// SPIN_MILLION: the seeds' spinlock exercise, a million increments
// shared by the CPUs.
const SPIN_MILLION = 1000000

// Test_smp_spinlock_million (explicit; TestSmpSpinlockMillion boots it at
// -smp 4): N CPUs each increment the shared counter SPIN_MILLION/N times
// under the spinlock, and the count is exact; then the same without the
// lock, whose lost updates are counted and printed (a race: how many is
// the host's business, so it is a figure, not a verdict).
func Test_smp_spinlock_million(t *kunit.Kunit) {
	online := cpumask.Num_online_cpus()
	per := SPIN_MILLION / online
	got, want, ms := spin_test_run(t, per, false)
	if got != want {
		t.Errorf("with the lock: counter %d, want %d", printk.Int(got), printk.Int(want))
	}
	t.Logf("with spin_lock: %d CPUs x %d increments = %d, want %d: %d ms", printk.Int(online), printk.Int(per), printk.Int(got), printk.Int(want), printk.Int(ms))
	got, want, ms = spin_test_run(t, per, true)
	t.Logf("without the lock: %d CPUs x %d increments = %d, want %d: %d updates lost (%d ms)", printk.Int(online), printk.Int(per),
		printk.Int(got), printk.Int(want), printk.Int(want-got), printk.Int(ms))
}

// The seeds' "Synchronize All Cores" example (002), on gokern:
// synchronize_all sends the others into synchronize_all_slaves, where they
// count themselves in and spin until unsynchronize_all lets them go.
var (
	synch_enter, synch_leave, synch_left atomic.Int32
)

func synchronize_all_slaves(uintptr) {
	// LAB ipi BEGIN
	printk.Pr_info("cpu %d entering synchronize_all_slaves\n", printk.Int(asm.Smp_processor_id()))
	synch_enter.Add(-1)
	for synch_leave.Load() > 0 {
		asm.Cpu_relax()
	}
	printk.Pr_info("cpu %d leaving synchronize_all_slaves\n", printk.Int(asm.Smp_processor_id()))
	synch_left.Add(1)
	// LAB ipi SKELETON
	// // Count this CPU in (synch_enter), spin until synch_leave drops to 0,
	// // then count it out (synch_left).
	// LAB ipi END
}

func synchronize_all() bool {
	// LAB ipi BEGIN
	printk.Pr_info("cpu %d asking from unpreemptive synchronization\n", printk.Int(asm.Smp_processor_id()))
	synch_enter.Store(int32(cpumask.Num_online_cpus() - 1))
	synch_leave.Store(1)
	smp.Smp_call_function_many(cpumask.Cpu_online_mask.Bits(), synchronize_all_slaves, 0, false)
	budget := tsc.New_run_budget(5000) // not counting host stalls
	for synch_enter.Load() > 0 && !budget.Spent() {
		asm.Cpu_relax()
	}
	if synch_enter.Load() > 0 {
		return false
	}
	printk.Pr_info("cpu %d all kernel threads synchronized\n", printk.Int(asm.Smp_processor_id()))
	return true
	// LAB ipi SKELETON
	// // Seeds/002 "An Example: Synchronize All Cores": arm synch_enter and
	// // synch_leave, send the others into synchronize_all_slaves without
	// // waiting, then wait (at most 5 s) until all of them are in.
	// printk.Pr_warn("LAB ipi: synchronize_all not implemented yet\n")
	// return false
	// LAB ipi END
}

func unsynchronize_all() {
	// LAB ipi BEGIN
	printk.Pr_info("cpu %d freeing other kernel threads\n", printk.Int(asm.Smp_processor_id()))
	synch_leave.Store(0)
	// LAB ipi SKELETON
	// // Let the CPUs held in synchronize_all_slaves go.
	// LAB ipi END
}

// Test_smp_synchronize_all runs the example: while the others are held,
// none has left; after unsynchronize_all every one leaves.
func Test_smp_synchronize_all(t *kunit.Kunit) {
	others := int32(cpumask.Num_online_cpus() - 1)
	synch_left.Store(0)
	if !synchronize_all() {
		t.Errorf("%d CPUs never entered synchronize_all_slaves", printk.Int(synch_enter.Load()))
	}
	if synch_left.Load() != 0 {
		t.Errorf("%d CPUs left before unsynchronize_all", printk.Int(synch_left.Load()))
	}
	unsynchronize_all()
	budget := tsc.New_run_budget(5000) // not counting host stalls
	for synch_left.Load() < others && !budget.Spent() {
		asm.Cpu_relax()
	}
	if synch_left.Load() != others {
		t.Errorf("%d of %d CPUs left synchronize_all_slaves", printk.Int(synch_left.Load()), printk.Int(others))
	}
}

// percpu_test_var: a per-CPU counter Test_percpu allocates once.
var percpu_test_var asm.Ptr[uint64]

// percpu_bump runs on each CPU: it adds cpu+1 to its own copy with
// This_cpu_inc (one GS-relative ADD each), and checks that This_cpu_ptr
// is the copy per_cpu_ptr names for the CPU number read through GS.
func percpu_bump(info uintptr) {
	cpu := asm.Smp_processor_id()
	for i := 0; i <= cpu; i++ {
		asm.This_cpu_inc(percpu_test_var)
	}
	if asm.This_cpu_ptr(percpu_test_var) != asm.Per_cpu_ptr(percpu_test_var, cpu) ||
		asm.This_cpu_ptr(asm.Pcpu_hot) != asm.This_cpu() {
		smp_seen[cpu].Store(-1)
	}
}

// Test_percpu: typed per-CPU variables (asm/percpu_defs.go). A variable
// from Alloc_percpu is zero on every CPU; each online CPU adds its number
// plus one to its own copy through GS (on_each_cpu), and per_cpu(var,
// cpu) then reads exactly that on each, and 0 on a possible CPU that is
// not online: the copies are distinct. Every possible CPU's area is a
// unit of its own, none of them the static first unit, and the per-CPU
// run queues are in them.
func Test_percpu(t *kunit.Kunit) {
	if percpu_test_var.Offset() == 0 {
		percpu_test_var = asm.Alloc_percpu[uint64]()
	}
	first, _ := asm.Pcpu_first_unit_base()
	for cpu := 0; cpu < asm.NR_CPUS; cpu++ {
		smp_seen[cpu].Store(0)
		base := asm.X__per_cpu_offset[cpu]
		if cpu >= cpumask.Nr_cpu_ids {
			if base != 0 {
				t.Errorf("CPU %d is not possible (nr_cpu_ids %d) but has a per-CPU area at %#x", printk.Int(cpu), printk.Int(cpumask.Nr_cpu_ids), printk.Int(base))
			}
			continue
		}
		if base == 0 || base == first || cpu > 0 && base != asm.X__per_cpu_offset[cpu-1]+asm.PERCPU_UNIT_SIZE {
			t.Errorf("CPU %d: per-CPU area at %#x (static first unit %#x, CPU %d's at %#x)", printk.Int(cpu), printk.Int(base),
				printk.Int(first), printk.Int(cpu-1), printk.Int(asm.X__per_cpu_offset[max(cpu-1, 0)]))
		}
		*asm.Per_cpu_ptr(percpu_test_var, cpu) = 0
		if p := asm.Per_cpu_ptr(asm.Pcpu_hot, cpu); cpumask.Cpu_online(cpu) && (p.Cpu_number != cpu || p.This_cpu_off != base) {
			t.Errorf("CPU %d: pcpu_hot says CPU %d, this_cpu_off %#x", printk.Int(cpu), printk.Int(p.Cpu_number), printk.Int(p.This_cpu_off))
		}
	}
	smp.On_each_cpu(percpu_bump, 0, true)
	for cpu := 0; cpu < cpumask.Nr_cpu_ids; cpu++ {
		want := uint64(0)
		if cpumask.Cpu_online(cpu) {
			want = uint64(cpu) + 1
		}
		if got := asm.Per_cpu_read(percpu_test_var, cpu); got != want || smp_seen[cpu].Load() < 0 {
			t.Errorf("per_cpu(var, %d) = %d, want %d (this_cpu_ptr mismatch: %d)", printk.Int(cpu), printk.Int(got), printk.Int(want), printk.Int(smp_seen[cpu].Load()))
		}
	}
	printk.Pr_info("percpu: %d CPUs, areas of %d bytes at %#x, static part %d bytes, %d dynamic bytes in use\n",
		printk.Int(cpumask.Nr_cpu_ids), printk.Int(asm.PERCPU_UNIT_SIZE), printk.Int(asm.X__per_cpu_offset[0]),
		printk.Int(asm.PERCPU_STATIC_SIZE), printk.Int(asm.Pcpu_dynamic_used()))
}

// Test_smp_tick: every online CPU has its own local APIC timer tick
// (setup_secondary_APIC_clock), counted in its own irq_stat (LOC), and
// jiffies follow the clock however many CPUs tick (tick_do_timer_cpu's
// tick advances them, by Tick_do_update_jiffies64): over the same window,
// read with interrupts off at both ends, jiffies moves no more than the
// TSC's periods, while each AP's LOC moves too. The wait is bounded (2 s
// of TSC, and a few more wake-ups), so a CPU without a tick fails instead
// of hanging.
func Test_smp_tick(t *kunit.Kunit) {
	if !apic.Lapic_timer_running {
		t.Errorf("no local APIC timer tick on the boot CPU")
		return
	}
	var loc0, idle0 [asm.NR_CPUS]uint64
	for cpu := 1; cpu < cpumask.Nr_cpu_ids; cpu++ {
		if idle := sched.Cpu_rq(cpu).Idle; idle != nil {
			idle0[cpu] = atomic.LoadUint64(&idle.Sum_exec_ticks)
		}
	}
	f := asm.Arch_local_irq_save()
	// The window opens before a jiffy that is seen to pass, so that j0
	// is not a count a late tick has yet to bring up to the clock.
	t0 := asm.Rdtsc()
	await_jiffy()
	j0 := time.Get_jiffies_64()
	for cpu := 0; cpu < cpumask.Nr_cpu_ids; cpu++ {
		loc0[cpu] = apic.Apic_timer_irqs(cpu)
	}
	asm.Arch_local_irq_restore(f)
	ticked := func() bool {
		for cpu := 0; cpu < cpumask.Nr_cpu_ids; cpu++ {
			if cpumask.Cpu_online(cpu) && apic.Apic_timer_irqs(cpu) < loc0[cpu]+3 {
				return false
			}
		}
		return true
	}
	idle_until(ticked, 2000)
	f = asm.Arch_local_irq_save()
	j1 := time.Get_jiffies_64()
	loc1 := apic.Apic_timer_irqs(0)
	t1 := asm.Rdtsc()
	asm.Arch_local_irq_restore(f)
	// Jiffies follow the clock, however many CPUs tick: over the window
	// at most its periods of TSC time, and one more for the period j0
	// was in, one for rounding (as Test_tick); at least one, the boot
	// CPU having ticked three times.
	periods := tsc_periods(t0, t1)
	if j1 == j0 {
		t.Errorf("jiffies did not move over %d periods of TSC time while the boot CPU took %d ticks", printk.Int(periods),
			printk.Int(loc1-loc0[0]))
	} else if !time_is_jiffies() && j1-j0 > periods+2 {
		t.Errorf("jiffies ran ahead of the clock: they moved %d over %d periods of TSC time (want at most %d) while the boot CPU took %d ticks",
			printk.Int(j1-j0), printk.Int(periods), printk.Int(periods+2), printk.Int(loc1-loc0[0]))
	}
	for cpu := 0; cpu < cpumask.Nr_cpu_ids; cpu++ {
		if !cpumask.Cpu_online(cpu) {
			continue
		}
		n := apic.Apic_timer_irqs(cpu) - loc0[cpu]
		if n < 3 {
			t.Errorf("CPU %d: %d local timer interrupts in 2 s, want a tick of its own", printk.Int(cpu), printk.Int(n))
		}
		// The scheduler's tick ran there too, on the AP's idle task.
		if idle := sched.Cpu_rq(cpu).Idle; cpu > 0 && (idle == nil || atomic.LoadUint64(&idle.Sum_exec_ticks) == idle0[cpu]) {
			t.Errorf("CPU %d: its idle task took no scheduler tick", printk.Int(cpu))
		}
		printk.Pr_info("smp_tick: CPU %d: %d ticks (LOC %d) while jiffies moved %d\n", printk.Int(cpu), printk.Int(n),
			printk.Int(apic.Apic_timer_irqs(cpu)), printk.Int(j1-j0))
	}
	arch_show_interrupts()
}

// The allocators from every CPU at once (Test_smp_alloc_stress,
// Test_smp_alloc_bench). Each online CPU runs alloc_stress: the APs in
// their idle loop (Run_on_idle_cpu), the boot CPU in the selftest, all at
// once.
const (
	STRESS_ROUNDS = 600
	STRESS_HELD   = 16 // blocks and objects each CPU keeps at a time
	STRESS_VM     = 4  // vmalloc areas each CPU keeps at a time
)

var (
	stress_done, stress_bad atomic.Int32
	stress_go               atomic.Bool
	// stress_mode: what alloc_stress does (STRESS_ALL, or one allocator
	// for the throughput figures); stress_ns[cpu]: how long it took.
	stress_mode uintptr
	stress_ns   [asm.NR_CPUS]uint64
)

const (
	STRESS_ALL = iota
	STRESS_BUDDY
	STRESS_KMALLOC
)

// stress_tag is what a CPU writes into the first and last word of what it
// allocated in round i: another CPU handed the same memory overwrites it.
func stress_tag(cpu, i int) uint64 { return uint64(cpu+1)<<56 | uint64(i)<<8 | 0x5a }

func stress_mark(p uintptr, size uint64, tag uint64) {
	*(*uint64)(asm.KernelPtr(p)) = tag
	*(*uint64)(asm.KernelPtr(p + uintptr(size) - 8)) = tag
}

func stress_check(p uintptr, size uint64, tag uint64) {
	if *(*uint64)(asm.KernelPtr(p)) != tag || *(*uint64)(asm.KernelPtr(p + uintptr(size) - 8)) != tag {
		stress_bad.Add(1)
	}
}

// alloc_stress: STRESS_ROUNDS rounds of page blocks (orders 0-2) and
// kmalloc objects (16 bytes to 2 KiB), each CPU holding STRESS_HELD of
// each, and (STRESS_ALL) a vmalloc area of 1-3 pages every 16th round,
// STRESS_VM held; everything tagged and checked before it is freed, and
// all freed at the end.
func alloc_stress(uintptr) {
	cpu := asm.Smp_processor_id()
	for !stress_go.Load() {
		asm.Cpu_relax()
	}
	var pages, objs [STRESS_HELD]uintptr
	var porder [STRESS_HELD]uint
	var osize [STRESS_HELD]uint64
	var ptag, otag [STRESS_HELD]uint64
	var vm [STRESS_VM]uintptr
	var vsize [STRESS_VM]uint64
	var vtag [STRESS_VM]uint64
	mode := stress_mode
	t0 := tsc.Local_clock()
	for i := 0; i < STRESS_ROUNDS; i++ {
		k := i % STRESS_HELD
		if mode != STRESS_KMALLOC {
			if pages[k] != 0 {
				stress_check(pages[k], asm.PAGE_SIZE<<porder[k], ptag[k])
				mm.Free_pages(pages[k], porder[k])
			}
			porder[k] = uint(i % 3)
			pages[k] = mm.X__get_free_pages(mm.GFP_KERNEL, porder[k])
			ptag[k] = stress_tag(cpu, i)
			if pages[k] != 0 {
				stress_mark(pages[k], asm.PAGE_SIZE<<porder[k], ptag[k])
			}
		}
		if mode != STRESS_BUDDY {
			if objs[k] != 0 {
				stress_check(objs[k], osize[k], otag[k])
				mm.Kfree(asm.KernelPtr(objs[k]))
			}
			osize[k] = 16 << (i % 8)
			objs[k] = uintptr(mm.Kmalloc(osize[k], mm.GFP_KERNEL))
			otag[k] = stress_tag(cpu, i) | 1<<7
			if objs[k] != 0 {
				stress_mark(objs[k], osize[k], otag[k])
			}
		}
		if mode == STRESS_ALL && i%16 == 0 {
			v := (i / 16) % STRESS_VM
			if vm[v] != 0 {
				stress_check(vm[v], vsize[v], vtag[v])
				mm.Vfree(asm.KernelPtr(vm[v]))
			}
			vsize[v] = uint64(1+i%3) * asm.PAGE_SIZE
			vm[v] = uintptr(mm.Vmalloc(vsize[v]))
			vtag[v] = stress_tag(cpu, i) | 1<<6
			if vm[v] != 0 {
				stress_mark(vm[v], vsize[v], vtag[v])
			}
		}
	}
	for k := range pages {
		if pages[k] != 0 {
			stress_check(pages[k], asm.PAGE_SIZE<<porder[k], ptag[k])
			mm.Free_pages(pages[k], porder[k])
		}
		if objs[k] != 0 {
			stress_check(objs[k], osize[k], otag[k])
			mm.Kfree(asm.KernelPtr(objs[k]))
		}
	}
	for v := range vm {
		if vm[v] != 0 {
			stress_check(vm[v], vsize[v], vtag[v])
			mm.Vfree(asm.KernelPtr(vm[v]))
		}
	}
	stress_ns[cpu] = tsc.Local_clock() - t0
	stress_done.Add(1)
}

// mm_counts: what must come back exactly once every CPU has freed all it
// took: the buddy allocator's free pages (with the quicklists' page-table
// pages, which move between the two), the slab objects in use, the pages
// vmalloc maps.
type mm_counts struct{ free, slab_objs, vmalloc_pages uint64 }

func take_mm_counts() mm_counts {
	mm.Kmem_cache_shrink_all()
	return mm_counts{mm.Nr_free_pages() + mm.Quicklist_total_size(), mm.Slab_objects_in_use(), atomic.LoadUint64(&mm.Nr_vmalloc_pages)}
}

// run_alloc_stress runs alloc_stress on the first ncpus online CPUs at
// once (the boot CPU among them) and waits, at most 120 s of TSC time,
// for all of them; it returns how many finished.
func run_alloc_stress(t *kunit.Kunit, ncpus int, mode uintptr) int {
	stress_done.Store(0)
	stress_go.Store(false)
	stress_mode = mode
	n := 1
	for cpu := 1; cpu < asm.NR_CPUS && n < ncpus; cpu++ {
		if Run_on_idle_cpu(cpu, alloc_stress, 0) {
			n++
		}
	}
	stress_go.Store(true)
	alloc_stress(0)
	deadline := asm.Rdtsc() + 120000*tsc.Tsc_khz
	for int(stress_done.Load()) < n && asm.Rdtsc() < deadline {
		asm.Cpu_relax()
	}
	if got := int(stress_done.Load()); got != n {
		t.Errorf("only %d of %d CPUs finished the allocator stress in 120 s", printk.Int(got), printk.Int(n))
	}
	return n
}

// Test_smp_alloc_stress: every online CPU allocates and frees from the
// buddy allocator, kmalloc and vmalloc at once. Nothing is handed to two
// CPUs (the tags survive), the free lists and the slab and vmalloc
// structures keep their invariants, and the counts balance exactly
// afterwards. Without the zone, list_lock and vmap locks this fails (a
// block or object handed out twice, or lists broken).
func Test_smp_alloc_stress(t *kunit.Kunit) {
	stress_bad.Store(0)
	before := take_mm_counts()
	n := run_alloc_stress(t, asm.NR_CPUS, STRESS_ALL)
	after := take_mm_counts()
	if stress_bad.Load() != 0 {
		t.Errorf("%d allocations were overwritten by another CPU: handed out twice", printk.Int(stress_bad.Load()))
	}
	if after != before {
		t.Errorf("counts do not balance: free+quicklist pages %d -> %d, slab objects in use %d -> %d, vmalloc pages %d -> %d",
			printk.Int(before.free), printk.Int(after.free), printk.Int(before.slab_objs), printk.Int(after.slab_objs),
			printk.Int(before.vmalloc_pages), printk.Int(after.vmalloc_pages))
	}
	if msg := mm.CheckInvariants(); msg != "" {
		t.Errorf("buddy: %s", printk.Str(msg))
	}
	if msg := mm.Validate_all_slab_caches(); msg != "" {
		t.Errorf("slab: %s", printk.Str(msg))
	}
	if msg := mm.Vmalloc_check(); msg != "" {
		t.Errorf("vmalloc: %s", printk.Str(msg))
	}
	printk.Pr_info("smp_alloc_stress: %d CPUs x %d rounds of buddy, kmalloc and vmalloc: free+quicklist pages %d, slab objects in use %d, vmalloc pages %d before and after\n",
		printk.Int(n), printk.Int(STRESS_ROUNDS), printk.Int(after.free), printk.Int(after.slab_objs), printk.Int(after.vmalloc_pages))
}

// Test_smp_alloc_bench: buddy and kmalloc throughput from 1, 2 and 4
// CPUs at once (issue 12's performance question: does it scale, or does
// a lock serialise it?). Each CPU does STRESS_ROUNDS alloc+free pairs;
// the figure is the pairs per second of all CPUs together, from the
// slowest CPU's time. Under TCG, vCPUs beyond the host's cores share
// them: the figures say what this machine did, not what the locks allow.
func Test_smp_alloc_bench(t *kunit.Kunit) {
	for _, mode := range [...]uintptr{STRESS_BUDDY, STRESS_KMALLOC} {
		name := "buddy (orders 0-2)"
		if mode == STRESS_KMALLOC {
			name = "kmalloc (16 B-2 KiB)"
		}
		for _, ncpus := range [...]int{1, 2, 4} {
			if ncpus > cpumask.Num_online_cpus() {
				break
			}
			for i := range stress_ns {
				stress_ns[i] = 0
			}
			n := run_alloc_stress(t, ncpus, mode)
			var slowest uint64
			for _, ns := range stress_ns {
				slowest = max(slowest, ns)
			}
			if slowest == 0 {
				continue
			}
			pairs := uint64(n) * STRESS_ROUNDS
			printk.Pr_info("smp_alloc_bench: %s from %d CPUs at once: %d alloc+free pairs in %d us, %d pairs/s (%d ns a pair per CPU)\n",
				printk.Str(name), printk.Int(n), printk.Int(pairs), printk.Int(slowest/1000),
				printk.Int(pairs*1000000000/slowest), printk.Int(slowest/STRESS_ROUNDS))
		}
	}
}

// Test_smp_panic (explicit: it ends the boot): CPU 2 panics, in its idle
// loop, while the boot CPU waits with interrupts on. panic stops the other
// CPUs before its report (native_stop_other_cpus, with "debug" it prints
// the online mask it left: only the panicking CPU), and there is one
// report. internal/boottest TestSmpPanic reads the console.
func Test_smp_panic(t *kunit.Kunit) {
	cpu := 2
	if !cpumask.Cpu_online(cpu) {
		t.Errorf("CPU %d is not online (boot with -smp 3 or more)", printk.Int(cpu))
		return
	}
	if !Run_on_idle_cpu(cpu, smp_panic_fn, 0) {
		t.Errorf("CPU %d did not take the work", printk.Int(cpu))
		return
	}
	wait_to_be_stopped(t, cpu, "panic")
}

// wait_to_be_stopped: the boot CPU waits until cpu's panic stops it (it
// never returns); a bounded wait, so that a panic that never comes fails.
func wait_to_be_stopped(t *kunit.Kunit, cpu int, what string) {
	deadline := asm.Rdtsc() + 10000*tsc.Tsc_khz
	for asm.Rdtsc() < deadline {
		asm.Native_safe_halt()
	}
	t.Errorf("CPU %d's %s did not stop the boot CPU in 10 s", printk.Int(cpu), printk.Str(what))
}

// last_online_ap is the highest-numbered online CPU other than the boot
// CPU, 0 if none.
func last_online_ap() int {
	last := 0
	for cpu := 1; cpu < asm.NR_CPUS; cpu++ {
		if cpumask.Cpu_online(cpu) {
			last = cpu
		}
	}
	return last
}

func smp_panic_fn(uintptr) {
	kernel.Panic("smp_panic: deliberate panic on CPU %d", printk.Int(asm.Smp_processor_id()))
}

// Test_smp_stack_overflow (explicit: it ends the boot): the last AP
// recurses without end in its idle loop, on its idle task's stack, into
// the guard page below it (map_ap_stacks): the #DF handler reports
// "BUG: TASK stack guard page was hit" with that CPU's task stack, and
// the kernel panics, as for a kernel thread (sched_stack_overflow).
// Before the APs' stacks had guard pages, only Go's stack check stood
// between an overflow and the IRQ stack below. internal/boottest
// TestSmpStackOverflow reads the console.
func Test_smp_stack_overflow(t *kunit.Kunit) {
	last := last_online_ap()
	if last == 0 {
		t.Errorf("no AP online (boot with -smp 2 or more)")
		return
	}
	s := &asm.Per_cpu_ptr(asm.Pcpu_hot, last).Stacks[asm.STACK_TYPE_TASK]
	printk.Pr_info("smp_stack_overflow: CPU %d recurses on its idle task's stack %016x..%016x, guard page %016x\n", printk.Int(last),
		printk.Int(s.Begin), printk.Int(s.End-1), printk.Int(s.Guard))
	if !Run_on_idle_cpu(last, smp_stack_overflow_fn, 0) {
		t.Errorf("CPU %d did not take the work", printk.Int(last))
		return
	}
	wait_to_be_stopped(t, last, "stack overflow")
}

func smp_stack_overflow_fn(uintptr) { smp_recurse(0) }

//go:noinline
func smp_recurse(depth uint64) uint64 {
	var buf [32]uint64
	buf[depth%32] = depth
	return smp_recurse(depth+1) + buf[(depth+1)%32]
}

// The NMI backtrace test's spinner: interrupts off, looping until told.
var (
	nmi_spin_stop    atomic.Bool
	nmi_spin_running atomic.Int32
)

//go:noinline
func nmi_spin_irqs_off(uintptr) int {
	f := asm.Arch_local_irq_save()
	nmi_spin_running.Store(int32(asm.Smp_processor_id()) + 1)
	for !nmi_spin_stop.Load() {
		// No call (not even PAUSE's Cpu_relax): the NMI finds the
		// CPU in this function itself.
	}
	asm.Arch_local_irq_restore(f)
	return 0
}

// Test_smp_nmi_backtrace: the backtrace of every CPU of SysRq 'l' reaches a
// CPU that spins with interrupts off — through the NMI, which the
// call-function IPI could not — and that CPU prints where it was, in the
// spinner; the idle CPUs answer too (skipped as idling) and nobody is
// left unanswered.
func Test_smp_nmi_backtrace(t *kunit.Kunit) {
	last := 0
	for cpu := 0; cpu < asm.NR_CPUS; cpu++ {
		if cpumask.Cpu_online(cpu) {
			last = cpu
		}
	}
	var k *sched.Task_struct
	if last != asm.Smp_processor_id() {
		nmi_spin_stop.Store(false)
		nmi_spin_running.Store(0)
		if k = sched.Kthread_create(nmi_spin_irqs_off, 0, "nmi-spin"); k == nil {
			t.Errorf("kthread_create failed")
			return
		}
		sched.Kthread_bind(k, last)
		sched.Wake_up_process(k)
		budget := tsc.New_run_budget(10000) // not counting host stalls
		for nmi_spin_running.Load() == 0 && !budget.Spent() {
			sched.Msleep(1)
		}
	}
	n0 := Nr_nmi_backtraces.Load()
	left := Arch_trigger_cpumask_backtrace(cpumask.Cpu_online_mask.Bits(), nil)
	printed := Nr_nmi_backtraces.Load() - n0
	if k != nil {
		nmi_spin_stop.Store(true)
		sched.Kthread_stop(k)
		s, ok := kallsyms.Lookup(Nmi_backtrace_ip[last].Load())
		if !ok || s.Name != "gokern/arch/amd64.nmi_spin_irqs_off" || printed < 1 {
			t.Errorf("CPU %d, spinning with interrupts off, was found at %#x (%s), %d backtraces printed", printk.Int(last),
				printk.Int(Nmi_backtrace_ip[last].Load()), printk.Str(s.Name), printk.Int(printed))
		}
	}
	if left != 0 {
		t.Errorf("CPUs %#x did not answer the NMI", printk.Int(left))
	}
	t.Logf("%d CPUs asked, %d backtraces printed (the others idle)", printk.Int(cpumask.Num_online_cpus()), printk.Int(printed))
}

// The IRQ descriptor lock test (Test_smp_irq_free_sync). IRQSYNC_IRQ: an
// ISA line nothing uses on a PC under QEMU (COM2), edge through the I/O
// APIC; IRQSYNC_ROUNDS request/free rounds.
const (
	IRQSYNC_IRQ    = 3
	IRQSYNC_ROUNDS = 500
	// IRQSYNC_HANDLER_US: how long the handler stays, as one reading a
	// device would, so that a free_irq on another CPU overlaps it.
	IRQSYNC_HANDLER_US = 20
)

var irqsync struct {
	freed  [IRQSYNC_ROUNDS + 1]atomic.Bool // dev_id i's action is freed
	calls  atomic.Int64                    // handler calls of dev_ids >= 1
	late   atomic.Int64                    // calls that found their action freed
	rounds atomic.Int64                    // the AP's completed rounds
	err    atomic.Int64                    // request_irq's error, if one failed
	done   atomic.Bool
}

func irqsync_handler(_ int, dev uintptr) irq.Irqreturn_t {
	s := &irqsync
	if dev == 0 {
		return irq.IRQ_HANDLED // the base handler, keeping the line set up
	}
	if s.freed[dev].Load() {
		s.late.Add(1)
	}
	s.calls.Add(1)
	end := asm.Rdtsc() + IRQSYNC_HANDLER_US*tsc.Tsc_khz/1000
	for asm.Rdtsc() < end {
		asm.Cpu_relax()
	}
	if s.freed[dev].Load() {
		s.late.Add(1)
	}
	return irq.IRQ_HANDLED
}

// irqsync_ap is the AP's side: request a handler, wait until the line
// runs it, free it, and mark it freed, IRQSYNC_ROUNDS times.
func irqsync_ap(uintptr) {
	s := &irqsync
	for i := 1; i <= IRQSYNC_ROUNDS; i++ {
		if r := irq.Request_irq(IRQSYNC_IRQ, irqsync_handler, irq.IRQF_SHARED, "irqsync", uintptr(i)); r != 0 {
			s.err.Store(int64(r))
			break
		}
		c := s.calls.Load()
		budget := tsc.New_run_budget(1000)
		for s.calls.Load() == c && !budget.Spent() {
			asm.Cpu_relax()
		}
		irq.Free_irq(IRQSYNC_IRQ, uintptr(i))
		s.freed[i].Store(true)
		s.rounds.Add(1)
	}
	s.done.Store(true)
}

// Test_smp_irq_free_sync: free_irq on one CPU while the line's handler
// runs on another returns only after that handler is done (Linux
// __free_irq: the action unlinked under desc->lock, then synchronize_irq
// before kfree), so a handler never runs for an action already freed.
// The boot CPU keeps the line firing (self-IPIs on its vector, through
// the line's own flow handler), the last AP requests and frees a shared
// handler IRQSYNC_ROUNDS times, each right after it started running.
// Without the descriptor's lock and synchronize_irq the handler found its
// action freed in most rounds (and the flow walked a freed irqaction).
func Test_smp_irq_free_sync(t *kunit.Kunit) {
	s := &irqsync
	last := last_online_ap()
	desc := irq.Irq_to_desc(IRQSYNC_IRQ)
	if last == 0 || desc == nil || desc.Handle_irq == nil || desc.Vector == 0 || desc.Action != nil {
		t.Errorf("needs an AP and an unused, set-up line %d (CPU %d, descriptor %p)", printk.Int(IRQSYNC_IRQ),
			printk.Int(last), printk.Int(uintptrOf(desc)))
		return
	}
	for i := range s.freed {
		s.freed[i].Store(false)
	}
	s.calls.Store(0)
	s.late.Store(0)
	s.rounds.Store(0)
	s.err.Store(0)
	s.done.Store(false)
	if r := irq.Request_irq(IRQSYNC_IRQ, irqsync_handler, irq.IRQF_SHARED, "irqsync-base", 0); r != 0 {
		t.Errorf("request_irq(%d) = %d", printk.Int(IRQSYNC_IRQ), printk.Int(r))
		return
	}
	k0 := desc.Kstat_irqs
	if !Run_on_idle_cpu(last, irqsync_ap, 0) {
		t.Errorf("CPU %d did not take the work", printk.Int(last))
	} else {
		budget := tsc.New_run_budget(60000)
		for !s.done.Load() && !budget.Spent() {
			apic.Apic_send_IPI_self(desc.Vector)
		}
	}
	irq.Free_irq(IRQSYNC_IRQ, 0)
	if !s.done.Load() || s.err.Load() != 0 || s.rounds.Load() != IRQSYNC_ROUNDS {
		t.Errorf("CPU %d: %d of %d rounds, request_irq error %d", printk.Int(last), printk.Int(s.rounds.Load()),
			printk.Int(IRQSYNC_ROUNDS), printk.Int(s.err.Load()))
	}
	if s.late.Load() != 0 {
		t.Errorf("%d handler calls found their action already freed by free_irq on CPU %d", printk.Int(s.late.Load()), printk.Int(last))
	}
	if desc.Action != nil || desc.Inprogress.Load() {
		t.Errorf("irq %d: actions left, or still in progress", printk.Int(IRQSYNC_IRQ))
	}
	t.Logf("irq %d: %d request/free rounds on CPU %d against %d interrupts on CPU 0 (%d calls of the requested-and-freed handler, %d after its free_irq)",
		printk.Int(IRQSYNC_IRQ), printk.Int(s.rounds.Load()), printk.Int(last), printk.Int(desc.Kstat_irqs-k0), printk.Int(s.calls.Load()),
		printk.Int(s.late.Load()))
}
