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
    let mut out = serde_json::to_string_pretty(&schema).expect("a schema always serializes");
    out.push('\n');
    out
}
