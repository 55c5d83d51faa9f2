//! What a consumer's role lets it see in the audit-record and refusal lists: oversight sees
//! everything, an agency officer its agency's datasets, any other consumer its own requests.

use crate::identity::{Consumer, Role};

/// The records a caller may see.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Scope {
    All,
    Agency(String),
    Consumer(String),
}

/// A filter asked for records outside the caller's scope.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum OutOfScope {
    /// An officer of this agency asked for another agency's.
    OtherAgency(String),
    /// A consumer asked for another consumer's.
    OtherConsumer,
}

impl Scope {
    pub fn of(c: &Consumer) -> Scope {
        if c.has_role(Role::Oversight) {
            Scope::All
        } else if let (true, Some(a)) = (c.has_role(Role::Agency), &c.agency) {
            Scope::Agency(a.to_string())
        } else {
            Scope::Consumer(c.id.clone())
        }
    }

    /// Whether a record of `agency`, requested by `consumer`, is in scope.
    pub fn sees(&self, agency: Option<&str>, consumer: Option<&str>) -> bool {
        match self {
            Scope::All => true,
            Scope::Agency(a) => agency == Some(a),
            Scope::Consumer(c) => consumer == Some(c),
        }
    }

    /// Narrow a list's `agency` / `consumer` filters to the scope. Asking for another agency's
    /// or consumer's records is an error (403), not an empty list.
    pub fn narrow(
        &self,
        agency: &mut Option<String>,
        consumer: &mut Option<String>,
    ) -> Result<(), OutOfScope> {
        match self {
            Scope::All => {}
            Scope::Agency(a) => {
                if agency.as_ref().is_some_and(|f| f != a) {
                    return Err(OutOfScope::OtherAgency(a.clone()));
                }
                *agency = Some(a.clone());
            }
            Scope::Consumer(c) => {
                if consumer.as_ref().is_some_and(|f| f != c) {
                    return Err(OutOfScope::OtherConsumer);
                }
                *consumer = Some(c.clone());
            }
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn narrowing_fills_in_the_scope_and_refuses_to_widen_it() {
        let officer = Scope::Agency("alpha".into());
        let (mut agency, mut consumer) = (None, Some("portal".into()));
        assert_eq!(officer.narrow(&mut agency, &mut consumer), Ok(()));
        assert_eq!(
            (agency.as_deref(), consumer.as_deref()),
            (Some("alpha"), Some("portal"))
        );
        assert_eq!(
            officer.narrow(&mut Some("beta".into()), &mut None),
            Err(OutOfScope::OtherAgency("alpha".into()))
        );
        let own = Scope::Consumer("portal".into());
        assert_eq!(
            own.narrow(&mut None, &mut Some("police".into())),
            Err(OutOfScope::OtherConsumer)
        );
        let mut all = (Some("beta".to_string()), None);
        assert_eq!(Scope::All.narrow(&mut all.0, &mut all.1), Ok(()));
        assert_eq!(all, (Some("beta".into()), None));
        assert!(officer.sees(Some("alpha"), None) && !officer.sees(Some("beta"), Some("portal")));
        assert!(own.sees(None, Some("portal")) && !own.sees(Some("alpha"), None));
    }
}
