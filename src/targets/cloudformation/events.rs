//! What triggers functions: HTTP routes, schedules, queue and stream mappings, topic
//! subscriptions, bucket notifications (declared on the bucket) and IoT rules, each with
//! the Lambda permission that lets exactly that source invoke exactly that function.

use serde_json::{Value, json};

use super::Builder;
use super::template::{self, Resource, SubArns, get_att, logical_id, reference, sub_literal};
use crate::model::Kind;
use crate::targets::aws;
use crate::targets::naming::{authorizer_id, event_id, permission_id};
use crate::targets::plan::{
    DeliverySource, EventPlan, FunctionPlan, IotRule, Mapping, MappingSource, Permission,
    PermissionSource, Route, Rule, Scheduler, Source, Subscription,
};

pub(super) fn lower(b: &mut Builder<'_>) {
    let plan = b.plan;
    for f in &plan.functions {
        b.owner = super::split::Owner::Function(f.name.to_string());
        for e in &f.events {
            let i = e.index;
            match &e.source {
                Source::Route(route) => http(b, f, i, route),
                Source::Rule(rule) => schedule_rule(b, f, i, rule),
                Source::Scheduler(s) => scheduler(b, f, i, s),
                Source::Mapping(m) => mapping(b, f, i, m),
                Source::Subscription(s) => subscription(b, f, i, s),
                // The notification itself is part of the bucket (see `data.rs`).
                Source::Notification => {}
                Source::IotRule(rule) => iot(b, f, i, rule),
            }
            if let Some(p) = &e.permission {
                permission(b, f, e, p);
            }
        }
    }
    for (queue, deliveries) in &plan.deliveries {
        b.owner = super::split::Owner::shared(Kind::Queue, queue);
        let statements: Vec<Value> = deliveries
            .iter()
            .map(|d| {
                let source = match &d.source {
                    DeliverySource::Topic(topic) => b.arn_of(Kind::Topic, topic),
                    DeliverySource::Rule { name } => rule_arn(name),
                };
                let queue = b.arn_of(Kind::Queue, queue);
                aws::delivery_statement(&SubArns, &d.sid, d.service, queue, source)
            })
            .collect();
        b.add(
            logical_id(queue, "QueuePolicy"),
            Resource::new(
                "AWS::SQS::QueuePolicy",
                json!({
                    "Queues": [reference(&logical_id(queue, "Queue"))],
                    "PolicyDocument": aws::document(&SubArns, statements),
                }),
            ),
        );
    }
    b.owner = super::split::Owner::Base;
}

/// A named rule has an ARN known in advance: the dead letter queue's policy names it
/// without depending on the rule.
fn rule_arn(name: &str) -> Value {
    template::sub(format!(
        "arn:${{AWS::Partition}}:events:${{AWS::Region}}:${{AWS::AccountId}}:rule/{}",
        sub_literal(name)
    ))
}

fn http(b: &mut Builder<'_>, f: &FunctionPlan<'_>, i: usize, route: &Route<'_>) {
    let api = logical_id(route.gateway, "HttpApi");
    let integration = logical_id(f.name, "") + &logical_id(route.gateway, "Integration");
    if let Some(planned) = &route.integration {
        b.add(
            integration.clone(),
            Resource::new(
                "AWS::ApiGatewayV2::Integration",
                json!({
                    "ApiId": reference(&api),
                    "IntegrationType": planned.kind,
                    "IntegrationUri": b.invoke_target(f.name),
                    "PayloadFormatVersion": planned.payload_format,
                    "TimeoutInMillis": planned.timeout_ms,
                }),
            ),
        );
    }
    let mut props = json!({
        "ApiId": reference(&api),
        "RouteKey": route.route_key,
        "Target": template::sub(format!("integrations/${{{integration}}}")),
        "AuthorizationType": route.authorization_type,
    });
    if let Some(auth) = route.auth {
        props["AuthorizerId"] = reference(&authorizer_id(route.gateway, auth));
    }
    b.add(
        event_id(f.name, i, "Route"),
        Resource::new("AWS::ApiGatewayV2::Route", props),
    );
}

fn permission(b: &mut Builder<'_>, f: &FunctionPlan<'_>, e: &EventPlan<'_>, p: &Permission<'_>) {
    let source = match &p.source {
        PermissionSource::Route { gateway, path } => template::sub(format!(
            "arn:${{AWS::Partition}}:execute-api:${{AWS::Region}}:${{AWS::AccountId}}:${{{}}}/*/{}",
            logical_id(gateway, "HttpApi"),
            sub_literal(path)
        )),
        PermissionSource::Topic(topic) => b.arn_of(Kind::Topic, topic),
        PermissionSource::Bucket(bucket) => b.arn_of(Kind::Bucket, bucket),
        PermissionSource::Rule => get_att(&event_id(f.name, e.index, "Schedule"), "Arn"),
        PermissionSource::IotRule(name) => template::sub(format!(
            "arn:${{AWS::Partition}}:iot:${{AWS::Region}}:${{AWS::AccountId}}:rule/{name}"
        )),
    };
    let mut props = json!({
        "Action": p.action,
        "FunctionName": b.permission_target(f.name),
        "Principal": p.principal,
        "SourceArn": source,
    });
    if p.source_account {
        props["SourceAccount"] = reference("AWS::AccountId");
    }
    b.add(
        permission_id(f.name, e.index),
        Resource::new("AWS::Lambda::Permission", props),
    );
}

fn mapping(b: &mut Builder<'_>, f: &FunctionPlan<'_>, i: usize, m: &Mapping<'_>) {
    let (source, depends) = match m.source {
        // The queue by ARN text, ordered by `DependsOn`: in nested stacks a constructed ARN
        // needs no output of the stack that holds the queue.
        MappingSource::Queue(queue) => (
            b.arn_of(Kind::Queue, queue),
            vec![logical_id(queue, "Queue")],
        ),
        MappingSource::TableStream(table) => (
            get_att(&logical_id(table, "Table"), "StreamArn"),
            Vec::new(),
        ),
    };
    let mut props = json!({
        "EventSourceArn": source,
        "FunctionName": b.invoke_target(f.name),
        "BatchSize": m.batch_size,
    });
    if let Some(position) = m.starting_position {
        props["StartingPosition"] = json!(position);
    }
    if m.bisect_on_error {
        props["BisectBatchOnFunctionError"] = json!(true);
    }
    props["FunctionResponseTypes"] = json!(m.response_types);
    if let Some(w) = m.window {
        props["MaximumBatchingWindowInSeconds"] = json!(w);
    }
    if let Some(most) = m.maximum_concurrency {
        props["ScalingConfig"] = json!({ "MaximumConcurrency": most });
    }
    if let Some((dl, retries)) = m.on_failure {
        props["DestinationConfig"] =
            json!({ "OnFailure": { "Destination": b.arn_of(dl.kind, &dl.name) } });
        props["MaximumRetryAttempts"] = json!(retries);
    }
    b.add(
        event_id(f.name, i, "Mapping"),
        Resource::new("AWS::Lambda::EventSourceMapping", props).depends_on(depends),
    );
}

fn subscription(b: &mut Builder<'_>, f: &FunctionPlan<'_>, i: usize, s: &Subscription<'_>) {
    let mut props = json!({
        "TopicArn": b.arn_of(Kind::Topic, s.topic),
        "Protocol": s.protocol,
        "Endpoint": b.invoke_target(f.name),
    });
    if let Some(filter) = s.filter {
        props["FilterPolicy"] = json!(filter);
        props["FilterPolicyScope"] = json!(s.filter_scope);
    }
    if let Some(queue) = s.redrive {
        props["RedrivePolicy"] = aws::redrive_policy(&SubArns, b.arn_of(Kind::Queue, queue), None);
    }
    b.add(
        event_id(f.name, i, "Subscription"),
        Resource::new("AWS::SNS::Subscription", props).depends_on([logical_id(s.topic, "Topic")]),
    );
}

fn schedule_rule(b: &mut Builder<'_>, f: &FunctionPlan<'_>, i: usize, rule: &Rule<'_>) {
    let mut target = json!({ "Arn": b.invoke_target(f.name), "Id": logical_id(f.name, "") });
    // Invocations EventBridge cannot deliver go to the function's dead letter queue.
    if let Some(queue) = rule.dead_letter {
        target["DeadLetterConfig"] = json!({ "Arn": b.arn_of(Kind::Queue, queue) });
    }
    b.add(
        event_id(f.name, i, "Schedule"),
        Resource::new(
            "AWS::Events::Rule",
            json!({
                "Name": rule.name,
                "Description": rule.description,
                "ScheduleExpression": rule.expression,
                "State": rule.state,
                "Targets": [target],
            }),
        ),
    );
}

/// A schedule in a time zone needs EventBridge Scheduler, which invokes through a role of
/// its own allowed to invoke this one function.
fn scheduler(b: &mut Builder<'_>, f: &FunctionPlan<'_>, i: usize, s: &Scheduler<'_>) {
    let role = event_id(f.name, i, "ScheduleRole");
    let function_arn = b.arn_of(Kind::Function, f.name);
    let mut invoke = vec![function_arn];
    if let Some(alias) = &f.alias {
        invoke.push(template::sub(format!(
            "arn:${{AWS::Partition}}:lambda:${{AWS::Region}}:${{AWS::AccountId}}:function:{}:{}",
            sub_literal(&f.physical),
            alias.name
        )));
    }
    let dead_letter = s.dead_letter.map(|queue| b.arn_of(Kind::Queue, queue));
    let policy = aws::scheduler_policy(&SubArns, invoke, dead_letter);
    b.add(
        role.clone(),
        Resource::new(
            "AWS::IAM::Role",
            json!({
                "Description": s.role_description,
                "AssumeRolePolicyDocument": aws::trust_policy(&SubArns, s.role_principal),
                "Policies": [ { "PolicyName": s.role_policy_name, "PolicyDocument": policy } ],
            }),
        ),
    );
    let mut target = json!({ "Arn": b.invoke_target(f.name), "RoleArn": get_att(&role, "Arn") });
    if let Some(queue) = s.dead_letter {
        target["DeadLetterConfig"] = json!({ "Arn": b.arn_of(Kind::Queue, queue) });
    }
    b.add(
        event_id(f.name, i, "Schedule"),
        Resource::new(
            "AWS::Scheduler::Schedule",
            json!({
                "Description": s.description,
                "ScheduleExpression": s.expression,
                "ScheduleExpressionTimezone": s.timezone,
                "FlexibleTimeWindow": { "Mode": s.flexible_window },
                "State": s.state,
                "Target": target,
            }),
        ),
    );
}

fn iot(b: &mut Builder<'_>, f: &FunctionPlan<'_>, i: usize, rule: &IotRule<'_>) {
    b.add(
        event_id(f.name, i, "IotRule"),
        Resource::new(
            "AWS::IoT::TopicRule",
            json!({
                "RuleName": rule.name,
                "TopicRulePayload": {
                    "Sql": rule.sql,
                    "AwsIotSqlVersion": rule.sql_version,
                    "RuleDisabled": false,
                    "Actions": [ { "Lambda": { "FunctionArn": b.invoke_target(f.name) } } ],
                },
            }),
        ),
    );
}
