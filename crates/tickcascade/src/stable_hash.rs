//! `stable_hash`: a hash of bytes that never changes between machines,
//! releases or processes (run ids, state hashes, insert ids).

/// A stable 64-bit hash (FNV-1a) of bytes, hex-formatted: run ids and state
/// hashes that do not change between machines or releases.
///
/// ```
/// assert_eq!(tickcascade::stable_hash(b""), "cbf29ce484222325");
/// ```
pub fn stable_hash(bytes: &[u8]) -> String {
    let mut h: u64 = 0xcbf2_9ce4_8422_2325;
    for &b in bytes {
        h ^= u64::from(b);
        h = h.wrapping_mul(0x0100_0000_01b3);
    }
    format!("{h:016x}")
}
