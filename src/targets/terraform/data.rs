//! Stateful and shared resources: tables, queues, topics, buckets (each S3 setting its own
//! resource, as provider 5 requires), user pools, HTTP APIs, alarms, and the outputs that
//! name them.

use super::{Builder, tags};
use crate::emit::hcl::{Body, Expr, Part};
use crate::model::Kind;
use crate::targets::aws;
use crate::targets::plan::{
    self, AlarmPlan, Audience, BucketCors, BucketPlan, HttpApi, QueuePlan, TablePlan, TopicPlan,
    UserPool,
};

pub(super) fn lower(b: &mut Builder<'_>) {
    let plan = b.plan;
    plan.tables.iter().for_each(|t| table(b, t));
    plan.queues.iter().for_each(|q| queue(b, q));
    plan.topics.iter().for_each(|t| topic(b, t));
    plan.buckets
        .iter()
        .for_each(|bucket| storage_bucket(b, bucket));
    plan.user_pools.iter().for_each(|p| user_pool(b, p));
    plan.apis.iter().for_each(|g| api(b, g));
}

/// `lifecycle { prevent_destroy = true }`: what holds data is never destroyed by Terraform
/// (CloudFormation's `DeletionPolicy: Retain` does the same there).
fn keep(body: &mut Body) {
    body.nested("lifecycle", |l| {
        l.attr("prevent_destroy", true);
    });
}

fn table(b: &mut Builder<'_>, t: &TablePlan<'_>) {
    let label = b.label(Kind::Table, t.name);
    b.section(format!("Table `{}`.", t.name));
    let mut body = Body::new();
    body.attr("name", t.physical.clone())
        .attr("billing_mode", t.billing_mode)
        .attr("hash_key", t.hash_key.to_string())
        .attr_opt("range_key", t.range_key.map(str::to_string));
    if let Some((read, write)) = t.capacity {
        body.attr("read_capacity", read)
            .attr("write_capacity", write);
    }
    if let Some(view) = t.stream_view {
        body.attr("stream_enabled", true)
            .attr("stream_view_type", view);
    }
    body.attr("tags", tags());
    for (name, ty) in &t.attributes {
        body.nested("attribute", |a| {
            a.attr("name", name.clone()).attr("type", *ty);
        });
    }
    for i in &t.indexes {
        body.nested("global_secondary_index", |g| {
            g.attr("name", i.name.to_string())
                .attr("hash_key", i.hash_key.to_string())
                .attr_opt("range_key", i.range_key.map(str::to_string))
                .attr("projection_type", i.projection);
            if let Some((read, write)) = t.capacity {
                g.attr("read_capacity", read).attr("write_capacity", write);
            }
        });
    }
    if let Some(ttl) = t.ttl {
        body.nested("ttl", |l| {
            l.attr("attribute_name", ttl.to_string())
                .attr("enabled", true);
        });
    }
    body.nested("point_in_time_recovery", |p| {
        p.attr("enabled", t.point_in_time_recovery);
    });
    body.nested("server_side_encryption", |s| {
        s.attr("enabled", t.encrypted);
    });
    keep(&mut body);
    b.add("aws_dynamodb_table", &label, body);
    b.output(
        &format!("{label}_table_name"),
        t.output.clone(),
        b.of(Kind::Table, t.name, "name"),
    );
}

fn queue(b: &mut Builder<'_>, q: &QueuePlan<'_>) {
    let label = b.label(Kind::Queue, q.name);
    b.section(format!("Queue `{}`.", q.name));
    let mut body = Body::new();
    body.attr("name", q.physical.clone());
    if q.fifo {
        body.attr("fifo_queue", true);
    }
    body.attr("visibility_timeout_seconds", q.visibility_timeout)
        .attr("message_retention_seconds", q.retention)
        .attr_opt("delay_seconds", q.delay)
        .attr("sqs_managed_sse_enabled", q.encrypted);
    if let Some((dead_letter, max_receives)) = q.redrive {
        body.attr(
            "redrive_policy",
            Expr::jsonencode(aws::redrive_policy(
                &b.arns(),
                b.of(Kind::Queue, dead_letter, "arn"),
                Some(max_receives),
            )),
        );
    }
    body.attr("tags", tags());
    b.add("aws_sqs_queue", &label, body);
    b.output(
        &format!("{label}_queue_url"),
        q.output.clone(),
        b.of(Kind::Queue, q.name, "url"),
    );
}

fn topic(b: &mut Builder<'_>, t: &TopicPlan<'_>) {
    let label = b.label(Kind::Topic, t.name);
    b.section(format!("Topic `{}`.", t.name));
    let mut body = Body::new();
    body.attr("name", t.physical.clone());
    if t.fifo {
        body.attr("fifo_topic", true);
    }
    body.attr_opt("display_name", t.display_name.map(str::to_string))
        .attr("tags", tags());
    b.add("aws_sns_topic", &label, body);
    b.output(
        &format!("{label}_topic_arn"),
        t.output.clone(),
        b.of(Kind::Topic, t.name, "arn"),
    );
}

fn cors_rule(body: &mut Body, cors: &BucketCors<'_>) {
    body.nested("cors_rule", |r| {
        if !cors.headers.is_empty() {
            r.attr("allowed_headers", Expr::strings(cors.headers));
        }
        r.attr("allowed_methods", Expr::strings(&cors.methods))
            .attr("allowed_origins", Expr::strings(cors.origins))
            .attr_opt("max_age_seconds", cors.max_age);
    });
}

fn storage_bucket(b: &mut Builder<'_>, bucket: &BucketPlan<'_>) {
    let label = b.label(Kind::Bucket, bucket.name);
    let public = bucket.public;
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
    body.attr("bucket", b.arn(bucket.physical.clone()))
        .attr("tags", tags());
    keep(&mut body);
    b.add("aws_s3_bucket", &label, body);

    let mut body = Body::new();
    body.attr("bucket", id());
    body.nested("versioning_configuration", |v| {
        v.attr("status", bucket.versioning);
    });
    b.resource("aws_s3_bucket_versioning", &label, body);

    let mut body = Body::new();
    body.attr("bucket", id());
    body.nested("rule", |r| {
        r.nested("apply_server_side_encryption_by_default", |d| {
            d.attr("sse_algorithm", bucket.sse_algorithm);
        });
    });
    b.resource(
        "aws_s3_bucket_server_side_encryption_configuration",
        &label,
        body,
    );

    let mut body = Body::new();
    body.attr("bucket", id())
        .attr("block_public_acls", bucket.access_block.0)
        .attr("ignore_public_acls", bucket.access_block.1)
        .attr("block_public_policy", bucket.access_block.2)
        .attr("restrict_public_buckets", bucket.access_block.3);
    let access_block = b.resource("aws_s3_bucket_public_access_block", &label, body);

    let mut body = Body::new();
    body.attr("bucket", id());
    body.nested("rule", |r| {
        r.attr("object_ownership", bucket.ownership);
    });
    b.resource("aws_s3_bucket_ownership_controls", &label, body);

    if !bucket.lifecycle.is_empty() {
        let mut body = Body::new();
        body.attr("bucket", id());
        for rule in &bucket.lifecycle {
            body.nested("rule", |r| {
                r.attr("id", rule.id.clone()).attr("status", rule.status);
                r.nested("filter", |f| {
                    f.attr_opt("prefix", rule.prefix.map(str::to_string));
                });
                r.nested("expiration", |e| {
                    e.attr("days", rule.days);
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
    let policy = aws::bucket_policy(&b.arns(), arn, &objects, public);
    let mut body = Body::new();
    body.attr("bucket", id())
        .attr("policy", Expr::jsonencode(policy));
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
        bucket.output.clone(),
        b.of(Kind::Bucket, bucket.name, "bucket"),
    );
}

fn user_pool(b: &mut Builder<'_>, p: &UserPool<'_>) {
    let label = b.label(Kind::Auth, p.name);
    b.section(format!(
        "Auth `{}`: a Cognito user pool and its app client.",
        p.name
    ));
    let mut body = Body::new();
    body.attr("name", p.physical.clone())
        .attr("username_attributes", Expr::strings(p.username_attributes))
        .attr(
            "auto_verified_attributes",
            Expr::strings(p.auto_verified_attributes),
        )
        .attr("tags", tags());
    let password = &p.password;
    body.nested("password_policy", |pp| {
        pp.attr("minimum_length", password.minimum_length)
            .attr("require_lowercase", password.require_lowercase)
            .attr("require_uppercase", password.require_uppercase)
            .attr("require_numbers", password.require_numbers)
            .attr("require_symbols", password.require_symbols);
    });
    keep(&mut body);
    b.add("aws_cognito_user_pool", &label, body);

    let client = b.client(p.name);
    let client_label = b.client_label(p.name);
    let mut body = Body::new();
    body.attr("name", p.physical.clone())
        .attr("user_pool_id", b.of(Kind::Auth, p.name, "id"))
        .attr("generate_secret", p.generate_secret)
        .attr("explicit_auth_flows", Expr::strings(p.auth_flows))
        .attr(
            "prevent_user_existence_errors",
            p.prevent_user_existence_errors,
        );
    b.add("aws_cognito_user_pool_client", &client_label, body);
    b.output(
        &format!("{label}_user_pool_id"),
        p.pool_output.clone(),
        b.of(Kind::Auth, p.name, "id"),
    );
    b.output(
        &format!("{label}_user_pool_client_id"),
        p.client_output.clone(),
        client,
    );
}

#[expect(clippy::too_many_lines)]
fn api(b: &mut Builder<'_>, g: &HttpApi<'_>) {
    let label = b.label(Kind::Gateway, g.name);
    b.section(format!(
        "Gateway `{}`: an HTTP API with its access-logged stage{}.",
        g.name,
        if g.guarded {
            " and JWT authorizers"
        } else {
            ""
        }
    ));
    let api = |attribute: &str| Expr::path(&["aws_apigatewayv2_api", &label, attribute]);
    let mut body = Body::new();
    body.attr("name", g.physical.clone())
        .attr("protocol_type", g.protocol)
        .attr("tags", tags());
    if let Some(cors) = &g.cors {
        body.nested("cors_configuration", |c| {
            c.attr("allow_origins", Expr::strings(cors.origins))
                .attr("allow_methods", Expr::strings(&cors.methods));
            if !cors.headers.is_empty() {
                c.attr("allow_headers", Expr::strings(cors.headers));
            }
            c.attr_opt("max_age", cors.max_age);
            if cors.credentials {
                c.attr("allow_credentials", true);
            }
        });
    }
    b.add("aws_apigatewayv2_api", &label, body);

    let mut body = Body::new();
    body.attr("name", g.access_log_group.clone())
        .attr("retention_in_days", g.access_log_days)
        .attr("tags", tags());
    let logs = b.resource(
        "aws_cloudwatch_log_group",
        &format!("{label}_access_logs"),
        body,
    );

    let mut body = Body::new();
    body.attr("api_id", api("id"))
        .attr("name", g.stage)
        .attr("auto_deploy", g.auto_deploy)
        .attr("tags", tags());
    body.nested("access_log_settings", |a| {
        a.attr(
            "destination_arn",
            Expr::path(&["aws_cloudwatch_log_group", &logs, "arn"]),
        )
        .attr(
            "format",
            Expr::jsonencode(Expr::object(
                plan::ACCESS_LOG_FIELDS
                    .iter()
                    .map(|(k, v)| (*k, Expr::from(*v))),
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

    for a in &g.authorizers {
        let audience = match &a.audience {
            Audience::List(list) => Expr::strings(*list),
            Audience::Client(auth) => Expr::list([b.client(auth)]),
        };
        let issuer = b.issuer(&a.issuer);
        let mut body = Body::new();
        body.attr("api_id", api("id"))
            .attr("name", Expr::string(a.auth))
            .attr("authorizer_type", a.kind)
            .attr("identity_sources", Expr::strings([a.identity_source]));
        body.nested("jwt_configuration", |j| {
            j.attr("issuer", issuer).attr("audience", audience);
        });
        let authorizer = b.resource(
            "aws_apigatewayv2_authorizer",
            &format!("{label}_{}", a.auth),
            body,
        );
        b.authorizers
            .insert((g.name.to_string(), a.auth.to_string()), authorizer);
    }

    if let Some(domain) = &g.domain {
        let mut body = Body::new();
        body.attr("domain_name", domain.name.to_string())
            .attr("tags", tags());
        body.nested("domain_name_configuration", |c| {
            c.attr("certificate_arn", domain.certificate.to_string())
                .attr("endpoint_type", domain.endpoint_type)
                .attr("security_policy", domain.security_policy);
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
        g.output.clone(),
        api("api_endpoint"),
    );
}

pub(super) fn alarms(b: &mut Builder<'_>) {
    let plan = b.plan;
    if !plan.alarms.is_empty() {
        b.section("Alarms.".to_string());
    }
    for a in &plan.alarms {
        alarm(b, a);
    }
}

fn alarm(b: &mut Builder<'_>, a: &AlarmPlan<'_>) {
    let value = match a.target.kind {
        Kind::Queue => b.of(Kind::Queue, &a.target.name, "name"),
        _ => b.of(Kind::Function, &a.target.name, "function_name"),
    };
    let mut body = Body::new();
    body.attr("alarm_name", a.alarm_name.clone())
        .attr("alarm_description", a.description.clone())
        .attr("namespace", a.namespace)
        .attr("metric_name", a.metric)
        .attr("dimensions", Expr::object([(a.dimension, value)]))
        .attr("statistic", a.statistic)
        .attr("period", a.period)
        .attr("evaluation_periods", a.evaluation_periods)
        .attr("threshold", a.threshold)
        .attr("comparison_operator", a.comparison)
        .attr("treat_missing_data", a.missing_data);
    if let Some(topic) = a.notify {
        body.attr(
            "alarm_actions",
            Expr::list([b.of(Kind::Topic, topic, "arn")]),
        );
    }
    body.attr("tags", tags());
    b.resource("aws_cloudwatch_metric_alarm", a.name, body);
}
