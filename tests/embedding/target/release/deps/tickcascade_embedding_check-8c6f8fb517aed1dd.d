/work/main/tests/embedding/target/release/deps/tickcascade_embedding_check-8c6f8fb517aed1dd.d: src/main.rs

/work/main/tests/embedding/target/release/deps/tickcascade_embedding_check-8c6f8fb517aed1dd: src/main.rs

src/main.rs:
