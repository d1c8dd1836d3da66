//! `updraft init`: write a starter spec. The scaffold is text meant as text, so it is a
//! minijinja template (strict about undefined values); what it renders is checked by the
//! same front end as any spec before anything is written.

use std::io;
use std::path::{Path, PathBuf};

use clap::ValueEnum;
use minijinja::{Environment, UndefinedBehavior, context};

use super::{ExitStatus, MessageFormat, Output};
use crate::diag::{Code, Diagnostic};
use crate::source::SourceFile;

/// The starter apps `init` offers. Each compiles for every target and lints clean of errors
/// (a test runs `init`, then `compile` for each target and `lint`).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, ValueEnum)]
pub enum Template {
    /// An HTTP API over one table: list and put routes.
    #[default]
    Api,
    /// An HTTP route queues jobs; a worker records them; failures go to a dead-letter queue.
    QueueWorker,
    /// Files uploaded to one bucket are processed into another.
    BucketPipeline,
    /// An hourly function summarizes a table into a topic.
    Scheduled,
}

/// A template's files: the spec (a minijinja template) and its handlers per runtime family.
struct Scaffold {
    spec: &'static str,
    node: &'static str,
    python: &'static str,
}

macro_rules! scaffold {
    ($dir:literal) => {
        Scaffold {
            spec: include_str!(concat!("scaffold/", $dir, "/updraft.yaml.j2")),
            node: include_str!(concat!("scaffold/", $dir, "/handlers.mjs")),
            python: include_str!(concat!("scaffold/", $dir, "/handlers.py")),
        }
    };
}

impl Template {
    fn scaffold(self) -> Scaffold {
        match self {
            Template::Api => scaffold!("api"),
            Template::QueueWorker => scaffold!("queue-worker"),
            Template::BucketPipeline => scaffold!("bucket-pipeline"),
            Template::Scheduled => scaffold!("scheduled"),
        }
    }
}

/// Where the JSON Schema goes beside the spec when `--schema` is not given; the modeline names
/// it relative to the spec, which is how the YAML language server resolves it.
pub const SCHEMA_FILE: &str = "updraft.schema.json";

/// Where a runtime's handlers live (the spec's `handler` prefix and the file), if updraft has
/// starter handlers for it.
fn handler_file(runtime: &str) -> Option<(&'static str, &'static str)> {
    if runtime.starts_with("python") {
        Some(("handlers", "handlers.py"))
    } else if runtime.starts_with("nodejs") {
        Some(("src/handlers", "src/handlers.mjs"))
    } else {
        None
    }
}

/// Write a starter `updraft.yaml` with least-privilege access, tracing, log retention and the
/// editor modeline, its handlers, and the JSON Schema the modeline names. Never overwrites an
/// existing spec or handler file.
#[derive(Debug, clap::Args)]
#[command(after_help = "Examples:
  updraft init                       # ./updraft.yaml, app named after the folder
  updraft init services/orders --app orders --runtime python3.13
  updraft init jobs --template queue-worker")]
pub struct Args {
    /// The folder to create the spec in.
    #[arg(default_value = ".", value_name = "DIR")]
    pub dir: PathBuf,
    /// The starter app.
    #[arg(long, value_enum, default_value_t)]
    pub template: Template,
    /// The app's name (default: the folder's name, made valid).
    #[arg(long)]
    pub app: Option<String>,
    /// The runtime of the functions (the default compiles for every AWS target: the
    /// Terraform target's default provider 5.x does not know `nodejs24.x`).
    #[arg(long, default_value = "nodejs22.x")]
    pub runtime: String,
    /// Where editors find the JSON Schema, a path (relative to the spec) or URL, for the
    /// modeline. Without it, `init` writes the schema beside the spec as `updraft.schema.json`
    /// (refresh it with `updraft schema --out`).
    #[arg(long, value_name = "PATH_OR_URL")]
    pub schema: Option<String>,
}

/// A valid app name from a folder name: lowercase, hyphens, at most
/// [`crate::limits::APP_NAME_LENGTH`] characters (the `app-` prefix included).
fn app_name(raw: &str) -> String {
    let mut name = crate::model::slug(raw);
    if !name.starts_with(|c: char| c.is_ascii_lowercase()) {
        name = format!("app-{name}");
    }
    name.truncate(crate::limits::APP_NAME_LENGTH);
    name.trim_end_matches('-').to_string()
}

/// Renders a template's spec.
///
/// # Errors
/// A template error (a bug) as text.
pub fn render(
    template: Template,
    app: &str,
    runtime: &str,
    schema: &str,
) -> Result<String, String> {
    let mut env = Environment::new();
    env.set_undefined_behavior(UndefinedBehavior::Strict);
    env.add_template("spec", template.scaffold().spec)
        .map_err(|e| e.to_string())?;
    let handler_prefix = handler_file(runtime).map_or("handlers", |(prefix, _)| prefix);
    env.get_template("spec")
        .and_then(|t| t.render(context! { app, runtime, schema, handler_prefix }))
        .map(|mut text| {
            if !text.ends_with('\n') {
                text.push('\n');
            }
            text
        })
        .map_err(|e| e.to_string())
}

/// Writes `contents` to `path` unless a file is there; says which it did.
fn write_new(path: &Path, contents: &[u8], what: &str, out: &mut Output<'_>) -> io::Result<()> {
    if path.exists() {
        writeln!(out.stderr, "kept {}: it exists ({what})", path.display())
    } else {
        crate::emit::write_atomic(path, contents)?;
        writeln!(out.stderr, "wrote {}: {what}", path.display())
    }
}

pub fn run(args: &Args, out: &mut Output<'_>) -> io::Result<ExitStatus> {
    let path = args.dir.join(super::DEFAULT_SPEC);
    if path.exists() {
        writeln!(
            out.stderr,
            "error: {} already exists; updraft init never overwrites a spec",
            path.display()
        )?;
        return Ok(ExitStatus::Error);
    }
    let folder = std::fs::canonicalize(&args.dir)
        .ok()
        .and_then(|p| p.file_name().map(|n| n.to_string_lossy().into_owned()))
        .unwrap_or_else(|| "my-app".into());
    let app = args.app.clone().unwrap_or_else(|| app_name(&folder));
    let schema = args.schema.as_deref().unwrap_or(SCHEMA_FILE);
    let text = match render(args.template, &app, &args.runtime, schema) {
        Ok(text) => text,
        Err(e) => {
            writeln!(out.stderr, "error: the scaffold template failed: {e}")?;
            return Ok(ExitStatus::Error);
        }
    };
    // What is written must be a valid spec: the same checks as `updraft check`.
    let file = SourceFile::new(path.display().to_string(), text.clone());
    if let Err(diagnostics) = crate::load(&file, &crate::Options::default()) {
        out.diagnostics(Some(&file), &diagnostics, MessageFormat::Human)?;
        let d = Diagnostic::new(
            Code::InvalidValue,
            "the options given make an invalid spec; nothing was written",
        )
        .with_help("pass a valid `--app` name and a supported `--runtime`");
        out.diagnostics(None, &[d], MessageFormat::Human)?;
        return Ok(ExitStatus::Error);
    }
    // The handlers the spec names, so that `check` and `compile` find them, and the schema
    // the modeline names; the spec last, so that a spec on disk means `init` finished.
    let scaffold = args.template.scaffold();
    if let Some((_, name)) = handler_file(&args.runtime) {
        let code = if args.runtime.starts_with("python") {
            scaffold.python
        } else {
            scaffold.node
        };
        write_new(&args.dir.join(name), code.as_bytes(), "the handlers", out)?;
    }
    if args.schema.is_none() {
        let schema = crate::schema::generate();
        write_new(
            &args.dir.join(SCHEMA_FILE),
            schema.as_bytes(),
            "the JSON Schema your editor reads (refresh: updraft schema --out)",
            out,
        )?;
    }
    crate::emit::write_atomic(&path, text.as_bytes())?;
    let spec = path.display();
    writeln!(
        out.stderr,
        "wrote {spec}: app `{app}`\n\nnext:\n  updraft check {spec}\n  updraft lint {spec}\n  \
         updraft compile {spec} --target cloudformation --out build/"
    )?;
    Ok(ExitStatus::Success)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn app_names_are_made_valid() {
        assert_eq!(app_name("My Shop_2"), "my-shop-2");
        assert_eq!(app_name("42"), "app-42");
        assert_eq!(
            app_name("a-very-long-folder-name-for-an-app"),
            "a-very-long-folder-name"
        );
        // The `app-` prefix counts towards the limit too.
        let digits = app_name(&"1".repeat(30));
        assert_eq!(digits.len(), crate::limits::APP_NAME_LENGTH);
        assert!(digits.starts_with("app-1"));
    }

    #[test]
    fn every_template_is_a_valid_spec_for_both_runtime_families() {
        for template in Template::value_variants() {
            for runtime in ["nodejs22.x", "python3.13"] {
                let text = render(*template, "shop", runtime, "schema.json").unwrap();
                assert!(text.starts_with("# yaml-language-server: $schema=schema.json\n"));
                let model =
                    crate::load(&SourceFile::new("u.yaml", text), &crate::Options::default())
                        .unwrap_or_else(|d| panic!("{template:?} {runtime}: {d:?}"));
                assert_eq!(model.app, "shop");
                assert!(!model.functions.is_empty());
            }
        }
    }
}
