//! `--mesh istio`: JWT auth on routes enforced by Istio at the function's pods. Per function
//! with a route that has auth, a `RequestAuthentication` (the auth's issuer and audiences;
//! Istio fetches the keys from the issuer's OIDC discovery) rejects invalid tokens, and an
//! `AuthorizationPolicy` with action `DENY` refuses the function's authenticated routes to a
//! request without a valid token. Other traffic to the pod (its open routes, Trigger
//! deliveries) is not touched.

use std::collections::BTreeMap;

use serde_json::json;

use super::Builder;
use crate::model::{AuthKind, Trigger};

/// Istio's security API.
pub const ISTIO_SECURITY_API: &str = "security.istio.io/v1";

/// The service mesh that enforces what Knative Serving does not.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Mesh {
    Istio,
}

pub(super) fn lower(b: &mut Builder<'_>) {
    let mut objects = Vec::new();
    for f in &b.model.functions {
        // Auth → the function's (method, path) routes that require it.
        let mut guarded: BTreeMap<&str, Vec<(crate::model::Method, &str)>> = BTreeMap::new();
        for e in &f.events {
            if let Trigger::Http {
                method,
                path,
                auth: Some(auth),
                ..
            } = &e.trigger
            {
                guarded.entry(auth).or_default().push((*method, path));
            }
        }
        if guarded.is_empty() {
            continue;
        }
        let selector = json!({ "matchLabels": { "app.kubernetes.io/name": f.name } });
        let mut jwt_rules = Vec::new();
        let mut rules = Vec::new();
        for (auth, routes) in &guarded {
            let Some(a) = b.model.auth(auth).filter(|a| a.kind == AuthKind::Jwt) else {
                continue; // Cognito is reported by `support`
            };
            let issuer = a.issuer.clone().unwrap_or_default();
            let mut rule = json!({ "issuer": issuer });
            if !a.audience.is_empty() {
                rule["audiences"] = json!(a.audience);
            }
            jwt_rules.push(rule);
            for (method, path) in routes {
                let mut operation = json!({ "paths": [istio_path(path)] });
                if *method != crate::model::Method::Any {
                    operation["methods"] = json!([method.as_str()]);
                }
                rules.push(json!({
                    "from": [ { "source": { "notRequestPrincipals": [format!("{issuer}/*")] } } ],
                    "to": [ { "operation": operation } ],
                }));
            }
        }
        if jwt_rules.is_empty() {
            continue;
        }
        let mut metadata = b.metadata(&f.name, &f.name);
        metadata["annotations"] = json!({
            "kubernetes.io/description": format!("tokens accepted by the routes of function `{}`", f.name),
        });
        objects.push(json!({
            "apiVersion": ISTIO_SECURITY_API,
            "kind": "RequestAuthentication",
            "metadata": metadata,
            "spec": { "selector": selector, "jwtRules": jwt_rules },
        }));
        let name = b.unique_name("AuthorizationPolicy", &format!("{}-require-jwt", f.name));
        let mut metadata = b.metadata(&name, &f.name);
        metadata["annotations"] = json!({
            "kubernetes.io/description": format!("refuses the authenticated routes of function `{}` without a valid token", f.name),
        });
        objects.push(json!({
            "apiVersion": ISTIO_SECURITY_API,
            "kind": "AuthorizationPolicy",
            "metadata": metadata,
            "spec": { "selector": selector, "action": "DENY", "rules": rules },
        }));
    }
    b.mesh_objects = objects;
}

/// An API Gateway path as an Istio path: `{param}` as `{*}` (one segment), a greedy
/// `{param+}` as `{**}`.
fn istio_path(path: &str) -> String {
    path.split('/')
        .map(|s| {
            if s.starts_with('{') && s.ends_with("+}") {
                "{**}".to_string()
            } else if s.starts_with('{') && s.ends_with('}') {
                "{*}".to_string()
            } else {
                s.to_string()
            }
        })
        .collect::<Vec<_>>()
        .join("/")
}

#[cfg(test)]
mod tests {
    #[test]
    fn paths_become_istio_templates() {
        assert_eq!(super::istio_path("/items/{id}"), "/items/{*}");
        assert_eq!(super::istio_path("/{proxy+}"), "/{**}");
        assert_eq!(super::istio_path("/items"), "/items");
    }
}
