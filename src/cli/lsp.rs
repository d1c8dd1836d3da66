//! `updraft lsp`: the language server, for editors.

use std::io;

use super::{ExitStatus, Output};

/// Run the language server on stdin/stdout (Language Server Protocol). Editors start it:
/// diagnostics from check and lint as you type, completion of keys, resource names, access
/// levels and `${...}` references, hover with a function's permissions and their provenance,
/// go to definition, find references and rename.
#[derive(Debug, clap::Args)]
#[command(after_help = "Examples: (editor settings, see README)
  Neovim:  vim.lsp.config('updraft', { cmd = { 'updraft', 'lsp' }, filetypes = { 'yaml' } })
  Helix:   [language-server.updraft] command = \"updraft\", args = [\"lsp\"]")]
pub struct Args {}

pub fn run(_: &Args, out: &mut Output<'_>) -> io::Result<ExitStatus> {
    match crate::lsp::serve() {
        Ok(()) => Ok(ExitStatus::Success),
        Err(err) => {
            writeln!(out.stderr, "error: language server: {err}")?;
            Ok(ExitStatus::Error)
        }
    }
}
