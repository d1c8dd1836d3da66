//! What triggers functions: HTTP routes, schedules, queue and stream mappings, topic
//! subscriptions, IoT rules and bucket notifications, each with the Lambda permission that
//! lets exactly that source invoke exactly that function (or its alias).

use std::collections::BTreeMap;

use super::{Builder, account, name_prefix, tags, trust_policy};
use crate::emit::hcl::{Body, Expr, Part};
use crate::model::Kind;
use crate::targets::aws;
use crate::targets::plan::{
    DeliverySource, FunctionPlan, Integration, IotRule, Mapping, MappingSource, Permission,
    PermissionSource, Route, Rule, Scheduler, Source, Subscription,
};

pub(super) fn lower(b: &mut Builder<'_>) {
    let plan = b.plan;
    for f in &plan.functions {
        if f.events.is_empty() {
            continue;
        }
        let label = b.label(Kind::Function, f.name);
        b.section(format!("Events of function `{}`.", f.name));
        let mut integrations: BTreeMap<&str, String> = BTreeMap::new();
        for e in &f.events {
            let wanted = format!("{label}_event_{}", e.index + 1);
            // The resource the permission names as its source, when it is one made here.
            let source = match &e.source {
                Source::Route(route) => {
                    if let Some(planned) = &route.integration {
                        let made = integration(b, f, &label, route.gateway, planned);
                        integrations.insert(route.gateway, made);
                    }
                    let integration = integrations.get(route.gateway).cloned().unwrap_or_default();
                    http(b, route, &integration, &wanted);
                    None
                }
                Source::Rule(rule) => Some(schedule_rule(b, f, e.index, &wanted, rule)),
                Source::Scheduler(s) => {
                    scheduler(b, f, &wanted, s);
                    None
                }
                Source::Mapping(m) => {
                    mapping(b, f, &wanted, m);
                    None
                }
                Source::Subscription(s) => {
                    subscription(b, f, &wanted, s);
                    None
                }
                Source::Notification => None,
                Source::IotRule(rule) => Some(iot(b, f, &wanted, rule)),
            };
            if let Some(p) = &e.permission {
                permission(b, f, e.index, &wanted, p, source);
            }
        }
    }
    queue_policies(b);
    notifications(b);
}

fn http(b: &mut Builder<'_>, route: &Route<'_>, integration: &str, wanted: &str) {
    let mut body = Body::new();
    body.attr("api_id", b.of(Kind::Gateway, route.gateway, "id"))
        .attr("route_key", route.route_key.clone())
        .attr(
            "target",
            Expr::Template(vec![
                Part::Lit("integrations/".into()),
                Part::Interp(Expr::path(&[
                    "aws_apigatewayv2_integration",
                    integration,
                    "id",
                ])),
            ]),
        )
        .attr("authorization_type", route.authorization_type);
    if let Some(auth) = route.auth
        && let Some(authorizer) = b
            .authorizers
            .get(&(route.gateway.to_string(), auth.to_string()))
    {
        body.attr(
            "authorizer_id",
            Expr::path(&["aws_apigatewayv2_authorizer", authorizer, "id"]),
        );
    }
    b.resource("aws_apigatewayv2_route", wanted, body);
}

fn mapping(b: &mut Builder<'_>, f: &FunctionPlan<'_>, wanted: &str, m: &Mapping<'_>) {
    let source = match m.source {
        MappingSource::Queue(queue) => b.of(Kind::Queue, queue, "arn"),
        MappingSource::TableStream(table) => b.of(Kind::Table, table, "stream_arn"),
    };
    let mut body = Body::new();
    body.attr("event_source_arn", source)
        .attr("function_name", b.invoke_target(f.name))
        .attr("batch_size", m.batch_size)
        .attr_opt("maximum_batching_window_in_seconds", m.window)
        .attr_opt("starting_position", m.starting_position);
    if m.bisect_on_error {
        body.attr("bisect_batch_on_function_error", true);
    }
    body.attr("function_response_types", Expr::strings(m.response_types));
    let destination = m.on_failure.map(|(dl, retries)| {
        body.attr("maximum_retry_attempts", retries);
        b.of(dl.kind, &dl.name, "arn")
    });
    body.attr("tags", tags());
    if let Some(most) = m.maximum_concurrency {
        body.nested("scaling_config", |s| {
            s.attr("maximum_concurrency", most);
        });
    }
    if let Some(destination) = destination {
        body.nested("destination_config", |d| {
            d.nested("on_failure", |o| {
                o.attr("destination_arn", destination);
            });
        });
    }
    b.resource("aws_lambda_event_source_mapping", wanted, body);
}

fn subscription(b: &mut Builder<'_>, f: &FunctionPlan<'_>, wanted: &str, s: &Subscription<'_>) {
    let mut body = Body::new();
    body.attr("topic_arn", b.of(Kind::Topic, s.topic, "arn"))
        .attr("protocol", s.protocol)
        .attr("endpoint", b.invoke_target(f.name));
    if let Some(filter) = s.filter {
        body.attr(
            "filter_policy",
            Expr::jsonencode(Expr::object(
                filter.iter().map(|(k, v)| (k.clone(), Expr::strings(v))),
            )),
        )
        .attr("filter_policy_scope", s.filter_scope);
    }
    // Messages SNS cannot deliver to the function go to its dead letter queue.
    if let Some(queue) = s.redrive {
        body.attr(
            "redrive_policy",
            Expr::jsonencode(aws::redrive_policy(
                &b.arns(),
                b.of(Kind::Queue, queue, "arn"),
                None,
            )),
        );
    }
    b.resource("aws_sns_topic_subscription", wanted, body);
}

/// One policy per queue that receives failed deliveries from EventBridge or SNS.
fn queue_policies(b: &mut Builder<'_>) {
    let plan = b.plan;
    for (queue, deliveries) in &plan.deliveries {
        b.section(format!(
            "Queue `{queue}` receives the deliveries EventBridge and SNS could not make."
        ));
        let statements = deliveries
            .iter()
            .map(|d| {
                let source = match &d.source {
                    DeliverySource::Topic(topic) => b.of(Kind::Topic, topic, "arn"),
                    DeliverySource::Rule { .. } => {
                        let rule = b
                            .rules
                            .get(&(d.function.clone(), d.index))
                            .cloned()
                            .unwrap_or_default();
                        Expr::path(&["aws_cloudwatch_event_rule", &rule, "arn"])
                    }
                };
                let queue = b.of(Kind::Queue, queue, "arn");
                aws::delivery_statement(&b.arns(), &d.sid, d.service, queue, source)
            })
            .collect();
        let mut body = Body::new();
        body.attr("queue_url", b.of(Kind::Queue, queue, "id")).attr(
            "policy",
            Expr::jsonencode(aws::document(&b.arns(), statements)),
        );
        let label = b.label(Kind::Queue, queue);
        b.resource("aws_sqs_queue_policy", &label, body);
    }
}

/// The integration of a function on a gateway (one per pair); returns its label.
fn integration(
    b: &mut Builder<'_>,
    f: &FunctionPlan<'_>,
    label: &str,
    gateway: &str,
    planned: &Integration,
) -> String {
    let mut body = Body::new();
    body.attr("api_id", b.of(Kind::Gateway, gateway, "id"))
        .attr("integration_type", planned.kind)
        .attr("integration_method", planned.method)
        .attr("integration_uri", b.invoke_attribute(f.name, "invoke_arn"))
        .attr("payload_format_version", planned.payload_format)
        .attr("timeout_milliseconds", planned.timeout_ms);
    let wanted = format!("{label}_{}", b.label(Kind::Gateway, gateway));
    b.resource("aws_apigatewayv2_integration", &wanted, body)
}

/// The permission of a function's `index`-th event (from 0), remembered for bucket
/// notifications. `made` is the label of the event's rule (EventBridge or IoT).
fn permission(
    b: &mut Builder<'_>,
    f: &FunctionPlan<'_>,
    index: usize,
    wanted: &str,
    p: &Permission<'_>,
    made: Option<(&'static str, String)>,
) {
    let source = match &p.source {
        PermissionSource::Route { gateway, path } => Expr::Template(vec![
            Part::Interp(b.of(Kind::Gateway, gateway, "execution_arn")),
            Part::Lit(format!("/*/{path}")),
        ]),
        PermissionSource::Topic(topic) => b.of(Kind::Topic, topic, "arn"),
        PermissionSource::Bucket(bucket) => b.of(Kind::Bucket, bucket, "arn"),
        PermissionSource::Rule | PermissionSource::IotRule(_) => {
            let (ty, label) = made.expect("the event made its rule");
            Expr::path(&[ty, &label, "arn"])
        }
    };
    let mut body = Body::new();
    body.attr("statement_id", p.statement_id.clone())
        .attr("action", p.action);
    b.function_and_qualifier(f.name, &mut body);
    body.attr("principal", Expr::string(p.principal))
        .attr("source_arn", source);
    if p.source_account {
        body.attr("source_account", account());
    }
    let label = b.resource("aws_lambda_permission", wanted, body);
    b.permissions.insert((f.name.to_string(), index), label);
}

fn schedule_rule(
    b: &mut Builder<'_>,
    f: &FunctionPlan<'_>,
    index: usize,
    wanted: &str,
    planned: &Rule<'_>,
) -> (&'static str, String) {
    let mut body = Body::new();
    body.attr("name_prefix", name_prefix(&f.physical))
        .attr("description", planned.description.clone())
        .attr(
            "schedule_expression",
            Expr::string(planned.expression.as_str()),
        )
        .attr("state", planned.state)
        .attr("tags", tags());
    let rule = b.resource("aws_cloudwatch_event_rule", wanted, body);
    b.rules.insert((f.name.to_string(), index), rule.clone());
    let mut body = Body::new();
    body.attr(
        "rule",
        Expr::path(&["aws_cloudwatch_event_rule", &rule, "name"]),
    )
    .attr("target_id", super::identifier(f.name))
    .attr("arn", b.invoke_target(f.name));
    // Invocations EventBridge cannot deliver go to the function's dead letter queue.
    if let Some(queue) = planned.dead_letter {
        let arn = b.of(Kind::Queue, queue, "arn");
        body.nested("dead_letter_config", |d| {
            d.attr("arn", arn);
        });
    }
    b.resource("aws_cloudwatch_event_target", wanted, body);
    ("aws_cloudwatch_event_rule", rule)
}

/// A schedule in a time zone needs EventBridge Scheduler, which invokes through a role of
/// its own allowed to invoke this one function.
fn scheduler(b: &mut Builder<'_>, f: &FunctionPlan<'_>, wanted: &str, s: &Scheduler<'_>) {
    let physical = f.physical.as_str();
    let fl = b.label(Kind::Function, f.name);
    let mut invoke = vec![Expr::path(&["aws_lambda_function", &fl, "arn"])];
    if let Some(alias) = b.alias(f.name) {
        invoke.push(Expr::path(&["aws_lambda_alias", alias, "arn"]));
    }
    let mut body = Body::new();
    body.attr("name_prefix", name_prefix(physical))
        .attr("description", s.role_description.clone())
        .attr(
            "assume_role_policy",
            trust_policy(b.arns(), s.role_principal),
        )
        .attr("tags", tags());
    let role = b.resource("aws_iam_role", &format!("{wanted}_scheduler"), body);
    let dead_letter = s.dead_letter.map(|queue| b.of(Kind::Queue, queue, "arn"));
    let policy = aws::scheduler_policy(&b.arns(), invoke, dead_letter.clone());
    let mut body = Body::new();
    body.attr("name", s.role_policy_name)
        .attr("role", Expr::path(&["aws_iam_role", &role, "id"]))
        .attr("policy", Expr::jsonencode(policy));
    let role_policy = b.resource("aws_iam_role_policy", &format!("{wanted}_scheduler"), body);
    let target = b.invoke_target(f.name);
    let mut body = Body::new();
    body.attr("name_prefix", name_prefix(physical))
        .attr("description", s.description.clone())
        .attr("schedule_expression", Expr::string(s.expression.as_str()))
        .attr("schedule_expression_timezone", Expr::string(s.timezone))
        .attr("state", s.state);
    body.nested("flexible_time_window", |w| {
        w.attr("mode", s.flexible_window);
    });
    body.nested("target", |t| {
        t.attr("arn", target)
            .attr("role_arn", Expr::path(&["aws_iam_role", &role, "arn"]));
        // Invocations the scheduler cannot deliver go to the function's dead letter queue.
        if let Some(queue) = dead_letter {
            t.nested("dead_letter_config", |d| {
                d.attr("arn", queue);
            });
        }
    });
    // The first invocation must find the role allowed to invoke.
    body.attr(
        "depends_on",
        Expr::list([Expr::path(&["aws_iam_role_policy", &role_policy])]),
    );
    b.resource("aws_scheduler_schedule", wanted, body);
}

fn iot(
    b: &mut Builder<'_>,
    f: &FunctionPlan<'_>,
    wanted: &str,
    planned: &IotRule<'_>,
) -> (&'static str, String) {
    let target = b.invoke_target(f.name);
    let mut body = Body::new();
    body.attr("name", planned.name.clone())
        .attr("enabled", true)
        .attr("sql", Expr::string(planned.sql))
        .attr("sql_version", planned.sql_version)
        .attr("tags", tags());
    body.nested("lambda", |l| {
        l.attr("function_arn", target);
    });
    (
        "aws_iot_topic_rule",
        b.resource("aws_iot_topic_rule", wanted, body),
    )
}

/// One notification resource per bucket with function triggers; it waits for each
/// function's permission (S3 checks it when the notification is saved).
fn notifications(b: &mut Builder<'_>) {
    let plan = b.plan;
    for bucket in &plan.buckets {
        let mut body = Body::new();
        body.attr("bucket", b.of(Kind::Bucket, bucket.name, "id"));
        let mut depends = Vec::new();
        for n in &bucket.notifications {
            let target = b.invoke_target(n.function);
            body.nested("lambda_function", |l| {
                l.attr("lambda_function_arn", target)
                    .attr("events", Expr::strings([n.event]))
                    .attr_opt("filter_prefix", n.prefix.map(str::to_string))
                    .attr_opt("filter_suffix", n.suffix.map(str::to_string));
            });
            if let Some(permission) = b.permissions.get(&(n.function.to_string(), n.index)) {
                depends.push(Expr::path(&["aws_lambda_permission", permission]));
            }
        }
        if depends.is_empty() {
            continue;
        }
        body.attr("depends_on", Expr::List(depends));
        let label = b.label(Kind::Bucket, bucket.name);
        b.section(format!(
            "Notifications of bucket `{}`, once S3 may invoke each function.",
            bucket.name
        ));
        b.resource("aws_s3_bucket_notification", &label, body);
    }
}
