//! What a CSV header cell names, in any of the languages Outlook and Google
//! export in.
//!
//! A header is matched on its words, not on substrings (`Phonetic First
//! Name` is no phone, `Telex` no telephone), after folding case and accents
//! (`Téléphone` is `telephone`, `Służbowy` is `sluzbowy`): the same folding
//! is applied to the header and to the words below, so they are written as
//! a translator would. Digits are words of their own and never decide, so
//! Outlook's numbered columns (`E-mail 2 Address`, `E-Mail-Adresse 2`,
//! `Téléphone 2 (bureau)`) and Google's (`Phone 1 - Value`) match like the
//! first one. Compound words and scripts written without blanks are matched
//! on stems instead: German `Mobiltelefon`, Dutch `Hoofdtelefoon`, Japanese
//! `携帯電話`, Chinese `移动电话`.
//!
//! Where the words come from: Outlook's own per-language CSV header tables
//! (de, fr, es, it, pt-BR, pt-PT, nl, pl, ru, ja, zh-CN, zh-TW, as Exchange's
//! `OutlookCsvLanguageSelect` lists them for its contact import), and the
//! headers of Google's and Thunderbird's exports; see `fixtures/csv/README.md`.

use std::collections::BTreeSet;
use std::sync::LazyLock;

use icu_normalizer::DecomposingNormalizerBorrowed;

/// What a header cell names.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Named {
    /// Email addresses.
    Email,
    /// Phone numbers.
    Phone,
    /// The contact's whole name.
    FullName,
    /// A given name.
    FirstName,
    /// A middle name.
    MiddleName,
    /// A family name.
    LastName,
    /// A column a rule says is not looked up: fax, pager, telex, `… Type`,
    /// `… Label`, an email's display name, phonetic names.
    NotLookedUp,
    /// No rule claims it.
    Nothing,
}

/// Header words that make a column one not looked up, whatever else it says.
const NOT_LOOKED_UP_WORDS: &[&str] = &[
    // A value's kind or label (Google's `E-mail 1 - Type`, `Phone 1 - Label`).
    "type",
    "typ",
    "tipo",
    "tip",
    "тип",
    "rodzaj",
    "label",
    "labels",
    "libellé",
    "étiquette",
    "etiqueta",
    "etichetta",
    "rótulo",
    "etykieta",
    "bezeichnung",
    "метка",
    // Fax, pager, telex.
    "fax",
    "telefax",
    "facsimile",
    "télécopie",
    "telecopia",
    "faks",
    "telefaks",
    "факс",
    "pager",
    "beeper",
    "radiomessagerie",
    "cercapersone",
    "personsøker",
    "пейджер",
    "telex",
    "télex",
    "teleks",
    "телекс",
    // Phonetic names.
    "phonetic",
    "yomi",
    "pronunciation",
];
/// Stems (inside compound words, or in scripts without blanks) that make a
/// column one not looked up.
const NOT_LOOKED_UP_STEMS: &[&str] = &[
    "telefax",
    "telecopie",
    "ポケットベル",
    "テレックス",
    "フリガナ",
    "種類",
    "表示名",
    "传真",
    "寻呼",
    "电报",
    "类型",
    "显示名",
    "傳真",
    "呼叫器",
    "類型",
    "顯示名",
    "拼音",
];
/// Words that turn an email column into its display name's.
const DISPLAY_WORDS: &[&str] = &[
    "name",
    "display",
    "nom",
    "nombre",
    "nome",
    "naam",
    "weergavenaam",
    "nazwa",
    "имя",
    "pantalla",
    "visualizzato",
    "exibição",
    "apresentar",
    "angezeigter",
    "anzeigename",
];
/// Header words naming an email column.
const EMAIL_WORDS: &[&str] = &[
    "email",
    "emails",
    "mail",
    "courriel",
    "messagerie",
    "correo",
    "correio",
    "elettronica",
    "почты",
    "почта",
    "пошти",
];
/// Stems naming an email column in scripts without blanks. (Chinese `邮箱`
/// is not one: Outlook's `商务地址 - 邮箱` is a post-office box.)
const EMAIL_STEMS: &[&str] = &["メール", "邮件", "郵件", "메일"];
/// Header words naming a phone column (`number` alone is not one).
const PHONE_WORDS: &[&str] = &[
    "phone",
    "phones",
    "telephone",
    "tel",
    "mobile",
    "cell",
    "cellphone",
    "cellular",
    "smartphone",
    "msisdn",
    "gsm",
    "callback",
    "isdn",
    "rnis",
    "rdis",
    "handy",
    "handynummer",
    "mobilnummer",
    "mobil",
    "mobiel",
    "móvil",
    "celular",
    "cellulare",
    "portable",
    "telemóvel",
    "komórkowy",
    "мобильный",
];
/// Stems naming a phone column inside compound words and in scripts
/// without blanks: `Mobiltelefon`, `Autotelefoon`, `Téléphone`, `携帯電話`.
const PHONE_STEMS: &[&str] = &[
    "telefon",
    "telefoon",
    "telephon",
    "телефон",
    "電話",
    "电话",
    "手机",
    "手機",
    "携帯",
    "전화",
];
/// Whole headers (numbers aside) that Outlook uses for a phone column
/// without saying `phone`: Italian home and office, Spanish home.
const PHONE_HEADERS: &[&str] = &["abitazione", "ufficio", "particular"];
/// Whole headers naming the contact.
const FULL_NAMES: &[&str] = &[
    "name",
    "full name",
    "fullname",
    "display name",
    "displayname",
    "formatted name",
    "contact",
    "contact name",
    "nom complet",
    "nombre completo",
    "nome completo",
    "volledige naam",
    "vollständiger name",
    "полное имя",
    "姓名",
    "氏名",
    "名前",
];
/// Whole headers naming a given name.
const FIRST_NAMES: &[&str] = &[
    "first name",
    "firstname",
    "first",
    "given name",
    "givenname",
    "forename",
    "vorname",
    "prénom",
    "nombre",
    "nome",
    "primeiro nome",
    "voornaam",
    "imię",
    "имя",
    "名",
    "名字",
];
/// Whole headers naming a middle name.
const MIDDLE_NAMES: &[&str] = &[
    "middle name",
    "middlename",
    "middle",
    "additional name",
    "additional names",
    "weitere vornamen",
    "deuxième prénom",
    "segundo nombre",
    "secondo nome",
    "segundo nome",
    "outros nomes/apelidos",
    "middelste naam",
    "drugie imię",
    "отчество",
    "ミドル ネーム",
    "中间名",
    "中間名",
];
/// Whole headers naming a family name.
const LAST_NAMES: &[&str] = &[
    "last name",
    "lastname",
    "last",
    "family name",
    "familyname",
    "surname",
    "nachname",
    "nom",
    "apellidos",
    "apellido",
    "cognome",
    "sobrenome",
    "apelido",
    "achternaam",
    "nazwisko",
    "фамилия",
    "姓",
    "姓氏",
];

/// The word lists above, folded as headers are.
struct Rules {
    not_looked_up: BTreeSet<String>,
    not_looked_up_stems: Vec<String>,
    display: BTreeSet<String>,
    email: BTreeSet<String>,
    email_stems: Vec<String>,
    phone: BTreeSet<String>,
    phone_stems: Vec<String>,
    phone_headers: BTreeSet<String>,
    full: BTreeSet<String>,
    first: BTreeSet<String>,
    middle: BTreeSet<String>,
    last: BTreeSet<String>,
}

static RULES: LazyLock<Rules> = LazyLock::new(|| {
    let words = |list: &[&str]| -> BTreeSet<String> { list.iter().map(|w| phrase(w)).collect() };
    let stems = |list: &[&str]| -> Vec<String> { list.iter().map(|s| fold(s)).collect() };
    Rules {
        not_looked_up: words(NOT_LOOKED_UP_WORDS),
        not_looked_up_stems: stems(NOT_LOOKED_UP_STEMS),
        display: words(DISPLAY_WORDS),
        email: words(EMAIL_WORDS),
        email_stems: stems(EMAIL_STEMS),
        phone: words(PHONE_WORDS),
        phone_stems: stems(PHONE_STEMS),
        phone_headers: words(PHONE_HEADERS),
        full: words(FULL_NAMES),
        first: words(FIRST_NAMES),
        middle: words(MIDDLE_NAMES),
        last: words(LAST_NAMES),
    }
});

/// What the header cell `header` names.
pub(super) fn classify(header: &str) -> Named {
    let rules = &*RULES;
    let words = words(header);
    let folded = fold(header);
    let has = |set: &BTreeSet<String>| words.iter().any(|w| set.contains(w));
    let stem = |stems: &[String]| stems.iter().any(|s| folded.contains(s.as_str()));
    let whole = words.join(" ");
    let is = |set: &BTreeSet<String>| set.contains(&whole);
    let without_numbers: Vec<&str> = words
        .iter()
        .map(String::as_str)
        .filter(|w| !w.chars().all(|c| c.is_numeric()))
        .collect();
    if has(&rules.not_looked_up) || stem(&rules.not_looked_up_stems) {
        Named::NotLookedUp
    } else if is(&rules.full) {
        Named::FullName
    } else if is(&rules.first) {
        Named::FirstName
    } else if is(&rules.middle) {
        Named::MiddleName
    } else if is(&rules.last) {
        Named::LastName
    } else if has(&rules.email) || stem(&rules.email_stems) {
        if has(&rules.display) {
            Named::NotLookedUp
        } else {
            Named::Email
        }
    } else if has(&rules.phone)
        || stem(&rules.phone_stems)
        || rules.phone_headers.contains(&without_numbers.join(" "))
    {
        Named::Phone
    } else {
        Named::Nothing
    }
}

/// `text` decomposed (NFD), without its combining marks, lower-cased:
/// `Téléphone` and `TELEPHONE` fold alike, as do `й` and `и`.
pub(super) fn fold(text: &str) -> String {
    strip_marks(text).to_lowercase()
}

/// `text` decomposed (NFD) without its combining marks; case is kept.
fn strip_marks(text: &str) -> String {
    DecomposingNormalizerBorrowed::new_nfd()
        .normalize(text)
        .chars()
        .filter(|&c| !is_combining_mark(c))
        .collect()
}

/// The combining marks NFD splits off letters: Latin, Greek and Cyrillic
/// accents, and the kana voicing marks.
fn is_combining_mark(c: char) -> bool {
    matches!(c,
        '\u{0300}'..='\u{036F}'
        | '\u{1AB0}'..='\u{1AFF}'
        | '\u{1DC0}'..='\u{1DFF}'
        | '\u{20D0}'..='\u{20FF}'
        | '\u{FE20}'..='\u{FE2F}'
        | '\u{3099}'..='\u{309A}')
}

/// A word list entry as headers' words are joined: folded, split the same way.
fn phrase(text: &str) -> String {
    words(text).join(" ")
}

/// The words of a header, folded: split on anything but letters and
/// digits, between letters and digits, and between camelCase words; `e-mail`
/// and `e-post` become `email`, and a compound starting with it is split
/// after it (Dutch `E-mailadres`, Norwegian `E-postadresse`, `emailAddress`).
fn words(header: &str) -> Vec<String> {
    let mut words: Vec<String> = Vec::new();
    let mut current = String::new();
    let mut previous: Option<char> = None;
    for c in strip_marks(header).chars() {
        let boundary = previous.is_some_and(|p| {
            !c.is_alphanumeric()
                || p.is_numeric() != c.is_numeric()
                || (p.is_lowercase() && c.is_uppercase())
        });
        if boundary && !current.is_empty() {
            words.push(std::mem::take(&mut current));
        }
        if c.is_alphanumeric() {
            current.extend(c.to_lowercase());
        }
        previous = Some(c).filter(|c| c.is_alphanumeric());
    }
    if !current.is_empty() {
        words.push(current);
    }
    join_email(words)
}

/// `e` `mail…` and `e` `post…` as one `email` word, and any word starting
/// with `email` split after it.
fn join_email(words: Vec<String>) -> Vec<String> {
    let mut joined = Vec::with_capacity(words.len());
    let mut words = words.into_iter().peekable();
    while let Some(word) = words.next() {
        let glued = match words.peek() {
            Some(next) if word == "e" && (next.starts_with("mail") || next.starts_with("post")) => {
                let next = words.next().unwrap_or_default();
                format!("email{}", &next[4..])
            }
            _ => word,
        };
        match glued.strip_prefix("email") {
            Some(rest) if !rest.is_empty() => {
                joined.push("email".to_owned());
                joined.push(rest.to_owned());
            }
            _ => joined.push(glued),
        }
    }
    joined
}

#[cfg(test)]
mod tests {
    use super::*;

    #[track_caller]
    fn assert_named(named: Named, headers: &[&str]) {
        for header in headers {
            assert_eq!(classify(header), named, "{header:?}");
        }
    }

    #[test]
    fn folds_case_and_accents() {
        assert_eq!(fold("Téléphone MOBILE"), "telephone mobile");
        assert_eq!(fold("Służbowy"), "słuzbowy");
        assert_eq!(fold("Мобильный"), "мобильныи");
        assert_eq!(words("E-Mail-Adresse 2"), ["email", "adresse", "2"]);
        assert_eq!(words("E-mailadres"), ["email", "adres"]);
        assert_eq!(words("E-posttype 2"), ["email", "type", "2"]);
        assert_eq!(words("emailAddress"), ["email", "address"]);
        assert_eq!(words("Tél. mobile"), ["tel", "mobile"]);
    }

    #[test]
    fn matched_on_words_not_substrings() {
        let headers = [
            "Phonetic First Name",
            "Telex",
            "Hotel",
            "Number",
            "Mobility",
        ];
        assert_named(Named::Nothing, &headers[2..]);
        assert_named(Named::NotLookedUp, &headers[..2]);
        let headers = [
            "Account Number",
            "Home Address",
            "Nickname",
            "Screen Name",
            "",
        ];
        assert_named(Named::Nothing, &headers);
        let headers = [
            "Organization Name",
            "Organization 1 - Name",
            "Assistant's Name",
        ];
        assert_named(Named::Nothing, &headers);
        // A post-office box and a postal code are no email columns.
        let headers = [
            "Почтовый ящик (раб. адрес)",
            "商务地址 - 邮箱",
            "Caixa postal",
        ];
        assert_named(Named::Nothing, &headers);
    }

    #[test]
    fn type_label_fax_pager_display_names_and_phonetics_are_not_looked_up() {
        let headers = [
            "E-mail 1 - Type",
            "E-mail 1 - Label",
            "Phone 1 - Label",
            "Phone 1 - Type",
            "E-mail Type",
            "Business Fax",
            "Pager Number",
            "E-mail Display Name",
            "Given Name Yomi",
        ];
        assert_named(Named::NotLookedUp, &headers);
        // Outlook's, in the languages of the fixtures.
        let headers = [
            "E-Mail-Typ",
            "E-Mail 2: Angezeigter Name",
            "Fax geschäftlich",
            "Type de messagerie",
            "Nom complet de l'adresse de messagerie 2",
            "Télécopie (bureau)",
            "Récepteur de radiomessagerie",
            "Tipo de correo electrónico 2",
            "Nombre de pantalla de correo electrónico",
            "Tipo posta elettronica",
            "Nome visualizzato posta elettronica",
            "Cercapersone",
            "Fax (uff.)",
            "Nome para exibição do email",
            "Tipo de correio electrónico",
            "E-mailtype 2",
            "Weergavenaam voor e-mail",
            "Telefaks, arb.",
            "Typ poczty e-mail",
            "Wyświetlana nazwa e-mail",
            "Faks służbowy",
            "Тип эл. почты",
            "Краткое имя эл. почты",
            "Рабочий факс",
            "Пейджер",
            "電子メールの種類",
            "電子メール表示名",
            "会社 FAX",
            "ポケットベル",
            "姓フリガナ",
            "电子邮件类型",
            "电子邮件显示名称",
            "商务传真",
            "寻呼机",
            "電子郵件 2 顯示名稱",
        ];
        assert_named(Named::NotLookedUp, &headers);
    }

    #[test]
    fn email_columns() {
        let headers = [
            "E-mail 1 - Value",
            "E-mail Address",
            "E-mail 3 Address",
            "Mail",
            "Primary Email",
            "emailAddress",
            "e_mail",
            "E-Mail-Adresse",
            "E-Mail 2: Adresse",
            "E-Mail-Adresse 2",
            "E-Mail 1 - Wert",
            "Adresse de messagerie",
            "Adresse de messagerie 3",
            "Courriel",
            "E-mail 1 - Valeur",
            "Dirección de correo electrónico 2",
            "Indirizzo posta elettronica",
            "Endereço de email 2",
            "Endereço de correio electrónico",
            "E-mailadres",
            "E-mailadres 2",
            "Adres e-mail",
            "Adres e-mail 2",
            "Адрес эл. почты",
            "Адрес 2 эл. почты",
            "電子メール アドレス",
            "電子メール 2 アドレス",
            "电子邮件地址",
            "电子邮件 2 地址",
            "電子郵件地址",
            "E-postadresse",
        ];
        assert_named(Named::Email, &headers);
    }

    #[test]
    fn phone_columns() {
        let headers = [
            "Phone 1 - Value",
            "Mobile Phone",
            "Home Phone 2",
            "TTY/TDD Phone",
            "Assistant's Phone",
            "Company Main Phone",
            "Callback",
            "ISDN",
            "Phone1",
            "Mobile Number",
            "Home Tel",
            "cell",
            "MSISDN",
            "phoneNumber",
        ];
        assert_named(Named::Phone, &headers);
        let headers = [
            "Telefon",
            "Telefon privat",
            "Telefon geschäftlich",
            "Telefon geschäftlich 2",
            "Mobiltelefon",
            "Handy",
            "Handynummer",
            "Mobilnummer",
            "Autotelefon",
            "Telefon 1 - Wert",
            "Téléphone (bureau)",
            "Téléphone 2 (domicile)",
            "Téléphone mobile",
            "Tél. mobile",
            "Téléphone 1 - Valeur",
            "Teléfono del trabajo",
            "Particular",
            "Teléfono móvil",
            "Abitazione",
            "Ufficio 2",
            "Cellulare",
            "Telefone comercial",
            "Telefone celular",
            "Telemóvel",
            "Telefoon op werk",
            "Mobiele telefoon",
            "Hoofdtelefoon",
            "Telefon komórkowy",
            "Telefon służbowy",
            "Рабочий телефон",
            "Телефон переносной",
            "Мобильный телефон",
            "携帯電話",
            "会社電話",
            "自宅電話 2",
            "移动电话",
            "商务电话",
            "行動電話",
        ];
        assert_named(Named::Phone, &headers);
    }

    #[test]
    fn name_columns() {
        assert_named(
            Named::FullName,
            &[
                " Name ",
                "Display Name",
                "Full Name",
                "contact",
                "Nom complet",
            ],
        );
        let headers = [
            "First Name",
            "Given Name",
            "firstName",
            "Vorname",
            "Prénom",
            "Nombre",
            "Nome",
            "Primeiro nome",
            "Voornaam",
            "Imię",
            "Имя",
            "名",
        ];
        assert_named(Named::FirstName, &headers);
        let headers = [
            "Middle Name",
            "Additional Name",
            "Weitere Vornamen",
            "Deuxième prénom",
        ];
        assert_named(Named::MiddleName, &headers);
        let headers = [
            "Last Name",
            "Family Name",
            "lastName",
            "Surname",
            "Nachname",
            "Nom",
            "Apellidos",
            "Cognome",
            "Sobrenome",
            "Achternaam",
            "Nazwisko",
            "Фамилия",
            "姓",
        ];
        assert_named(Named::LastName, &headers);
    }
}
