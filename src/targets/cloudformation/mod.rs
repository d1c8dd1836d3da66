//! CloudFormation: one template (JSON, or YAML with `--format yaml`) holding every
//! construct of the spec. The feature mapping is `targets/cloudformation/README.md`.
//!
//! Everything AWS is decided by the [`Plan`] (shared with Terraform); this backend decides
//! only how to write it (logical ids, intrinsics, `DependsOn`, nested stacks).
//!
//! **Invariant:** the template has no dependency cycle. Roles, bucket and topic permissions
//! and env values name what may wait on a function by ARNs built from physical names
//! (`Fn::Sub`), not by `Ref` or `Fn::GetAtt`, so a bucket's notification can depend on its
//! functions' permissions without the classic bucket ↔ function cycle.
//! `tests/cloudformation.rs` proves it per example.

mod compute;
mod data;
mod events;
mod params;
pub mod split;
pub mod template;

use std::collections::BTreeMap;

use serde_json::{Value, json};

use super::{Artifact, Format, Input, Output, Target};
use crate::diag::{Code, Diagnostic};
use crate::model::env::Attr;
use crate::model::{EnvPart, Kind, Model, Ref};
use crate::targets::aws;
use crate::targets::plan::{self, Issuer, Plan};
use template::{Parameter, Resource, Template, get_att, logical_id, reference};

/// CloudFormation's per-template limits.
pub const MAX_RESOURCES: usize = crate::limits::CLOUDFORMATION_MAX_RESOURCES;
pub const MAX_OUTPUTS: usize = crate::limits::CLOUDFORMATION_MAX_OUTPUTS;
pub const MAX_PARAMETERS: usize = crate::limits::CLOUDFORMATION_MAX_PARAMETERS;
pub const MAX_BODY_BYTES: usize = 1_000_000;

/// When to split the app into nested stacks.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum SplitMode {
    /// Only when one template would exceed a CloudFormation budget.
    #[default]
    Auto,
    Always,
    Never,
}

/// The CloudFormation target and its options.
#[derive(Default)]
pub struct CloudFormation {
    pub split: SplitMode,
    /// JSON or YAML templates.
    pub format: Format,
}

fn serialize(template: &Template, format: Format) -> Vec<u8> {
    match format {
        Format::Json => crate::emit::json(template),
        Format::Yaml => crate::emit::yaml(template),
    }
}

fn extension(format: Format) -> &'static str {
    match format {
        Format::Json => "json",
        Format::Yaml => "yaml",
    }
}

fn describe(name: &str, t: &Template, bytes: usize) -> String {
    format!(
        "{name}: {} resources, {} parameters, {} outputs, {bytes} bytes",
        t.resources.len(),
        t.parameters.len(),
        t.outputs.len()
    )
}

impl Target for CloudFormation {
    fn name(&self) -> &'static str {
        "CloudFormation"
    }

    fn compile(&self, input: &Input<'_>) -> Result<Output, Vec<Diagnostic>> {
        let (template, owners) = lower_owned(input)?;
        let ext = extension(self.format);
        // The counts decide most cases without serializing a template that is thrown away.
        let over_counts = template.resources.len() > MAX_RESOURCES
            || template.outputs.len() > MAX_OUTPUTS
            || template.parameters.len() > MAX_PARAMETERS;
        let single = if over_counts && self.split != SplitMode::Never {
            Vec::new()
        } else {
            serialize(&template, self.format)
        };
        let over = over_counts || check_budgets(&template, single.len()).is_err();
        let split = match self.split {
            SplitMode::Never => false,
            SplitMode::Always => true,
            SplitMode::Auto => over,
        };
        if !split {
            check_budgets(&template, single.len())?;
            let name = format!("template.{ext}");
            return Ok(Output {
                summary: vec![describe(&name, &template, single.len())],
                artifacts: vec![Artifact {
                    path: name.into(),
                    bytes: single,
                }],
                diagnostics: Vec::new(),
            });
        }
        let stacks = split::split(input.model, template, &owners, ext)?;
        let mut artifacts = Vec::new();
        let mut summary = Vec::new();
        let mut problems = Vec::new();
        let parent_name = format!("template.{ext}");
        let parent = serialize(&stacks.parent, self.format);
        if let Err(d) = check_budgets(&stacks.parent, parent.len()) {
            problems.extend(d.into_iter().map(|d| split::in_stack(d, &parent_name)));
        }
        summary.push(format!(
            "{} (parent of {} nested stacks)",
            describe(&parent_name, &stacks.parent, parent.len()),
            stacks.children.len()
        ));
        if stacks.outputs_in_children > 0 {
            summary.push(format!(
                "{parent_name}: the app's {} outputs are over CloudFormation's {MAX_OUTPUTS}: \
                 each is an output of the nested stack that holds its value",
                stacks.outputs_in_children
            ));
        }
        artifacts.push(Artifact {
            path: parent_name.into(),
            bytes: parent,
        });
        for (key, child) in &stacks.children {
            let name = format!("stacks/{key}.{ext}");
            let bytes = serialize(child, self.format);
            if let Err(d) = check_budgets(child, bytes.len()) {
                problems.extend(d.into_iter().map(|d| split::in_stack(d, &name)));
            }
            summary.push(describe(&name, child, bytes.len()));
            artifacts.push(Artifact {
                path: name.into(),
                bytes,
            });
        }
        if !problems.is_empty() {
            return Err(problems);
        }
        Ok(Output {
            artifacts,
            summary,
            diagnostics: Vec::new(),
        })
    }
}

/// Lowers the app to a template.
///
/// # Errors
/// Constructs CloudFormation cannot express, and logical-id clashes.
pub fn lower(input: &Input<'_>) -> Result<Template, Vec<Diagnostic>> {
    lower_owned(input).map(|(template, _)| template)
}

/// Lowers the app to a template, with the owner of every resource (for nested stacks).
///
/// # Errors
/// Constructs CloudFormation cannot express, and logical-id clashes.
pub fn lower_owned(
    input: &Input<'_>,
) -> Result<(Template, BTreeMap<String, split::Owner>), Vec<Diagnostic>> {
    let plan = Plan::new(input.model, input.policies);
    let mut b = Builder {
        model: input.model,
        plan: &plan,
        template: Template {
            version: "2010-09-09",
            description: format!(
                "{} ({}), compiled by updraft {}",
                input.model.app,
                input.model.stage.as_deref().unwrap_or("no stage"),
                env!("CARGO_PKG_VERSION")
            ),
            metadata: None,
            parameters: BTreeMap::new(),
            resources: BTreeMap::new(),
            outputs: BTreeMap::new(),
        },
        diagnostics: Vec::new(),
        owner: split::Owner::Base,
        owners: BTreeMap::new(),
    };
    b.parameters();
    b.refuse_kubernetes_secrets();
    data::lower(&mut b);
    compute::lower(&mut b);
    events::lower(&mut b);
    if b.diagnostics.is_empty() {
        Ok((b.template, b.owners))
    } else {
        Err(b.diagnostics)
    }
}

fn check_budgets(t: &Template, bytes: usize) -> Result<(), Vec<Diagnostic>> {
    let mut out = Vec::new();
    let split_help =
        "split the app into several specs, or wait for automatic nested stacks (`--split`)";
    if t.resources.len() > MAX_RESOURCES {
        out.push(
            Diagnostic::new(
                Code::TemplateResourceLimit,
                format!(
                    "the template has {} resources; CloudFormation allows {MAX_RESOURCES}",
                    t.resources.len()
                ),
            )
            .with_help(split_help),
        );
    }
    if t.outputs.len() > MAX_OUTPUTS || t.parameters.len() > MAX_PARAMETERS {
        out.push(
            Diagnostic::new(
                Code::TemplateOutputLimit,
                format!(
                    "the template has {} outputs and {} parameters; CloudFormation allows {MAX_OUTPUTS} of each",
                    t.outputs.len(),
                    t.parameters.len()
                ),
            )
            .with_help(split_help),
        );
    }
    if bytes > MAX_BODY_BYTES {
        out.push(
            Diagnostic::new(
                Code::TemplateSizeLimit,
                format!("the template is {bytes} bytes; CloudFormation allows {MAX_BODY_BYTES}"),
            )
            .with_help(split_help),
        );
    }
    if out.is_empty() { Ok(()) } else { Err(out) }
}

/// Lowering state: the template so far and the problems found.
pub(crate) struct Builder<'a> {
    pub model: &'a Model,
    /// Every AWS decision, made once.
    pub plan: &'a Plan<'a>,
    pub template: Template,
    pub diagnostics: Vec<Diagnostic>,
    /// Who owns the resources added now (for nested stacks).
    pub owner: split::Owner,
    /// The owner of every resource, by logical id.
    pub owners: BTreeMap<String, split::Owner>,
}

impl Builder<'_> {
    /// Adds a resource; a clash of logical ids (two names that differ only in where their
    /// hyphens are) is a diagnostic, never an overwrite.
    pub fn add(&mut self, id: String, mut resource: Resource) {
        resource.properties = template::literals(resource.properties);
        if self.template.parameters.contains_key(&id) {
            self.diagnostics.push(params::clash(&id));
            return;
        }
        if self.template.resources.contains_key(&id) {
            self.diagnostics.push(
                Diagnostic::new(
                    Code::UnsupportedOnTarget,
                    format!("CloudFormation: two resources would both get the logical id `{id}`"),
                )
                .with_help(
                    "rename one of them: logical ids drop hyphens, so `a-1b` and `a1b` clash",
                ),
            );
            return;
        }
        self.owners.insert(id.clone(), self.owner.clone());
        self.template.resources.insert(id, resource);
    }

    pub fn output(&mut self, id: String, description: String, value: Value) {
        self.template
            .outputs
            .insert(id, template::Output { description, value });
    }

    fn parameters(&mut self) {
        if self.plan.code_packages {
            self.template.parameters.insert(
                "ArtifactBucket".into(),
                Parameter::text(
                    "S3 bucket holding the functions' code packages".into(),
                    None,
                ),
            );
            self.template.parameters.insert(
                "ArtifactPrefix".into(),
                Parameter::text(
                    "Key prefix of the code packages in ArtifactBucket".into(),
                    Some(self.plan.artifact_prefix.clone()),
                ),
            );
        }
        self.params();
    }

    /// A Kubernetes Secret has no AWS form: using one is an error on this target.
    fn refuse_kubernetes_secrets(&mut self) {
        let refusals = self
            .plan
            .refusals
            .iter()
            .map(|r| r.diagnostic("CloudFormation"));
        self.diagnostics.extend(refusals);
    }

    /// The physical name of a resource.
    pub fn name(&self, kind: Kind, name: &str) -> String {
        aws::physical_name(self.model, &Ref::new(kind, name))
    }

    /// The ARN of a declared resource, without a dependency on it.
    pub fn arn_of(&self, kind: Kind, name: &str) -> Value {
        template::arn(&aws::resource_arn(self.model, &Ref::new(kind, name)))
    }

    /// What invokes a function: its alias when it keeps provisioned instances warm (so that
    /// they serve the traffic), else the function.
    pub fn invoke_target(&self, function: &str) -> Value {
        if self.has_alias(function) {
            reference(&logical_id(function, "Alias"))
        } else {
            get_att(&logical_id(function, "Function"), "Arn")
        }
    }

    /// What a `AWS::Lambda::Permission` names: the alias for a function with provisioned
    /// concurrency, else the function (by `Ref`, as its invoke config does).
    pub fn permission_target(&self, function: &str) -> Value {
        if self.has_alias(function) {
            reference(&logical_id(function, "Alias"))
        } else {
            reference(&logical_id(function, "Function"))
        }
    }

    /// Whether the plan gives a function an alias (provisioned concurrency).
    fn has_alias(&self, function: &str) -> bool {
        self.plan
            .function(function)
            .is_some_and(|f| f.alias.is_some())
    }

    /// An env value: text, or `Fn::Join` of text and references.
    pub fn env(&self, value: &crate::model::EnvValue) -> Value {
        if let [EnvPart::Param(name)] = value.parts.as_slice() {
            return self.param_value(name);
        }
        let parts = value
            .parts
            .iter()
            .map(|part| match part {
                EnvPart::Literal(s) => Value::String(s.clone()),
                EnvPart::AppName => Value::String(self.model.app.clone()),
                EnvPart::Stage => Value::String(self.model.stage_name().to_string()),
                EnvPart::Ref { target, attr } => self.attribute(target, *attr),
                EnvPart::Param(name) => self.param_value(name),
            })
            .collect();
        template::join(parts)
    }

    fn attribute(&self, target: &Ref, attr: Attr) -> Value {
        let name = || Value::String(aws::physical_name(self.model, target));
        match (target.kind, attr) {
            // The URL from its parts: no output of another stack is needed for it.
            (Kind::Queue, Attr::Url) => template::sub(format!(
                "https://sqs.${{AWS::Region}}.${{AWS::URLSuffix}}/${{AWS::AccountId}}/{}",
                template::sub_literal(&aws::physical_name(self.model, target))
            )),
            (Kind::Table, Attr::StreamArn) => {
                get_att(&logical_id(&target.name, "Table"), "StreamArn")
            }
            (Kind::Gateway, Attr::Url) => template::sub(format!(
                "https://${{{}}}.execute-api.${{AWS::Region}}.${{AWS::URLSuffix}}",
                logical_id(&target.name, "HttpApi")
            )),
            (Kind::Gateway, _) => reference(&logical_id(&target.name, "HttpApi")),
            (Kind::Auth, Attr::UserPoolId) => reference(&logical_id(&target.name, "UserPool")),
            (Kind::Auth, Attr::ClientId) => reference(&logical_id(&target.name, "UserPoolClient")),
            (Kind::Auth, _) => Self::issuer(&plan::issuer(self.model, &target.name)),
            (_, Attr::Arn) => self.arn_of(target.kind, &target.name),
            (Kind::Bucket, _) => template::arn(&aws::name_parts(self.model, target)),
            _ => name(),
        }
    }

    /// The token issuer of an auth, as the plan decided it.
    pub fn issuer(issuer: &Issuer<'_>) -> Value {
        match issuer {
            Issuer::Url(url) => Value::String((*url).to_string()),
            Issuer::UserPool(auth) => template::sub(format!(
                "https://cognito-idp.${{AWS::Region}}.${{AWS::URLSuffix}}/${{{}}}",
                logical_id(auth, "UserPool")
            )),
        }
    }
}

/// Tags every taggable resource carries, as a list of `Key`/`Value` pairs.
pub(crate) fn tags(plan: &Plan<'_>) -> Value {
    let tags = plan
        .tags
        .iter()
        .map(|(k, v)| json!({ "Key": k, "Value": v }));
    Value::Array(tags.collect())
}

/// The app tag alone, as a map (the HTTP API's `Tags`, the user pool's `UserPoolTags`).
pub(crate) fn app_tag(plan: &Plan<'_>) -> Value {
    let (key, value) = plan.tags[0];
    json!({ key: value })
}
