//! The `--out` folder, written all or nothing.
//!
//! updraft owns the files it lists in the folder's manifest (`.updraft-manifest`) and no
//! others: files a user or a tool put beside them (`.terraform/`, state, notes) are never
//! touched. A compile:
//!
//! 1. takes an exclusive lock on `.updraft-lock` (released by the OS if the process dies), so
//!    two compiles into one folder run one after the other instead of colliding;
//! 2. removes temporaries that a killed compile left (only names updraft makes);
//! 3. writes every file to a temporary beside its target: an unpredictable name created with
//!    `create_new` (`O_EXCL`), so a planted file or link is never written through;
//! 4. only when every temporary is written, renames each over its target, removes the files
//!    the previous compile wrote that this one does not emit, and writes the new manifest;
//! 5. syncs each folder it changed once.
//!
//! A failure in step 3 (disk full, permissions) removes the temporaries and leaves the folder
//! as it was. A kill in step 4 can leave some files old and some new; the next compile (or
//! `--check`) repairs or reports that. Durability: file contents are not synced one by one (a
//! sync per file is what made a 250-file compile take 2 s); the folder syncs make the renames
//! durable, so after a power cut right after a compile a file can be empty, never a mix.

use std::collections::BTreeSet;
use std::fs::{self, File, OpenOptions};
use std::hash::{BuildHasher, Hasher};
use std::io::{self, Write};
use std::path::{Component, Path, PathBuf};

/// The list of files updraft wrote in the folder, one relative path per line.
pub const MANIFEST: &str = ".updraft-manifest";
/// Held while a compile writes the folder.
pub const LOCK: &str = ".updraft-lock";
/// Every temporary's name contains this.
const TEMP_MARK: &str = ".updraft-tmp-";

/// A file to write, relative to the folder.
pub struct Item<'a> {
    pub path: &'a Path,
    pub bytes: &'a [u8],
}

/// An I/O error with the path it happened on.
#[derive(Debug)]
pub struct Error {
    pub path: PathBuf,
    pub error: io::Error,
}

impl std::fmt::Display for Error {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "`{}`: {}", self.path.display(), self.error)
    }
}

fn at(path: &Path) -> impl FnOnce(io::Error) -> Error + '_ {
    move |error| Error {
        path: path.to_path_buf(),
        error,
    }
}

/// Whether a relative path stays inside the folder (no `..`, no root, not empty).
#[must_use]
pub fn inside(path: &Path) -> bool {
    path.components().next().is_some()
        && path.components().all(|c| matches!(c, Component::Normal(_)))
}

/// What `--check` reports: files that would change, files updraft wrote before and would now
/// remove, and temporaries a killed compile left. Empty when the folder is up to date.
///
/// # Errors
/// An error reading the folder (a missing folder is not an error: everything differs).
pub fn differences(dir: &Path, files: &[Item<'_>]) -> Result<Vec<PathBuf>, Error> {
    let mut out = Vec::new();
    for f in files {
        let path = dir.join(f.path);
        if fs::read(&path).ok().as_deref() != Some(f.bytes) {
            out.push(path);
        }
    }
    let emitted: BTreeSet<&Path> = files.iter().map(|f| f.path).collect();
    for old in read_manifest(dir)? {
        if !emitted.contains(old.as_path()) && dir.join(&old).symlink_metadata().is_ok() {
            out.push(dir.join(old));
        }
    }
    out.extend(temporaries(dir, files)?);
    let manifest = dir.join(MANIFEST);
    if fs::read(&manifest).ok().as_deref() != Some(manifest_text(files).as_bytes()) {
        out.push(manifest);
    }
    out.sort();
    out.dedup();
    Ok(out)
}

/// Writes `files` into `dir` (created if missing), replacing and removing only what updraft
/// owns. See the module documentation for the guarantees.
///
/// # Errors
/// The first I/O error, with its path. Before the renames, the folder is left unchanged.
pub fn write(dir: &Path, files: &[Item<'_>]) -> Result<(), Error> {
    fs::create_dir_all(dir).map_err(at(dir))?;
    let lock_path = dir.join(LOCK);
    let lock = open_lock(&lock_path).map_err(at(&lock_path))?;
    lock.lock().map_err(at(&lock_path))?;
    for stray in temporaries(dir, files)? {
        fs::remove_file(&stray).map_err(at(&stray))?;
    }
    let manifest = PathBuf::from(MANIFEST);
    let manifest_text = manifest_text(files);
    let manifest_item = Item {
        path: &manifest,
        bytes: manifest_text.as_bytes(),
    };
    let all = files.iter().chain(std::iter::once(&manifest_item));
    // Step 3: every temporary, or none.
    let mut staged: Vec<(PathBuf, PathBuf)> = Vec::new();
    for f in all {
        match stage(dir, f) {
            Ok(pair) => staged.push(pair),
            Err(e) => {
                for (tmp, _) in &staged {
                    let _ = fs::remove_file(tmp);
                }
                return Err(e);
            }
        }
    }
    // Step 4: swap in (the manifest last), then remove what is no longer emitted.
    let old = read_manifest(dir)?;
    let mut changed: BTreeSet<PathBuf> = BTreeSet::new();
    for (tmp, target) in &staged {
        fs::rename(tmp, target).map_err(at(target))?;
        changed.insert(parent(target).to_path_buf());
    }
    let emitted: BTreeSet<&Path> = files.iter().map(|f| f.path).collect();
    for gone in old.iter().filter(|p| !emitted.contains(p.as_path())) {
        let path = dir.join(gone);
        match fs::remove_file(&path) {
            Ok(()) => {
                changed.insert(parent(&path).to_path_buf());
                remove_empty_parents(dir, &path);
            }
            Err(e) if e.kind() == io::ErrorKind::NotFound => {}
            Err(e) => return Err(at(&path)(e)),
        }
    }
    // Step 5: one sync per changed folder.
    for folder in &changed {
        if let Ok(d) = File::open(folder) {
            d.sync_all().map_err(at(folder))?;
        }
    }
    drop(lock);
    Ok(())
}

/// Writes one file through a fresh temporary, synced, then renamed over `path`.
pub(super) fn write_file(path: &Path, bytes: &[u8]) -> io::Result<()> {
    let dir = parent(path);
    fs::create_dir_all(dir)?;
    let name = path
        .file_name()
        .ok_or_else(|| io::Error::new(io::ErrorKind::InvalidInput, "the path has no file name"))?;
    let item = Item {
        path: Path::new(name),
        bytes,
    };
    let (tmp, target) = stage(dir, &item).map_err(|e| e.error)?;
    let result = File::open(&tmp)
        .and_then(|f| f.sync_all())
        .and_then(|()| fs::rename(&tmp, &target));
    if result.is_err() {
        let _ = fs::remove_file(&tmp);
    }
    result
}

/// Opens the lock file without following a link planted in its place.
fn open_lock(path: &Path) -> io::Result<File> {
    match OpenOptions::new().write(true).create_new(true).open(path) {
        Ok(file) => Ok(file),
        Err(e) if e.kind() == io::ErrorKind::AlreadyExists => {
            if path.symlink_metadata()?.file_type().is_symlink() {
                return Err(io::Error::new(
                    io::ErrorKind::InvalidInput,
                    "is a symbolic link; updraft does not follow links in --out",
                ));
            }
            OpenOptions::new().read(true).open(path)
        }
        Err(e) => Err(e),
    }
}

/// Writes one file to a fresh temporary beside its target; returns (temporary, target).
fn stage(dir: &Path, f: &Item<'_>) -> Result<(PathBuf, PathBuf), Error> {
    let target = dir.join(f.path);
    let folder = parent(&target);
    make_folders(dir, folder)?;
    let name = f
        .path
        .file_name()
        .map_or_else(|| "file".into(), |n| n.to_string_lossy().into_owned());
    // A few tries in case a name is taken: `create_new` never opens an existing file or link.
    let mut last = None;
    for _ in 0..8 {
        let tmp = folder.join(format!(".{name}{TEMP_MARK}{:016x}", unpredictable()));
        match OpenOptions::new().write(true).create_new(true).open(&tmp) {
            Ok(mut file) => {
                if let Err(e) = file.write_all(f.bytes) {
                    let _ = fs::remove_file(&tmp);
                    return Err(at(&target)(e));
                }
                return Ok((tmp, target));
            }
            Err(e) if e.kind() == io::ErrorKind::AlreadyExists => last = Some(e),
            Err(e) => return Err(at(&target)(e)),
        }
    }
    Err(at(&target)(last.unwrap_or_else(|| {
        io::Error::other("no free temporary name")
    })))
}

/// Creates the folders between `dir` and `folder`, refusing any that is a symbolic link (a
/// planted `stacks -> /etc` must not redirect a write).
fn make_folders(dir: &Path, folder: &Path) -> Result<(), Error> {
    let Ok(relative) = folder.strip_prefix(dir) else {
        return Ok(());
    };
    let mut current = dir.to_path_buf();
    for part in relative.components() {
        current.push(part);
        match current.symlink_metadata() {
            Ok(meta) if meta.file_type().is_symlink() => {
                return Err(at(&current)(io::Error::new(
                    io::ErrorKind::InvalidInput,
                    "is a symbolic link; updraft does not follow links in --out",
                )));
            }
            Ok(meta) if meta.is_dir() => {}
            Ok(_) => {
                return Err(at(&current)(io::Error::new(
                    io::ErrorKind::AlreadyExists,
                    "is a file where updraft needs a folder",
                )));
            }
            Err(e) if e.kind() == io::ErrorKind::NotFound => {
                fs::create_dir(&current).map_err(at(&current))?;
            }
            Err(e) => return Err(at(&current)(e)),
        }
    }
    Ok(())
}

/// A 64-bit value no other process can predict: std's per-process random hash keys, the
/// process id and the time.
fn unpredictable() -> u64 {
    let mut h = std::collections::hash_map::RandomState::new().build_hasher();
    h.write_u32(std::process::id());
    if let Ok(t) = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH) {
        h.write_u128(t.as_nanos());
    }
    h.finish()
}

fn parent(path: &Path) -> &Path {
    match path.parent() {
        Some(p) if !p.as_os_str().is_empty() => p,
        _ => Path::new("."),
    }
}

/// Removes the folders above a removed file that are now empty, up to `dir` (exclusive).
fn remove_empty_parents(dir: &Path, removed: &Path) {
    let mut folder = parent(removed);
    while folder != dir && folder.starts_with(dir) {
        if fs::remove_dir(folder).is_err() {
            break;
        }
        folder = parent(folder);
    }
}

fn manifest_text(files: &[Item<'_>]) -> String {
    let mut paths: Vec<String> = files
        .iter()
        .map(|f| f.path.to_string_lossy().replace('\\', "/"))
        .collect();
    paths.sort();
    let mut text = String::from(
        "# Files updraft wrote here. The next compile replaces them and removes those it no\n\
         # longer emits; nothing else in this folder is touched.\n",
    );
    for p in paths {
        text.push_str(&p);
        text.push('\n');
    }
    text
}

/// The paths of the previous manifest that stay inside the folder (a hand-edited `../x`
/// line is ignored, never followed).
fn read_manifest(dir: &Path) -> Result<Vec<PathBuf>, Error> {
    let path = dir.join(MANIFEST);
    match fs::read_to_string(&path) {
        Ok(text) => Ok(text
            .lines()
            .filter(|l| !l.starts_with('#') && !l.trim().is_empty())
            .map(PathBuf::from)
            .filter(|p| inside(p) && p != Path::new(MANIFEST) && p != Path::new(LOCK))
            .collect()),
        Err(e) if e.kind() == io::ErrorKind::NotFound => Ok(Vec::new()),
        Err(e) => Err(at(&path)(e)),
    }
}

/// Temporaries left by a killed compile, in the folders updraft writes.
fn temporaries(dir: &Path, files: &[Item<'_>]) -> Result<Vec<PathBuf>, Error> {
    let folders: BTreeSet<PathBuf> = std::iter::once(dir.to_path_buf())
        .chain(
            files
                .iter()
                .map(|f| parent(&dir.join(f.path)).to_path_buf()),
        )
        .collect();
    let mut found = Vec::new();
    for folder in folders {
        let entries = match fs::read_dir(&folder) {
            Ok(entries) => entries,
            Err(e) if e.kind() == io::ErrorKind::NotFound => continue,
            Err(e) => return Err(at(&folder)(e)),
        };
        for entry in entries {
            let entry = entry.map_err(at(&folder))?;
            if entry.file_name().to_string_lossy().contains(TEMP_MARK) {
                found.push(entry.path());
            }
        }
    }
    found.sort();
    Ok(found)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn folder(name: &str) -> PathBuf {
        let dir =
            std::env::temp_dir().join(format!("updraft-folder-{name}-{}", std::process::id()));
        let _ = fs::remove_dir_all(&dir);
        dir
    }

    fn files<'a>(list: &'a [(&'a str, &'a str)]) -> Vec<Item<'a>> {
        list.iter()
            .map(|(p, b)| Item {
                path: Path::new(p),
                bytes: b.as_bytes(),
            })
            .collect()
    }

    #[test]
    fn removes_what_it_no_longer_emits_and_nothing_else() {
        let dir = folder("remove");
        write(
            &dir,
            &files(&[
                ("a.json", "1"),
                ("stacks/s1.json", "2"),
                ("stacks/s2.json", "3"),
            ]),
        )
        .unwrap();
        fs::write(dir.join("notes.txt"), "mine").unwrap();
        let next = files(&[("a.json", "4")]);
        let stale = differences(&dir, &next).unwrap();
        assert_eq!(
            stale,
            [
                dir.join(MANIFEST),
                dir.join("a.json"),
                dir.join("stacks/s1.json"),
                dir.join("stacks/s2.json")
            ]
        );
        write(&dir, &next).unwrap();
        assert_eq!(fs::read_to_string(dir.join("a.json")).unwrap(), "4");
        assert!(!dir.join("stacks").exists(), "emptied folder left behind");
        assert_eq!(fs::read_to_string(dir.join("notes.txt")).unwrap(), "mine");
        assert!(differences(&dir, &next).unwrap().is_empty());
        fs::remove_dir_all(&dir).unwrap();
    }

    #[test]
    fn a_planted_link_is_never_written_through() {
        let dir = folder("links");
        let outside = folder("links-outside");
        fs::create_dir_all(&dir).unwrap();
        fs::create_dir_all(&outside).unwrap();
        // A link where a file goes is replaced, not followed.
        std::os::unix::fs::symlink(outside.join("victim"), dir.join("a.json")).unwrap();
        // A link where a folder goes is refused.
        std::os::unix::fs::symlink(&outside, dir.join("stacks")).unwrap();
        let err = write(&dir, &files(&[("a.json", "1"), ("stacks/s.json", "2")])).unwrap_err();
        assert_eq!(err.path, dir.join("stacks"));
        assert!(
            fs::read_dir(&outside).unwrap().next().is_none(),
            "wrote outside --out"
        );
        // Nothing was swapped in: the failed compile left the folder as it was.
        assert!(
            dir.join("a.json")
                .symlink_metadata()
                .unwrap()
                .file_type()
                .is_symlink()
        );
        assert!(
            temporaries(&dir, &files(&[("a.json", "")]))
                .unwrap()
                .is_empty()
        );
        fs::remove_file(dir.join("stacks")).unwrap();
        write(&dir, &files(&[("a.json", "1"), ("stacks/s.json", "2")])).unwrap();
        assert!(
            !dir.join("a.json")
                .symlink_metadata()
                .unwrap()
                .file_type()
                .is_symlink()
        );
        assert!(!outside.join("victim").exists());
        fs::remove_dir_all(&dir).unwrap();
        fs::remove_dir_all(&outside).unwrap();
    }

    #[test]
    fn check_sees_stray_temporaries_and_the_next_write_removes_them() {
        let dir = folder("strays");
        let list = files(&[("a.json", "1")]);
        write(&dir, &list).unwrap();
        let stray = dir.join(format!(".a.json{TEMP_MARK}0123456789abcdef"));
        fs::write(&stray, "half").unwrap();
        assert_eq!(
            differences(&dir, &list).unwrap(),
            std::slice::from_ref(&stray)
        );
        write(&dir, &list).unwrap();
        assert!(!stray.exists());
        fs::remove_dir_all(&dir).unwrap();
    }

    #[test]
    fn concurrent_writes_into_one_folder_both_succeed_whole() {
        let dir = folder("concurrent");
        let threads: Vec<_> = (0..4)
            .map(|i| {
                let dir = dir.clone();
                std::thread::spawn(move || {
                    let body = format!("{i}").repeat(10_000);
                    for _ in 0..20 {
                        write(&dir, &files(&[("a.json", &body), ("b.json", &body)])).unwrap();
                    }
                })
            })
            .collect();
        for t in threads {
            t.join().unwrap();
        }
        let a = fs::read_to_string(dir.join("a.json")).unwrap();
        assert_eq!(a.len(), 10_000);
        assert_eq!(
            a,
            fs::read_to_string(dir.join("b.json")).unwrap(),
            "files of two runs mixed"
        );
        fs::remove_dir_all(&dir).unwrap();
    }
}
