//! `UD4009`: a raw statement that writes out the ARN of one of the app's own resources,
//! which names the resource of one stage only; `${tables.orders.arn}` names it in every stage.

use super::{Context, Finding};
use crate::diag::{Code, Diagnostic};
use crate::model::{Kind, Ref};
use crate::targets::aws;

/// (service, the name's place in the ARN, whether more may follow after `-`) of a declared
/// resource named `name` (a physical name without account or region).
fn shape(kind: Kind, name: &str) -> Option<(&'static str, String, bool)> {
    Some(match kind {
        Kind::Table => ("dynamodb", format!("table/{name}"), false),
        Kind::Bucket => ("s3", name.to_string(), true),
        Kind::Queue => ("sqs", name.to_string(), false),
        Kind::Topic => ("sns", name.to_string(), false),
        Kind::Function => ("lambda", format!("function:{name}"), false),
        _ => return None,
    })
}

/// The app's own resources by their names without a stage, in the shape of [`shape`].
pub(super) fn unstaged(model: &crate::model::Model) -> Vec<(&'static str, String, bool)> {
    model
        .resources()
        .into_iter()
        .filter_map(|(r, _)| shape(r.kind, &format!("{}-{}", model.app, r.name)))
        .collect()
}

/// `UD4009`: the app's own table, bucket, queue, topic or function by a written-out ARN.
pub fn hardcoded_own_arn(cx: &Context<'_>, out: &mut Vec<Finding>) {
    let model = cx.model;
    // Every name the resource could have: with the chosen stage, and without one.
    let mut own: Vec<(Ref, &str, String, bool)> = Vec::new();
    for (r, _) in model.resources() {
        let staged = aws::physical_name(model, &r);
        let unstaged = format!("{}-{}", model.app, r.name);
        for name in [staged, unstaged] {
            if let Some((service, resource, more)) = shape(r.kind, &name) {
                own.push((r.clone(), service, resource, more));
            }
        }
    }
    for f in &model.functions {
        for s in &f.permissions {
            for res in s.resources.iter().chain(&s.not_resources) {
                let parts: Vec<&str> = res.value.splitn(6, ':').collect();
                let [_, _, service, _, _, resource] = parts.as_slice() else {
                    continue;
                };
                let Some((r, ..)) = own.iter().find(|(_, svc, name, more)| {
                    svc == service
                        && resource.strip_prefix(name.as_str()).is_some_and(|rest| {
                            rest.is_empty()
                                || rest.starts_with(['/', ':'])
                                || *more && rest.starts_with('-')
                        })
                }) else {
                    continue;
                };
                let reference = format!("${{{}.{}.arn}}", r.kind.section(), r.name);
                out.push(Finding::new(
                    Ref::new(Kind::Function, &f.name),
                    Diagnostic::new(
                        Code::HardcodedOwnArn,
                        format!(
                            "function `{}` writes out the ARN of {r}, which names it in one stage only",
                            f.name
                        ),
                    )
                    .with_label(res.span, "a written-out ARN of the app's own resource")
                    .with_help(format!(
                        "write `{reference}` instead: each target fills in the deployed ARN, so every stage and account grants on its own resource"
                    )),
                ).related(r.clone()));
            }
        }
    }
}
