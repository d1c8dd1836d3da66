//! Stateful and shared resources: tables, queues, topics, buckets (with their
//! notifications), user pools, HTTP APIs, alarms, and the outputs that name them.

use serde_json::{Value, json};

use super::split::Owner;
use super::template::{Resource, get_att, logical_id, reference};
use super::{Builder, tags};
use crate::model::{AuthKind, Billing, Key, KeyType, Kind, Projection, StreamView, Trigger};

pub(super) fn lower(b: &mut Builder<'_>) {
    b.owner = Owner::Base;
    tables(b);
    queues(b);
    topics(b);
    auths(b);
    gateways(b);
    // Buckets wait for their functions' permissions: in nested stacks, they are deployed
    // after the function stacks.
    b.owner = Owner::Storage;
    buckets(b);
    alarms(b);
    b.owner = Owner::Base;
}

fn key_type(t: KeyType) -> &'static str {
    match t {
        KeyType::String => "S",
        KeyType::Number => "N",
        KeyType::Binary => "B",
    }
}

fn key_schema(partition: &Key, sort: Option<&Key>) -> Value {
    let mut schema = vec![json!({ "AttributeName": partition.name, "KeyType": "HASH" })];
    if let Some(s) = sort {
        schema.push(json!({ "AttributeName": s.name, "KeyType": "RANGE" }));
    }
    Value::Array(schema)
}

fn tables(b: &mut Builder<'_>) {
    for t in &b.model.tables {
        let mut attributes = std::collections::BTreeMap::new();
        let keys = std::iter::once(&t.partition_key).chain(&t.sort_key).chain(
            t.indexes
                .iter()
                .flat_map(|i| std::iter::once(&i.partition_key).chain(&i.sort_key)),
        );
        for k in keys {
            attributes.insert(k.name.clone(), key_type(k.kind));
        }
        let throughput = t
            .capacity
            .map(|(r, w)| json!({ "ReadCapacityUnits": r, "WriteCapacityUnits": w }));
        let mut props = json!({
            "TableName": b.name(Kind::Table, &t.name),
            "AttributeDefinitions": attributes.iter().map(|(n, ty)| json!({ "AttributeName": n, "AttributeType": ty })).collect::<Vec<_>>(),
            "KeySchema": key_schema(&t.partition_key, t.sort_key.as_ref()),
            "BillingMode": match t.billing { Billing::OnDemand => "PAY_PER_REQUEST", Billing::Provisioned => "PROVISIONED" },
            "PointInTimeRecoverySpecification": { "PointInTimeRecoveryEnabled": t.point_in_time_recovery.value },
            "SSESpecification": { "SSEEnabled": true },
            "Tags": tags(b.model),
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
                        "KeySchema": key_schema(&i.partition_key, i.sort_key.as_ref()),
                        "Projection": { "ProjectionType": match i.projection { Projection::All => "ALL", Projection::KeysOnly => "KEYS_ONLY" } },
                    });
                    if let Some(tp) = &throughput {
                        index["ProvisionedThroughput"] = tp.clone();
                    }
                    index
                })
                .collect();
        }
        if let Some(view) = t.stream {
            let view = match view {
                StreamView::NewImage => "NEW_IMAGE",
                StreamView::OldImage => "OLD_IMAGE",
                StreamView::NewAndOldImages => "NEW_AND_OLD_IMAGES",
                StreamView::KeysOnly => "KEYS_ONLY",
            };
            props["StreamSpecification"] = json!({ "StreamViewType": view });
        }
        if let Some(ttl) = &t.ttl {
            props["TimeToLiveSpecification"] = json!({ "AttributeName": ttl, "Enabled": true });
        }
        let id = logical_id(&t.name, "Table");
        b.add(
            id.clone(),
            Resource::new("AWS::DynamoDB::Table", props).retained(),
        );
        b.output(
            logical_id(&t.name, "TableName"),
            format!("Name of table `{}`", t.name),
            reference(&id),
        );
    }
}

fn queues(b: &mut Builder<'_>) {
    for q in &b.model.queues {
        let mut props = json!({
            "QueueName": b.name(Kind::Queue, &q.name),
            "VisibilityTimeout": q.visibility_timeout.value,
            "MessageRetentionPeriod": q.retention,
            "SqsManagedSseEnabled": true,
            "Tags": tags(b.model),
        });
        if q.delay > 0 {
            props["DelaySeconds"] = json!(q.delay);
        }
        if q.fifo {
            props["FifoQueue"] = json!(true);
        }
        if let Some(dl) = &q.dead_letter {
            props["RedrivePolicy"] = json!({
                "deadLetterTargetArn": get_att(&logical_id(&dl.queue, "Queue"), "Arn"),
                "maxReceiveCount": dl.max_receives,
            });
        }
        let id = logical_id(&q.name, "Queue");
        b.add(id.clone(), Resource::new("AWS::SQS::Queue", props));
        b.output(
            logical_id(&q.name, "QueueUrl"),
            format!("URL of queue `{}`", q.name),
            reference(&id),
        );
    }
}

fn topics(b: &mut Builder<'_>) {
    for t in &b.model.topics {
        let mut props = json!({ "TopicName": b.name(Kind::Topic, &t.name), "Tags": tags(b.model) });
        if t.fifo {
            props["FifoTopic"] = json!(true);
        }
        if let Some(d) = &t.display_name {
            props["DisplayName"] = json!(d);
        }
        let id = logical_id(&t.name, "Topic");
        b.add(id.clone(), Resource::new("AWS::SNS::Topic", props));
        b.output(
            logical_id(&t.name, "TopicArn"),
            format!("ARN of topic `{}`", t.name),
            reference(&id),
        );
    }
}

fn cors_rules(cors: &crate::model::Cors) -> Value {
    let mut rule = json!({
        "AllowedOrigins": cors.origins,
        "AllowedMethods": if cors.methods.is_empty() { vec!["GET".to_string()] } else { cors.methods.iter().filter(|m| *m != "*" && *m != "OPTIONS" && *m != "PATCH").cloned().collect() },
    });
    if !cors.headers.is_empty() {
        rule["AllowedHeaders"] = json!(cors.headers);
    }
    if let Some(age) = cors.max_age {
        rule["MaxAge"] = json!(age);
    }
    json!({ "CorsRules": [rule] })
}

fn buckets(b: &mut Builder<'_>) {
    for bucket in &b.model.buckets {
        let id = logical_id(&bucket.name, "Bucket");
        let public = bucket.public.value;
        let mut props = json!({
            "BucketName": super::template::arn(&crate::targets::aws::name_parts(b.model, &crate::model::Ref::new(Kind::Bucket, &bucket.name))),
            "BucketEncryption": { "ServerSideEncryptionConfiguration": [ { "ServerSideEncryptionByDefault": { "SSEAlgorithm": "AES256" } } ] },
            "PublicAccessBlockConfiguration": {
                "BlockPublicAcls": true,
                "IgnorePublicAcls": true,
                "BlockPublicPolicy": !public,
                "RestrictPublicBuckets": !public,
            },
            "OwnershipControls": { "Rules": [ { "ObjectOwnership": "BucketOwnerEnforced" } ] },
            "VersioningConfiguration": { "Status": if bucket.versioning { "Enabled" } else { "Suspended" } },
            "Tags": tags(b.model),
        });
        if !bucket.lifecycle.is_empty() {
            props["LifecycleConfiguration"] = json!({
                "Rules": bucket.lifecycle.iter().enumerate().map(|(i, (prefix, days))| {
                    let mut rule = json!({ "Id": format!("expire-{}", i + 1), "Status": "Enabled", "ExpirationInDays": days });
                    if let Some(p) = prefix {
                        rule["Prefix"] = json!(p);
                    }
                    rule
                }).collect::<Vec<_>>(),
            });
        }
        if let Some(cors) = &bucket.cors {
            props["CorsConfiguration"] = cors_rules(cors);
        }
        // Notifications: the bucket waits for each function's permission. Permissions name
        // the bucket by ARN text, so nothing waits for the bucket: no cycle.
        let mut notifications = Vec::new();
        let mut depends = Vec::new();
        for t in b.model.bucket_triggers(&bucket.name) {
            let mut rules = Vec::new();
            if let Some(p) = t.prefix {
                rules.push(json!({ "Name": "prefix", "Value": p }));
            }
            if let Some(s) = t.suffix {
                rules.push(json!({ "Name": "suffix", "Value": s }));
            }
            let mut config = json!({
                "Event": crate::targets::aws::s3_event(t.on),
                "Function": b.invoke_target(&t.function.name),
            });
            if !rules.is_empty() {
                config["Filter"] = json!({ "S3Key": { "Rules": rules } });
            }
            notifications.push(config);
            depends.push(super::events::permission_id(&t.function.name, t.index));
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
        let arn = b.arn_of(Kind::Bucket, &bucket.name);
        let objects = super::template::arn(&crate::targets::aws::arn_parts(
            b.model,
            &crate::access::aws::Arn::Scoped {
                scope: crate::access::aws::Scope::Objects,
                target: crate::model::Ref::new(Kind::Bucket, &bucket.name),
                prefix: None,
            },
        ));
        let mut statements = vec![json!({
            "Sid": "DenyInsecureTransport",
            "Effect": "Deny",
            "Principal": "*",
            "Action": "s3:*",
            "Resource": [arn, objects.clone()],
            "Condition": { "Bool": { "aws:SecureTransport": "false" } },
        })];
        if public {
            statements.push(json!({
                "Sid": "PublicRead",
                "Effect": "Allow",
                "Principal": "*",
                "Action": "s3:GetObject",
                "Resource": objects,
            }));
        }
        b.add(
            logical_id(&bucket.name, "BucketPolicy"),
            Resource::new(
                "AWS::S3::BucketPolicy",
                json!({ "Bucket": reference(&id), "PolicyDocument": { "Version": "2012-10-17", "Statement": statements } }),
            ),
        );
        b.output(
            logical_id(&bucket.name, "BucketName"),
            format!("Name of bucket `{}`", bucket.name),
            reference(&id),
        );
    }
}

fn auths(b: &mut Builder<'_>) {
    for a in b.model.auths.iter().filter(|a| a.kind == AuthKind::Cognito) {
        let pool = logical_id(&a.name, "UserPool");
        b.add(
            pool.clone(),
            Resource::new(
                "AWS::Cognito::UserPool",
                json!({
                    "UserPoolName": b.name(Kind::Auth, &a.name),
                    "UsernameAttributes": ["email"],
                    "AutoVerifiedAttributes": ["email"],
                    "Policies": { "PasswordPolicy": { "MinimumLength": 12, "RequireLowercase": true, "RequireUppercase": true, "RequireNumbers": true, "RequireSymbols": false } },
                    "UserPoolTags": { "updraft:app": b.model.app },
                }),
            )
            .retained(),
        );
        let client = logical_id(&a.name, "UserPoolClient");
        b.add(
            client.clone(),
            Resource::new(
                "AWS::Cognito::UserPoolClient",
                json!({
                    "UserPoolId": reference(&pool),
                    "ClientName": b.name(Kind::Auth, &a.name),
                    "GenerateSecret": false,
                    "ExplicitAuthFlows": ["ALLOW_USER_SRP_AUTH", "ALLOW_REFRESH_TOKEN_AUTH"],
                    "PreventUserExistenceErrors": "ENABLED",
                }),
            ),
        );
        b.output(
            logical_id(&a.name, "UserPoolId"),
            format!("User pool of auth `{}`", a.name),
            reference(&pool),
        );
        b.output(
            logical_id(&a.name, "UserPoolClientId"),
            format!("App client of auth `{}`", a.name),
            reference(&client),
        );
    }
}

fn gateways(b: &mut Builder<'_>) {
    for g in &b.model.gateways {
        let api = logical_id(&g.name, "HttpApi");
        let mut props = json!({
            "Name": b.name(Kind::Gateway, &g.name),
            "ProtocolType": "HTTP",
            "Tags": { "updraft:app": b.model.app },
        });
        if let Some(cors) = &g.cors {
            let mut methods: Vec<String> = cors.methods.clone();
            if methods.is_empty() {
                for f in &b.model.functions {
                    for e in &f.events {
                        if let Trigger::Http {
                            gateway, method, ..
                        } = &e.trigger
                            && *gateway == g.name
                        {
                            methods.push(if method == "ANY" {
                                "*".into()
                            } else {
                                method.clone()
                            });
                        }
                    }
                }
                methods.sort();
                methods.dedup();
            }
            let mut config = json!({ "AllowOrigins": cors.origins, "AllowMethods": methods });
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
        let logs = logical_id(&g.name, "HttpApiLogs");
        b.add(
            logs.clone(),
            Resource::new(
                "AWS::Logs::LogGroup",
                json!({ "LogGroupName": format!("/aws/http-api/{}", b.name(Kind::Gateway, &g.name)), "RetentionInDays": b.model.access_log_days() }),
            ),
        );
        let mut stage = json!({
            "ApiId": reference(&api),
            "StageName": "$default",
            "AutoDeploy": true,
            "AccessLogSettings": {
                "DestinationArn": get_att(&logs, "Arn"),
                "Format": "{\"requestId\":\"$context.requestId\",\"ip\":\"$context.identity.sourceIp\",\"requestTime\":\"$context.requestTime\",\"routeKey\":\"$context.routeKey\",\"status\":\"$context.status\",\"responseLength\":\"$context.responseLength\",\"integrationError\":\"$context.integrationErrorMessage\"}",
            },
        });
        if let Some((rate, burst)) = g.throttle {
            stage["DefaultRouteSettings"] =
                json!({ "ThrottlingRateLimit": rate, "ThrottlingBurstLimit": burst });
        }
        let stage_id = logical_id(&g.name, "HttpApiStage");
        b.add(
            stage_id.clone(),
            Resource::new("AWS::ApiGatewayV2::Stage", stage),
        );
        // One JWT authorizer per auth that guards a route of this gateway.
        let used = b.model.route_auths(&g.name);
        for auth in used {
            let audience = match b.model.auth(auth) {
                Some(a) if a.kind == AuthKind::Jwt => json!(a.audience),
                _ => json!([reference(&logical_id(auth, "UserPoolClient"))]),
            };
            b.add(
                authorizer_id(&g.name, auth),
                Resource::new(
                    "AWS::ApiGatewayV2::Authorizer",
                    json!({
                        "ApiId": reference(&api),
                        "Name": auth,
                        "AuthorizerType": "JWT",
                        "IdentitySource": ["$request.header.Authorization"],
                        "JwtConfiguration": { "Issuer": b.issuer(auth), "Audience": audience },
                    }),
                ),
            );
        }
        if let Some((domain, certificate)) = &g.domain {
            let domain_id = logical_id(&g.name, "Domain");
            b.add(
                domain_id.clone(),
                Resource::new(
                    "AWS::ApiGatewayV2::DomainName",
                    json!({
                        "DomainName": domain,
                        "DomainNameConfigurations": [ { "CertificateArn": certificate, "EndpointType": "REGIONAL", "SecurityPolicy": "TLS_1_2" } ],
                    }),
                ),
            );
            b.add(
                logical_id(&g.name, "ApiMapping"),
                Resource::new(
                    "AWS::ApiGatewayV2::ApiMapping",
                    json!({ "ApiId": reference(&api), "DomainName": reference(&domain_id), "Stage": reference(&stage_id) }),
                ),
            );
        }
        b.output(
            logical_id(&g.name, "Url"),
            format!("Base URL of gateway `{}`", g.name),
            super::template::sub(format!(
                "https://${{{api}}}.execute-api.${{AWS::Region}}.${{AWS::URLSuffix}}"
            )),
        );
    }
}

pub(super) fn authorizer_id(gateway: &str, auth: &str) -> String {
    logical_id(gateway, "") + &logical_id(auth, "Authorizer")
}

fn alarms(b: &mut Builder<'_>) {
    for a in &b.model.alarms {
        let (namespace, metric, statistic, dimension) = crate::targets::aws::alarm_metric(a.metric);
        // The dimension is the physical name, so the alarm depends on nothing; it travels
        // with the function it watches.
        let value = json!(b.name(a.target.kind, &a.target.name));
        b.owner = match a.target.kind {
            Kind::Function => Owner::Function(a.target.name.clone()),
            _ => Owner::Base,
        };
        let mut props = json!({
            "AlarmName": format!("{}-{}", crate::targets::aws::prefix(b.model), a.name),
            "AlarmDescription": format!("{} of {} `{}` at or above {}", metric, a.target.kind.noun(), a.target.name, a.threshold),
            "Namespace": namespace,
            "MetricName": metric,
            "Dimensions": [ { "Name": dimension, "Value": value } ],
            "Statistic": statistic,
            "Period": a.period,
            "EvaluationPeriods": a.evaluation_periods,
            "Threshold": a.threshold,
            "ComparisonOperator": "GreaterThanOrEqualToThreshold",
            "TreatMissingData": "notBreaching",
        });
        let mut depends = Vec::new();
        if let Some(topic) = &a.notify {
            props["AlarmActions"] = json!([b.arn_of(Kind::Topic, topic)]);
            depends.push(logical_id(topic, "Topic"));
        }
        b.add(
            logical_id(&a.name, "Alarm"),
            Resource::new("AWS::CloudWatch::Alarm", props).depends_on(depends),
        );
    }
}
