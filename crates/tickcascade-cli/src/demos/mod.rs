//! The two demo simulations, an adventure game and a trading bot, with
//! their projections; `tickcascade demo` and `tickcascade sweep` run them
//! from a seed, and the examples show them from code.

pub mod adventure;
pub mod trading;
