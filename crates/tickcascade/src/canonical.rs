//! Reading event data as the log stores it: canonical JSON text, exactly the
//! bytes Eventure's `json.dumps` writes (`Event::data_json`). For crates
//! that print, export or map event data without decoding it into a value.
//!
//! ```
//! use tickcascade::canonical::{Token, Tokens, for_each_member, push_py_str};
//! let text = r#"{"name": "hero", "hp": [1, 2.5]}"#;
//! let mut members = Vec::new();
//! for_each_member(text, |key, value| members.push((key, value)));
//! assert_eq!(members, [("name", "\"hero\""), ("hp", "[1, 2.5]")]);
//! assert_eq!(Tokens::new("[true]").collect::<Vec<_>>(),
//!            [Token::Open(false), Token::Scalar("true"), Token::Close]);
//! let mut py = String::new();
//! push_py_str(&mut py, text);
//! assert_eq!(py, "{'name': 'hero', 'hp': [1, 2.5]}");
//! ```

pub use crate::json::pyfmt::{push_py_str, push_raw_str};
pub use crate::json::tokens::{Token, Tokens, for_each_member};
