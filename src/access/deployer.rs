//! The deploying principal's own least-privilege policy (`updraft deployer-policy`): what a
//! CI job needs to deploy, update and tear down exactly this app with one engine.
//!
//! Which actions each kind of resource needs is reviewable data, `targets/aws/deployer.yaml`
//! (one row per statement, with its reason); which resources a kind is scoped to comes from
//! the AWS plan ([`Plan`]), the one place that knows what the app creates and under which
//! names, so the policy names exactly the resources the compiled output makes.
//!
//! **Invariant:** no wildcard action; `Resource: "*"` only in rows marked `any_resource`,
//! whose actions AWS lets be granted on nothing narrower (checked against the catalogue).

use std::collections::BTreeMap;
use std::sync::OnceLock;

use serde::Deserialize;
use serde_json::{Value, json};

use crate::targets::aws::{self as names, ArnPart};
use crate::targets::plan::{Plan, Source};
use crate::targets::terraform::name_prefix;

const DEPLOYER_YAML: &str = include_str!("../../targets/aws/deployer.yaml");

/// The engine that deploys.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Engine {
    Cloudformation,
    Terraform,
}

/// A named condition a row asks for; the code fills in its values.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ConditionKind {
    /// `ArnLike: { lambda:FunctionArn: [the app's functions] }`
    FunctionArn,
}

/// One row of `deployer.yaml`: one statement.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Row {
    pub sid: String,
    pub actions: Vec<String>,
    pub why: String,
    #[serde(default)]
    pub engines: Vec<Engine>,
    #[serde(default)]
    pub any_resource: bool,
    #[serde(default)]
    pub condition: Option<ConditionKind>,
}

impl Row {
    fn applies(&self, engine: Engine) -> bool {
        self.engines.is_empty() || self.engines.contains(&engine)
    }
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Table {
    /// Kind of resource (`table`, `function`, `stack`...) to its rows.
    pub kinds: BTreeMap<String, Vec<Row>>,
}

/// The embedded table, parsed once. A malformed table is a build-time bug caught by the
/// tests, so it panics with the parser's message.
pub fn table() -> &'static Table {
    static TABLE: OnceLock<Table> = OnceLock::new();
    TABLE.get_or_init(|| {
        serde_saphyr::from_str(DEPLOYER_YAML)
            .unwrap_or_else(|e| panic!("targets/aws/deployer.yaml is malformed: {e}"))
    })
}

/// Where and how the app is deployed: what the spec alone does not say.
#[derive(Clone, Debug)]
pub struct Options {
    pub engine: Engine,
    pub partition: String,
    /// `*` when not pinned.
    pub region: String,
    /// `*` when not pinned.
    pub account: String,
    /// CloudFormation: the stack's name (default: `<app>[-<stage>]`).
    pub stack: Option<String>,
    /// The bucket the code packages are uploaded to (`*` when not given).
    pub artifact_bucket: Option<String>,
    /// Terraform with an S3 backend: (bucket, key) of the state.
    pub state: Option<(String, String)>,
}

/// One statement of the deployer's policy, with its reason.
#[derive(Clone, Debug, PartialEq)]
pub struct Statement {
    pub sid: String,
    pub actions: Vec<String>,
    pub resources: Vec<String>,
    pub condition: Option<Value>,
    pub why: String,
}

struct Ctx<'a, 'm> {
    plan: &'a Plan<'m>,
    options: &'a Options,
}

impl Ctx<'_, '_> {
    fn text(&self, parts: Vec<ArnPart>) -> String {
        parts
            .into_iter()
            .map(|p| match p {
                ArnPart::Lit(s) => s,
                ArnPart::Partition => self.options.partition.clone(),
                ArnPart::Region => self.options.region.clone(),
                ArnPart::Account => self.options.account.clone(),
                // Only raw statements name params; the names of what the app creates never
                // do. Should one ever, its value is unknown here: any value, in that segment.
                ArnPart::Param(_) => "*".to_string(),
            })
            .collect()
    }

    /// `arn:<partition>:<service>:<region>:<account>:<rest>`
    fn regional(&self, service: &str, rest: &str) -> String {
        let o = self.options;
        format!(
            "arn:{}:{service}:{}:{}:{rest}",
            o.partition, o.region, o.account
        )
    }

    fn stack(&self) -> String {
        self.options
            .stack
            .clone()
            .unwrap_or_else(|| names::prefix(self.plan.model))
    }

    fn artifact_bucket(&self) -> String {
        self.options
            .artifact_bucket
            .clone()
            .unwrap_or_else(|| "*".into())
    }

    fn functions(&self) -> Vec<String> {
        self.plan
            .functions
            .iter()
            .map(|f| self.regional("lambda", &format!("function:{}", f.physical)))
            .collect()
    }

    /// The roles the engine creates: CloudFormation names them `<stack>-<logical id>-<random>`,
    /// Terraform `<name_prefix><random>` from each function's physical name.
    fn roles(&self, service: Option<&str>) -> Vec<String> {
        let iam = |name: &str| {
            format!(
                "arn:{}:iam::{}:role/{name}",
                self.options.partition, self.options.account
            )
        };
        match self.options.engine {
            Engine::Cloudformation => vec![iam(&format!("{}-*", self.stack()))],
            Engine::Terraform => self
                .plan
                .functions
                .iter()
                .filter(|f| match service {
                    None | Some("lambda.amazonaws.com") => true,
                    Some(s) => f.events.iter().any(
                        |e| matches!(&e.source, Source::Scheduler(sc) if sc.role_principal == s),
                    ),
                })
                .map(|f| iam(&format!("{}*", name_prefix(&f.physical))))
                .collect(),
        }
    }

    /// Which kinds the app creates with this engine, each with its resources.
    fn resources(&self, kind: &str) -> Option<Vec<String>> {
        let plan = self.plan;
        let engine = self.options.engine;
        let events = || {
            plan.functions
                .iter()
                .flat_map(|f| f.events.iter().map(move |e| (f, e)))
        };
        let some = |v: Vec<String>| (!v.is_empty()).then_some(v);
        let packages = match engine {
            Engine::Cloudformation => plan.code_packages,
            // `compile --out` writes the packages beside the module, which reads them from
            // disk; only packages kept in a bucket (`--artifact-bucket`) are read from S3.
            Engine::Terraform => plan.unwritten_packages && self.options.artifact_bucket.is_some(),
        };
        let s3 = |name: &str| format!("arn:{}:s3:::{name}", self.options.partition);
        match kind {
            "stack" => {
                let stack = self.stack();
                let stacks = [
                    "",
                    "-BaseStack-*",
                    "-StorageStack-*",
                    "-Functions???Stack-*",
                ];
                Some(
                    stacks
                        .iter()
                        .map(|s| self.regional("cloudformation", &format!("stack/{stack}{s}/*")))
                        .collect(),
                )
            }
            "packages" if packages => Some(vec![
                s3(&self.artifact_bucket()),
                s3(&format!(
                    "{}/{}/*",
                    self.artifact_bucket(),
                    plan.artifact_prefix
                )),
            ]),
            "state" => self.options.state.as_ref().map(|(bucket, key)| {
                vec![
                    s3(bucket),
                    s3(&format!("{bucket}/{key}")),
                    s3(&format!("{bucket}/{key}.tflock")),
                ]
            }),
            "role" => some(self.roles(None)),
            "function" => some(
                self.functions()
                    .into_iter()
                    .flat_map(|f| [format!("{f}:*"), f])
                    .collect(),
            ),
            "reserved_concurrency" => some(
                plan.functions
                    .iter()
                    .filter(|f| f.reserved_concurrency.is_some())
                    .map(|f| self.regional("lambda", &format!("function:{}", f.physical)))
                    .collect(),
            ),
            "alias" => some(
                plan.functions
                    .iter()
                    .filter(|f| f.alias.is_some())
                    .flat_map(|f| {
                        let arn = self.regional("lambda", &format!("function:{}", f.physical));
                        [format!("{arn}:*"), arn]
                    })
                    .collect(),
            ),
            "invoke_config" => some(
                plan.functions
                    .iter()
                    .filter(|f| f.invoke_config.is_some())
                    .flat_map(|f| {
                        let arn = self.regional("lambda", &format!("function:{}", f.physical));
                        [format!("{arn}:*"), arn]
                    })
                    .collect(),
            ),
            "event_source_mapping" => events()
                .any(|(_, e)| matches!(e.source, Source::Mapping(_)))
                .then(|| vec![self.regional("lambda", "event-source-mapping:*")]),
            "log_group" => some(
                plan.functions
                    .iter()
                    .map(|f| f.log_group.as_str())
                    .chain(plan.apis.iter().map(|a| a.access_log_group.as_str()))
                    .flat_map(|g| {
                        let arn = self.regional("logs", &format!("log-group:{g}"));
                        [format!("{arn}:*"), arn]
                    })
                    .collect(),
            ),
            "table" => some(
                plan.tables
                    .iter()
                    .map(|t| self.regional("dynamodb", &format!("table/{}", t.physical)))
                    .collect(),
            ),
            "queue" => some(
                plan.queues
                    .iter()
                    .map(|q| self.regional("sqs", &q.physical))
                    .collect(),
            ),
            "topic" => some(
                plan.topics
                    .iter()
                    .map(|t| self.regional("sns", &t.physical))
                    .collect(),
            ),
            "subscription" => {
                let mut topics: Vec<String> = events()
                    .filter_map(|(_, e)| match &e.source {
                        Source::Subscription(s) => plan
                            .topics
                            .iter()
                            .find(|t| t.name == s.topic)
                            .map(|t| self.regional("sns", &t.physical)),
                        _ => None,
                    })
                    .collect();
                topics.sort();
                topics.dedup();
                some(topics)
            }
            "bucket" => some(
                plan.buckets
                    .iter()
                    .map(|b| s3(&self.text(b.physical.clone())))
                    .collect(),
            ),
            "api" if !plan.apis.is_empty() => {
                let region = &self.options.region;
                let p = &self.options.partition;
                Some(vec![
                    format!("arn:{p}:apigateway:{region}::/apis"),
                    format!("arn:{p}:apigateway:{region}::/apis/*"),
                    format!("arn:{p}:apigateway:{region}::/tags/*"),
                ])
            }
            "domain" => {
                let region = &self.options.region;
                let p = &self.options.partition;
                let mut out = Vec::new();
                for d in plan.apis.iter().filter_map(|a| a.domain.as_ref()) {
                    out.push(format!("arn:{p}:apigateway:{region}::/domainnames"));
                    out.push(format!(
                        "arn:{p}:apigateway:{region}::/domainnames/{}",
                        d.name
                    ));
                    out.push(format!(
                        "arn:{p}:apigateway:{region}::/domainnames/{}/*",
                        d.name
                    ));
                }
                out.sort();
                out.dedup();
                some(out)
            }
            "user_pool" if !plan.user_pools.is_empty() => {
                Some(vec![self.regional("cognito-idp", "userpool/*")])
            }
            "rule" => some(
                events()
                    .filter_map(|(f, e)| match &e.source {
                        Source::Rule(r) => Some(match engine {
                            Engine::Cloudformation => {
                                self.regional("events", &format!("rule/{}", r.name))
                            }
                            Engine::Terraform => self
                                .regional("events", &format!("rule/{}*", name_prefix(&f.physical))),
                        }),
                        _ => None,
                    })
                    .collect(),
            ),
            "schedule" => {
                let mut out: Vec<String> = events()
                    .filter(|(_, e)| matches!(e.source, Source::Scheduler(_)))
                    .map(|(f, _)| {
                        let name = match engine {
                            Engine::Cloudformation => format!("{}-*", self.stack()),
                            Engine::Terraform => format!("{}*", name_prefix(&f.physical)),
                        };
                        self.regional("scheduler", &format!("schedule/default/{name}"))
                    })
                    .collect();
                out.sort();
                out.dedup();
                some(out)
            }
            "iot_rule" => some(
                events()
                    .filter_map(|(_, e)| match &e.source {
                        Source::IotRule(r) => {
                            Some(self.regional("iot", &format!("rule/{}", r.name)))
                        }
                        _ => None,
                    })
                    .collect(),
            ),
            "alarm" => some(
                plan.alarms
                    .iter()
                    .map(|a| self.regional("cloudwatch", &format!("alarm:{}", a.alarm_name)))
                    .collect(),
            ),
            _ => None,
        }
    }

    fn condition(&self, kind: &str, row: &Row) -> Option<Value> {
        if let Some(ConditionKind::FunctionArn) = row.condition {
            return Some(json!({ "ArnLike": { "lambda:FunctionArn": self.functions() } }));
        }
        // Listing a bucket: only the keys the deploy writes.
        if row.actions.iter().any(|a| a == "s3:ListBucket") {
            let prefix = match kind {
                "packages" => format!("{}/*", self.plan.artifact_prefix),
                "state" => self.options.state.as_ref()?.1.clone(),
                _ => return None,
            };
            return Some(json!({ "StringLike": { "s3:prefix": [prefix] } }));
        }
        None
    }
}

/// The deployer's statements, in the table's order of kinds and rows; only the kinds the app
/// creates with this engine.
#[must_use]
pub fn statements(plan: &Plan<'_>, options: &Options) -> Vec<Statement> {
    let ctx = Ctx { plan, options };
    let mut out = Vec::new();
    for (kind, rows) in &table().kinds {
        let Some(resources) = ctx.resources(kind) else {
            continue;
        };
        for row in rows.iter().filter(|r| r.applies(options.engine)) {
            let s3_bucket_row = row.actions.iter().all(|a| a == "s3:ListBucket");
            let resources = if row.any_resource {
                vec!["*".to_string()]
            } else if matches!(kind.as_str(), "packages" | "state") {
                // Bucket-level rows name the bucket; object rows the objects.
                let (bucket, objects) = resources.split_at(1);
                if s3_bucket_row {
                    bucket.to_vec()
                } else {
                    objects.to_vec()
                }
            } else {
                resources.clone()
            };
            out.push(Statement {
                sid: row.sid.clone(),
                actions: row.actions.clone(),
                resources,
                condition: ctx.condition(kind, row),
                why: row.why.clone(),
            });
        }
    }
    out.push(pass_role(&ctx));
    out.retain(|s| !s.resources.is_empty());
    out
}

/// `iam:PassRole` for the roles the app creates, each only to the service that assumes it.
fn pass_role(ctx: &Ctx<'_, '_>) -> Statement {
    let mut services = vec!["lambda.amazonaws.com"];
    let scheduler = ctx
        .plan
        .functions
        .iter()
        .flat_map(|f| &f.events)
        .any(|e| matches!(e.source, Source::Scheduler(_)));
    if scheduler {
        services.push("scheduler.amazonaws.com");
    }
    let roles = if ctx.plan.functions.is_empty() {
        Vec::new()
    } else {
        ctx.roles(None)
    };
    Statement {
        sid: "PassRoles".into(),
        actions: vec!["iam:PassRole".into()],
        resources: roles,
        condition: Some(json!({ "StringEquals": { "iam:PassedToService": services } })),
        why: "each function's role is passed to Lambda, each schedule's role to EventBridge Scheduler; no other role, to no other service".into(),
    }
}

/// The policy document, as AWS IAM JSON.
#[must_use]
pub fn document(statements: &[Statement]) -> Value {
    let statement: Vec<Value> = statements
        .iter()
        .map(|s| {
            let mut v = json!({
                "Sid": s.sid,
                "Effect": "Allow",
                "Action": s.actions,
                "Resource": if s.resources.len() == 1 { json!(s.resources[0]) } else { json!(s.resources) },
            });
            if let Some(c) = &s.condition {
                v["Condition"] = c.clone();
            }
            v
        })
        .collect();
    json!({ "Version": "2012-10-17", "Statement": statement })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::access::catalogue;

    /// Every action is a real IAM action; scoped rows hold only actions that accept a
    /// resource type, `any_resource` rows only actions that accept none.
    #[test]
    fn every_row_is_real_and_scoped_as_iam_allows() {
        let c = catalogue::get();
        let mut problems = Vec::new();
        let mut sids = std::collections::BTreeSet::new();
        for (kind, rows) in &table().kinds {
            for row in rows {
                if !sids.insert(row.sid.clone()) {
                    problems.push(format!("{kind}: sid {} twice", row.sid));
                }
                assert!(!row.why.trim().is_empty(), "{kind}/{}: no reason", row.sid);
                for a in &row.actions {
                    match c.action(a) {
                        None => {
                            problems.push(format!("{kind}/{}: {a} is not an IAM action", row.sid));
                        }
                        Some(info) if info.name != *a => {
                            problems
                                .push(format!("{kind}/{}: {a} is spelled {}", row.sid, info.name));
                        }
                        Some(info) if info.wildcard_only() != row.any_resource => {
                            problems.push(format!(
                                "{kind}/{}: {a} {} a resource type but the row is {}",
                                row.sid,
                                if info.wildcard_only() {
                                    "accepts no"
                                } else {
                                    "accepts"
                                },
                                if row.any_resource { "on *" } else { "scoped" }
                            ));
                        }
                        Some(_) => {}
                    }
                    assert!(!a.contains('*'), "{a}: no wildcard actions");
                }
            }
        }
        assert!(problems.is_empty(), "{}", problems.join("\n"));
    }
}
