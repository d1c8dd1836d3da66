//! What triggers functions: HTTP routes, schedules, queue and stream mappings, topic
//! subscriptions, bucket notifications (declared on the bucket) and IoT rules, each with
//! the Lambda permission that lets exactly that source invoke exactly that function.

use serde_json::{Value, json};

use super::Builder;
use super::template::{self, Resource, get_att, logical_id, reference, sub_literal};
use crate::model::{Function, Kind, StartingPosition, Trigger};
use crate::targets::aws;

/// The logical id of the permission of a function's `index`-th event (0-based).
pub(super) fn permission_id(function: &str, index: usize) -> String {
    logical_id(function, &format!("Event{}Permission", index + 1))
}

fn event_id(function: &str, index: usize, what: &str) -> String {
    logical_id(function, &format!("Event{}{what}", index + 1))
}

pub(super) fn lower(b: &mut Builder<'_>) {
    for f in &b.model.functions {
        b.owner = super::split::Owner::Function(f.name.clone());
        let mut integrations = std::collections::BTreeSet::new();
        for (i, event) in f.events.iter().enumerate() {
            match &event.trigger {
                Trigger::Http {
                    gateway,
                    method,
                    path,
                    auth,
                } => {
                    http(
                        b,
                        f,
                        i,
                        gateway,
                        method,
                        path,
                        auth.as_deref(),
                        &mut integrations,
                    );
                }
                Trigger::Schedule(schedule) => {
                    if let Some(tz) = &schedule.timezone {
                        scheduler(b, f, i, &schedule.expression(), tz);
                    } else {
                        rule(b, f, i, &schedule.expression());
                    }
                }
                Trigger::Queue {
                    queue,
                    batch_size,
                    window,
                } => {
                    // The queue by ARN text, ordered by `DependsOn`: in nested stacks a
                    // constructed ARN needs no output of the stack that holds the queue.
                    let mut props = json!({
                        "EventSourceArn": b.arn_of(Kind::Queue, queue),
                        "FunctionName": b.invoke_target(&f.name),
                        "BatchSize": batch_size,
                        "FunctionResponseTypes": ["ReportBatchItemFailures"],
                    });
                    if let Some(w) = window.filter(|w| *w > 0) {
                        props["MaximumBatchingWindowInSeconds"] = json!(w);
                    }
                    b.add(
                        event_id(&f.name, i, "Mapping"),
                        Resource::new("AWS::Lambda::EventSourceMapping", props)
                            .depends_on([logical_id(queue, "Queue")]),
                    );
                }
                Trigger::Table {
                    table,
                    starting_position,
                    batch_size,
                } => {
                    let mut props = json!({
                        "EventSourceArn": get_att(&logical_id(table, "Table"), "StreamArn"),
                        "FunctionName": b.invoke_target(&f.name),
                        "BatchSize": batch_size,
                        "StartingPosition": match starting_position { StartingPosition::Latest => "LATEST", StartingPosition::TrimHorizon => "TRIM_HORIZON" },
                        "BisectBatchOnFunctionError": true,
                        "FunctionResponseTypes": ["ReportBatchItemFailures"],
                    });
                    // Records that keep failing go to the function's dead letter target.
                    if let Some(dl) = &f.dead_letter {
                        props["DestinationConfig"] = json!({ "OnFailure": { "Destination": b.arn_of(dl.value.kind, &dl.value.name) } });
                        props["MaximumRetryAttempts"] = json!(5);
                    }
                    mapping(b, f, i, props);
                }
                Trigger::Topic { topic, filter } => {
                    let topic_id = logical_id(topic, "Topic");
                    let mut props = json!({
                        "TopicArn": b.arn_of(Kind::Topic, topic),
                        "Protocol": "lambda",
                        "Endpoint": b.invoke_target(&f.name),
                    });
                    if !filter.is_empty() {
                        props["FilterPolicy"] = json!(filter);
                        props["FilterPolicyScope"] = json!("MessageAttributes");
                    }
                    // Messages SNS cannot deliver to the function go to its dead letter queue.
                    if let Some(queue) = f.delivery_dead_letter().map(str::to_string) {
                        props["RedrivePolicy"] =
                            json!({ "deadLetterTargetArn": b.arn_of(Kind::Queue, &queue) });
                        let sid = logical_id(&f.name, &format!("Event{}Redrive", i + 1));
                        let source = b.arn_of(Kind::Topic, topic);
                        b.allow_queue_delivery(&queue, sid, "sns.amazonaws.com", source);
                    }
                    b.add(
                        event_id(&f.name, i, "Subscription"),
                        Resource::new("AWS::SNS::Subscription", props).depends_on([topic_id]),
                    );
                    permission(
                        b,
                        f,
                        i,
                        "sns.amazonaws.com",
                        b.arn_of(Kind::Topic, topic),
                        None,
                    );
                }
                Trigger::Bucket { bucket, .. } => {
                    // The notification itself is part of the bucket (see `data.rs`).
                    let account = Some(reference("AWS::AccountId"));
                    permission(
                        b,
                        f,
                        i,
                        "s3.amazonaws.com",
                        b.arn_of(Kind::Bucket, bucket),
                        account,
                    );
                }
                Trigger::Iot { sql } => iot(b, f, i, sql),
            }
        }
    }
    b.owner = super::split::Owner::Base;
    let policies = std::mem::take(&mut b.queue_policies);
    for (queue, statements) in policies {
        b.add(
            logical_id(&queue, "QueuePolicy"),
            Resource::new(
                "AWS::SQS::QueuePolicy",
                json!({
                    "Queues": [reference(&logical_id(&queue, "Queue"))],
                    "PolicyDocument": { "Version": "2012-10-17", "Statement": statements },
                }),
            ),
        );
    }
}

#[allow(clippy::too_many_arguments)]
fn http(
    b: &mut Builder<'_>,
    f: &Function,
    i: usize,
    gateway: &str,
    method: &str,
    path: &str,
    auth: Option<&str>,
    integrations: &mut std::collections::BTreeSet<String>,
) {
    let api = logical_id(gateway, "HttpApi");
    let integration = logical_id(&f.name, "") + &logical_id(gateway, "Integration");
    if integrations.insert(integration.clone()) {
        b.add(
            integration.clone(),
            Resource::new(
                "AWS::ApiGatewayV2::Integration",
                json!({
                    "ApiId": reference(&api),
                    "IntegrationType": "AWS_PROXY",
                    "IntegrationUri": b.invoke_target(&f.name),
                    "PayloadFormatVersion": "2.0",
                    "TimeoutInMillis": (f.timeout.value.min(30) * 1000),
                }),
            ),
        );
    }
    let mut route = json!({
        "ApiId": reference(&api),
        "RouteKey": crate::model::route_key(method, path),
        "Target": template::sub(format!("integrations/${{{integration}}}")),
        "AuthorizationType": if auth.is_some() { "JWT" } else { "NONE" },
    });
    if let Some(auth) = auth {
        route["AuthorizerId"] = reference(&super::data::authorizer_id(gateway, auth));
    }
    b.add(
        event_id(&f.name, i, "Route"),
        Resource::new("AWS::ApiGatewayV2::Route", route),
    );
    // The permission names the exact route: `<api>/<stage>/<METHOD>/<path>`.
    let route_path = crate::model::route_arn_part(method, path);
    let source = template::sub(format!(
        "arn:${{AWS::Partition}}:execute-api:${{AWS::Region}}:${{AWS::AccountId}}:${{{api}}}/*/{}",
        sub_literal(&route_path)
    ));
    permission(b, f, i, "apigateway.amazonaws.com", source, None);
}

fn permission(
    b: &mut Builder<'_>,
    f: &Function,
    i: usize,
    principal: &str,
    source: Value,
    account: Option<Value>,
) {
    let mut props = json!({
        "Action": "lambda:InvokeFunction",
        "FunctionName": b.permission_target(&f.name),
        "Principal": principal,
        "SourceArn": source,
    });
    if let Some(account) = account {
        props["SourceAccount"] = account;
    }
    b.add(
        permission_id(&f.name, i),
        Resource::new("AWS::Lambda::Permission", props),
    );
}

fn mapping(b: &mut Builder<'_>, f: &Function, i: usize, props: Value) {
    b.add(
        event_id(&f.name, i, "Mapping"),
        Resource::new("AWS::Lambda::EventSourceMapping", props),
    );
}

/// A name of at most 64 characters: long ones keep a readable start and a hash of the rest.
fn bounded_name(name: String) -> String {
    if name.len() <= 64 {
        return name;
    }
    let mut hash: u32 = 0x811c_9dc5;
    for byte in name.bytes() {
        hash ^= u32::from(byte);
        hash = hash.wrapping_mul(0x0100_0193);
    }
    format!("{}-{hash:08x}", &name[..55])
}

fn rule(b: &mut Builder<'_>, f: &Function, i: usize, expression: &str) {
    let id = event_id(&f.name, i, "Schedule");
    // A named rule has an ARN known in advance: the dead letter queue's policy names it
    // without depending on the rule.
    let rule_name = bounded_name(
        format!(
            "{}-{}-schedule-{}",
            b.name(Kind::Function, &f.name),
            "",
            i + 1
        )
        .replace("--", "-"),
    );
    let rule_arn = template::sub(format!(
        "arn:${{AWS::Partition}}:events:${{AWS::Region}}:${{AWS::AccountId}}:rule/{}",
        sub_literal(&rule_name)
    ));
    let mut target = json!({ "Arn": b.invoke_target(&f.name), "Id": logical_id(&f.name, "") });
    // Invocations EventBridge cannot deliver go to the function's dead letter queue.
    if let Some(queue) = f.delivery_dead_letter().map(str::to_string) {
        target["DeadLetterConfig"] = json!({ "Arn": b.arn_of(Kind::Queue, &queue) });
        let sid = logical_id(&f.name, &format!("Event{}Redrive", i + 1));
        b.allow_queue_delivery(&queue, sid, "events.amazonaws.com", rule_arn);
    }
    b.add(
        id.clone(),
        Resource::new(
            "AWS::Events::Rule",
            json!({
                "Name": rule_name,
                "Description": format!("{expression} for function {}", f.name),
                "ScheduleExpression": expression,
                "State": "ENABLED",
                "Targets": [target],
            }),
        ),
    );
    permission(b, f, i, "events.amazonaws.com", get_att(&id, "Arn"), None);
}

/// A schedule in a time zone needs EventBridge Scheduler, which invokes through a role of
/// its own allowed to invoke this one function.
fn scheduler(b: &mut Builder<'_>, f: &Function, i: usize, expression: &str, timezone: &str) {
    let role = event_id(&f.name, i, "ScheduleRole");
    let function_arn = template::arn(&aws::resource_arn(
        b.model,
        &crate::model::Ref::new(Kind::Function, &f.name),
    ));
    let mut invoke = vec![function_arn.clone()];
    if f.provisioned_concurrency.is_some() {
        invoke.push(template::sub(format!(
            "arn:${{AWS::Partition}}:lambda:${{AWS::Region}}:${{AWS::AccountId}}:function:{}:live",
            sub_literal(&b.name(Kind::Function, &f.name))
        )));
    }
    let dead_letter = f.delivery_dead_letter().map(str::to_string);
    let mut statements = vec![
        json!({ "Sid": "InvokeFunction", "Effect": "Allow", "Action": ["lambda:InvokeFunction"], "Resource": invoke }),
    ];
    if let Some(queue) = &dead_letter {
        statements.push(json!({ "Sid": "DeadLetter", "Effect": "Allow", "Action": ["sqs:SendMessage"], "Resource": [b.arn_of(Kind::Queue, queue)] }));
    }
    b.add(
        role.clone(),
        Resource::new(
            "AWS::IAM::Role",
            json!({
                "Description": format!("Lets EventBridge Scheduler invoke function {}", b.name(Kind::Function, &f.name)),
                "AssumeRolePolicyDocument": {
                    "Version": "2012-10-17",
                    "Statement": [ {
                        "Effect": "Allow",
                        "Principal": { "Service": "scheduler.amazonaws.com" },
                        "Action": "sts:AssumeRole",
                        "Condition": { "StringEquals": { "aws:SourceAccount": { "Ref": "AWS::AccountId" } } },
                    } ],
                },
                "Policies": [ { "PolicyName": "invoke", "PolicyDocument": {
                    "Version": "2012-10-17",
                    "Statement": statements,
                } } ],
            }),
        ),
    );
    let mut target = json!({ "Arn": b.invoke_target(&f.name), "RoleArn": get_att(&role, "Arn") });
    if let Some(queue) = &dead_letter {
        target["DeadLetterConfig"] = json!({ "Arn": b.arn_of(Kind::Queue, queue) });
    }
    b.add(
        event_id(&f.name, i, "Schedule"),
        Resource::new(
            "AWS::Scheduler::Schedule",
            json!({
                "Description": format!("{expression} ({timezone}) for function {}", f.name),
                "ScheduleExpression": expression,
                "ScheduleExpressionTimezone": timezone,
                "FlexibleTimeWindow": { "Mode": "OFF" },
                "State": "ENABLED",
                "Target": target,
            }),
        ),
    );
}

fn iot(b: &mut Builder<'_>, f: &Function, i: usize, sql: &str) {
    // IoT rule names take letters, digits and underscores only.
    let name: String = format!("{}_{}_{}", aws::prefix(b.model), f.name, i + 1)
        .chars()
        .map(|c| if c.is_ascii_alphanumeric() { c } else { '_' })
        .collect();
    b.add(
        event_id(&f.name, i, "IotRule"),
        Resource::new(
            "AWS::IoT::TopicRule",
            json!({
                "RuleName": name,
                "TopicRulePayload": {
                    "Sql": sql,
                    "AwsIotSqlVersion": "2016-03-23",
                    "RuleDisabled": false,
                    "Actions": [ { "Lambda": { "FunctionArn": b.invoke_target(&f.name) } } ],
                },
            }),
        ),
    );
    let source = template::sub(format!(
        "arn:${{AWS::Partition}}:iot:${{AWS::Region}}:${{AWS::AccountId}}:rule/{name}"
    ));
    permission(
        b,
        f,
        i,
        "iot.amazonaws.com",
        source,
        Some(reference("AWS::AccountId")),
    );
}
