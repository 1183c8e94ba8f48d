//! Input as a stream: a file or stdin opened for reading in bounded pieces,
//! its first bytes kept aside to tell the format from, UTF-16 transcoded
//! as it is read (and a legacy charset that its start is detected in, for
//! the formats that are not written back), and lines read with a bound so
//! that one giant line costs a bounded buffer, never the whole line.

use std::io::{self, BufRead, BufReader, Cursor, Read};

use super::decode::strip_bom;

/// How much of a file's start the format is told from (one byte more than
/// [`super::SAMPLE_BYTES`], so that the sample can tell a cut line).
pub(super) const HEAD_BYTES: usize = super::SAMPLE_BYTES + 1;

/// The buffer between the system and the readers.
const BUFFER_BYTES: usize = 256 * 1024;

/// An input being read: its first bytes (after any byte-order mark, UTF-16
/// already transcoded to UTF-8) and the lines of it all ([`Input::lines`]).
pub(super) struct Input {
    /// At most [`HEAD_BYTES`] of the start, in UTF-8 when `legacy` names
    /// their charset (for telling the format).
    pub(super) head: Vec<u8>,
    /// The start as read (after the byte-order mark).
    raw_head: Vec<u8>,
    /// What follows the start.
    rest: Box<dyn Read + Send>,
    /// The legacy charset the start is in, as `chardetng` (Firefox's
    /// detector) tells it, when it is not UTF-8 and not a Latin one (read
    /// as Windows-1252, which every reader falls back to already):
    /// Windows-1251, KOI8-R, Greek, Hebrew, Arabic, Thai, Shift_JIS,
    /// EUC-JP, GBK, Big5, EUC-KR…
    pub(super) legacy: Option<&'static encoding_rs::Encoding>,
    /// The UTF-8 byte-order mark the input began with (dropped from `head`
    /// and `reader`), for writing the input back byte for byte.
    pub(super) bom: Vec<u8>,
}

/// Opens `reader` for streaming: reads its head, transcodes UTF-16 (by its
/// byte-order mark) and drops a UTF-8 byte-order mark.
pub(super) fn start(reader: Box<dyn Read + Send>) -> io::Result<Input> {
    let mut reader = reader;
    let mut first = [0u8; 2];
    let peeked = read_full(&mut reader, &mut first)?;
    let mut rest: Box<dyn Read + Send> =
        Box::new(Cursor::new(first[..peeked].to_vec()).chain(reader));
    if let Some(encoding) = utf16_encoding(&first[..peeked]) {
        // UTF-16 (Outlook's "Unicode" CSV): transcoded as it is read.
        rest = Box::new(Transcoder::new(rest, encoding));
    }
    let mut head = Vec::with_capacity(HEAD_BYTES);
    rest.by_ref()
        .take(HEAD_BYTES as u64)
        .read_to_end(&mut head)?;
    let bom = head.len() - strip_bom(&head).len();
    let bom: Vec<u8> = head.drain(..bom).collect();
    let legacy = legacy_charset(&head, head.len() < HEAD_BYTES);
    let shown = match legacy {
        Some(encoding) => encoding
            .decode_without_bom_handling(&head)
            .0
            .into_owned()
            .into_bytes(),
        None => head.clone(),
    };
    Ok(Input {
        head: shown,
        raw_head: head,
        rest,
        legacy,
        bom,
    })
}

impl Input {
    /// The lines of the whole input, the start included; in UTF-8 from
    /// the `legacy` charset when `transcode` (vCard is read as it is, to be
    /// written back byte for byte).
    pub(super) fn lines(self, transcode: bool) -> LineReader {
        let all = Cursor::new(self.raw_head).chain(self.rest);
        let all: Box<dyn Read + Send> = match self.legacy.filter(|_| transcode) {
            Some(encoding) => Box::new(Transcoder::new(all, encoding)),
            None => Box::new(all),
        };
        LineReader::new(Box::new(BufReader::with_capacity(BUFFER_BYTES, all)))
    }
}

/// The charset of `head` (the start of an input; all of it when `whole`)
/// when it is no UTF-8 and `chardetng` takes it for another charset than
/// Windows-1252.
fn legacy_charset(head: &[u8], whole: bool) -> Option<&'static encoding_rs::Encoding> {
    match std::str::from_utf8(head) {
        Ok(_) => return None,
        // Cut inside a character at the end of the head: still UTF-8.
        Err(e) if e.error_len().is_none() && !whole => return None,
        Err(_) => {}
    }
    let mut detector = chardetng::EncodingDetector::new(chardetng::Iso2022JpDetection::Deny);
    detector.feed(head, whole);
    let guess = detector.guess(None, chardetng::Utf8Detection::Deny);
    (!LATIN.contains(&guess) && guess != encoding_rs::UTF_8).then_some(guess)
}

/// The Latin-script charsets a detector tells apart only by a few letters
/// (`Thérèse` is as good Windows-1250 as Windows-1252, with `č` for `è`):
/// a file in one of them is read as every reader falls back to,
/// Windows-1252, rather than on a guess.
const LATIN: [&encoding_rs::Encoding; 8] = [
    encoding_rs::WINDOWS_1250,
    encoding_rs::WINDOWS_1252,
    encoding_rs::WINDOWS_1254,
    encoding_rs::WINDOWS_1257,
    encoding_rs::WINDOWS_1258,
    encoding_rs::ISO_8859_2,
    encoding_rs::ISO_8859_4,
    encoding_rs::ISO_8859_13,
];

/// Reads until `buf` is full or the input ends; how many bytes were read.
fn read_full(reader: &mut impl Read, buf: &mut [u8]) -> io::Result<usize> {
    let mut filled = 0;
    while filled < buf.len() {
        match reader.read(&mut buf[filled..]) {
            Ok(0) => break,
            Ok(n) => filled += n,
            Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
            Err(e) => return Err(e),
        }
    }
    Ok(filled)
}

/// The UTF-16 encoding a byte-order mark names.
fn utf16_encoding(start: &[u8]) -> Option<&'static encoding_rs::Encoding> {
    match start {
        [0xFF, 0xFE, ..] => Some(encoding_rs::UTF_16LE),
        [0xFE, 0xFF, ..] => Some(encoding_rs::UTF_16BE),
        _ => None,
    }
}

/// UTF-16, or a legacy charset, transcoded to UTF-8 a piece at a time
/// (`encoding_rs`'s streaming decoder; a byte-order mark is dropped, what
/// cannot be decoded becomes U+FFFD).
struct Transcoder<R> {
    inner: R,
    decoder: encoding_rs::Decoder,
    input: Vec<u8>,
    output: String,
    /// How much of `output` was handed out.
    given: usize,
    ended: bool,
}

impl<R: Read> Transcoder<R> {
    fn new(inner: R, encoding: &'static encoding_rs::Encoding) -> Self {
        Transcoder {
            inner,
            decoder: encoding.new_decoder(),
            input: vec![0; 64 * 1024],
            output: String::new(),
            given: 0,
            ended: false,
        }
    }
}

impl<R: Read> Read for Transcoder<R> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        while self.given == self.output.len() {
            if self.ended {
                return Ok(0);
            }
            let n = read_full(&mut self.inner, &mut self.input)?;
            self.ended = n == 0;
            self.output.clear();
            self.given = 0;
            let room = self.decoder.max_utf8_buffer_length(n).unwrap_or(4 * n + 16);
            self.output.reserve(room);
            let (_, _, _) =
                self.decoder
                    .decode_to_string(&self.input[..n], &mut self.output, self.ended);
        }
        let rest = &self.output.as_bytes()[self.given..];
        let n = rest.len().min(buf.len());
        buf[..n].copy_from_slice(&rest[..n]);
        self.given += n;
        Ok(n)
    }
}

/// What [`LineReader::read_line`] read.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) struct LineInfo {
    /// The line's 1-based number.
    pub(super) number: u32,
    /// Its length without its `\n`, including what was not kept.
    pub(super) len: u64,
    /// Whether it was longer than the bound: only its start was kept, and
    /// no line end.
    pub(super) cut: bool,
    /// When cut: how many ASCII blanks end the part not kept.
    pub(super) trailing_blanks: u64,
}

impl LineInfo {
    /// Its length with the blanks around it trimmed (`kept` is its start as
    /// kept), as `trim_ascii` would measure the whole line.
    pub(super) fn trimmed_len(&self, kept: &[u8]) -> u64 {
        let leading = kept.iter().take_while(|b| b.is_ascii_whitespace()).count() as u64;
        if self.cut {
            self.len.saturating_sub(leading + self.trailing_blanks)
        } else {
            kept.trim_ascii().len() as u64
        }
    }
}

/// Lines of an input, each kept up to a bound, numbered from 1.
pub(super) struct LineReader {
    inner: Box<dyn BufRead + Send>,
    next: u32,
}

impl LineReader {
    /// Lines of `inner`.
    pub(super) fn new(inner: Box<dyn BufRead + Send>) -> Self {
        LineReader { inner, next: 1 }
    }

    /// The number of the line to be read next (that a read error is on).
    pub(super) fn line(&self) -> u32 {
        self.next
    }

    /// Appends the next line to `buf`, with its `\n` when it has one, but
    /// at most `cap` bytes of it (the rest is read and dropped); `None` at
    /// the end of the input.
    pub(super) fn read_line(
        &mut self,
        buf: &mut Vec<u8>,
        cap: usize,
    ) -> io::Result<Option<LineInfo>> {
        let start = buf.len();
        let mut info = LineInfo {
            number: self.next,
            len: 0,
            cut: false,
            trailing_blanks: 0,
        };
        let mut any = false;
        loop {
            let available = match self.inner.fill_buf() {
                Ok(bytes) => bytes,
                Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
                Err(e) => return Err(e),
            };
            if available.is_empty() {
                break;
            }
            any = true;
            let (used, done) = match memchr::memchr(b'\n', available) {
                Some(i) => (i + 1, true),
                None => (available.len(), false),
            };
            let content = &available[..used - usize::from(done)];
            info.len += content.len() as u64;
            let room = cap.saturating_sub(buf.len() - start);
            if !info.cut && content.len() <= room {
                buf.extend_from_slice(&available[..used]);
            } else {
                let dropped = if info.cut {
                    content
                } else {
                    buf.extend_from_slice(&content[..room]);
                    info.cut = true;
                    &content[room..]
                };
                info.trailing_blanks = match dropped.iter().rposition(|b| !b.is_ascii_whitespace())
                {
                    Some(last) => (dropped.len() - last - 1) as u64,
                    None => info.trailing_blanks + dropped.len() as u64,
                };
            }
            self.inner.consume(used);
            if done {
                break;
            }
        }
        if !any {
            return Ok(None);
        }
        self.next = self.next.saturating_add(1);
        Ok(Some(info))
    }
}

/// A line as the readers see it: without its `\n` and one `\r` before it.
pub(super) fn content(line: &[u8]) -> &[u8] {
    let line = line.strip_suffix(b"\n").unwrap_or(line);
    line.strip_suffix(b"\r").unwrap_or(line)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn lines(bytes: &[u8], cap: usize) -> Vec<(Vec<u8>, LineInfo)> {
        let mut reader = LineReader::new(Box::new(BufReader::with_capacity(
            4,
            Cursor::new(bytes.to_vec()),
        )));
        let mut out = Vec::new();
        loop {
            let mut buf = Vec::new();
            match reader.read_line(&mut buf, cap).unwrap() {
                Some(info) => out.push((buf, info)),
                None => return out,
            }
        }
    }

    #[test]
    fn lines_are_kept_up_to_the_bound_and_measured_whole() {
        let got = lines(b"ab\r\n  0123456789  \t\nlast", 6);
        assert_eq!(got.len(), 3);
        assert_eq!(got[0].0, b"ab\r\n");
        assert_eq!((got[0].1.number, got[0].1.len, got[0].1.cut), (1, 3, false));
        assert_eq!(got[1].0, b"  0123");
        assert_eq!((got[1].1.len, got[1].1.cut), (15, true));
        assert_eq!(got[1].1.trimmed_len(&got[1].0), 10);
        assert_eq!(got[2].0, b"last");
        assert_eq!(content(b"x\r\n"), b"x");
    }

    #[test]
    fn utf16_is_transcoded_and_the_head_kept() {
        let mut bytes = vec![0xFF, 0xFE];
        bytes.extend("E-mail\nété\n".encode_utf16().flat_map(u16::to_le_bytes));
        let input = start(Box::new(Cursor::new(bytes))).unwrap();
        assert_eq!(input.head, "E-mail\nété\n".as_bytes());
        let mut buf = Vec::new();
        let mut lines = input.lines(true);
        lines.read_line(&mut buf, 100).unwrap();
        lines.read_line(&mut buf, 100).unwrap();
        assert_eq!(buf, "E-mail\nété\n".as_bytes());
    }

    #[test]
    fn a_legacy_charset_is_detected_and_transcoded_on_request() {
        // "Адрес эл. почты" (Outlook's Russian header) in Windows-1251.
        let (header, _, _) =
            encoding_rs::WINDOWS_1251.encode("Имя;Адрес эл. почты\nИван;ivan@example.org\n");
        let input = start(Box::new(Cursor::new(header.to_vec()))).unwrap();
        assert_eq!(input.legacy, Some(encoding_rs::WINDOWS_1251));
        assert!(std::str::from_utf8(&input.head).unwrap().contains("Адрес"));
        let mut buf = Vec::new();
        let mut lines = input.lines(true);
        lines.read_line(&mut buf, 100).unwrap();
        assert_eq!(buf, "Имя;Адрес эл. почты\n".as_bytes());
        // UTF-8 and Latin charsets are no legacy charset here.
        let latin = start(Box::new(Cursor::new(
            b"Ren\xe9;Th\xe9r\xe8se;rene@example.org\n".to_vec(),
        )))
        .unwrap();
        assert_eq!(latin.legacy, None);
        let utf8 = start(Box::new(Cursor::new(
            "Иван;ivan@example.org\n".as_bytes().to_vec(),
        )))
        .unwrap();
        assert_eq!(utf8.legacy, None);
    }

    #[test]
    fn a_utf8_bom_is_dropped() {
        let input = start(Box::new(Cursor::new(b"\xEF\xBB\xBFa@b.c\n".to_vec()))).unwrap();
        assert_eq!(input.head, b"a@b.c\n");
    }
}
