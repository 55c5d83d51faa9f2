//! `policies/mandates.toml`: the mandate register — units and mandated datasets, each checked
//! and reported at its position. Loaded before the agency files, which must each connect a
//! unit of the register when there is one.

use std::collections::HashSet;
use std::path::Path;

use serde::Deserialize;
use toml::Spanned;

use super::{read_toml, FileText, Texts};
use crate::calendar::parse_date;
use crate::config::register::{
    Declared, Extension, Register, RegisteredMandate, StatusChange, Unit, UnitGroup, UnitKind,
};
use crate::config::Diagnostics;

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct RegisterFile {
    #[serde(default)]
    units: Vec<Spanned<UnitDecl>>,
    #[serde(default)]
    mandates: Vec<Spanned<MandateDecl>>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct UnitDecl {
    id: String,
    code: String,
    name_vi: String,
    name_en: String,
    kind: UnitKind,
    group: UnitGroup,
    agency: Option<String>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct MandateDecl {
    unit: Spanned<String>,
    task: String,
    official: String,
    deadline: Spanned<String>,
    product: Spanned<String>,
    assigned_by: String,
    instrument: String,
    #[serde(default)]
    history: Vec<Spanned<HistoryDecl>>,
    #[serde(default)]
    extensions: Vec<Spanned<ExtensionDecl>>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct HistoryDecl {
    status: Declared,
    on: String,
    note: Option<String>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct ExtensionDecl {
    deadline: String,
    instrument: String,
}

/// Read `path` (if it exists) into a register.
pub(super) fn load(path: &Path, texts: &mut Texts, diags: &mut Diagnostics) -> Register {
    if !path.exists() {
        return Register::default();
    }
    let Some((text, file)) = read_toml::<RegisterFile>(path, texts, diags) else {
        return Register {
            declared: true,
            ..Register::default()
        };
    };
    let f = FileText { path, text: &text };
    let mut reg = Register {
        declared: true,
        ..Register::default()
    };
    let (mut ids, mut codes, mut agencies) = (HashSet::new(), HashSet::new(), HashSet::new());
    for u in file.units {
        let at = u.span().start;
        let u = u.into_inner();
        let id = u.id.trim().to_owned();
        let agency = u.agency.unwrap_or_else(|| id.clone());
        let problem = if !crate::ids::Ident::is_valid(&id) {
            Some(format!(
                "unit id {id:?}: use lowercase letters, digits and '-'"
            ))
        } else if [&u.code, &u.name_vi, &u.name_en]
            .iter()
            .any(|s| s.trim().is_empty())
        {
            Some(format!(
                "unit {id}: code, name_vi and name_en must not be empty"
            ))
        } else if !ids.insert(id.clone()) {
            Some(format!("unit {id} is listed twice"))
        } else if !codes.insert(u.code.clone()) {
            Some(format!(
                "unit {id}: code {:?} is already another unit's",
                u.code
            ))
        } else if !agencies.insert(agency.clone()) {
            Some(format!(
                "unit {id}: agency {agency:?} already connects another unit"
            ))
        } else {
            let expected = match u.kind {
                UnitKind::Ministry | UnitKind::Sector => UnitGroup::Central,
                UnitKind::Province | UnitKind::City => UnitGroup::Provinces,
            };
            (u.group != expected).then(|| {
                format!(
                    "unit {id}: a {} is ranked in group {:?}",
                    u.kind.as_str(),
                    expected.as_str()
                )
            })
        };
        if let Some(msg) = problem {
            f.err(diags, at, msg);
            continue;
        }
        reg.units.push(Unit {
            id,
            code: u.code,
            name_vi: u.name_vi,
            name_en: u.name_en,
            kind: u.kind,
            group: u.group,
            agency,
        });
    }
    let mut products = HashSet::new();
    for m in file.mandates {
        if let Some(m) = mandate(&f, &reg, m, diags) {
            if !products.insert(m.product()) {
                let msg = format!(
                    "{} has two mandates: keep one entry per product",
                    m.product()
                );
                diags.at(path, &text, None, msg);
                continue;
            }
            reg.mandates.push(m);
        }
    }
    reg
}

fn mandate(
    f: &FileText<'_>,
    reg: &Register,
    m: Spanned<MandateDecl>,
    diags: &mut Diagnostics,
) -> Option<RegisteredMandate> {
    let at = m.span().start;
    let m = m.into_inner();
    let mut ok = true;
    let mut err = |at: usize, msg: String| {
        ok = false;
        f.err(diags, at, msg);
    };
    let (unit_at, unit) = (m.unit.span().start, m.unit.into_inner());
    let (product_at, product) = (m.product.span().start, m.product.into_inner());
    let owner = reg.unit(&unit);
    if owner.is_none() {
        err(
            unit_at,
            format!("mandate for unit {unit:?}, which is not in [[units]]"),
        );
    }
    let (agency, dataset) = match product.split_once('/') {
        Some((a, d)) if !a.is_empty() && !d.is_empty() && !d.contains('/') => {
            (a.to_owned(), d.to_owned())
        }
        _ => {
            err(
                product_at,
                format!("product {product:?}: write agency/dataset"),
            );
            (String::new(), String::new())
        }
    };
    if let Some(u) = owner.filter(|u| !agency.is_empty() && u.agency != agency) {
        let msg = format!("product {product:?} belongs to agency {agency:?}, but unit {} is connected by agency {:?}", u.id, u.agency);
        err(product_at, msg);
    }
    for (field, v) in [
        ("task", &m.task),
        ("official", &m.official),
        ("assigned_by", &m.assigned_by),
        ("instrument", &m.instrument),
    ] {
        if v.trim().is_empty() {
            err(at, format!("mandate {product}: {field} must not be empty (the six clear fields: task, official, deadline, product, assigned_by, instrument)"));
        }
    }
    let deadline_at = m.deadline.span().start;
    let original = parse_date(m.deadline.get_ref())
        .map_err(|e| err(deadline_at, format!("mandate {product}: deadline {e}")))
        .ok();
    let mut history = Vec::new();
    for h in m.history {
        let h_at = h.span().start;
        let h = h.into_inner();
        let Ok(on) = parse_date(&h.on)
            .map_err(|e| err(h_at, format!("mandate {product}: history date {e}")))
        else {
            continue;
        };
        if let Some(prev) = history.last().map(|p: &StatusChange| (p.status, p.on)) {
            if h.status <= prev.0 || on < prev.1 {
                err(h_at, format!("mandate {product}: history goes assigned → connected → serving, each on or after the one before"));
                continue;
            }
        }
        history.push(StatusChange {
            status: h.status,
            on,
            note: h.note,
        });
    }
    let mut extensions: Vec<Extension> = Vec::new();
    for x in m.extensions {
        let x_at = x.span().start;
        let x = x.into_inner();
        let Ok(d) = parse_date(&x.deadline)
            .map_err(|e| err(x_at, format!("mandate {product}: extension deadline {e}")))
        else {
            continue;
        };
        let before = extensions.last().map(|e| e.deadline).or(original);
        if before.is_some_and(|b| d <= b) || x.instrument.trim().is_empty() {
            err(x_at, format!("mandate {product}: an extension sets a later deadline and names its instrument"));
            continue;
        }
        extensions.push(Extension {
            deadline: d,
            instrument: x.instrument,
        });
    }
    if !ok {
        return None;
    }
    let original = original?;
    Some(RegisteredMandate {
        unit,
        task: m.task,
        official: m.official,
        deadline: extensions.last().map_or(original, |e| e.deadline),
        original_deadline: original,
        agency,
        dataset,
        assigned_by: m.assigned_by,
        instrument: m.instrument,
        history,
        extensions,
    })
}

/// Without a register file, an agency file is its own unit, with no mandates.
pub(super) fn unit_of(a: &crate::config::Agency) -> Unit {
    use crate::config::AgencyKind;
    let (kind, group) = match a.kind {
        AgencyKind::Ministry => (UnitKind::Ministry, UnitGroup::Central),
        AgencyKind::Sector => (UnitKind::Sector, UnitGroup::Central),
        AgencyKind::Province => (UnitKind::Province, UnitGroup::Provinces),
    };
    Unit {
        id: a.id.to_string(),
        code: a.id.to_string(),
        name_vi: a.name.clone(),
        name_en: a.name.clone(),
        kind,
        group,
        agency: a.id.to_string(),
    }
}
