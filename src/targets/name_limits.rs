//! Every name updraft composes for AWS, against its service's limit: one table, checked in
//! one place. Each part of `<app>[-<stage>]-<name>` is capped (`limits::APP_NAME_LENGTH` and
//! the rest), but their sum is not bounded by the caps: a function of 76 characters where
//! Lambda allows 64, a FIFO queue of 81 where SQS allows 80. A name over its limit is an
//! error at the resource's name, with labels on the app and stage, saying by how much the
//! parts must shrink together.
//!
//! Bucket names are shortened with a stable hash instead ([`super::global_name`]); schedule
//! rule names are bounded the same way ([`super::naming::bounded_name`]); IAM role names are
//! chosen by the engine. They need no check here.

use super::aws;
use crate::diag::{Code, Diagnostic};
use crate::limits;
use crate::model::{Kind, Model, Ref, Trigger};
use crate::source::Span;

/// One composed name: the service that holds it, its limit, the name, and the resource
/// whose name is a part of it.
struct Composed {
    what: &'static str,
    limit: usize,
    text: String,
    /// What the resource is (`function`, `queue`...) and its name in the spec.
    noun: &'static str,
    resource: String,
    span: Span,
}

/// Every name the AWS targets compose from the spec's names, with its limit.
fn names(model: &Model) -> Vec<Composed> {
    let mut out = Vec::new();
    let mut add = |what, limit, name: String, kind: Option<Kind>, resource: &str, span| {
        out.push(Composed {
            what,
            limit,
            text: name,
            noun: kind.map_or("alarm", Kind::noun),
            resource: resource.to_string(),
            span,
        });
    };
    let physical = |kind, name: &str| aws::physical_name(model, &Ref::new(kind, name));
    for f in &model.functions {
        let name = physical(Kind::Function, &f.name);
        add(
            "Lambda function name",
            limits::LAMBDA_FUNCTION_NAME_LENGTH,
            name,
            Some(Kind::Function),
            &f.name,
            f.span,
        );
        add(
            "log group name",
            limits::LOG_GROUP_NAME_LENGTH,
            aws::log_group(model, &f.name),
            Some(Kind::Function),
            &f.name,
            f.span,
        );
        for (index, event) in f.events.iter().enumerate() {
            if let Trigger::Iot { .. } = event.trigger {
                add(
                    "IoT rule name",
                    limits::IOT_RULE_NAME_LENGTH,
                    aws::iot_rule_name(model, &f.name, index),
                    Some(Kind::Function),
                    &f.name,
                    f.span,
                );
            }
        }
    }
    for q in &model.queues {
        let name = physical(Kind::Queue, &q.name);
        add(
            "SQS queue name",
            limits::SQS_QUEUE_NAME_LENGTH,
            name,
            Some(Kind::Queue),
            &q.name,
            q.span,
        );
    }
    for t in &model.topics {
        let name = physical(Kind::Topic, &t.name);
        add(
            "SNS topic name",
            limits::SNS_TOPIC_NAME_LENGTH,
            name,
            Some(Kind::Topic),
            &t.name,
            t.span,
        );
    }
    for t in &model.tables {
        let name = physical(Kind::Table, &t.name);
        add(
            "DynamoDB table name",
            limits::DYNAMODB_TABLE_NAME_LENGTH,
            name,
            Some(Kind::Table),
            &t.name,
            t.span,
        );
    }
    for g in &model.gateways {
        let name = physical(Kind::Gateway, &g.name);
        add(
            "log group name",
            limits::LOG_GROUP_NAME_LENGTH,
            format!("/aws/http-api/{name}"),
            Some(Kind::Gateway),
            &g.name,
            g.span,
        );
        add(
            "HTTP API name",
            limits::HTTP_API_NAME_LENGTH,
            name,
            Some(Kind::Gateway),
            &g.name,
            g.span,
        );
    }
    for a in &model.auths {
        let name = physical(Kind::Auth, &a.name);
        add(
            "Cognito user pool name",
            limits::COGNITO_NAME_LENGTH,
            name,
            Some(Kind::Auth),
            &a.name,
            a.span,
        );
    }
    for a in &model.alarms {
        add(
            "CloudWatch alarm name",
            limits::CLOUDWATCH_ALARM_NAME_LENGTH,
            format!("{}-{}", aws::prefix(model), a.name),
            None,
            &a.name,
            a.span,
        );
    }
    out
}

/// The composed names over their service's limit, as errors at the resource's name (with
/// the app's and the stage's spans as further labels when known).
#[must_use]
pub fn check(model: &Model, app: Span, stage: Option<Span>) -> Vec<Diagnostic> {
    let mut out = Vec::new();
    for n in names(model) {
        let len = n.text.len();
        if len <= n.limit {
            continue;
        }
        let over = len - n.limit;
        let chars = |n: usize| {
            if n == 1 {
                "1 character".to_string()
            } else {
                format!("{n} characters")
            }
        };
        let parts = match &model.stage {
            Some(s) => format!(
                "the app name `{}` ({}), the stage name `{s}` ({}) or the {} name `{}` ({})",
                model.app,
                chars(model.app.len()),
                chars(s.len()),
                n.noun,
                n.resource,
                chars(n.resource.len())
            ),
            None => format!(
                "the app name `{}` ({}) or the {} name `{}` ({})",
                model.app,
                chars(model.app.len()),
                n.noun,
                n.resource,
                chars(n.resource.len())
            ),
        };
        let mut d = Diagnostic::new(
            Code::InvalidName,
            format!(
                "the {} `{}` is {len} characters; AWS allows {}",
                n.what, n.text, n.limit
            ),
        )
        .with_label(
            n.span,
            format!("part of a name {} over the limit", chars(over)),
        );
        if !app.is_empty() {
            d = d.with_label(app, "the app name is part of it");
        }
        if let Some(stage) = stage.filter(|s| !s.is_empty()) {
            d = d.with_label(stage, "the stage name is part of it");
        }
        out.push(d.with_help(format!("shorten {parts} by {} in all", chars(over))));
    }
    out
}
