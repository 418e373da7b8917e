//! `prefault`: memory the log is about to write, made ready on another thread.
//!
//! The first write to a fresh page of memory costs a page fault: the kernel
//! zeroes the page and maps it (1.5 to 2 µs each in the VMs this was measured
//! on). Publishing 125k events writes about 18 MB of fresh pages, and those
//! faults were a quarter of its time. So, on Linux, a log that has grown past
//! 4,096 events hands the ranges it is about to write (every 4,096 appends:
//! the next 8,192 events' stretch of its event, link and data-index vectors,
//! and three spare data chunks) to one background thread, which asks the
//! kernel to populate them (`madvise(MADV_POPULATE_WRITE)`: the fault
//! without the write). The appending thread, publishing or loading, then
//! finds those pages mapped.
//!
//! This only ever saves time; it never changes a byte. Populating does not
//! write memory, so a range freed or reused before the worker reaches it is
//! harmless (an unmapped range fails with `ENOMEM`, which is ignored). When
//! anything is missing (no thread can be started, a kernel older than 5.14,
//! another system), requests are dropped and the log's own writes fault the
//! pages in as before. `TICKCASCADE_PREFAULT=0` turns it off (for A/B timing).
//!
//! The worker is one thread for the whole process, started by the first
//! request and parked on a channel between requests.

/// The most ranges one request carries.
const MAX_RANGES: usize = 8;

/// Ranges to populate, sent to the worker together (one wake-up).
#[derive(Default)]
pub(crate) struct Request {
    ranges: [(usize, usize); MAX_RANGES],
    len: usize,
}

impl Request {
    /// Adds the pages of `len` bytes from `addr`.
    pub(crate) fn range(&mut self, addr: *const u8, len: usize) {
        if self.len < MAX_RANGES {
            self.ranges[self.len] = (addr as usize, len);
            self.len += 1;
        }
    }

    /// Makes room in `v` for `2 * n` more elements and adds the room's
    /// pages: done every `n` appends, it keeps the next stretch ready.
    pub(crate) fn ahead<T>(&mut self, v: &mut Vec<T>, n: usize) {
        v.reserve(2 * n);
        let room = v.spare_capacity_mut();
        let bytes = std::mem::size_of_val(&room[..room.len().min(2 * n)]);
        self.range(room.as_ptr().cast(), bytes);
    }

    /// Hands the ranges to the worker; returns at once. Does nothing where
    /// populating is not available.
    pub(crate) fn send(self) {
        #[cfg(target_os = "linux")]
        linux::send(self);
    }
}

#[cfg(target_os = "linux")]
mod linux {
    use super::Request;
    use crate::placement::Placement;
    use std::sync::Mutex;
    use std::sync::OnceLock;
    use std::sync::atomic::{AtomicBool, Ordering};
    use std::sync::mpsc::{Receiver, Sender, channel};

    /// Populate in pieces of this size, so that the publishing thread's own
    /// calls on the address space (growing a vector moves it with `mremap`)
    /// never wait long for the worker.
    const PIECE: usize = 64 * 1024;
    const PAGE: usize = 4096;

    /// Set when populating is not to be had here (no worker thread).
    static OFF: AtomicBool = AtomicBool::new(false);
    /// The worker's channel, and the process that started it (a child made
    /// by `fork` has the channel but not the thread: its requests would
    /// only pile up).
    static WORKER: OnceLock<Option<(Mutex<Sender<Request>>, u32)>> = OnceLock::new();

    /// Where the worker runs: kept off the appending thread's CPU before
    /// each request (see `placement.rs`).
    static PLACE: Placement = Placement::new();

    pub(super) fn send(request: Request) {
        if request.len == 0 || OFF.load(Ordering::Relaxed) {
            return;
        }
        let worker = WORKER.get_or_init(start);
        PLACE.away_from_caller();
        let sent = worker
            .as_ref()
            .filter(|(_, pid)| *pid == std::process::id())
            .and_then(|(tx, _)| tx.lock().ok().map(|tx| tx.send(request).is_ok()));
        if sent != Some(true) {
            OFF.store(true, Ordering::Relaxed);
        }
    }

    fn start() -> Option<(Mutex<Sender<Request>>, u32)> {
        if std::env::var_os("TICKCASCADE_PREFAULT").is_some_and(|v| v == "0") {
            return None;
        }
        if !supported() {
            return None;
        }
        let (tx, rx) = channel();
        std::thread::Builder::new()
            .name("tickcascade-prefault".into())
            .spawn(move || work(rx))
            .ok()?;
        Some((Mutex::new(tx), std::process::id()))
    }

    /// Whether this kernel knows MADV_POPULATE_WRITE (5.14 and later), tried
    /// on a page of our own.
    fn supported() -> bool {
        let probe = vec![0u8; 2 * PAGE];
        let page = (probe.as_ptr() as usize).next_multiple_of(PAGE);
        // SAFETY: `page..page + PAGE` lies inside `probe`, which is mapped
        // and writable; populating changes none of its bytes.
        let r =
            unsafe { libc::madvise(page as *mut libc::c_void, PAGE, libc::MADV_POPULATE_WRITE) };
        r == 0
    }

    fn work(rx: Receiver<Request>) {
        PLACE.register();
        while let Ok(request) = rx.recv() {
            for &(addr, len) in &request.ranges[..request.len] {
                populate(addr, len);
            }
        }
    }

    fn populate(addr: usize, len: usize) {
        let end = addr.saturating_add(len);
        let mut at = addr / PAGE * PAGE;
        while at < end {
            let piece = PIECE.min(end - at).next_multiple_of(PAGE);
            // SAFETY: MADV_POPULATE_WRITE reads and writes no memory of
            // ours: it maps pages as a write fault would, keeping their
            // contents. On a range that is not (or no longer) mapped
            // writable it fails, which ends this range.
            let r =
                unsafe { libc::madvise(at as *mut libc::c_void, piece, libc::MADV_POPULATE_WRITE) };
            if r != 0 {
                break;
            }
            at += piece;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ahead_makes_room_and_keeps_the_contents() {
        let mut v: Vec<u64> = (0..10_000).collect();
        for _ in 0..3 {
            let mut request = Request::default();
            request.ahead(&mut v, 4096);
            assert!(v.capacity() - v.len() >= 8192);
            assert_eq!(
                request.ranges[0],
                (v.as_ptr() as usize + 8 * v.len(), 8 * 8192)
            );
            request.send();
            v.extend(0..4096u64);
        }
        assert_eq!(v.len(), 10_000 + 3 * 4096);
        assert!(v[..10_000].iter().copied().eq(0..10_000));
    }

    #[test]
    fn ranges_freed_or_never_ours_are_harmless() {
        let gone = Vec::<u8>::with_capacity(1 << 20);
        let mut request = Request::default();
        request.range(gone.as_ptr(), 1 << 20);
        drop(gone);
        request.range(std::ptr::null(), 1 << 20);
        for _ in 0..MAX_RANGES {
            request.range(std::ptr::null(), 4096); // past the limit: dropped
        }
        assert_eq!(request.len, MAX_RANGES);
        request.send();
    }
}
