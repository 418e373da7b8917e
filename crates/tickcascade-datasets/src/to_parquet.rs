//! Logs as columnar datasets: one Parquet row per event, readable by
//! DuckDB, Polars, Spark and Trino. See docs/datasets.md for the schema.
//!
//! Columns: `tick` (int64), `timestamp` (double), `type`, `event_id`,
//! `parent_id` (nullable), `root_id` (the id of the cascade's root),
//! `depth` (ancestors above the event: 0 for a root), `data` (the data as
//! canonical JSON text), `schema` (int32: the data's schema version, 1 for
//! Eventure's events), and one `data_KEY` column per top-level scalar data
//! field whose values have one type across the log (int64, double, boolean
//! or string; absent or null values are nulls). Zstandard-compressed, row
//! groups of at most 100,000 rows.

use arrow_array::builder::{
    BooleanBuilder, Float64Builder, Int32Builder, Int64Builder, StringBuilder,
};
use arrow_array::{ArrayRef, RecordBatch};
use arrow_schema::{DataType, Field, Schema};
use indexmap::IndexMap;
use parquet::arrow::ArrowWriter;
use parquet::basic::Compression;
use parquet::file::properties::{EnabledStatistics, WriterProperties};
use std::io::Write;
use std::sync::Arc;
use tickcascade::EventLog;
use tickcascade::canonical::{Token, Tokens, for_each_member};

/// Rows per row group (and per batch written).
pub const ROW_GROUP: usize = 100_000;

/// A dataset could not be written: the Parquet writer or the Arrow
/// arrays refused (the sink's I/O errors come as `Parquet`).
///
/// ```
/// use tickcascade::EventLog;
/// use tickcascade_datasets::{DatasetError, write_parquet};
/// /// A sink that refuses every write.
/// struct Full;
/// impl std::io::Write for Full {
///     fn write(&mut self, _: &[u8]) -> std::io::Result<usize> {
///         Err(std::io::Error::other("disk full"))
///     }
///     fn flush(&mut self) -> std::io::Result<()> { Ok(()) }
/// }
/// let log = EventLog::new();
/// assert!(matches!(write_parquet(&[&log], Full), Err(DatasetError::Parquet(_))));
/// ```
#[derive(Debug)]
#[non_exhaustive]
pub enum DatasetError {
    /// The Parquet writer failed (including the sink's I/O errors).
    Parquet(parquet::errors::ParquetError),
    /// An Arrow array or batch could not be built.
    Arrow(arrow_schema::ArrowError),
}

impl std::fmt::Display for DatasetError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            DatasetError::Parquet(e) => write!(f, "{e}"),
            DatasetError::Arrow(e) => write!(f, "{e}"),
        }
    }
}

impl std::error::Error for DatasetError {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        match self {
            DatasetError::Parquet(e) => Some(e),
            DatasetError::Arrow(e) => Some(e),
        }
    }
}

impl From<parquet::errors::ParquetError> for DatasetError {
    fn from(e: parquet::errors::ParquetError) -> Self {
        DatasetError::Parquet(e)
    }
}

impl From<arrow_schema::ArrowError> for DatasetError {
    fn from(e: arrow_schema::ArrowError) -> Self {
        DatasetError::Arrow(e)
    }
}

#[derive(Clone, Copy, PartialEq, Eq, Debug)]
enum Kind {
    Int,
    Float,
    Bool,
    Str,
    /// Seen with two types, or not a scalar: no column.
    Mixed,
}

fn scalar_kind(value: &str) -> Option<Kind> {
    match value.as_bytes().first()? {
        b'"' => Some(Kind::Str),
        b't' | b'f' => Some(Kind::Bool),
        b'n' => None, // null fits any column
        b'{' | b'[' => Some(Kind::Mixed),
        _ if value.contains(['.', 'e', 'N', 'I']) => Some(Kind::Float),
        _ => Some(if value.parse::<i64>().is_ok() {
            Kind::Int
        } else {
            Kind::Mixed
        }),
    }
}

/// The typed `data_` columns of a set of logs, keyed by the key's escaped
/// JSON body, in first-seen order.
fn typed_columns<'a>(logs: &[&'a EventLog]) -> IndexMap<&'a str, Kind> {
    let mut kinds: IndexMap<&'a str, Kind> = IndexMap::new();
    for log in logs {
        for e in log.events() {
            for_each_member(e.data_json(), |key, value| {
                if kinds.len() > 64 && !kinds.contains_key(key) {
                    return; // too many distinct keys to be columns
                }
                let Some(kind) = scalar_kind(value) else {
                    // null: fits whatever type the key has elsewhere.
                    return;
                };
                match kinds.get_mut(key) {
                    Some(slot) if *slot != kind => *slot = Kind::Mixed,
                    Some(_) => {}
                    None => {
                        kinds.insert(key, kind);
                    }
                }
            });
        }
    }
    kinds.retain(|_, k| *k != Kind::Mixed);
    kinds
}

/// A builder for one typed `data_` column.
enum Column {
    Int(Int64Builder),
    Float(Float64Builder),
    Bool(BooleanBuilder),
    Str(StringBuilder),
}

impl Column {
    fn new(kind: Kind, rows: usize) -> Column {
        match kind {
            Kind::Int => Column::Int(Int64Builder::with_capacity(rows)),
            Kind::Float => Column::Float(Float64Builder::with_capacity(rows)),
            Kind::Bool => Column::Bool(BooleanBuilder::with_capacity(rows)),
            _ => Column::Str(StringBuilder::new()),
        }
    }

    fn push(&mut self, value: &str, scratch: &mut String) {
        if value == "null" {
            return self.push_null();
        }
        match self {
            Column::Int(b) => b.append_option(value.parse().ok()),
            Column::Float(b) => b.append_value(match value {
                "NaN" => f64::NAN,
                "Infinity" => f64::INFINITY,
                "-Infinity" => f64::NEG_INFINITY,
                other => other.parse().unwrap_or(f64::NAN),
            }),
            Column::Bool(b) => b.append_value(value == "true"),
            Column::Str(b) => {
                scratch.clear();
                if let Some(Token::Str(body)) = Tokens::new(value).next() {
                    tickcascade::canonical::push_raw_str(scratch, body);
                }
                b.append_value(&*scratch);
            }
        }
    }

    fn push_null(&mut self) {
        match self {
            Column::Int(b) => b.append_null(),
            Column::Float(b) => b.append_null(),
            Column::Bool(b) => b.append_null(),
            Column::Str(b) => b.append_null(),
        }
    }

    fn finish(self) -> ArrayRef {
        match self {
            Column::Int(mut b) => Arc::new(b.finish()),
            Column::Float(mut b) => Arc::new(b.finish()),
            Column::Bool(mut b) => Arc::new(b.finish()),
            Column::Str(mut b) => Arc::new(b.finish()),
        }
    }
}

/// Roots and depths through parents (first holder of each id), cycle-safe.
fn roots_and_depths(log: &EventLog) -> (Vec<usize>, Vec<i64>) {
    let n = log.len();
    let mut root = vec![usize::MAX; n];
    let mut depth = vec![-1i64; n];
    let mut on_path = vec![false; n];
    let mut path = Vec::new();
    for start in 0..n {
        let mut at = start;
        let (base_root, base_depth) = loop {
            if depth[at] >= 0 {
                break (root[at], depth[at]);
            }
            if on_path[at] {
                // A cycle: treat `at` as its root.
                break (at, -1);
            }
            on_path[at] = true;
            path.push(at);
            match log.parent_position(at) {
                Some(p) => at = p,
                None => break (at, -1),
            }
        };
        let mut d = base_depth;
        while let Some(i) = path.pop() {
            on_path[i] = false;
            d += 1;
            root[i] = base_root;
            depth[i] = d;
        }
    }
    (root, depth)
}

/// Writes the events of `logs` (rows in order) as one Parquet file.
pub fn write_parquet<W: Write + Send>(logs: &[&EventLog], sink: W) -> Result<W, DatasetError> {
    let typed = typed_columns(logs);
    let mut fields = vec![
        Field::new("tick", DataType::Int64, false),
        Field::new("timestamp", DataType::Float64, false),
        Field::new("type", DataType::Utf8, false),
        Field::new("event_id", DataType::Utf8, false),
        Field::new("parent_id", DataType::Utf8, true),
        Field::new("root_id", DataType::Utf8, false),
        Field::new("depth", DataType::Int64, false),
        Field::new("data", DataType::Utf8, false),
        Field::new("schema", DataType::Int32, false),
    ];
    for (key, kind) in &typed {
        let mut name = String::new();
        tickcascade::canonical::push_raw_str(&mut name, key);
        let t = match kind {
            Kind::Int => DataType::Int64,
            Kind::Float => DataType::Float64,
            Kind::Bool => DataType::Boolean,
            _ => DataType::Utf8,
        };
        fields.push(Field::new(format!("data_{name}"), t, true));
    }
    let schema = Arc::new(Schema::new(fields));
    // Unique-per-row text gains nothing from dictionaries; level 1 keeps
    // compression cheap (the demo logs still shrink to about a fifth).
    let plain = |name: &str| parquet::schema::types::ColumnPath::from(name);
    let props = WriterProperties::builder()
        .set_compression(Compression::ZSTD(
            parquet::basic::ZstdLevel::try_new(1).unwrap_or_default(),
        ))
        .set_column_dictionary_enabled(plain("event_id"), false)
        .set_column_dictionary_enabled(plain("data"), false)
        .set_column_dictionary_enabled(plain("timestamp"), false)
        // Min/max of JSON text and ids help no query; computing them costs.
        .set_column_statistics_enabled(plain("data"), EnabledStatistics::None)
        .set_column_statistics_enabled(plain("event_id"), EnabledStatistics::None)
        .set_column_statistics_enabled(plain("parent_id"), EnabledStatistics::None)
        .set_column_statistics_enabled(plain("root_id"), EnabledStatistics::None)
        .set_max_row_group_row_count(Some(ROW_GROUP))
        .build();
    let mut writer = ArrowWriter::try_new(sink, schema.clone(), Some(props))?;
    let keys: Vec<&str> = typed.keys().copied().collect();
    let mut scratch = String::new();
    for log in logs {
        let (roots, depths) = roots_and_depths(log);
        let events = log.events();
        let mut start = 0;
        while start < events.len() {
            let end = (start + ROW_GROUP).min(events.len());
            let rows = end - start;
            let mut tick = Int64Builder::with_capacity(rows);
            let mut ts = Float64Builder::with_capacity(rows);
            let mut ty = StringBuilder::new();
            let mut id = StringBuilder::new();
            let mut parent = StringBuilder::new();
            let mut root = StringBuilder::new();
            let mut depth = Int64Builder::with_capacity(rows);
            let mut data = StringBuilder::new();
            let mut schema_version = Int32Builder::with_capacity(rows);
            let mut typed_cols: Vec<Column> =
                typed.values().map(|k| Column::new(*k, rows)).collect();
            let mut filled = vec![false; typed.len()];
            let mut id_text = String::new();
            for (i, e) in events.iter().enumerate().take(end).skip(start) {
                tick.append_value(e.tick());
                ts.append_value(e.timestamp().as_f64());
                ty.append_value(e.event_type());
                id_text.clear();
                e.id().push_to(&mut id_text);
                id.append_value(&id_text);
                match e.parent_id() {
                    Some(p) => {
                        id_text.clear();
                        p.push_to(&mut id_text);
                        parent.append_value(&id_text);
                    }
                    None => parent.append_null(),
                }
                id_text.clear();
                events[roots[i]].id().push_to(&mut id_text);
                root.append_value(&id_text);
                depth.append_value(depths[i].max(0));
                data.append_value(e.data_json());
                schema_version.append_value(i32::try_from(e.schema()).unwrap_or(i32::MAX));
                if !typed_cols.is_empty() {
                    filled.iter_mut().for_each(|f| *f = false);
                    for_each_member(e.data_json(), |key, value| {
                        if let Some(c) = keys.iter().position(|k| *k == key) {
                            typed_cols[c].push(value, &mut scratch);
                            filled[c] = true;
                        }
                    });
                    for (c, done) in filled.iter().enumerate() {
                        if !done {
                            typed_cols[c].push_null();
                        }
                    }
                }
            }
            let mut columns: Vec<ArrayRef> = vec![
                Arc::new(tick.finish()),
                Arc::new(ts.finish()),
                Arc::new(ty.finish()),
                Arc::new(id.finish()),
                Arc::new(parent.finish()),
                Arc::new(root.finish()),
                Arc::new(depth.finish()),
                Arc::new(data.finish()),
                Arc::new(schema_version.finish()),
            ];
            columns.extend(typed_cols.into_iter().map(Column::finish));
            writer.write(&RecordBatch::try_new(schema.clone(), columns)?)?;
            start = end;
        }
    }
    Ok(writer.into_inner()?)
}
