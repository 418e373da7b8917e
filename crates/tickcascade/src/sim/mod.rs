//! Driving a simulation loop on the bus: the [`Simulation`] trait, the
//! [`Runner`] that owns the log and the bus and steps ticks (with pause,
//! pacing and an after-tick hook), the [`Schedule`] of events due in later
//! ticks (how cross-tick causes are made) and the seeded [`SimRng`]. (The
//! two demo simulations live in the `tickcascade-cli` crate.)

mod rng;

pub use rng::SimRng;

use crate::{Clock, DataError, EventBus, EventId, EventLog, PublishError};
use serde::Serialize;
use std::collections::BTreeMap;
use std::time::{Duration, Instant};

/// An event waiting for a later tick.
#[derive(Clone, Debug, PartialEq)]
pub struct Scheduled {
    /// The event type to publish.
    pub event_type: String,
    /// The data as canonical JSON text, serialized when it was scheduled
    /// and logged as it is (no round trip through a JSON value).
    pub data_json: String,
    /// Its cause (the event that scheduled it, usually).
    pub parent: Option<EventId>,
}

/// Events due in later ticks, published by the runner at the start of their
/// tick (before the simulation's own work), in the order they were scheduled.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Schedule {
    due: BTreeMap<i64, Vec<Scheduled>>,
}

impl Schedule {
    /// Schedules `event_type` at tick `tick`, caused by `parent`. The data is
    /// serialized now; data that cannot be event data (a NaN, a duplicate
    /// key) is an error now, not a `null` later.
    ///
    /// ```
    /// use tickcascade::sim::Schedule;
    /// let mut s = Schedule::default();
    /// s.at(3, "door.open", &serde_json::json!({"room": "hall"}), None)?;
    /// assert!(s.at(3, "door.open", &f64::NAN, None).is_err());
    /// assert_eq!(s.take_due(3)[0].data_json, r#"{"room": "hall"}"#);
    /// # Ok::<(), tickcascade::DataError>(())
    /// ```
    pub fn at<T: Serialize + ?Sized>(
        &mut self,
        tick: i64,
        event_type: &str,
        data: &T,
        parent: Option<&EventId>,
    ) -> Result<(), DataError> {
        let mut data_json = String::new();
        crate::json::ser::write_canonical(data, &mut data_json)?;
        self.due.entry(tick).or_default().push(Scheduled {
            event_type: event_type.to_owned(),
            data_json,
            parent: parent.cloned(),
        });
        Ok(())
    }

    /// Takes what is due at or before `tick`.
    pub fn take_due(&mut self, tick: i64) -> Vec<Scheduled> {
        let later = self.due.split_off(&(tick + 1));
        let due = std::mem::replace(&mut self.due, later);
        due.into_values().flatten().collect()
    }

    /// Number of events waiting.
    pub fn len(&self) -> usize {
        self.due.values().map(Vec::len).sum()
    }

    /// True when nothing waits.
    pub fn is_empty(&self) -> bool {
        self.due.is_empty()
    }
}

/// A simulation: its state is the bus's shared state, so its handlers
/// reach it through `ctx.state()`.
pub trait Simulation: Sized + 'static {
    /// Registers the handlers.
    fn subscribe(bus: &mut EventBus<Self>);
    /// Does one tick's own work (publishing the tick's root events).
    fn tick(bus: &mut EventBus<Self>) -> Result<(), PublishError>;
    /// Runs after the tick's work, before the hook: end-of-tick summaries
    /// (the demos publish their `analytics.dropped` count here).
    fn end_tick(_bus: &mut EventBus<Self>) -> Result<(), PublishError> {
        Ok(())
    }
    /// The events waiting for later ticks.
    fn schedule(&mut self) -> &mut Schedule;
    /// The whole state rebuilt from a saved log, when it is a projection of
    /// the log (nothing random still to come from the seed's stream, nothing
    /// scheduled that the log does not show): lets [`Runner::resume_from`] skip
    /// re-running. `None` (the default) makes it re-run from the start.
    fn restore(_saved: &EventLog) -> Option<Self> {
        None
    }
}

/// Why [`Runner::resume_from`] could not resume a saved run.
///
/// ```
/// use tickcascade::sim::ResumeError;
/// fn explain(e: &ResumeError) -> String { e.to_string() }
/// ```
#[derive(Debug)]
#[non_exhaustive]
pub enum ResumeError {
    /// Re-running failed to publish.
    Publish(PublishError),
    /// The re-run did not reproduce the saved events (another seed, other
    /// parameters, or code that changed): where they first differ.
    Diverged(Box<crate::replay::Divergence>),
}

impl std::fmt::Display for ResumeError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            ResumeError::Publish(e) => write!(f, "re-running the saved run failed: {e}"),
            ResumeError::Diverged(d) => write!(
                f,
                "re-running does not reproduce the saved log: they first differ at tick {}",
                d.tick
            ),
        }
    }
}

impl std::error::Error for ResumeError {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        match self {
            ResumeError::Publish(e) => Some(e),
            ResumeError::Diverged(_) => None,
        }
    }
}

impl From<PublishError> for ResumeError {
    fn from(e: PublishError) -> Self {
        ResumeError::Publish(e)
    }
}

/// How fast ticks run.
#[derive(Clone, Copy, Debug, PartialEq, Default)]
pub enum Pacing {
    /// As fast as possible (default).
    #[default]
    Unpaced,
    /// At most this many ticks per wall-clock second (real-time games).
    TicksPerSecond(f64),
}

/// What the after-tick hook tells the runner.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Flow {
    /// Go on.
    Continue,
    /// Stop `run_until`/`run_for` after this tick; `resume()` clears it.
    Pause,
}

type AfterTick<S> = Box<dyn FnMut(&EventBus<S>, i64) -> Flow>;

/// Owns the bus (and so the log) of a simulation and steps it.
///
/// ```
/// use tickcascade::sim::{Runner, Schedule, Simulation};
/// use tickcascade::{EventBus, PublishError};
///
/// #[derive(Default)]
/// struct Mine { gold: u64, schedule: Schedule }
/// impl Simulation for Mine {
///     fn subscribe(bus: &mut EventBus<Self>) {
///         bus.subscribe("gold.found", |ctx, _| {
///             ctx.state().gold += 1;
///             Ok(())
///         });
///     }
///     fn tick(bus: &mut EventBus<Self>) -> Result<(), PublishError> {
///         bus.publish("gold.found", &1).map(|_| ())
///     }
///     fn schedule(&mut self) -> &mut Schedule { &mut self.schedule }
/// }
/// let mut runner = Runner::new(Mine::default());
/// runner.run_for(5)?;
/// assert_eq!(runner.bus().log().current_tick(), 5);
/// assert_eq!(runner.bus().state().gold, 5);
/// # Ok::<(), tickcascade::PublishError>(())
/// ```
pub struct Runner<S: Simulation> {
    bus: EventBus<S>,
    pacing: Pacing,
    paused: bool,
    after_tick: Option<AfterTick<S>>,
    last_tick_at: Option<Instant>,
}

/// The clock the demos use: one second per tick, one microsecond per event
/// within a tick, from 2026-01-01T00:00:00Z.
pub const DEMO_CLOCK: Clock = Clock::Ticks {
    start_micros: 1_767_225_600_000_000,
    tick_micros: 1_000_000,
    step_micros: 1,
};

impl<S: Simulation> Runner<S> {
    /// A runner with a fresh log on the deterministic [`DEMO_CLOCK`].
    pub fn new(sim: S) -> Runner<S> {
        Runner::with_log(sim, EventLog::with_clock(DEMO_CLOCK))
    }

    /// A runner over a given log (attach a `LiveWriter` to it first to
    /// stream the run to a file).
    pub fn with_log(sim: S, log: EventLog) -> Runner<S> {
        let mut bus = EventBus::with_state(log, sim);
        S::subscribe(&mut bus);
        Runner {
            bus,
            pacing: Pacing::Unpaced,
            paused: false,
            after_tick: None,
            last_tick_at: None,
        }
    }

    /// Resumes a saved run so that it continues as if it had never stopped.
    /// `fresh` is the simulation built as the run began (same seed and
    /// parameters: the demos record them in their start event); `saved` is
    /// the run's log, loaded. When [`Simulation::restore`] rebuilds the state
    /// from the log, the runner continues over `saved` itself; otherwise it
    /// re-runs `fresh` through the last saved tick, checks with
    /// [`first_difference`](crate::replay::first_difference) that the re-run
    /// reproduces every saved event (ids, data, parents, timestamps), and
    /// continues from there. Either way the next tick is the one after the
    /// last saved event's (ticks after it left nothing in the file).
    ///
    /// ```
    /// use tickcascade::sim::{Runner, Schedule, Simulation};
    /// use tickcascade::{EventBus, EventLog, PublishError};
    ///
    /// #[derive(Default)]
    /// struct Clock { ticks: u64, schedule: Schedule }
    /// impl Simulation for Clock {
    ///     fn subscribe(bus: &mut EventBus<Self>) {
    ///         bus.subscribe("tick", |ctx, _| { ctx.state().ticks += 1; Ok(()) });
    ///     }
    ///     fn tick(bus: &mut EventBus<Self>) -> Result<(), PublishError> {
    ///         bus.publish("tick", &()).map(|_| ())
    ///     }
    ///     fn schedule(&mut self) -> &mut Schedule { &mut self.schedule }
    /// }
    /// let mut first = Runner::new(Clock::default());
    /// first.run_for(5)?;
    /// let saved = first.into_parts().0; // as if saved and loaded
    /// let mut resumed = Runner::resume_from(Clock::default(), saved)?;
    /// resumed.run_for(5)?;
    /// assert_eq!(resumed.bus().state().ticks, 10);
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn resume_from(fresh: S, saved: EventLog) -> Result<Runner<S>, ResumeError> {
        let next = saved
            .events()
            .iter()
            .map(|e| e.tick())
            .max()
            .map_or(0, |t| t + 1);
        if let Some(state) = S::restore(&saved) {
            let mut log = saved;
            log.set_clock(DEMO_CLOCK);
            while log.current_tick() < next {
                log.advance_tick();
            }
            return Ok(Runner::with_log(state, log));
        }
        let mut runner = Runner::new(fresh);
        runner.run_until(next)?;
        match crate::replay::first_difference(&saved, runner.bus().log(), false) {
            Some(d) => Err(ResumeError::Diverged(Box::new(d))),
            None => Ok(runner),
        }
    }

    /// Sets the pacing.
    pub fn set_pacing(&mut self, pacing: Pacing) {
        self.pacing = pacing;
    }

    /// Calls `hook` after every tick with the bus and the tick that ended
    /// (for snapshots, delivery, rendering); it may pause the run.
    pub fn set_after_tick(&mut self, hook: impl FnMut(&EventBus<S>, i64) -> Flow + 'static) {
        self.after_tick = Some(Box::new(hook));
    }

    /// Runs one tick: due scheduled events, then the simulation's work and
    /// its end of tick, then the hook, then the tick advances. Returns the
    /// tick that ran.
    pub fn step(&mut self) -> Result<i64, PublishError> {
        self.pace();
        let tick = self.bus.log().current_tick();
        for s in self.bus.state_mut().schedule().take_due(tick) {
            self.bus
                .publish_json(&s.event_type, &s.data_json, s.parent.as_ref())?;
        }
        S::tick(&mut self.bus)?;
        S::end_tick(&mut self.bus)?;
        if let Some(hook) = &mut self.after_tick
            && hook(&self.bus, tick) == Flow::Pause
        {
            self.paused = true;
        }
        self.bus.advance_tick();
        Ok(tick)
    }

    fn pace(&mut self) {
        let Pacing::TicksPerSecond(rate) = self.pacing else {
            return;
        };
        let period = (rate > 0.0)
            .then(|| Duration::try_from_secs_f64(1.0 / rate).ok())
            .flatten();
        let next = period.and_then(|p| self.last_tick_at.and_then(|last| last.checked_add(p)));
        if let Some(next) = next {
            let now = Instant::now();
            if next > now {
                std::thread::sleep(next - now);
            }
        }
        self.last_tick_at = Some(Instant::now());
    }

    /// Runs until the current tick reaches `tick` (or a pause).
    pub fn run_until(&mut self, tick: i64) -> Result<(), PublishError> {
        while self.bus.log().current_tick() < tick && !self.paused {
            self.step()?;
        }
        Ok(())
    }

    /// Runs `n` more ticks (or until a pause).
    pub fn run_for(&mut self, n: i64) -> Result<(), PublishError> {
        let target = self.bus.log().current_tick().saturating_add(n);
        self.run_until(target)
    }

    /// Pauses: `run_until`/`run_for` return before the next tick.
    pub fn pause(&mut self) {
        self.paused = true;
    }

    /// Clears a pause.
    pub fn resume(&mut self) {
        self.paused = false;
    }

    /// True while paused.
    pub fn is_paused(&self) -> bool {
        self.paused
    }

    /// The bus (log and simulation state).
    pub fn bus(&self) -> &EventBus<S> {
        &self.bus
    }

    /// The bus, mutably (to publish from outside, or reach the log).
    pub fn bus_mut(&mut self) -> &mut EventBus<S> {
        &mut self.bus
    }

    /// Ends the run: the log and the simulation.
    pub fn into_parts(self) -> (EventLog, S) {
        self.bus.into_parts()
    }
}
