//! Text helpers shared by the language generators.

/// The lines of a `///` documentation string (as `ErrorKind::doc` gives it), trimmed.
pub fn doc_lines(doc: &str) -> Vec<&str> {
    doc.lines()
        .map(str::trim)
        .filter(|l| !l.is_empty())
        .collect()
}

/// The documentation as one paragraph.
pub fn doc_paragraph(doc: &str) -> String {
    doc_lines(doc).join(" ")
}

/// Words of `text` wrapped at `width` columns, each line prefixed with `prefix`.
pub fn wrap(text: &str, width: usize, prefix: &str) -> String {
    let mut out = String::new();
    let mut line = String::new();
    for word in words(text) {
        let word = word.as_str();
        if !line.is_empty() && prefix.len() + line.len() + 1 + word.len() > width {
            out.push_str(prefix);
            out.push_str(&line);
            out.push('\n');
            line.clear();
        }
        if !line.is_empty() {
            line.push(' ');
        }
        line.push_str(word);
    }
    if !line.is_empty() {
        out.push_str(prefix);
        out.push_str(&line);
        out.push('\n');
    }
    out
}

/// The words of `text`, a number kept with the unit after it (`300 s`), so that a line
/// never ends between them.
fn words(text: &str) -> Vec<String> {
    let mut out: Vec<String> = Vec::new();
    for word in text.split_whitespace() {
        let unit = word.trim_end_matches(['.', ',', ';', ')']);
        let glued = matches!(unit, "s" | "ms" | "bytes")
            && out
                .last()
                .is_some_and(|w| w.bytes().last().is_some_and(|b| b.is_ascii_digit()));
        match out.last_mut() {
            Some(last) if glued => {
                last.push(' ');
                last.push_str(word);
            }
            _ => out.push(word.to_string()),
        }
    }
    out
}

/// Markdown code spans (`x`) without their backticks, for Go comments.
pub fn plain(text: &str) -> String {
    text.replace('`', "")
}

/// Markdown code spans as reStructuredText literals (``x``), for Python docstrings.
pub fn rst(text: &str) -> String {
    let mut out = String::new();
    for (i, part) in text.split('`').enumerate() {
        if i > 0 {
            out.push_str("``");
        }
        out.push_str(part);
    }
    out
}

/// The first letter in lower case (a sentence continued after a colon).
pub fn lower_first(text: &str) -> String {
    let mut chars = text.chars();
    match chars.next() {
        Some(c) => c.to_lowercase().chain(chars).collect(),
        None => String::new(),
    }
}

/// `snake_case` as `CamelCase`, with Go's initialisms (`URL`, `ID`, `HTTP`, `TTL`, ...).
pub fn go_camel(snake: &str) -> String {
    snake.split('_').map(go_word).collect()
}

/// A Rust `CamelCase` name with Go's initialisms, e.g. `InsecureUrl` as `InsecureURL`.
pub fn go_ident(camel: &str) -> String {
    let mut words = Vec::new();
    let mut word = String::new();
    for c in camel.chars() {
        if c.is_ascii_uppercase() && !word.is_empty() {
            words.push(std::mem::take(&mut word));
        }
        word.push(c);
    }
    words.push(word);
    words.iter().map(|w| go_word(w)).collect()
}

fn go_word(word: &str) -> String {
    const INITIALISMS: [&str; 7] = ["url", "id", "http", "https", "json", "ttl", "pem"];
    if INITIALISMS.contains(&word.to_ascii_lowercase().as_str()) {
        return word.to_ascii_uppercase();
    }
    let mut chars = word.chars();
    match chars.next() {
        Some(c) => c.to_uppercase().chain(chars).collect(),
        None => String::new(),
    }
}

/// A Rust or Go string literal of `text` (the catalogue's texts are printable ASCII).
pub fn quoted(text: &str) -> String {
    assert!(
        text.bytes().all(|b| (0x20..0x7f).contains(&b)),
        "not printable ASCII: {text:?}"
    );
    format!("{text:?}")
}

#[test]
fn go_names() {
    assert_eq!(go_ident("InsecureUrl"), "InsecureURL");
    assert_eq!(go_ident("BadSignature"), "BadSignature");
    assert_eq!(go_camel("unknown_kid_refreshes"), "UnknownKidRefreshes");
    assert_eq!(go_camel("http_timeout"), "HTTPTimeout");
}

#[test]
fn wraps_words() {
    assert_eq!(wrap("aa bb cc", 8, "# "), "# aa bb\n# cc\n");
    assert_eq!(rst("`a` and `b`"), "``a`` and ``b``");
}
