//! `--format table`: aligned columns for people. Every cell is sanitised, as
//! names and Matrix IDs come from files and servers that anyone may write.
//!
//! The table fits a width ([`TableStyle::width`]): columns take the width of
//! their widest cell while they fit; past it, each gives way by its weight,
//! the least important first (VIA, SOURCE, CONTACT, then DETAIL and
//! ADDRESS; STATUS last), and a cell longer than its column is cut with `…`.
//! VIA, then SOURCE, is left out rather than cut below half its width.
//! Widths are display widths: a CJK character takes two columns.

use std::borrow::Cow;
use std::io::{self, Write};

use unicode_width::UnicodeWidthChar;

use super::{Record, TableStyle};
use crate::outcome::Status;
use crate::sanitize::for_terminal;

const HEADERS: [&str; 6] = ["SOURCE", "CONTACT", "ADDRESS", "STATUS", "DETAIL", "VIA"];

/// Where a cut cell keeps its text: its start, or its end (the line number
/// of a source, the server that answered at the end of a path).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Keep {
    Start,
    End,
}

/// How each column gives way, in the order of [`HEADERS`].
const KEEP: [Keep; 6] = [
    Keep::End,
    Keep::Start,
    Keep::Start,
    Keep::Start,
    Keep::Start,
    Keep::End,
];
/// The width a column keeps while others can still give way.
const MIN: [usize; 6] = [8, 7, 10, usize::MAX, 10, 8];
/// How much of the room each column takes when all must give way (a column
/// of weight 15 gets half as much again as one of 10).
const WEIGHT: [usize; 6] = [6, 10, 15, 0, 12, 8];
/// The columns from the first to give way to the last.
const SHRINK_ORDER: [usize; 6] = [5, 0, 1, 4, 2, 3];
/// Between two columns.
const GAP: usize = 2;

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

/// How many terminal columns `text` takes (control characters, which
/// sanitised text has none of, count as none).
pub(super) fn display_width(text: &str) -> usize {
    text.chars().map(|c| c.width().unwrap_or(0)).sum()
}

/// `text` in at most `width` columns: whole when it fits, else cut with
/// `…`, keeping its start or its end.
fn cut(text: &str, width: usize, keep: Keep) -> Cow<'_, str> {
    if display_width(text) <= width {
        return Cow::Borrowed(text);
    }
    let Some(room) = width.checked_sub(1) else {
        return Cow::Borrowed("");
    };
    let mut used = 0;
    let fits = |c: &char| {
        used += c.width().unwrap_or(0);
        used <= room
    };
    Cow::Owned(match keep {
        Keep::Start => text.chars().take_while(fits).chain(['…']).collect(),
        Keep::End => {
            let kept: Vec<char> = text.chars().rev().take_while(fits).collect();
            std::iter::once('…').chain(kept.into_iter().rev()).collect()
        }
    })
}

/// The columns left out, in this order, rather than cut to less than half
/// their width: VIA, then SOURCE (`…1:46203` says less than no column,
/// and its room shows more of a name or a Matrix ID).
const LEAVE_OUT: [usize; 2] = [5, 0];

/// The width of each of the first `natural.len()` columns so that the
/// table is at most `width` wide; 0 leaves a column out: VIA, then SOURCE,
/// while one of them would keep less than half its width, and any when not
/// even one character of each fits.
fn fit(natural: &[usize], width: usize) -> Vec<usize> {
    let n = natural.len();
    let mut natural = natural.to_vec();
    let mut widths = fit_all(&natural, width);
    for &i in LEAVE_OUT.iter().filter(|&&i| i < n) {
        let cut_short = LEAVE_OUT
            .iter()
            .any(|&j| j < n && widths[j] * 2 < natural[j]);
        if !cut_short {
            break;
        }
        natural[i] = 0;
        widths = fit_all(&natural, width);
    }
    widths
}

/// [`fit`], every column with a natural width kept while one character
/// of each fits.
fn fit_all(natural: &[usize], width: usize) -> Vec<usize> {
    let n = natural.len();
    let total = |widths: &[usize]| {
        let shown = widths.iter().filter(|&&w| w > 0).count();
        widths.iter().sum::<usize>() + GAP * shown.saturating_sub(1)
    };
    if total(natural) <= width {
        return natural.to_vec();
    }
    let floor: Vec<usize> = (0..n).map(|i| natural[i].min(MIN[i])).collect();
    if total(&floor) > width {
        return squeeze(floor, width, total);
    }
    // The room each column gets at a level: its weight's share, between
    // its floor and its widest cell.
    let at = |level: usize| -> Vec<usize> {
        (0..n)
            .map(|i| (level * WEIGHT[i] / 10).clamp(floor[i], natural[i]))
            .collect()
    };
    let (mut low, mut high) = (0, natural.iter().max().copied().unwrap_or(0) * 10);
    while low < high {
        let mid = (low + high).div_ceil(2);
        if total(&at(mid)) <= width {
            low = mid;
        } else {
            high = mid - 1;
        }
    }
    let mut widths = at(low);
    // What rounding left over goes to the most important columns first.
    let mut left = width - total(&widths);
    while left > 0 {
        let before = left;
        for &i in SHRINK_ORDER.iter().rev().filter(|&&i| i < n) {
            if left > 0 && widths[i] < natural[i] {
                widths[i] += 1;
                left -= 1;
            }
        }
        if left == before {
            break;
        }
    }
    widths
}

/// Below every floor: the columns give way down to one character, then are
/// left out, the least important first.
fn squeeze(mut widths: Vec<usize>, width: usize, total: impl Fn(&[usize]) -> usize) -> Vec<usize> {
    let order: Vec<usize> = SHRINK_ORDER
        .into_iter()
        .filter(|&i| i < widths.len())
        .collect();
    for target in [1, 0] {
        for &i in &order {
            if widths[i] == 0 {
                // Left out already (by `fit`): it stays out.
                continue;
            }
            let over = total(&widths).saturating_sub(width);
            if over == 0 {
                return widths;
            }
            let room = widths[i].saturating_sub(over).max(target);
            widths[i] = if target == 0 { 0 } else { room };
        }
    }
    widths
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
    let header = HEADERS.map(str::to_owned);
    let mut natural = vec![0usize; columns];
    for row in std::iter::once(&header).chain(&rows) {
        for (w, cell) in natural.iter_mut().zip(row) {
            *w = (*w).max(display_width(cell));
        }
    }
    let widths = match style.width {
        Some(width) => fit(&natural, width),
        None => natural,
    };
    write_row(out, &header[..columns], &widths, None)?;
    for (record, row) in records.iter().zip(&rows) {
        let color = style.color.then(|| color_of(record.status));
        write_row(out, &row[..columns], &widths, color)?;
    }
    Ok(())
}

/// One line: each cell cut to its column and padded, with no space at its
/// end.
fn write_row<W: Write>(
    out: &mut W,
    row: &[String],
    widths: &[usize],
    status_color: Option<&str>,
) -> io::Result<()> {
    let mut line = String::new();
    let mut pending = 0;
    for (i, (cell, &width)) in row.iter().zip(widths).enumerate() {
        if width == 0 {
            continue;
        }
        let cell = cut(cell, width, KEEP[i]);
        if !cell.is_empty() {
            line.extend(std::iter::repeat_n(' ', pending));
            pending = 0;
            match status_color.filter(|_| i == 3) {
                Some(color) => line.extend([color, &cell, "\x1b[0m"]),
                None => line.push_str(&cell),
            }
        }
        pending += width - display_width(&cell) + GAP;
    }
    line.push('\n');
    out.write_all(line.as_bytes())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_cell_is_cut_at_its_display_width() {
        assert_eq!(cut("Alice Martin", 12, Keep::Start), "Alice Martin");
        assert_eq!(cut("Alice Martin", 6, Keep::Start), "Alice…");
        assert_eq!(cut("book.vcf:12", 6, Keep::End), "…cf:12");
        // Two columns a character: a wide one that would straddle the
        // edge is left out, never half shown.
        assert_eq!(cut("山田太郎さん", 6, Keep::Start), "山田…");
        assert_eq!(display_width(&cut("山田太郎さん", 6, Keep::Start)), 5);
        // Accents written as combining marks take no column.
        assert_eq!(cut("Zoe\u{301} Durand", 4, Keep::Start), "Zoe\u{301}…");
        assert_eq!(cut("anything", 1, Keep::Start), "…");
        assert_eq!(cut("anything", 0, Keep::Start), "");
    }

    /// The table's width with `widths`: the columns shown and their gaps.
    fn table_width(widths: &[usize]) -> usize {
        let shown = widths.iter().filter(|&&w| w > 0).count();
        widths.iter().sum::<usize>() + GAP * shown.saturating_sub(1)
    }

    #[test]
    fn columns_fit_the_width_and_the_important_ones_give_way_last() {
        // SOURCE, CONTACT, ADDRESS, STATUS, DETAIL, VIA, as the sandbox has them.
        let natural = [24, 14, 31, 10, 73, 57];
        for width in [60, 80, 100, 120, 140, 160, 200, 219] {
            let widths = fit(&natural, width);
            let total = table_width(&widths);
            assert!(total <= width, "{width}: {widths:?}");
            assert!(
                total >= width.min(219) - 1,
                "{width}: room left: {widths:?}"
            );
            assert_eq!(widths[3], 10, "{width}: STATUS gave way: {widths:?}");
            assert!(widths[2] >= widths[1], "{width}: {widths:?}");
            // VIA and SOURCE are whole enough, or left out (VIA first).
            for i in LEAVE_OUT {
                assert!(
                    widths[i] == 0 || widths[i] * 2 >= natural[i],
                    "{width}: {widths:?}"
                );
            }
            // Here VIA would be cut below half its width under 160 columns.
            assert_eq!(widths[5] == 0, width < 160, "{width}: {widths:?}");
        }
        assert_eq!(fit(&natural, 500), natural);
        // At 80 columns, names, addresses and Matrix IDs take the room.
        let at_80 = fit(&natural, 80);
        assert_eq!((at_80[0], at_80[5]), (0, 0), "{at_80:?}");
        assert!(at_80[2] >= 28 && at_80[4] >= 20, "{at_80:?}");
        // With room for SOURCE at half its width, only VIA is left out.
        let at_100 = fit(&natural, 100);
        assert!(at_100[0] >= 12 && at_100[5] == 0, "{at_100:?}");
        // SOURCE is left out only after VIA, even a VIA that would fit whole.
        let short_via = [24, 13, 18, 10, 26, 15];
        for width in [60, 80, 100, 120] {
            let widths = fit(&short_via, width);
            assert!(widths[0] > 0 || widths[5] == 0, "{width}: {widths:?}");
            assert!(table_width(&widths) <= width, "{width}: {widths:?}");
        }
    }

    #[test]
    fn a_table_too_narrow_for_its_floors_still_fits() {
        let natural = [24, 14, 31, 10, 73, 57];
        for width in [0, 5, 12, 20, 30, 50] {
            let widths = fit(&natural, width);
            assert!(table_width(&widths) <= width, "{width}: {widths:?}");
        }
        // STATUS is the last to go.
        assert!(fit(&natural, 12)[3] > 0);
    }

    #[test]
    fn a_row_ends_with_its_last_cell_not_with_spaces() {
        let mut out = Vec::new();
        let row = ["a".to_owned(), "".to_owned(), "c".to_owned(), String::new()];
        write_row(&mut out, &row, &[3, 3, 3, 3], None).unwrap();
        assert_eq!(String::from_utf8(out).unwrap(), "a         c\n");
    }
}
