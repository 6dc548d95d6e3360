package amd64

import (
	"sync/atomic"

	"gokern/arch/amd64/asm"
	"gokern/arch/amd64/tsc"
	"gokern/kernel/cpumask"
	"gokern/kernel/smp"
	"gokern/kunit"
	"gokern/printk"
)

// Every online CPU calling smp_call_function and its friends at once.
// Linux: kernel/scftorture.c (scftorture_invoker, one kthread per CPU,
// each picking smp_call_function_single/many/smp_call_function at
// random, with and without wait; scf_handler counting what ran). gokern's
// callers: the APs in their idle loop (Run_on_idle_cpu), the boot CPU in
// the selftest. With one shared call_data (the seeds' 2.6 design) every
// caller but one spins for call_lock with interrupts on, and must still
// take the holder's IPI: a design that spins with interrupts off, or a
// target that runs a call twice or not at all, shows here as a CPU that
// never finishes, a short return or a count that is off.
// Seeds: 002 "smp_call_function()" ("Can deadlock when called with
// interr. disabled").

// SCF_CALLS is how many calls the CPUs make together, each an equal
// share (scf_rounds): with a shared call_data the calls run one at a
// time, and under TCG on a loaded host each CPU's share is what a vCPU
// can do while the others wait for their host threads to run.
const SCF_CALLS = 400

// scf_rounds: each CPU's share of SCF_CALLS.
var scf_rounds int

var (
	// scf_count[caller][cpu]: how often scf_handler ran on cpu for
	// caller; scf_expect: how often caller asked for it (the CPUs of
	// its mask that are online and not itself).
	scf_count  [asm.NR_CPUS][asm.NR_CPUS]atomic.Int32
	scf_expect [asm.NR_CPUS][asm.NR_CPUS]int32
	// scf_short: calls that returned fewer CPUs than they had targets;
	// scf_stray: handlers that ran on the caller or outside its mask.
	scf_short, scf_stray atomic.Int32
	scf_go               atomic.Bool
	scf_done             atomic.Int32
	scf_ns               [asm.NR_CPUS]uint64
)

// scf_info packs the caller's CPU and the call's mask into info.
func scf_info(caller int, mask uint64) uintptr { return uintptr(mask<<8 | uint64(caller)) }

// scf_handler runs on each target (Linux scf_handler): it counts itself
// for its caller, and checks it was asked.
func scf_handler(info uintptr) {
	caller, mask := int(info&0xff), uint64(info>>8)
	cpu := asm.Smp_processor_id()
	if cpu == caller || mask&(1<<uint(cpu)) == 0 {
		scf_stray.Add(1)
	}
	scf_count[caller][cpu].Add(1)
}

// scftorture_invoker makes scf_rounds calls from this CPU (Linux
// scftorture_invoker): smp_call_function, smp_call_function_single and
// smp_call_function_many to a random mask, waiting or not, each checked
// for the number of CPUs it says ran the function.
func scftorture_invoker(uintptr) {
	cpu := asm.Smp_processor_id()
	for !scf_go.Load() {
		asm.Cpu_relax()
	}
	online := cpumask.Cpu_online_mask.Bits()
	others := online &^ (1 << uint(cpu))
	seed := uint64(cpu+1) * 0x9e3779b97f4a7c15
	t0 := tsc.Local_clock()
	for i := 0; i < scf_rounds; i++ {
		// xorshift64: a different sequence on each CPU.
		seed ^= seed << 13
		seed ^= seed >> 7
		seed ^= seed << 17
		wait := seed&1 != 0
		var mask uint64
		got := 0
		switch (seed >> 1) % 3 {
		case 0:
			mask = others
			got = smp.Smp_call_function(scf_handler, scf_info(cpu, mask), wait)
		case 1:
			target := pick_cpu(others, seed>>8)
			mask = 1 << uint(target)
			if smp.Smp_call_function_single(target, scf_handler, scf_info(cpu, mask), wait) == 0 {
				got = 1
			}
		default:
			// Any subset of the possible CPUs, this one and offline ones
			// included: the call must leave those out.
			mask = seed >> 16 & (1<<asm.NR_CPUS - 1)
			got = smp.Smp_call_function_many(mask, scf_handler, scf_info(cpu, mask), wait)
		}
		want := 0
		for m := mask & others; m != 0; m &= m - 1 {
			t := 0
			for m>>uint(t)&1 == 0 {
				t++
			}
			scf_expect[cpu][t]++
			want++
		}
		if got != want {
			scf_short.Add(1)
		}
	}
	scf_ns[cpu] = tsc.Local_clock() - t0
	scf_done.Add(1)
}

// pick_cpu returns the (r mod n)th CPU of mask, which has n > 0 CPUs.
func pick_cpu(mask, r uint64) int {
	n := uint64(0)
	for m := mask; m != 0; m &= m - 1 {
		n++
	}
	k := r % n
	for cpu := 0; ; cpu++ {
		if mask&(1<<uint(cpu)) != 0 {
			if k == 0 {
				return cpu
			}
			k--
		}
	}
}

// Test_smp_call_function_stress: every online CPU makes its share of
// SCF_CALLS calls at once, to all the others, to one, to random masks,
// with and without wait. All of them finish (no deadlock: a bounded wait
// of 150 s
// of TSC time, each call itself giving up after CALL_TIMEOUT_SPINS), every
// call returns the number of its targets, and in the end the function ran
// on each CPU for each caller exactly as often as that caller asked,
// never on the caller itself nor outside the mask; each CPU's CAL count
// (Function call interrupts) moved by exactly the calls it ran.
func Test_smp_call_function_stress(t *kunit.Kunit) {
	online := cpumask.Num_online_cpus()
	if online < 2 {
		t.Logf("one CPU online: nothing to call")
		return
	}
	var cal0 [asm.NR_CPUS]uint64
	for c := 0; c < asm.NR_CPUS; c++ {
		for d := 0; d < asm.NR_CPUS; d++ {
			scf_count[c][d].Store(0)
			scf_expect[c][d] = 0
		}
		if cpumask.Cpu_online(c) { // a CPU that is not possible has no per-CPU area
			cal0[c] = asm.Per_cpu_read(asm.Irq_stat_call, c)
		}
		scf_ns[c] = 0
	}
	scf_rounds = SCF_CALLS / online
	scf_short.Store(0)
	scf_stray.Store(0)
	scf_done.Store(0)
	scf_go.Store(false)
	n := 1
	for cpu := 1; cpu < asm.NR_CPUS; cpu++ {
		if Run_on_idle_cpu(cpu, scftorture_invoker, 0) {
			n++
		}
	}
	if n != online {
		t.Errorf("only %d of %d CPUs took the invoker", printk.Int(n), printk.Int(online))
	}
	t0 := asm.Rdtsc()
	scf_go.Store(true)
	scftorture_invoker(0)
	deadline := t0 + 150000*tsc.Tsc_khz
	for int(scf_done.Load()) < n && asm.Rdtsc() < deadline {
		asm.Cpu_relax()
	}
	if got := int(scf_done.Load()); got != n {
		t.Errorf("deadlock: only %d of %d CPUs finished their %d calls in 150 s", printk.Int(got), printk.Int(n), printk.Int(scf_rounds))
		return
	}
	// A call without wait returns once its targets started: let the
	// last handlers finish (bounded).
	settle := asm.Rdtsc() + 1000*tsc.Tsc_khz
	for !scf_settled() && asm.Rdtsc() < settle {
		asm.Cpu_relax()
	}
	ms := (asm.Rdtsc() - t0) / tsc.Tsc_khz
	if s := scf_short.Load(); s != 0 {
		t.Errorf("%d calls ran on fewer CPUs than they had targets", printk.Int(s))
	}
	if s := scf_stray.Load(); s != 0 {
		t.Errorf("the function ran %d times on its caller or outside the mask", printk.Int(s))
	}
	total := 0
	for d := 0; d < asm.NR_CPUS; d++ {
		ran := int32(0)
		for c := 0; c < asm.NR_CPUS; c++ {
			got, want := scf_count[c][d].Load(), scf_expect[c][d]
			if got != want {
				t.Errorf("CPU %d ran CPU %d's calls %d times, want %d", printk.Int(d), printk.Int(c), printk.Int(got), printk.Int(want))
			}
			ran += got
		}
		if !cpumask.Cpu_online(d) {
			continue
		}
		if cal := asm.Per_cpu_read(asm.Irq_stat_call, d) - cal0[d]; cal != uint64(ran) {
			t.Errorf("CPU %d: CAL moved by %d, but it ran %d calls", printk.Int(d), printk.Int(cal), printk.Int(ran))
		}
		total += int(ran)
	}
	t.Logf("smp_call_function_stress: %d CPUs x %d calls at once, %d functions run, in %d ms",
		printk.Int(n), printk.Int(scf_rounds), printk.Int(total), printk.Int(ms))
}

// scf_settled: every count has reached what its caller asked.
func scf_settled() bool {
	for c := 0; c < asm.NR_CPUS; c++ {
		for d := 0; d < asm.NR_CPUS; d++ {
			if scf_count[c][d].Load() < scf_expect[c][d] {
				return false
			}
		}
	}
	return true
}
