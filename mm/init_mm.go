package mm

// The kernel's address space. Linux: mm/init-mm.c (init_mm),
// include/linux/mm_types.h (struct mm_struct). Seeds/002 "Memory
// Organization": one address space for the kernel, shared by every
// process's upper half.

// MmStruct (mmap.go) holds the page tables: Linux keeps pgd as the
// virtual address of the top-level table; gokern keeps the physical one,
// which is what CR3 and the page-table code (paging.Map, Walk, Unmap)
// take.

// Init_mm is the kernel's address space (Linux init_mm, whose pgd is
// swapper_pg_dir: gokern's init_top_pgt). The architecture sets Pgd when
// init_mem_mapping switches to the final tables; vmalloc maps into it.
var Init_mm MmStruct
