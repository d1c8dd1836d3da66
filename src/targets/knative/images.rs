//! Images from source: with `--registry`, each `handler` function becomes the image
//! `REGISTRY/<app>-<function>:<tag>`, the tag a hash of the function's code, and the output
//! gets what builds it: a Cloud Native Buildpacks `project.toml` and `Procfile` per function,
//! the adapter that runs the Lambda handler unchanged behind Knative's HTTP and CloudEvents
//! (`targets/knative/adapter/`), and `build/build.sh`, which assembles each build context and
//! runs `pack build`.
//!
//! The tag hashes the files of the code folder (relative paths and contents, in path order),
//! so it changes exactly when the code does. When the code is not found where the spec says
//! (no folder given to read, or no handler file in it), the tag hashes the handler and the
//! runtime instead, and a warning says so.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use super::Builder;
use crate::diag::{Code, Diagnostic};
use crate::model::{CodeSource, Function};
use crate::package::sha256;

/// The Python adapter, shipped into the output.
pub const PYTHON_ADAPTER: &str =
    include_str!("../../../targets/knative/adapter/updraft_adapter.py");
/// The Node.js adapter, shipped into the output.
pub const NODE_ADAPTER: &str = include_str!("../../../targets/knative/adapter/updraft-adapter.js");

/// The buildpacks builder the build descriptions name.
const BUILDER: &str = "paketobuildpacks/builder-jammy-base";

/// A runtime the adapter serves.
#[derive(Clone, Copy, PartialEq, Eq)]
pub(crate) enum Language {
    Python,
    Node,
    /// A custom runtime (`provided.*`): the code's `bootstrap`, served by the Python adapter
    /// through a local Lambda Runtime API.
    Bootstrap,
}

impl Language {
    /// The language of a Lambda runtime name, with its version (`python3.12` → 3.12).
    pub fn of(runtime: &str) -> Option<(Language, String)> {
        if runtime.starts_with("provided") {
            return Some((Language::Bootstrap, "3".to_string()));
        }
        if let Some(v) = runtime.strip_prefix("python") {
            return Some((Language::Python, v.to_string()));
        }
        let v = runtime.strip_prefix("nodejs")?;
        Some((Language::Node, v.trim_end_matches(".x").to_string()))
    }

    fn adapter(self) -> (&'static str, &'static str) {
        match self {
            Language::Python | Language::Bootstrap => ("updraft_adapter.py", PYTHON_ADAPTER),
            Language::Node => ("updraft-adapter.js", NODE_ADAPTER),
        }
    }

    /// The files the handler's module may be, relative to the code folder (the same rule
    /// as the packaging of handler code for Lambda).
    fn module_files(handler: &str, runtime: &str) -> Vec<String> {
        crate::package::handler_files(handler, runtime).unwrap_or_default()
    }
}

/// One function's image and how it is built.
pub(crate) struct Image {
    pub function: String,
    pub reference: String,
    pub handler: String,
    pub language: Language,
    pub version: String,
    /// The code's path as the spec gives it (`.` when unset).
    pub code: String,
    /// Whether the tag hashes the code (`true`) or only the handler and runtime.
    pub from_code: bool,
}

/// The images of the `handler` functions; reports what cannot be built.
pub(super) fn plan(
    b: &mut Builder<'_>,
    registry: Option<&str>,
    root: Option<&Path>,
) -> BTreeMap<String, Image> {
    let mut images = BTreeMap::new();
    let mut missing = Vec::new();
    for f in &b.model.functions {
        let CodeSource::Handler {
            handler,
            runtime,
            path,
            ..
        } = &f.code
        else {
            continue;
        };
        let Some(registry) = registry else {
            b.error(no_registry(f));
            continue;
        };
        let Some((language, version)) = Language::of(&runtime.value) else {
            b.error(
                Diagnostic::new(
                    Code::ImageRequired,
                    format!(
                        "Knative: function `{}` runs on `{}`, for which updraft has no adapter",
                        f.name, runtime.value
                    ),
                )
                .with_label(
                    f.code_span,
                    "a handler in a runtime the adapter does not serve",
                )
                .with_help(
                    "the Knative adapter runs Python and Node.js handlers and custom runtimes \
                     (`provided.*`); for this runtime build an image that serves HTTP on `$PORT` \
                     and set `image:` (a stage can set it for the Knative deployment)",
                ),
            );
            continue;
        };
        let code = path
            .as_ref()
            .map_or_else(|| ".".to_string(), |p| p.value.clone());
        let files = Language::module_files(handler, &runtime.value);
        let hashed = root.and_then(|root| hash_code(&root.join(&code), &files));
        let from_code = hashed.is_some();
        let tag = hashed.unwrap_or_else(|| {
            missing.push(f);
            let text = format!("handler\0{handler}\0{}", runtime.value);
            sha256::hex(&sha256::digest(text.as_bytes()))
        });
        let reference = format!(
            "{}/{}-{}:{}",
            registry.trim_end_matches('/'),
            b.model.app,
            f.name,
            &tag[..16]
        );
        images.insert(
            f.name.clone(),
            Image {
                function: f.name.clone(),
                reference,
                handler: handler.clone(),
                language,
                version,
                code,
                from_code,
            },
        );
    }
    if let Some(first) = missing.first() {
        let names: Vec<String> = missing.iter().map(|f| format!("`{}`", f.name)).collect();
        b.warnings.push(
            Diagnostic::new(
                Code::NeedsInput,
                format!(
                    "Knative: the code of {} was not found next to the spec; the image tags hash the handler and runtime, not the code",
                    names.join(", ")
                ),
            )
            .with_label(first.code_span, "no handler file in the code folder")
            .with_help(
                "build the code before compiling (a `code:` folder or zip holding the handler's \
                 file), so that each change of the code gives a new tag; with these tags a new \
                 build must be pushed under the same reference",
            ),
        );
    }
    images
}

fn no_registry(f: &Function) -> Diagnostic {
    Diagnostic::new(
        Code::ImageRequired,
        format!(
            "Knative: function `{}` has a handler but no container image",
            f.name
        ),
    )
    .with_label(f.code_span, "a handler and a code package, no image")
    .with_help(
        "pass `--registry REGISTRY` (for example `--registry ghcr.io/acme`): updraft then names \
         an image per function, built from its code with buildpacks and an adapter that runs the \
         handler unchanged; or set `image:` to an image that serves HTTP on `$PORT`",
    )
}

/// The SHA-256 (hex) of the code at `path` (a folder, or a zip file), or `None` when none
/// of the handler's possible `files` is in it.
fn hash_code(path: &Path, files: &[String]) -> Option<String> {
    if path.is_file() {
        let bytes = std::fs::read(path).ok()?;
        return Some(sha256::hex(&sha256::digest(&bytes)));
    }
    if !files.iter().any(|m| path.join(m).is_file()) {
        return None;
    }
    let mut files = Vec::new();
    walk(path, path, &mut files);
    files.sort();
    let mut all = Vec::new();
    for (rel, full) in files {
        let bytes = std::fs::read(&full).ok()?;
        all.extend_from_slice(rel.as_bytes());
        all.push(0);
        all.extend_from_slice(&(bytes.len() as u64).to_le_bytes());
        all.extend_from_slice(&bytes);
    }
    Some(sha256::hex(&sha256::digest(&all)))
}

fn walk(root: &Path, dir: &Path, out: &mut Vec<(String, PathBuf)>) {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return;
    };
    for entry in entries.flatten() {
        let path = entry.path();
        if entry.file_name() == ".git" {
            continue;
        }
        if path.is_dir() {
            // updraft's own output folders (a `--out` inside the code) are not code: hashing
            // them would change the tag on every compilation.
            if path.join(crate::emit::folder::MANIFEST).exists() {
                continue;
            }
            walk(root, &path, out);
        } else if let Ok(rel) = path.strip_prefix(root) {
            let rel: Vec<String> = rel
                .components()
                .map(|c| c.as_os_str().to_string_lossy().into_owned())
                .collect();
            out.push((rel.join("/"), path));
        }
    }
}

/// The build files: per function `build/<function>/project.toml` and `Procfile`, the adapters
/// the app needs under `build/adapter/`, and `build/build.sh`.
pub(super) fn artifacts(app: &str, images: &BTreeMap<String, Image>) -> Vec<(String, String)> {
    let mut files = Vec::new();
    if images.is_empty() {
        return files;
    }
    let mut languages = Vec::new();
    let mut script = format!(
        "#!/bin/sh\n\
         # Builds and pushes the images of app `{app}` with Cloud Native Buildpacks (`pack`).\n\
         # Usage: sh build/build.sh SPEC_DIR   (the folder of the spec; code paths are relative to it)\n\
         # Each build context is the function's code, its project.toml and Procfile, and the adapter.\n\
         set -eu\n\
         spec_dir=${{1:?usage: build.sh SPEC_DIR}}\n\
         here=$(cd \"$(dirname \"$0\")\" && pwd)\n\
         build() {{ # function code adapter image\n\
         \x20 ctx=$(mktemp -d)\n\
         \x20 case \"$2\" in\n\
         \x20   *.zip) unzip -q \"$spec_dir/$2\" -d \"$ctx\" ;;\n\
         \x20   *) cp -R \"$spec_dir/$2/.\" \"$ctx/\" ;;\n\
         \x20 esac\n\
         \x20 cp \"$here/adapter/$3\" \"$here/$1/project.toml\" \"$here/$1/Procfile\" \"$ctx/\"\n\
         \x20 pack build \"$4\" --path \"$ctx\" --publish\n\
         \x20 rm -rf \"$ctx\"\n\
         }}\n"
    );
    for image in images.values() {
        let (adapter, _) = image.language.adapter();
        let shipped = match image.language {
            Language::Bootstrap => Language::Python,
            other => other,
        };
        if !languages.contains(&shipped) {
            languages.push(shipped);
        }
        let (version_env, start) = match image.language {
            Language::Python => ("BP_CPYTHON_VERSION", format!("python {adapter}")),
            Language::Node => ("BP_NODE_VERSION", format!("node {adapter}")),
            Language::Bootstrap => (
                "BP_CPYTHON_VERSION",
                format!("python {adapter} --runtime-api ./bootstrap"),
            ),
        };
        let tag_note = if image.from_code {
            format!("the tag hashes the code in `{}`", image.code)
        } else {
            "the code was not found when compiling: the tag hashes the handler and runtime".into()
        };
        files.push((
            format!("build/{}/project.toml", image.function),
            format!(
                "# Buildpacks project descriptor of function `{function}` (updraft).\n\
                 # Image: {reference} ({tag_note}).\n\
                 # The build context is `{code}` plus this file, the Procfile and {adapter}: see build/build.sh.\n\
                 [_]\n\
                 schema-version = \"0.2\"\n\
                 id = \"{app}-{function}\"\n\
                 \n\
                 [io.buildpacks]\n\
                 builder = \"{BUILDER}\"\n\
                 \n\
                 [[io.buildpacks.build.env]]\n\
                 name = \"{version_env}\"\n\
                 value = \"{version}.*\"\n",
                function = image.function,
                reference = image.reference,
                code = image.code,
                version = image.version,
            ),
        ));
        files.push((
            format!("build/{}/Procfile", image.function),
            format!("web: {start}\n"),
        ));
        script.push_str(&format!(
            "build {} {} {adapter} {}\n",
            image.function,
            shell_word(&image.code),
            image.reference
        ));
    }
    for language in languages {
        let (name, text) = language.adapter();
        files.push((format!("build/adapter/{name}"), text.to_string()));
    }
    files.push(("build/build.sh".into(), script));
    files.sort();
    files
}

/// A word for `sh`: single-quoted unless it is plain.
fn shell_word(s: &str) -> String {
    if !s.is_empty()
        && s.bytes()
            .all(|c| c.is_ascii_alphanumeric() || b"._/-".contains(&c))
    {
        s.to_string()
    } else {
        format!("'{}'", s.replace('\'', "'\\''"))
    }
}

/// Whether `registry` can prefix an image reference: a host with an optional port and
/// path, lowercase, without a tag or digest.
pub(super) fn valid_registry(registry: &str) -> bool {
    let r = registry.trim_end_matches('/');
    !r.is_empty()
        && !r.contains("//")
        && !r.starts_with('/')
        && r.bytes()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || b"._-/:".contains(&c))
        && !r
            .rsplit('/')
            .next()
            .is_some_and(|last| last.contains(':') && r.contains('/'))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn runtimes_and_registries() {
        assert!(
            Language::of("python3.12").is_some_and(|(l, v)| l == Language::Python && v == "3.12")
        );
        assert!(Language::of("nodejs22.x").is_some_and(|(l, v)| l == Language::Node && v == "22"));
        assert!(Language::of("provided.al2023").is_some_and(|(l, _)| l == Language::Bootstrap));
        assert!(Language::of("java21").is_none());
        assert!(valid_registry("registry.example.com/acme"));
        assert!(valid_registry("localhost:5000"));
        assert!(!valid_registry("Registry.example.com"));
        assert!(!valid_registry("ghcr.io/acme/app:1"));
        assert!(!valid_registry(""));
    }

    #[test]
    fn module_files_follow_the_handler() {
        let node = Language::module_files("src/photos.get", "nodejs22.x");
        assert!(node.contains(&"src/photos.js".to_string()), "{node:?}");
        assert_eq!(
            Language::module_files("x", "provided.al2023"),
            ["bootstrap"]
        );
    }
}
