//! `updraft init`: write a starter spec. The scaffold is text meant as text, so it is a
//! minijinja template (strict about undefined values); what it renders is checked by the
//! same front end as any spec before anything is written.

use std::io;
use std::path::PathBuf;

use minijinja::{Environment, UndefinedBehavior, context};

use super::{ExitStatus, MessageFormat, Output};
use crate::diag::{Code, Diagnostic};
use crate::source::SourceFile;

const API: &str = include_str!("scaffold/api.yaml.j2");
const HANDLERS_NODE: &str = include_str!("scaffold/handlers.mjs");
const HANDLERS_PYTHON: &str = include_str!("scaffold/handlers.py");

/// The starter handler file for a runtime, beside the spec, if updraft has one for it.
fn handlers(runtime: &str) -> Option<(&'static str, &'static str)> {
    if runtime.starts_with("python") {
        Some(("handlers.py", HANDLERS_PYTHON))
    } else if runtime.starts_with("nodejs") {
        Some(("src/handlers.mjs", HANDLERS_NODE))
    } else {
        None
    }
}

/// Write a starter `updraft.yaml`: an HTTP API over one table, with least-privilege access,
/// tracing, log retention and the editor modeline. Never overwrites an existing file.
#[derive(Debug, clap::Args)]
#[command(after_help = "Examples:
  updraft init                       # ./updraft.yaml, app named after the folder
  updraft init services/orders --app orders --runtime python3.13")]
pub struct Args {
    /// The folder to create the spec in.
    #[arg(default_value = ".", value_name = "DIR")]
    pub dir: PathBuf,
    /// The app's name (default: the folder's name, made valid).
    #[arg(long)]
    pub app: Option<String>,
    /// The runtime of the functions.
    #[arg(long, default_value = "nodejs24.x")]
    pub runtime: String,
    /// Where editors find the JSON Schema (a path or URL).
    #[arg(
        long,
        default_value = "https://github.com/updraft-dev/updraft/raw/main/schemas/updraft.schema.json"
    )]
    pub schema: String,
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

/// Renders the scaffold.
///
/// # Errors
/// A template error (a bug) as text.
pub fn render(app: &str, runtime: &str, schema: &str) -> Result<String, String> {
    let mut env = Environment::new();
    env.set_undefined_behavior(UndefinedBehavior::Strict);
    env.add_template("api", API).map_err(|e| e.to_string())?;
    let handler_prefix = if runtime.starts_with("python") {
        "handlers"
    } else {
        "src/handlers"
    };
    env.get_template("api")
        .and_then(|t| t.render(context! { app, runtime, schema, handler_prefix }))
        .map(|mut text| {
            if !text.ends_with('\n') {
                text.push('\n');
            }
            text
        })
        .map_err(|e| e.to_string())
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
    let text = match render(&app, &args.runtime, &args.schema) {
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
    crate::emit::write_atomic(&path, text.as_bytes())?;
    // The handlers the spec names, so that `check` and `compile` find them; never over a
    // file that is already there.
    if let Some((name, code)) = handlers(&args.runtime) {
        let file = args.dir.join(name);
        if !file.exists() {
            crate::emit::write_atomic(&file, code.as_bytes())?;
            writeln!(out.stderr, "wrote {}: the handlers", file.display())?;
        }
    }
    writeln!(
        out.stderr,
        "wrote {}: app `{app}`; next: updraft check {}",
        path.display(),
        path.display()
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
    fn the_scaffold_is_a_valid_spec() {
        let text = render("shop", "nodejs24.x", "schema.json").unwrap();
        assert!(text.starts_with("# yaml-language-server: $schema=schema.json\n"));
        let model =
            crate::load(&SourceFile::new("u.yaml", text), &crate::Options::default()).unwrap();
        assert_eq!(model.app, "shop");
        assert_eq!(model.functions.len(), 2);
    }
}
