//! The extra threads the engine starts on its own (large data scans,
//! parsing ahead while loading, sweeps): how many cores there are, and
//! starting one without ever failing. A thread the system refuses (a
//! process or cgroup limit) is not an error: the caller does that share of
//! the work itself.
//!
//! Work split in two for a moment (a scan's back half, a piece's lines
//! parsed ahead) goes to [`join`]'s helper, one thread kept for the whole
//! process, rather than to a new thread each time: Linux queues a new
//! thread on its parent's CPU, and here it waited there while the parent
//! worked, up to the whole length of the parent's share, with the other
//! CPU idle (measured: a thread spawned beside a 500 µs loop first ran
//! after 500 µs; yielding made the parent wait instead). A parked thread
//! wakes where it last ran, on the other CPU, within a few microseconds.

use crate::placement::Placement;
use std::panic::{AssertUnwindSafe, catch_unwind, resume_unwind};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::mpsc::{Sender, channel};
use std::sync::{Condvar, Mutex, OnceLock, PoisonError};
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

/// Where the helper runs: kept off its caller's CPU before each job (see
/// `placement.rs`).
static PLACE: Placement = Placement::new();

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

/// A job for the helper, its lifetime erased (see `join`).
type Job = Box<dyn FnOnce() + Send + 'static>;

struct Helper {
    jobs: Mutex<Sender<Job>>,
    /// The process that started the helper: a child made by `fork` has
    /// the channel but not the thread, and must not wait for it.
    pid: u32,
    /// Taken while a job is on the helper: a second caller, or a job that
    /// joins again, runs both halves itself instead of waiting.
    busy: AtomicBool,
}

/// Starts the helper thread if it is not running yet, so that it is parked
/// on a CPU of its own by the time `join` needs it (a thread started by the
/// first `join` itself waited behind its caller). The log calls this once
/// it is large enough for split work.
pub(crate) fn start_helper() {
    helper();
}

fn helper() -> Option<&'static Helper> {
    static HELPER: OnceLock<Option<Helper>> = OnceLock::new();
    HELPER
        .get_or_init(|| {
            let (tx, rx) = channel::<Job>();
            std::thread::Builder::new()
                .name("tickcascade-helper".into())
                .spawn(move || {
                    PLACE.register();
                    while let Ok(job) = rx.recv() {
                        job();
                    }
                })
                .ok()?;
            Some(Helper {
                jobs: Mutex::new(tx),
                pid: std::process::id(),
                busy: AtomicBool::new(false),
            })
        })
        .as_ref()
}

/// A one-time signal: set once, waited for.
#[derive(Default)]
struct Latch {
    set: Mutex<bool>,
    cond: Condvar,
}

impl Latch {
    fn set(&self) {
        let mut set = self.set.lock().unwrap_or_else(PoisonError::into_inner);
        *set = true;
        self.cond.notify_one();
    }

    fn wait(&self) {
        let mut set = self.set.lock().unwrap_or_else(PoisonError::into_inner);
        while !*set {
            set = self.cond.wait(set).unwrap_or_else(PoisonError::into_inner);
        }
    }
}

/// What a `join` shares with the helper: the back half until one side
/// takes it, its result, and the signal that the helper is through.
struct Call<B, RB> {
    pending: Mutex<Option<B>>,
    result: Mutex<Option<std::thread::Result<RB>>>,
    done: Latch,
}

/// Runs `a` on this thread and `b` on the helper thread at the same time,
/// and returns both results. Whichever side is free first takes `b`: when
/// `a` is done before the helper has started `b` (the helper's CPU was
/// busy, or the VM had not scheduled it yet), `b` runs here and the helper
/// later finds nothing to do, so a late helper costs no more than doing
/// both halves here. When the helper cannot be had (the system refused the
/// thread, or it is running another caller's `b`), `b` runs here after
/// `a` (and not at all if `a` panics). A panic in either is resumed here,
/// after both ended.
pub(crate) fn join<RA, RB: Send>(
    a: impl FnOnce() -> RA,
    b: impl FnOnce() -> RB + Send,
) -> (RA, RB) {
    #[cfg(test)]
    if REFUSED.with(std::cell::Cell::get) {
        return (a(), b());
    }
    let Some(helper) = helper().filter(|h| h.pid == std::process::id()) else {
        return (a(), b());
    };
    if helper.busy.swap(true, Ordering::Acquire) {
        return (a(), b());
    }
    // Shared, not borrowed: the job may outlive this call (below).
    let call = std::sync::Arc::new(Call {
        pending: Mutex::new(Some(b)),
        result: Mutex::new(None),
        done: Latch::default(),
    });
    let job = {
        let call = call.clone();
        move || {
            let b = call
                .pending
                .lock()
                .unwrap_or_else(PoisonError::into_inner)
                .take();
            // Taken here: this thread is through with `b` once `done` is set.
            if let Some(b) = b {
                /// Sets `done` however `b` ends.
                struct SetOnDrop<'l>(&'l Latch);
                impl Drop for SetOnDrop<'_> {
                    fn drop(&mut self) {
                        self.0.set();
                    }
                }
                let _on_drop = SetOnDrop(&call.done);
                let r = catch_unwind(AssertUnwindSafe(b));
                *call.result.lock().unwrap_or_else(PoisonError::into_inner) = Some(r);
            }
        }
    };
    let job: Box<dyn FnOnce() + Send + '_> = Box::new(job);
    // SAFETY: the job may run after this call has returned, but then it
    // finds `pending` empty and touches nothing `b` or its result borrows:
    // it drops an empty `Option<B>` and an empty result with the `Call`.
    // Whenever the helper takes `b`, this function does not return or
    // unwind before `done` is set (the `Wait` guard below waits for it,
    // also while unwinding), and `done` is set only after `b` has ended and
    // its result is stored. So every borrow outlives its last use.
    let job: Job = unsafe { std::mem::transmute::<Box<dyn FnOnce() + Send + '_>, Job>(job) };
    /// After `a`, however it ends: takes `b` back unless the helper has it
    /// (then waits for the helper to be through with it), and frees the
    /// helper for the next caller. `finish` returns `b` when it was taken
    /// back; on unwinding, the drop drops it unrun.
    struct Wait<'l, B, RB> {
        call: &'l Call<B, RB>,
        busy: &'l AtomicBool,
        finished: bool,
    }
    impl<B, RB> Wait<'_, B, RB> {
        fn finish(&mut self) -> Option<B> {
            self.finished = true;
            let b = self
                .call
                .pending
                .lock()
                .unwrap_or_else(PoisonError::into_inner)
                .take();
            if b.is_none() {
                self.call.done.wait();
            }
            self.busy.store(false, Ordering::Release);
            b
        }
    }
    impl<B, RB> Drop for Wait<'_, B, RB> {
        fn drop(&mut self) {
            if !self.finished {
                // Unwinding from `a`: `b` is dropped unrun.
                drop(self.finish());
            }
        }
    }
    let mut wait = Wait {
        call: &call,
        busy: &helper.busy,
        finished: false,
    };
    PLACE.away_from_caller();
    let sent = helper
        .jobs
        .lock()
        .unwrap_or_else(PoisonError::into_inner)
        .send(job);
    // A send that failed hands the job back; dropped, it takes nothing.
    drop(sent);
    let ra = a();
    let taken_back = wait.finish();
    let rb = match taken_back {
        Some(b) => b(),
        None => match call
            .result
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .take()
        {
            Some(Ok(rb)) => rb,
            Some(Err(panic)) => resume_unwind(panic),
            None => unreachable!("the helper took b, so it stored b's result"),
        },
    };
    (ra, rb)
}

/// Calls `f` once on each of `pieces`, on this thread and on the helper
/// side by side: each takes the next piece nobody has taken. When the
/// helper starts late, or the VM takes its CPU away for a while, this
/// thread does the rest and waits at most for the piece the helper holds,
/// where a split in halves waited for the whole half (here a 1 ms data
/// query took 3-5 ms in one run in four, and was slower on two threads
/// than on one).
pub(crate) fn for_each_shared<T: Send>(pieces: &mut [T], f: impl Fn(&mut T) + Sync) {
    /// The pieces' address, shared by the two sides.
    struct Pieces<T>(*mut T);
    // SAFETY: each piece is reached by one side only (below), and `T: Send`.
    unsafe impl<T: Send> Sync for Pieces<T> {}
    impl<T> Pieces<T> {
        fn at(&self, i: usize) -> *mut T {
            self.0.wrapping_add(i)
        }
    }
    let (base, n) = (Pieces(pieces.as_mut_ptr()), pieces.len());
    let next = std::sync::atomic::AtomicUsize::new(0);
    let work = || {
        loop {
            let i = next.fetch_add(1, Ordering::Relaxed);
            if i >= n {
                break;
            }
            // SAFETY: `fetch_add` hands each index in `0..n` out once, so
            // each piece is borrowed by one side, once; `pieces` is borrowed
            // mutably for this whole call, which returns after both sides.
            f(unsafe { &mut *base.at(i) });
        }
    };
    join(work, work);
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

#[cfg(test)]
mod tests {
    use super::*;
    use std::panic::catch_unwind;

    #[test]
    fn join_runs_both_halves_on_borrowed_data() {
        let mut data = vec![0u64; 10_000];
        let (front, back) = data.split_at_mut(5_000);
        let (a, b) = join(
            || {
                front.iter_mut().for_each(|x| *x = 1);
                front.len()
            },
            || {
                back.iter_mut().for_each(|x| *x = 2);
                back.len()
            },
        );
        assert_eq!((a, b), (5_000, 5_000));
        assert_eq!(data.iter().sum::<u64>(), 15_000);
        // Refused: both here, same answer.
        let (a, b) = refusing_threads(|| join(|| 1, || 2));
        assert_eq!((a, b), (1, 2));
    }

    #[test]
    fn a_panic_on_either_side_waits_for_the_other_and_comes_back_here() {
        // Other tests may hold the helper, and then both halves run here
        // (the back one not at all after the front panics); so: whenever
        // the back half started, it ended before the panic left `join`.
        for _ in 0..5 {
            let (started, finished) = (AtomicBool::new(false), AtomicBool::new(false));
            let r = catch_unwind(AssertUnwindSafe(|| {
                join(
                    || panic!("front"),
                    || {
                        started.store(true, Ordering::SeqCst);
                        std::thread::sleep(std::time::Duration::from_millis(20));
                        finished.store(true, Ordering::SeqCst);
                    },
                )
            }));
            assert!(r.is_err());
            assert_eq!(
                started.load(Ordering::SeqCst),
                finished.load(Ordering::SeqCst)
            );
        }
        let r = catch_unwind(|| join(|| 1, || -> u32 { panic!("back") }));
        assert!(r.is_err());
        // The helper survives a panicking job.
        assert_eq!(join(|| 3, || 4), (3, 4));
    }

    #[test]
    fn a_helper_that_is_late_leaves_the_back_half_to_the_caller() {
        // Hold the helper up with a job of its own, sent ahead of the call.
        if let Some(h) = helper() {
            let stall: Job = Box::new(|| std::thread::sleep(std::time::Duration::from_millis(300)));
            let _ = h
                .jobs
                .lock()
                .unwrap_or_else(PoisonError::into_inner)
                .send(stall);
        }
        let here = std::thread::current().id();
        let (a, b) = join(|| 1, || std::thread::current().id());
        assert_eq!(a, 1);
        assert_eq!(b, here, "the caller should have taken the back half back");
        // The helper, once free, finds nothing left of that call and goes on.
        assert_eq!(join(|| 5, || 6), (5, 6));
    }

    #[test]
    fn shared_pieces_are_each_done_once() {
        for n in [0, 1, 2, 7, 64, 1000] {
            let mut pieces: Vec<(usize, u32)> = (0..n).map(|i| (i, 0)).collect();
            let calls = std::sync::atomic::AtomicUsize::new(0);
            for_each_shared(&mut pieces, |(i, seen)| {
                *seen += 1;
                *i *= 2;
                calls.fetch_add(1, Ordering::Relaxed);
            });
            assert_eq!(calls.into_inner(), n);
            assert!(
                pieces
                    .iter()
                    .enumerate()
                    .all(|(k, &(i, seen))| i == 2 * k && seen == 1)
            );
        }
        let mut pieces = vec![1u64; 10];
        refusing_threads(|| for_each_shared(&mut pieces, |p| *p += 1));
        assert_eq!(pieces, vec![2u64; 10]);
    }

    #[test]
    fn nested_and_concurrent_joins_all_finish() {
        let nested = join(|| join(|| 1, || 2), || join(|| 3, || 4));
        assert_eq!(nested, ((1, 2), (3, 4)));
        std::thread::scope(|s| {
            let handles: Vec<_> = (0..8u64)
                .map(|k| {
                    s.spawn(move || {
                        (0..50u64)
                            .map(|i| join(|| i, || k).0 + join(|| 0, || i).1)
                            .sum::<u64>()
                    })
                })
                .collect();
            for h in handles {
                assert_eq!(h.join().ok(), Some(2 * (0..50).sum::<u64>()));
            }
        });
    }
}
