//! A small command line parser: `--name value`, `--name=value`, flags, repeatable options and
//! positionals, with a usage error for anything unexpected.

use std::collections::HashMap;

use crate::common::CliError;

/// One accepted option.
pub struct Spec {
    name: &'static str,
    takes_value: bool,
    repeatable: bool,
}

/// `--name VALUE`, at most once.
pub const fn opt(name: &'static str) -> Spec {
    Spec {
        name,
        takes_value: true,
        repeatable: false,
    }
}

/// `--name VALUE`, any number of times.
pub const fn multi(name: &'static str) -> Spec {
    Spec {
        name,
        takes_value: true,
        repeatable: true,
    }
}

/// `--name`, a switch.
pub const fn flag(name: &'static str) -> Spec {
    Spec {
        name,
        takes_value: false,
        repeatable: false,
    }
}

/// Parsed arguments of one subcommand.
#[derive(Debug, Default)]
pub struct Parsed {
    values: HashMap<&'static str, Vec<String>>,
    pub positionals: Vec<String>,
}

/// Whether the user asked for help (before any `--`).
pub fn wants_help(args: &[String]) -> bool {
    args.iter()
        .take_while(|a| *a != "--")
        .any(|a| a == "--help" || a == "-h")
}

/// Whether the user asked for JSON output (before any `--`), also when parsing failed.
pub fn wants_json(args: &[String]) -> bool {
    args.iter()
        .take_while(|a| *a != "--")
        .any(|a| a == "--json")
}

/// Parses `args` against `specs`, allowing at most `max_positionals` positionals.
pub fn parse(args: &[String], specs: &[Spec], max_positionals: usize) -> Result<Parsed, CliError> {
    let mut parsed = Parsed::default();
    let mut iter = args.iter();
    let mut only_positionals = false;
    while let Some(arg) = iter.next() {
        if only_positionals || !arg.starts_with("--") {
            if arg.starts_with('-') && arg != "-" && !only_positionals {
                return Err(CliError::usage(format!("unknown option {arg:?}")));
            }
            parsed.positionals.push(arg.clone());
            continue;
        }
        if arg == "--" {
            only_positionals = true;
            continue;
        }
        let (name, inline) = match arg[2..].split_once('=') {
            Some((n, v)) => (n, Some(v.to_owned())),
            None => (&arg[2..], None),
        };
        let spec = specs
            .iter()
            .find(|s| s.name == name)
            .ok_or_else(|| CliError::usage(format!("unknown option --{name}")))?;
        let value = if spec.takes_value {
            match inline {
                Some(v) => v,
                None => iter
                    .next()
                    .cloned()
                    .ok_or_else(|| CliError::usage(format!("--{name} needs a value")))?,
            }
        } else if inline.is_some() {
            return Err(CliError::usage(format!("--{name} takes no value")));
        } else {
            String::new()
        };
        let slot = parsed.values.entry(spec.name).or_default();
        if !spec.repeatable && !slot.is_empty() {
            return Err(CliError::usage(format!("--{name} is given more than once")));
        }
        slot.push(value);
    }
    if parsed.positionals.len() > max_positionals {
        return Err(CliError::usage(format!(
            "unexpected argument {:?}",
            parsed.positionals[max_positionals]
        )));
    }
    Ok(parsed)
}

impl Parsed {
    /// The value of a single-valued option.
    pub fn value(&self, name: &str) -> Option<&str> {
        self.values
            .get(name)
            .and_then(|v| v.first())
            .map(String::as_str)
    }

    /// Every value of a repeatable option.
    pub fn values(&self, name: &str) -> &[String] {
        self.values.get(name).map(Vec::as_slice).unwrap_or(&[])
    }

    /// Whether a flag was given.
    pub fn flag(&self, name: &str) -> bool {
        self.values.contains_key(name)
    }

    /// A required option's value.
    pub fn required(&self, name: &str) -> Result<&str, CliError> {
        self.value(name)
            .ok_or_else(|| CliError::usage(format!("--{name} is required")))
    }

    /// A numeric option.
    pub fn number<T: std::str::FromStr>(&self, name: &str) -> Result<Option<T>, CliError> {
        self.value(name)
            .map(|v| {
                v.parse()
                    .map_err(|_| CliError::usage(format!("--{name} expects a number, got {v:?}")))
            })
            .transpose()
    }

    /// The single positional, if any.
    pub fn positional(&self) -> Option<&str> {
        self.positionals.first().map(String::as_str)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn strings(args: &[&str]) -> Vec<String> {
        args.iter().map(|s| s.to_string()).collect()
    }

    #[test]
    fn parses_forms_and_rejects_mistakes() {
        let specs = [opt("jwks"), multi("aud"), flag("json")];
        let p = parse(
            &strings(&["tok", "--jwks=f", "--aud", "a", "--aud", "b", "--json"]),
            &specs,
            1,
        )
        .unwrap();
        assert_eq!(p.value("jwks"), Some("f"));
        assert_eq!(p.values("aud"), ["a", "b"]);
        assert!(p.flag("json"));
        assert_eq!(p.positional(), Some("tok"));
        for bad in [
            &["--nope"][..],
            &["--jwks"],
            &["--jwks", "a", "--jwks", "b"],
            &["--json=1"],
            &["a", "b"],
            &["-x"],
        ] {
            assert!(parse(&strings(bad), &specs, 1).is_err(), "{bad:?}");
        }
        let p = parse(&strings(&["--", "--json"]), &specs, 1).unwrap();
        assert_eq!(p.positional(), Some("--json"));
    }
}
