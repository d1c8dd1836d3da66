//! Needs to IAM statements, through `targets/aws/access.yaml`.

use std::collections::BTreeMap;
use std::sync::OnceLock;

use serde::Deserialize;

use super::{Cause, Need, needs};
use crate::model::{Access, Function, Kind, Model, Ref, SecretStore};

const ACCESS_YAML: &str = include_str!("../../targets/aws/access.yaml");

/// The resource an IAM statement is scoped to: one ARN shape of one declared resource.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Scope {
    Table,
    TableIndexes,
    TableStream,
    Bucket,
    Objects,
    Queue,
    Topic,
    Function,
    Secret,
    Parameter,
    LogStream,
    #[serde(rename = "*")]
    Any,
}

/// A statement's resource: a scope of a resource the app declares (or the function's own
/// log group), or `*` for an allow-listed action.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Arn {
    Scoped {
        scope: Scope,
        /// The declared resource; the function itself for `LogStream`.
        target: Ref,
        /// Bucket key prefix for `Objects`.
        prefix: Option<String>,
    },
    Any,
}

#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Condition {
    /// `StringLike: { s3:prefix: "<prefix>*" }`
    S3Prefix(String),
}

/// One IAM statement (always `Allow`), with why it exists.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Statement {
    pub sid: String,
    pub actions: Vec<String>,
    pub resources: Vec<Arn>,
    pub condition: Option<Condition>,
    pub causes: Vec<Cause>,
    /// For `Resource: "*"`: why AWS allows nothing narrower.
    pub wildcard_reason: Option<String>,
}

/// A function's role policy: the derived statements and the spec's raw ones.
#[derive(Clone, Debug)]
pub struct Policy {
    pub function: String,
    pub statements: Vec<Statement>,
    pub raw: Vec<crate::model::Statement>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct Grant {
    actions: Vec<String>,
    scopes: Vec<Scope>,
    #[serde(default)]
    condition: Option<GrantCondition>,
}

/// A condition a grant adds to its statement.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "snake_case")]
enum GrantCondition {
    /// `s3:prefix` limited to the `uses` entry's prefix (when it has one).
    S3Prefix,
}

/// What a row of the table is about: a resource kind, with secrets split by their store.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Deserialize)]
#[serde(rename_all = "snake_case")]
enum Subject {
    Function,
    Table,
    Queue,
    Topic,
    Bucket,
    SecretSsm,
    SecretSecretsManager,
}

impl Subject {
    /// The row for a resource; `None` for what has no IAM form (Kubernetes secrets,
    /// gateways, auths), which the AWS targets report before asking.
    fn of(model: &Model, r: &Ref) -> Option<Subject> {
        Some(match r.kind {
            Kind::Function => Subject::Function,
            Kind::Table => Subject::Table,
            Kind::Queue => Subject::Queue,
            Kind::Topic => Subject::Topic,
            Kind::Bucket => Subject::Bucket,
            Kind::Secret => match model.secret(&r.name)?.store {
                SecretStore::Ssm => Subject::SecretSsm,
                SecretStore::SecretsManager => Subject::SecretSecretsManager,
                SecretStore::Kubernetes => return None,
            },
            Kind::Gateway | Kind::Auth => return None,
        })
    }
}

/// An access level as the table spells it: the spec's own names (`read_write`).
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
struct Level(Access);

impl<'de> Deserialize<'de> for Level {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let text = String::deserialize(d)?;
        Access::ALL
            .iter()
            .find(|a| a.as_str() == text)
            .map(|a| Level(*a))
            .ok_or_else(|| serde::de::Error::custom(format!("`{text}` is not an access level")))
    }
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Table {
    uses: BTreeMap<Subject, BTreeMap<Level, Vec<Grant>>>,
    triggers: BTreeMap<Subject, Vec<Grant>>,
    dead_letter: BTreeMap<Subject, Vec<Grant>>,
    logs: Vec<Grant>,
    tracing: Vec<Grant>,
    /// Action to the reason it may be granted on `*`.
    pub wildcard_only: BTreeMap<String, String>,
}

/// The embedded access table, parsed once. A malformed table is a build-time bug caught by
/// the tests, so it panics with the parser's message.
pub fn table() -> &'static Table {
    static TABLE: OnceLock<Table> = OnceLock::new();
    TABLE.get_or_init(|| {
        serde_saphyr::from_str(ACCESS_YAML)
            .unwrap_or_else(|e| panic!("targets/aws/access.yaml is malformed: {e}"))
    })
}

impl Table {
    /// Every action the table can grant.
    pub fn all_actions(&self) -> impl Iterator<Item = &str> {
        let lists = self
            .uses
            .values()
            .flat_map(|levels| levels.values())
            .chain(self.triggers.values())
            .chain(self.dead_letter.values())
            .chain([&self.logs, &self.tracing]);
        lists.flat_map(|grants| {
            grants
                .iter()
                .flat_map(|g| g.actions.iter().map(String::as_str))
        })
    }

    fn grants(&self, model: &Model, need: &Need) -> &[Grant] {
        let subject = |r: &Ref| Subject::of(model, r);
        let found = match need {
            Need::Use {
                resource, access, ..
            } => subject(resource)
                .and_then(|s| self.uses.get(&s))
                .and_then(|levels| levels.get(&Level(*access))),
            Need::Poll { resource } => subject(resource).and_then(|s| self.triggers.get(&s)),
            Need::DeadLetter { resource } => {
                subject(resource).and_then(|s| self.dead_letter.get(&s))
            }
            Need::Logs => Some(&self.logs),
            Need::Tracing => Some(&self.tracing),
        };
        found.map_or(&[], Vec::as_slice)
    }
}

/// A statement id: letters and digits only, from the need.
fn sid(need: &Need) -> String {
    let camel = |s: &str| -> String {
        s.split(|c: char| !c.is_ascii_alphanumeric())
            .filter(|w| !w.is_empty())
            .map(|w| {
                let mut c = w.chars();
                c.next()
                    .map(|f| f.to_ascii_uppercase().to_string() + c.as_str())
                    .unwrap_or_default()
            })
            .collect()
    };
    match need {
        Need::Use {
            resource, access, ..
        } => format!(
            "{}{}{}",
            camel(resource.kind.noun()),
            camel(&resource.name),
            camel(access.as_str())
        ),
        Need::Poll { resource } => format!(
            "Poll{}{}",
            camel(resource.kind.noun()),
            camel(&resource.name)
        ),
        Need::DeadLetter { resource } => format!("DeadLetter{}", camel(&resource.name)),
        Need::Logs => "Logs".into(),
        Need::Tracing => "Tracing".into(),
    }
}

/// Why each action may be granted on `*`, one reason per action, in action order.
fn wildcard_reasons(table: &Table, actions: &[String]) -> String {
    actions
        .iter()
        .filter_map(|a| table.wildcard_only.get(a).map(|r| format!("{a}: {r}")))
        .collect::<Vec<_>>()
        .join("; ")
}

/// The IAM policy of one function: derived statements, merged where they share resources.
#[must_use]
pub fn policy(model: &Model, function: &Function) -> Policy {
    let table = table();
    let mut statements: Vec<Statement> = Vec::new();
    for caused in needs(function) {
        let need = &caused.need;
        for grant in table.grants(model, need) {
            let (target, prefix) = match need {
                Need::Use {
                    resource, prefix, ..
                } => (resource.clone(), prefix.clone()),
                Need::Poll { resource } | Need::DeadLetter { resource } => (resource.clone(), None),
                Need::Logs | Need::Tracing => (Ref::new(Kind::Function, &function.name), None),
            };
            let resources: Vec<Arn> = grant
                .scopes
                .iter()
                .map(|scope| match scope {
                    Scope::Any => Arn::Any,
                    scope => Arn::Scoped {
                        scope: *scope,
                        target: target.clone(),
                        prefix: if *scope == Scope::Objects {
                            prefix.clone()
                        } else {
                            None
                        },
                    },
                })
                .collect();
            let condition = match (grant.condition, &prefix) {
                (Some(GrantCondition::S3Prefix), Some(p)) => Some(Condition::S3Prefix(p.clone())),
                _ => None,
            };
            let wildcard_reason = resources
                .contains(&Arn::Any)
                .then(|| wildcard_reasons(table, &grant.actions));
            // Merge into an earlier statement on the same resources and condition.
            if let Some(existing) = statements
                .iter_mut()
                .find(|s| s.resources == resources && s.condition == condition)
            {
                for action in &grant.actions {
                    if !existing.actions.contains(action) {
                        existing.actions.push(action.clone());
                    }
                }
                existing.actions.sort();
                if existing.wildcard_reason.is_some() {
                    existing.wildcard_reason = Some(wildcard_reasons(table, &existing.actions));
                }
                if !existing.causes.contains(&caused.cause) {
                    existing.causes.push(caused.cause.clone());
                }
                continue;
            }
            statements.push(Statement {
                // One statement gathers every action that takes no resource ARN.
                sid: if resources == [Arn::Any] {
                    "NoResourceTypes".into()
                } else {
                    sid(need)
                },
                actions: grant.actions.clone(),
                resources,
                condition,
                causes: vec![caused.cause.clone()],
                wildcard_reason,
            });
        }
    }
    // Statement ids are unique within a policy.
    let mut seen: BTreeMap<String, usize> = BTreeMap::new();
    for statement in &mut statements {
        let n = seen.entry(statement.sid.clone()).or_insert(0);
        *n += 1;
        if *n > 1 {
            statement.sid = format!("{}{}", statement.sid, n);
        }
    }
    Policy {
        function: function.name.clone(),
        statements,
        raw: function.permissions.clone(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::access::catalogue;

    fn model(text: &str) -> Model {
        let file = crate::source::SourceFile::new("u.yaml", text.to_string());
        crate::load(&file, &crate::Options::default()).expect("valid spec")
    }

    /// (actions, resources as text, causes' reasons) of each statement but the logs one.
    fn statements(model: &Model, function: &str) -> Vec<(Vec<String>, String, Vec<String>)> {
        let f = model.functions.iter().find(|f| f.name == function).unwrap();
        policy(model, f)
            .statements
            .into_iter()
            .filter(|s| s.sid != "Logs")
            .map(|s| {
                let resources = s
                    .resources
                    .iter()
                    .map(|r| crate::targets::aws::arn_text(model, r, "aws", "R", "A"))
                    .collect::<Vec<_>>()
                    .join(" ");
                let why = s.causes.iter().map(|c| c.why.clone()).collect();
                (s.actions, resources, why)
            })
            .collect()
    }

    #[test]
    fn every_access_level_of_every_kind_has_its_row() {
        let table = table();
        let kinds = [
            (Kind::Table, Subject::Table),
            (Kind::Bucket, Subject::Bucket),
            (Kind::Queue, Subject::Queue),
            (Kind::Topic, Subject::Topic),
            (Kind::Function, Subject::Function),
            (Kind::Secret, Subject::SecretSsm),
            (Kind::Secret, Subject::SecretSecretsManager),
        ];
        for (kind, subject) in kinds {
            let rows = &table.uses[&subject];
            for level in kind.access_levels() {
                let grants = rows.get(&Level(*level));
                assert!(
                    grants.is_some_and(|g| !g.is_empty()),
                    "{subject:?} has no row for `{level}`"
                );
            }
            assert_eq!(rows.len(), kind.access_levels().len(), "{subject:?}");
        }
    }

    #[test]
    fn single_item_levels_grant_one_action_each() {
        let m = model(
            "app: shop\ndefaults: { runtime: python3.12 }\n\
             tables: { orders: { partition_key: { name: id, type: string } } }\n\
             functions:\n\
             \x20 record: { handler: a.h, uses: { orders: put } }\n\
             \x20 stamp: { handler: a.h, uses: { orders: update } }\n\
             \x20 purge: { handler: a.h, uses: { orders: delete } }\n\
             \x20 writer: { handler: a.h, uses: { orders: write } }\n",
        );
        let arn = "arn:aws:dynamodb:R:A:table/shop-orders".to_string();
        for (function, action) in [
            ("record", "dynamodb:PutItem"),
            ("stamp", "dynamodb:UpdateItem"),
            ("purge", "dynamodb:DeleteItem"),
        ] {
            let got = statements(&m, function);
            assert_eq!(got.len(), 1, "{function}: {got:?}");
            assert_eq!(got[0].0, vec![action.to_string()], "{function}");
            assert_eq!(got[0].1, arn, "{function}");
        }
        // `write` stays as it was, without the transaction's condition check (a read).
        let write = statements(&m, "writer");
        assert_eq!(
            write[0].0,
            [
                "dynamodb:BatchWriteItem",
                "dynamodb:DeleteItem",
                "dynamodb:PutItem",
                "dynamodb:UpdateItem"
            ]
        );
    }

    #[test]
    fn several_grants_on_one_resource_keep_their_prefixes_and_causes() {
        let m = model(
            "app: shop\ndefaults: { runtime: python3.12 }\n\
             buckets: { photos: {} }\n\
             tables: { orders: { partition_key: { name: id, type: string } } }\n\
             functions:\n\
             \x20 thumbs:\n\
             \x20   handler: a.h\n\
             \x20   uses:\n\
             \x20     photos: [ { access: read, prefix: uploads/ }, { access: write, prefix: thumbs/ } ]\n\
             \x20     orders: [ put, update ]\n",
        );
        let got = statements(&m, "thumbs");
        let find = |action: &str| {
            got.iter()
                .filter(|s| s.0.iter().any(|a| a == action))
                .map(|s| (s.1.clone(), s.2.clone()))
                .collect::<Vec<_>>()
        };
        assert_eq!(
            find("s3:GetObject"),
            [(
                "arn:aws:s3:::shop-photos-A-R/uploads/*".to_string(),
                vec!["uses bucket `photos` with `read` access under `uploads/`".to_string()]
            )]
        );
        assert_eq!(
            find("s3:PutObject"),
            [(
                "arn:aws:s3:::shop-photos-A-R/thumbs/*".to_string(),
                vec!["uses bucket `photos` with `write` access under `thumbs/`".to_string()]
            )]
        );
        // Put and update share one statement on the table, each cause kept.
        let table = find("dynamodb:UpdateItem");
        assert_eq!(table.len(), 1);
        assert_eq!(
            table[0].1,
            [
                "uses table `orders` with `put` access",
                "uses table `orders` with `update` access"
            ]
        );
        assert!(find("dynamodb:DeleteItem").is_empty());
        assert!(find("dynamodb:GetItem").is_empty());
        assert!(find("s3:GetObjectVersion").is_empty());
    }

    #[test]
    fn each_entry_of_a_list_is_the_cause_of_its_own_statements() {
        let text = "app: shop\ndefaults: { runtime: python3.12 }\n\
                    buckets: { photos: {} }\n\
                    functions:\n\
                    \x20 thumbs:\n\
                    \x20   handler: a.h\n\
                    \x20   uses:\n\
                    \x20     photos:\n\
                    \x20       - { access: read, prefix: uploads/ }\n\
                    \x20       - { access: write, prefix: thumbs/ }\n";
        let m = model(text);
        let p = policy(&m, &m.functions[0]);
        let cause_of = |action: &str| {
            let s = p
                .statements
                .iter()
                .find(|s| s.actions.iter().any(|a| a == action))
                .unwrap();
            assert_eq!(s.causes.len(), 1, "{action}");
            &text[s.causes[0].span.start as usize..s.causes[0].span.end as usize]
        };
        // (The parser's span of a flow mapping stops before its closing brace.)
        assert!(cause_of("s3:GetObject").starts_with("{ access: read, prefix: uploads/"));
        assert!(cause_of("s3:PutObject").starts_with("{ access: write, prefix: thumbs/"));
    }

    #[test]
    fn read_versions_adds_version_reads_under_the_prefix() {
        let m = model(
            "app: shop\ndefaults: { runtime: python3.12 }\n\
             buckets: { archive: { versioning: true } }\n\
             functions:\n\
             \x20 audit: { handler: a.h, uses: { archive: { access: read_versions, prefix: y/ } } }\n",
        );
        let f = &m.functions[0];
        let p = policy(&m, f);
        let objects = p
            .statements
            .iter()
            .find(|s| s.actions.contains(&"s3:GetObjectVersion".to_string()))
            .unwrap();
        assert_eq!(objects.actions, ["s3:GetObject", "s3:GetObjectVersion"]);
        let listing = p
            .statements
            .iter()
            .find(|s| s.actions.contains(&"s3:ListBucketVersions".to_string()))
            .unwrap();
        assert_eq!(listing.actions, ["s3:ListBucket", "s3:ListBucketVersions"]);
        assert_eq!(listing.condition, Some(Condition::S3Prefix("y/".into())));
    }

    #[test]
    fn every_table_action_is_a_real_action() {
        let catalogue = catalogue::get();
        let table = table();
        for action in table.all_actions() {
            let info = catalogue
                .action(action)
                .unwrap_or_else(|| panic!("{action} is not in the IAM catalogue"));
            assert_eq!(info.name, action, "spell actions as AWS does");
        }
        for (action, reason) in &table.wildcard_only {
            let info = catalogue
                .action(action)
                .expect("allow-listed action exists");
            assert!(
                info.wildcard_only(),
                "{action} takes a resource ARN: it must be scoped"
            );
            assert!(reason.len() > 20, "{action} needs a real reason");
        }
    }
}
