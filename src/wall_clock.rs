//! `WallClock`: wall-clock microseconds for `Clock::Wall`, cheaply.
//!
//! Eventure stamps each event with `time.time()`. Reading the system clock
//! costs about 40 ns here (a vDSO call), more than the rest of logging an
//! event, so on x86-64 the clock reads the CPU's time-stamp counter (about
//! 10 ns) and converts it with a rate measured against the system clock:
//! the first reads (over at least 2 ms) calibrate, and every millisecond of
//! counter time the base is re-read from the system clock, so the error
//! stays below a microsecond-ish and never accumulates. Elsewhere every
//! read is a system clock read.
//!
//! Timestamps never go backwards by less than a millisecond (a re-read that
//! lands just below an interpolated value is held at it); a real backwards
//! jump of the system clock (NTP) is followed.

use std::time::{SystemTime, UNIX_EPOCH};

/// Calibrate over at least this long.
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
}

#[cfg(target_arch = "x86_64")]
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
        if t.micros_per_tick > 0 {
            let micros = system_micros();
            t.base = (read_tsc(), micros);
            return micros;
        }
        let micros = system_micros();
        let now = read_tsc();
        if t.first.0 == 0 {
            t.first = (now, micros);
        } else if micros - t.first.1 >= CALIBRATE_MICROS && now > t.first.0 {
            let rate = (micros - t.first.1) as f64 / (now - t.first.0) as f64;
            // A counter that ticks slower than 1 MHz or faster than 100 GHz
            // is not one to trust: stay on the system clock.
            if (1e-5..=1.0).contains(&rate) {
                t.micros_per_tick = (rate * 4_294_967_296.0) as u64;
                t.resync_ticks = (RESYNC_MICROS / rate) as u64;
                t.base = (now, micros);
            } else {
                t.first = (now, micros);
            }
        }
        micros
    }
}

#[cfg(test)]
mod tests {
    use super::*;

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
