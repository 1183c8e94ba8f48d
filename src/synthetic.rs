//! Synthetic address books for benchmarks: N invented contacts, each with an
//! email address and a phone number, in a mix of national and international
//! forms, with some duplicates and some invalid entries. Deterministic for a
//! given seed.

use std::io::{self, Write};

const FIRST: [&str; 16] = [
    "Ada", "Bruno", "Chloé", "Dmitri", "Elif", "Farah", "Gustav", "Hana", "Ines", "Jonas", "Kwame",
    "Léa", "Mateo", "Nora", "Oskar", "Priya",
];
const LAST: [&str; 16] = [
    "Adler",
    "Bianchi",
    "Costa",
    "Dubois",
    "Eriksen",
    "Fischer",
    "García",
    "Horvat",
    "Ivanova",
    "Jansen",
    "Kowalczyk",
    "Larsen",
    "Moreau",
    "Novak",
    "Okafor",
    "Petrov",
];

/// The shape of a synthetic book.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum SynthFormat {
    /// vCard 3.0, CRLF, as phones export.
    Vcard,
    /// A Google-style CSV.
    Csv,
}

/// One invented contact.
struct Person {
    name: String,
    email: String,
    phone: String,
}

fn person(rng: &mut fastrand::Rng, i: usize, earlier: &[String]) -> Person {
    let first = FIRST[rng.usize(..FIRST.len())];
    let last = LAST[rng.usize(..LAST.len())];
    let name = format!("{first} {last}");
    let email = match rng.u8(..100) {
        // A shared address (a family or team mailbox), in another case.
        0 if !earlier.is_empty() => earlier[rng.usize(..earlier.len())].to_uppercase(),
        1 => format!("{}.{}.at.example.org", first.to_lowercase(), i),
        n if n < 20 => format!("{first}.{last}{i}@Example.org"),
        _ => format!(
            "{}.{}{i}@example.org",
            first.to_lowercase(),
            last.to_lowercase()
        ),
    };
    let mobile = 610_000_000 + (i as u64 * 7_919) % 20_000_000;
    let (a, b, c, d) = (
        mobile / 1_000_000 % 100,
        mobile / 10_000 % 100,
        mobile / 100 % 100,
        mobile % 100,
    );
    let phone = match rng.u8(..100) {
        0 => "12".to_owned(),
        n if n < 40 => format!("0{} {a:02} {b:02} {c:02} {d:02}", mobile / 100_000_000),
        n if n < 70 => format!("+33 {} {a:02} {b:02} {c:02} {d:02}", mobile / 100_000_000),
        n if n < 85 => format!("0033{mobile}"),
        _ => format!("+49 171 {:07}", i % 10_000_000),
    };
    Person { name, email, phone }
}

/// Writes `contacts` invented contacts (national numbers are French: read
/// them with `--region FR`).
pub fn write_book<W: Write>(
    out: &mut W,
    contacts: usize,
    seed: u64,
    format: SynthFormat,
) -> io::Result<()> {
    let mut rng = fastrand::Rng::with_seed(seed);
    let mut earlier: Vec<String> = Vec::new();
    if format == SynthFormat::Csv {
        writeln!(
            out,
            "First Name,Last Name,E-mail 1 - Label,E-mail 1 - Value,Phone 1 - Label,Phone 1 - Value"
        )?;
    }
    for i in 0..contacts {
        let p = person(&mut rng, i, &earlier);
        if i % 97 == 0 {
            earlier.push(p.email.clone());
        }
        match format {
            SynthFormat::Vcard => write!(
                out,
                "BEGIN:VCARD\r\nVERSION:3.0\r\nFN:{}\r\nEMAIL;TYPE=INTERNET:{}\r\nTEL;TYPE=CELL:{}\r\nEND:VCARD\r\n",
                p.name, p.email, p.phone
            )?,
            SynthFormat::Csv => {
                let (first, last) = p.name.split_once(' ').unwrap_or((&p.name, ""));
                writeln!(out, "{first},{last},* Home,{},Mobile,{}", p.email, p.phone)?;
            }
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn deterministic_and_complete() {
        let mut a = Vec::new();
        let mut b = Vec::new();
        write_book(&mut a, 200, 7, SynthFormat::Vcard).unwrap();
        write_book(&mut b, 200, 7, SynthFormat::Vcard).unwrap();
        assert_eq!(a, b);
        let text = String::from_utf8(a).unwrap();
        assert_eq!(text.matches("BEGIN:VCARD").count(), 200);
        assert_eq!(text.matches("EMAIL").count(), 200);
    }
}
