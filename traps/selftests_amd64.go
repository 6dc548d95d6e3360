package traps

// The probes of selftests_amd64.s.
func probe_ud2()
func probe_int3()
func probe_int3_sti()
func probe_int1()
func probe_int2()
func probe_int4()
func probe_int_0xf0()
func probe_div(a, b uint64) uint64
func probe_call(addr uintptr)
func probe_int80(nr, a1, a2, a3 uint64) uint64
func probe_int3_loop(n uint64)

// The probes' addresses (selftests_amd64.s).
var probe_ud2_pc, probe_int3_pc uintptr

func funcPC_probe_ud2() uintptr  { return probe_ud2_pc }
func funcPC_probe_int3() uintptr { return probe_int3_pc }
