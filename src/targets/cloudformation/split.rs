//! Nested stacks. When an app outgrows one template (500 resources, 200 outputs or
//! parameters, 1 MB), the lowered template is partitioned along the app graph into a parent
//! and children; every reference that crosses stacks becomes a child Output passed in as a
//! Parameter of the child that uses it.
//!
//! **Invariant: stable placement.** A resource's stack depends only on its owner, never on
//! the rest of the app: each shared stateful resource (table, queue, topic, user pool) and
//! each HTTP API, with what it owns (a queue's delivery policy, a gateway's stage and access
//! log group, an alarm on it), lives in `Base<NN>`, where NN is a hash of its kind and name
//! modulo 16; buckets in `Storage` (S3 checks a notification's permission when the bucket is
//! configured, so buckets deploy after the functions); each function, with everything it owns
//! (role, log group, permissions, mappings, routes, integrations, alarms), lives in
//! `Functions<NNN>`, where NNN is a hash of its name modulo 256. The slot counts are fixed, so
//! adding, removing or renaming a resource moves no other resource, and a stateful resource
//! never moves. What no one resource owns stays in `Base`.
//!
//! Capacity: the synthetic app of BENCHMARKS.md (a queue per 5 functions, a gateway per 25
//! routes) has ~0.32 shared resources and ~6.5 function resources per function, so at 10,000
//! functions a Base slot holds ~200 resources and a function slot ~250, each under 500.

use std::collections::{BTreeMap, BTreeSet};

use serde_json::{Value, json};

use super::template::{Output, Parameter, Resource, Template, get_att, references};
use crate::diag::{Code, Diagnostic};
use crate::model::{Kind, Model};

/// Who owns a resource, which decides its stack.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub enum Owner {
    /// App-wide resources that no single resource owns.
    Base,
    /// A shared resource, by kind and name (`queues/jobs`): a table, queue, topic, user pool
    /// or HTTP API, and what belongs to it.
    Shared(String),
    Storage,
    Function(String),
}

/// Function stacks. Fixed forever: changing it would move every function.
pub const FUNCTION_SLOTS: u32 = 256;

/// Stacks of shared resources. Fixed forever: changing it would move every table and queue.
pub const SHARED_SLOTS: u32 = 16;

impl Owner {
    /// The owner of a shared resource of `kind` named `name`.
    #[must_use]
    pub fn shared(kind: Kind, name: &str) -> Self {
        Owner::Shared(format!("{}/{name}", kind.section()))
    }

    /// The stack key: `Base`, `Base07`, `Storage` or `Functions017`.
    #[must_use]
    pub fn stack(&self) -> String {
        match self {
            Owner::Base => "Base".into(),
            Owner::Shared(key) => format!(
                "Base{:02}",
                crate::targets::naming::fnv32(key.as_bytes()) % SHARED_SLOTS
            ),
            Owner::Storage => "Storage".into(),
            Owner::Function(name) => format!("Functions{:03}", slot(name)),
        }
    }
}

/// FNV-1a of the name: stable across runs, machines and versions.
fn slot(name: &str) -> u32 {
    crate::targets::naming::fnv32(name.as_bytes()) % FUNCTION_SLOTS
}

pub struct Stacks {
    pub parent: Template,
    /// Outputs left out of the parent (over its 200) and kept only in the nested stack that
    /// holds each one's value; 0 when the parent lists them all.
    pub outputs_in_children: usize,
    /// (stack key, template), sorted by key.
    pub children: Vec<(String, Template)>,
}

/// Names a diagnostic's stack.
#[must_use]
pub fn in_stack(mut d: Diagnostic, file: &str) -> Diagnostic {
    d.message = format!("{file}: {}", d.message);
    d
}

/// The value a child passes for a cross-stack reference, and the parameter that receives it.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord)]
struct Export {
    id: String,
    attribute: Option<String>,
}

impl Export {
    fn name(&self) -> String {
        match &self.attribute {
            None => format!("Ref{}", self.id),
            Some(a) => format!("Att{}{}", self.id, a.replace('.', "")),
        }
    }

    fn value(&self) -> Value {
        match &self.attribute {
            None => json!({ "Ref": self.id }),
            Some(a) => get_att(&self.id, a),
        }
    }
}

/// Rewrites references to resources outside `local` into references to parameters.
fn rewrite(
    value: &mut Value,
    local: &BTreeSet<String>,
    stack_of: &BTreeMap<String, String>,
    needs: &mut BTreeSet<Export>,
) {
    match value {
        Value::Object(map) => {
            if let Some(Value::String(id)) = map.get("Ref") {
                if stack_of.contains_key(id) && !local.contains(id) {
                    let export = Export {
                        id: id.clone(),
                        attribute: None,
                    };
                    map.insert("Ref".into(), Value::String(export.name()));
                    needs.insert(export);
                }
                return;
            }
            if let Some(Value::Array(args)) = map.get("Fn::GetAtt") {
                if let (Some(Value::String(id)), Some(Value::String(attr))) =
                    (args.first(), args.get(1))
                    && stack_of.contains_key(id)
                    && !local.contains(id)
                {
                    let export = Export {
                        id: id.clone(),
                        attribute: Some(attr.clone()),
                    };
                    let name = export.name();
                    needs.insert(export);
                    map.remove("Fn::GetAtt");
                    map.insert("Ref".into(), Value::String(name));
                }
                return;
            }
            if let Some(Value::String(text)) = map.get("Fn::Sub") {
                let mut out = String::new();
                let mut rest = text.as_str();
                while let Some(at) = rest.find("${") {
                    out.push_str(&rest[..at]);
                    let after = &rest[at + 2..];
                    let Some(end) = after.find('}') else {
                        out.push_str(&rest[at..]);
                        rest = "";
                        break;
                    };
                    let var = &after[..end];
                    let (id, attr) = match var.split_once('.') {
                        Some((id, attr)) => (id, Some(attr)),
                        None => (var, None),
                    };
                    if !var.starts_with('!') && stack_of.contains_key(id) && !local.contains(id) {
                        let export = Export {
                            id: id.to_string(),
                            attribute: attr.map(str::to_string),
                        };
                        out.push_str(&format!("${{{}}}", export.name()));
                        needs.insert(export);
                    } else {
                        out.push_str(&format!("${{{var}}}"));
                    }
                    rest = &after[end + 1..];
                }
                out.push_str(rest);
                map.insert("Fn::Sub".into(), Value::String(out));
                return;
            }
            for v in map.values_mut() {
                rewrite(v, local, stack_of, needs);
            }
        }
        Value::Array(items) => items
            .iter_mut()
            .for_each(|v| rewrite(v, local, stack_of, needs)),
        _ => {}
    }
}

/// Template parameters (such as `ArtifactBucket`) a value uses.
fn parameters_used(
    value: &Value,
    parameters: &BTreeMap<String, Parameter>,
    out: &mut BTreeSet<String>,
) {
    let mut refs = Vec::new();
    references(value, &mut refs);
    out.extend(refs.into_iter().filter(|r| parameters.contains_key(r)));
}

/// Splits a lowered template into a parent and its nested stacks.
///
/// # Errors
/// A diagnostic when the stacks would depend on each other in a cycle (a bug).
pub fn split(
    model: &Model,
    template: Template,
    owners: &BTreeMap<String, Owner>,
    extension: &str,
) -> Result<Stacks, Vec<Diagnostic>> {
    // Over 200 outputs, keep those a deployer cannot work out: names, queue URLs and topic
    // ARNs follow from the spec (`<app>[-<stage>]-<name>`); API URLs and user pool ids do not.
    let mut template = template;
    if template.outputs.len() > super::MAX_OUTPUTS {
        let derivable = ["TableName", "QueueUrl", "BucketName", "TopicArn"];
        template
            .outputs
            .retain(|id, _| !derivable.iter().any(|d| id.ends_with(d)));
    }
    // Still over: each output stays in the nested stack that holds its value (within that
    // stack's own budget), and the parent lists none, rather than refusing the app.
    let outputs_in_children = if template.outputs.len() > super::MAX_OUTPUTS {
        template.outputs.len()
    } else {
        0
    };
    let stack_of: BTreeMap<String, String> = template
        .resources
        .keys()
        .map(|id| (id.clone(), owners.get(id).unwrap_or(&Owner::Base).stack()))
        .collect();
    let mut groups: BTreeMap<String, BTreeMap<String, Resource>> = BTreeMap::new();
    for (id, resource) in template.resources {
        groups
            .entry(stack_of[&id].clone())
            .or_default()
            .insert(id, resource);
    }
    // Which stack each original output's value lives in.
    let mut output_stack: BTreeMap<String, String> = BTreeMap::new();
    for (name, output) in &template.outputs {
        let mut refs = Vec::new();
        references(&output.value, &mut refs);
        let stack = refs
            .iter()
            .find_map(|r| stack_of.get(r))
            .cloned()
            .unwrap_or_else(|| "Base".into());
        output_stack.insert(name.clone(), stack);
    }

    let mut children: BTreeMap<String, Template> = BTreeMap::new();
    let mut imports: BTreeMap<String, BTreeSet<Export>> = BTreeMap::new();
    let mut after: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
    let mut passthrough: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
    for (key, resources) in groups {
        let local: BTreeSet<String> = resources.keys().cloned().collect();
        let mut needs = BTreeSet::new();
        let mut params = BTreeSet::new();
        let mut rewritten = BTreeMap::new();
        for (id, mut resource) in resources {
            let mut deps = Vec::new();
            for d in std::mem::take(&mut resource.depends_on) {
                if local.contains(&d) {
                    deps.push(d);
                } else {
                    after
                        .entry(key.clone())
                        .or_default()
                        .insert(stack_of[&d].clone());
                }
            }
            resource.depends_on = deps;
            rewrite(&mut resource.properties, &local, &stack_of, &mut needs);
            parameters_used(&resource.properties, &template.parameters, &mut params);
            rewritten.insert(id, resource);
        }
        let mut child = Template {
            version: "2010-09-09",
            description: format!(
                "{} ({}): stack {key}, nested in the app's template, compiled by updraft {}",
                model.app,
                model.stage.as_deref().unwrap_or("no stage"),
                env!("CARGO_PKG_VERSION")
            ),
            metadata: None,
            parameters: BTreeMap::new(),
            resources: rewritten,
            outputs: BTreeMap::new(),
        };
        for p in &params {
            child
                .parameters
                .insert(p.clone(), template.parameters[p].clone());
        }
        for export in &needs {
            child.parameters.insert(
                export.name(),
                Parameter::text(
                    format!(
                        "{} of {} in stack {}",
                        export.attribute.as_deref().unwrap_or("Ref"),
                        export.id,
                        stack_of[&export.id]
                    ),
                    None,
                ),
            );
            after
                .entry(key.clone())
                .or_default()
                .insert(stack_of[&export.id].clone());
        }
        passthrough.insert(key.clone(), params);
        imports.insert(key.clone(), needs);
        children.insert(key, child);
    }
    // Every export a stack gives.
    for needs in imports.values() {
        for export in needs {
            let source = &stack_of[&export.id];
            let child = children.get_mut(source).expect("the source stack exists");
            child.outputs.insert(
                export.name(),
                Output {
                    description: format!(
                        "{} of {} for other stacks",
                        export.attribute.as_deref().unwrap_or("Ref"),
                        export.id
                    ),
                    value: export.value(),
                },
            );
        }
    }
    for (name, output) in &template.outputs {
        let stack = &output_stack[name];
        if let Some(child) = children.get_mut(stack) {
            child.outputs.insert(name.clone(), output.clone());
        }
    }

    // The parent: one stack resource per child, with its parameters and order.
    let stack_id = |key: &str| format!("{key}Stack");
    let mut parent = Template {
        version: "2010-09-09",
        description: template.description.clone(),
        // Children are referenced by relative path for `aws cloudformation package` to
        // upload (W3002 says exactly that); the deploy commands are printed by `compile`.
        metadata: Some(json!({ "cfn-lint": { "config": { "ignore_checks": ["W3002"] } } })),
        parameters: template.parameters.clone(),
        resources: BTreeMap::new(),
        outputs: BTreeMap::new(),
    };
    for key in children.keys() {
        let mut parameters = serde_json::Map::new();
        for p in &passthrough[key] {
            // A stack's parameters are strings: a list goes down joined, and is split again
            // by the child's own `CommaDelimitedList` parameter.
            let value = if template.parameters[p].kind == "CommaDelimitedList" {
                json!({ "Fn::Join": [",", { "Ref": p }] })
            } else {
                json!({ "Ref": p })
            };
            parameters.insert(p.clone(), value);
        }
        for export in &imports[key] {
            parameters.insert(
                export.name(),
                get_att(
                    &stack_id(&stack_of[&export.id]),
                    &format!("Outputs.{}", export.name()),
                ),
            );
        }
        let mut properties = json!({ "TemplateURL": format!("stacks/{key}.{extension}") });
        if !parameters.is_empty() {
            properties["Parameters"] = Value::Object(parameters);
        }
        // Order the stacks that a parameter does not already order.
        let by_value: BTreeSet<String> = imports[key]
            .iter()
            .map(|e| stack_of[&e.id].clone())
            .collect();
        let depends: Vec<String> = after
            .get(key)
            .map(|s| {
                s.iter()
                    .filter(|k| *k != key && !by_value.contains(*k))
                    .map(|k| stack_id(k))
                    .collect()
            })
            .unwrap_or_default();
        parent.resources.insert(
            stack_id(key),
            Resource::new("AWS::CloudFormation::Stack", properties).depends_on(depends),
        );
    }
    for (name, output) in template.outputs.iter().filter(|_| outputs_in_children == 0) {
        parent.outputs.insert(
            name.clone(),
            Output {
                description: output.description.clone(),
                value: get_att(&stack_id(&output_stack[name]), &format!("Outputs.{name}")),
            },
        );
    }
    // The stacks must form a DAG.
    let mut graph = petgraph::graph::DiGraph::<&str, ()>::new();
    let nodes: BTreeMap<&str, _> = children
        .keys()
        .map(|k| (k.as_str(), graph.add_node(k.as_str())))
        .collect();
    for (key, deps) in &after {
        for d in deps.iter().filter(|d| *d != key) {
            graph.add_edge(nodes[key.as_str()], nodes[d.as_str()], ());
        }
    }
    if let Err(cycle) = petgraph::algo::toposort(&graph, None) {
        return Err(vec![Diagnostic::new(Code::Internal, format!("nested stacks would depend on each other in a cycle through `{}`", graph[cycle.node_id()]))
            .with_help("this is a bug in updraft: please report it with the spec; `--split never` compiles one template")]);
    }
    Ok(Stacks {
        parent,
        outputs_in_children,
        children: children.into_iter().collect(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn slots_are_stable_and_spread() {
        assert_eq!(
            Owner::Function("checkout".into()).stack(),
            Owner::Function("checkout".into()).stack()
        );
        let used: BTreeSet<u32> = (0..2000).map(|i| slot(&format!("fn-{i}"))).collect();
        assert!(used.len() > 240, "{}", used.len());
    }
}
