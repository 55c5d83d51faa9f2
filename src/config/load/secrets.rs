//! `policies/state-secrets.toml`: the datasets exempt from sharing. The file is optional.

use std::path::Path;

use super::{read_toml, FileText, Texts};
use crate::config::catalog::SecretEntry;
use crate::config::files::SecretsFile;
use crate::config::{Catalog, Diagnostics};
use crate::ids::Ident;

/// Read the list into `catalog.secrets`.
pub(super) fn load(path: &Path, catalog: &mut Catalog, texts: &mut Texts, diags: &mut Diagnostics) {
    if !path.exists() {
        return;
    }
    let Some((text, file)) = read_toml::<SecretsFile>(path, texts, diags) else {
        return;
    };
    let f = FileText { path, text: &text };
    for e in file.entries {
        let at = e.span().start;
        let e = e.into_inner();
        let Some((agency, dataset)) = e
            .dataset
            .split_once('/')
            .filter(|(a, d)| Ident::is_valid(a) && Ident::is_valid(d))
        else {
            let msg = format!("dataset {:?} must be written <agency>/<dataset>", e.dataset);
            f.err(diags, at, msg);
            continue;
        };
        if e.listed_by.trim().is_empty() {
            let msg = "listed_by must name the instrument that lists the dataset";
            f.err(diags, at, msg);
        }
        catalog
            .secrets
            .entry(agency.to_owned())
            .or_default()
            .insert(
                dataset.to_owned(),
                SecretEntry {
                    agency: agency.to_owned(),
                    dataset: dataset.to_owned(),
                    listed_by: e.listed_by,
                },
            );
    }
}
