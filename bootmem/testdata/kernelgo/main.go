// Command kernelgo calls the e820, memblock and bootmem APIs the way the
// kernel does, so that TestKernelGo can link it and let kcheck prove that
// none of them reaches the Go allocator or scheduler (DESIGN.md §4).
package main

import (
	"gokern/arch/amd64/asm"
	"gokern/bootmem"
	"gokern/e820"
	"gokern/memblock"
)

// ram stands in for the direct map: a static array, as in the kernel.
type ram struct{ mem [4 << 20]byte }

func (r *ram) Bytes(pa, size uint64) []byte { return r.mem[pa : pa+size] }

var (
	phys          ram
	fw, table     e820.E820Table
	bootParams    asm.BootParams
	cmdMem        = [...]byte{'6', '4', 'M'}
	cmdMemmap     = [...]byte{'4', 'K', '$', '0', 'x', '1', '0', '0', '0'}
	cmdMemblock   = [...]byte{'d', 'e', 'b', 'u', 'g'}
	sink          uint64
	sinkRegion    *memblock.MemblockRegion
	releasedPages uint64
)

func release(start, end uint64) { releasedPages += (end - start) >> 12 }

func main() {
	who := e820.E820__memory_setup(&table, &fw, &bootParams)
	e820.Parse_memopt(&table, cmdMem[:])
	e820.Parse_memmap_opt(&table, cmdMemmap[:])
	e820.E820__finish_early_params(&table, true)
	e820.E820__update_table_print(&table)
	e820.E820__range_update(&table, 0, 4096, e820.E820_TYPE_RAM, e820.E820_TYPE_RESERVED)
	e820.E820__range_remove(&table, 0xa0000, 0x60000, e820.E820_TYPE_RAM, true)
	e820.E820__print_table(&table, who)
	sink += e820.E820__end_of_ram_pfn(&table) + e820.E820__end_of_low_ram_pfn(&table)
	if e820.CheckUsable(&table) != e820.OK || e820.E820__mapped_all(&table, 0, 1, 0) || e820.E820__mapped_any(&table, 0, 1, 0) {
		sink++
	}

	memblock.Init(&phys)
	memblock.Early_memblock(cmdMemblock[:])
	memblock.Memblock_reserve(0, 4096)
	e820.E820__memblock_setup(&table)
	memblock.Memblock_set_bottom_up(true)
	memblock.Memblock_set_current_limit(4 << 20)
	memblock.Memblock_add_node(8<<20, 1<<20, 0, memblock.MEMBLOCK_NONE)
	memblock.Memblock_remove(8<<20, 4096)
	memblock.Memblock_mark_nomap(8<<20+4096, 4096)
	memblock.Memblock_clear_nomap(8<<20+4096, 4096)
	memblock.Memblock_mark_hotplug(8<<20+4096, 4096)
	memblock.Memblock_clear_hotplug(8<<20+4096, 4096)
	memblock.Memblock_mark_mirror(8<<20+4096, 4096)
	b, _ := memblock.Memblock_alloc(4096, 4096)
	sink += uint64(len(b))
	b, _ = memblock.Memblock_alloc_raw(64, 64)
	b, _ = memblock.Memblock_alloc_from(64, 64, 1<<20)
	b, _ = memblock.Memblock_alloc_low(64, 64)
	b, _ = memblock.Memblock_alloc_node(64, 64, 0)
	b, _ = memblock.Memblock_alloc_try_nid(64, 64, 0, 0, 0)
	b, _ = memblock.Memblock_alloc_try_nid_raw(64, 64, 0, 0, 0)
	b, _ = memblock.Memblock_alloc_try_nid_nopanic(64, 64, 0, 0, 0)
	pa, _ := memblock.Memblock_phys_alloc(4096, 4096)
	memblock.Memblock_free(pa, 4096)
	pa, _ = memblock.Memblock_phys_alloc_range(4096, 4096, 0, 1<<20)
	pa, _ = memblock.Memblock_phys_alloc_try_nid(4096, 4096, 0)
	sink += pa + memblock.Memblock_find_in_range(0, 1<<20, 4096, 4096)
	memblock.For_each_free_mem_range(asm.NUMA_NO_NODE, 0, func(s, e uint64, nid int32) bool { sink += e - s; return true })
	memblock.For_each_free_mem_range_reverse(asm.NUMA_NO_NODE, 0, func(s, e uint64, nid int32) bool { sink += s; return true })
	memblock.For_each_mem_region(func(r *memblock.MemblockRegion) bool { sink += r.Size; return true })
	memblock.For_each_reserved_mem_region(func(r *memblock.MemblockRegion) bool { sink += r.Size; return true })
	memblock.For_each_mem_pfn_range(0, func(s, e uint64, nid int32) bool { sink += e; return true })
	if memblock.Memblock_is_reserved(0) || memblock.Memblock_is_memory(0) || memblock.Memblock_is_region_memory(0, 1) ||
		memblock.Memblock_is_region_reserved(0, 1) || memblock.Memblock_bottom_up() {
		sink++
	}
	sink += memblock.Memblock_phys_mem_size() + memblock.Memblock_reserved_size() + memblock.Memblock_start_of_DRAM() +
		memblock.Memblock_end_of_DRAM() + memblock.Memblock_get_current_limit() + memblock.Memory().Cnt + memblock.Reserved().Cnt
	memblock.Memblock_allow_resize()
	memblock.Memblock_dump_all()
	sink += memblock.Memblock_free_all(release)

	bootmem.Init(&phys)
	bootmem.Setup_bootmem_allocator(&table, 1<<20, 2<<20, 1024)
	bootmem.Reserve_bootmem(0x5000, 0x1000, bootmem.BOOTMEM_EXCLUSIVE)
	bootmem.Free_bootmem(0x5000, 0x1000)
	bootmem.Reserve_bootmem_node(&bootmem.Bootmem_node_data[0], 0x5000, 0x1000, 0)
	bootmem.Free_bootmem_node(&bootmem.Bootmem_node_data[0], 0x5000, 0x1000)
	b, _ = bootmem.Alloc_bootmem(100)
	b, _ = bootmem.Alloc_bootmem_pages(4096)
	b, _ = bootmem.Alloc_bootmem_low(100)
	b, _ = bootmem.Alloc_bootmem_low_pages(4096)
	b, _ = bootmem.Alloc_bootmem_nopanic(100, 64, 0)
	b, _ = bootmem.Alloc_bootmem_goal(100, 64, 0)
	b, _ = bootmem.Alloc_bootmem_low_goal(100, 64, 0)
	b, _ = bootmem.Alloc_bootmem_node(&bootmem.Bootmem_node_data[0], 100, 64, 0)
	sink += uint64(len(b))
	bootmem.Init_bootmem_node(&bootmem.Bootmem_node_data[1], 1024, 1024, 2048)
	sink += bootmem.Free_all_bootmem(release) + bootmem.Free_all_bootmem_node(&bootmem.Bootmem_node_data[1], release)
}
