//! `dxgate consumer add ID --role ...`: a new consumer with a fresh API key, printed once, whose
//! SHA-256 is appended to `policies/consumers.toml`.
//!
//! The file is edited with `toml_edit`, so its comments, order and layout stay as the operator
//! wrote them. The configuration must load before the edit (an unknown `--agency` or a
//! duplicate id is refused) and after it; the new file replaces the old atomically (a rename),
//! so a gateway reloading at that moment reads one or the other, never half of it.

use std::path::{Path, PathBuf};

use toml_edit::{value, Array, ArrayOfTables, DocumentMut, Item, Table};

use super::api_key::ApiKey;
use super::CommandError;
use crate::config::Overrides;
use crate::ids::Ident;

/// A role `--role` can grant (as in `policies/consumers.toml`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum RoleArg {
    /// Requests data; sees its own audit records.
    Consumer,
    /// An agency officer (needs --agency): sees the records of its agency's datasets.
    Agency,
    /// The competent authority: sees everything, reviews refusals.
    Oversight,
}

impl RoleArg {
    fn as_str(self) -> &'static str {
        match self {
            RoleArg::Consumer => "consumer",
            RoleArg::Agency => "agency",
            RoleArg::Oversight => "oversight",
        }
    }
}

/// Options of `dxgate consumer add`.
#[derive(Debug, Clone, clap::Args)]
pub struct ConsumerAddArgs {
    /// The new consumer's id (1-64 of a-z, 0-9, '-').
    pub id: String,
    /// Role(s) to grant; repeat the flag or separate with commas.
    #[arg(
        long = "role",
        value_name = "ROLE",
        value_enum,
        required = true,
        value_delimiter = ','
    )]
    pub roles: Vec<RoleArg>,
    /// The agency this consumer acts for (required with --role agency).
    #[arg(long)]
    pub agency: Option<String>,
    /// Display name (default: the id).
    #[arg(long)]
    pub name: Option<String>,
    /// Requests per second allowed (default 100; 0 disables the limit).
    #[arg(long)]
    pub rate_per_second: Option<u32>,
}

/// Add the consumer; the key goes to stdout (alone, for scripts), the explanation to stderr.
pub fn consumer_add(dir: &Path, args: &ConsumerAddArgs) -> Result<(), CommandError> {
    let id = Ident::parse(&args.id).map_err(|e| CommandError::Failed(format!("ID: {e}")))?;
    let loaded = crate::config::load(dir, &Overrides::default()).map_err(CommandError::Config)?;
    let catalog = &loaded.catalog;
    if catalog.consumers.contains_key(id.as_str()) {
        return Err(CommandError::Failed(format!(
            "consumer \"{id}\" already exists in policies/consumers.toml: choose another id (a new key for it means editing its api_key_sha256)"
        )));
    }
    match &args.agency {
        Some(a) if !catalog.agencies.contains_key(a.as_str()) => {
            return Err(CommandError::Failed(format!(
                "--agency {a:?}: no such agency in policies/agencies/"
            )))
        }
        None if args.roles.contains(&RoleArg::Agency) => {
            return Err(CommandError::Failed(
                "--role agency needs --agency: the agency whose records the officer sees".into(),
            ))
        }
        _ => {}
    }
    let path = dir.join("policies/consumers.toml");
    let before = std::fs::read_to_string(&path).map_err(|e| io(&path, e))?;
    let key = ApiKey::generate();
    let after = with_consumer(&before, &entry(&id, args, &key.sha256))
        .map_err(|e| CommandError::Failed(format!("{}: {e}", path.display())))?;
    replace(&path, &after)?;
    // The loader is the judge: if the new file does not load, put the old one back.
    if let Err(diags) = crate::config::load(dir, &Overrides::default()) {
        replace(&path, &before)?;
        return Err(CommandError::Failed(format!(
            "the edited policies/consumers.toml did not load, so it was left as it was:\n{diags}"
        )));
    }
    let roles: Vec<&str> = args.roles.iter().map(|r| r.as_str()).collect();
    eprintln!(
        "Added consumer \"{id}\" (roles: {}) to {}.\nIts API key, shown only this once (the file keeps its SHA-256); a running gateway accepts it after its next reload (SIGHUP, or within [server] reload_poll):",
        roles.join(", "),
        path.display()
    );
    println!("{}", key.secret);
    Ok(())
}

/// The new `[[consumers]]` table.
fn entry(id: &Ident, args: &ConsumerAddArgs, sha256: &str) -> Table {
    let mut t = Table::new();
    t.insert("id", value(id.as_str()));
    t.insert("name", value(args.name.as_deref().unwrap_or(id.as_str())));
    let mut roles = Array::new();
    for r in &args.roles {
        if !roles.iter().any(|v| v.as_str() == Some(r.as_str())) {
            roles.push(r.as_str());
        }
    }
    t.insert("roles", value(roles));
    if let Some(a) = &args.agency {
        t.insert("agency", value(a.as_str()));
    }
    t.insert("api_key_sha256", value(sha256));
    if let Some(r) = args.rate_per_second {
        t.insert("rate_per_second", value(i64::from(r)));
    }
    let today = jiff::Timestamp::now().strftime("%Y-%m-%d");
    t.decor_mut()
        .set_prefix(format!("\n# added by `dxgate consumer add` on {today}\n"));
    t
}

/// `text` with `table` appended to its `[[consumers]]`, everything else untouched.
fn with_consumer(text: &str, table: &Table) -> Result<String, String> {
    let mut doc: DocumentMut = text.parse().map_err(|e| format!("{e}"))?;
    match doc.get_mut("consumers") {
        None => {
            // Appended as text: a comment-only file keeps its comments first.
            let mut list = ArrayOfTables::new();
            list.push(table.clone());
            let mut new = DocumentMut::new();
            new.insert("consumers", Item::ArrayOfTables(list));
            let sep = if text.is_empty() || text.ends_with('\n') {
                ""
            } else {
                "\n"
            };
            return Ok(format!("{text}{sep}{new}"));
        }
        Some(Item::ArrayOfTables(list)) => list.push(table.clone()),
        Some(Item::Value(toml_edit::Value::Array(list))) => {
            list.push(table.clone().into_inline_table());
        }
        Some(_) => return Err("`consumers` must be a list of [[consumers]] tables".into()),
    }
    Ok(doc.to_string())
}

/// Write `text` to a sibling file, then rename it over `path` (keeping its permissions).
fn replace(path: &Path, text: &str) -> Result<(), CommandError> {
    let tmp: PathBuf = path.with_extension(format!("toml.{}.new", std::process::id()));
    std::fs::write(&tmp, text).map_err(|e| io(&tmp, e))?;
    if let Ok(meta) = std::fs::metadata(path) {
        let _ = std::fs::set_permissions(&tmp, meta.permissions());
    }
    std::fs::rename(&tmp, path).map_err(|e| {
        let _ = std::fs::remove_file(&tmp);
        io(path, e)
    })
}

fn io(path: &Path, e: std::io::Error) -> CommandError {
    CommandError::Failed(format!("{}: {e}", path.display()))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn args(roles: &[RoleArg], agency: Option<&str>) -> ConsumerAddArgs {
        ConsumerAddArgs {
            id: "tax-office".into(),
            roles: roles.to_vec(),
            agency: agency.map(str::to_owned),
            name: Some("Tax office".into()),
            rate_per_second: Some(5),
        }
    }

    #[test]
    fn appends_after_the_last_consumer_and_keeps_every_comment() {
        let before = "# Header comment\n\n# key: demo\n[[consumers]]\nid = \"a\"   # trailing\nname = \"A\"\napi_key_sha256 = \"00\"\n";
        let id = Ident::parse("tax-office").unwrap();
        let t = entry(
            &id,
            &args(&[RoleArg::Agency, RoleArg::Agency], Some("mof")),
            "ab",
        );
        let after = with_consumer(before, &t).unwrap();
        assert!(after.starts_with(before), "{after}");
        let added = &after[before.len()..];
        assert!(added.starts_with("\n# added by `dxgate consumer add` on "));
        assert!(added.ends_with(
            "\n[[consumers]]\nid = \"tax-office\"\nname = \"Tax office\"\nroles = [\"agency\"]\nagency = \"mof\"\napi_key_sha256 = \"ab\"\nrate_per_second = 5\n"
        ), "{added}");
    }

    #[test]
    fn a_file_without_consumers_or_with_an_inline_list_gets_one() {
        let id = Ident::parse("tax-office").unwrap();
        let t = entry(&id, &args(&[RoleArg::Consumer], None), "ab");
        let after = with_consumer("# nobody yet\n", &t).unwrap();
        let parsed: toml::Table = toml::from_str(&after).unwrap();
        assert_eq!(parsed["consumers"][0]["id"].as_str(), Some("tax-office"));
        assert!(after.starts_with("# nobody yet\n"));
        let inline = with_consumer("consumers = [{ id = \"a\", name = \"A\" }]\n", &t).unwrap();
        let parsed: toml::Table = toml::from_str(&inline).unwrap();
        assert_eq!(
            parsed["consumers"][1]["roles"][0].as_str(),
            Some("consumer")
        );
        assert!(with_consumer("consumers = 3\n", &t).is_err());
    }
}
