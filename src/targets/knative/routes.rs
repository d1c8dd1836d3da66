//! A gateway's routes as one Gateway API `HTTPRoute` (paths and methods to the functions'
//! Services), so the app has one entry point. Only what the route can serve as the spec says:
//! a gateway with CORS or throttling gets no HTTPRoute (Knative and core Gateway API enforce
//! neither; `serving` warns and keeps its functions cluster-local), and a route with auth is
//! left out (nothing would check the token).

use std::collections::{BTreeMap, BTreeSet};

use serde_json::{Value, json};

use super::Builder;
use crate::model::{Function, Gateway, Trigger};

/// The Gateway API of HTTPRoutes.
pub const GATEWAY_API: &str = "gateway.networking.k8s.io/v1";
/// The most rules an HTTPRoute holds.
const MAX_RULES: usize = 16;
/// The most matches a rule holds.
const MAX_MATCHES: usize = 64;

pub(super) fn lower(b: &mut Builder<'_>) {
    // The functions routed through each gateway, in function order, from one pass (a scan of
    // every function per gateway would be quadratic in the app's size).
    let mut routed: BTreeMap<&str, Vec<&Function>> = BTreeMap::new();
    for f in &b.model.functions {
        let mut seen = BTreeSet::new();
        for e in &f.events {
            if let Trigger::Http { gateway, .. } = &e.trigger
                && seen.insert(gateway.as_str())
            {
                routed.entry(gateway.as_str()).or_default().push(f);
            }
        }
    }
    for g in &b.model.gateways {
        if g.cors.is_some() || g.throttle.is_some() {
            continue;
        }
        let mut rules = Vec::new();
        let enforced = b.mesh.is_some();
        for &f in routed.get(g.name.as_str()).into_iter().flatten() {
            let matches = matches(g, f, enforced);
            for chunk in matches.chunks(MAX_MATCHES) {
                rules.push(rule(b, f, chunk));
            }
        }
        for (i, chunk) in rules.chunks(MAX_RULES).enumerate() {
            let base = if i == 0 {
                format!("{}-{}", b.model.app, g.name)
            } else {
                format!("{}-{}-{}", b.model.app, g.name, i + 1)
            };
            let name = b.unique_name("HTTPRoute", &base);
            let mut metadata = b.metadata(&name, &b.model.app);
            metadata["annotations"] = json!({
                "kubernetes.io/description": if b.mesh.is_some() {
                    format!("the routes of gateway `{}`; Istio checks their auth", g.name)
                } else {
                    format!("the routes of gateway `{}` without auth", g.name)
                },
            });
            let mut spec = json!({ "parentRefs": [ { "name": g.name } ] });
            if let Some((domain, _)) = &g.domain {
                spec["hostnames"] = json!([domain]);
            }
            spec["rules"] = Value::Array(chunk.to_vec());
            b.routes.push(json!({
                "apiVersion": GATEWAY_API,
                "kind": "HTTPRoute",
                "metadata": metadata,
                "spec": spec,
            }));
        }
    }
}

/// The function's routes on `g` as HTTPRoute matches: those without auth, and those with
/// auth when a mesh enforces it.
fn matches(g: &Gateway, f: &Function, enforced: bool) -> Vec<Value> {
    let mut out = Vec::new();
    for e in &f.events {
        let Trigger::Http {
            gateway,
            method,
            path,
            auth,
        } = &e.trigger
        else {
            continue;
        };
        if *gateway != g.name || (auth.is_some() && !enforced) {
            continue;
        }
        let (kind, value) = path_match(path);
        let mut m = json!({ "path": { "type": kind, "value": value } });
        if *method != crate::model::Method::Any {
            m["method"] = json!(method.as_str());
        }
        out.push(m);
    }
    out
}

fn rule(b: &Builder<'_>, f: &Function, matches: &[Value]) -> Value {
    json!({
        "matches": matches,
        // Knative routes by host name: the Service's cluster-local name.
        "filters": [ { "type": "URLRewrite", "urlRewrite": {
            "hostname": format!("{}.{}.svc.cluster.local", f.name, b.namespace),
        } } ],
        "backendRefs": [ { "name": f.name, "port": 80 } ],
    })
}

/// An API Gateway path as a Gateway API path match: `Exact` without parameters, `PathPrefix`
/// for a trailing greedy `{name+}`, a `RegularExpression` otherwise (one segment per `{name}`).
fn path_match(path: &str) -> (&'static str, String) {
    if !path.contains('{') {
        return ("Exact", path.to_string());
    }
    if let Some(start) = path.rfind('{')
        && path.ends_with("+}")
        && !path[..start].contains('{')
    {
        return ("PathPrefix", path[..start].to_string());
    }
    let mut re = String::from("^");
    for (i, segment) in path.split('/').enumerate() {
        if i > 0 {
            re.push('/');
        }
        if segment.starts_with('{') && segment.ends_with("+}") {
            re.push_str(".+");
        } else if segment.starts_with('{') && segment.ends_with('}') {
            re.push_str("[^/]+");
        } else {
            for c in segment.chars() {
                if "\\.+*?()|[]{}^$".contains(c) {
                    re.push('\\');
                }
                re.push(c);
            }
        }
    }
    re.push('$');
    ("RegularExpression", re)
}

#[cfg(test)]
mod tests {
    use super::path_match;

    #[test]
    fn paths_become_matches() {
        assert_eq!(path_match("/items"), ("Exact", "/items".into()));
        assert_eq!(path_match("/{proxy+}"), ("PathPrefix", "/".into()));
        assert_eq!(path_match("/api/{proxy+}"), ("PathPrefix", "/api/".into()));
        assert_eq!(
            path_match("/items/{id}/v1.2"),
            ("RegularExpression", "^/items/[^/]+/v1\\.2$".into())
        );
    }
}
