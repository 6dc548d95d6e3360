package memblock

import (
	"gokern/arch/amd64/asm"
	"gokern/printk"
)

// Linux: mm/memblock.c memblock_dump, __memblock_dump_all,
// memblock_dump_all. With memblock=debug, e820__memblock_setup ends with
// this dump:
//
//	MEMBLOCK configuration:
//	 memory size = 0x000000001ff7dc00 reserved size = 0x0000000002c5e000
//	 memory.cnt  = 0x3
//	 memory[0x0]	[0x0000000000001000-0x000000000009efff], 0x000000000009e000 bytes flags: 0x0
//	 ...

func memblock_dump(t *MemblockType) {
	printk.Pr_info(" %s.cnt  = 0x%lx\n", printk.Str(t.Name), printk.Int(t.Cnt))
	for i := uint64(0); i < t.Cnt; i++ {
		r := &t.Regions[i]
		end := r.Base + r.Size - 1
		if r.Nid != asm.MAX_NUMNODES {
			// CONFIG_NUMA kernels name the node once it is known.
			printk.Pr_info(" %s[%#x]\t[%#018llx-%#018llx], %#018llx bytes on node %d flags: %#x\n",
				printk.Str(t.Name), printk.Int(i), printk.Int(r.Base), printk.Int(end),
				printk.Int(r.Size), printk.Int(r.Nid), printk.Int(uint32(r.Flags)))
			continue
		}
		printk.Pr_info(" %s[%#x]\t[%#018llx-%#018llx], %#018llx bytes flags: %#x\n",
			printk.Str(t.Name), printk.Int(i), printk.Int(r.Base), printk.Int(end),
			printk.Int(r.Size), printk.Int(uint32(r.Flags)))
	}
}

// Memblock_dump_all prints both arrays when memblock=debug is set, as Linux
// does.
func Memblock_dump_all() {
	if !Memblock_debug {
		return
	}
	printk.Pr_info("MEMBLOCK configuration:\n")
	printk.Pr_info(" memory size = %#018llx reserved size = %#018llx\n",
		printk.Int(memblock.Memory.Total_size), printk.Int(memblock.Reserved.Total_size))
	memblock_dump(&memblock.Memory)
	memblock_dump(&memblock.Reserved)
}
