//! tickcascade-cli: the `tickcascade` command line over the workspace's
//! crates, and the two demo simulations it runs.
//!
//! # Layout
//! - `cli`: one file per subcommand (`view.rs` has cascade and show,
//!   `demo.rs` has demo and replay); `input.rs` reads logs with the shared
//!   flags; `mod.rs` parses arguments and maps every error to a one-line
//!   message and an exit code ([`run`]).
//! - [`demos`]: the adventure game and the trading bot, with their
//!   projections (`cargo run --example adventure_game`).
//!
//! # Example
//! ```
//! use tickcascade::sim::Runner;
//! use tickcascade_cli::demos::adventure::Adventure;
//!
//! let mut runner = Runner::new(Adventure::new(7, Default::default()));
//! runner.run_for(5)?;
//! assert!(!runner.bus().log().is_empty());
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```

#![forbid(unsafe_code)]
#![warn(missing_docs)]

mod cli;
pub mod demos;

pub use cli::main as run;
