//! The IAM action catalogue: every action AWS defines, its access level and the resource
//! types it can be scoped to. Embedded from `targets/aws/iam-actions.tsv` (derived from the
//! AWS Service Authorization Reference by `scripts/gen-iam-catalogue`).

use std::collections::HashMap;
use std::sync::OnceLock;

const TSV: &str = include_str!("../../targets/aws/iam-actions.tsv");

/// What the catalogue knows of one action.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ActionInfo {
    /// `service:Action` as AWS spells it.
    pub name: String,
    /// `List`, `Read`, `Write`, `Tagging` or `Permissions`.
    pub level: &'static str,
    /// Resource types; a trailing `*` marks a required one. Empty: the action takes only `*`.
    pub resources: Vec<&'static str>,
}

impl ActionInfo {
    /// Whether the action can be granted only on `Resource: "*"`.
    #[must_use]
    pub fn wildcard_only(&self) -> bool {
        self.resources.is_empty()
    }
}

pub struct Catalogue {
    /// Lowercased `service:action` to its row. IAM action names are case-insensitive.
    actions: HashMap<String, (&'static str, &'static str, &'static str, &'static str)>,
    services: HashMap<String, &'static str>,
}

/// The embedded catalogue, parsed once.
pub fn get() -> &'static Catalogue {
    static CATALOGUE: OnceLock<Catalogue> = OnceLock::new();
    CATALOGUE.get_or_init(|| {
        let mut actions = HashMap::with_capacity(21_000);
        let mut services = HashMap::new();
        for line in TSV.lines().filter(|l| !l.starts_with('#') && !l.is_empty()) {
            let mut cols = line.split('\t');
            let (Some(service), Some(action), Some(level)) =
                (cols.next(), cols.next(), cols.next())
            else {
                continue;
            };
            let resources = cols.next().unwrap_or("");
            services.insert(service.to_ascii_lowercase(), service);
            actions.insert(
                format!("{service}:{action}").to_ascii_lowercase(),
                (service, action, level, resources),
            );
        }
        Catalogue { actions, services }
    })
}

impl Catalogue {
    /// Looks up `service:Action` (any case).
    #[must_use]
    pub fn action(&self, name: &str) -> Option<ActionInfo> {
        let (service, action, level, resources) = *self.actions.get(&name.to_ascii_lowercase())?;
        Some(ActionInfo {
            name: format!("{service}:{action}"),
            level,
            resources: resources.split(',').filter(|r| !r.is_empty()).collect(),
        })
    }

    /// Whether a service prefix exists (any case).
    #[must_use]
    pub fn has_service(&self, service: &str) -> bool {
        self.services.contains_key(&service.to_ascii_lowercase())
    }

    /// Every action of a service matching a pattern with `*` and `?` wildcards.
    #[must_use]
    pub fn matching(&self, pattern: &str) -> Vec<ActionInfo> {
        let pattern = pattern.to_ascii_lowercase();
        let mut out: Vec<ActionInfo> = self
            .actions
            .keys()
            .filter(|k| wildcard_match(&pattern, k))
            .filter_map(|k| self.action(k))
            .collect();
        out.sort_by(|a, b| a.name.cmp(&b.name));
        out
    }

    /// The closest action names of the same service, for did-you-mean help.
    #[must_use]
    pub fn suggest(&self, name: &str) -> Option<String> {
        let (service, _) = name.split_once(':')?;
        let prefix = format!("{}:", service.to_ascii_lowercase());
        let candidates: Vec<&str> = self
            .actions
            .values()
            .filter(|(s, _, _, _)| s.eq_ignore_ascii_case(service))
            .map(|(_, a, _, _)| *a)
            .collect();
        let wanted = name.split_once(':').map_or("", |(_, a)| a);
        let _ = prefix;
        crate::diag::suggest(wanted, candidates.iter().copied()).map(|a| {
            let (svc, _, _, _) = self.actions[&format!("{service}:{a}").to_ascii_lowercase()];
            format!("{svc}:{a}")
        })
    }

    /// The closest service prefix, for did-you-mean help.
    #[must_use]
    pub fn suggest_service(&self, service: &str) -> Option<&'static str> {
        let lower = service.to_ascii_lowercase();
        let found = crate::diag::suggest(&lower, self.services.keys().map(String::as_str))?;
        self.services.get(found).copied()
    }

    #[must_use]
    pub fn len(&self) -> usize {
        self.actions.len()
    }

    #[must_use]
    pub fn is_empty(&self) -> bool {
        self.actions.is_empty()
    }
}

/// `*` matches any run of characters, `?` one character. Both sides already lowercased.
#[must_use]
pub fn wildcard_match(pattern: &str, text: &str) -> bool {
    let p: Vec<char> = pattern.chars().collect();
    let t: Vec<char> = text.chars().collect();
    let (mut pi, mut ti) = (0, 0);
    let (mut star, mut mark) = (None, 0);
    while ti < t.len() {
        if pi < p.len() && (p[pi] == '?' || p[pi] == t[ti]) {
            pi += 1;
            ti += 1;
        } else if pi < p.len() && p[pi] == '*' {
            star = Some(pi);
            mark = ti;
            pi += 1;
        } else if let Some(s) = star {
            pi = s + 1;
            mark += 1;
            ti = mark;
        } else {
            return false;
        }
    }
    while pi < p.len() && p[pi] == '*' {
        pi += 1;
    }
    pi == p.len()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn knows_actions_levels_and_scopes() {
        let c = get();
        assert!(c.len() > 20_000, "{}", c.len());
        let get_item = c.action("dynamodb:getitem").unwrap();
        assert_eq!(get_item.name, "dynamodb:GetItem");
        assert_eq!(get_item.level, "Read");
        assert!(get_item.resources.contains(&"table*"));
        assert!(c.action("xray:PutTraceSegments").unwrap().wildcard_only());
        assert!(c.action("dynamodb:GetItems").is_none());
        assert_eq!(
            c.suggest("dynamodb:GetItems").as_deref(),
            Some("dynamodb:GetItem")
        );
        assert!(c.has_service("S3") && !c.has_service("s4"));
    }

    #[test]
    fn wildcards_match_like_iam() {
        assert!(wildcard_match("iam:attach*", "iam:attachrolepolicy"));
        assert!(wildcard_match("s3:get?bject", "s3:getobject"));
        assert!(!wildcard_match("s3:get*", "s3:putobject"));
        assert_eq!(get().matching("iam:Attach*Policy").len(), 3);
    }
}
