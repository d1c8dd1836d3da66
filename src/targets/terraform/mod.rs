//! Terraform for the `hashicorp/aws` provider (5.x, or 6.x with `--provider 6`): a folder of `versions.tf`,
//! `variables.tf`, `main.tf` and `outputs.tf`, built as an HCL tree ([`crate::emit::hcl`])
//! and printed as `terraform fmt` would. The feature mapping is `targets/terraform/README.md`;
//! the CloudFormation backend is the reference: the same resources, physical names and
//! least-privilege statements.
//!
//! **Invariants:**
//! - Everything AWS is decided by the [`Plan`] (shared with CloudFormation); this backend
//!   decides only how to write it in HCL (labels, traversals, `name_prefix`, `depends_on`)
//!   and what provider 5.x cannot express.
//! - IAM statements are the derived ones ([`crate::access::aws::Policy`]), never re-derived;
//!   their ARNs are template strings built from [`aws::arn_parts`] with the partition, region
//!   and account from data sources, so a role never depends on the resources it may touch.
//! - Every other reference between resources is a traversal (`aws_sqs_queue.jobs.arn`),
//!   except a function's name or ARN in another function's environment, written as text
//!   (two functions naming each other would otherwise be a dependency cycle).
//! - Labels are Terraform identifiers, unique per resource type ([`Labels`]).
//! - A construct that Terraform with provider 5.x cannot express is an error naming the
//!   target, never dropped.

mod compute;
mod data;
mod events;
mod params;

use std::collections::{BTreeMap, BTreeSet};

use super::{Artifact, Input, Output, Target};
use crate::diag::{Code, Diagnostic};
use crate::emit::hcl::{self, Block, Body, Expr, Part};
use crate::model::env::Attr;
use crate::model::{CodeSource, EnvPart, EnvValue, Kind, Model, Ref};
use crate::targets::aws::{self, ArnPart};
use crate::targets::plan::{self, Issuer, Plan};

/// The major version of the `hashicorp/aws` provider the output is written for.
///
/// 5 is the default because it is the one this project validates (`terraform validate`
/// against provider 5.100.0, and deployments to the local AWS). 6 differs, for what updraft
/// writes, in the runtimes it accepts and in `data.aws_region`'s `region` attribute (its
/// `name` is deprecated in 6); nothing else updraft emits changed between the two.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum Provider {
    /// `~> 5.0`: every 5.x release; runtimes up to `nodejs22.x` and `python3.13`.
    #[default]
    V5,
    /// `~> 6.27`: 6.27.0 is the first release that accepts the runtimes 5.x lacks
    /// (`nodejs24.x` came in 6.19.0, `python3.14` and `java25` in 6.20.0, `dotnet10` in
    /// 6.27.0); `ruby4.0` is not known to be accepted by any release yet.
    V6,
}

impl Provider {
    /// The constraint written in `versions.tf`.
    #[must_use]
    pub fn constraint(self) -> &'static str {
        match self {
            Provider::V5 => "~> 5.0",
            Provider::V6 => "~> 6.27",
        }
    }

    /// Whether every release the constraint admits accepts `runtime` on `aws_lambda_function`.
    #[must_use]
    pub fn accepts_runtime(self, runtime: &str) -> bool {
        PROVIDER_RUNTIMES.contains(&runtime)
            || (self == Provider::V6 && PROVIDER_6_RUNTIMES.contains(&runtime))
    }

    /// The region of the provider's configuration, as a traversal.
    fn region(self) -> &'static str {
        match self {
            Provider::V5 => "data.aws_region.current.name",
            Provider::V6 => "data.aws_region.current.region",
        }
    }
}

/// The provider constraint written in `versions.tf` by default.
pub const PROVIDER_VERSION: &str = "~> 5.0";
/// The Terraform constraint written in `versions.tf`.
pub const TERRAFORM_VERSION: &str = ">= 1.5.0";

/// Lambda runtimes that the `runtime` argument of `aws_lambda_function` accepts in the last
/// 5.x release of the provider (5.100.0: its validation list, verbatim). Newer runtimes are
/// refused by `terraform validate` and `plan` with any 5.x provider.
pub const PROVIDER_RUNTIMES: &[&str] = &[
    "nodejs",
    "nodejs4.3",
    "nodejs6.10",
    "nodejs8.10",
    "nodejs10.x",
    "nodejs12.x",
    "nodejs14.x",
    "nodejs16.x",
    "java8",
    "java8.al2",
    "java11",
    "python2.7",
    "python3.6",
    "python3.7",
    "python3.8",
    "python3.9",
    "dotnetcore1.0",
    "dotnetcore2.0",
    "dotnetcore2.1",
    "dotnetcore3.1",
    "dotnet6",
    "dotnet8",
    "nodejs4.3-edge",
    "go1.x",
    "ruby2.5",
    "ruby2.7",
    "provided",
    "provided.al2",
    "nodejs18.x",
    "python3.10",
    "java17",
    "ruby3.2",
    "ruby3.3",
    "ruby3.4",
    "python3.11",
    "nodejs20.x",
    "provided.al2023",
    "python3.12",
    "java21",
    "python3.13",
    "nodejs22.x",
];

/// Runtimes that provider 6.27.0 and later accept beyond [`PROVIDER_RUNTIMES`] (the provider
/// validates against the AWS SDK's list, which gained them in 6.19.0, 6.20.0 and 6.27.0).
pub const PROVIDER_6_RUNTIMES: &[&str] = &["nodejs24.x", "python3.14", "java25", "dotnet10"];

/// The Terraform backend, for one major version of the AWS provider.
#[derive(Clone, Copy, Debug, Default)]
pub struct Terraform {
    pub provider: Provider,
}

impl Target for Terraform {
    fn name(&self) -> &'static str {
        "Terraform"
    }

    fn compile(&self, input: &Input<'_>) -> Result<Output, Vec<Diagnostic>> {
        let files = lower(input, self.provider)?;
        let summary = vec![format!(
            "main.tf: {} resources and {} data sources; variables.tf: {} variables; outputs.tf: {} outputs",
            files.resources, files.data_sources, files.variables_count, files.outputs_count
        )];
        Ok(Output {
            artifacts: files
                .files()
                .into_iter()
                .map(|(name, text)| Artifact {
                    path: name.into(),
                    bytes: text.into_bytes(),
                })
                .collect(),
            summary,
            diagnostics: Vec::new(),
        })
    }
}

/// The configuration, as HCL bodies, one per file.
#[derive(Clone, Debug)]
pub struct Files {
    pub versions: Body,
    pub variables: Body,
    pub main: Body,
    pub outputs: Body,
    pub resources: usize,
    pub data_sources: usize,
    pub variables_count: usize,
    pub outputs_count: usize,
}

impl Files {
    /// Every file with its text, sorted by name.
    #[must_use]
    pub fn files(&self) -> Vec<(&'static str, String)> {
        vec![
            ("main.tf", hcl::to_string(&self.main)),
            ("outputs.tf", hcl::to_string(&self.outputs)),
            ("variables.tf", hcl::to_string(&self.variables)),
            ("versions.tf", hcl::to_string(&self.versions)),
        ]
    }
}

/// Lowers the app to a Terraform configuration.
///
/// # Errors
/// Every construct Terraform (with that provider) cannot express.
pub fn lower(input: &Input<'_>, provider: Provider) -> Result<Files, Vec<Diagnostic>> {
    let plan = Plan::new(input.model, input.policies);
    let problems = check(input.model, &plan, provider);
    if !problems.is_empty() {
        return Err(problems);
    }
    let mut b = Builder::new(input, &plan, provider);
    b.preamble();
    data::lower(&mut b);
    compute::lower(&mut b);
    events::lower(&mut b);
    data::alarms(&mut b);
    if !b.diagnostics.is_empty() {
        return Err(b.diagnostics);
    }
    Ok(b.finish())
}

/// What Terraform cannot express, found before anything is built.
fn check(model: &Model, plan: &Plan<'_>, provider: Provider) -> Vec<Diagnostic> {
    let mut out: Vec<Diagnostic> = plan
        .refusals
        .iter()
        .map(|r| r.diagnostic("Terraform"))
        .collect();
    // One error per runtime setting (a default names many functions).
    let mut runtimes: BTreeMap<(String, crate::source::Span), Vec<&str>> = BTreeMap::new();
    for f in &model.functions {
        if let CodeSource::Handler { runtime, .. } = &f.code
            && !provider.accepts_runtime(&runtime.value)
        {
            let span = if runtime.span.is_empty() {
                f.span
            } else {
                runtime.span
            };
            runtimes
                .entry((runtime.value.clone(), span))
                .or_default()
                .push(&f.name);
        }
    }
    for ((runtime, span), functions) in runtimes {
        let names: Vec<String> = functions.iter().map(|n| format!("`{n}`")).collect();
        out.push(
            Diagnostic::new(
                Code::UnsupportedOnTarget,
                format!(
                    "Terraform (hashicorp/aws {}): runtime `{runtime}` of {} {} is unknown to {}",
                    provider.constraint(),
                    if names.len() == 1 { "function" } else { "functions" },
                    names.join(", "),
                    match provider {
                        Provider::V5 => "every 5.x release of the provider",
                        Provider::V6 => "the provider",
                    }
                ),
            )
            .with_label(
                span,
                match provider {
                    Provider::V5 => "provider 5.100.0, the last 5.x release, refuses it",
                    Provider::V6 => "provider 6.x refuses it",
                },
            )
            .with_help(match provider {
                Provider::V5 if PROVIDER_6_RUNTIMES.contains(&runtime.as_str()) => {
                    "provider 6.27 and later know it: compile with `--provider 6`, or choose a runtime that 5.x knows (for example `nodejs22.x`, `python3.13`, `java21`)"
                }
                _ => {
                    "`terraform validate` and `plan` would fail; choose a runtime the provider knows (for example `nodejs22.x`, `python3.13`, `java21`), for instance in a stage used for Terraform, or compile for CloudFormation"
                }
            }),
        );
    }
    out
}

/// Turns text into a Terraform identifier: letters, digits and `_` (hyphens and anything
/// else become `_`), starting with a letter or `_`.
#[must_use]
pub fn identifier(text: &str) -> String {
    let mut out: String = text
        .chars()
        .map(|c| if c.is_ascii_alphanumeric() { c } else { '_' })
        .collect();
    if !out.starts_with(|c: char| c.is_ascii_alphabetic() || c == '_') {
        out.insert(0, '_');
    }
    out
}

/// Labels in use, per namespace (a resource or data type, `variable`, `output`): each new
/// one is the wanted name as an identifier, with `_2`, `_3`... when that is taken.
#[derive(Debug, Default)]
pub struct Labels {
    used: BTreeMap<String, BTreeSet<String>>,
}

impl Labels {
    pub fn take(&mut self, namespace: &str, wanted: &str) -> String {
        let base = identifier(wanted);
        if !self.used.contains_key(namespace) {
            self.used.insert(namespace.to_string(), BTreeSet::new());
        }
        let used = self.used.get_mut(namespace).expect("inserted above");
        let mut label = base.clone();
        let mut n = 2;
        while !used.insert(label.clone()) {
            label = format!("{base}_{n}");
            n += 1;
        }
        label
    }
}

/// The resource type that holds a declared resource.
fn primary_type(kind: Kind) -> &'static str {
    match kind {
        Kind::Function => "aws_lambda_function",
        Kind::Gateway => "aws_apigatewayv2_api",
        Kind::Table => "aws_dynamodb_table",
        Kind::Queue => "aws_sqs_queue",
        Kind::Topic => "aws_sns_topic",
        Kind::Bucket => "aws_s3_bucket",
        Kind::Auth => "aws_cognito_user_pool",
        Kind::Secret => "secret",
    }
}

/// Lowering state: the three bodies so far, the labels and the problems found.
pub(crate) struct Builder<'a> {
    pub model: &'a Model,
    /// Every AWS decision, made once.
    pub plan: &'a Plan<'a>,
    pub main: Body,
    pub variables: Body,
    pub outputs: Body,
    labels: Labels,
    /// The label of each declared resource in its primary type, by kind and name.
    declared: BTreeMap<Kind, BTreeMap<String, String>>,
    /// `aws_lambda_alias` of functions with provisioned concurrency.
    aliases: BTreeMap<String, String>,
    /// `aws_cognito_user_pool_client` of cognito auths.
    clients: BTreeMap<String, String>,
    /// `aws_lambda_permission` of a function's event (index from 0), for notifications.
    pub permissions: BTreeMap<(String, usize), String>,
    /// `aws_cloudwatch_event_rule` of a function's event (index from 0), for queue policies.
    pub rules: BTreeMap<(String, usize), String>,
    /// `aws_apigatewayv2_authorizer` of (gateway, auth).
    pub authorizers: BTreeMap<(String, String), String>,
    pub diagnostics: Vec<Diagnostic>,
    /// The provider major version written for.
    pub provider: Provider,
    resources: usize,
    data_sources: usize,
}

impl<'a> Builder<'a> {
    fn new(input: &'a Input<'a>, plan: &'a Plan<'a>, provider: Provider) -> Self {
        let model = input.model;
        let mut labels = Labels::default();
        let mut declared: BTreeMap<Kind, BTreeMap<String, String>> = BTreeMap::new();
        for (r, _) in model.resources() {
            let cognito = plan.user_pools.iter().any(|p| p.name == r.name);
            if r.kind == Kind::Secret || (r.kind == Kind::Auth && !cognito) {
                continue;
            }
            let label = labels.take(primary_type(r.kind), &r.name);
            declared.entry(r.kind).or_default().insert(r.name, label);
        }
        let mut aliases = BTreeMap::new();
        for f in plan.functions.iter().filter(|f| f.alias.is_some()) {
            aliases.insert(f.name.to_string(), labels.take("aws_lambda_alias", f.name));
        }
        let mut clients = BTreeMap::new();
        for p in &plan.user_pools {
            clients.insert(
                p.name.to_string(),
                labels.take("aws_cognito_user_pool_client", p.name),
            );
        }
        // Fixed names first, so that no derived name takes them.
        labels.take("variable", "artifact_bucket");
        labels.take("variable", "artifact_prefix");
        for (ty, name) in [
            ("locals", "tags"),
            ("data.aws_partition", "current"),
            ("data.aws_region", "current"),
            ("data.aws_caller_identity", "current"),
        ] {
            labels.take(ty, name);
        }
        Self {
            model,
            plan,
            main: Body::new(),
            variables: Body::new(),
            outputs: Body::new(),
            labels,
            declared,
            aliases,
            clients,
            permissions: BTreeMap::new(),
            rules: BTreeMap::new(),
            authorizers: BTreeMap::new(),
            diagnostics: Vec::new(),
            provider,
            resources: 0,
            data_sources: 0,
        }
    }

    /// The header, the tags every taggable resource carries, and the data sources of the
    /// partition, region and account that ARNs are built from.
    fn preamble(&mut self) {
        let m = self.model;
        self.main.comment(header(m));
        let tags: Vec<_> = self
            .plan
            .tags
            .iter()
            .map(|(k, v)| (*k, Expr::string(*v)))
            .collect();
        self.main.block(Block::new("locals", &[]).with(|b| {
            b.attr("tags", Expr::object(tags));
        }));
        // Packaged code is read from beside the module; only unpackaged code needs a bucket.
        if self.plan.unwritten_packages {
            self.declare_variable(
                "artifact_bucket",
                "S3 bucket holding the functions' code packages (in the region of the deployment)"
                    .into(),
                None,
            );
            self.declare_variable(
                "artifact_prefix",
                "Key prefix of the code packages in artifact_bucket: each function's package is <prefix>/<code>.zip".into(),
                Some(self.plan.artifact_prefix.clone()),
            );
        }
        self.params();
        for ty in ["aws_partition", "aws_region", "aws_caller_identity"] {
            self.main.block(Block::new("data", &[ty, "current"]));
            self.data_sources += 1;
        }
    }

    fn finish(self) -> Files {
        let m = self.model;
        let mut versions = Body::new();
        versions.comment(header(m));
        versions.block(Block::new("terraform", &[]).with(|t| {
            t.attr("required_version", TERRAFORM_VERSION);
            t.nested("required_providers", |p| {
                p.attr(
                    "aws",
                    Expr::object([
                        ("source", Expr::from("hashicorp/aws")),
                        ("version", Expr::from(self.provider.constraint())),
                    ]),
                );
            });
        }));
        let variables_count = count_blocks(&self.variables);
        let outputs_count = count_blocks(&self.outputs);
        let mut variables = Body::new();
        variables.comment(header(m));
        if variables_count == 0 {
            variables.comment("This configuration takes no input variables.");
        }
        variables.items.extend(self.variables.items);
        let mut outputs = Body::new();
        outputs.comment(header(m));
        outputs.items.extend(self.outputs.items);
        Files {
            versions,
            variables,
            main: self.main,
            outputs,
            resources: self.resources,
            data_sources: self.data_sources,
            variables_count,
            outputs_count,
        }
    }

    /// A new label in a namespace (see [`Labels`]).
    pub fn take(&mut self, namespace: &str, wanted: &str) -> String {
        self.labels.take(namespace, wanted)
    }

    /// Appends `resource "ty" "label" { body }` to `main.tf`.
    pub fn add(&mut self, ty: &str, label: &str, body: Body) {
        self.resources += 1;
        self.main.block(Block {
            kind: "resource".into(),
            labels: vec![ty.into(), label.into()],
            body,
        });
    }

    /// Takes a label and appends the resource; returns the label.
    pub fn resource(&mut self, ty: &str, wanted: &str, body: Body) -> String {
        let label = self.take(ty, wanted);
        self.add(ty, &label, body);
        label
    }

    /// A comment line in `main.tf` before the resources of one spec entity.
    pub fn section(&mut self, text: String) {
        self.main.comment(text);
    }

    /// Declares an input variable under a new name; returns the name.
    pub fn variable(
        &mut self,
        wanted: &str,
        description: String,
        default: Option<String>,
    ) -> String {
        let name = self.take("variable", wanted);
        self.declare_variable(&name, description, default);
        name
    }

    /// Declares an input variable whose name is already taken.
    fn declare_variable(&mut self, name: &str, description: String, default: Option<String>) {
        self.variables
            .block(Block::new("variable", &[name]).with(|v| {
                v.attr("description", description);
                v.attr("type", Expr::reference("string"));
                v.attr_opt("default", default);
            }));
    }

    pub fn output(&mut self, wanted: &str, description: String, value: Expr) {
        let name = self.take("output", wanted);
        self.outputs.block(Block::new("output", &[&name]).with(|o| {
            o.attr("description", description);
            o.attr("value", value);
        }));
    }

    /// The label of a declared resource in its primary type.
    pub fn label(&self, kind: Kind, name: &str) -> String {
        self.declared
            .get(&kind)
            .and_then(|labels| labels.get(name))
            .cloned()
            .unwrap_or_else(|| identifier(name))
    }

    /// `<primary type>.<label>.<attribute>` of a declared resource.
    pub fn of(&self, kind: Kind, name: &str, attribute: &str) -> Expr {
        Expr::path(&[primary_type(kind), &self.label(kind, name), attribute])
    }

    /// The alias label of a function that keeps provisioned instances warm.
    pub fn alias(&self, function: &str) -> Option<&str> {
        self.aliases.get(function).map(String::as_str)
    }

    /// The `aws_cognito_user_pool_client` label of a cognito auth.
    pub fn client_label(&self, auth: &str) -> String {
        self.clients
            .get(auth)
            .cloned()
            .unwrap_or_else(|| identifier(auth))
    }

    /// The app client id of a cognito auth.
    pub fn client(&self, auth: &str) -> Expr {
        Expr::path(&[
            "aws_cognito_user_pool_client",
            &self.client_label(auth),
            "id",
        ])
    }

    /// What invokes a function, as an ARN: its alias when it keeps provisioned instances
    /// warm (so that they serve the traffic), else the function.
    pub fn invoke_target(&self, function: &str) -> Expr {
        self.invoke_attribute(function, "arn")
    }

    /// `invoke_arn` (API Gateway integrations) of the alias or the function.
    pub fn invoke_attribute(&self, function: &str, attribute: &str) -> Expr {
        match self.alias(function) {
            Some(alias) => Expr::path(&["aws_lambda_alias", alias, attribute]),
            None => self.of(Kind::Function, function, attribute),
        }
    }

    /// `function_name` and `qualifier` arguments naming the invoked function (or alias).
    pub fn function_and_qualifier(&self, function: &str, body: &mut Body) {
        body.attr(
            "function_name",
            self.of(Kind::Function, function, "function_name"),
        );
        if let Some(alias) = self.alias(function) {
            body.attr(
                "qualifier",
                Expr::path(&["aws_lambda_alias", alias, "name"]),
            );
        }
    }

    /// An ARN from its parts, as a template: text, with the partition, region and account
    /// from the data sources.
    #[must_use]
    pub fn arn(&self, parts: Vec<ArnPart>) -> Expr {
        aws::DocWriter::arn(&self.arns(), parts)
    }

    /// The policy-document writer for this provider.
    pub fn arns(&self) -> HclArns {
        HclArns(self.provider)
    }

    /// An env value: text, with references as interpolations.
    pub fn env(&self, value: &EnvValue) -> Expr {
        let mut parts = Vec::new();
        for part in &value.parts {
            match part {
                EnvPart::Literal(s) => parts.push(Part::Lit(s.clone())),
                EnvPart::AppName => parts.push(Part::Lit(self.model.app.clone())),
                EnvPart::Stage => parts.push(Part::Lit(self.model.stage_name().to_string())),
                EnvPart::Ref { target, attr } => parts.extend(self.attribute(target, *attr)),
                EnvPart::Param(name) => parts.push(Part::Interp(self.param_value(name))),
            }
        }
        Expr::Template(parts)
    }

    fn attribute(&self, target: &Ref, attr: Attr) -> Vec<Part> {
        let interp =
            |attribute: &str| vec![Part::Interp(self.of(target.kind, &target.name, attribute))];
        match (target.kind, attr) {
            // Text, not references: functions may name each other (or themselves).
            (Kind::Function | Kind::Secret, Attr::Arn) => aws::resource_arn(self.model, target)
                .into_iter()
                .map(|p| arn_part(p, self.provider))
                .collect(),
            (Kind::Function | Kind::Secret, _) => {
                vec![Part::Lit(aws::physical_name(self.model, target))]
            }
            (Kind::Table, Attr::StreamArn) => interp("stream_arn"),
            (Kind::Queue, Attr::Url) => interp("url"),
            (Kind::Bucket, Attr::Name) => interp("bucket"),
            (Kind::Gateway, Attr::Url) => interp("api_endpoint"),
            (Kind::Gateway, _) => interp("id"),
            (Kind::Auth, Attr::UserPoolId) => interp("id"),
            (Kind::Auth, Attr::ClientId) => vec![Part::Interp(self.client(&target.name))],
            (Kind::Auth, _) => match self.issuer(&plan::issuer(self.model, &target.name)) {
                Expr::Template(parts) => parts,
                other => vec![Part::Interp(other)],
            },
            (_, Attr::Arn) => interp("arn"),
            _ => interp("name"),
        }
    }

    /// The token issuer of an auth, as the plan decided it.
    pub fn issuer(&self, issuer: &Issuer<'_>) -> Expr {
        match issuer {
            Issuer::Url(url) => Expr::string(*url),
            Issuer::UserPool(auth) => Expr::Template(vec![
                Part::Lit("https://".into()),
                Part::Interp(self.of(Kind::Auth, auth, "endpoint")),
            ]),
        }
    }
}

/// Terraform's way of writing a policy document: an HCL object (for `jsonencode`), ARNs as
/// templates with the partition, region and account from data sources.
#[derive(Clone, Copy)]
pub(crate) struct HclArns(pub Provider);

impl aws::DocWriter for HclArns {
    type Value = Expr;
    fn text(&self, text: &str) -> Expr {
        Expr::string(text)
    }
    fn list(&self, items: Vec<Expr>) -> Expr {
        Expr::List(items)
    }
    fn object(&self, fields: Vec<(&'static str, Expr)>) -> Expr {
        Expr::object(fields)
    }
    fn json(&self, value: &serde_json::Value) -> Expr {
        Expr::from(value)
    }
    fn arn(&self, parts: Vec<ArnPart>) -> Expr {
        Expr::Template(parts.into_iter().map(|p| arn_part(p, self.0)).collect())
    }
    fn account(&self) -> Expr {
        account()
    }
    fn number(&self, n: u32) -> Expr {
        Expr::from(n)
    }
}

fn arn_part(part: ArnPart, provider: Provider) -> Part {
    match part {
        ArnPart::Lit(s) => Part::Lit(s),
        ArnPart::Partition => Part::Interp(Expr::reference("data.aws_partition.current.partition")),
        ArnPart::Region => Part::Interp(Expr::reference(provider.region())),
        ArnPart::Account => Part::Interp(Expr::reference(
            "data.aws_caller_identity.current.account_id",
        )),
        // A variable of the same name (`targets::params`).
        ArnPart::Param(name) => Part::Interp(Expr::path(&["var", name.as_str()])),
    }
}

/// `local.tags`
pub(crate) fn tags() -> Expr {
    Expr::reference("local.tags")
}

/// The account that deploys, for trust conditions and `source_account`.
pub(crate) fn account() -> Expr {
    Expr::reference("data.aws_caller_identity.current.account_id")
}

/// `jsonencode` of a trust policy letting an AWS service assume a role, for this account only.
pub(crate) fn trust_policy(arns: HclArns, service: &str) -> Expr {
    Expr::jsonencode(aws::trust_policy(&arns, service))
}

/// A `name_prefix` from a physical name: IAM and EventBridge add 26 characters to it, and
/// allow 64 in all.
pub(crate) fn name_prefix(physical: &str) -> String {
    use crate::limits::{IAM_ROLE_NAME_LENGTH, NAME_PREFIX_SUFFIX_LENGTH};
    let head: String = physical
        .chars()
        .take(IAM_ROLE_NAME_LENGTH - NAME_PREFIX_SUFFIX_LENGTH - 1)
        .collect();
    format!("{}-", head.trim_end_matches('-'))
}

fn header(model: &Model) -> String {
    format!(
        "{} ({}), compiled by updraft {} from the app's spec: edit the spec, not this file.",
        model.app,
        model
            .stage
            .as_deref()
            .map_or_else(|| "no stage".to_string(), |s| format!("stage {s}")),
        env!("CARGO_PKG_VERSION")
    )
}

fn count_blocks(body: &Body) -> usize {
    body.items
        .iter()
        .filter(|i| matches!(i, hcl::Item::Block(_)))
        .count()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn identifiers_follow_terraform_rules() {
        assert_eq!(identifier("make-thumbnail"), "make_thumbnail");
        assert_eq!(identifier("1st"), "_1st");
        assert_eq!(identifier("a.b/c"), "a_b_c");
        assert_eq!(identifier(""), "_");
        assert!(hcl::is_identifier(&identifier("-x")));
    }

    #[test]
    fn labels_are_unique_per_namespace() {
        let mut labels = Labels::default();
        assert_eq!(labels.take("aws_iam_role", "a-b"), "a_b");
        assert_eq!(labels.take("aws_iam_role", "a_b"), "a_b_2");
        assert_eq!(labels.take("aws_iam_role", "a_b_2"), "a_b_2_2");
        assert_eq!(labels.take("aws_lambda_function", "a-b"), "a_b");
    }

    #[test]
    fn name_prefixes_fit() {
        assert_eq!(name_prefix("app-fn"), "app-fn-");
        let long = "a".repeat(36) + "-bcd";
        assert_eq!(name_prefix(&long), format!("{}-", "a".repeat(36)));
        assert!(name_prefix(&"x".repeat(80)).len() <= 38);
    }
}
