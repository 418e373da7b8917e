//! The extra threads the engine starts on its own (large data scans,
//! parsing ahead while loading, sweeps): how many cores there are, and
//! starting one without ever failing. A thread the system refuses (a
//! process or cgroup limit) is not an error: the caller does that share of
//! the work itself.

use std::thread::{Scope, ScopedJoinHandle};

/// The cores this process may use (1 when unknown).
///
/// On Linux, the CPUs the process may run on (one system call). std's
/// `available_parallelism` also reads the cgroup CPU quota from /proc and
/// /sys, which took 50-80 µs here, a tenth of a first data query; a quota
/// below the CPU count only means the two halves of a scan share time.
pub(crate) fn available() -> usize {
    static THREADS: std::sync::OnceLock<usize> = std::sync::OnceLock::new();
    *THREADS.get_or_init(|| {
        affinity_count()
            .unwrap_or_else(|| std::thread::available_parallelism().map_or(1, |n| n.get()))
    })
}

#[cfg(target_os = "linux")]
fn affinity_count() -> Option<usize> {
    // SAFETY: `set` is a plain bit set that sched_getaffinity fills; its
    // size is passed along, and CPU_COUNT only reads it.
    unsafe {
        let mut set: libc::cpu_set_t = std::mem::zeroed();
        let ok = libc::sched_getaffinity(0, std::mem::size_of::<libc::cpu_set_t>(), &mut set) == 0;
        let n = libc::CPU_COUNT(&set);
        (ok && n > 0).then_some(n as usize)
    }
}

#[cfg(not(target_os = "linux"))]
fn affinity_count() -> Option<usize> {
    None
}

/// Starts `f` on a scoped thread, or returns `None` if the system will not
/// start one (then `f` has not run, and the caller does its work).
pub(crate) fn spawn_scoped<'scope, T: Send + 'scope>(
    scope: &'scope Scope<'scope, '_>,
    f: impl FnOnce() -> T + Send + 'scope,
) -> Option<ScopedJoinHandle<'scope, T>> {
    #[cfg(test)]
    if REFUSED.with(std::cell::Cell::get) {
        return None;
    }
    std::thread::Builder::new().spawn_scoped(scope, f).ok()
}

#[cfg(test)]
thread_local! {
    static REFUSED: std::cell::Cell<bool> = const { std::cell::Cell::new(false) };
}

/// Runs `f` as if the system refused every new thread (for this thread's
/// calls of [`spawn_scoped`]).
#[cfg(test)]
pub(crate) fn refusing_threads<R>(f: impl FnOnce() -> R) -> R {
    REFUSED.with(|r| r.set(true));
    let result = f();
    REFUSED.with(|r| r.set(false));
    result
}
