/work/main/tests/embedding/target/release/deps/psm-43f122ed14844b0f.d: /root/.cargo/registry/src/index.crates.io-1949cf8c6b5b557f/psm-0.1.32/src/lib.rs

/work/main/tests/embedding/target/release/deps/libpsm-43f122ed14844b0f.rlib: /root/.cargo/registry/src/index.crates.io-1949cf8c6b5b557f/psm-0.1.32/src/lib.rs

/work/main/tests/embedding/target/release/deps/libpsm-43f122ed14844b0f.rmeta: /root/.cargo/registry/src/index.crates.io-1949cf8c6b5b557f/psm-0.1.32/src/lib.rs

/root/.cargo/registry/src/index.crates.io-1949cf8c6b5b557f/psm-0.1.32/src/lib.rs:
