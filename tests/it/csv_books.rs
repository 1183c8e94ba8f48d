//! CSV through the binary, both ways: the results written as CSV (every
//! column a script needs, `mxids`, `input` and `reason` included), and
//! address books read from CSV exports in any language.

use serde_json::Value;

use crate::common::{Fed, dry_run_any, saved_as, text_book};
use crate::support::mxlookup;

/// Two start servers that disagree about one address; a localpart with a
/// `;` (the historical grammar allows it) shows that `mxids` splits on blanks.
const TWO_SERVERS: &str = r#"
[[servers]]
name = "one.example:443"
start = true
pepper = "p1"
associations = [
  { medium = "email", address = "ann@example.org", mxid = "@a;nn:one.example" },
  { medium = "email", address = "bob@example.org", mxid = "@bob:both.example" },
]

[[servers]]
name = "two.example:443"
start = true
pepper = "p2"
associations = [
  { medium = "email", address = "ann@example.org", mxid = "@ann:two.example" },
  { medium = "email", address = "bob@example.org", mxid = "@bob:both.example" },
]
"#;

/// The CSV a run wrote: its header and its records.
fn parse_csv(text: &str) -> (Vec<String>, Vec<Vec<String>>) {
    let mut reader = csv::Reader::from_reader(text.as_bytes());
    let header = reader
        .headers()
        .unwrap()
        .iter()
        .map(str::to_owned)
        .collect();
    let records = reader
        .records()
        .map(|r| r.unwrap().iter().map(str::to_owned).collect())
        .collect();
    (header, records)
}

/// A JSON field as the CSV writes it: a string, or empty for null.
fn text(value: &Value) -> String {
    value.as_str().unwrap_or_default().to_owned()
}

#[test]
fn csv_results_carry_mxids_input_and_reason() {
    let fed = Fed::start(Some(TWO_SERVERS));
    let book = ["ann@example.org", " Bob@Example.org", "not an address"].map(str::to_owned);
    let (_dir, book) = text_book(book);
    let (code, csv_out, stderr) = mxlookup()
        .args(["lookup", &book, "-f", "csv"])
        .args(fed.args())
        .run_with_env(&[("MXLOOKUP_BACKOFF_MS", "0")]);
    assert_eq!(code, 0, "{stderr}");
    let (json_code, results, stderr) = fed.lookup(&book, &[]);
    assert_eq!(json_code, code, "{stderr}");

    let (header, rows) = parse_csv(&csv_out);
    assert_eq!(
        header,
        [
            "contact", "medium", "address", "status", "mxid", "via", "mxids", "input", "reason"
        ]
    );
    assert_eq!(rows.len(), results.len());
    // Every column says what the JSON result says.
    for (row, result) in rows.iter().zip(&results) {
        let via: Vec<String> = result["via"].as_array().unwrap().iter().map(text).collect();
        let mxids: Vec<String> = result["mxids"]
            .as_array()
            .unwrap()
            .iter()
            .map(text)
            .collect();
        let split: Vec<String> = row[6]
            .split(' ')
            .filter(|s| !s.is_empty())
            .map(str::to_owned)
            .collect();
        assert_eq!(row[0], text(&result["contact"]), "{row:?}");
        assert_eq!(row[1], text(&result["medium"]), "{row:?}");
        assert_eq!(row[2], text(&result["address"]), "{row:?}");
        assert_eq!(row[3], text(&result["status"]), "{row:?}");
        assert_eq!(row[4], text(&result["mxid"]), "{row:?}");
        assert_eq!(row[5], via.join(" > "), "{row:?}");
        assert_eq!(split, mxids, "{row:?}");
        assert_eq!(row[7], text(&result["input"]), "{row:?}");
        assert_eq!(row[8], text(&result["reason"]), "{row:?}");
    }

    let by_input = |input: &str| rows.iter().find(|r| r[7] == input).unwrap();
    // A conflict: no mxid, both Matrix IDs in mxids.
    let ann = by_input("ann@example.org");
    assert_eq!((ann[3].as_str(), ann[4].as_str()), ("conflict", ""));
    let mut mxids: Vec<&str> = ann[6].split(' ').collect();
    mxids.sort_unstable();
    assert_eq!(mxids, ["@a;nn:one.example", "@ann:two.example"]);
    // Found: the address as written in the file, and its one Matrix ID.
    let bob = by_input("Bob@Example.org");
    assert_eq!(bob[2], "bob@example.org");
    assert_eq!(
        (bob[3].as_str(), bob[6].as_str()),
        ("found", bob[4].as_str())
    );
    // Invalid: what was written, and why it is no address.
    let invalid = by_input("not an address");
    assert_eq!(invalid[3], "invalid");
    assert!(!invalid[8].is_empty(), "{invalid:?}");
}

/// One localised Outlook export of `fixtures/csv/` (see its README): the
/// numbers and domains its rows are built from.
struct Export {
    lang: &'static str,
    /// The business and home numbers' prefix (fax `… 9999 000N`, pager
    /// `… 7777 000N`, phones `… 1234 000N` and `… 5678 000N`).
    prefix: &'static str,
    tld: &'static str,
    mobiles: [&'static str; 2],
    names: [&'static str; 3],
}

const EXPORTS: [Export; 10] = [
    Export {
        lang: "de",
        prefix: "+49 30",
        tld: "de",
        mobiles: ["+49 151 2345678", "+49 151 8765432"],
        names: ["Jürgen Karl Müller", "Anna Schmidt", "Lena Vogel"],
    },
    Export {
        lang: "fr",
        prefix: "+33 1",
        tld: "fr",
        mobiles: ["+33 6 12 34 56 78", "+33 6 98 76 54 32"],
        names: ["Élodie Marie Lefèvre", "Hugo Bernard", "Chloé Girard"],
    },
    Export {
        lang: "es",
        prefix: "+34 91",
        tld: "es",
        mobiles: ["+34 612 34 56 78", "+34 698 76 54 32"],
        names: ["Lucía María Fernández", "Javier Gómez", "Marta Ruiz"],
    },
    Export {
        lang: "it",
        prefix: "+39 06",
        tld: "it",
        mobiles: ["+39 312 345 6789", "+39 398 765 4321"],
        names: ["Giulia Maria Rossi", "Marco Bianchi", "Chiara Ricci"],
    },
    Export {
        lang: "pt",
        prefix: "+55 11",
        tld: "com.br",
        mobiles: ["+55 11 91234 5678", "+55 11 98765 4321"],
        names: ["João Pedro Silva", "Ana Souza", "Beatriz Costa"],
    },
    Export {
        lang: "nl",
        prefix: "+31 20",
        tld: "nl",
        mobiles: ["+31 6 12345678", "+31 6 87654321"],
        names: ["Sanne Maria de Vries", "Daan Jansen", "Emma Bakker"],
    },
    Export {
        lang: "pl",
        prefix: "+48 22",
        tld: "pl",
        mobiles: ["+48 512 345 678", "+48 598 765 432"],
        names: [
            "Małgorzata Anna Wiśniewska",
            "Piotr Kowalski",
            "Zofia Wójcik",
        ],
    },
    Export {
        lang: "ru",
        prefix: "+7 495",
        tld: "ru",
        mobiles: ["+7 912 345-67-89", "+7 998 765-43-21"],
        names: [
            "Ольга Ивановна Смирнова",
            "Дмитрий Иванов",
            "Анна Кузнецова",
        ],
    },
    Export {
        lang: "ja",
        prefix: "+81 3",
        tld: "jp",
        mobiles: ["+81 90 1234 5678", "+81 80 8765 4321"],
        names: ["花子 山田", "太郎 佐藤", "美咲 鈴木"],
    },
    Export {
        lang: "zh",
        prefix: "+86 10",
        tld: "cn",
        mobiles: ["+86 138 0013 8000", "+86 139 8765 4321"],
        names: ["伟 王", "芳 李", "静 张"],
    },
];

impl Export {
    fn file(&self) -> String {
        format!("fixtures/csv/outlook-{}.csv", self.lang)
    }

    fn mail(&self, kind: &str, row: usize) -> String {
        format!("{kind}{row}.{}@example.{}", self.lang, self.tld)
    }

    /// `(contact, input, line)` of every address the export holds in a
    /// phone, mobile or email column, in file order.
    fn to_read(&self) -> Vec<(String, String, u32)> {
        let p = self.prefix;
        let [a, b, c] = self.names.map(str::to_owned);
        vec![
            (a.clone(), format!("{p} 1234 0001"), 2),
            (a.clone(), format!("{p} 1234 0002"), 2),
            (a.clone(), format!("{p} 5678 0001"), 2),
            (a.clone(), self.mobiles[0].to_owned(), 2),
            (a.clone(), self.mail("work", 1), 2),
            (a, self.mail("home", 1), 2),
            (b.clone(), self.mobiles[1].to_owned(), 3),
            (b, self.mail("work", 2), 3),
            (c.clone(), format!("{p} 1234 0003"), 4),
            (c, self.mail("home", 3), 4),
        ]
    }
}

/// `(contact, input, line)` of each result.
fn read(results: &[Value]) -> Vec<(String, String, u32)> {
    results
        .iter()
        .map(|r| {
            let source = r["source"].as_str().unwrap();
            let line = source.rsplit(':').next().unwrap().parse().unwrap();
            (text(&r["contact"]), text(&r["input"]), line)
        })
        .collect()
}

#[test]
fn outlook_exports_in_ten_languages_read_every_address() {
    for export in &EXPORTS {
        let file = export.file();
        let (code, results, stderr) = dry_run_any(&file, &["-v"]);
        assert_eq!(code, 0, "{file}: {stderr}");
        assert_eq!(read(&results), export.to_read(), "{file}");
        // Each read as what its column holds.
        for r in &results {
            let medium = if text(&r["input"]).contains('@') {
                "email"
            } else {
                "msisdn"
            };
            assert_eq!(r["medium"], medium, "{file}: {r}");
        }
        // Fax, pager, display names, postal codes and birthdays are neither
        // read nor taken for skipped addresses.
        assert!(!stderr.contains("warning:"), "{file}: {stderr}");
        assert!(!stderr.contains("note:"), "{file}: {stderr}");
    }
}

#[test]
fn a_column_no_header_word_claims_is_read_by_its_content() {
    // A German export with two columns in Finnish (Outlook's fi-FI
    // `Sähköpostiosoite 2`, and `Matkapuhelin`, mobile phone), which no
    // header rule knows.
    let (_dir, path) = saved_as(
        "kontakte.csv",
        "Vorname;Nachname;Sähköpostiosoite 2;Matkapuhelin;Notizen\n\
         Aino;Virtanen;aino@example.fi;+358 40 1234567;Sauna am Freitag\n\
         Eero;Korhonen;eero@example.fi;+358 50 7654321;\n\
         Kaisa;Mäkinen;kaisa@example.fi;+358 45 1112223;\n",
    );
    let (code, results, stderr) = dry_run_any(&path, &[]);
    assert_eq!(code, 0, "{stderr}");
    let inputs: Vec<String> = results.iter().map(|r| text(&r["input"])).collect();
    assert_eq!(
        inputs,
        [
            "aino@example.fi",
            "+358 40 1234567",
            "eero@example.fi",
            "+358 50 7654321",
            "kaisa@example.fi",
            "+358 45 1112223"
        ]
    );
    assert_eq!(results[1]["medium"], "msisdn");
    assert_eq!(results[0]["contact"], "Aino Virtanen");
    assert!(!stderr.contains("note:"), "notes are for -v: {stderr}");
    assert!(!stderr.contains("warning:"), "{stderr}");
    // -v says which columns were read by content, and on what evidence.
    let (_, _, stderr) = dry_run_any(&path, &["-v"]);
    assert!(
        stderr.contains(&format!(
            "note: {path}:1: column `Sähköpostiosoite 2` (column 3) is read as email \
             addresses: 3 of its 3 cells look like them"
        )),
        "{stderr}"
    );
    assert!(
        stderr.contains(&format!(
            "note: {path}:1: column `Matkapuhelin` (column 4) is read as phone numbers"
        )),
        "{stderr}"
    );
}

/// The arguments of a `hint: … pass ARGS` line, split as a shell would
/// split them (single quotes only).
fn hinted_arguments(stderr: &str) -> Vec<String> {
    let hint = stderr
        .lines()
        .find_map(|l| {
            l.strip_prefix("hint: ")?
                .split_once(" pass ")
                .map(|(_, a)| a)
        })
        .unwrap_or_else(|| panic!("no hint: {stderr}"));
    let mut args = Vec::new();
    let mut current = String::new();
    let mut quoted = false;
    for c in hint.chars() {
        match c {
            '\'' => quoted = !quoted,
            ' ' if !quoted => {
                args.extend((!current.is_empty()).then(|| std::mem::take(&mut current)))
            }
            _ => current.push(c),
        }
    }
    args.extend((!current.is_empty()).then_some(current));
    args
}

#[test]
fn a_skipped_column_that_looks_like_addresses_is_warned_about() {
    let (_dir, path) = saved_as(
        "contacts.csv",
        "Name,E-mail Address,Other contact\n\
         Ana,ana@example.org,ana.perso@example.net\n\
         Bo,bo@example.org,ask at the front desk\n\
         Cy,cy@example.org,bo.perso@example.net\n\
         Di,di@example.org,none\n\
         Ed,ed@example.org,\n",
    );
    let (code, results, stderr) = dry_run_any(&path, &[]);
    assert_eq!(code, 0, "{stderr}");
    assert_eq!(
        results.len(),
        5,
        "only the E-mail Address column: {results:?}"
    );
    assert!(
        stderr.contains(&format!(
            "warning: {path}:1: column `Other contact` (column 3) is not read, but 2 of its \
             4 cells look like email addresses\n"
        )),
        "{stderr}"
    );
    // The hint's arguments read it, with the column read before.
    let args = hinted_arguments(&stderr);
    assert_eq!(
        args,
        [
            "--email-column",
            "E-mail Address",
            "--email-column",
            "Other contact"
        ]
    );
    let args: Vec<&str> = args.iter().map(String::as_str).collect();
    let (code, results, stderr) = dry_run_any(&path, &args);
    assert_eq!(code, 0, "{stderr}");
    assert!(!stderr.contains("warning:"), "{stderr}");
    let inputs: Vec<String> = results.iter().map(|r| text(&r["input"])).collect();
    assert!(
        inputs.contains(&"ana.perso@example.net".to_owned()),
        "{inputs:?}"
    );
    assert!(inputs.contains(&"ed@example.org".to_owned()), "{inputs:?}");
    // Nothing lost: the cells that are no addresses are `invalid` results.
    let invalid: Vec<&Value> = results
        .iter()
        .filter(|r| r["status"] == "invalid")
        .collect();
    assert_eq!(invalid.len(), 2, "{invalid:?}");
    assert_eq!(results.len(), 9);
}

#[test]
fn columns_given_on_the_command_line_replace_the_header_rules() {
    let export = &EXPORTS[1];
    let file = export.file();
    // By header, case and accents aside, and by number.
    let (code, results, stderr) = dry_run_any(
        &file,
        &[
            "--email-column",
            "ADRESSE DE MESSAGERIE 2",
            "--phone-column",
            "tel. mobile",
            "--phone-column",
            "8",
        ],
    );
    assert_eq!(code, 0, "{stderr}");
    let want: Vec<(String, String, u32)> = export
        .to_read()
        .into_iter()
        .filter(|(_, input, _)| {
            input.starts_with("home")
                || export.mobiles.contains(&input.as_str())
                || input.ends_with(" 1234 0002")
        })
        .collect();
    assert_eq!(read(&results), want);
    // The number 8 is `Téléphone 2 (bureau)`.
    assert!(want.iter().any(|(_, input, _)| input == "+33 1 1234 0002"));
}

#[test]
fn a_column_not_in_the_header_is_refused_with_the_header_listed() {
    let file = EXPORTS[1].file();
    let (code, stdout, stderr) = mxlookup()
        .args([
            "lookup",
            "--dry-run",
            "--pepper",
            "p",
            &file,
            "--email-column",
            "Courriel",
        ])
        .run();
    assert_eq!(code, 2, "{stderr}");
    assert_eq!(stdout, "");
    let mut lines = stderr.lines();
    assert_eq!(
        lines.next(),
        Some(format!("error: {file}:1: no column named `Courriel` in the header").as_str())
    );
    let hint = lines.next().unwrap();
    assert!(
        hint.starts_with("hint: the header's columns are: 1 Prénom, 2 Deuxième prénom, "),
        "{hint}"
    );
    assert!(hint.contains(", 12 Adresse de messagerie, "), "{hint}");
    assert!(
        hint.ends_with("17 Notes; or give a column's number, 1 to 17"),
        "{hint}"
    );
    // A number past the header is refused too, and a number that is none.
    let (code, _, stderr) = mxlookup()
        .args([
            "lookup",
            "--dry-run",
            "--pepper",
            "p",
            &file,
            "--phone-column",
            "18",
        ])
        .run();
    assert_eq!(code, 2, "{stderr}");
    assert!(
        stderr.contains("there is no column 18: the header has 17"),
        "{stderr}"
    );
    let (code, _, stderr) = mxlookup()
        .args([
            "lookup",
            "--dry-run",
            "--pepper",
            "p",
            &file,
            "--phone-column",
            "0",
        ])
        .run();
    assert_eq!(code, 2, "{stderr}");
    assert!(stderr.contains("1 is the first"), "{stderr}");
}

#[test]
fn a_file_whose_addresses_sit_in_a_name_column_says_how_to_read_them() {
    // "contact" is a name header; its cells here are mostly not addresses:
    // the file is refused, but the error names the way to read them
    // instead of saying no cell looks like an address.
    let (_dir, file) = saved_as(
        "people.csv",
        "name,contact\nA,ann@example.org\nB,bob@example.org\nC,hello\nD,nope\nE,zzz\n",
    );
    let (code, results, stderr) = dry_run_any(&file, &[]);
    assert_eq!(code, 2, "{stderr}");
    assert!(results.is_empty());
    assert!(stderr.contains("--email-column NAME"), "{stderr}");
    assert!(!stderr.contains("no cell looks like"), "{stderr}");
    let (code, results, stderr) = dry_run_any(&file, &["--email-column", "contact"]);
    assert_eq!(code, 0, "{stderr}");
    let statuses: Vec<&str> = results
        .iter()
        .map(|r| r["status"].as_str().unwrap())
        .collect();
    assert_eq!(
        statuses,
        ["not_asked", "not_asked", "invalid", "invalid", "invalid"]
    );
}

#[test]
fn outlook_exports_in_their_legacy_code_page_are_read_in_it() {
    // Outlook writes its CSV in the system's ANSI code page unless told
    // otherwise: Windows-1251 in Russian, Shift_JIS in Japanese, GBK in
    // Chinese. The header words are known only once the bytes are read in it.
    let books = [
        (
            encoding_rs::WINDOWS_1251,
            "Имя;Фамилия;Адрес эл. почты;Мобильный телефон\r\nИван;Петров;ivan@example.org;+7 912 345-67-89\r\nОльга;Смирнова;olga@example.org;\r\n",
            "Иван Петров",
        ),
        (
            encoding_rs::SHIFT_JIS,
            "名,姓,電子メール アドレス,携帯電話\r\n太郎,山田,taro@example.jp,+81 90-1234-5678\r\n花子,鈴木,hanako@example.jp,\r\n",
            "太郎 山田",
        ),
    ];
    for (charset, book, first) in books {
        let (bytes, _, unmappable) = charset.encode(book);
        assert!(!unmappable);
        let (_dir, file) = saved_as("contacts.csv", &bytes);
        let (code, results, stderr) = dry_run_any(&file, &["-v"]);
        assert_eq!(code, 0, "{}: {stderr}", charset.name());
        let inputs: Vec<String> = results.iter().map(|r| text(&r["input"])).collect();
        assert_eq!(inputs.len(), 3, "{}: {results:?}", charset.name());
        assert!(
            results.iter().all(|r| r["status"] == "not_asked"),
            "{}: {results:?}",
            charset.name()
        );
        assert!(
            results.iter().any(|r| text(&r["contact"]) == first),
            "{}: {results:?}",
            charset.name()
        );
        assert!(
            stderr.contains(&format!(
                "read as {} (its charset, as detected)",
                charset.name()
            )),
            "{stderr}"
        );
    }
}
