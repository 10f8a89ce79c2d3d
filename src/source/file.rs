//! A JWKS file on disk, reloaded when it changes.
//!
//! The file is read when the source is created (so a missing or broken file fails at once).
//! Afterwards at most one verification a second looks at the file's metadata (a cheap `stat`);
//! when its size, modification time or inode changed, that verification reloads it. A new
//! content that does not parse keeps the old keys (and is reported by `last_error`). Other
//! verifications never wait: the check is skipped while another thread is doing it.

use std::io::Read;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant, SystemTime};

use parking_lot::{Mutex, RwLock};

use super::clock::{Clock, SystemClock};
use super::key_source::{KeyQuery, KeySource, SourceStats};
use super::options::RemoteOptions;
use crate::error::{err, Error, ErrorKind};
use crate::keyset::{KeySet, KeySetOptions};

/// How often the file's metadata is looked at.
pub const FILE_CHECK_INTERVAL: Duration = Duration::from_secs(1);

/// What identifies one version of the file.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct Stamp {
    len: u64,
    modified: Option<SystemTime>,
    inode: u64,
}

impl Stamp {
    fn of(meta: &std::fs::Metadata) -> Stamp {
        #[cfg(unix)]
        let inode = std::os::unix::fs::MetadataExt::ino(meta);
        #[cfg(not(unix))]
        let inode = 0;
        Stamp {
            len: meta.len(),
            modified: meta.modified().ok(),
            inode,
        }
    }
}

#[derive(Debug)]
struct Loaded {
    keys: Arc<KeySet>,
    at: Instant,
}

#[derive(Debug)]
struct CheckState {
    stamp: Option<Stamp>,
    last_error: Option<Error>,
}

/// Keys from a JWKS file, reloaded when the file changes.
pub struct FileSource {
    path: PathBuf,
    parse: KeySetOptions,
    clock: Arc<dyn Clock>,
    base: Instant,
    next_check_ms: AtomicU64,
    current: RwLock<Loaded>,
    check: Mutex<CheckState>,
    reads: AtomicU64,
    failures: AtomicU64,
}

impl std::fmt::Debug for FileSource {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("FileSource")
            .field("path", &self.path)
            .finish_non_exhaustive()
    }
}

impl FileSource {
    /// Reads and parses `path` now. `allow_oct` lets HMAC keys be used (only when the policy
    /// allows an HMAC algorithm). The size and key-count limits come from `opts`.
    /// Errors: [`ErrorKind::InvalidArgument`](crate::ErrorKind::InvalidArgument) for options
    /// that fail [`RemoteOptions::check`].
    pub fn open(path: &Path, opts: &RemoteOptions, allow_oct: bool) -> Result<FileSource, Error> {
        opts.check()?;
        FileSource::with_clock(path, opts, allow_oct, Arc::new(SystemClock))
    }

    pub(crate) fn with_clock(
        path: &Path,
        opts: &RemoteOptions,
        allow_oct: bool,
        clock: Arc<dyn Clock>,
    ) -> Result<FileSource, Error> {
        let parse = KeySetOptions {
            allow_oct,
            max_bytes: opts.max_response_bytes,
            max_keys: opts.max_keys,
        };
        let (keys, stamp) = read(path, &parse)?;
        let now = clock.now();
        Ok(FileSource {
            path: path.to_path_buf(),
            parse,
            base: now,
            next_check_ms: AtomicU64::new(FILE_CHECK_INTERVAL.as_millis() as u64),
            current: RwLock::new(Loaded {
                keys: Arc::new(keys),
                at: now,
            }),
            check: Mutex::new(CheckState {
                stamp: Some(stamp),
                last_error: None,
            }),
            reads: AtomicU64::new(1),
            failures: AtomicU64::new(0),
            clock,
        })
    }

    fn elapsed_ms(&self, now: Instant) -> u64 {
        u64::try_from(now.saturating_duration_since(self.base).as_millis()).unwrap_or(u64::MAX)
    }

    /// Reloads if the check is due and the file changed.
    fn maybe_reload(&self) {
        let now = self.clock.now();
        let ms = self.elapsed_ms(now);
        if ms < self.next_check_ms.load(Ordering::Relaxed) {
            return;
        }
        let Some(mut st) = self.check.try_lock() else {
            return;
        };
        if ms < self.next_check_ms.load(Ordering::Relaxed) {
            return;
        }
        self.next_check_ms.store(
            ms.saturating_add(FILE_CHECK_INTERVAL.as_millis() as u64),
            Ordering::Relaxed,
        );
        let stamp = std::fs::metadata(&self.path).ok().map(|m| Stamp::of(&m));
        if stamp.is_some() && stamp == st.stamp {
            return;
        }
        st.stamp = stamp;
        let _ = self.reload(&mut st, now);
    }

    fn reload(&self, st: &mut CheckState, now: Instant) -> Result<(), Error> {
        self.reads.fetch_add(1, Ordering::Relaxed);
        match read(&self.path, &self.parse) {
            Ok((keys, stamp)) => {
                st.stamp = Some(stamp);
                st.last_error = None;
                *self.current.write() = Loaded {
                    keys: Arc::new(keys),
                    at: now,
                };
                Ok(())
            }
            Err(e) => {
                self.failures.fetch_add(1, Ordering::Relaxed);
                st.last_error = Some(e.clone());
                Err(e)
            }
        }
    }
}

/// Reads and parses the file, refusing one larger than the size limit before reading it.
fn read(path: &Path, parse: &KeySetOptions) -> Result<(KeySet, Stamp), Error> {
    let shown = path.display();
    let unavailable =
        |e: std::io::Error| err(ErrorKind::KeysUnavailable, format!("reading {shown}: {e}"));
    let mut file = std::fs::File::open(path).map_err(unavailable)?;
    let meta = file.metadata().map_err(unavailable)?;
    if !meta.is_file() {
        return Err(err(
            ErrorKind::KeysUnavailable,
            format!("{shown} is not a regular file"),
        ));
    }
    let too_large = || {
        err(
            ErrorKind::KeySetInvalid,
            format!("{shown} exceeds {} bytes", parse.max_bytes),
        )
    };
    if meta.len() > parse.max_bytes as u64 {
        return Err(too_large());
    }
    let mut buf = Vec::with_capacity(meta.len() as usize);
    file.by_ref()
        .take(parse.max_bytes as u64 + 1)
        .read_to_end(&mut buf)
        .map_err(unavailable)?;
    if buf.len() > parse.max_bytes {
        return Err(too_large());
    }
    let keys = KeySet::parse(&buf, parse)
        .map_err(|e| err(e.kind(), format!("{shown}: {}", e.message())))?;
    Ok((keys, Stamp::of(&meta)))
}

impl KeySource for FileSource {
    fn keys(&self, _query: &KeyQuery<'_>) -> Result<Arc<KeySet>, Error> {
        self.maybe_reload();
        Ok(Arc::clone(&self.current.read().keys))
    }

    fn generation(&self, _query: &KeyQuery<'_>) -> Result<u64, Error> {
        self.maybe_reload();
        Ok(self.current.read().keys.generation())
    }

    /// Rereads the file now, whatever its metadata says.
    fn refresh(&self) -> Result<(), Error> {
        let now = self.clock.now();
        let mut st = self.check.lock();
        self.reload(&mut st, now)
    }

    fn stats(&self) -> SourceStats {
        let now = self.clock.now();
        let current = self.current.read();
        SourceStats {
            fetches: self.reads.load(Ordering::Relaxed),
            failures: self.failures.load(Ordering::Relaxed),
            key_count: current.keys.len() as u64,
            skipped_count: current.keys.skipped().len() as u64,
            keys_age_ms: i64::try_from(now.saturating_duration_since(current.at).as_millis())
                .unwrap_or(i64::MAX),
            ..SourceStats::default()
        }
    }

    fn last_error(&self) -> Option<Error> {
        self.check.lock().last_error.clone()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const X: &str = "11qYAYKxCrfVS_7TyWQHOg7hcvPapiMlrwIaaPcHURo";

    struct Clock0 {
        base: Instant,
        ms: AtomicU64,
    }

    impl Clock for Clock0 {
        fn now(&self) -> Instant {
            self.base + Duration::from_millis(self.ms.load(Ordering::SeqCst))
        }
    }

    fn doc(kids: &[&str]) -> String {
        let keys: Vec<String> = kids
            .iter()
            .map(|k| format!(r#"{{"kty":"OKP","crv":"Ed25519","kid":"{k}","x":"{X}"}}"#))
            .collect();
        format!(r#"{{"keys":[{}]}}"#, keys.join(","))
    }

    fn temp(name: &str) -> PathBuf {
        let dir = std::env::temp_dir().join(format!("jwks-file-{}-{name}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        dir.join("jwks.json")
    }

    fn kids(s: &FileSource) -> Vec<String> {
        let q = KeyQuery {
            kid: None,
            issuer: None,
        };
        let set = s.keys(&q).unwrap();
        set.keys()
            .iter()
            .filter_map(|k| k.kid().map(str::to_owned))
            .collect()
    }

    #[test]
    fn reloads_a_changed_file_at_most_once_a_second_and_keeps_keys_on_bad_content() {
        let path = temp("reload");
        std::fs::write(&path, doc(&["a"])).unwrap();
        let clock = Arc::new(Clock0 {
            base: Instant::now(),
            ms: AtomicU64::new(0),
        });
        let opts = RemoteOptions::default();
        let s = FileSource::with_clock(&path, &opts, false, clock.clone()).unwrap();
        assert_eq!(kids(&s), ["a"]);
        std::fs::write(&path, doc(&["a", "b"])).unwrap();
        clock.ms.store(500, Ordering::SeqCst);
        assert_eq!(kids(&s), ["a"], "not checked before a second");
        clock.ms.store(1000, Ordering::SeqCst);
        assert_eq!(kids(&s), ["a", "b"]);
        assert_eq!(s.stats().fetches, 2);
        // Unchanged: metadata only, no read.
        clock.ms.store(2500, Ordering::SeqCst);
        kids(&s);
        assert_eq!(s.stats().fetches, 2);
        // Broken content keeps the old keys and is reported.
        std::fs::write(&path, "{ broken").unwrap();
        clock.ms.store(4000, Ordering::SeqCst);
        assert_eq!(kids(&s), ["a", "b"]);
        assert_eq!(s.last_error().unwrap().kind(), ErrorKind::KeySetInvalid);
        assert_eq!(s.stats().failures, 1);
        // Deleted: old keys stay.
        std::fs::remove_file(&path).unwrap();
        clock.ms.store(5000, Ordering::SeqCst);
        assert_eq!(kids(&s), ["a", "b"]);
        assert_eq!(s.refresh().unwrap_err().kind(), ErrorKind::KeysUnavailable);
        // Back again.
        std::fs::write(&path, doc(&["c"])).unwrap();
        clock.ms.store(6000, Ordering::SeqCst);
        assert_eq!(kids(&s), ["c"]);
        assert_eq!(s.last_error(), None);
        assert_eq!(s.stats().keys_age_ms, 0);
        std::fs::remove_dir_all(path.parent().unwrap()).unwrap();
    }

    #[test]
    fn construction_reads_the_file() {
        let path = temp("open");
        let opts = RemoteOptions::default();
        let e = FileSource::open(&path.with_extension("missing"), &opts, false).unwrap_err();
        assert_eq!(e.kind(), ErrorKind::KeysUnavailable);
        std::fs::write(&path, "[]").unwrap();
        let e = FileSource::open(&path, &opts, false).unwrap_err();
        assert_eq!(e.kind(), ErrorKind::KeySetInvalid);
        // A file over the size limit (the smallest the options allow: 1 KiB).
        let big = RemoteOptions {
            max_response_bytes: 1024,
            ..RemoteOptions::default()
        };
        let kids: Vec<String> = (0..20).map(|i| format!("k{i}")).collect();
        let kids: Vec<&str> = kids.iter().map(String::as_str).collect();
        std::fs::write(&path, doc(&kids)).unwrap();
        let e = FileSource::open(&path, &big, false).unwrap_err();
        assert_eq!(e.kind(), ErrorKind::KeySetInvalid);
        // Options outside their ranges are refused before the file is read.
        let tiny = RemoteOptions {
            max_response_bytes: 10,
            ..RemoteOptions::default()
        };
        let e = FileSource::open(&path, &tiny, false).unwrap_err();
        assert_eq!(e.kind(), ErrorKind::InvalidArgument);
        let e = FileSource::open(path.parent().unwrap(), &opts, false).unwrap_err();
        assert_eq!(e.kind(), ErrorKind::KeysUnavailable);
        std::fs::remove_dir_all(path.parent().unwrap()).unwrap();
    }
}
