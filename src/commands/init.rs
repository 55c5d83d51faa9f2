//! `dxgate init DIR`: write a minimal, working configuration directory — `dxgate.toml`, one
//! example agency with one dataset backed by a seeded SQLite source, its schemas, an empty
//! state-secret list and one consumer whose fresh API key is printed once.
//!
//! It never overwrites: DIR must be new or empty. What it writes passes `dxgate check` (it is
//! loaded before `init` reports success) and `dxgate serve --config DIR` serves it as is.

use std::path::{Path, PathBuf};

use super::api_key::ApiKey;
use super::CommandError;
use crate::config::Overrides;
use crate::ids::Ident;

/// Options of `dxgate init`.
#[derive(Debug, Clone, clap::Args)]
pub struct InitArgs {
    /// The configuration directory to create (new or empty).
    pub dir: PathBuf,
    /// Id of the example agency (1-64 of a-z, 0-9, '-').
    #[arg(long, default_value = "example")]
    pub agency: String,
}

/// The consumer `init` declares.
const CONSUMER: &str = "example-portal";

/// (path under DIR, template). `{{agency}}` in both is the agency id.
const FILES: [(&str, &str); 7] = [
    ("dxgate.toml", include_str!("init/dxgate.toml")),
    (
        "policies/agencies/{{agency}}.toml",
        include_str!("init/agency.toml"),
    ),
    (
        "policies/consumers.toml",
        include_str!("init/consumers.toml"),
    ),
    (
        "policies/state-secrets.toml",
        include_str!("init/state-secrets.toml"),
    ),
    (
        "schemas/{{agency}}/residents.request.json",
        include_str!("init/request.json"),
    ),
    (
        "schemas/{{agency}}/residents.response.json",
        include_str!("init/response.json"),
    ),
    ("seeds/{{agency}}.sql", include_str!("init/seed.sql")),
];

/// Write the directory, check it loads, print what to do next and the key (once).
pub fn init(args: &InitArgs) -> Result<(), CommandError> {
    let agency =
        Ident::parse(&args.agency).map_err(|e| CommandError::Failed(format!("--agency: {e}")))?;
    let dir = &args.dir;
    refuse_non_empty(dir)?;
    let key = ApiKey::generate();
    let fill = |t: &str| {
        t.replace("{{agency}}", agency.as_str())
            .replace("{{consumer}}", CONSUMER)
            .replace("{{key_sha256}}", &key.sha256)
    };
    for (path, template) in FILES {
        let path = dir.join(fill(path));
        if let Some(parent) = path.parent() {
            std::fs::create_dir_all(parent).map_err(|e| io(parent, e))?;
        }
        std::fs::write(&path, fill(template)).map_err(|e| io(&path, e))?;
    }
    // What `check` and `serve` will do: a template that stopped loading is our bug, said here
    // rather than by the operator's first `serve`.
    if let Err(diags) = crate::config::load(dir, &Overrides::default()) {
        return Err(CommandError::Failed(format!(
            "dxgate init wrote a configuration that does not load (a bug in dxgate):\n{diags}"
        )));
    }
    let d = dir.display();
    let a = agency.as_str();
    println!(
        "Created {d}: dxgate.toml, policies/ (agency {a:?}, consumer {CONSUMER:?}), schemas/, seeds/.

The API key of consumer {CONSUMER:?}, shown only this once (policies/consumers.toml keeps
its SHA-256):

    {key}

Next:
    dxgate check --config {d}
    dxgate serve --config {d}
    curl -s 'http://127.0.0.1:8080/v1/data/{a}/residents?citizen_id=001090000001' \\
      -H 'Authorization: Bearer {key}' -H 'Data-Purpose: public-service'
    dxgate consumer add ID --role consumer --config {d}     # another consumer and its key",
        key = key.secret
    );
    Ok(())
}

/// DIR may exist only as an empty directory: `init` never overwrites a file.
fn refuse_non_empty(dir: &Path) -> Result<(), CommandError> {
    match std::fs::read_dir(dir) {
        Ok(mut entries) => {
            if entries.next().is_some() {
                return Err(CommandError::Failed(format!(
                    "{} is not empty: dxgate init writes only into a new or empty directory",
                    dir.display()
                )));
            }
            Ok(())
        }
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(()),
        Err(e) => Err(io(dir, e)),
    }
}

fn io(path: &Path, e: std::io::Error) -> CommandError {
    CommandError::Failed(format!("{}: {e}", path.display()))
}
