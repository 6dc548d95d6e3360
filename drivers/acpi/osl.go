package acpi

// The OS services layer: how the table code reaches physical memory.
// Linux: drivers/acpi/osl.c (acpi_os_map_memory, acpi_os_unmap_memory,
// acpi_os_get_root_pointer).

// Osl maps physical memory for the table code. Acpi_os_map_memory returns
// the size bytes at phys, or false when they cannot be mapped (the range
// lies outside the firmware's memory map, say: the caller reports that);
// each mapping is undone with Acpi_os_unmap_memory before the next table
// is mapped. The kernel's Osl is early_memremap on the fixmap
// (arch/amd64/acpi.go); it must be a pointer to a static variable, so
// that storing it allocates nothing.
type Osl interface {
	Acpi_os_map_memory(phys, size uint64) ([]byte, bool)
	Acpi_os_unmap_memory(b []byte)
}

// acpi_os is the Osl Acpi_table_init was given.
var acpi_os Osl

// Error numbers, as Linux's table code returns them (negated).
const (
	ENODEV = 19
	EINVAL = 22
	ENOMEM = 12
)
