package sched

import (
	"unsafe"

	"gokern/arch/amd64/asm"
	"gokern/mm"
	"gokern/printk"
)

// Threads: tasks that share one process — its address space, descriptor
// table, root and cwd, signal handlers — and its pid, which getpid
// returns for all of them while gettid tells them apart. Linux:
// kernel/fork.c (copy_process's CLONE_THREAD branch), kernel/exit.c
// (the thread exits that no parent waits for, do_group_exit),
// include/linux/sched/signal.h (thread_group_leader, for_each_thread).
// The Go runtime runs its Ms as such threads: clone(CLONE_VM|CLONE_FS|
// CLONE_FILES|CLONE_SIGHAND|CLONE_SYSVSEM|CLONE_THREAD|CLONE_SETTLS)
// (docs/go-on-gokern.md).

// CLONE_SYSVSEM shares System V semaphore undo lists: gokern has no
// System V semaphores, so there is nothing to share and the flag is
// accepted. CLONE_DETACHED is ignored by Linux since 2.6.
const (
	CLONE_SYSVSEM  = 0x00040000
	CLONE_DETACHED = 0x00400000
)

// CLONE_PIDFD: a pidfd for the child goes to the caller, its number
// stored where clone's parent_tid argument points (Linux 5.2+).
const CLONE_PIDFD = 0x00001000

// CLONE_SUPPORTED: the flags gokern's clone implements. The rest
// (namespaces, CLONE_PTRACE, CLONE_IO, ...) get -EINVAL and a line, once
// per flag set (Linux would honour them).
const CLONE_SUPPORTED = CSIGNAL | CLONE_VM | CLONE_FS | CLONE_FILES | CLONE_SIGHAND | CLONE_VFORK | CLONE_PARENT |
	CLONE_THREAD | CLONE_SYSVSEM | CLONE_SETTLS | CLONE_PARENT_SETTID | CLONE_CHILD_CLEARTID | CLONE_CHILD_SETTID |
	CLONE_DETACHED | CLONE_PIDFD

// unsupported_reported: the unsupported flags already logged.
var unsupported_reported uint64

// Thread_group_leader reports whether t leads its group (Linux
// thread_group_leader).
func Thread_group_leader(t *Task_struct) bool { return t.Group_leader == t || t.Group_leader == nil }

// Get_nr_threads counts the tasks of t's group (Linux get_nr_threads,
// which reads signal->nr_threads), walking the group's ring: with
// Tasklist_lock held, under which threads leave it. A walk without it
// that stands on a thread being unlinked follows that thread's emptied
// node round itself for ever.
func Get_nr_threads(t *Task_struct) int {
	if t.Thread_node.Next == nil {
		return 1
	}
	n := 1
	for l := t.Thread_node.Next; l != &t.Thread_node; l = l.Next {
		n++
	}
	return n
}

// For_other_threads calls fn for every other task of t's group until fn
// returns false (Linux include/linux/sched/signal.h for_other_threads,
// 6.7+: for_each_thread without t itself).
func For_other_threads(t *Task_struct, fn func(o *Task_struct) bool) {
	if t.Thread_node.Next == nil {
		return
	}
	for l := t.Thread_node.Next; l != &t.Thread_node; l = l.Next {
		if !fn(tasklist_entry(l, threadNodeOffset)) {
			return
		}
	}
}

var threadNodeOffset = unsafe.Offsetof(Task_struct{}.Thread_node)

// init_thread_group makes t the leader of a group of one (copy_process
// for everything but CLONE_THREAD).
func init_thread_group(t *Task_struct) {
	t.Group_leader = t
	mm.INIT_LIST_HEAD(&t.Thread_node)
}

// join_thread_group puts t in cur's group: cur's tgid and leader, the
// leader's parent (a thread is nobody's child: Linux's CLONE_THREAD
// takes current->real_parent, and only leaders are on the parent's
// children list), no exit signal (Linux's -1: threads are reaped at
// once). Interrupts are off.
func join_thread_group(t, cur *Task_struct) {
	t.Tgid = cur.Tgid
	t.Group_leader = cur.Group_leader
	if t.Group_leader == nil {
		t.Group_leader = cur
	}
	t.Exit_signal = -1
	mm.List_add_tail(&t.Thread_node, &cur.Thread_node)
	Nr_thread_clones++
}

// Nr_thread_clones counts CLONE_THREAD tasks made.
var Nr_thread_clones uint64

// leave_thread_group takes an exiting t off its group's ring (Linux
// __unhash_process → list_del_rcu(&p->thread_node)), with Tasklist_lock
// held and, as Linux's __exit_signal does, the group's siglock taken
// here: kernel/signal walks the ring under the siglock alone (sending
// exit_group's SIGKILL to every thread). Interrupts are off.
func leave_thread_group(t *Task_struct) {
	if t.Thread_node.Next == nil || mm.List_empty(&t.Thread_node) {
		return
	}
	sh := lock_siglock(t)
	__leave_thread_group(t)
	if sh != nil {
		sh.Siglock.Spin_unlock()
	}
}

// __leave_thread_group is leave_thread_group with the siglock held.
func __leave_thread_group(t *Task_struct) {
	if t.Thread_node.Next != nil && !mm.List_empty(&t.Thread_node) {
		mm.List_del(&t.Thread_node)
		mm.INIT_LIST_HEAD(&t.Thread_node)
	}
}

// lock_siglock takes t's group's siglock, if it has one yet, checking
// that it is still t's once held (de_thread moves it: kernel/signal's
// lock_task_sighand); interrupts are off. It returns the sighand locked.
func lock_siglock(t *Task_struct) *Sighand_struct {
	for {
		sh := t.Sighand
		if sh == nil {
			return nil
		}
		sh.Siglock.Spin_lock(0)
		if sh == t.Sighand {
			return sh
		}
		sh.Siglock.Spin_unlock()
	}
}

// report_unsupported_clone logs flags gokern's clone does not implement,
// once per new set (Linux implements them; gokern says so instead of
// failing silently).
func report_unsupported_clone(f uint64) {
	bad := f &^ CLONE_SUPPORTED
	if bad&^unsupported_reported == 0 {
		return
	}
	unsupported_reported |= bad
	c := Get_current()
	printk.Pr_warn("%s[%d]: clone: flags %#x not supported: -EINVAL (reported once)\n",
		printk.Str(c.Name()), printk.Int(c.Pid), printk.Int(bad))
}

// Clear_child_tid_hook zeroes and futex-wakes a task's
// CLONE_CHILD_CLEARTID word at its exit, in its own address space (the
// futex code above this package sets it: Linux mm_release's
// put_user(0, tsk->clear_child_tid) and do_futex(FUTEX_WAKE)).
var Clear_child_tid_hook func(uaddr uintptr)

// Exit_robust_list_hook releases the futexes on a task's robust list at
// its exit (the futex code sets it: Linux futex_exit_release →
// exit_robust_list).
var Exit_robust_list_hook func(head uintptr)

// Exit_clear_child_tid runs the hooks for the current task, while its mm
// is still its own (the process layer calls it before exit_mm): the
// robust list first, then the CLEARTID word, in Linux mm_release's order.
func Exit_clear_child_tid() {
	c := Get_current()
	if h := c.Robust_list; h != 0 {
		c.Robust_list = 0
		if f := Exit_robust_list_hook; f != nil && c.Mm != nil {
			f(h)
		}
	}
	if a := c.Clear_child_tid; a != 0 {
		c.Clear_child_tid = 0
		if h := Clear_child_tid_hook; h != nil && c.Mm != nil {
			h(a)
		}
	}
}

var _ = asm.PAGE_SIZE

// Only_thread_left: every other task of tsk's group is gone, but for a
// leader that is a zombie (what execve's de_thread waits for: Linux
// de_thread's notify_count reaching 0, then the leader's
// exit_state).
func Only_thread_left(tsk *Task_struct) bool {
	flags := Tasklist_lock.Spin_lock_irqsave(0)
	only := true
	For_other_threads(tsk, func(t *Task_struct) bool {
		only = t == tsk.Group_leader && t.Exit_state != 0
		return only
	})
	Tasklist_lock.Spin_unlock_irqrestore(flags)
	return only
}

// Exchange_leader makes tsk, the last live thread of its group and not
// its leader, the leader in the dead leader's place (Linux de_thread's
// middle part): it takes the leader's pid (exchange_tids: the process
// keeps its pid across the exec, and gettid == getpid again), its
// parent, its place on the parent's children list (list_replace_init)
// and its exit signal, and the group's children's times; the old leader
// gets tsk's old tid, leaves the group, and is returned, a zombie nobody
// waits for, for the caller to release (release_task).
func Exchange_leader(tsk *Task_struct) *Task_struct {
	flags := Tasklist_lock.Spin_lock_irqsave(0)
	leader := tsk.Group_leader
	tsk.Pid, leader.Pid = leader.Pid, tsk.Pid
	tsk.Real_parent, tsk.Parent = leader.Real_parent, leader.Parent
	tsk.Exit_signal, leader.Exit_signal = leader.Exit_signal, -1
	if leader.Sibling.Next != nil {
		mm.List_add(&tsk.Sibling, &leader.Sibling)
		mm.List_del(&leader.Sibling)
		leader.Sibling = mm.ListHead{}
	}
	// Children the leader still had (find_new_reaper gave them to tsk
	// when the leader died; any left come now).
	for leader.Children.Next != nil && !mm.List_empty(&leader.Children) {
		l := leader.Children.Next
		ch := tasklist_entry(l, siblingOffset)
		mm.List_del(l)
		ch.Real_parent, ch.Parent = tsk, tsk
		mm.List_add_tail(&ch.Sibling, &tsk.Children)
	}
	// The ring's walkers start at Group_leader under the siglock: the
	// leader changes under it too.
	sh := lock_siglock(tsk)
	__leave_thread_group(leader)
	tsk.Group_leader, leader.Group_leader = tsk, tsk
	Get_task_struct(tsk)
	leader.Pid_successor = tsk
	if sh != nil {
		sh.Siglock.Spin_unlock()
	}
	Nr_exec_leader_changes++
	Tasklist_lock.Spin_unlock_irqrestore(flags)
	return leader
}

// Nr_exec_leader_changes counts execs by a thread that was not its
// group's leader.
var Nr_exec_leader_changes uint64
