//! The adventure game, seeded and reproducible: runs it, prints the cascade
//! viewer, then the state rebuilt from the log.
//!
//! ```text
//! cargo run --example adventure_game -- [SEED] [TICKS]
//! ```

use tickcascade::replay::replay;
use tickcascade::sim::Runner;
use tickcascade::{EventQuery, ViewOptions};
use tickcascade_cli::demos::adventure::{Adventure, GameState};

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let mut args = std::env::args().skip(1);
    let seed: u64 = args.next().map_or(Ok(0), |s| s.parse())?;
    let ticks: i64 = args.next().map_or(Ok(40), |s| s.parse())?;
    let mut runner = Runner::new(Adventure::new(seed, Default::default()));
    runner.run_for(ticks)?;
    let log = runner.bus().log();
    EventQuery::new(log).print_event_cascade(std::io::stdout().lock(), &ViewOptions::default())?;
    let rebuilt = replay::<GameState>(log, None)?.state;
    assert_eq!(
        rebuilt,
        runner.bus().state().state,
        "the log rebuilds the live state"
    );
    println!("\n{}", serde_json::to_string_pretty(&rebuilt)?);
    Ok(())
}
