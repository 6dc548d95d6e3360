package cpumask

import (
	"sync"
	"testing"
)

// The masks: set and clear from many goroutines at once keep every bit
// (the atomic OR/AND), Next walks the set CPUs below Nr_cpu_ids, the
// counts follow.
func TestCpumask(t *testing.T) {
	Reset()
	var wg sync.WaitGroup
	for cpu := 0; cpu < 8; cpu++ {
		wg.Add(1)
		go func(cpu int) {
			defer wg.Done()
			for i := 0; i < 1000; i++ {
				Set_cpu_online(cpu, true)
				Set_cpu_online(cpu, false)
			}
			Set_cpu_online(cpu, cpu%2 == 1)
		}(cpu)
	}
	wg.Wait()
	if Cpu_online_mask.Bits() != 0xaa || Num_online_cpus() != 4 || !Cpu_online(3) || Cpu_online(2) || Cpu_online(-1) || Cpu_online(64) {
		t.Fatalf("online %#x", Cpu_online_mask.Bits())
	}
	var got []int
	for cpu := Cpu_online_mask.Next(-1); cpu < Nr_cpu_ids; cpu = Cpu_online_mask.Next(cpu) {
		got = append(got, cpu)
	}
	if len(got) != 4 || got[0] != 1 || got[3] != 7 {
		t.Fatalf("for_each_cpu: %v", got)
	}
	Nr_cpu_ids = 4
	if n := Cpu_online_mask.Next(3); n != 4 {
		t.Fatalf("Next past nr_cpu_ids: %d, want nr_cpu_ids 4", n)
	}
	Reset()
	if Num_online_cpus() != 0 || Nr_cpu_ids != 8 {
		t.Fatalf("reset: %#x %d", Cpu_online_mask.Bits(), Nr_cpu_ids)
	}
}
