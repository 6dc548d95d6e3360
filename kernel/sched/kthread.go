package sched

import (
	"sync/atomic"

	"gokern/arch/amd64/asm"
	"gokern/mm"
	"gokern/mm/slab"
	"gokern/printk"
)

// Kernel threads made on request by kthreadd. Linux: kernel/kthread.c
// (kthreadd, kthread_create_on_node, kthread, kthread_stop,
// kthread_should_stop). A kthread is created asleep; kthread_run =
// create + wake_up_process.

// kthread_create_info is one request to kthreadd (Linux struct
// kthread_create_info; kmalloc'd, as Linux does, since kthreadd keeps it
// on a list).
type kthread_create_info struct {
	threadfn func(uintptr) int
	data     uintptr
	name     string
	result   *Task_struct
	done     Completion
	list     mm.ListHead
}

var (
	// Kthreadd_task is pid 2 (Linux kthreadd_task), set by rest_init.
	Kthreadd_task *Task_struct
	// kthread_create_list holds the requests kthreadd has not served.
	kthread_create_list mm.ListHead
	// kthread_create_lock guards it (Linux kthread_create_lock).
	kthread_create_lock = asm.Spinlock_t{Owner_cpu: -1, Name: "kthread_create_lock"}
	// kthread_should_stop_flags: per task, in Task_struct.Flags below.
)

// KTHREAD_SHOULD_STOP is set in a kthread's flags by Kthread_stop (Linux
// keeps it in struct kthread).
const KTHREAD_SHOULD_STOP = 0x40000000

// Kthreadd is pid 2's loop: sleep until a request arrives, then create
// each requested thread (Linux kthreadd).
func Kthreadd(unused uintptr) int {
	Set_task_comm(Get_current(), "kthreadd")
	for {
		Set_current_state(TASK_INTERRUPTIBLE)
		if list_empty_safe(&kthread_create_list) {
			Schedule()
		}
		Set_current_state(TASK_RUNNING)
		for {
			flags := kthread_create_lock.Spin_lock_irqsave(0)
			if list_empty_safe(&kthread_create_list) {
				kthread_create_lock.Spin_unlock_irqrestore(flags)
				break
			}
			l := kthread_create_list.Next
			mm.List_del(l)
			kthread_create_lock.Spin_unlock_irqrestore(flags)
			create := (*kthread_create_info)(asm.KernelPtr(uintptr(unsafeOffset(l, kciListOffset))))
			create_kthread(create)
		}
	}
}

// create_kthread starts kthread(create) (Linux create_kthread); on
// failure the requester is told with a nil result.
func create_kthread(create *kthread_create_info) {
	if Kernel_thread(kthread, uintptrOf(create), create.name) < 0 {
		create.result = nil
		Complete(&create.done)
	}
}

// kthread is every kthread's first function (Linux kthread): report to
// the requester, sleep until woken, then run the thread's function unless
// told to stop first.
func kthread(arg uintptr) int {
	create := (*kthread_create_info)(asm.KernelPtr(arg))
	self := Get_current()
	threadfn, data := create.threadfn, create.data
	self.Threadfn, self.Data = threadfn, data
	create.result = self
	Set_current_state(TASK_UNINTERRUPTIBLE)
	Complete(&create.done)
	Schedule()
	if self.Flags&KTHREAD_SHOULD_STOP != 0 {
		return -4 // -EINTR, as Linux's kthread when stopped before it ran
	}
	return threadfn(data)
}

// Kthread_create asks kthreadd for a new kernel thread running
// threadfn(data), named name, and returns it asleep: Wake_up_process
// starts it (Linux kthread_create).
func Kthread_create(threadfn func(uintptr) int, data uintptr, name string) *Task_struct {
	create := slab.Kzalloc[kthread_create_info](mm.GFP_KERNEL)
	if create == nil {
		return nil
	}
	create.threadfn, create.data, create.name = threadfn, data, name
	Init_completion(&create.done)
	flags := kthread_create_lock.Spin_lock_irqsave(0)
	if kthread_create_list.Next == nil {
		mm.INIT_LIST_HEAD(&kthread_create_list)
	}
	mm.List_add_tail(&create.list, &kthread_create_list)
	kthread_create_lock.Spin_unlock_irqrestore(flags)
	if Kthreadd_task == nil {
		printk.Pr_err("kthread_create: %s: kthreadd is not running yet\n", printk.Str(name))
		return nil
	}
	Wake_up_process(Kthreadd_task)
	Wait_for_completion(&create.done)
	t := create.result
	slab.Kfree(create)
	return t
}

// Kthread_run creates and starts a kthread (Linux kthread_run).
func Kthread_run(threadfn func(uintptr) int, data uintptr, name string) *Task_struct {
	t := Kthread_create(threadfn, data, name)
	if t != nil {
		Wake_up_process(t)
	}
	return t
}

// Kthread_bind pins k, created but not yet woken, to cpu (Linux
// kthread_bind: cpus_mask of that one CPU; per-CPU kernel threads use it).
func Kthread_bind(k *Task_struct, cpu int) {
	Set_cpus_allowed_ptr(k, 1<<uint(cpu))
}

// Kthread_should_stop: Kthread_stop was called on the current thread.
func Kthread_should_stop() bool { return Get_current().Flags&KTHREAD_SHOULD_STOP != 0 }

// Kthread_stop tells k to stop, wakes it, waits for it to exit, frees it
// and returns what its function returned (Linux kthread_stop).
func Kthread_stop(k *Task_struct) int {
	atomic.OrUint32(&k.Flags, KTHREAD_SHOULD_STOP)
	Wake_up_process(k)
	Wait_for_completion(&k.Exited)
	ret := int(k.Exit_code)
	Release_task(k)
	return ret
}

func list_empty_safe(l *mm.ListHead) bool { return l.Next == nil || mm.List_empty(l) }
