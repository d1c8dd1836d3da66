//! Stateful and shared resources: tables, queues, topics, buckets (each S3 setting its own
//! resource, as provider 5 requires), user pools, HTTP APIs, alarms, and the outputs that
//! name them.

use super::{Builder, tags};
use crate::emit::hcl::{Body, Expr, Part};
use crate::model::{AuthKind, Billing, Cors, Key, KeyType, Kind, Projection, StreamView, Trigger};
use crate::targets::aws;

pub(super) fn lower(b: &mut Builder<'_>) {
    tables(b);
    queues(b);
    topics(b);
    buckets(b);
    auths(b);
    gateways(b);
}

/// `lifecycle { prevent_destroy = true }`: what holds data is never destroyed by Terraform
/// (CloudFormation's `DeletionPolicy: Retain` does the same there).
fn keep(body: &mut Body) {
    body.nested("lifecycle", |l| {
        l.attr("prevent_destroy", true);
    });
}

fn key_type(t: KeyType) -> &'static str {
    match t {
        KeyType::String => "S",
        KeyType::Number => "N",
        KeyType::Binary => "B",
    }
}

fn tables(b: &mut Builder<'_>) {
    let model = b.model;
    for t in &model.tables {
        let label = b.label(Kind::Table, &t.name);
        b.section(format!("Table `{}`.", t.name));
        let mut attributes = std::collections::BTreeMap::new();
        let keys: Vec<&Key> = std::iter::once(&t.partition_key)
            .chain(&t.sort_key)
            .chain(
                t.indexes
                    .iter()
                    .flat_map(|i| std::iter::once(&i.partition_key).chain(&i.sort_key)),
            )
            .collect();
        for k in keys {
            attributes.insert(k.name.clone(), key_type(k.kind));
        }
        let mut body = Body::new();
        body.attr("name", b.name(Kind::Table, &t.name))
            .attr(
                "billing_mode",
                match t.billing {
                    Billing::OnDemand => "PAY_PER_REQUEST",
                    Billing::Provisioned => "PROVISIONED",
                },
            )
            .attr("hash_key", t.partition_key.name.clone())
            .attr_opt("range_key", t.sort_key.as_ref().map(|k| k.name.clone()));
        if let Some((read, write)) = t.capacity {
            body.attr("read_capacity", read)
                .attr("write_capacity", write);
        }
        if let Some(view) = t.stream {
            body.attr("stream_enabled", true).attr(
                "stream_view_type",
                match view {
                    StreamView::NewImage => "NEW_IMAGE",
                    StreamView::OldImage => "OLD_IMAGE",
                    StreamView::NewAndOldImages => "NEW_AND_OLD_IMAGES",
                    StreamView::KeysOnly => "KEYS_ONLY",
                },
            );
        }
        body.attr("tags", tags());
        for (name, ty) in &attributes {
            body.nested("attribute", |a| {
                a.attr("name", name.clone()).attr("type", *ty);
            });
        }
        for i in &t.indexes {
            body.nested("global_secondary_index", |g| {
                g.attr("name", i.name.clone())
                    .attr("hash_key", i.partition_key.name.clone())
                    .attr_opt("range_key", i.sort_key.as_ref().map(|k| k.name.clone()))
                    .attr(
                        "projection_type",
                        match i.projection {
                            Projection::All => "ALL",
                            Projection::KeysOnly => "KEYS_ONLY",
                        },
                    );
                if let Some((read, write)) = t.capacity {
                    g.attr("read_capacity", read).attr("write_capacity", write);
                }
            });
        }
        if let Some(ttl) = &t.ttl {
            body.nested("ttl", |l| {
                l.attr("attribute_name", ttl.clone()).attr("enabled", true);
            });
        }
        body.nested("point_in_time_recovery", |p| {
            p.attr("enabled", t.point_in_time_recovery.value);
        });
        body.nested("server_side_encryption", |s| {
            s.attr("enabled", true);
        });
        keep(&mut body);
        b.add("aws_dynamodb_table", &label, body);
        b.output(
            &format!("{label}_table_name"),
            format!("Name of table `{}`", t.name),
            b.of(Kind::Table, &t.name, "name"),
        );
    }
}

fn queues(b: &mut Builder<'_>) {
    let model = b.model;
    for q in &model.queues {
        let label = b.label(Kind::Queue, &q.name);
        b.section(format!("Queue `{}`.", q.name));
        let mut body = Body::new();
        body.attr("name", b.name(Kind::Queue, &q.name));
        if q.fifo {
            body.attr("fifo_queue", true);
        }
        body.attr("visibility_timeout_seconds", q.visibility_timeout.value)
            .attr("message_retention_seconds", q.retention);
        if q.delay > 0 {
            body.attr("delay_seconds", q.delay);
        }
        body.attr("sqs_managed_sse_enabled", true);
        if let Some(dl) = &q.dead_letter {
            body.attr(
                "redrive_policy",
                Expr::jsonencode(Expr::object([
                    ("deadLetterTargetArn", b.of(Kind::Queue, &dl.queue, "arn")),
                    ("maxReceiveCount", Expr::from(dl.max_receives)),
                ])),
            );
        }
        body.attr("tags", tags());
        b.add("aws_sqs_queue", &label, body);
        b.output(
            &format!("{label}_queue_url"),
            format!("URL of queue `{}`", q.name),
            b.of(Kind::Queue, &q.name, "url"),
        );
    }
}

fn topics(b: &mut Builder<'_>) {
    let model = b.model;
    for t in &model.topics {
        let label = b.label(Kind::Topic, &t.name);
        b.section(format!("Topic `{}`.", t.name));
        let mut body = Body::new();
        body.attr("name", b.name(Kind::Topic, &t.name));
        if t.fifo {
            body.attr("fifo_topic", true);
        }
        body.attr_opt("display_name", t.display_name.clone())
            .attr("tags", tags());
        b.add("aws_sns_topic", &label, body);
        b.output(
            &format!("{label}_topic_arn"),
            format!("ARN of topic `{}`", t.name),
            b.of(Kind::Topic, &t.name, "arn"),
        );
    }
}

/// S3 CORS rules, as the CloudFormation backend writes them: S3 has no `*`, `OPTIONS` or
/// `PATCH` method.
fn cors_rule(body: &mut Body, cors: &Cors) {
    let methods: Vec<String> = if cors.methods.is_empty() {
        vec!["GET".to_string()]
    } else {
        cors.methods
            .iter()
            .filter(|m| *m != "*" && *m != "OPTIONS" && *m != "PATCH")
            .cloned()
            .collect()
    };
    body.nested("cors_rule", |r| {
        if !cors.headers.is_empty() {
            r.attr("allowed_headers", Expr::strings(&cors.headers));
        }
        r.attr("allowed_methods", Expr::strings(&methods))
            .attr("allowed_origins", Expr::strings(&cors.origins))
            .attr_opt("max_age_seconds", cors.max_age);
    });
}

#[allow(clippy::too_many_lines)]
fn buckets(b: &mut Builder<'_>) {
    let model = b.model;
    for bucket in &model.buckets {
        let label = b.label(Kind::Bucket, &bucket.name);
        let public = bucket.public.value;
        b.section(format!(
            "Bucket `{}`: encrypted, owner-enforced, {}, HTTPS only.",
            bucket.name,
            if public {
                "objects readable by anyone (`public: true`)"
            } else {
                "never public"
            }
        ));
        let id = || Expr::path(&["aws_s3_bucket", &label, "id"]);
        let mut body = Body::new();
        body.attr(
            "bucket",
            Builder::arn(aws::name_parts(
                b.model,
                &crate::model::Ref::new(Kind::Bucket, &bucket.name),
            )),
        )
        .attr("tags", tags());
        keep(&mut body);
        b.add("aws_s3_bucket", &label, body);

        let mut body = Body::new();
        body.attr("bucket", id());
        body.nested("versioning_configuration", |v| {
            v.attr(
                "status",
                if bucket.versioning {
                    "Enabled"
                } else {
                    "Suspended"
                },
            );
        });
        b.resource("aws_s3_bucket_versioning", &label, body);

        let mut body = Body::new();
        body.attr("bucket", id());
        body.nested("rule", |r| {
            r.nested("apply_server_side_encryption_by_default", |d| {
                d.attr("sse_algorithm", "AES256");
            });
        });
        b.resource(
            "aws_s3_bucket_server_side_encryption_configuration",
            &label,
            body,
        );

        let mut body = Body::new();
        body.attr("bucket", id())
            .attr("block_public_acls", true)
            .attr("ignore_public_acls", true)
            .attr("block_public_policy", !public)
            .attr("restrict_public_buckets", !public);
        let access_block = b.resource("aws_s3_bucket_public_access_block", &label, body);

        let mut body = Body::new();
        body.attr("bucket", id());
        body.nested("rule", |r| {
            r.attr("object_ownership", "BucketOwnerEnforced");
        });
        b.resource("aws_s3_bucket_ownership_controls", &label, body);

        if !bucket.lifecycle.is_empty() {
            let mut body = Body::new();
            body.attr("bucket", id());
            for (i, (prefix, days)) in bucket.lifecycle.iter().enumerate() {
                body.nested("rule", |r| {
                    r.attr("id", format!("expire-{}", i + 1))
                        .attr("status", "Enabled");
                    r.nested("filter", |f| {
                        f.attr_opt("prefix", prefix.clone());
                    });
                    r.nested("expiration", |e| {
                        e.attr("days", *days);
                    });
                });
            }
            b.resource("aws_s3_bucket_lifecycle_configuration", &label, body);
        }

        if let Some(cors) = &bucket.cors {
            let mut body = Body::new();
            body.attr("bucket", id());
            cors_rule(&mut body, cors);
            b.resource("aws_s3_bucket_cors_configuration", &label, body);
        }

        // Every bucket refuses plain HTTP; a public one also lets anyone read objects.
        let arn = Expr::path(&["aws_s3_bucket", &label, "arn"]);
        let objects = Expr::Template(vec![Part::Interp(arn.clone()), Part::Lit("/*".into())]);
        let mut statements = vec![Expr::object([
            ("Sid", Expr::from("DenyInsecureTransport")),
            ("Effect", Expr::from("Deny")),
            ("Principal", Expr::from("*")),
            ("Action", Expr::from("s3:*")),
            ("Resource", Expr::list([arn, objects.clone()])),
            (
                "Condition",
                Expr::object([(
                    "Bool",
                    Expr::object([("aws:SecureTransport", Expr::from("false"))]),
                )]),
            ),
        ])];
        if public {
            statements.push(Expr::object([
                ("Sid", Expr::from("PublicRead")),
                ("Effect", Expr::from("Allow")),
                ("Principal", Expr::from("*")),
                ("Action", Expr::from("s3:GetObject")),
                ("Resource", objects),
            ]));
        }
        let mut body = Body::new();
        body.attr("bucket", id()).attr(
            "policy",
            Expr::jsonencode(Expr::object([
                ("Version", Expr::from("2012-10-17")),
                ("Statement", Expr::List(statements)),
            ])),
        );
        // S3 refuses a public policy until the access block allows it.
        body.attr(
            "depends_on",
            Expr::list([Expr::path(&[
                "aws_s3_bucket_public_access_block",
                &access_block,
            ])]),
        );
        b.resource("aws_s3_bucket_policy", &label, body);
        b.output(
            &format!("{label}_bucket_name"),
            format!("Name of bucket `{}`", bucket.name),
            b.of(Kind::Bucket, &bucket.name, "bucket"),
        );
    }
}

fn auths(b: &mut Builder<'_>) {
    let model = b.model;
    for a in model.auths.iter().filter(|a| a.kind == AuthKind::Cognito) {
        let label = b.label(Kind::Auth, &a.name);
        let physical = b.name(Kind::Auth, &a.name);
        b.section(format!(
            "Auth `{}`: a Cognito user pool and its app client.",
            a.name
        ));
        let mut body = Body::new();
        body.attr("name", physical.clone())
            .attr("username_attributes", Expr::strings(["email"]))
            .attr("auto_verified_attributes", Expr::strings(["email"]))
            .attr("tags", tags());
        body.nested("password_policy", |p| {
            p.attr("minimum_length", 12u32)
                .attr("require_lowercase", true)
                .attr("require_uppercase", true)
                .attr("require_numbers", true)
                .attr("require_symbols", false);
        });
        keep(&mut body);
        b.add("aws_cognito_user_pool", &label, body);

        let client = b.client(&a.name);
        let client_label = b.client_label(&a.name);
        let mut body = Body::new();
        body.attr("name", physical.clone())
            .attr("user_pool_id", b.of(Kind::Auth, &a.name, "id"))
            .attr("generate_secret", false)
            .attr(
                "explicit_auth_flows",
                Expr::strings(["ALLOW_USER_SRP_AUTH", "ALLOW_REFRESH_TOKEN_AUTH"]),
            )
            .attr("prevent_user_existence_errors", "ENABLED");
        b.add("aws_cognito_user_pool_client", &client_label, body);
        b.output(
            &format!("{label}_user_pool_id"),
            format!("User pool of auth `{}`", a.name),
            b.of(Kind::Auth, &a.name, "id"),
        );
        b.output(
            &format!("{label}_user_pool_client_id"),
            format!("App client of auth `{}`", a.name),
            client,
        );
    }
}

/// The methods a gateway's CORS allows: the spec's, else those of its routes.
fn cors_methods(b: &Builder<'_>, gateway: &str, cors: &Cors) -> Vec<String> {
    if !cors.methods.is_empty() {
        return cors.methods.clone();
    }
    let mut methods: Vec<String> = b
        .model
        .functions
        .iter()
        .flat_map(|f| &f.events)
        .filter_map(|e| match &e.trigger {
            Trigger::Http {
                gateway: g, method, ..
            } if g == gateway => Some(if method == "ANY" {
                "*".to_string()
            } else {
                method.clone()
            }),
            _ => None,
        })
        .collect();
    methods.sort();
    methods.dedup();
    methods
}

#[allow(clippy::too_many_lines)]
fn gateways(b: &mut Builder<'_>) {
    let model = b.model;
    for g in &model.gateways {
        let label = b.label(Kind::Gateway, &g.name);
        let physical = b.name(Kind::Gateway, &g.name);
        let guarded = model.functions.iter().flat_map(|f| &f.events).any(|e| {
            matches!(&e.trigger, Trigger::Http { gateway, auth: Some(_), .. } if *gateway == g.name)
        });
        b.section(format!(
            "Gateway `{}`: an HTTP API with its access-logged stage{}.",
            g.name,
            if guarded { " and JWT authorizers" } else { "" }
        ));
        let api = |attribute: &str| Expr::path(&["aws_apigatewayv2_api", &label, attribute]);
        let mut body = Body::new();
        body.attr("name", physical.clone())
            .attr("protocol_type", "HTTP")
            .attr("tags", tags());
        if let Some(cors) = &g.cors {
            let methods = cors_methods(b, &g.name, cors);
            body.nested("cors_configuration", |c| {
                c.attr("allow_origins", Expr::strings(&cors.origins))
                    .attr("allow_methods", Expr::strings(&methods));
                if !cors.headers.is_empty() {
                    c.attr("allow_headers", Expr::strings(&cors.headers));
                }
                c.attr_opt("max_age", cors.max_age);
                if cors.credentials {
                    c.attr("allow_credentials", true);
                }
            });
        }
        b.add("aws_apigatewayv2_api", &label, body);

        let mut body = Body::new();
        body.attr("name", format!("/aws/http-api/{physical}"))
            .attr("retention_in_days", b.model.access_log_days())
            .attr("tags", tags());
        let logs = b.resource(
            "aws_cloudwatch_log_group",
            &format!("{label}_access_logs"),
            body,
        );

        let mut body = Body::new();
        body.attr("api_id", api("id"))
            .attr("name", "$default")
            .attr("auto_deploy", true)
            .attr("tags", tags());
        body.nested("access_log_settings", |a| {
            a.attr(
                "destination_arn",
                Expr::path(&["aws_cloudwatch_log_group", &logs, "arn"]),
            )
            .attr(
                "format",
                Expr::jsonencode(Expr::object(
                    [
                        ("requestId", "$context.requestId"),
                        ("ip", "$context.identity.sourceIp"),
                        ("requestTime", "$context.requestTime"),
                        ("routeKey", "$context.routeKey"),
                        ("status", "$context.status"),
                        ("responseLength", "$context.responseLength"),
                        ("integrationError", "$context.integrationErrorMessage"),
                    ]
                    .map(|(k, v)| (k, Expr::from(v))),
                )),
            );
        });
        if let Some((rate, burst)) = g.throttle {
            body.nested("default_route_settings", |d| {
                d.attr("throttling_rate_limit", rate)
                    .attr("throttling_burst_limit", burst);
            });
        }
        let stage = b.resource("aws_apigatewayv2_stage", &label, body);

        // One JWT authorizer per auth that guards a route of this gateway.
        let used = model.route_auths(&g.name);
        for auth in used {
            let audience = match model.auth(auth) {
                Some(a) if a.kind == AuthKind::Jwt => Expr::strings(&a.audience),
                _ => Expr::list([b.client(auth)]),
            };
            let issuer = b.issuer(auth);
            let mut body = Body::new();
            body.attr("api_id", api("id"))
                .attr("name", Expr::string(auth))
                .attr("authorizer_type", "JWT")
                .attr(
                    "identity_sources",
                    Expr::strings(["$request.header.Authorization"]),
                );
            body.nested("jwt_configuration", |j| {
                j.attr("issuer", issuer).attr("audience", audience);
            });
            let authorizer = b.resource(
                "aws_apigatewayv2_authorizer",
                &format!("{label}_{auth}"),
                body,
            );
            b.authorizers
                .insert((g.name.clone(), auth.to_string()), authorizer);
        }

        if let Some((domain, certificate)) = &g.domain {
            let mut body = Body::new();
            body.attr("domain_name", domain.clone())
                .attr("tags", tags());
            body.nested("domain_name_configuration", |c| {
                c.attr("certificate_arn", certificate.clone())
                    .attr("endpoint_type", "REGIONAL")
                    .attr("security_policy", "TLS_1_2");
            });
            let domain = b.resource("aws_apigatewayv2_domain_name", &label, body);
            let mut body = Body::new();
            body.attr("api_id", api("id"))
                .attr(
                    "domain_name",
                    Expr::path(&["aws_apigatewayv2_domain_name", &domain, "id"]),
                )
                .attr(
                    "stage",
                    Expr::path(&["aws_apigatewayv2_stage", &stage, "id"]),
                );
            b.resource("aws_apigatewayv2_api_mapping", &label, body);
        }
        b.output(
            &format!("{label}_url"),
            format!("Base URL of gateway `{}`", g.name),
            api("api_endpoint"),
        );
    }
}

pub(super) fn alarms(b: &mut Builder<'_>) {
    let model = b.model;
    if !model.alarms.is_empty() {
        b.section("Alarms.".to_string());
    }
    for a in &model.alarms {
        let (namespace, metric, statistic, dimension) = crate::targets::aws::alarm_metric(a.metric);
        let value = match a.target.kind {
            Kind::Queue => b.of(Kind::Queue, &a.target.name, "name"),
            _ => b.of(Kind::Function, &a.target.name, "function_name"),
        };
        let mut body = Body::new();
        body.attr(
            "alarm_name",
            format!("{}-{}", crate::targets::aws::prefix(model), a.name),
        )
        .attr(
            "alarm_description",
            format!(
                "{} of {} `{}` at or above {}",
                metric,
                a.target.kind.noun(),
                a.target.name,
                a.threshold
            ),
        )
        .attr("namespace", namespace)
        .attr("metric_name", metric)
        .attr("dimensions", Expr::object([(dimension, value)]))
        .attr("statistic", statistic)
        .attr("period", a.period)
        .attr("evaluation_periods", a.evaluation_periods)
        .attr("threshold", a.threshold)
        .attr("comparison_operator", "GreaterThanOrEqualToThreshold")
        .attr("treat_missing_data", "notBreaching");
        if let Some(topic) = &a.notify {
            body.attr(
                "alarm_actions",
                Expr::list([b.of(Kind::Topic, topic, "arn")]),
            );
        }
        body.attr("tags", tags());
        b.resource("aws_cloudwatch_metric_alarm", &a.name, body);
    }
}
