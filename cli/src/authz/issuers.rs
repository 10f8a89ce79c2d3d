//! One `[[issuers]]` table of the configuration: where the keys are, the issuer and its
//! audiences, and any library option by its catalogue name, stored through the library's own
//! checks ([`Policy::store`], [`RemoteOptions::store`]), so that a range or a form is the
//! same here as in every other language.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use jwkskit::catalogue::options::{self as catalogue, Group, OptionSpec, Unit, Value as Opt};
use jwkskit::dpop::TokenScheme;
use jwkskit::{Policy, RemoteOptions};
use toml::Spanned;

use super::config_error::{ConfigError, Locator};

/// Where an issuer's keys come from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum KeysFrom {
    /// OIDC discovery from the issuer URL.
    Discovery,
    /// A JWKS URL.
    Url(String),
    /// A JWKS file (relative paths are relative to the configuration file).
    File(PathBuf),
}

/// One issuer's settings: two equal settings make the same verifier, which a reload keeps.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct IssuerSettings {
    /// The name routes and metrics use.
    pub name: String,
    /// The `iss` value.
    pub issuer: String,
    /// Where the keys come from.
    pub keys: KeysFrom,
    /// What a token must be; its audiences are every audience any route may ask of this
    /// issuer (each route's own are checked after verification).
    pub policy: Policy,
    /// How keys are fetched.
    pub remote: RemoteOptions,
}

/// One `[[issuers]]` table, checked: its settings and its own audiences.
pub(super) fn issuer(
    table: &Spanned<BTreeMap<String, Spanned<toml::Value>>>,
    i: usize,
    path: &Path,
    at: &Locator<'_>,
) -> Result<(IssuerSettings, Vec<String>), ConfigError> {
    let key = |k: &str| format!("issuers[{i}].{k}");
    let mut policy = Policy::default();
    let mut remote = RemoteOptions::default();
    let mut name = None;
    let mut iss = None;
    let mut audiences = Vec::new();
    let mut keys: Vec<KeysFrom> = Vec::new();
    for (k, v) in table.get_ref() {
        let text = || {
            v.get_ref()
                .as_str()
                .filter(|s| !s.is_empty())
                .map(str::to_owned)
                .ok_or_else(|| at.at(v, &key(k), "expected a non-empty string"))
        };
        match k.as_str() {
            "name" => name = Some(text()?),
            "issuer" => {
                let s = text()?;
                catalogue::check_issuer(&s).map_err(|e| at.at(v, &key(k), e.message()))?;
                iss = Some(s);
            }
            "discovery" => match v.get_ref().as_bool() {
                Some(true) => keys.push(KeysFrom::Discovery),
                Some(false) => {}
                None => return Err(at.at(v, &key(k), "expected true or false")),
            },
            "jwks_url" => keys.push(KeysFrom::Url(text()?)),
            "jwks_file" => {
                let f = PathBuf::from(text()?);
                let f = if f.is_relative() {
                    path.parent().unwrap_or(Path::new(".")).join(f)
                } else {
                    f
                };
                keys.push(KeysFrom::File(f));
            }
            "audiences" => {
                audiences = strings(v).map_err(|m| at.at(v, &key(k), m))?;
            }
            "issuers" => {
                return Err(at.at(
                    v,
                    &key(k),
                    "an issuer table names its one issuer with `issuer`",
                ))
            }
            other => {
                let spec = catalogue::ALL
                    .iter()
                    .find(|s| s.name == other)
                    .ok_or_else(|| at.at(v, &key(k), "unknown key: expected name, issuer, discovery, jwks_url, jwks_file, audiences or a library option (see `jwks authz --help`)"))?;
                store(spec, v.get_ref(), &mut policy, &mut remote)
                    .map_err(|m| at.at(v, &key(k), m))?;
            }
        }
    }
    let name =
        name.ok_or_else(|| at.at(table, &key("name"), "missing: every issuer needs a name"))?;
    if name
        .chars()
        .any(|c| c.is_control() || c == '"' || c == '\\')
    {
        return Err(at.at(
            table,
            &key("name"),
            "a name holds no control character, quote or backslash",
        ));
    }
    let iss = iss.ok_or_else(|| {
        at.at(
            table,
            &key("issuer"),
            "missing: the `iss` value its tokens carry",
        )
    })?;
    let keys = match keys.len() {
        1 => keys.pop().unwrap(),
        0 => {
            return Err(at.at(
                table,
                &key("discovery"),
                "say where the keys are: discovery = true, jwks_url or jwks_file",
            ))
        }
        _ => {
            return Err(at.at(
                table,
                &key("discovery"),
                "give only one of discovery = true, jwks_url and jwks_file",
            ))
        }
    };
    // A check carries the Authorization header, not the DPoP proof's target URI nor the
    // client certificate: Bearer tokens only, so a bound token is refused, never let through.
    if policy.dpop.token_scheme != TokenScheme::Bearer {
        return Err(at.at(
            table,
            &key("token_scheme"),
            "jwks authz accepts Bearer tokens only (a DPoP-bound token sent as Bearer is refused)",
        ));
    }
    if policy.require_certificate_binding {
        return Err(at.at(
            table,
            &key("require_certificate_binding"),
            "a forward-auth check carries no client certificate: every token would be refused",
        ));
    }
    policy.issuers = vec![iss.clone()];
    let settings = IssuerSettings {
        name,
        issuer: iss,
        keys,
        policy,
        remote,
    };
    // The library's own checks, with the range of each setting, before any verifier exists.
    settings
        .policy
        .check()
        .map_err(|e| at.at(table, &format!("issuers[{i}]"), e.message()))?;
    settings
        .remote
        .check()
        .map_err(|e| at.at(table, &format!("issuers[{i}]"), e.message()))?;
    Ok((settings, audiences))
}

fn strings(v: &Spanned<toml::Value>) -> Result<Vec<String>, String> {
    v.get_ref()
        .as_array()
        .and_then(|a| {
            a.iter()
                .map(|e| e.as_str().map(str::to_owned))
                .collect::<Option<Vec<_>>>()
        })
        .ok_or_else(|| "expected an array of strings".to_owned())
}

/// Stores a library option by its catalogue name, through the library's own checks.
fn store(
    spec: &OptionSpec,
    v: &toml::Value,
    policy: &mut Policy,
    remote: &mut RemoteOptions,
) -> Result<(), String> {
    if spec.c.is_none() {
        return Err(format!(
            "{} is not settable from a configuration file",
            spec.name
        ));
    }
    let mut put = |value: Opt<'_>| -> Result<(), String> {
        match spec.group {
            Group::Policy | Group::TokenCache => policy.store(spec, value),
            Group::Remote => remote.store(spec, value),
        }
        .map_err(|e| e.message().to_owned())
    };
    let number = |v: &toml::Value| v.as_integer().and_then(|n| u64::try_from(n).ok());
    let u32_of = |v: &toml::Value| number(v).and_then(|n| u32::try_from(n).ok());
    let wrong = |what: &str| format!("expected {what}");
    match spec.unit {
        Unit::Seconds | Unit::Milliseconds | Unit::Count => put(Opt::U32(
            u32_of(v).ok_or_else(|| wrong("a whole number (0 to 4294967295)"))?,
        )),
        Unit::Bytes => {
            let n = number(v).and_then(|n| usize::try_from(n).ok());
            put(Opt::Usize(n.ok_or_else(|| wrong("a number of bytes"))?))
        }
        Unit::Flag => put(Opt::Flag(
            v.as_bool().ok_or_else(|| wrong("true or false"))?,
        )),
        Unit::Text => put(Opt::Text(v.as_str().ok_or_else(|| wrong("a string"))?)),
        Unit::Pem => put(Opt::Bytes(
            v.as_str().ok_or_else(|| wrong("PEM text"))?.as_bytes(),
        )),
        Unit::TextList => {
            let items: Vec<&str> = match v {
                toml::Value::String(s) => vec![s],
                toml::Value::Array(a) => a
                    .iter()
                    .map(toml::Value::as_str)
                    .collect::<Option<_>>()
                    .ok_or_else(|| wrong("an array of strings"))?,
                _ => return Err(wrong("an array of strings")),
            };
            items.into_iter().try_for_each(|s| put(Opt::Text(s)))
        }
        Unit::SecondsPair => match v
            .as_array()
            .map(|a| a.iter().map(u32_of).collect::<Option<Vec<_>>>())
        {
            Some(Some(pair)) if pair.len() == 2 => put(Opt::U32Pair(pair[0], pair[1])),
            _ => Err(wrong("[minimum, maximum] in seconds")),
        },
        Unit::TextPairs => {
            let table = v
                .as_table()
                .ok_or_else(|| wrong("a table of names and values"))?;
            table.iter().try_for_each(|(name, value)| {
                put(Opt::TextPair(
                    name,
                    value.as_str().ok_or_else(|| wrong("string values"))?,
                ))
            })
        }
    }
}
