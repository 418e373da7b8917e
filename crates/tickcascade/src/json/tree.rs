//! A flat (arena) tree over canonical JSON text, for the two jobs that need
//! structure rather than a token stream: collapsing duplicate object keys
//! and Python's `==` between values. Nodes live in one `Vec`, so neither
//! building, walking nor dropping a tree recurses on depth.

use super::tokens::{Token, Tokens};
use std::collections::HashMap;

#[derive(Clone, Copy, Debug, PartialEq)]
enum Kind<'a> {
    Scalar(&'a str),
    Str(&'a str),
    Array,
    Object,
}

#[derive(Debug)]
struct Node<'a> {
    kind: Kind<'a>,
    /// The member key (escaped body) when this node is an object member.
    key: Option<&'a str>,
    children: Vec<u32>,
}

struct Tree<'a> {
    nodes: Vec<Node<'a>>,
}

impl<'a> Tree<'a> {
    /// Builds the tree; within an object a repeated key replaces the earlier
    /// value in place (Python's `json.loads`: last value, first position).
    fn parse(text: &'a str) -> Tree<'a> {
        let mut nodes: Vec<Node<'a>> = Vec::new();
        // Open containers: node index and, for objects, key -> child slot.
        let mut open: Vec<(u32, HashMap<&'a str, usize>)> = Vec::new();
        let mut pending_key: Option<&'a str> = None;
        for token in Tokens::new(text) {
            let in_object = open
                .last()
                .is_some_and(|(n, _)| nodes[*n as usize].kind == Kind::Object);
            if let Token::Str(s) = token
                && in_object
                && pending_key.is_none()
            {
                pending_key = Some(s);
                continue;
            }
            let kind = match token {
                Token::Close => {
                    open.pop();
                    continue;
                }
                Token::Open(true) => Kind::Object,
                Token::Open(false) => Kind::Array,
                Token::Str(s) => Kind::Str(s),
                Token::Scalar(s) => Kind::Scalar(s),
            };
            let index = nodes.len() as u32;
            let key = pending_key.take();
            nodes.push(Node {
                kind,
                key,
                children: Vec::new(),
            });
            if let Some((parent, slots)) = open.last_mut() {
                let children = &mut nodes[*parent as usize].children;
                match key.and_then(|k| slots.get(k).copied()) {
                    Some(slot) => children[slot] = index,
                    None => {
                        if let Some(k) = key {
                            slots.insert(k, children.len());
                        }
                        children.push(index);
                    }
                }
            }
            if matches!(kind, Kind::Object | Kind::Array) {
                open.push((index, HashMap::new()));
            }
        }
        Tree { nodes }
    }

    /// Writes the tree (from the root) back as canonical text.
    fn write(&self, out: &mut String) {
        if self.nodes.is_empty() {
            return;
        }
        if !self.open_node(0, out) {
            return;
        }
        let mut stack: Vec<(u32, usize)> = vec![(0, 0)];
        while let Some((node, next)) = stack.last_mut() {
            let n = &self.nodes[*node as usize];
            if *next == n.children.len() {
                out.push(if n.kind == Kind::Object { '}' } else { ']' });
                stack.pop();
                continue;
            }
            if *next > 0 {
                out.push_str(", ");
            }
            let child = n.children[*next];
            *next += 1;
            let c = &self.nodes[child as usize];
            if let Some(k) = c.key {
                out.push('"');
                out.push_str(k);
                out.push_str("\": ");
            }
            if self.open_node(child, out) {
                stack.push((child, 0));
            }
        }
    }

    /// Writes a scalar, or the opening bracket of a container (returns true).
    fn open_node(&self, index: u32, out: &mut String) -> bool {
        match self.nodes[index as usize].kind {
            Kind::Scalar(s) => out.push_str(s),
            Kind::Str(s) => {
                out.push('"');
                out.push_str(s);
                out.push('"');
            }
            Kind::Array => {
                out.push('[');
                return true;
            }
            Kind::Object => {
                out.push('{');
                return true;
            }
        }
        false
    }
}

/// Rewrites canonical text whose objects repeat keys so that each key
/// appears once, holding its last value, at its first position.
pub(crate) fn dedup_keys(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    Tree::parse(text).write(&mut out);
    out
}

/// A number as Python compares it.
enum Numeric<'a> {
    Int(&'a str),
    Float(f64),
}

fn numeric(kind: Kind<'_>) -> Option<Numeric<'_>> {
    match kind {
        Kind::Scalar("true") => Some(Numeric::Int("1")),
        Kind::Scalar("false") => Some(Numeric::Int("0")),
        Kind::Scalar("null") => None,
        Kind::Scalar("NaN") => Some(Numeric::Float(f64::NAN)),
        Kind::Scalar("Infinity") => Some(Numeric::Float(f64::INFINITY)),
        Kind::Scalar("-Infinity") => Some(Numeric::Float(f64::NEG_INFINITY)),
        Kind::Scalar(s) if s.contains(['.', 'e']) => s.parse().ok().map(Numeric::Float),
        Kind::Scalar(s) => Some(Numeric::Int(s)),
        _ => None,
    }
}

/// An integral float against an integer's decimal text, exactly.
fn int_equals_float(int: &str, f: f64) -> bool {
    if !f.is_finite() || f.fract() != 0.0 {
        return false;
    }
    if let (Ok(i), true) = (int.parse::<i128>(), f.abs() < 1e38) {
        return i == f as i128;
    }
    // Rust prints the exact decimal value of a float with `{:.0}`.
    let exact = format!("{f:.0}");
    exact == int || (exact == "-0" && int == "0")
}

fn scalars_equal(a: Kind<'_>, b: Kind<'_>) -> bool {
    match (a, b) {
        (Kind::Str(x), Kind::Str(y)) => x == y,
        (Kind::Str(_), _) | (_, Kind::Str(_)) => false,
        (Kind::Scalar("null"), Kind::Scalar(y)) => y == "null",
        (Kind::Scalar(_), Kind::Scalar("null")) => false,
        _ => match (numeric(a), numeric(b)) {
            (Some(Numeric::Int(x)), Some(Numeric::Int(y))) => x == y,
            (Some(Numeric::Float(x)), Some(Numeric::Float(y))) => x == y,
            (Some(Numeric::Int(i)), Some(Numeric::Float(f)))
            | (Some(Numeric::Float(f)), Some(Numeric::Int(i))) => int_equals_float(i, f),
            _ => false,
        },
    }
}

/// Python's `==` between two canonical JSON values: `1 == 1.0 == true`,
/// `null` equals only `null`, NaN equals nothing, object key order is
/// irrelevant, containers compare deeply.
pub(crate) fn py_equal(a: &str, b: &str) -> bool {
    if a == b && !a.contains("NaN") {
        return true;
    }
    let (ta, tb) = (Tree::parse(a), Tree::parse(b));
    if ta.nodes.is_empty() || tb.nodes.is_empty() {
        return false;
    }
    let mut pending: Vec<(u32, u32)> = vec![(0, 0)];
    while let Some((x, y)) = pending.pop() {
        let (nx, ny) = (&ta.nodes[x as usize], &tb.nodes[y as usize]);
        match (nx.kind, ny.kind) {
            (Kind::Array, Kind::Array) => {
                if nx.children.len() != ny.children.len() {
                    return false;
                }
                pending.extend(nx.children.iter().copied().zip(ny.children.iter().copied()));
            }
            (Kind::Object, Kind::Object) => {
                if nx.children.len() != ny.children.len() {
                    return false;
                }
                let by_key: HashMap<&str, u32> = ny
                    .children
                    .iter()
                    .map(|&c| (tb.nodes[c as usize].key.unwrap_or(""), c))
                    .collect();
                for &c in &nx.children {
                    match by_key.get(ta.nodes[c as usize].key.unwrap_or("")) {
                        Some(&d) => pending.push((c, d)),
                        None => return false,
                    }
                }
            }
            (Kind::Array | Kind::Object, _) | (_, Kind::Array | Kind::Object) => return false,
            (ka, kb) => {
                if !scalars_equal(ka, kb) {
                    return false;
                }
            }
        }
    }
    true
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dedup_keeps_first_position_and_last_value() {
        assert_eq!(
            dedup_keys(r#"{"a": 1, "b": {"c": 1, "c": 2}, "a": [3]}"#),
            r#"{"a": [3], "b": {"c": 2}}"#
        );
        assert_eq!(dedup_keys("[]"), "[]");
        assert_eq!(dedup_keys("5"), "5");
    }

    #[test]
    fn equality_follows_python() {
        let eq = [
            ("1", "1.0"),
            ("1", "true"),
            ("0", "false"),
            ("0.0", "false"),
            ("-0.0", "0"),
            ("null", "null"),
            (r#"{"a": 1, "b": [2]}"#, r#"{"b": [2.0], "a": true}"#),
            ("9007199254740992", "9007199254740992.0"),
        ];
        for (a, b) in eq {
            assert!(py_equal(a, b), "{a} == {b}");
            assert!(py_equal(b, a), "{b} == {a}");
        }
        let ne = [
            ("\"1\"", "1"),
            ("null", "0"),
            ("NaN", "NaN"),
            ("[1]", "[1, 2]"),
            ("9007199254740993", "9007199254740992.0"),
            (r#"{"a": 1}"#, r#"{"b": 1}"#),
            ("1.5", "1"),
        ];
        for (a, b) in ne {
            assert!(!py_equal(a, b), "{a} != {b}");
        }
    }
}
