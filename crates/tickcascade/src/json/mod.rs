//! JSON as Eventure writes it. Event data is kept as *canonical text*: the
//! exact bytes Python's `json.dumps` produces for the value. Loading
//! canonicalizes once (`scan`), publishing serializes straight into it
//! (`ser`), saving copies it, and the printers and queries read it on
//! demand (`tokens`, `de`, `pyfmt`, `tree`). `top_keys` records where an object's
//! top-level keys are, for data queries.

pub(crate) mod de;
pub(crate) mod escape;
pub(crate) mod float;
pub(crate) mod out;
mod printable;
pub(crate) mod pyfmt;
pub(crate) mod scan;
pub(crate) mod ser;
pub(crate) mod text_out;
pub(crate) mod tokens;
pub(crate) mod top_keys;
pub(crate) mod tree;
