//! Code packaging: each handler function's code (`code:`, a folder or a zip relative to the
//! spec; the spec's folder by default) becomes one deterministic zip, named by its content
//! hash: `packages/<name>-<hash>.zip` under `--out`. Functions that share a code folder
//! share its package. The backends reference the package (CloudFormation by S3 key,
//! Terraform by file beside the module), so a change of code changes the reference and the
//! engine updates the function; unchanged code leaves it alone.
//!
//! Reproducible on every machine: files are taken in byte order of their paths, with
//! `/` separators, fixed timestamps and modes 0644 (0755 when the file has an execute bit,
//! as a custom runtime's `bootstrap` needs), and no host path, owner or time. Left out:
//! names starting with `.` (`.git`, `.env`, `.terraform`), the spec file, the `--out`
//! folder, and any other AWS output of updraft (a folder with `packages/` beside its
//! `template.json`, `template.yaml` or `main.tf`) when it lies inside the code folder. A zip named by `code:` is used as it is.
//!
//! This module and the CLI are the only code that reads the code; the backends read the
//! package path the model carries (`CodeSource::Handler::package`).

pub mod sha256;
pub mod zip;

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use crate::diag::{Code, Diagnostic};
use crate::model::{CodeSource, Model};
use crate::source::Span;

/// The folder under `--out` that holds the packages.
pub const FOLDER: &str = "packages";

/// Lambda's limit on a function's code, unzipped (250 MB).
pub const MAX_UNZIPPED: u64 = 262_144_000;

/// One code package: its path under `--out` and its bytes.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Package {
    pub path: String,
    pub bytes: Vec<u8>,
}

/// [`attach`] for a spec read from `spec`, with its folder as the base of `code:` paths,
/// leaving out the spec file and the output folder `out` (when it exists inside the code).
///
/// # Errors
/// As [`attach`].
pub fn attach_beside(
    model: &mut Model,
    spec: &Path,
    out: Option<&Path>,
) -> Result<Vec<Package>, Vec<Diagnostic>> {
    let dir = match spec.parent() {
        Some(d) if !d.as_os_str().is_empty() => d,
        _ => Path::new("."),
    };
    let exclude: Vec<PathBuf> = std::iter::once(spec)
        .chain(out)
        .filter_map(|p| std::fs::canonicalize(p).ok())
        .collect();
    attach(model, dir, &exclude)
}

/// Builds the package of every handler function's code, checks that each handler's file is
/// in it, and records each function's package path in the model. `spec_dir` is the folder
/// `code:` paths are relative to; paths in `exclude` (the spec file, the output folder) are
/// left out of folder packages.
///
/// # Errors
/// A located diagnostic for every missing or unreadable code folder or zip, every handler
/// whose file is not in its code, and every package over Lambda's limits.
pub fn attach(
    model: &mut Model,
    spec_dir: &Path,
    exclude: &[PathBuf],
) -> Result<Vec<Package>, Vec<Diagnostic>> {
    let mut diagnostics = Vec::new();
    // One package per code source; `None` when reading it failed (already reported).
    let app = model.app.as_str();
    let mut built: BTreeMap<String, Option<(Package, Vec<String>)>> = BTreeMap::new();
    for f in &mut model.functions {
        let CodeSource::Handler {
            handler,
            runtime,
            path,
            package,
        } = &mut f.code
        else {
            continue;
        };
        let source = normalize(path.as_ref().map(|p| p.value.as_str()));
        // Where a problem with the code itself is shown: `code:`, else the handler.
        let code_span = path.as_ref().map_or(f.code_span, |p| p.span);
        let entry = built.entry(source.clone()).or_insert_with(|| {
            match read(&package_name(app, &source), spec_dir, &source, exclude) {
                Ok(done) => Some(done),
                Err(problem) => {
                    diagnostics.push(problem.diagnostic(&f.name, &source, code_span));
                    None
                }
            }
        });
        let Some((built_package, names)) = entry else {
            continue;
        };
        let expected = handler_files(handler, &runtime.value);
        if expected.is_none() && names.is_empty() {
            diagnostics.push(Problem::Empty.diagnostic(&f.name, &source, code_span));
            continue;
        }
        if let Some(expected) = expected
            && !expected.iter().any(|e| names.iter().any(|n| n == e))
        {
            diagnostics.push(missing_handler(
                &f.name,
                handler,
                &source,
                &expected,
                f.code_span,
            ));
            continue;
        }
        *package = Some(built_package.path.clone());
    }
    if !diagnostics.is_empty() {
        crate::diag::sort(&mut diagnostics);
        return Err(diagnostics);
    }
    Ok(built.into_values().flatten().map(|(p, _)| p).collect())
}

/// A package's name: the app's for the spec's folder, else the code path's last part.
fn package_name(app: &str, source: &str) -> String {
    if source == "." {
        app.to_string()
    } else {
        stem(source)
    }
}

/// `code:` as a key: no leading `./`, no trailing `/`, `.` for the spec's folder.
fn normalize(path: Option<&str>) -> String {
    let p = path
        .unwrap_or(".")
        .trim_start_matches("./")
        .trim_end_matches('/');
    if p.is_empty() { ".".into() } else { p.into() }
}

/// A package's name from its code path: the last part, without `.zip`, in `a-z0-9._-`.
fn stem(source: &str) -> String {
    let last = source.rsplit('/').next().unwrap_or(source);
    let last = last.strip_suffix(".zip").unwrap_or(last);
    let clean: String = last
        .chars()
        .map(|c| {
            let c = c.to_ascii_lowercase();
            if c.is_ascii_alphanumeric() || c == '-' || c == '_' || c == '.' {
                c
            } else {
                '-'
            }
        })
        .collect();
    let clean = clean.trim_matches(['-', '.']).to_string();
    if clean.is_empty() {
        "code".into()
    } else {
        clean
    }
}

/// What went wrong reading a code source.
enum Problem {
    Missing(PathBuf),
    Unreadable(PathBuf, String),
    NotZip(PathBuf),
    TooLarge(u64),
    TooManyFiles(usize),
    Empty,
}

impl Problem {
    fn diagnostic(&self, function: &str, source: &str, span: Span) -> Diagnostic {
        let shown = if source == "." {
            "the spec's folder".to_string()
        } else {
            format!("`{source}`")
        };
        match self {
            Problem::Missing(path) => Diagnostic::new(
                Code::MissingCode,
                format!("the code of function `{function}` is not there: `{}` does not exist", path.display()),
            )
            .with_label(span, "no such folder or zip")
            .with_help("`code` is a folder or a .zip file, relative to the spec's folder; build the code first, or fix the path"),
            Problem::Unreadable(path, err) => Diagnostic::new(
                Code::MissingCode,
                format!("the code of function `{function}` cannot be read: `{}`: {err}", path.display()),
            )
            .with_label(span, "unreadable")
            .with_help("check the file's permissions, or leave it out of the code folder"),
            Problem::NotZip(path) => Diagnostic::new(
                Code::MissingCode,
                format!("`{}` is not a zip archive updraft can read", path.display()),
            )
            .with_label(span, "not a zip")
            .with_help("name a folder (updraft zips it) or a .zip file without zip64 entries"),
            Problem::TooLarge(size) => Diagnostic::new(
                Code::CodePackageTooLarge,
                format!("the code of function `{function}` is {} MB unzipped, over Lambda's 250 MB", size / 1_000_000),
            )
            .with_label(span, "too large for Lambda")
            .with_help(format!("point `code` at a folder with only what {shown} needs at run time, or use a container image")),
            Problem::TooManyFiles(n) => Diagnostic::new(
                Code::CodePackageTooLarge,
                format!("the code of function `{function}` has {n} files, over the 65,535 one zip can hold"),
            )
            .with_label(span, "too many files")
            .with_help("point `code` at a folder with only what the function needs at run time"),
            Problem::Empty => Diagnostic::new(
                Code::MissingCode,
                format!("the code of function `{function}` is empty: {shown} holds no files"),
            )
            .with_label(span, "no files to package")
            .with_help("put the handler's file in the folder, or fix `code`"),
        }
    }
}

/// Reads one code source into its package and the file names in it.
fn read(
    name: &str,
    spec_dir: &Path,
    source: &str,
    exclude: &[PathBuf],
) -> Result<(Package, Vec<String>), Problem> {
    let root = if source == "." {
        spec_dir.to_path_buf()
    } else {
        spec_dir.join(source)
    };
    let meta = std::fs::metadata(&root).map_err(|_| Problem::Missing(PathBuf::from(source)))?;
    let bytes = if meta.is_dir() {
        let mut entries = Vec::new();
        let mut size = 0;
        let mut seen = Vec::new();
        walk(&root, "", exclude, &mut entries, &mut size, &mut seen)?;
        zip::write(&entries).map_err(|e| match e {
            zip::TooLarge::Entries(n) => Problem::TooManyFiles(n),
            zip::TooLarge::Bytes(_) => Problem::TooLarge(size),
        })?
    } else {
        std::fs::read(&root)
            .map_err(|e| Problem::Unreadable(PathBuf::from(source), e.to_string()))?
    };
    let names = zip::names(&bytes).ok_or_else(|| Problem::NotZip(PathBuf::from(source)))?;
    let hash = sha256::hex(&sha256::digest(&bytes));
    Ok((
        Package {
            path: format!("{FOLDER}/{name}-{}.zip", &hash[..16]),
            bytes,
        },
        names,
    ))
}

/// Adds the files under `dir` to `entries`, in byte order of their names, depth first.
fn walk(
    dir: &Path,
    prefix: &str,
    exclude: &[PathBuf],
    entries: &mut Vec<zip::Entry>,
    size: &mut u64,
    seen: &mut Vec<PathBuf>,
) -> Result<(), Problem> {
    let unreadable = |path: &Path, err: &dyn std::fmt::Display| {
        Problem::Unreadable(
            PathBuf::from(format!("{prefix}{}", file_name(path))),
            err.to_string(),
        )
    };
    let canonical = std::fs::canonicalize(dir).map_err(|e| unreadable(dir, &e))?;
    if seen.contains(&canonical) {
        // A symbolic link back to a folder being read: its files are already in.
        return Ok(());
    }
    seen.push(canonical);
    let mut children: Vec<(String, PathBuf)> = Vec::new();
    for item in std::fs::read_dir(dir).map_err(|e| unreadable(dir, &e))? {
        let item = item.map_err(|e| unreadable(dir, &e))?;
        let Ok(name) = item.file_name().into_string() else {
            return Err(Problem::Unreadable(
                PathBuf::from(format!("{prefix}{}", item.file_name().to_string_lossy())),
                "the name is not UTF-8".into(),
            ));
        };
        if name.starts_with('.') {
            continue;
        }
        children.push((name, item.path()));
    }
    children.sort();
    for (name, path) in children {
        if exclude
            .iter()
            .any(|e| std::fs::canonicalize(&path).is_ok_and(|c| &c == e))
        {
            continue;
        }
        let meta = std::fs::metadata(&path).map_err(|e| unreadable(&path, &e))?;
        let inner = format!("{prefix}{name}");
        if meta.is_dir() {
            if is_output(&path) {
                continue;
            }
            walk(&path, &format!("{inner}/"), exclude, entries, size, seen)?;
        } else if meta.is_file() {
            *size += meta.len();
            if *size > MAX_UNZIPPED {
                return Err(Problem::TooLarge(*size));
            }
            let bytes = std::fs::read(&path).map_err(|e| unreadable(&path, &e))?;
            entries.push(zip::Entry {
                name: inner,
                bytes,
                executable: executable(&meta),
            });
        }
    }
    seen.pop();
    Ok(())
}

/// Whether a folder holds an AWS output of updraft (`packages/` beside a template or
/// `main.tf`): another target's `--out` inside the code folder. Packaging it would make each
/// compile change the other's package, and the two would never settle.
fn is_output(dir: &Path) -> bool {
    dir.join(FOLDER).is_dir()
        && ["template.json", "template.yaml", "main.tf"]
            .iter()
            .any(|f| dir.join(f).is_file())
}

fn file_name(path: &Path) -> String {
    path.file_name()
        .map_or_else(String::new, |n| n.to_string_lossy().into_owned())
}

#[cfg(unix)]
fn executable(meta: &std::fs::Metadata) -> bool {
    use std::os::unix::fs::PermissionsExt;
    meta.permissions().mode() & 0o111 != 0
}

#[cfg(not(unix))]
fn executable(_meta: &std::fs::Metadata) -> bool {
    false
}

/// The files a handler may live in, by runtime; `None` when the runtime's handler names a
/// class in a build artifact (Java, .NET), which updraft does not look into.
#[must_use]
pub fn handler_files(handler: &str, runtime: &str) -> Option<Vec<String>> {
    if runtime.starts_with("provided") {
        // A custom runtime starts the package's `bootstrap`, whatever the handler says.
        return Some(vec!["bootstrap".into()]);
    }
    if runtime.starts_with("nodejs") {
        // `dir/file.export`: the module is the name before the first dot of the last part.
        let (dir, last) = handler
            .rsplit_once('/')
            .map_or(("", handler), |(d, l)| (d, l));
        let module = last.split('.').next().unwrap_or(last);
        let base = if dir.is_empty() {
            module.to_string()
        } else {
            format!("{dir}/{module}")
        };
        return Some(
            ["js", "mjs", "cjs"]
                .iter()
                .map(|ext| format!("{base}.{ext}"))
                .collect(),
        );
    }
    if runtime.starts_with("python") {
        // `pkg.module.function` or `pkg/module.function`: the module is all before the last dot.
        let module = handler.rsplit_once('.').map_or(handler, |(m, _)| m);
        let base = module.replace('.', "/");
        return Some(vec![format!("{base}.py"), format!("{base}/__init__.py")]);
    }
    if runtime.starts_with("ruby") {
        let file = handler.split('.').next().unwrap_or(handler);
        return Some(vec![format!("{file}.rb")]);
    }
    None
}

fn missing_handler(
    function: &str,
    handler: &str,
    source: &str,
    expected: &[String],
    span: Span,
) -> Diagnostic {
    let shown = if source == "." {
        "the spec's folder".to_string()
    } else {
        format!("`{source}`")
    };
    let files = expected
        .iter()
        .map(|e| format!("`{e}`"))
        .collect::<Vec<_>>()
        .join(" or ");
    Diagnostic::new(
        Code::MissingCode,
        format!("the handler of function `{function}` is not in its code: {shown} has no {files}"),
    )
    .with_label(span, format!("`{handler}` needs {files}"))
    .with_help(format!(
        "create {} in {shown}, or fix `handler` (or `code`, which says where the code is)",
        expected
            .first()
            .map_or_else(String::new, |e| format!("`{e}`"))
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn handler_files_per_runtime() {
        assert_eq!(
            handler_files("src/photos.get", "nodejs22.x").unwrap(),
            vec!["src/photos.js", "src/photos.mjs", "src/photos.cjs"]
        );
        assert_eq!(
            handler_files("index.handlers.get", "nodejs24.x").unwrap()[0],
            "index.js"
        );
        assert_eq!(
            handler_files("report/build.handler", "python3.12").unwrap(),
            vec!["report/build.py", "report/build/__init__.py"]
        );
        assert_eq!(
            handler_files("report.build.handler", "python3.12").unwrap()[0],
            "report/build.py"
        );
        assert_eq!(
            handler_files("anything", "provided.al2023").unwrap(),
            vec!["bootstrap"]
        );
        assert_eq!(handler_files("Acme::Fn", "dotnet10"), None);
    }

    #[test]
    fn stems_and_keys() {
        assert_eq!(normalize(None), ".");
        assert_eq!(normalize(Some("./")), ".");
        assert_eq!(normalize(Some("./dist/thumbs.zip")), "dist/thumbs.zip");
        assert_eq!(stem("dist/thumbs.zip"), "thumbs");
        assert_eq!(stem("services/My API"), "my-api");
    }

    /// A zip named by `code:` is used as it is; its handler is looked up in its listing.
    #[test]
    fn a_zip_is_packaged_unchanged_and_its_listing_checked() {
        let dir = std::env::temp_dir().join(format!("updraft-zip-code-{}", std::process::id()));
        std::fs::create_dir_all(dir.join("dist")).unwrap();
        let archive = zip::write(&[zip::Entry {
            name: "thumbs.py".into(),
            bytes: b"def handler(e, c):\n    return 1\n".to_vec(),
            executable: false,
        }])
        .unwrap();
        std::fs::write(dir.join("dist/thumbs.zip"), &archive).unwrap();
        let spec = |handler: &str| {
            format!(
                "app: z\nfunctions:\n  t:\n    handler: {handler}\n    runtime: python3.12\n    code: dist/thumbs.zip\n"
            )
        };
        let load = |text: String| {
            crate::load(
                &crate::source::SourceFile::new("u.yaml", text),
                &crate::Options::default(),
            )
            .unwrap()
        };
        let mut model = load(spec("thumbs.handler"));
        let packages = attach(&mut model, &dir, &[]).unwrap();
        assert_eq!(packages.len(), 1);
        assert_eq!(packages[0].bytes, archive);
        assert!(packages[0].path.starts_with("packages/thumbs-"));
        let mut model = load(spec("resize.handler"));
        let errors = attach(&mut model, &dir, &[]).unwrap_err();
        assert_eq!(errors.len(), 1);
        assert_eq!(errors[0].code, Code::MissingCode);
        assert!(
            errors[0].message.contains("`resize.py`"),
            "{}",
            errors[0].message
        );
        std::fs::remove_dir_all(&dir).ok();
    }
}
