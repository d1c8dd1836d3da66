//! What triggers functions: HTTP routes, schedules, queue and stream mappings, topic
//! subscriptions, IoT rules and bucket notifications, each with the Lambda permission that
//! lets exactly that source invoke exactly that function (or its alias).

use std::collections::BTreeMap;

use super::{Builder, account, name_prefix, pascal, tags, trust_policy};
use crate::emit::hcl::{Body, Expr, Part};
use crate::model::{Function, Kind, StartingPosition, Trigger};
use crate::targets::aws;

pub(super) fn lower(b: &mut Builder<'_>) {
    let model = b.model;
    for f in &model.functions {
        if f.events.is_empty() {
            continue;
        }
        let label = b.label(Kind::Function, &f.name);
        b.section(format!("Events of function `{}`.", f.name));
        let mut integrations: BTreeMap<String, String> = BTreeMap::new();
        for (i, event) in f.events.iter().enumerate() {
            let wanted = format!("{label}_event_{}", i + 1);
            match &event.trigger {
                Trigger::Http {
                    gateway,
                    method,
                    path,
                    auth,
                } => {
                    let integration = match integrations.get(gateway) {
                        Some(existing) => existing.clone(),
                        None => {
                            let made = integration(b, f, &label, gateway);
                            integrations.insert(gateway.clone(), made.clone());
                            made
                        }
                    };
                    let mut route = Body::new();
                    route
                        .attr("api_id", b.of(Kind::Gateway, gateway, "id"))
                        .attr("route_key", crate::model::route_key(method, path))
                        .attr(
                            "target",
                            Expr::Template(vec![
                                Part::Lit("integrations/".into()),
                                Part::Interp(Expr::path(&[
                                    "aws_apigatewayv2_integration",
                                    &integration,
                                    "id",
                                ])),
                            ]),
                        )
                        .attr(
                            "authorization_type",
                            if auth.is_some() { "JWT" } else { "NONE" },
                        );
                    if let Some(auth) = auth
                        && let Some(authorizer) =
                            b.authorizers.get(&(gateway.clone(), auth.clone()))
                    {
                        route.attr(
                            "authorizer_id",
                            Expr::path(&["aws_apigatewayv2_authorizer", authorizer, "id"]),
                        );
                    }
                    b.resource("aws_apigatewayv2_route", &wanted, route);
                    // The permission names the exact route: `<api>/<stage>/<METHOD>/<path>`.
                    let route_path = crate::model::route_arn_part(method, path);
                    let source = Expr::Template(vec![
                        Part::Interp(b.of(Kind::Gateway, gateway, "execution_arn")),
                        Part::Lit(format!("/*/{route_path}")),
                    ]);
                    permission(b, f, i, &wanted, "apigateway.amazonaws.com", source, false);
                }
                Trigger::Schedule(schedule) => {
                    let expression = schedule.expression();
                    match &schedule.timezone {
                        Some(tz) => scheduler(b, f, &wanted, &expression, tz),
                        None => rule(b, f, i, &wanted, &expression),
                    }
                }
                Trigger::Queue {
                    queue,
                    batch_size,
                    window,
                } => {
                    let mut body = Body::new();
                    body.attr("event_source_arn", b.of(Kind::Queue, queue, "arn"))
                        .attr("function_name", b.invoke_target(&f.name))
                        .attr("batch_size", *batch_size)
                        .attr_opt(
                            "maximum_batching_window_in_seconds",
                            window.filter(|w| *w > 0),
                        )
                        .attr(
                            "function_response_types",
                            Expr::strings(["ReportBatchItemFailures"]),
                        )
                        .attr("tags", tags());
                    b.resource("aws_lambda_event_source_mapping", &wanted, body);
                }
                Trigger::Table {
                    table,
                    starting_position,
                    batch_size,
                } => {
                    let mut body = Body::new();
                    body.attr("event_source_arn", b.of(Kind::Table, table, "stream_arn"))
                        .attr("function_name", b.invoke_target(&f.name))
                        .attr("batch_size", *batch_size)
                        .attr(
                            "starting_position",
                            match starting_position {
                                StartingPosition::Latest => "LATEST",
                                StartingPosition::TrimHorizon => "TRIM_HORIZON",
                            },
                        )
                        .attr("bisect_batch_on_function_error", true)
                        .attr(
                            "function_response_types",
                            Expr::strings(["ReportBatchItemFailures"]),
                        );
                    // Records that keep failing go to the function's dead letter target.
                    let destination = f.dead_letter.as_ref().map(|dl| {
                        body.attr("maximum_retry_attempts", 5u32);
                        b.of(dl.value.kind, &dl.value.name, "arn")
                    });
                    body.attr("tags", tags());
                    if let Some(destination) = destination {
                        body.nested("destination_config", |d| {
                            d.nested("on_failure", |o| {
                                o.attr("destination_arn", destination);
                            });
                        });
                    }
                    b.resource("aws_lambda_event_source_mapping", &wanted, body);
                }
                Trigger::Topic { topic, filter } => {
                    let mut body = Body::new();
                    body.attr("topic_arn", b.of(Kind::Topic, topic, "arn"))
                        .attr("protocol", "lambda")
                        .attr("endpoint", b.invoke_target(&f.name));
                    if !filter.is_empty() {
                        body.attr(
                            "filter_policy",
                            Expr::jsonencode(Expr::object(
                                filter.iter().map(|(k, v)| (k.clone(), Expr::strings(v))),
                            )),
                        )
                        .attr("filter_policy_scope", "MessageAttributes");
                    }
                    // Messages SNS cannot deliver to the function go to its dead letter queue.
                    if let Some(queue) = f.delivery_dead_letter().map(str::to_string) {
                        body.attr(
                            "redrive_policy",
                            Expr::jsonencode(Expr::object([(
                                "deadLetterTargetArn",
                                b.of(Kind::Queue, &queue, "arn"),
                            )])),
                        );
                        let sid = pascal(&f.name, &format!("Event{}Redrive", i + 1));
                        let source = b.of(Kind::Topic, topic, "arn");
                        b.allow_queue_delivery(&queue, sid, "sns.amazonaws.com", source);
                    }
                    b.resource("aws_sns_topic_subscription", &wanted, body);
                    let source = b.of(Kind::Topic, topic, "arn");
                    permission(b, f, i, &wanted, "sns.amazonaws.com", source, false);
                }
                Trigger::Bucket { bucket, .. } => {
                    // The notification itself is one resource per bucket, below.
                    let source = b.of(Kind::Bucket, bucket, "arn");
                    permission(b, f, i, &wanted, "s3.amazonaws.com", source, true);
                }
                Trigger::Iot { sql } => iot(b, f, i, &wanted, sql),
            }
        }
    }
    queue_policies(b);
    notifications(b);
}

/// One policy per queue that receives failed deliveries from EventBridge or SNS.
fn queue_policies(b: &mut Builder<'_>) {
    let policies = std::mem::take(&mut b.queue_policies);
    for (queue, statements) in policies {
        b.section(format!(
            "Queue `{queue}` receives the deliveries EventBridge and SNS could not make."
        ));
        let mut body = Body::new();
        body.attr("queue_url", b.of(Kind::Queue, &queue, "id"))
            .attr(
                "policy",
                Expr::jsonencode(Expr::object([
                    ("Version", Expr::from("2012-10-17")),
                    ("Statement", Expr::List(statements)),
                ])),
            );
        let label = b.label(Kind::Queue, &queue);
        b.resource("aws_sqs_queue_policy", &label, body);
    }
}

/// The integration of a function on a gateway (one per pair); returns its label.
fn integration(b: &mut Builder<'_>, f: &Function, label: &str, gateway: &str) -> String {
    let mut body = Body::new();
    body.attr("api_id", b.of(Kind::Gateway, gateway, "id"))
        .attr("integration_type", "AWS_PROXY")
        .attr("integration_method", "POST")
        .attr("integration_uri", b.invoke_attribute(&f.name, "invoke_arn"))
        .attr("payload_format_version", "2.0")
        .attr("timeout_milliseconds", f.timeout.value.min(30) * 1000);
    let wanted = format!("{label}_{}", b.label(Kind::Gateway, gateway));
    b.resource("aws_apigatewayv2_integration", &wanted, body)
}

/// The permission of a function's `index`-th event (from 0), remembered for bucket
/// notifications.
fn permission(
    b: &mut Builder<'_>,
    f: &Function,
    index: usize,
    wanted: &str,
    principal: &str,
    source: Expr,
    with_account: bool,
) {
    let mut body = Body::new();
    body.attr("statement_id", format!("updraft-event-{}", index + 1))
        .attr("action", "lambda:InvokeFunction");
    b.function_and_qualifier(&f.name, &mut body);
    body.attr("principal", Expr::string(principal))
        .attr("source_arn", source);
    if with_account {
        body.attr("source_account", account());
    }
    let label = b.resource("aws_lambda_permission", wanted, body);
    b.permissions.insert((f.name.clone(), index), label);
}

fn rule(b: &mut Builder<'_>, f: &Function, index: usize, wanted: &str, expression: &str) {
    let physical = b.name(Kind::Function, &f.name);
    let mut body = Body::new();
    body.attr("name_prefix", name_prefix(&physical))
        .attr(
            "description",
            format!("{expression} for function {}", f.name),
        )
        .attr("schedule_expression", Expr::string(expression))
        .attr("state", "ENABLED")
        .attr("tags", tags());
    let rule = b.resource("aws_cloudwatch_event_rule", wanted, body);
    let rule_arn = Expr::path(&["aws_cloudwatch_event_rule", &rule, "arn"]);
    let mut body = Body::new();
    body.attr(
        "rule",
        Expr::path(&["aws_cloudwatch_event_rule", &rule, "name"]),
    )
    .attr("target_id", super::identifier(&f.name))
    .attr("arn", b.invoke_target(&f.name));
    // Invocations EventBridge cannot deliver go to the function's dead letter queue.
    if let Some(queue) = f.delivery_dead_letter().map(str::to_string) {
        let arn = b.of(Kind::Queue, &queue, "arn");
        body.nested("dead_letter_config", |d| {
            d.attr("arn", arn);
        });
        let sid = pascal(&f.name, &format!("Event{}Redrive", index + 1));
        b.allow_queue_delivery(&queue, sid, "events.amazonaws.com", rule_arn.clone());
    }
    b.resource("aws_cloudwatch_event_target", wanted, body);
    let source = rule_arn;
    permission(b, f, index, wanted, "events.amazonaws.com", source, false);
}

/// A schedule in a time zone needs EventBridge Scheduler, which invokes through a role of
/// its own allowed to invoke this one function.
fn scheduler(b: &mut Builder<'_>, f: &Function, wanted: &str, expression: &str, timezone: &str) {
    let physical = b.name(Kind::Function, &f.name);
    let fl = b.label(Kind::Function, &f.name);
    let mut invoke = vec![Expr::path(&["aws_lambda_function", &fl, "arn"])];
    if let Some(alias) = b.alias(&f.name) {
        invoke.push(Expr::path(&["aws_lambda_alias", alias, "arn"]));
    }
    let mut body = Body::new();
    body.attr("name_prefix", name_prefix(&physical))
        .attr(
            "description",
            format!("Lets EventBridge Scheduler invoke function {physical}"),
        )
        .attr(
            "assume_role_policy",
            trust_policy("scheduler.amazonaws.com"),
        )
        .attr("tags", tags());
    let role = b.resource("aws_iam_role", &format!("{wanted}_scheduler"), body);
    let dead_letter = f
        .delivery_dead_letter()
        .map(|queue| b.of(Kind::Queue, queue, "arn"));
    let mut statements = vec![Expr::object([
        ("Sid", Expr::from("InvokeFunction")),
        ("Effect", Expr::from("Allow")),
        ("Action", Expr::strings(["lambda:InvokeFunction"])),
        ("Resource", Expr::List(invoke)),
    ])];
    if let Some(queue) = &dead_letter {
        statements.push(Expr::object([
            ("Sid", Expr::from("DeadLetter")),
            ("Effect", Expr::from("Allow")),
            ("Action", Expr::strings(["sqs:SendMessage"])),
            ("Resource", Expr::list([queue.clone()])),
        ]));
    }
    let mut body = Body::new();
    body.attr("name", "invoke")
        .attr("role", Expr::path(&["aws_iam_role", &role, "id"]))
        .attr(
            "policy",
            Expr::jsonencode(Expr::object([
                ("Version", Expr::from("2012-10-17")),
                ("Statement", Expr::List(statements)),
            ])),
        );
    let role_policy = b.resource("aws_iam_role_policy", &format!("{wanted}_scheduler"), body);
    let target = b.invoke_target(&f.name);
    let mut body = Body::new();
    body.attr("name_prefix", name_prefix(&physical))
        .attr(
            "description",
            format!("{expression} ({timezone}) for function {}", f.name),
        )
        .attr("schedule_expression", Expr::string(expression))
        .attr("schedule_expression_timezone", Expr::string(timezone))
        .attr("state", "ENABLED");
    body.nested("flexible_time_window", |w| {
        w.attr("mode", "OFF");
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

fn iot(b: &mut Builder<'_>, f: &Function, index: usize, wanted: &str, sql: &str) {
    // IoT rule names take letters, digits and underscores only.
    let name: String = format!("{}_{}_{}", aws::prefix(b.model), f.name, index + 1)
        .chars()
        .map(|c| if c.is_ascii_alphanumeric() { c } else { '_' })
        .collect();
    let target = b.invoke_target(&f.name);
    let mut body = Body::new();
    body.attr("name", name)
        .attr("enabled", true)
        .attr("sql", Expr::string(sql))
        .attr("sql_version", "2016-03-23")
        .attr("tags", tags());
    body.nested("lambda", |l| {
        l.attr("function_arn", target);
    });
    let rule = b.resource("aws_iot_topic_rule", wanted, body);
    let source = Expr::path(&["aws_iot_topic_rule", &rule, "arn"]);
    permission(b, f, index, wanted, "iot.amazonaws.com", source, true);
}

/// One notification resource per bucket with function triggers; it waits for each
/// function's permission (S3 checks it when the notification is saved).
fn notifications(b: &mut Builder<'_>) {
    let model = b.model;
    for bucket in &model.buckets {
        let mut body = Body::new();
        body.attr("bucket", b.of(Kind::Bucket, &bucket.name, "id"));
        let mut depends = Vec::new();
        for t in model.bucket_triggers(&bucket.name) {
            let target = b.invoke_target(&t.function.name);
            body.nested("lambda_function", |l| {
                l.attr("lambda_function_arn", target)
                    .attr(
                        "events",
                        Expr::strings([crate::targets::aws::s3_event(t.on)]),
                    )
                    .attr_opt("filter_prefix", t.prefix.map(str::to_string))
                    .attr_opt("filter_suffix", t.suffix.map(str::to_string));
            });
            if let Some(permission) = b.permissions.get(&(t.function.name.clone(), t.index)) {
                depends.push(Expr::path(&["aws_lambda_permission", permission]));
            }
        }
        if depends.is_empty() {
            continue;
        }
        body.attr("depends_on", Expr::List(depends));
        let label = b.label(Kind::Bucket, &bucket.name);
        b.section(format!(
            "Notifications of bucket `{}`, once S3 may invoke each function.",
            bucket.name
        ));
        b.resource("aws_s3_bucket_notification", &label, body);
    }
}
