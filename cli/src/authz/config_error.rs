//! The errors of the configuration file, located: `file:line:column: key: message`.

use std::fmt;
use std::ops::Range;

use toml::Spanned;

/// A configuration error: where (file, line, column), which key, and what is wrong.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ConfigError {
    /// `file:line:column: key: message`, or `file: message` when there is no position.
    pub message: String,
}

impl fmt::Display for ConfigError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.message)
    }
}

/// Turns byte offsets into `file:line:column` messages.
pub(super) struct Locator<'a> {
    /// The file's text.
    pub(super) text: &'a str,
    /// The file's name as shown.
    pub(super) file: String,
}

impl Locator<'_> {
    pub(super) fn error(
        &self,
        span: Option<Range<usize>>,
        key: &str,
        message: &str,
    ) -> ConfigError {
        let mut out = self.file.clone();
        if let Some(span) = span {
            let mut start = span.start.min(self.text.len());
            while !self.text.is_char_boundary(start) {
                start -= 1;
            }
            let before = &self.text[..start];
            let line = before.matches('\n').count() + 1;
            let column = before.rsplit('\n').next().map_or(0, |l| l.chars().count()) + 1;
            out.push_str(&format!(":{line}:{column}"));
        }
        out.push_str(": ");
        if !key.is_empty() {
            out.push_str(key);
            out.push_str(": ");
        }
        out.push_str(message.trim_end());
        ConfigError { message: out }
    }

    pub(super) fn at<T>(
        &self,
        value: &Spanned<T>,
        key: &str,
        message: impl fmt::Display,
    ) -> ConfigError {
        self.error(Some(value.span()), key, &message.to_string())
    }
}
