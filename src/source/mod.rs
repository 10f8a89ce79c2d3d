//! Where keys come from. A source hands out immutable [`KeySet`](crate::keyset::KeySet)
//! snapshots; verification takes a snapshot and never holds a lock across I/O.

mod cache;
mod cache_control;
mod clock;
mod discovery;
mod file;
mod flight;
pub mod http;
mod key_source;
mod missing;
mod multi;
mod options;
mod progress;
mod proxy_env;
mod remote;
mod shown_url;
mod static_set;

pub use clock::{Clock, SystemClock};
pub use file::{FileSource, FILE_CHECK_INTERVAL};
pub use http::{FetchResponse, Fetcher, HttpFetcher};
pub use key_source::{KeyQuery, KeySource, SourceStats};
pub use multi::MultiIssuerSource;
pub use options::RemoteOptions;
pub use remote::RemoteSource;
pub use static_set::StaticSource;
