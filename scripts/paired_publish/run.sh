#!/bin/sh
# Paired publish timing of two revisions of this crate in one process.
#
#   scripts/paired_publish/run.sh REV_A [REV_B]
#
# REV_A and REV_B are git revisions (REV_B defaults to the working tree).
# Each is copied to target/paired/{a,b} as a package of its own
# (tickcascade_a, tickcascade_b); one binary links both and runs the
# workload's 100x1000 publish through each alternately (REPS pairs, default
# 100), printing each side's p10 and median and the median of the paired
# ratios b/a. Slow spells of a shared VM last seconds, so they fall on both
# sides of a pair alike; unpaired runs of one binary differ by up to 12% here.
set -e
ROOT=$(cd "$(dirname "$0")/../.." && pwd)
WORK=$ROOT/target/paired
mkdir -p "$WORK"
variant() { # NAME [REV]
    D=$WORK/$1; rm -rf "$D"; mkdir -p "$D"
    if [ -n "$2" ]; then (cd "$ROOT" && git archive "$2" src Cargo.toml) | tar -x -C "$D"
    else cp -r "$ROOT/src" "$ROOT/Cargo.toml" "$D/"; fi
    # Rename the package; drop dev-dependencies, benches and profiles.
    sed -i "0,/^name = \"tickcascade\"/s//name = \"tickcascade_$1\"/" "$D/Cargo.toml"
    sed -i '/^\[dev-dependencies\]/,$d' "$D/Cargo.toml"
}
variant a "$1"
variant b "$2"
cp -r "$ROOT/scripts/paired_publish/src" "$WORK/"
cat > "$WORK/Cargo.toml" <<TOML
[package]
name = "paired_publish"
version = "0.1.0"
edition = "2024"

[dependencies]
a = { path = "a", package = "tickcascade_a" }
b = { path = "b", package = "tickcascade_b" }
serde = { version = "1", features = ["derive"] }

[workspace]

[profile.release]
debug = "line-tables-only"
TOML
cp "$ROOT/Cargo.lock" "$WORK/"
cd "$WORK" && cargo build --release --quiet && ./target/release/paired_publish
