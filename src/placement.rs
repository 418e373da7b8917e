//! `Placement`: keeping one of the engine's own threads off its caller's CPU.
//!
//! The engine keeps two threads for the whole process: `threads::join`'s
//! helper and `prefault`'s worker. Both are woken by the thread they work
//! for, and Linux wakes a thread on its waker's CPU when it can: there it
//! took that CPU from its caller, and the two ran one after the other with
//! the other CPU idle. Measured here: the helper's halves ran in turn in two
//! first queries of five; the prefault worker ran on the publishing thread's
//! CPU for all 25 requests of a publish in half the runs, and the publish
//! took 24.3 ms (median of 25) against 21.9 ms kept apart. So before each
//! wake-up the kept thread is moved to a CPU the caller is not on: one
//! system call when it has to move, none while it is already elsewhere.
//! The caller itself is never moved or kept anywhere, and a failed call
//! only leaves the kept thread where it was.

/// Where one kept thread may run.
pub(crate) struct Placement {
    #[cfg(target_os = "linux")]
    tid: std::sync::atomic::AtomicI32,
    /// The CPU it is kept to (-1: none yet).
    #[cfg(target_os = "linux")]
    cpu: std::sync::atomic::AtomicI32,
}

#[cfg(target_os = "linux")]
impl Placement {
    /// A thread not started yet.
    pub(crate) const fn new() -> Placement {
        Placement {
            tid: std::sync::atomic::AtomicI32::new(0),
            cpu: std::sync::atomic::AtomicI32::new(-1),
        }
    }

    /// Called by the kept thread itself when it starts.
    pub(crate) fn register(&self) {
        // SAFETY: gettid has no preconditions.
        let tid = unsafe { libc::gettid() };
        self.tid.store(tid, std::sync::atomic::Ordering::Relaxed);
    }

    /// Before the caller wakes the kept thread: moves it off the caller's CPU.
    pub(crate) fn away_from_caller(&self) {
        use std::sync::atomic::Ordering::Relaxed;
        let tid = self.tid.load(Relaxed);
        // SAFETY: sched_getcpu has no preconditions.
        let here = unsafe { libc::sched_getcpu() };
        let kept_to = self.cpu.load(Relaxed);
        // Not started yet, no answer, or kept to another CPU already.
        if tid == 0 || here < 0 || (kept_to >= 0 && kept_to != here) {
            return;
        }
        // SAFETY: `set` is a plain bit set filled by sched_getaffinity and
        // read and written only through the libc CPU_* helpers within its
        // size; `tid` is the kept thread's, which runs for the whole process.
        unsafe {
            let size = std::mem::size_of::<libc::cpu_set_t>();
            let mut set: libc::cpu_set_t = std::mem::zeroed();
            if libc::sched_getaffinity(0, size, &mut set) != 0 {
                return;
            }
            let other = (0..libc::CPU_SETSIZE as usize)
                .rev()
                .find(|&c| c as i32 != here && libc::CPU_ISSET(c, &set));
            let Some(other) = other else {
                return;
            };
            let mut only: libc::cpu_set_t = std::mem::zeroed();
            libc::CPU_SET(other, &mut only);
            // Failing to is harmless: the thread stays where it was.
            if libc::sched_setaffinity(tid, size, &only) == 0 {
                self.cpu.store(other as i32, Relaxed);
            }
        }
    }
}

#[cfg(not(target_os = "linux"))]
impl Placement {
    pub(crate) const fn new() -> Placement {
        Placement {}
    }
    pub(crate) fn register(&self) {}
    pub(crate) fn away_from_caller(&self) {}
}

#[cfg(all(test, target_os = "linux"))]
mod tests {
    use super::*;
    use std::sync::mpsc::channel;

    #[test]
    fn a_kept_thread_is_moved_off_the_callers_cpu() {
        static PLACE: Placement = Placement::new();
        let (tx, rx) = channel::<()>();
        let (back, cpu) = channel::<i32>();
        let kept = std::thread::spawn(move || {
            PLACE.register();
            while rx.recv().is_ok() {
                // SAFETY: no preconditions.
                let _ = back.send(unsafe { libc::sched_getcpu() });
            }
        });
        while PLACE.tid.load(std::sync::atomic::Ordering::Relaxed) == 0 {
            std::thread::yield_now();
        }
        PLACE.away_from_caller();
        let kept_to = PLACE.cpu.load(std::sync::atomic::Ordering::Relaxed);
        if crate::threads::available() > 1 {
            // Kept to one CPU (the caller's was another then; it may have
            // moved since), and running there.
            assert!(kept_to >= 0);
            tx.send(()).unwrap();
            assert_eq!(cpu.recv().unwrap(), kept_to);
        } else {
            assert_eq!(kept_to, -1);
        }
        drop(tx);
        kept.join().unwrap();
    }
}
