//! `--format table`: aligned columns for people. Every cell is sanitised, as
//! names and Matrix IDs come from files and servers that anyone may write.

use std::borrow::Cow;
use std::io::{self, Write};

use super::{Record, TableStyle};
use crate::outcome::Status;
use crate::sanitize::for_terminal;

const HEADERS: [&str; 6] = ["SOURCE", "CONTACT", "ADDRESS", "STATUS", "DETAIL", "VIA"];

fn cells<'r>(r: &'r Record<'_>) -> [Cow<'r, str>; 6] {
    let detail: Cow<'_, str> = match r.status {
        Status::Found => r.mxid.unwrap_or_default().into(),
        Status::Conflict => r.mxids.join(", ").into(),
        Status::NotAsked => r.hash.as_deref().unwrap_or_default().into(),
        _ => r.reason.unwrap_or_default().into(),
    };
    [
        r.source.to_string().into(),
        r.contact.unwrap_or("-").into(),
        r.address.unwrap_or(r.input).into(),
        r.status.as_str().into(),
        detail,
        r.via.join(" > ").into(),
    ]
}

fn color_of(status: Status) -> &'static str {
    match status {
        Status::Found => "\x1b[32m",
        Status::Conflict | Status::Error => "\x1b[31m",
        Status::Invalid | Status::Unfollowed => "\x1b[33m",
        Status::NotFound | Status::NotAsked => "\x1b[2m",
    }
}

pub(super) fn write<'a, W: Write>(
    out: &mut W,
    style: TableStyle,
    records: impl Iterator<Item = Record<'a>>,
) -> io::Result<()> {
    let records: Vec<Record<'a>> = records.collect();
    let rows: Vec<[String; 6]> = records
        .iter()
        .map(|r| cells(r).map(|cell| for_terminal(&cell).into_owned()))
        .collect();
    // The VIA column shows only when some row has a path.
    let columns = if rows.iter().any(|row| !row[5].is_empty()) {
        6
    } else {
        5
    };
    let mut widths = [0usize; 6];
    for row in std::iter::once(&HEADERS.map(str::to_owned)).chain(&rows) {
        for (w, cell) in widths.iter_mut().zip(row) {
            *w = (*w).max(cell.chars().count());
        }
    }
    let header: Vec<String> = HEADERS.map(str::to_owned).into();
    write_row(out, &header[..columns], &widths, None)?;
    for (record, row) in records.iter().zip(&rows) {
        let color = style.color.then(|| color_of(record.status));
        write_row(out, &row[..columns], &widths, color)?;
    }
    Ok(())
}

fn write_row<W: Write>(
    out: &mut W,
    row: &[String],
    widths: &[usize; 6],
    status_color: Option<&str>,
) -> io::Result<()> {
    let last = row.len() - 1;
    for (i, cell) in row.iter().enumerate() {
        let pad = if i == last {
            0
        } else {
            widths[i] - cell.chars().count() + 2
        };
        match status_color.filter(|_| i == 3) {
            Some(color) => write!(out, "{color}{cell}\x1b[0m")?,
            None => out.write_all(cell.as_bytes())?,
        }
        write!(out, "{:pad$}", "")?;
    }
    out.write_all(b"\n")
}
