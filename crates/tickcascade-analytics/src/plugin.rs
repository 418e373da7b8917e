//! Filters and plugins. Plugins are destinations: subscribers on
//! `analytics.*` with `init` and `handle`. A plugin that fails or panics is
//! isolated: caught, counted, reported once with its name; the other plugins
//! still run and the bus and log stay consistent.

use crate::AnalyticsHost;
use serde_json::Value;
use std::io::Write;
use std::panic::{AssertUnwindSafe, catch_unwind};
use tickcascade::canonical::{for_each_member, push_py_str};
use tickcascade::{Event, EventBus};

/// A filter: `Some(reason)` drops the message (counted by reason).
pub type Filter = Box<dyn Fn(&Value) -> Option<String>>;

/// A destination for analytics messages.
pub trait Plugin {
    /// The name used in reports.
    fn name(&self) -> &str;
    /// The consent flag that gates this destination (a message whose
    /// `consent` has it present and not `true` is not given to the plugin).
    fn destination(&self) -> Option<&str> {
        None
    }
    /// Called once when installed.
    fn init(&mut self) -> Result<(), String> {
        Ok(())
    }
    /// Called for every `analytics.*` event, with its data.
    fn handle(&mut self, event: &Event, message: &Value) -> Result<(), String>;
}

pub(crate) struct Slot {
    pub(crate) plugin: Box<dyn Plugin>,
    pub(crate) failures: u64,
    enabled: bool,
}

impl Slot {
    pub(crate) fn new(plugin: Box<dyn Plugin>) -> Slot {
        Slot {
            plugin,
            failures: 0,
            enabled: true,
        }
    }
}

fn panic_text(p: &(dyn std::any::Any + Send)) -> String {
    p.downcast_ref::<&str>()
        .map(|s| (*s).to_owned())
        .or_else(|| p.downcast_ref::<String>().cloned())
        .unwrap_or_else(|| "a panic".into())
}

/// Initializes the plugins added so far and subscribes them to `analytics.*`.
pub fn install_plugins<S: AnalyticsHost + 'static>(bus: &mut EventBus<S>) {
    let analytics = bus.state_mut().analytics();
    let mut failed = Vec::new();
    for slot in &mut analytics.plugins {
        let name = slot.plugin.name().to_owned();
        match catch_unwind(AssertUnwindSafe(|| slot.plugin.init())) {
            Ok(Ok(())) => {}
            Ok(Err(e)) => failed.push(format!("plugin {name} failed to start: {e}; disabled")),
            Err(p) => failed.push(format!(
                "plugin {name} panicked starting: {}; disabled",
                panic_text(&*p)
            )),
        }
        if failed
            .last()
            .is_some_and(|m| m.contains(&format!("plugin {name} ")))
        {
            slot.enabled = false;
            slot.failures += 1;
        }
    }
    for m in failed {
        analytics.warn(m);
    }
    bus.subscribe("analytics.*", |ctx, e| {
        let mut plugins = std::mem::take(&mut ctx.state().analytics().plugins);
        let message: Value = e.data_as().unwrap_or(Value::Null);
        let mut reports = Vec::new();
        for slot in plugins.iter_mut().filter(|s| s.enabled) {
            let gated = slot
                .plugin
                .destination()
                .is_some_and(|d| !crate::identity::consent_granted(&message["consent"], d));
            if gated {
                continue;
            }
            let outcome = catch_unwind(AssertUnwindSafe(|| slot.plugin.handle(e, &message)));
            let problem = match outcome {
                Ok(Ok(())) => None,
                Ok(Err(why)) => Some(format!("plugin {} failed: {why}", slot.plugin.name())),
                Err(p) => Some(format!(
                    "plugin {} panicked: {}",
                    slot.plugin.name(),
                    panic_text(&*p)
                )),
            };
            if let Some(p) = problem {
                slot.failures += 1;
                reports.push(p);
            }
        }
        let analytics = ctx.state().analytics();
        // Plugins added while dispatching go after the ones that were here.
        plugins.append(&mut analytics.plugins);
        analytics.plugins = plugins;
        for r in reports {
            analytics.warn(r);
        }
        Ok(())
    });
}

/// Prints one line per message, as the seed's console logger does:
/// `[track] room_entered props={'room': 'hallway'} user=player-1 session=…`.
pub struct ConsoleDestination {
    out: Box<dyn Write>,
}

impl ConsoleDestination {
    /// A destination printing each message to `out`.
    pub fn new(out: Box<dyn Write>) -> ConsoleDestination {
        ConsoleDestination { out }
    }

    /// Printing to stdout.
    pub fn stdout() -> ConsoleDestination {
        ConsoleDestination::new(Box::new(std::io::stdout()))
    }
}

impl Plugin for ConsoleDestination {
    fn name(&self) -> &str {
        "console"
    }

    fn destination(&self) -> Option<&str> {
        Some("console")
    }

    fn handle(&mut self, event: &Event, message: &Value) -> Result<(), String> {
        // Python's str() of each field, read from the event's canonical data.
        let mut fields: [String; 4] = Default::default();
        for_each_member(event.data_json(), |key, value| {
            let slot = match key {
                "name" => 0,
                "properties" => 1,
                "user_id" => 2,
                "session_id" => 3,
                _ => return,
            };
            push_py_str(&mut fields[slot], value);
        });
        for f in &mut fields {
            if f.is_empty() {
                f.push_str("None");
            }
        }
        let kind = message["type"]
            .as_str()
            .unwrap_or_else(|| event.event_type());
        let [name, props, user, session] = &fields;
        let line = format!("[{kind}] {name} props={props} user={user} session={session}\n");
        self.out
            .write_all(line.as_bytes())
            .map_err(|e| e.to_string())
    }
}
