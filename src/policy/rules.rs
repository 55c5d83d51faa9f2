//! Refusal rules declared per dataset in `policies/`, and the decision they produce.

use super::{Grounds, Justification};

/// One refusal rule. It applies when every condition it names holds; a rule naming no
/// condition refuses everyone (e.g. a dataset withheld by a court order).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RefusalRule {
    /// Applies only when the consumer is one of these.
    pub consumers: Option<Vec<String>>,
    /// Applies only when the consumer is none of these.
    pub except_consumers: Option<Vec<String>>,
    /// Applies only when the declared purpose is none of these (lower-cased codes).
    pub purposes_not_in: Option<Vec<String>>,
    /// The rule's legal basis and reason: a policy refusal is always justified.
    pub grounds: Grounds,
    /// `policy:<agency>/<dataset>#<n>`.
    pub decided_by: String,
}

impl RefusalRule {
    /// The justification a refusal by this rule shows and records.
    pub fn justification(&self) -> Justification {
        Justification {
            decided_by: self.decided_by.clone(),
            grounds: Some(self.grounds.clone()),
        }
    }

    fn matches(&self, consumer: &str, purpose: &str) -> bool {
        if let Some(list) = &self.consumers {
            if !list.iter().any(|c| c == consumer) {
                return false;
            }
        }
        if let Some(list) = &self.except_consumers {
            if list.iter().any(|c| c == consumer) {
                return false;
            }
        }
        if let Some(list) = &self.purposes_not_in {
            if list.iter().any(|p| p.eq_ignore_ascii_case(purpose.trim())) {
                return false;
            }
        }
        true
    }
}

/// The policy verdict for one request on a routable (non-exempt) dataset.
#[derive(Debug, PartialEq, Eq)]
pub enum Decision<'a> {
    /// Sharing is the default.
    Share,
    /// The first matching rule refused (its grounds are the justification).
    Refuse(&'a RefusalRule),
}

/// Apply `rules` in order; the first that matches refuses.
pub fn decide<'a>(rules: &'a [RefusalRule], consumer: &str, purpose: &str) -> Decision<'a> {
    rules
        .iter()
        .find(|r| r.matches(consumer, purpose))
        .map_or(Decision::Share, Decision::Refuse)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::policy::Text;

    fn rule(
        consumers: Option<&[&str]>,
        except: Option<&[&str]>,
        purposes: Option<&[&str]>,
    ) -> RefusalRule {
        let v = |o: Option<&[&str]>| o.map(|l| l.iter().map(|s| s.to_string()).collect());
        RefusalRule {
            consumers: v(consumers),
            except_consumers: v(except),
            purposes_not_in: v(purposes),
            grounds: Grounds {
                legal_basis: Text::new("Art. 1").unwrap(),
                reason: Text::new("because").unwrap(),
            },
            decided_by: "policy:a/b#1".into(),
        }
    }

    #[test]
    fn sharing_is_the_default() {
        assert_eq!(decide(&[], "x", "p"), Decision::Share);
    }

    #[test]
    fn conditions() {
        let r = [rule(None, Some(&["police"]), None)];
        assert!(matches!(decide(&r, "portal", "p"), Decision::Refuse(_)));
        assert_eq!(decide(&r, "police", "p"), Decision::Share);

        let r = [rule(Some(&["portal"]), None, None)];
        assert!(matches!(decide(&r, "portal", "p"), Decision::Refuse(_)));
        assert_eq!(decide(&r, "other", "p"), Decision::Share);

        let r = [rule(None, None, Some(&["social-benefit"]))];
        assert_eq!(decide(&r, "x", " Social-Benefit "), Decision::Share);
        assert!(matches!(decide(&r, "x", "marketing"), Decision::Refuse(_)));

        let r = [rule(None, None, None)];
        assert!(matches!(decide(&r, "anyone", "any"), Decision::Refuse(_)));
    }
}
