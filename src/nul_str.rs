//! `NulStr`: a shared, immutable string stored with a trailing NUL byte, so that the C ABI can
//! hand out a pointer to it without a copy. A key's `kid` and thumbprint are read by C callers
//! (the Go package among them) after every verification; making a C string of each per call
//! cost an allocation and a copy apiece.

use std::ffi::c_char;
use std::fmt;
use std::ops::Deref;
use std::sync::Arc;

/// A shared string with a C view. Dereferences to the text without the NUL.
#[derive(Clone, PartialEq, Eq)]
pub(crate) struct NulStr(Arc<str>);

impl NulStr {
    /// Copies `s` once, with a NUL after it.
    pub(crate) fn new(s: &str) -> NulStr {
        let mut text = String::with_capacity(s.len() + 1);
        text.push_str(s);
        text.push('\0');
        NulStr(Arc::from(text))
    }

    /// The text, without the trailing NUL.
    pub(crate) fn as_str(&self) -> &str {
        &self.0[..self.0.len() - 1]
    }

    /// The NUL-terminated text for C, valid as long as this `NulStr` (or a clone) lives; NULL
    /// if the text itself contains a NUL, which C would read as the end.
    pub(crate) fn as_c_ptr(&self) -> *const c_char {
        if self.as_str().contains('\0') {
            std::ptr::null()
        } else {
            self.0.as_ptr().cast()
        }
    }
}

impl Deref for NulStr {
    type Target = str;

    fn deref(&self) -> &str {
        self.as_str()
    }
}

impl fmt::Debug for NulStr {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Debug::fmt(self.as_str(), f)
    }
}

impl fmt::Display for NulStr {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Display::fmt(self.as_str(), f)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::ffi::CStr;

    #[test]
    #[allow(unsafe_code)] // reading the C view back, as a C caller would
    fn text_and_c_view() {
        let s = NulStr::new("key-1");
        assert_eq!(&*s, "key-1");
        assert_eq!(s.to_string(), "key-1");
        assert_eq!(format!("{s:?}"), "\"key-1\"");
        // SAFETY: a non-NULL pointer from as_c_ptr is NUL-terminated and lives as long as `s`.
        let c = unsafe { CStr::from_ptr(s.as_c_ptr()) };
        assert_eq!(c.to_str().unwrap(), "key-1");
        assert_eq!(NulStr::new(""), NulStr::new(""));
        let empty = NulStr::new("");
        // SAFETY: as above.
        assert!(unsafe { CStr::from_ptr(empty.as_c_ptr()) }.is_empty());
        // A NUL inside cannot be shown to C.
        let inner = NulStr::new("a\0b");
        assert_eq!(&*inner, "a\0b");
        assert!(inner.as_c_ptr().is_null());
    }
}
