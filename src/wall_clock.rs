//! `WallClock`: wall-clock microseconds for `Clock::Wall`, cheaply.
//!
//! Eventure stamps each event with `time.time()`. Reading the system clock
//! costs about 40 ns here (a vDSO call), more than the rest of logging an
//! event, so on x86-64 the clock reads the CPU's time-stamp counter (about
//! 10 ns) and converts it with a rate measured against the system clock.
//! The reads of the first 100 µs go to the system clock; then the rate is
//! estimated over the span so far and the counter is used, re-based from
//! the system clock each time half the span has passed (the rate's error,
//! about 1 µs over the span, then adds at most ~0.5 µs), with the rate
//! re-estimated over the longer span each time, until the span reaches
//! 2 ms. From then on the base is re-read every millisecond of counter
//! time, so the error stays below a microsecond-ish and never accumulates.
//! (Calibrating on the system clock for a whole 2 ms cost ~15k system
//! clock reads at the start of a publish, ~0.5 ms.) Elsewhere every read
//! is a system clock read.
//!
//! Timestamps never go backwards by less than a millisecond (a re-read that
//! lands just below an interpolated value is held at it); a real backwards
//! jump of the system clock (NTP) is followed.

use std::time::{SystemTime, UNIX_EPOCH};

/// A first rate is estimated after this long.
const FIRST_RATE_MICROS: i64 = 100;
/// The rate is refined until it is measured over this long.
const CALIBRATE_MICROS: i64 = 2_000;
/// Re-read the system clock at least this often (in counter time).
const RESYNC_MICROS: f64 = 1_000.0;
/// Steps back smaller than this are held; larger ones are followed.
const HOLD_MICROS: i64 = 1_000;

pub(crate) fn system_micros() -> i64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| d.as_micros() as i64)
}

#[derive(Clone, Debug, Default)]
pub(crate) struct WallClock {
    /// The last value handed out.
    last: i64,
    #[cfg(target_arch = "x86_64")]
    tsc: Tsc,
}

/// Counter state: a base (counter, micros) pair and the rate.
#[cfg(target_arch = "x86_64")]
#[derive(Clone, Debug, Default)]
struct Tsc {
    /// Where calibration started: (counter, micros); 0 before the first read.
    first: (u64, i64),
    base: (u64, i64),
    /// Microseconds per counter tick in 32.32 fixed point, at most 2^32
    /// (a rate of at most 1 µs per tick); 0 until calibrated. (Integer
    /// arithmetic: the float conversions and multiply were a long
    /// dependency chain on every event.)
    micros_per_tick: u64,
    /// Counter ticks between re-reads, at most 10^8 (< 2^27: a rate of at
    /// least 10^-5 µs per tick), so that a product of an elapsed count
    /// below it and `micros_per_tick` stays below 2^59.
    resync_ticks: u64,
    /// True once the rate was measured over `CALIBRATE_MICROS`.
    settled: bool,
}

#[cfg(target_arch = "x86_64")]
#[inline(always)]
fn read_tsc() -> u64 {
    // SAFETY: RDTSC exists on every x86-64 CPU and has no preconditions.
    #[allow(unused_unsafe)]
    unsafe {
        core::arch::x86_64::_rdtsc()
    }
}

impl WallClock {
    /// Microseconds since the Unix epoch, now.
    #[inline]
    pub(crate) fn now_micros(&mut self) -> i64 {
        let raw = self.read();
        let v = if raw < self.last && self.last - raw < HOLD_MICROS {
            self.last
        } else {
            raw
        };
        self.last = v;
        v
    }

    #[cfg(not(target_arch = "x86_64"))]
    fn read(&mut self) -> i64 {
        system_micros()
    }

    #[cfg(target_arch = "x86_64")]
    #[inline]
    fn read(&mut self) -> i64 {
        let t = &self.tsc;
        let now = read_tsc();
        let elapsed = now.wrapping_sub(t.base.0);
        if elapsed < t.resync_ticks {
            // Below 2^27 times at most 2^32: no overflow (see the fields).
            return t.base.1 + ((elapsed * t.micros_per_tick) >> 32) as i64;
        }
        self.resync()
    }

    /// The system clock's reading, used to re-base or calibrate the counter.
    #[cfg(target_arch = "x86_64")]
    #[cold]
    #[inline(never)]
    fn resync(&mut self) -> i64 {
        let t = &mut self.tsc;
        let micros = system_micros();
        let now = read_tsc();
        if t.settled {
            t.base = (now, micros);
            return micros;
        }
        if t.first.0 == 0 || now <= t.first.0 || micros < t.first.1 {
            // The first read, or a clock that moved oddly: start over.
            *t = Tsc {
                first: (now, micros),
                ..Tsc::default()
            };
            return micros;
        }
        let span = micros - t.first.1;
        if span < FIRST_RATE_MICROS {
            return micros;
        }
        let rate = span as f64 / (now - t.first.0) as f64;
        // A counter that ticks slower than 1 MHz or faster than 100 GHz
        // is not one to trust: stay on the system clock.
        if !(1e-5..=1.0).contains(&rate) {
            t.first = (now, micros);
            t.micros_per_tick = 0;
            t.resync_ticks = 0;
            return micros;
        }
        t.settled = span >= CALIBRATE_MICROS;
        let interval = if t.settled {
            RESYNC_MICROS
        } else {
            span as f64 / 2.0
        };
        t.micros_per_tick = (rate * 4_294_967_296.0) as u64;
        t.resync_ticks = (interval / rate) as u64;
        t.base = (now, micros);
        micros
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[cfg(target_arch = "x86_64")]
    #[test]
    fn uses_the_counter_after_a_tenth_of_a_millisecond_and_settles_after_three() {
        let mut clock = WallClock::default();
        let start = std::time::Instant::now();
        while start.elapsed().as_micros() < 300 {
            clock.now_micros();
        }
        // (Whether it has settled yet depends on scheduling: a read delayed
        // past 2 ms settles it early, so that is not asserted.)
        assert!(clock.tsc.micros_per_tick > 0);
        // Re-based at 100, 150, 225, ... µs: the first re-base past 2 ms
        // comes before 3 ms.
        while start.elapsed().as_micros() < 3_500 {
            clock.now_micros();
        }
        assert!(clock.tsc.settled);
    }

    #[test]
    fn follows_the_system_clock_closely_and_never_steps_back() {
        let mut clock = WallClock::default();
        let mut last = 0;
        let start = std::time::Instant::now();
        while start.elapsed().as_millis() < 20 {
            let before = system_micros();
            let v = clock.now_micros();
            let after = system_micros();
            assert!(v >= last, "{v} < {last}");
            assert!(
                before - 50 <= v && v <= after + 50,
                "clock {v} outside system [{before}, {after}]"
            );
            last = v;
        }
    }
}
