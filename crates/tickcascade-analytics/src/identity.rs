//! Who is being tracked and in which session: anonymous id (UUID v4), user
//! id, traits, consent, and a session id rotated after inactivity.

use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

use tickcascade::sim::SimRng;

/// Where UUIDs come from: a seeded generator (reproducible runs) or the
/// operating system's randomness mixed with the time (everything else).
#[derive(Clone, Debug)]
pub struct IdSource(SimRng);

impl IdSource {
    /// Reproducible ids from `seed`.
    pub fn seeded(seed: u64) -> IdSource {
        IdSource(SimRng::new(seed ^ 0x616e_616c_7974_6963))
    }

    /// Ids that differ between runs (time, process id and an address).
    pub fn random() -> IdSource {
        let nanos = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map_or(0, |d| d.as_nanos() as u64);
        let local = 0u8;
        let addr = &local as *const u8 as u64;
        IdSource(SimRng::new(
            nanos ^ (u64::from(std::process::id()) << 32) ^ addr.rotate_left(17),
        ))
    }

    /// A UUID version 4 in its usual lowercase text form.
    pub fn uuid_v4(&mut self) -> String {
        let hi = self.0.next_u64();
        let lo = self.0.next_u64();
        let mut b = [0u8; 16];
        b[..8].copy_from_slice(&hi.to_be_bytes());
        b[8..].copy_from_slice(&lo.to_be_bytes());
        b[6] = (b[6] & 0x0f) | 0x40; // version 4
        b[8] = (b[8] & 0x3f) | 0x80; // RFC 4122 variant
        let hex: String = b.iter().map(|x| format!("{x:02x}")).collect();
        format!(
            "{}-{}-{}-{}-{}",
            &hex[..8],
            &hex[8..12],
            &hex[12..16],
            &hex[16..20],
            &hex[20..]
        )
    }
}

/// Whether the consent flags of a logged message grant `key`, by the rule
/// of [`IdentityState::consents`]; flags that are not an object (but
/// present) revoke everything: consent fails closed.
///
/// ```
/// use serde_json::json;
/// use tickcascade_analytics::consent_granted;
/// assert!(consent_granted(&json!({"analytics": true}), "analytics"));
/// assert!(consent_granted(&json!({}), "collector"));
/// assert!(consent_granted(&json!(null), "collector"));
/// for revoked in [json!(false), json!(null), json!("false"), json!(0), json!("true")] {
///     assert!(!consent_granted(&json!({"collector": revoked}), "collector"));
/// }
/// assert!(!consent_granted(&json!("yes"), "collector"));
/// ```
pub fn consent_granted(consent: &Value, key: &str) -> bool {
    match consent {
        Value::Null => true,
        Value::Object(flags) => flags.get(key).is_none_or(|v| *v == Value::Bool(true)),
        _ => false,
    }
}

/// The state the analytics front keeps, and that replay rebuilds from the
/// logged events alone.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct IdentityState {
    /// The id used before (and besides) a user id.
    pub anonymous_id: String,
    /// The identified user, after `identify`.
    pub user_id: Option<String>,
    /// Traits given by `identify`.
    pub traits: Map<String, Value>,
    /// The current session.
    pub session_id: String,
    /// Seconds (analytics clock) of the last logged call.
    pub last_activity: Option<f64>,
    /// Consent flags: `analytics` gates logging; other keys are destinations.
    pub consent: Map<String, Value>,
}

impl IdentityState {
    /// Whether `key` is consented: a flag that is present grants only when
    /// it is `true` (`false`, `null`, `"false"`, `0` all revoke); an absent
    /// flag keeps the default (granted).
    pub fn consents(&self, key: &str) -> bool {
        self.consent
            .get(key)
            .is_none_or(|v| *v == Value::Bool(true))
    }

    /// Rotates the session when the gap since the last activity exceeds
    /// `timeout` seconds (a gap of exactly `timeout` keeps it). Returns true
    /// when a new session started.
    pub fn touch(&mut self, now: f64, timeout: f64, ids: &mut IdSource) -> bool {
        let expired = match self.last_activity {
            None => true,
            Some(last) => now - last > timeout,
        };
        if expired || self.session_id.is_empty() {
            self.session_id = ids.uuid_v4();
        }
        self.last_activity = Some(now);
        expired
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn uuids_are_version_4_and_reproducible_when_seeded() {
        let (mut a, mut b) = (IdSource::seeded(1), IdSource::seeded(1));
        let u = a.uuid_v4();
        assert_eq!(u, b.uuid_v4());
        assert_eq!(u.len(), 36);
        assert_eq!(&u[14..15], "4");
        assert!(matches!(&u[19..20], "8" | "9" | "a" | "b"));
        assert_ne!(IdSource::random().uuid_v4(), IdSource::random().uuid_v4());
    }

    #[test]
    fn a_session_survives_exactly_the_timeout_and_rotates_just_past_it() {
        let mut ids = IdSource::seeded(0);
        let mut s = IdentityState::default();
        assert!(s.touch(0.0, 1800.0, &mut ids));
        let first = s.session_id.clone();
        assert!(!s.touch(1800.0, 1800.0, &mut ids));
        assert_eq!(s.session_id, first);
        assert!(s.touch(3600.5, 1800.0, &mut ids));
        assert_ne!(s.session_id, first);
    }
}
