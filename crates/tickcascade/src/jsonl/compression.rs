//! Compressed logs: gzip and zstd. Input is recognized by its magic bytes
//! (whatever its name, standard input too); output is compressed when the
//! file name ends in `.gz` or `.zst`. Each format is a cargo feature
//! (`gzip`, `zstd`), off by default; without it, a compressed input or
//! output name is an error that names the feature.
//!
//! Output is deterministic (a gzip header without time or name, fixed
//! levels), so the same seed gives the same compressed bytes. A writer ends
//! a frame (a gzip member, a zstd frame) whenever asked: the live writer
//! does at every tick, so a killed process loses at most its last frame.

use std::io::{self, BufRead, BufReader, Read, Write};
use std::path::Path;

/// How a log file is (or is to be) compressed.
///
/// ```
/// use std::path::Path;
/// use tickcascade::Compression;
/// assert_eq!(Compression::for_path(Path::new("run.jsonl.zst")), Compression::Zstd);
/// assert_eq!(Compression::sniff(&[0x1f, 0x8b, 8]), Compression::Gzip);
/// assert_eq!(Compression::for_path(Path::new("run.jsonl")), Compression::None);
/// ```
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum Compression {
    /// Plain JSON Lines.
    None,
    /// gzip (`.gz`; magic `1f 8b`), the `gzip` feature.
    Gzip,
    /// Zstandard (`.zst`; magic `28 b5 2f fd`), the `zstd` feature.
    Zstd,
}

impl Compression {
    /// By the end of the file name.
    pub fn for_path(path: &Path) -> Compression {
        match path.extension().and_then(|e| e.to_str()) {
            Some("gz") => Compression::Gzip,
            Some("zst") => Compression::Zstd,
            _ => Compression::None,
        }
    }

    /// By the first bytes of the content.
    pub fn sniff(head: &[u8]) -> Compression {
        if head.starts_with(&[0x1f, 0x8b]) {
            Compression::Gzip
        } else if head.starts_with(&[0x28, 0xb5, 0x2f, 0xfd]) {
            Compression::Zstd
        } else {
            Compression::None
        }
    }

    /// The format's (and its feature's) name.
    pub fn name(self) -> &'static str {
        match self {
            Compression::None => "none",
            Compression::Gzip => "gzip",
            Compression::Zstd => "zstd",
        }
    }

    /// Whether this build reads and writes it.
    pub fn is_available(self) -> bool {
        match self {
            Compression::None => true,
            Compression::Gzip => cfg!(feature = "gzip"),
            Compression::Zstd => cfg!(feature = "zstd"),
        }
    }

    fn unavailable(self) -> io::Error {
        io::Error::new(
            io::ErrorKind::Unsupported,
            format!(
                "{} compression needs the `{}` cargo feature of the tickcascade crate, which this build lacks",
                self.name(),
                self.name()
            ),
        )
    }
}

/// A decoder's failure (a torn or damaged frame), told apart from the
/// underlying reader's errors so a lenient load can stop at it.
#[derive(Debug)]
pub(crate) struct DamagedFrame(pub(crate) Compression, pub(crate) String);

impl std::fmt::Display for DamagedFrame {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "a damaged or torn {} frame: {}", self.0.name(), self.1)
    }
}

impl std::error::Error for DamagedFrame {}

/// Marks every error of a decoder as a [`DamagedFrame`].
#[cfg(any(feature = "gzip", feature = "zstd"))]
struct Decoded<R>(Compression, R);

#[cfg(any(feature = "gzip", feature = "zstd"))]
impl<R: Read> Read for Decoded<R> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        let kind = self.0;
        self.1.read(buf).map_err(|e| {
            if e.kind() == io::ErrorKind::Interrupted {
                e
            } else {
                io::Error::new(
                    io::ErrorKind::InvalidData,
                    DamagedFrame(kind, e.to_string()),
                )
            }
        })
    }
}

/// Why input could not be opened for reading.
pub(crate) enum OpenError {
    /// Compressed in a format this build lacks.
    Unavailable(Compression),
    /// The reader failed.
    Io(io::Error),
}

/// `reader`, decompressed when its first bytes are a compressed format's
/// (streaming: memory does not grow with the file).
pub(crate) fn decompress<'a>(
    reader: impl Read + 'a,
) -> Result<(Box<dyn Read + 'a>, Compression), OpenError> {
    let mut buffered = BufReader::with_capacity(64 * 1024, reader);
    let kind = loop {
        match buffered.fill_buf() {
            Ok(head) => break Compression::sniff(head),
            Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
            Err(e) => return Err(OpenError::Io(e)),
        }
    };
    match kind {
        Compression::None => Ok((Box::new(buffered), kind)),
        #[cfg(feature = "gzip")]
        Compression::Gzip => Ok((
            Box::new(Decoded(
                kind,
                flate2::bufread::MultiGzDecoder::new(buffered),
            )),
            kind,
        )),
        #[cfg(feature = "zstd")]
        Compression::Zstd => {
            let decoder =
                zstd::stream::read::Decoder::with_buffer(buffered).map_err(OpenError::Io)?;
            Ok((Box::new(Decoded(kind, decoder)), kind))
        }
        #[allow(unreachable_patterns)]
        other => Err(OpenError::Unavailable(other)),
    }
}

/// A decoder fed bytes as they arrive (a followed file that is still being
/// written): what the input so far decodes to comes out at once, and an
/// unfinished frame waits for the rest of its bytes.
pub(crate) enum PushDecoder {
    #[cfg(feature = "gzip")]
    Gzip(flate2::write::MultiGzDecoder<Vec<u8>>),
    #[cfg(feature = "zstd")]
    Zstd(zstd::stream::write::Decoder<'static, Vec<u8>>),
}

impl PushDecoder {
    /// A decoder for `kind` (`None` for plain input).
    pub(crate) fn new(kind: Compression) -> Result<Option<PushDecoder>, OpenError> {
        match kind {
            Compression::None => Ok(None),
            #[cfg(feature = "gzip")]
            Compression::Gzip => Ok(Some(PushDecoder::Gzip(flate2::write::MultiGzDecoder::new(
                Vec::new(),
            )))),
            #[cfg(feature = "zstd")]
            Compression::Zstd => zstd::stream::write::Decoder::new(Vec::new())
                .map(|d| Some(PushDecoder::Zstd(d)))
                .map_err(OpenError::Io),
            #[allow(unreachable_patterns)]
            other => Err(OpenError::Unavailable(other)),
        }
    }

    /// Decodes `input`, appending what it completes to `out`. A decoder
    /// error is a [`DamagedFrame`].
    #[cfg_attr(
        not(any(feature = "gzip", feature = "zstd")),
        allow(unreachable_code, unused_variables)
    )]
    pub(crate) fn push(&mut self, input: &[u8], out: &mut Vec<u8>) -> io::Result<()> {
        let (kind, result, decoded): (Compression, io::Result<()>, &mut Vec<u8>) = match *self {
            #[cfg(feature = "gzip")]
            PushDecoder::Gzip(ref mut d) => {
                let r = d.write_all(input).and_then(|()| d.flush());
                (Compression::Gzip, r, d.get_mut())
            }
            #[cfg(feature = "zstd")]
            PushDecoder::Zstd(ref mut d) => {
                let r = d.write_all(input).and_then(|()| d.flush());
                (Compression::Zstd, r, d.get_mut())
            }
        };
        out.append(decoded);
        result.map_err(|e| {
            io::Error::new(
                io::ErrorKind::InvalidData,
                DamagedFrame(kind, e.to_string()),
            )
        })
    }
}

enum Encoder<W: Write> {
    Plain(W),
    #[cfg(feature = "gzip")]
    Gzip(flate2::write::GzEncoder<W>),
    #[cfg(feature = "zstd")]
    Zstd(zstd::stream::write::Encoder<'static, W>),
}

/// The zstd level written (zstd's default: fast, and a fixed level keeps the
/// bytes the same from run to run).
#[cfg(feature = "zstd")]
const ZSTD_LEVEL: i32 = 3;

impl<W: Write> Encoder<W> {
    fn start(kind: Compression, inner: W) -> io::Result<Encoder<W>> {
        match kind {
            Compression::None => Ok(Encoder::Plain(inner)),
            #[cfg(feature = "gzip")]
            Compression::Gzip => Ok(Encoder::Gzip(
                flate2::GzBuilder::new()
                    .mtime(0)
                    .operating_system(255)
                    .write(inner, flate2::Compression::new(6)),
            )),
            #[cfg(feature = "zstd")]
            Compression::Zstd => Ok(Encoder::Zstd(zstd::stream::write::Encoder::new(
                inner, ZSTD_LEVEL,
            )?)),
            #[allow(unreachable_patterns)]
            other => Err(other.unavailable()),
        }
    }

    fn finish(self) -> io::Result<W> {
        match self {
            Encoder::Plain(w) => Ok(w),
            #[cfg(feature = "gzip")]
            Encoder::Gzip(e) => e.finish(),
            #[cfg(feature = "zstd")]
            Encoder::Zstd(e) => e.finish(),
        }
    }

    fn writer(&mut self) -> &mut dyn Write {
        match self {
            Encoder::Plain(w) => w,
            #[cfg(feature = "gzip")]
            Encoder::Gzip(e) => e,
            #[cfg(feature = "zstd")]
            Encoder::Zstd(e) => e,
        }
    }
}

/// A frame failed to end: the writer no longer holds an encoder.
fn closed() -> io::Error {
    io::Error::other("the compressed stream was closed after an error")
}

/// A writer that compresses into `W` (or not, for `Compression::None`),
/// one frame at a time.
pub(crate) struct FrameWriter<W: Write> {
    kind: Compression,
    encoder: Option<Encoder<W>>,
}

impl<W: Write> FrameWriter<W> {
    /// Starts the first frame; an error if this build lacks the format.
    pub(crate) fn new(kind: Compression, inner: W) -> io::Result<FrameWriter<W>> {
        Ok(FrameWriter {
            kind,
            encoder: Some(Encoder::start(kind, inner)?),
        })
    }

    fn encoder(&mut self) -> io::Result<&mut Encoder<W>> {
        self.encoder.as_mut().ok_or_else(closed)
    }

    fn take_encoder(&mut self) -> io::Result<Encoder<W>> {
        self.encoder.take().ok_or_else(closed)
    }

    /// Ends the current frame (everything so far can be decompressed on
    /// its own) and starts the next; plain output is just flushed.
    pub(crate) fn end_frame(&mut self) -> io::Result<()> {
        if self.kind == Compression::None {
            return self.encoder()?.writer().flush();
        }
        let mut inner = self.take_encoder()?.finish()?;
        inner.flush()?;
        self.encoder = Some(Encoder::start(self.kind, inner)?);
        Ok(())
    }

    /// Ends the last frame; returns the inner writer.
    pub(crate) fn finish(mut self) -> io::Result<W> {
        let mut inner = self.take_encoder()?.finish()?;
        inner.flush()?;
        Ok(inner)
    }

    /// The inner writer (for an fsync).
    pub(crate) fn inner(&self) -> Option<&W> {
        match self.encoder.as_ref()? {
            Encoder::Plain(w) => Some(w),
            #[cfg(feature = "gzip")]
            Encoder::Gzip(e) => Some(e.get_ref()),
            #[cfg(feature = "zstd")]
            Encoder::Zstd(e) => Some(e.get_ref()),
        }
    }
}

impl<W: Write> Write for FrameWriter<W> {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        self.encoder()?.writer().write(buf)
    }

    /// Plain output: flushed. Compressed output is flushed at frame ends
    /// only (a mid-frame flush would cost compression and not make the
    /// data readable on its own).
    fn flush(&mut self) -> io::Result<()> {
        if self.kind == Compression::None {
            return self.encoder()?.writer().flush();
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn compress(kind: Compression, frames: &[&str]) -> Vec<u8> {
        let mut w = FrameWriter::new(kind, Vec::new()).unwrap();
        for (k, f) in frames.iter().enumerate() {
            if k > 0 {
                w.end_frame().unwrap();
            }
            w.write_all(f.as_bytes()).unwrap();
        }
        w.finish().unwrap()
    }

    fn available() -> Vec<Compression> {
        [Compression::Gzip, Compression::Zstd]
            .into_iter()
            .filter(|c| c.is_available())
            .collect()
    }

    #[test]
    fn frames_concatenate_into_one_stream_and_the_bytes_are_deterministic() {
        for kind in available() {
            let bytes = compress(kind, &["a\n", "b\n", "c\n"]);
            assert_eq!(Compression::sniff(&bytes), kind);
            assert_eq!(bytes, compress(kind, &["a\n", "b\n", "c\n"]), "{kind:?}");
            let (mut r, found) = decompress(&bytes[..]).ok().unwrap();
            assert_eq!(found, kind);
            let mut text = String::new();
            r.read_to_string(&mut text).unwrap();
            assert_eq!(text, "a\nb\nc\n");
        }
    }

    #[test]
    fn a_torn_last_frame_is_a_damaged_frame_after_the_complete_ones() {
        for kind in available() {
            let whole = compress(kind, &["first\n", "second\n"]);
            let torn = &whole[..whole.len() - 3];
            let (mut r, _) = decompress(torn).ok().unwrap();
            let mut out = Vec::new();
            let mut buf = [0u8; 4];
            let err = loop {
                match r.read(&mut buf) {
                    Ok(0) => panic!("{kind:?}: a torn frame read to the end"),
                    Ok(n) => out.extend_from_slice(&buf[..n]),
                    Err(e) => break e,
                }
            };
            assert!(
                err.get_ref().is_some_and(|e| e.is::<DamagedFrame>()),
                "{err}"
            );
            assert!(
                String::from_utf8_lossy(&out).starts_with("first\n"),
                "{kind:?}"
            );
        }
    }

    #[test]
    fn a_format_this_build_lacks_is_named() {
        for kind in [Compression::Gzip, Compression::Zstd] {
            if kind.is_available() {
                continue;
            }
            let magic: &[u8] = if kind == Compression::Gzip {
                &[0x1f, 0x8b, 8]
            } else {
                &[0x28, 0xb5, 0x2f, 0xfd]
            };
            assert!(matches!(decompress(magic), Err(OpenError::Unavailable(k)) if k == kind));
            let err = FrameWriter::new(kind, Vec::new()).err().unwrap();
            assert!(
                err.to_string().contains(&format!("`{}`", kind.name())),
                "{err}"
            );
        }
    }
}
