//! The traffic file of `updraft cost`: how much each part of the app is used in a month.
//! Read from the spanned YAML tree, so every mistake (an unknown key, a name the spec does
//! not declare, a negative number) is a diagnostic at its line.

use std::collections::BTreeMap;
use std::fmt::Write as _;

use crate::diag::{Code, Diagnostic, suggest};
use crate::model::{Model, Trigger};
use crate::source::SourceFile;
use crate::syntax::{self, Node, NodeKind};

/// Monthly use of one function.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct FunctionTraffic {
    /// Default: the requests of the routes it serves.
    pub invocations: Option<f64>,
    /// Average billed duration. Default: 100 ms.
    pub duration_ms: Option<f64>,
    /// Log volume written in a month.
    pub log_gb: Option<f64>,
}

#[derive(Clone, Debug, Default, PartialEq)]
pub struct TableTraffic {
    /// Read request units (one per read of up to 4 KB).
    pub reads: f64,
    /// Write request units (one per write of up to 1 KB).
    pub writes: f64,
    pub storage_gb: f64,
}

#[derive(Clone, Debug, Default, PartialEq)]
pub struct BucketTraffic {
    pub storage_gb: f64,
    pub puts: f64,
    pub gets: f64,
}

/// A month of traffic.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Traffic {
    pub free_tier: bool,
    pub functions: BTreeMap<String, FunctionTraffic>,
    /// gateway → (`METHOD /path` → requests).
    pub gateways: BTreeMap<String, BTreeMap<String, f64>>,
    pub tables: BTreeMap<String, TableTraffic>,
    /// Messages sent.
    pub queues: BTreeMap<String, f64>,
    /// Messages published.
    pub topics: BTreeMap<String, f64>,
    pub buckets: BTreeMap<String, BucketTraffic>,
}

impl Traffic {
    /// Requests of one route.
    #[must_use]
    pub fn route(&self, gateway: &str, method: &str, path: &str) -> Option<f64> {
        self.gateways
            .get(gateway)?
            .get(&format!("{method} {path}"))
            .copied()
    }

    /// Requests of every route of a gateway.
    #[must_use]
    pub fn gateway_requests(&self, gateway: &str) -> f64 {
        self.gateways.get(gateway).map_or(0.0, |r| r.values().sum())
    }
}

struct Reader<'a> {
    model: &'a Model,
    diagnostics: Vec<Diagnostic>,
}

const SECTIONS: &[&str] = &[
    "free_tier",
    "functions",
    "gateways",
    "tables",
    "queues",
    "topics",
    "buckets",
];

impl Reader<'_> {
    fn entries<'n>(&mut self, node: &'n Node, what: &str) -> &'n [(Node, Node)] {
        match &node.kind {
            NodeKind::Map(entries) => entries,
            NodeKind::Null => &[],
            other => {
                self.diagnostics.push(
                    Diagnostic::new(
                        Code::WrongType,
                        format!("{what} is a mapping, found {}", other.describe()),
                    )
                    .with_label(node.span, "expected a mapping"),
                );
                &[]
            }
        }
    }

    fn number(&mut self, node: &Node, what: &str) -> Option<f64> {
        let value = match node.kind {
            NodeKind::Int(i) => i as f64,
            NodeKind::Float(f) => f,
            _ => {
                self.diagnostics.push(
                    Diagnostic::new(
                        Code::WrongType,
                        format!("{what} is a number, found {}", node.kind.describe()),
                    )
                    .with_label(node.span, "expected a number"),
                );
                return None;
            }
        };
        if !value.is_finite() || value < 0.0 {
            self.diagnostics.push(
                Diagnostic::new(Code::OutOfRange, format!("{what} cannot be negative"))
                    .with_label(node.span, "a monthly amount is zero or more"),
            );
            return None;
        }
        Some(value)
    }

    /// A name of the spec's, or a located error naming the declared ones.
    fn name(&mut self, key: &Node, kind: &str, declared: &[&str]) -> Option<String> {
        let name = key.as_str()?.to_string();
        if declared.contains(&name.as_str()) {
            return Some(name);
        }
        let help = suggest(&name, declared.iter().copied()).map_or_else(
            || format!("the spec declares: {}", crate::spec::read::list(declared)),
            |s| format!("did you mean `{s}`?"),
        );
        self.diagnostics.push(
            Diagnostic::new(
                Code::UnknownResource,
                format!("the spec declares no {kind} `{name}`"),
            )
            .with_label(key.span, "not in the spec")
            .with_help(help),
        );
        None
    }

    fn unknown(&mut self, key: &Node, section: &str, keys: &[&str]) {
        let name = key.as_str().unwrap_or("?");
        let help = suggest(name, keys.iter().copied()).map_or_else(
            || format!("expected one of {}", crate::spec::read::list(keys)),
            |s| format!("did you mean `{s}`?"),
        );
        self.diagnostics.push(
            Diagnostic::new(
                Code::UnknownKey,
                format!("unknown key `{name}` in {section}"),
            )
            .with_label(key.span, "not a key here")
            .with_help(help),
        );
    }

    /// A mapping of numeric fields: `{ reads: 1000, writes: 10 }`.
    fn fields(&mut self, node: &Node, section: &str, keys: &[&str]) -> BTreeMap<String, f64> {
        let mut out = BTreeMap::new();
        for (k, v) in self.entries(node, section) {
            let Some(key) = k.as_str() else { continue };
            if keys.contains(&key) {
                if let Some(n) = self.number(v, &format!("`{key}`")) {
                    out.insert(key.to_string(), n);
                }
            } else {
                self.unknown(k, section, keys);
            }
        }
        out
    }
}

/// Reads a traffic file against the model whose names it uses.
///
/// # Errors
/// Every problem found, each at its line.
pub fn read(file: &SourceFile, model: &Model) -> Result<Traffic, Vec<Diagnostic>> {
    let root = syntax::parse(file, syntax::Limits::default()).map_err(|d| vec![d])?;
    let mut r = Reader {
        model,
        diagnostics: Vec::new(),
    };
    let mut traffic = Traffic::default();
    let functions: Vec<&str> = model.functions.iter().map(|f| f.name.as_str()).collect();
    let gateways: Vec<&str> = model.gateways.iter().map(|g| g.name.as_str()).collect();
    let tables: Vec<&str> = model.tables.iter().map(|t| t.name.as_str()).collect();
    let queues: Vec<&str> = model.queues.iter().map(|q| q.name.as_str()).collect();
    let topics: Vec<&str> = model.topics.iter().map(|t| t.name.as_str()).collect();
    let buckets: Vec<&str> = model.buckets.iter().map(|b| b.name.as_str()).collect();
    for (key, value) in r.entries(&root, "the traffic file") {
        match key.as_str() {
            Some("free_tier") => match value.kind {
                NodeKind::Bool(b) => traffic.free_tier = b,
                _ => r.diagnostics.push(
                    Diagnostic::new(Code::WrongType, "`free_tier` is true or false")
                        .with_label(value.span, "expected true or false"),
                ),
            },
            Some("functions") => {
                for (k, v) in r.entries(value, "`functions`") {
                    let Some(name) = r.name(k, "function", &functions) else {
                        continue;
                    };
                    let f = r.fields(
                        v,
                        "a function's traffic",
                        &["invocations", "duration_ms", "log_gb"],
                    );
                    traffic.functions.insert(
                        name,
                        FunctionTraffic {
                            invocations: f.get("invocations").copied(),
                            duration_ms: f.get("duration_ms").copied(),
                            log_gb: f.get("log_gb").copied(),
                        },
                    );
                }
            }
            Some("gateways") => {
                for (k, v) in r.entries(value, "`gateways`") {
                    let Some(name) = r.name(k, "gateway", &gateways) else {
                        continue;
                    };
                    let routes = routes_of(r.model, &name);
                    let route_names: Vec<&str> = routes.iter().map(String::as_str).collect();
                    let section = format!("gateway `{name}`'s routes");
                    let requests = r.fields(v, &section, &route_names);
                    traffic.gateways.insert(name, requests);
                }
            }
            Some("tables") => {
                for (k, v) in r.entries(value, "`tables`") {
                    let Some(name) = r.name(k, "table", &tables) else {
                        continue;
                    };
                    let f = r.fields(v, "a table's traffic", &["reads", "writes", "storage_gb"]);
                    let get = |k: &str| f.get(k).copied().unwrap_or(0.0);
                    traffic.tables.insert(
                        name,
                        TableTraffic {
                            reads: get("reads"),
                            writes: get("writes"),
                            storage_gb: get("storage_gb"),
                        },
                    );
                }
            }
            Some(section @ ("queues" | "topics")) => {
                let (declared, field, kind) = if section == "queues" {
                    (&queues, "messages", "queue")
                } else {
                    (&topics, "publishes", "topic")
                };
                for (k, v) in r.entries(value, section) {
                    let Some(name) = r.name(k, kind, declared) else {
                        continue;
                    };
                    let f = r.fields(v, &format!("a {kind}'s traffic"), &[field]);
                    let n = f.get(field).copied().unwrap_or(0.0);
                    if section == "queues" {
                        traffic.queues.insert(name, n);
                    } else {
                        traffic.topics.insert(name, n);
                    }
                }
            }
            Some("buckets") => {
                for (k, v) in r.entries(value, "`buckets`") {
                    let Some(name) = r.name(k, "bucket", &buckets) else {
                        continue;
                    };
                    let f = r.fields(v, "a bucket's traffic", &["storage_gb", "puts", "gets"]);
                    let get = |k: &str| f.get(k).copied().unwrap_or(0.0);
                    traffic.buckets.insert(
                        name,
                        BucketTraffic {
                            storage_gb: get("storage_gb"),
                            puts: get("puts"),
                            gets: get("gets"),
                        },
                    );
                }
            }
            _ => r.unknown(key, "the traffic file", SECTIONS),
        }
    }
    if r.diagnostics.is_empty() {
        Ok(traffic)
    } else {
        crate::diag::sort(&mut r.diagnostics);
        Err(r.diagnostics)
    }
}

/// `METHOD /path` of every route on a gateway, in spec order.
fn routes_of(model: &Model, gateway: &str) -> Vec<String> {
    model
        .functions
        .iter()
        .flat_map(|f| &f.events)
        .filter_map(|e| match &e.trigger {
            Trigger::Http {
                gateway: g,
                method,
                path,
                ..
            } if g == gateway => Some(format!("{method} {path}")),
            _ => None,
        })
        .collect()
}

/// A commented starter traffic file for the app (`updraft cost --init`): every name of the
/// spec with zero traffic, to be filled in.
#[must_use]
pub fn starter(model: &Model) -> String {
    let mut t = String::from(
        "# Monthly traffic for `updraft cost --traffic <this file>`. Every amount is per month;\n\
         # fill in what you expect, leave 0 for what you do not know yet.\n\
         free_tier: false          # true: subtract AWS's monthly always-free allowances\n",
    );
    let quote = |s: &str| format!("\"{}\"", s.replace('\\', "\\\\").replace('"', "\\\""));
    if !model.functions.is_empty() {
        t.push_str("functions:                # invocations default to the requests of the routes a function serves\n");
        for f in &model.functions {
            let _ = writeln!(
                t,
                "  {}: {{ invocations: 0, duration_ms: 100, log_gb: 0 }}",
                quote(&f.name)
            );
        }
    }
    let with_routes: Vec<_> = model
        .gateways
        .iter()
        .map(|g| (g, routes_of(model, &g.name)))
        .filter(|(_, r)| !r.is_empty())
        .collect();
    if !with_routes.is_empty() {
        t.push_str("gateways:                 # requests per route\n");
        for (g, routes) in with_routes {
            let _ = writeln!(t, "  {}:", quote(&g.name));
            for route in routes {
                let _ = writeln!(t, "    {}: 0", quote(&route));
            }
        }
    }
    let mut section = |title: &str, comment: &str, names: Vec<&str>, fields: &str| {
        if names.is_empty() {
            return;
        }
        let _ = writeln!(t, "{title}{comment}");
        for n in names {
            let _ = writeln!(t, "  {}: {{ {fields} }}", quote(n));
        }
    };
    section(
        "tables:",
        "                   # reads: 4 KB read units; writes: 1 KB write units",
        model.tables.iter().map(|x| x.name.as_str()).collect(),
        "reads: 0, writes: 0, storage_gb: 0",
    );
    section(
        "queues:",
        "                   # messages sent",
        model.queues.iter().map(|x| x.name.as_str()).collect(),
        "messages: 0",
    );
    section(
        "topics:",
        "                   # messages published",
        model.topics.iter().map(|x| x.name.as_str()).collect(),
        "publishes: 0",
    );
    section(
        "buckets:",
        "",
        model.buckets.iter().map(|x| x.name.as_str()).collect(),
        "storage_gb: 0, puts: 0, gets: 0",
    );
    t
}
