//! Stateful and shared resources: tables, queues, topics, buckets (with their
//! notifications), user pools, HTTP APIs, alarms, and the outputs that name them.

use serde_json::{Value, json};

use super::split::Owner;
use super::template::{Resource, SubArns, get_att, logical_id, reference};
use super::{Builder, app_tag, tags};
use crate::model::Kind;
use crate::targets::aws;
use crate::targets::naming::{authorizer_id, permission_id};
use crate::targets::plan::{
    self, AlarmPlan, Audience, BucketPlan, HttpApi, QueuePlan, TablePlan, TopicPlan, UserPool,
};

pub(super) fn lower(b: &mut Builder<'_>) {
    let plan = b.plan;
    // Each shared resource in its own stable slot (split.rs).
    for t in &plan.tables {
        b.owner = Owner::shared(Kind::Table, t.name);
        table(b, t);
    }
    for q in &plan.queues {
        b.owner = Owner::shared(Kind::Queue, q.name);
        queue(b, q);
    }
    for t in &plan.topics {
        b.owner = Owner::shared(Kind::Topic, t.name);
        topic(b, t);
    }
    for p in &plan.user_pools {
        b.owner = Owner::shared(Kind::Auth, p.name);
        user_pool(b, p);
    }
    for g in &plan.apis {
        b.owner = Owner::shared(Kind::Gateway, g.name);
        api(b, g);
    }
    // Buckets wait for their functions' permissions: in nested stacks, they are deployed
    // after the function stacks.
    b.owner = Owner::Storage;
    plan.buckets
        .iter()
        .for_each(|bucket| storage_bucket(b, bucket));
    plan.alarms.iter().for_each(|a| alarm(b, a));
    b.owner = Owner::Base;
}

fn key_schema(hash: &str, range: Option<&str>) -> Value {
    let mut schema = vec![json!({ "AttributeName": hash, "KeyType": "HASH" })];
    if let Some(range) = range {
        schema.push(json!({ "AttributeName": range, "KeyType": "RANGE" }));
    }
    Value::Array(schema)
}

fn table(b: &mut Builder<'_>, t: &TablePlan<'_>) {
    let throughput = t
        .capacity
        .map(|(r, w)| json!({ "ReadCapacityUnits": r, "WriteCapacityUnits": w }));
    let mut props = json!({
        "TableName": t.physical,
        "AttributeDefinitions": t.attributes.iter().map(|(n, ty)| json!({ "AttributeName": n, "AttributeType": ty })).collect::<Vec<_>>(),
        "KeySchema": key_schema(t.hash_key, t.range_key),
        "BillingMode": t.billing_mode,
        "PointInTimeRecoverySpecification": { "PointInTimeRecoveryEnabled": t.point_in_time_recovery },
        "SSESpecification": { "SSEEnabled": t.encrypted },
        "Tags": tags(b.plan),
    });
    if let Some(tp) = &throughput {
        props["ProvisionedThroughput"] = tp.clone();
    }
    if !t.indexes.is_empty() {
        props["GlobalSecondaryIndexes"] = t
            .indexes
            .iter()
            .map(|i| {
                let mut index = json!({
                    "IndexName": i.name,
                    "KeySchema": key_schema(i.hash_key, i.range_key),
                    "Projection": { "ProjectionType": i.projection },
                });
                if let Some(tp) = &throughput {
                    index["ProvisionedThroughput"] = tp.clone();
                }
                index
            })
            .collect();
    }
    if let Some(view) = t.stream_view {
        props["StreamSpecification"] = json!({ "StreamViewType": view });
    }
    if let Some(ttl) = t.ttl {
        props["TimeToLiveSpecification"] = json!({ "AttributeName": ttl, "Enabled": true });
    }
    let id = logical_id(t.name, "Table");
    b.add(
        id.clone(),
        Resource::new("AWS::DynamoDB::Table", props).retained(),
    );
    b.output(
        logical_id(t.name, "TableName"),
        t.output.clone(),
        reference(&id),
    );
}

fn queue(b: &mut Builder<'_>, q: &QueuePlan<'_>) {
    let mut props = json!({
        "QueueName": q.physical,
        "VisibilityTimeout": q.visibility_timeout,
        "MessageRetentionPeriod": q.retention,
        "SqsManagedSseEnabled": q.encrypted,
        "Tags": tags(b.plan),
    });
    if let Some(delay) = q.delay {
        props["DelaySeconds"] = json!(delay);
    }
    if q.fifo {
        props["FifoQueue"] = json!(true);
    }
    if let Some((dead_letter, max_receives)) = q.redrive {
        let target = get_att(&logical_id(dead_letter, "Queue"), "Arn");
        props["RedrivePolicy"] = aws::redrive_policy(&SubArns, target, Some(max_receives));
    }
    let id = logical_id(q.name, "Queue");
    b.add(id.clone(), Resource::new("AWS::SQS::Queue", props));
    b.output(
        logical_id(q.name, "QueueUrl"),
        q.output.clone(),
        reference(&id),
    );
}

fn topic(b: &mut Builder<'_>, t: &TopicPlan<'_>) {
    let mut props = json!({ "TopicName": t.physical, "Tags": tags(b.plan) });
    if t.fifo {
        props["FifoTopic"] = json!(true);
    }
    if let Some(d) = t.display_name {
        props["DisplayName"] = json!(d);
    }
    let id = logical_id(t.name, "Topic");
    b.add(id.clone(), Resource::new("AWS::SNS::Topic", props));
    b.output(
        logical_id(t.name, "TopicArn"),
        t.output.clone(),
        reference(&id),
    );
}

fn storage_bucket(b: &mut Builder<'_>, bucket: &BucketPlan<'_>) {
    let id = logical_id(bucket.name, "Bucket");
    let public = bucket.public;
    let mut props = json!({
        "BucketName": super::template::arn(&bucket.physical),
        "BucketEncryption": { "ServerSideEncryptionConfiguration": [ { "ServerSideEncryptionByDefault": { "SSEAlgorithm": bucket.sse_algorithm } } ] },
        "PublicAccessBlockConfiguration": {
            "BlockPublicAcls": bucket.access_block.0,
            "IgnorePublicAcls": bucket.access_block.1,
            "BlockPublicPolicy": bucket.access_block.2,
            "RestrictPublicBuckets": bucket.access_block.3,
        },
        "OwnershipControls": { "Rules": [ { "ObjectOwnership": bucket.ownership } ] },
        "VersioningConfiguration": { "Status": bucket.versioning },
        "Tags": tags(b.plan),
    });
    if !bucket.lifecycle.is_empty() {
        props["LifecycleConfiguration"] = json!({
            "Rules": bucket.lifecycle.iter().map(|rule| {
                let mut out = json!({ "Id": rule.id, "Status": rule.status, "ExpirationInDays": rule.days });
                if let Some(p) = rule.prefix {
                    out["Prefix"] = json!(p);
                }
                out
            }).collect::<Vec<_>>(),
        });
    }
    if let Some(cors) = &bucket.cors {
        let mut rule = json!({ "AllowedOrigins": cors.origins, "AllowedMethods": cors.methods });
        if !cors.headers.is_empty() {
            rule["AllowedHeaders"] = json!(cors.headers);
        }
        if let Some(age) = cors.max_age {
            rule["MaxAge"] = json!(age);
        }
        props["CorsConfiguration"] = json!({ "CorsRules": [rule] });
    }
    // Notifications: the bucket waits for each function's permission. Permissions name
    // the bucket by ARN text, so nothing waits for the bucket: no cycle.
    let mut notifications = Vec::new();
    let mut depends = Vec::new();
    for n in &bucket.notifications {
        let mut rules = Vec::new();
        if let Some(p) = n.prefix {
            rules.push(json!({ "Name": "prefix", "Value": p }));
        }
        if let Some(s) = n.suffix {
            rules.push(json!({ "Name": "suffix", "Value": s }));
        }
        let mut config = json!({
            "Event": n.event,
            "Function": b.invoke_target(n.function),
        });
        if !rules.is_empty() {
            config["Filter"] = json!({ "S3Key": { "Rules": rules } });
        }
        notifications.push(config);
        depends.push(permission_id(n.function, n.index));
    }
    if !notifications.is_empty() {
        props["NotificationConfiguration"] = json!({ "LambdaConfigurations": notifications });
    }
    b.add(
        id.clone(),
        Resource::new("AWS::S3::Bucket", props)
            .retained()
            .depends_on(depends),
    );
    // Every bucket refuses plain HTTP; a public one also lets anyone read objects.
    let arn = b.arn_of(Kind::Bucket, bucket.name);
    let objects = super::template::arn(&bucket.objects);
    let policy = aws::bucket_policy(&SubArns, arn, &objects, public);
    b.add(
        logical_id(bucket.name, "BucketPolicy"),
        Resource::new(
            "AWS::S3::BucketPolicy",
            json!({ "Bucket": reference(&id), "PolicyDocument": policy }),
        ),
    );
    b.output(
        logical_id(bucket.name, "BucketName"),
        bucket.output.clone(),
        reference(&id),
    );
}

fn user_pool(b: &mut Builder<'_>, p: &UserPool<'_>) {
    let pool = logical_id(p.name, "UserPool");
    let password = &p.password;
    b.add(
        pool.clone(),
        Resource::new(
            "AWS::Cognito::UserPool",
            json!({
                "UserPoolName": p.physical,
                "UsernameAttributes": p.username_attributes,
                "AutoVerifiedAttributes": p.auto_verified_attributes,
                "Policies": { "PasswordPolicy": {
                    "MinimumLength": password.minimum_length,
                    "RequireLowercase": password.require_lowercase,
                    "RequireUppercase": password.require_uppercase,
                    "RequireNumbers": password.require_numbers,
                    "RequireSymbols": password.require_symbols,
                } },
                "UserPoolTags": app_tag(b.plan),
            }),
        )
        .retained(),
    );
    let client = logical_id(p.name, "UserPoolClient");
    b.add(
        client.clone(),
        Resource::new(
            "AWS::Cognito::UserPoolClient",
            json!({
                "UserPoolId": reference(&pool),
                "ClientName": p.physical,
                "GenerateSecret": p.generate_secret,
                "ExplicitAuthFlows": p.auth_flows,
                "PreventUserExistenceErrors": p.prevent_user_existence_errors,
            }),
        ),
    );
    b.output(
        logical_id(p.name, "UserPoolId"),
        p.pool_output.clone(),
        reference(&pool),
    );
    b.output(
        logical_id(p.name, "UserPoolClientId"),
        p.client_output.clone(),
        reference(&client),
    );
}

/// An access-log line format: the fields as one JSON object.
fn access_log_format() -> String {
    let fields: serde_json::Map<String, Value> = plan::ACCESS_LOG_FIELDS
        .iter()
        .map(|(k, v)| ((*k).to_string(), json!(v)))
        .collect();
    Value::Object(fields).to_string()
}

fn api(b: &mut Builder<'_>, g: &HttpApi<'_>) {
    let api = logical_id(g.name, "HttpApi");
    let mut props = json!({
        "Name": g.physical,
        "ProtocolType": g.protocol,
        "Tags": app_tag(b.plan),
    });
    if let Some(cors) = &g.cors {
        let mut config = json!({ "AllowOrigins": cors.origins, "AllowMethods": cors.methods });
        if !cors.headers.is_empty() {
            config["AllowHeaders"] = json!(cors.headers);
        }
        if let Some(age) = cors.max_age {
            config["MaxAge"] = json!(age);
        }
        if cors.credentials {
            config["AllowCredentials"] = json!(true);
        }
        props["CorsConfiguration"] = config;
    }
    b.add(api.clone(), Resource::new("AWS::ApiGatewayV2::Api", props));
    let logs = logical_id(g.name, "HttpApiLogs");
    b.add(
        logs.clone(),
        Resource::new(
            "AWS::Logs::LogGroup",
            json!({ "LogGroupName": g.access_log_group, "RetentionInDays": g.access_log_days }),
        ),
    );
    let mut stage = json!({
        "ApiId": reference(&api),
        "StageName": g.stage,
        "AutoDeploy": g.auto_deploy,
        "AccessLogSettings": {
            "DestinationArn": get_att(&logs, "Arn"),
            "Format": access_log_format(),
        },
    });
    if let Some((rate, burst)) = g.throttle {
        stage["DefaultRouteSettings"] =
            json!({ "ThrottlingRateLimit": rate, "ThrottlingBurstLimit": burst });
    }
    let stage_id = logical_id(g.name, "HttpApiStage");
    b.add(
        stage_id.clone(),
        Resource::new("AWS::ApiGatewayV2::Stage", stage),
    );
    for a in &g.authorizers {
        let audience = match &a.audience {
            Audience::List(list) => json!(list),
            Audience::Client(auth) => json!([reference(&logical_id(auth, "UserPoolClient"))]),
        };
        b.add(
            authorizer_id(g.name, a.auth),
            Resource::new(
                "AWS::ApiGatewayV2::Authorizer",
                json!({
                    "ApiId": reference(&api),
                    "Name": a.auth,
                    "AuthorizerType": a.kind,
                    "IdentitySource": [a.identity_source],
                    "JwtConfiguration": { "Issuer": Builder::issuer(&a.issuer), "Audience": audience },
                }),
            ),
        );
    }
    if let Some(domain) = &g.domain {
        let domain_id = logical_id(g.name, "Domain");
        b.add(
            domain_id.clone(),
            Resource::new(
                "AWS::ApiGatewayV2::DomainName",
                json!({
                    "DomainName": domain.name,
                    "DomainNameConfigurations": [ { "CertificateArn": domain.certificate, "EndpointType": domain.endpoint_type, "SecurityPolicy": domain.security_policy } ],
                }),
            ),
        );
        b.add(
            logical_id(g.name, "ApiMapping"),
            Resource::new(
                "AWS::ApiGatewayV2::ApiMapping",
                json!({ "ApiId": reference(&api), "DomainName": reference(&domain_id), "Stage": reference(&stage_id) }),
            ),
        );
    }
    b.output(
        logical_id(g.name, "Url"),
        g.output.clone(),
        super::template::sub(format!(
            "https://${{{api}}}.execute-api.${{AWS::Region}}.${{AWS::URLSuffix}}"
        )),
    );
}

fn alarm(b: &mut Builder<'_>, a: &AlarmPlan<'_>) {
    // The dimension is the physical name, so the alarm depends on nothing; it travels
    // with the function it watches.
    let value = json!(b.name(a.target.kind, &a.target.name));
    b.owner = match a.target.kind {
        Kind::Function => Owner::Function(a.target.name.clone()),
        Kind::Bucket => Owner::Storage,
        kind => Owner::shared(kind, &a.target.name),
    };
    let mut props = json!({
        "AlarmName": a.alarm_name,
        "AlarmDescription": a.description,
        "Namespace": a.namespace,
        "MetricName": a.metric,
        "Dimensions": [ { "Name": a.dimension, "Value": value } ],
        "Statistic": a.statistic,
        "Period": a.period,
        "EvaluationPeriods": a.evaluation_periods,
        "Threshold": a.threshold,
        "ComparisonOperator": a.comparison,
        "TreatMissingData": a.missing_data,
    });
    let mut depends = Vec::new();
    if let Some(topic) = a.notify {
        props["AlarmActions"] = json!([b.arn_of(Kind::Topic, topic)]);
        depends.push(logical_id(topic, "Topic"));
    }
    b.add(
        logical_id(a.name, "Alarm"),
        Resource::new("AWS::CloudWatch::Alarm", props).depends_on(depends),
    );
}
