//! The JSON Schema of the spec, generated from [`crate::spec`] types. Editors use the
//! committed copy in `schemas/updraft.schema.json` for completion and hover docs.

use schemars::generate::SchemaSettings;

/// The schema as pretty JSON with a final newline (the committed file's exact bytes).
#[must_use]
pub fn generate() -> String {
    let generator = SchemaSettings::draft07().into_generator();
    let mut schema = generator.into_root_schema_for::<crate::spec::Spec>();
    schema.insert("title".into(), "updraft spec (updraft.yaml)".into());
    schema.insert(
        "$id".into(),
        "https://github.com/updraft-dev/updraft/blob/main/schemas/updraft.schema.json".into(),
    );
    let mut value = schema.to_value();
    describe_event_kinds(&mut value);
    let mut out = serde_json::to_string_pretty(&value).expect("a schema always serializes");
    out.push('\n');
    out
}

/// An event is written `- http: {...}`: editors show the description of the `http` key, so
/// each variant's description moves onto its one property.
fn describe_event_kinds(schema: &mut serde_json::Value) {
    let Some(variants) = schema
        .pointer_mut("/definitions/Event/oneOf")
        .and_then(serde_json::Value::as_array_mut)
    else {
        return;
    };
    for variant in variants {
        let Some(description) = variant.get("description").cloned() else {
            continue;
        };
        if let Some(serde_json::Value::Object(properties)) = variant.get_mut("properties") {
            for property in properties.values_mut() {
                // Draft-07 ignores keywords beside `$ref`, so the reference moves into `allOf`.
                if property.get("description").is_none() {
                    let reference = property.take();
                    *property = serde_json::json!({
                        "description": description.clone(),
                        "allOf": [reference],
                    });
                }
            }
        }
    }
}
