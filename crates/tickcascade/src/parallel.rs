//! Work split over threads, only when the caller asks for it.
//!
//! The engine starts no thread on its own. A caller that wants a large load
//! or data query spread over cores passes a thread count
//! ([`LoadOptions::threads`](crate::LoadOptions), [`EventQuery::with_threads`](crate::EventQuery::with_threads));
//! the work then runs on scoped threads (`std::thread::scope`) that have
//! ended before the call returns. No thread's CPU affinity is touched. A
//! thread the system refuses (a process or cgroup limit) fails nothing:
//! its share is done on the caller's thread.

use std::sync::Mutex;

/// Runs `a` on this thread and `b` on a scoped thread when `threads >= 2`
/// (and the system starts one), else both here, `a` first. Returns both
/// results; a panic in either propagates.
pub(crate) fn join<RA, RB: Send>(
    threads: usize,
    a: impl FnOnce() -> RA,
    b: impl FnOnce() -> RB + Send,
) -> (RA, RB) {
    if threads < 2 {
        let ra = a();
        return (ra, b());
    }
    // `b` is handed over only if the thread starts; otherwise it comes back
    // to run here.
    let slot = Mutex::new(Some(b));
    std::thread::scope(|scope| {
        let spawned = spawn(scope, || {
            slot.lock().ok().and_then(|mut b| b.take()).map(|b| b())
        });
        let ra = a();
        let rb = match spawned.map(|h| h.join()) {
            Some(Ok(Some(rb))) => rb,
            Some(Err(panic)) => std::panic::resume_unwind(panic),
            Some(Ok(None)) | None => match slot.lock().ok().and_then(|mut b| b.take()) {
                Some(b) => b(),
                None => unreachable_join(),
            },
        };
        (ra, rb)
    })
}

/// `b` was taken by the thread, which then returned no result: impossible,
/// since a taken `b` always runs to a result or a panic.
#[cold]
fn unreachable_join() -> ! {
    panic!("join: the helper took its job and returned nothing")
}

/// Calls `f` on each piece, using up to `threads` threads (this one
/// included): each takes the next piece nobody has taken, so a thread that
/// starts late leaves the rest to the others.
pub(crate) fn for_each_piece<T: Send>(threads: usize, pieces: &mut [T], f: impl Fn(&mut T) + Sync) {
    if threads < 2 || pieces.len() < 2 {
        pieces.iter_mut().for_each(f);
        return;
    }
    let next = Mutex::new(pieces.iter_mut());
    let work = || {
        loop {
            let piece = match next.lock() {
                Ok(mut it) => it.next(),
                Err(_) => None, // another worker panicked; the scope re-raises it
            };
            match piece {
                Some(piece) => f(piece),
                None => break,
            }
        }
    };
    std::thread::scope(|scope| {
        for _ in 1..threads.min(pieces_len_hint(&next)) {
            if spawn(scope, work).is_none() {
                break;
            }
        }
        work();
    });
}

fn pieces_len_hint<I: ExactSizeIterator>(next: &Mutex<I>) -> usize {
    next.lock().map_or(1, |it| it.len())
}

/// Starts `f` on a scoped thread, or `None` if the system will not start
/// one (then `f` has not run).
fn spawn<'scope, T: Send + 'scope>(
    scope: &'scope std::thread::Scope<'scope, '_>,
    f: impl FnOnce() -> T + Send + 'scope,
) -> Option<std::thread::ScopedJoinHandle<'scope, T>> {
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
/// calls).
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

    #[test]
    fn join_runs_both_halves_on_borrowed_data_with_or_without_a_thread() {
        for threads in [1, 2] {
            for refused in [false, true] {
                let mut data = vec![0u64; 10_000];
                let (front, back) = data.split_at_mut(5_000);
                let mut run = || {
                    join(
                        threads,
                        || front.iter_mut().for_each(|x| *x = 1),
                        || back.iter_mut().for_each(|x| *x = 2),
                    )
                };
                if refused {
                    refusing_threads(run);
                } else {
                    run();
                }
                assert_eq!(data.iter().sum::<u64>(), 15_000, "{threads} {refused}");
            }
        }
    }

    #[test]
    fn each_piece_is_done_exactly_once_whatever_the_threads() {
        for threads in [0, 1, 2, 5] {
            for refused in [false, true] {
                let mut pieces: Vec<(usize, u32)> = (0..100).map(|i| (i, 0)).collect();
                let mut run = || for_each_piece(threads, &mut pieces, |p| p.1 += 1);
                if refused {
                    refusing_threads(run);
                } else {
                    run();
                }
                assert!(pieces.iter().all(|p| p.1 == 1), "{threads} {refused}");
            }
        }
    }

    #[test]
    fn a_panic_in_the_helper_comes_out_of_join() {
        let r = std::panic::catch_unwind(|| join(2, || 1, || -> u32 { panic!("boom") }));
        assert!(r.is_err());
    }
}
