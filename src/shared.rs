//! `Shared<T>`: a reference-counted pointer (like `Arc`) whose owner can
//! hand out clones without an atomic operation each.
//!
//! Every event holds its type and its data chunk by a counted reference.
//! With `Arc`, logging an event paid two locked increments, and a locked
//! operation waits for every store still pending (logging has just written
//! the event's other fields): about 7% of publishing. A [`Stock`] owns a
//! batch of counts paid for in one atomic addition and hands them out one
//! by one with a plain decrement; whatever is left is given back, in one
//! atomic subtraction, when the stock is dropped.
//!
//! Invariant (what the `unsafe` code rests on): `count` is the number of
//! live `Shared` handles plus the counts held by live stocks; the value is
//! dropped and its memory freed exactly when that number reaches zero.

use std::ptr::NonNull;
use std::sync::atomic::{AtomicUsize, Ordering, fence};

struct Inner<T> {
    count: AtomicUsize,
    value: T,
}

/// A counted reference to a `T` shared between threads.
pub(crate) struct Shared<T> {
    inner: NonNull<Inner<T>>,
}

// SAFETY: as for `Arc`: handles on several threads only give out `&T`, and
// the last one drops the `T` on whichever thread it is.
unsafe impl<T: Send + Sync> Send for Shared<T> {}
unsafe impl<T: Send + Sync> Sync for Shared<T> {}

/// Counts a stock takes at once.
const BATCH: usize = 1 << 16;

/// Counts above this mean a leak of astronomical size; like `Arc`, stop.
const MAX_COUNT: usize = isize::MAX as usize;

impl<T> Shared<T> {
    /// Moves `value` into a new allocation with one reference, this one.
    pub(crate) fn new(value: T) -> Shared<T> {
        let inner = Box::new(Inner {
            count: AtomicUsize::new(1),
            value,
        });
        Shared {
            inner: NonNull::from(Box::leak(inner)),
        }
    }

    fn inner(&self) -> &Inner<T> {
        // SAFETY: this handle holds a count, so the allocation is alive.
        unsafe { self.inner.as_ref() }
    }

    /// The shared value.
    #[inline]
    pub(crate) fn get(&self) -> &T {
        &self.inner().value
    }

    /// True when both point to the same allocation.
    pub(crate) fn ptr_eq(a: &Shared<T>, b: &Shared<T>) -> bool {
        a.inner == b.inner
    }

    /// Gives up `n` counts; frees the value when they were the last.
    ///
    /// # Safety
    /// The caller owns `n` counts of this allocation and uses none of them
    /// afterwards.
    unsafe fn release(inner: NonNull<Inner<T>>, n: usize) {
        // SAFETY: the caller's counts keep the allocation alive until here.
        let before = unsafe { inner.as_ref() }
            .count
            .fetch_sub(n, Ordering::Release);
        if before == n {
            // Every other handle's uses happen before this free (their
            // releases synchronize with this acquire), as in `Arc`.
            fence(Ordering::Acquire);
            // SAFETY: no count is left: nobody else can reach it.
            drop(unsafe { Box::from_raw(inner.as_ptr()) });
        }
    }
}

impl<T> Clone for Shared<T> {
    #[inline]
    fn clone(&self) -> Shared<T> {
        // Relaxed, as `Arc`: the new handle is made from a live one.
        if self.inner().count.fetch_add(1, Ordering::Relaxed) > MAX_COUNT {
            std::process::abort();
        }
        Shared { inner: self.inner }
    }
}

impl<T> Drop for Shared<T> {
    #[inline]
    fn drop(&mut self) {
        // SAFETY: this handle owns one count and is going away.
        unsafe { Shared::release(self.inner, 1) }
    }
}

impl<T: std::fmt::Debug> std::fmt::Debug for Shared<T> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        self.get().fmt(f)
    }
}

/// An owner of counts of one `Shared` value, handing them out as handles.
pub(crate) struct Stock<T> {
    inner: NonNull<Inner<T>>,
    /// Counts this stock owns (at least one: its own reference).
    counts: usize,
}

// SAFETY: a stock is a handle (with spare counts) and shares like one.
unsafe impl<T: Send + Sync> Send for Stock<T> {}
unsafe impl<T: Send + Sync> Sync for Stock<T> {}

impl<T> Stock<T> {
    /// A stock of `handle`'s value, taking over its count.
    pub(crate) fn new(handle: Shared<T>) -> Stock<T> {
        let handle = std::mem::ManuallyDrop::new(handle);
        Stock {
            inner: handle.inner,
            counts: 1,
        }
    }

    /// The shared value.
    #[inline]
    pub(crate) fn get(&self) -> &T {
        // SAFETY: the stock holds a count, so the allocation is alive.
        &unsafe { self.inner.as_ref() }.value
    }

    /// A new handle, mostly without an atomic operation.
    #[inline]
    pub(crate) fn take(&mut self) -> Shared<T> {
        if self.counts == 1 {
            self.refill();
        }
        self.counts -= 1;
        Shared { inner: self.inner }
    }

    #[cold]
    fn refill(&mut self) {
        // SAFETY: the stock's own count keeps the allocation alive.
        let count = &unsafe { self.inner.as_ref() }.count;
        if count.fetch_add(BATCH, Ordering::Relaxed) > MAX_COUNT - BATCH {
            std::process::abort();
        }
        self.counts += BATCH;
    }
}

impl<T> Drop for Stock<T> {
    fn drop(&mut self) {
        // SAFETY: the stock owns `counts` counts and is going away.
        unsafe { Shared::release(self.inner, self.counts) }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::atomic::AtomicUsize;

    /// Counts its drops in the given counter.
    struct Tracked<'a>(&'a AtomicUsize);

    impl Drop for Tracked<'_> {
        fn drop(&mut self) {
            self.0.fetch_add(1, Ordering::Relaxed);
        }
    }

    #[test]
    fn the_value_is_dropped_once_when_the_last_handle_or_stock_goes() {
        for stock_last in [false, true] {
            let drops = AtomicUsize::new(0);
            let mut stock = Stock::new(Shared::new(Tracked(&drops)));
            // Past a batch, so the stock refills on the way.
            let mut handles: Vec<Shared<Tracked>> = (0..BATCH + 10).map(|_| stock.take()).collect();
            handles.push(handles[3].clone());
            assert!(Shared::ptr_eq(&handles[0], &handles[BATCH]));
            if stock_last {
                drop(handles);
                assert_eq!(drops.load(Ordering::Relaxed), 0);
                drop(stock);
            } else {
                drop(stock);
                let last = handles.pop();
                drop(handles);
                assert_eq!(drops.load(Ordering::Relaxed), 0);
                drop(last);
            }
            assert_eq!(drops.load(Ordering::Relaxed), 1);
        }
    }

    #[test]
    fn handles_cross_threads() {
        let drops = AtomicUsize::new(0);
        let mut stock = Stock::new(Shared::new(Tracked(&drops)));
        let handles: Vec<Shared<Tracked>> = (0..1000).map(|_| stock.take()).collect();
        std::thread::scope(|s| {
            for chunk in handles.chunks(250) {
                let mine: Vec<Shared<Tracked>> = chunk.iter().map(Shared::clone).collect();
                s.spawn(move || drop(mine));
            }
        });
        drop(stock);
        assert_eq!(drops.load(Ordering::Relaxed), 0);
        drop(handles);
        assert_eq!(drops.load(Ordering::Relaxed), 1);
    }
}
