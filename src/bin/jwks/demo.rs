//! `jwks demo`: a self-checking tour of issuing, publishing, rotating and verifying.

use crate::common::{CliError, CliResult};

pub const HELP: &str = "\
jwks demo - a self-checking tour (not available yet)
";

pub fn run(_args: &[String]) -> CliResult {
    Err(CliError::unavailable("the demo is not available yet"))
}
