//! The trading bot, seeded and reproducible: runs it, shows its signals and
//! fills, and the portfolio rebuilt from the log.
//!
//! ```text
//! cargo run --example crypto_trading_bot -- [SEED] [TICKS]
//! ```

use tickcascade::EventQuery;
use tickcascade::replay::replay;
use tickcascade::sim::Runner;
use tickcascade_cli::demos::trading::{Portfolio, Trading};

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let mut args = std::env::args().skip(1);
    let seed: u64 = args.next().map_or(Ok(0), |s| s.parse())?;
    let ticks: i64 = args.next().map_or(Ok(100), |s| s.parse())?;
    let mut runner = Runner::new(Trading::new(seed, Default::default()));
    runner.run_for(ticks)?;
    let log = runner.bus().log();
    let q = EventQuery::new(log);
    for e in q
        .by_type("strategy.signal")
        .chain(q.by_type("order.filled"))
    {
        println!(
            "tick {:>3}  {:<16} {}",
            e.tick(),
            e.event_type(),
            e.data_json()
        );
    }
    for (ty, n) in q.count_by_type() {
        println!("{ty:<22} {n}");
    }
    let portfolio = replay::<Portfolio>(log, None)?.state;
    assert_eq!(
        portfolio,
        runner.bus().state().portfolio,
        "the log rebuilds the live portfolio"
    );
    println!(
        "cash {:.2}, value {:.2}, holdings {:?}",
        portfolio.cash,
        portfolio.value(),
        portfolio.holdings
    );
    Ok(())
}
