package engine

import (
	"fmt"
	"strings"
)

// The Console runs one job per application at a time and queues the
// others, so the run holds a lock per application while a job step runs:
// the queue stays in the runner, where a timeout or an interrupt can still
// reach the steps in it. A step may add a lock of its own with
// concurrency:. Locks are granted in the order steps asked for them.
//
// A step waiting for a lock holds no parallel slot: it runs nothing, and
// holding a slot would let it hold back independent steps on other
// applications. A step takes its locks and a slot at the same moment, when
// it heads the queue of every lock it needs and a slot is free.
//
// Known gap: a declare_application step locks the application's name,
// the only thing known before the job exists, while later steps lock its
// GUID; the two locks differ. Steps that use the new GUID depend on the
// declaring step, so they cannot overlap with it, but a step that reaches
// the same application by a GUID it got elsewhere can.

// lock is one lock a step needs.
type lock struct {
	key   string // in the lock table: kind and lower-case name
	label string // as shown to users: "application X" or "lock Y"
}

func appLock(nameOrGUID string) lock {
	return lock{key: "app\x00" + strings.ToLower(nameOrGUID), label: "application " + nameOrGUID}
}

func userLock(name string) lock {
	return lock{key: "user\x00" + name, label: "lock " + name}
}

// lockTable holds a FIFO queue per lock: the task at the head holds the
// lock once it runs, the others wait behind it. A task joins the queues of
// all its locks at once, so any two tasks are in the same order in every
// queue they share, and the oldest waiting task always heads all of its
// queues: no set of tasks can wait for each other forever.
//
// A lockTable is owned by the run loop and is not safe for concurrent use.
type lockTable map[string][]*task

// enqueue puts t at the end of the queue of each of its locks.
func (lt lockTable) enqueue(t *task) {
	for _, l := range t.locks {
		lt[l.key] = append(lt[l.key], t)
	}
}

// blocker returns the first lock whose queue t does not head, or false
// when t heads them all and may run.
func (lt lockTable) blocker(t *task) (lock, bool) {
	for _, l := range t.locks {
		if q := lt[l.key]; len(q) > 0 && q[0] != t {
			return l, true
		}
	}
	return lock{}, false
}

// release takes t out of every queue it is in.
func (lt lockTable) release(t *task) {
	for _, l := range t.locks {
		q := lt[l.key]
		for i, o := range q {
			if o == t {
				q = append(q[:i:i], q[i+1:]...)
				break
			}
		}
		if len(q) == 0 {
			delete(lt, l.key)
			continue
		}
		lt[l.key] = q
	}
}

// stepLocks returns the locks a step needs: its application's, for a job
// step (by appGuid, or by appName for declare_application), and the one
// its concurrency: names. A concurrency: that resolves to nothing fails
// the step rather than let it run unguarded.
func stepLocks(n *Node, env map[string]any, with map[string]string) ([]lock, error) {
	out := appLocks(n, with)
	if n.lock == nil {
		return out, nil
	}
	v, err := n.lock.render(env)
	if err != nil {
		return nil, fmt.Errorf("concurrency: %v", err)
	}
	if v == nil || text(v) == "" {
		return nil, fmt.Errorf("concurrency: %s is unavailable%s",
			strings.TrimSpace(n.lock.raw.Text), why(n.lock, env))
	}
	return append(out, userLock(text(v))), nil
}

// appLocks returns the application lock of a job step, if it has one.
func appLocks(n *Node, with map[string]string) []lock {
	st := n.Step
	if st.Job == "" {
		return nil
	}
	app := with["appGuid"]
	if st.Job == "declare_application" {
		app = with["appName"]
	}
	if app == "" {
		return nil
	}
	return []lock{appLock(app)}
}
