/work/main/tests/embedding/target/release/deps/tickcascade_embedding_check-0fb7687607b079ad.d: src/main.rs

/work/main/tests/embedding/target/release/deps/tickcascade_embedding_check-0fb7687607b079ad: src/main.rs

src/main.rs:
