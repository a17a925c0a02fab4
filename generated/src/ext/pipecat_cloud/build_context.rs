//! Packaging a source directory as a Pipecat Cloud build context: the deterministic `.tar.gz`
//! that a cloud build starts from, and its context hash.
//!
//! The rules are those of the vendor's CLI (`pipecatcloud` 1.4.0, `pcc deploy`), with the
//! choices it leaves open made explicit; [`package_build_context`] lists them. This step is
//! pure and blocking: it reads the directory and writes one file. Looking the hash up in the
//! build cache, uploading and building are separate steps.

use std::fmt;
use std::fs::{self, File, OpenOptions};
use std::io::{self, BufWriter, Read, Write};
use std::path::{Component, Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{SystemTime, UNIX_EPOCH};

use flate2::{Compression, GzBuilder};
use md5::{Digest, Md5};

/// The patterns left out of a build context whose directory has no `.dockerignore` (the
/// vendor CLI's list): version control, secrets, virtual environments, caches, build output,
/// editor and OS files, and the CLI's own `pcc-deploy.toml`.
pub const DEFAULT_EXCLUDES: &[&str] = &[
    ".git",
    ".gitignore",
    ".gitattributes",
    ".env",
    ".env.*",
    "*.pem",
    "*.key",
    "__pycache__",
    "*.pyc",
    "*.pyo",
    "*.pyd",
    "*.so",
    ".Python",
    ".venv",
    "venv",
    "ENV",
    "env",
    ".pytest_cache",
    ".coverage",
    "htmlcov",
    ".tox",
    ".nox",
    ".mypy_cache",
    ".ruff_cache",
    ".vscode",
    ".idea",
    "*.swp",
    "*.swo",
    "dist",
    "build",
    "*.egg-info",
    "*.egg",
    ".eggs",
    "node_modules",
    ".github",
    ".claude",
    ".codex",
    ".cursor",
    "pcc-deploy.toml",
    ".ipynb_checkpoints",
    ".cache",
    ".DS_Store",
    "Thumbs.db",
    "*.log",
];

/// The default limit on a build context's uncompressed size, 500 MiB (the vendor CLI's).
pub const DEFAULT_MAX_UNCOMPRESSED: u64 = 500 * 1024 * 1024;

/// How [`package_build_context`] packages a directory. The defaults are the vendor CLI's.
#[derive(Debug, Clone)]
#[non_exhaustive]
pub struct PackageOptions {
    /// The Dockerfile, relative to the context directory. Default `Dockerfile`. It must be a
    /// file the archive holds (see [`package_build_context`]).
    pub dockerfile: PathBuf,
    /// Patterns left out in addition to [`DEFAULT_EXCLUDES`]. Ignored when the directory has a
    /// `.dockerignore`, whose patterns then replace both, as in the vendor CLI.
    pub extra_excludes: Vec<String>,
    /// The largest total size of the archived files, in bytes, before compression. Default
    /// [`DEFAULT_MAX_UNCOMPRESSED`]. A larger context is refused before anything is written.
    pub max_uncompressed: u64,
    /// Where to write the `.tar.gz`. Default `None`: a fresh temporary file, removed when the
    /// [`BuildContext`] is dropped. A given path is created or truncated, and kept.
    pub output: Option<PathBuf>,
}

impl Default for PackageOptions {
    fn default() -> Self {
        Self {
            dockerfile: PathBuf::from("Dockerfile"),
            extra_excludes: Vec::new(),
            max_uncompressed: DEFAULT_MAX_UNCOMPRESSED,
            output: None,
        }
    }
}

impl PackageOptions {
    /// Sets the Dockerfile's path, relative to the context directory.
    pub fn dockerfile(mut self, path: impl Into<PathBuf>) -> Self {
        self.dockerfile = path.into();
        self
    }

    /// Adds one pattern to leave out (when the directory has no `.dockerignore`).
    pub fn extra_exclude(mut self, pattern: impl Into<String>) -> Self {
        self.extra_excludes.push(pattern.into());
        self
    }

    /// Adds patterns to leave out (when the directory has no `.dockerignore`).
    pub fn extra_excludes<I: IntoIterator<Item = S>, S: Into<String>>(mut self, patterns: I) -> Self {
        self.extra_excludes.extend(patterns.into_iter().map(Into::into));
        self
    }

    /// Sets the limit on the uncompressed size, in bytes.
    pub fn max_uncompressed(mut self, bytes: u64) -> Self {
        self.max_uncompressed = bytes;
        self
    }

    /// Writes the `.tar.gz` to `path` (kept) instead of a temporary file.
    pub fn output(mut self, path: impl Into<PathBuf>) -> Self {
        self.output = Some(path.into());
        self
    }
}

/// A packaged build context: the `.tar.gz` on disk, its hash and what went into it.
///
/// When the archive was written to a temporary file (no [`PackageOptions::output`]), dropping
/// this removes the file; [`BuildContext::into_path`] keeps it.
#[derive(Debug)]
#[non_exhaustive]
pub struct BuildContext {
    /// The context hash the build cache is keyed by: the MD5 of the `.tar.gz` bytes, first 16
    /// lowercase hex characters.
    pub context_hash: String,
    /// The size of the `.tar.gz`, in bytes.
    pub compressed_size: u64,
    /// The total size of the archived regular files, in bytes (what the limit counts; tar
    /// headers and padding are not counted).
    pub uncompressed_size: u64,
    /// How many regular files the archive holds.
    pub file_count: usize,
    /// How many symbolic links the archive holds (links inside the context, stored as links).
    pub symlink_count: usize,
    /// Paths left out for a reason other than an exclusion pattern, sorted by path.
    pub skipped: Vec<SkippedPath>,
    /// The Dockerfile's path as given in [`PackageOptions::dockerfile`] (what the create-build
    /// call takes).
    pub dockerfile: PathBuf,
    /// Whether the exclusion patterns came from the directory's `.dockerignore` (otherwise:
    /// [`DEFAULT_EXCLUDES`] and [`PackageOptions::extra_excludes`]).
    pub used_dockerignore: bool,
    output: Output,
}

impl BuildContext {
    /// The `.tar.gz` file.
    pub fn path(&self) -> &Path {
        &self.output.path
    }

    /// Keeps the file (a temporary one too) and returns its path.
    pub fn into_path(mut self) -> PathBuf {
        self.output.remove_on_drop = false;
        std::mem::take(&mut self.output.path)
    }
}

/// A path of the context directory left out of the archive although no pattern excludes it.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct SkippedPath {
    /// The path, relative to the context directory.
    pub path: PathBuf,
    /// Why it was left out.
    pub reason: SkipReason,
}

/// Why a path was left out of the archive (see [`package_build_context`] for the symlink
/// policy).
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum SkipReason {
    /// A symbolic link with an absolute target: it would point elsewhere in the image, and on
    /// this machine it points outside the context or could.
    AbsoluteSymlink {
        /// The link's target, as stored in the link.
        target: PathBuf,
    },
    /// A symbolic link whose target is outside the context: a `..` climbs above the context
    /// directory, or a link on the way leads outside.
    EscapingSymlink {
        /// The link's target, as stored in the link.
        target: PathBuf,
    },
    /// A symbolic link that does not resolve: its target does not exist, the links loop, or a
    /// directory on the way cannot be read.
    DanglingSymlink {
        /// The link's target, as stored in the link.
        target: PathBuf,
    },
    /// A symbolic link to a path inside the context that an exclusion pattern leaves out: it
    /// would dangle in the image.
    SymlinkToExcluded {
        /// The link's target, as stored in the link.
        target: PathBuf,
        /// The pattern that leaves the target out.
        pattern: String,
    },
    /// Neither a regular file, a directory nor a symbolic link (a FIFO, socket or device).
    SpecialFile,
    /// The output file itself, when [`PackageOptions::output`] is inside the context.
    OutputFile,
}

impl fmt::Display for SkipReason {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::AbsoluteSymlink { target } => write!(f, "symbolic link to an absolute path `{}`", target.display()),
            Self::EscapingSymlink { target } => {
                write!(f, "symbolic link to `{}`, outside the build context", target.display())
            }
            Self::DanglingSymlink { target } => write!(f, "dangling symbolic link to `{}`", target.display()),
            Self::SymlinkToExcluded { target, pattern } => {
                write!(f, "symbolic link to `{}`, which the pattern `{pattern}` excludes", target.display())
            }
            Self::SpecialFile => f.write_str("not a regular file, directory or symbolic link"),
            Self::OutputFile => f.write_str("the output file itself"),
        }
    }
}

/// Why [`package_build_context`] failed. A partly written output file is removed.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum PackageError {
    /// The Dockerfile path is absolute, climbs out of the context with `..`, or is empty.
    #[error("the Dockerfile path `{}` must be relative to the build context and stay inside it", .path.display())]
    DockerfileOutsideContext {
        /// The path as given.
        path: PathBuf,
    },
    /// No file at the Dockerfile path (or a directory there).
    #[error("no Dockerfile `{}` in the build context `{}`", .path.display(), .context.display())]
    DockerfileMissing {
        /// The context directory.
        context: PathBuf,
        /// The Dockerfile path as given.
        path: PathBuf,
    },
    /// The Dockerfile exists but an exclusion pattern leaves it out, so the build could not
    /// read it.
    #[error("the Dockerfile `{}` is excluded by the pattern `{pattern}`{}", .path.display(), pattern_origin(.from_dockerignore))]
    DockerfileExcluded {
        /// The Dockerfile path as given.
        path: PathBuf,
        /// The pattern that excludes it.
        pattern: String,
        /// Whether the pattern is the `.dockerignore`'s.
        from_dockerignore: bool,
    },
    /// The Dockerfile is a symbolic link the symlink policy leaves out.
    #[error("the Dockerfile `{}` is left out: {reason}", .path.display())]
    DockerfileSkipped {
        /// The Dockerfile path as given.
        path: PathBuf,
        /// Why it is left out.
        reason: SkipReason,
    },
    /// The files to archive exceed [`PackageOptions::max_uncompressed`].
    #[error("the build context `{}` holds {size} bytes, above the limit of {limit} bytes", .context.display())]
    TooLarge {
        /// The context directory.
        context: PathBuf,
        /// The total size of the files that would be archived.
        size: u64,
        /// The limit.
        limit: u64,
    },
    /// An exclusion pattern that cannot be compiled.
    #[error("invalid exclusion pattern `{pattern}`: {reason}")]
    InvalidPattern {
        /// The pattern, after stripping.
        pattern: String,
        /// What is wrong with it.
        reason: String,
    },
    /// A file changed (size, or replaced) between listing the directory and archiving it: the
    /// archive would not match what was listed.
    #[error("`{}` changed while the build context was being packaged", .path.display())]
    Changed {
        /// The file.
        path: PathBuf,
    },
    /// Reading the directory or a file, or writing the output, failed.
    #[error("I/O error on `{}`: {source}", .path.display())]
    Io {
        /// The file or directory.
        path: PathBuf,
        /// The cause.
        #[source]
        source: io::Error,
    },
}

fn pattern_origin(from_dockerignore: &bool) -> &'static str {
    if *from_dockerignore { " of the .dockerignore" } else { "" }
}

fn io_error(path: &Path, source: io::Error) -> PackageError {
    PackageError::Io { path: path.to_owned(), source }
}

/// Packages the directory `dir` as a cloud-build context: writes a deterministic `.tar.gz` and
/// returns its path, its context hash and what went into it.
///
/// This is blocking file I/O (it reads every archived file once): async callers should run it
/// under `tokio::task::spawn_blocking`.
///
/// ```no_run
/// # async fn example() -> Result<(), Box<dyn std::error::Error>> {
/// use voice_agents::ext::pipecat_cloud::{package_build_context, PackageOptions};
///
/// let options = PackageOptions::default().extra_exclude("*.wav");
/// let context = tokio::task::spawn_blocking(move || {
///     package_build_context(std::path::Path::new("my-agent"), &options)
/// })
/// .await??;
/// println!("{} ({} bytes): {}", context.path().display(), context.compressed_size, context.context_hash);
/// # Ok(())
/// # }
/// ```
///
/// # What goes in
///
/// - **Exclusions.** If `dir` has a `.dockerignore`, its patterns alone: one per line, blank
///   lines and lines starting with `#` skipped, surrounding whitespace trimmed, a leading `./`
///   and trailing `/` stripped. Otherwise [`DEFAULT_EXCLUDES`] plus
///   [`PackageOptions::extra_excludes`] (stripped the same way). A pattern leaves a path out
///   when it matches any component of its relative path or the whole relative path (`/`
///   separators), with shell-style globbing as Python's `fnmatch.fnmatchcase` does it (`*`
///   matches `/` and leading dots too; matching is case-sensitive on every platform; a name
///   that is not UTF-8 is matched with its invalid bytes read as U+FFFD). An excluded
///   directory is not entered. Docker's `.dockerignore` extensions are not supported, as the
///   vendor's rules have none: a `!pattern` line is a pattern starting with `!`, and a pattern
///   is not anchored to the context root.
/// - **Entries.** Regular files and symbolic links, no directory entries (as the vendor CLI
///   adds files): extracting creates the parent directories, and an empty directory is not
///   archived. Entries are sorted by relative path, `/`-separated, compared byte by byte (so
///   `a.txt` comes before `a/b`), whatever order the filesystem lists them in.
/// - **Headers.** GNU format (long names as `././@LongLink` entries), mtime 0, uid and gid 0,
///   empty user and group names; mode 0755 for a file with the owner's execute bit, 0644
///   otherwise (on platforms without permission bits, always 0644); symbolic links 0777, the
///   mode Linux gives every link.
/// - **Compression.** gzip at the default level with mtime 0, no file name, OS byte 255
///   ("unknown"). The same directory gives the same bytes on every machine with the same
///   versions of `flate2` and `miniz_oxide` (another compressor version may compress
///   differently, which costs one build-cache miss). The bytes are not those the vendor's
///   Python CLI produces, so the two do not share cache hits.
///
/// # Symbolic links
///
/// A link is never followed for its content: nothing outside `dir` reaches the archive. A link
/// is stored as a link, with its target as written, when that target is relative, stays inside
/// `dir` when read lexically from the link's directory, resolves on disk (following every link)
/// to an existing path inside `dir`, and that path is not excluded. Any other link is left out
/// and listed in [`BuildContext::skipped`]: absolute, escaping (through `..` or through another
/// link), dangling, or pointing at an excluded path. A link to a directory is never entered,
/// whatever its target. Regular files are opened once listed, and (on Unix) checked to be the
/// same file that was listed, so a file swapped for a link while packaging is refused
/// ([`PackageError::Changed`]) rather than followed.
///
/// # The Dockerfile
///
/// [`PackageOptions::dockerfile`] must be relative and stay inside `dir`, and name an entry of
/// the archive (a regular file or a link kept by the policy above). A Dockerfile that a
/// pattern excludes is an error ([`PackageError::DockerfileExcluded`]) rather than added
/// anyway, as `docker build` would: the remote build reads the Dockerfile from the archive,
/// so leaving it out would only fail later, and adding it would contradict the patterns.
///
/// # Errors
///
/// See [`PackageError`]. The Dockerfile and the size limit are checked before the output file
/// is created (a failure until then leaves the output path alone); a failure while writing
/// removes the partial file.
pub fn package_build_context(dir: &Path, options: &PackageOptions) -> Result<BuildContext, PackageError> {
    let Some(dockerfile_key) = relative_key(&options.dockerfile) else {
        return Err(PackageError::DockerfileOutsideContext { path: options.dockerfile.clone() });
    };
    // Canonical, so that a link's resolved target can be compared with it.
    let root = fs::canonicalize(dir).map_err(|e| io_error(dir, e))?;
    let excludes = Excludes::load(&root, &options.extra_excludes)?;
    let output_key = options.output.as_deref().and_then(|output| output_key(&root, output));
    let scan = scan(&root, &excludes, output_key.as_deref())?;
    check_dockerfile(&root, &scan, &excludes, &options.dockerfile, &dockerfile_key)?;
    if scan.total_size > options.max_uncompressed {
        return Err(PackageError::TooLarge { context: root, size: scan.total_size, limit: options.max_uncompressed });
    }

    let (file, mut output) = match &options.output {
        Some(path) => {
            let file = File::create(path).map_err(|e| io_error(path, e))?;
            (file, Output { path: path.clone(), remove_on_drop: true })
        }
        None => create_temporary()?,
    };
    let (context_hash, compressed_size) = write_archive(&root, &scan.entries, file, &output.path)?;
    if options.output.is_some() {
        output.remove_on_drop = false;
    }
    let symlink_count = scan.entries.iter().filter(|e| matches!(e.kind, EntryKind::Symlink { .. })).count();
    Ok(BuildContext {
        context_hash,
        compressed_size,
        uncompressed_size: scan.total_size,
        file_count: scan.entries.len() - symlink_count,
        symlink_count,
        skipped: scan.skipped,
        dockerfile: options.dockerfile.clone(),
        used_dockerignore: excludes.from_dockerignore,
        output,
    })
}

// glob::Pattern, with `require_literal_separator` and `require_literal_leading_dot` off and
// case-sensitive, matches as Python's `fnmatch.fnmatchcase` does for `*`, `?`, `[...]` and
// `[!...]` (`]` first in a set is literal, `-` first or last is literal, `^` is not a negation,
// a reversed range matches nothing). Where they differ, `fnmatch_to_glob` rewrites the pattern
// first: glob rejects `***` and a `**` next to other characters and gives `**/` a recursive
// meaning (`**/foo` matching `foo`), fnmatch reads any run of `*` as one `*`; glob rejects a
// `[` with no closing `]`, fnmatch matches it literally. What remains different: on Windows
// glob lets `\` match `/`. Case is never folded, as in `fnmatchcase` (the vendor's
// `fnmatch.fnmatch` folds it on Windows only).
const MATCH: glob::MatchOptions =
    glob::MatchOptions { case_sensitive: true, require_literal_separator: false, require_literal_leading_dot: false };

/// Rewrites an fnmatch pattern into a glob pattern that matches the same strings.
fn fnmatch_to_glob(pattern: &str) -> String {
    let chars: Vec<char> = pattern.chars().collect();
    let mut out = String::with_capacity(pattern.len());
    let mut i = 0;
    while i < chars.len() {
        match chars[i] {
            '*' => {
                out.push('*');
                while i < chars.len() && chars[i] == '*' {
                    i += 1;
                }
            }
            '[' => {
                // Where fnmatch closes a set: after an optional `!`, a `]` is a member.
                let mut j = i + 1;
                if chars.get(j) == Some(&'!') {
                    j += 1;
                }
                if chars.get(j) == Some(&']') {
                    j += 1;
                }
                while j < chars.len() && chars[j] != ']' {
                    j += 1;
                }
                if j < chars.len() {
                    // glob closes such a set at the same `]`.
                    out.extend(&chars[i..=j]);
                    i = j + 1;
                } else {
                    out.push_str("[[]");
                    i += 1;
                }
            }
            c => {
                out.push(c);
                i += 1;
            }
        }
    }
    out
}

/// The exclusion patterns in force.
struct Excludes {
    /// Each pattern as written (after stripping), and compiled.
    patterns: Vec<(String, glob::Pattern)>,
    from_dockerignore: bool,
}

impl Excludes {
    fn load(root: &Path, extra: &[String]) -> Result<Self, PackageError> {
        let path = root.join(".dockerignore");
        let (written, from_dockerignore): (Vec<String>, bool) = match fs::read_to_string(&path) {
            Ok(text) => {
                let lines = text.lines().map(str::trim).filter(|l| !l.is_empty() && !l.starts_with('#'));
                (lines.map(str::to_owned).collect(), true)
            }
            Err(e) if e.kind() == io::ErrorKind::NotFound => {
                (DEFAULT_EXCLUDES.iter().map(|p| (*p).to_owned()).chain(extra.iter().cloned()).collect(), false)
            }
            Err(e) => return Err(io_error(&path, e)),
        };
        let mut patterns = Vec::with_capacity(written.len());
        for pattern in &written {
            let pattern = pattern.strip_prefix("./").unwrap_or(pattern).trim_end_matches('/');
            if pattern.is_empty() {
                continue; // `./` or `/`: fnmatch would match no component.
            }
            let compiled = glob::Pattern::new(&fnmatch_to_glob(pattern))
                .map_err(|e| PackageError::InvalidPattern { pattern: pattern.to_owned(), reason: e.to_string() })?;
            patterns.push((pattern.to_owned(), compiled));
        }
        Ok(Self { patterns, from_dockerignore })
    }

    fn matching(&self, text: &str) -> Option<&str> {
        self.patterns.iter().find(|(_, p)| p.matches_with(text, MATCH)).map(|(written, _)| written.as_str())
    }

    /// The pattern excluding an entry met while walking: its name or its whole relative path
    /// (its parents' names and paths were checked on the way down).
    fn excluding_entry(&self, name: &str, rel: &str) -> Option<&str> {
        self.matching(name).or_else(|| self.matching(rel))
    }

    /// The pattern excluding a relative path (`/`-separated) or any directory on its way.
    fn excluding_path(&self, rel: &str) -> Option<&str> {
        let mut end = 0;
        for component in rel.split('/') {
            end += component.len();
            if let Some(pattern) = self.excluding_entry(component, &rel[..end]) {
                return Some(pattern);
            }
            end += 1;
        }
        None
    }
}

/// The relative path's sort and comparison key: its components' bytes joined by `/`. `None`
/// for an absolute path, one with `..`, or an empty one.
fn relative_key(path: &Path) -> Option<Vec<u8>> {
    let mut key = Vec::new();
    for component in path.components() {
        match component {
            Component::CurDir => {}
            Component::Normal(name) => push_component(&mut key, name.as_encoded_bytes()),
            Component::ParentDir | Component::RootDir | Component::Prefix(_) => return None,
        }
    }
    (!key.is_empty()).then_some(key)
}

fn push_component(key: &mut Vec<u8>, name: &[u8]) {
    if !key.is_empty() {
        key.push(b'/');
    }
    key.extend_from_slice(name);
}

/// The key of the output path inside the context, if it is inside.
fn output_key(root: &Path, output: &Path) -> Option<Vec<u8>> {
    let name = output.file_name()?;
    let parent = output.parent().filter(|p| !p.as_os_str().is_empty()).unwrap_or(Path::new("."));
    let parent = fs::canonicalize(parent).ok()?;
    relative_key(parent.join(name).strip_prefix(root).ok()?)
}

/// Identifies a listed file, to check that the file opened later is the same one.
#[cfg(unix)]
type FileId = (u64, u64);
#[cfg(not(unix))]
type FileId = ();

#[cfg(unix)]
fn file_id(meta: &fs::Metadata) -> FileId {
    use std::os::unix::fs::MetadataExt;
    (meta.dev(), meta.ino())
}
#[cfg(not(unix))]
fn file_id(_: &fs::Metadata) -> FileId {}

#[cfg(unix)]
fn is_executable(meta: &fs::Metadata) -> bool {
    use std::os::unix::fs::PermissionsExt;
    meta.permissions().mode() & 0o100 != 0
}
#[cfg(not(unix))]
fn is_executable(_: &fs::Metadata) -> bool {
    false
}

struct Entry {
    /// The relative path's bytes, `/`-separated: the sort key.
    key: Vec<u8>,
    /// The relative path, as the archive names the entry.
    rel: PathBuf,
    kind: EntryKind,
}

enum EntryKind {
    File { size: u64, executable: bool, id: FileId },
    Symlink { target: PathBuf },
}

/// What the walk found: the entries to archive, sorted, and the paths left out.
struct Scan {
    entries: Vec<Entry>,
    skipped: Vec<SkippedPath>,
    total_size: u64,
}

fn scan(root: &Path, excludes: &Excludes, output_key: Option<&[u8]>) -> Result<Scan, PackageError> {
    let mut entries = Vec::new();
    let mut skipped = Vec::new();
    let mut total_size = 0u64;
    // An explicit stack: a deep tree cannot overflow the call stack.
    let mut dirs = vec![(PathBuf::new(), Vec::new())];
    while let Some((dir_rel, dir_key)) = dirs.pop() {
        let dir_abs = root.join(&dir_rel);
        for item in fs::read_dir(&dir_abs).map_err(|e| io_error(&dir_abs, e))? {
            let item = item.map_err(|e| io_error(&dir_abs, e))?;
            let name = item.file_name();
            let rel = dir_rel.join(&name);
            let mut key = dir_key.clone();
            push_component(&mut key, name.as_encoded_bytes());
            if excludes.excluding_entry(&name.to_string_lossy(), &String::from_utf8_lossy(&key)).is_some() {
                continue;
            }
            if output_key == Some(key.as_slice()) {
                skipped.push(SkippedPath { path: rel, reason: SkipReason::OutputFile });
                continue;
            }
            let abs = item.path();
            // Not following links: `DirEntry::metadata` describes the link itself.
            let meta = item.metadata().map_err(|e| io_error(&abs, e))?;
            let file_type = meta.file_type();
            if file_type.is_dir() {
                dirs.push((rel, key));
            } else if file_type.is_file() {
                total_size = total_size.saturating_add(meta.len());
                let kind = EntryKind::File { size: meta.len(), executable: is_executable(&meta), id: file_id(&meta) };
                entries.push(Entry { key, rel, kind });
            } else if file_type.is_symlink() {
                match symlink_policy(root, &rel, &abs, excludes)? {
                    Ok(target) => entries.push(Entry { key, rel, kind: EntryKind::Symlink { target } }),
                    Err(reason) => skipped.push(SkippedPath { path: rel, reason }),
                }
            } else {
                skipped.push(SkippedPath { path: rel, reason: SkipReason::SpecialFile });
            }
        }
    }
    entries.sort_unstable_by(|a, b| a.key.cmp(&b.key));
    skipped.sort_by(|a, b| a.path.cmp(&b.path));
    Ok(Scan { entries, skipped, total_size })
}

/// The target to store for the link at `rel`, or why the link is left out.
fn symlink_policy(
    root: &Path,
    rel: &Path,
    abs: &Path,
    excludes: &Excludes,
) -> Result<Result<PathBuf, SkipReason>, PackageError> {
    let target = fs::read_link(abs).map_err(|e| io_error(abs, e))?;
    if target.has_root() || target.is_absolute() {
        return Ok(Err(SkipReason::AbsoluteSymlink { target }));
    }
    // Lexically, from the link's directory: a `..` above the root escapes, even if the path
    // comes back in (the context's directory has another name in the image).
    let mut depth = rel.components().count() - 1;
    for component in target.components() {
        match component {
            Component::ParentDir if depth == 0 => return Ok(Err(SkipReason::EscapingSymlink { target })),
            Component::ParentDir => depth -= 1,
            Component::Normal(_) => depth += 1,
            Component::CurDir => {}
            // A drive-relative target (`C:foo`) on Windows.
            Component::RootDir | Component::Prefix(_) => return Ok(Err(SkipReason::AbsoluteSymlink { target })),
        }
    }
    // On disk, following every link: another link on the way may lead outside.
    let Ok(resolved) = fs::canonicalize(abs) else {
        return Ok(Err(SkipReason::DanglingSymlink { target }));
    };
    let Ok(inside) = resolved.strip_prefix(root) else {
        return Ok(Err(SkipReason::EscapingSymlink { target }));
    };
    // (An empty path is the context directory itself: a link to `.`.)
    if let Some(key) = relative_key(inside)
        && let Some(pattern) = excludes.excluding_path(&String::from_utf8_lossy(&key))
    {
        let pattern = pattern.to_owned();
        return Ok(Err(SkipReason::SymlinkToExcluded { target, pattern }));
    }
    Ok(Ok(target))
}

fn check_dockerfile(
    root: &Path,
    scan: &Scan,
    excludes: &Excludes,
    path: &Path,
    key: &[u8],
) -> Result<(), PackageError> {
    if scan.entries.binary_search_by(|e| e.key.as_slice().cmp(key)).is_ok() {
        return Ok(());
    }
    let path = path.to_owned();
    let on_disk = root.join(&path);
    if fs::symlink_metadata(&on_disk).is_err_and(|e| e.kind() == io::ErrorKind::NotFound) {
        return Err(PackageError::DockerfileMissing { context: root.to_owned(), path });
    }
    if let Some(pattern) = excludes.excluding_path(&String::from_utf8_lossy(key)) {
        let (pattern, from_dockerignore) = (pattern.to_owned(), excludes.from_dockerignore);
        return Err(PackageError::DockerfileExcluded { path, pattern, from_dockerignore });
    }
    let skipped = scan.skipped.iter().find(|s| relative_key(&s.path).as_deref() == Some(key));
    match skipped {
        Some(s) => Err(PackageError::DockerfileSkipped { path, reason: s.reason.clone() }),
        // A directory, or a path through a directory link.
        None => Err(PackageError::DockerfileMissing { context: root.to_owned(), path }),
    }
}

/// The output file, removed on drop unless kept.
#[derive(Debug)]
struct Output {
    path: PathBuf,
    remove_on_drop: bool,
}

impl Drop for Output {
    fn drop(&mut self) {
        if self.remove_on_drop {
            let _ = fs::remove_file(&self.path);
        }
    }
}

/// A name no other call, thread or process uses at the same time (with `create_new`, which
/// fails rather than open an existing file or follow a planted link).
fn unique_name(prefix: &str) -> String {
    static COUNTER: AtomicU64 = AtomicU64::new(0);
    let nanos = SystemTime::now().duration_since(UNIX_EPOCH).map(|d| d.subsec_nanos()).unwrap_or(0);
    format!("{prefix}-{}-{}-{nanos}", std::process::id(), COUNTER.fetch_add(1, Ordering::Relaxed))
}

fn create_temporary() -> Result<(File, Output), PackageError> {
    let dir = std::env::temp_dir();
    let mut attempts = 0;
    loop {
        let path = dir.join(format!("{}.tar.gz", unique_name("pcc-build-context")));
        let mut open = OpenOptions::new();
        open.write(true).create_new(true);
        // Only the user reads it: the context may hold private source.
        #[cfg(unix)]
        std::os::unix::fs::OpenOptionsExt::mode(&mut open, 0o600);
        match open.open(&path) {
            Ok(file) => return Ok((file, Output { path, remove_on_drop: true })),
            Err(e) if e.kind() == io::ErrorKind::AlreadyExists && attempts < 100 => attempts += 1,
            Err(e) => return Err(io_error(&path, e)),
        }
    }
}

/// Hashes and counts the compressed bytes on their way to the file, so the file is not read
/// back.
struct HashingWriter<W> {
    inner: W,
    md5: Md5,
    written: u64,
}

impl<W: Write> Write for HashingWriter<W> {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        let n = self.inner.write(buf)?;
        self.md5.update(&buf[..n]);
        self.written += n as u64;
        Ok(n)
    }

    fn flush(&mut self) -> io::Result<()> {
        self.inner.flush()
    }
}

/// Reads exactly the listed size from a file, and records whether a failure was its own
/// (rather than the output's).
struct ExactReader {
    file: File,
    remaining: u64,
    failure: Option<ReadFailure>,
}

enum ReadFailure {
    /// The file ended before its listed size.
    Shrank,
    Io(io::Error),
}

impl Read for ExactReader {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        if self.remaining == 0 || buf.is_empty() {
            return Ok(0);
        }
        let max = usize::try_from(self.remaining).map_or(buf.len(), |r| r.min(buf.len()));
        match self.file.read(&mut buf[..max]) {
            Ok(0) => {
                self.failure = Some(ReadFailure::Shrank);
                Err(io::ErrorKind::UnexpectedEof.into())
            }
            Ok(n) => {
                self.remaining -= n as u64;
                Ok(n)
            }
            Err(e) if e.kind() == io::ErrorKind::Interrupted => Err(e),
            Err(e) => {
                let kind = e.kind();
                self.failure = Some(ReadFailure::Io(e));
                Err(kind.into())
            }
        }
    }
}

/// A header with every field that could vary set to a fixed value.
fn fixed_header(entry_type: tar::EntryType, mode: u32, size: u64, out: &Path) -> Result<tar::Header, PackageError> {
    let mut header = tar::Header::new_gnu();
    header.set_entry_type(entry_type);
    header.set_mode(mode);
    header.set_size(size);
    header.set_mtime(0);
    header.set_uid(0);
    header.set_gid(0);
    clear_names(&mut header).map_err(|e| io_error(out, e))?;
    Ok(header)
}

/// `new_gnu` leaves names and device numbers zeroed already; set anyway, so that the archive
/// does not depend on that.
fn clear_names(header: &mut tar::Header) -> io::Result<()> {
    header.set_username("")?;
    header.set_groupname("")?;
    header.set_device_major(0)?;
    header.set_device_minor(0)
}

/// Writes the archive to `file`; returns the context hash and the compressed size.
fn write_archive(root: &Path, entries: &[Entry], file: File, out: &Path) -> Result<(String, u64), PackageError> {
    let sink = HashingWriter { inner: BufWriter::with_capacity(1 << 16, file), md5: Md5::new(), written: 0 };
    let gz = GzBuilder::new().mtime(0).operating_system(255).write(sink, Compression::default());
    let mut tar = tar::Builder::new(gz);
    for entry in entries {
        match &entry.kind {
            EntryKind::File { size, executable, id } => {
                let mode = if *executable { 0o755 } else { 0o644 };
                let mut header = fixed_header(tar::EntryType::Regular, mode, *size, out)?;
                let abs = root.join(&entry.rel);
                let mut reader = open_listed(&abs, *size, *id)?;
                if let Err(e) = tar.append_data(&mut header, &entry.rel, &mut reader) {
                    return Err(match reader.failure.take() {
                        Some(ReadFailure::Shrank) => PackageError::Changed { path: abs },
                        Some(ReadFailure::Io(e)) => io_error(&abs, e),
                        None => io_error(out, e),
                    });
                }
                // A file that grew after it was listed: the archive holds its start only.
                if reader.file.read(&mut [0u8]).map_err(|e| io_error(&abs, e))? != 0 {
                    return Err(PackageError::Changed { path: abs });
                }
            }
            EntryKind::Symlink { target } => {
                let mut header = fixed_header(tar::EntryType::Symlink, 0o777, 0, out)?;
                tar.append_link(&mut header, &entry.rel, target).map_err(|e| io_error(out, e))?;
            }
        }
    }
    let gz = tar.into_inner().map_err(|e| io_error(out, e))?;
    let HashingWriter { inner, md5, written } = gz.finish().map_err(|e| io_error(out, e))?;
    inner.into_inner().map_err(|e| io_error(out, e.into_error()))?;
    let digest = md5.finalize();
    let hash = digest.iter().take(8).map(|b| format!("{b:02x}")).collect();
    Ok((hash, written))
}

/// Opens a listed file and checks it is still the file listed, of the listed size.
fn open_listed(abs: &Path, size: u64, id: FileId) -> Result<ExactReader, PackageError> {
    let file = File::open(abs).map_err(|e| io_error(abs, e))?;
    let meta = file.metadata().map_err(|e| io_error(abs, e))?;
    if !meta.is_file() || meta.len() != size || file_id(&meta) != id {
        return Err(PackageError::Changed { path: abs.to_owned() });
    }
    Ok(ExactReader { file, remaining: size, failure: None })
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A directory under the system's temporary directory, removed on drop.
    struct TestDir(PathBuf);

    impl TestDir {
        fn new() -> Self {
            let path = std::env::temp_dir().join(unique_name("voice-agents-build-context-test"));
            fs::create_dir(&path).unwrap();
            Self(path)
        }

        fn path(&self) -> &Path {
            &self.0
        }

        /// Writes `contents` at `rel`, creating the parent directories.
        fn write(&self, rel: &str, contents: &str) -> PathBuf {
            let path = self.0.join(rel);
            fs::create_dir_all(path.parent().unwrap()).unwrap();
            fs::write(&path, contents).unwrap();
            path
        }
    }

    impl Drop for TestDir {
        fn drop(&mut self) {
            let _ = fs::remove_dir_all(&self.0);
        }
    }

    fn package(dir: &TestDir, options: &PackageOptions) -> BuildContext {
        package_build_context(dir.path(), options).unwrap()
    }

    fn decompressed(context: &BuildContext) -> Vec<u8> {
        let mut tar = Vec::new();
        flate2::read::GzDecoder::new(File::open(context.path()).unwrap()).read_to_end(&mut tar).unwrap();
        tar
    }

    /// The archive's entries, in order: path, entry type, mode, and the link target or content.
    fn entries(context: &BuildContext) -> Vec<(String, tar::EntryType, u32, String)> {
        let tar = decompressed(context);
        let mut archive = tar::Archive::new(tar.as_slice());
        let mut found = Vec::new();
        for entry in archive.entries().unwrap() {
            let mut entry = entry.unwrap();
            let header = entry.header();
            let (path, kind, mode) =
                (entry.path().unwrap().to_string_lossy().into_owned(), header.entry_type(), header.mode().unwrap());
            let target = entry.link_name().unwrap().map(|t| t.to_string_lossy().into_owned());
            let extra = match target {
                Some(target) => target,
                None => {
                    let mut content = String::new();
                    entry.read_to_string(&mut content).unwrap();
                    content
                }
            };
            found.push((path, kind, mode, extra));
        }
        found
    }

    fn paths(context: &BuildContext) -> Vec<String> {
        entries(context).into_iter().map(|(path, ..)| path).collect()
    }

    fn contains(haystack: &[u8], needle: &[u8]) -> bool {
        haystack.windows(needle.len()).any(|w| w == needle)
    }

    #[cfg(unix)]
    fn chmod(path: &Path, mode: u32) {
        use std::os::unix::fs::PermissionsExt;
        fs::set_permissions(path, fs::Permissions::from_mode(mode)).unwrap();
    }

    #[test]
    fn fnmatch_semantics_match_python_for_stars_sets_and_unclosed_brackets() {
        // Expected values from Python 3.11's `fnmatch.fnmatchcase(name, pattern)`.
        let cases = [
            ("*.log", "app.log", true),
            ("*.log", "a/app.log", true),
            ("*", ".hidden", true),
            ("*", "a/b", true),
            ("?", "/", true),
            (".env.*", ".env.local", true),
            (".env.*", ".env", false),
            (".env.*", "my.env.x", false),
            ("[abc]x", "bx", true),
            ("[!abc]x", "bx", false),
            ("[!abc]x", "dx", true),
            ("[]]", "]", true),
            ("[!]]", "a", true),
            ("[!]]", "]", false),
            ("[", "[", true),
            ("[!]", "[!]", true),
            ("[]", "[]", true),
            ("a[", "a[", true),
            ("[a-c]", "b", true),
            ("[a-c]", "d", false),
            ("[z-a]", "m", false),
            ("[a-]", "-", true),
            ("[-a]", "-", true),
            ("[a-c-e]", "d", false),
            ("[a-c-e]", "-", true),
            ("**", "a/b", true),
            ("***.py", "x/y.py", true),
            ("a**b", "a/x/b", true),
            ("**/foo", "foo", false),
            ("**/foo", "a/foo", true),
            ("[^a]", "^", true),
            ("[^a]", "b", false),
            ("*.PY", "x.py", false),
            ("[[]x", "[x", true),
            ("[*]", "*", true),
            ("[*]", "a", false),
            ("x[!/]y", "x/y", false),
            ("x[/]y", "x/y", true),
            ("build", "builder.py", false),
        ];
        for (pattern, name, expected) in cases {
            let glob = glob::Pattern::new(&fnmatch_to_glob(pattern)).unwrap();
            assert_eq!(glob.matches_with(name, MATCH), expected, "pattern {pattern:?} against {name:?}");
        }
    }

    fn sample(dir: &TestDir, order: &[&str]) {
        for name in order {
            dir.write(name, &format!("contents of {name}\n"));
        }
    }

    #[test]
    fn same_directory_and_a_copy_made_differently_give_identical_bytes_and_hash() {
        let names = ["Dockerfile", "app.py", "lib/util.py", "lib/deep/x.txt", "z.txt", "a.txt", "run.sh"];
        let first = TestDir::new();
        sample(&first, &names);
        let mut reversed = names;
        reversed.reverse();
        let second = TestDir::new();
        sample(&second, &reversed);
        #[cfg(unix)]
        {
            chmod(&first.path().join("run.sh"), 0o755);
            chmod(&second.path().join("run.sh"), 0o700);
            chmod(&second.path().join("app.py"), 0o600);
            chmod(&second.path().join("z.txt"), 0o664);
            chmod(&second.path().join("lib"), 0o700);
        }
        let old = SystemTime::UNIX_EPOCH + std::time::Duration::from_secs(1_000_000_000);
        for name in names {
            File::options().write(true).open(second.path().join(name)).unwrap().set_modified(old).unwrap();
        }

        let a = package(&first, &PackageOptions::default());
        let again = package(&first, &PackageOptions::default());
        let b = package(&second, &PackageOptions::default());
        let bytes = fs::read(a.path()).unwrap();
        assert_eq!(bytes, fs::read(again.path()).unwrap());
        assert_eq!(bytes, fs::read(b.path()).unwrap());
        assert_eq!(a.context_hash, b.context_hash);
        assert_eq!(a.file_count, names.len());
        assert_ne!(a.path(), b.path());
    }

    #[test]
    fn entries_are_files_only_sorted_bytewise_by_relative_path() {
        let dir = TestDir::new();
        sample(&dir, &["a/b", "a.txt", "_x", "B", "Dockerfile", "a/c/d", "a-b"]);
        fs::create_dir(dir.path().join("empty")).unwrap();
        let context = package(&dir, &PackageOptions::default());
        // `-` (0x2d) < `.` (0x2e) < `/` (0x2f) < `B` < `_` < `a`.
        assert_eq!(paths(&context), ["B", "Dockerfile", "_x", "a-b", "a.txt", "a/b", "a/c/d"]);
    }

    #[test]
    fn headers_are_fixed_and_mode_follows_the_executable_bit_only() {
        let dir = TestDir::new();
        sample(&dir, &["Dockerfile", "plain.txt", "run.sh", "tool", "private.txt"]);
        #[cfg(unix)]
        {
            chmod(&dir.path().join("run.sh"), 0o755);
            chmod(&dir.path().join("tool"), 0o700);
            chmod(&dir.path().join("private.txt"), 0o600);
            chmod(&dir.path().join("plain.txt"), 0o666);
            // Owned by someone other than root, so that uid 0 in the headers shows they are
            // fixed (as root, hand the files over; otherwise they are not root's already).
            for name in ["Dockerfile", "plain.txt", "run.sh"] {
                let _ = std::os::unix::fs::chown(dir.path().join(name), Some(4242), Some(4242));
            }
        }
        let context = package(&dir, &PackageOptions::default());
        let tar = decompressed(&context);
        let mut archive = tar::Archive::new(tar.as_slice());
        let mut modes = Vec::new();
        for entry in archive.entries().unwrap() {
            let entry = entry.unwrap();
            let header = entry.header();
            assert_eq!(header.mtime().unwrap(), 0);
            assert_eq!(header.uid().unwrap(), 0);
            assert_eq!(header.gid().unwrap(), 0);
            assert_eq!(header.username_bytes(), Some(&b""[..]));
            assert_eq!(header.groupname_bytes(), Some(&b""[..]));
            assert_eq!(header.entry_type(), tar::EntryType::Regular);
            assert!(header.as_gnu().is_some());
            modes.push((entry.path().unwrap().to_string_lossy().into_owned(), header.mode().unwrap()));
        }
        let executable = if cfg!(unix) { 0o755 } else { 0o644 };
        let expected = [
            ("Dockerfile", 0o644),
            ("plain.txt", 0o644),
            ("private.txt", 0o644),
            ("run.sh", executable),
            ("tool", executable),
        ];
        assert_eq!(modes, expected.map(|(p, m)| (p.to_owned(), m)));
    }

    #[test]
    fn gzip_header_has_mtime_zero_and_no_file_name() {
        let dir = TestDir::new();
        sample(&dir, &["Dockerfile"]);
        let bytes = fs::read(package(&dir, &PackageOptions::default()).path()).unwrap();
        assert_eq!(&bytes[..3], [0x1f, 0x8b, 8]);
        assert_eq!(bytes[3], 0, "no FNAME, FCOMMENT or FEXTRA flag");
        assert_eq!(&bytes[4..8], [0, 0, 0, 0], "mtime 0");
        assert_eq!(bytes[9], 255, "OS unknown");
    }

    #[test]
    fn long_paths_round_trip_deterministically() {
        let long = format!("{}/{}.txt", "d".repeat(120), "f".repeat(120));
        let dir = TestDir::new();
        sample(&dir, &["Dockerfile", &long]);
        let a = package(&dir, &PackageOptions::default());
        let b = package(&dir, &PackageOptions::default());
        assert_eq!(paths(&a), ["Dockerfile".to_owned(), long]);
        assert_eq!(a.context_hash, b.context_hash);
    }

    #[test]
    fn hash_is_the_first_16_hex_of_the_md5_of_the_file() {
        let dir = TestDir::new();
        sample(&dir, &["Dockerfile", "app.py"]);
        let context = package(&dir, &PackageOptions::default());
        let bytes = fs::read(context.path()).unwrap();
        let digest = Md5::digest(&bytes);
        let hex: String = digest.iter().map(|b| format!("{b:02x}")).collect();
        assert_eq!(context.context_hash, hex[..16]);
        assert_eq!(context.compressed_size, bytes.len() as u64);
        assert_eq!(context.uncompressed_size, ("contents of Dockerfile\n".len() + "contents of app.py\n".len()) as u64);
    }

    #[test]
    fn default_exclusions_leave_out_whole_components_not_substrings() {
        let dir = TestDir::new();
        sample(
            &dir,
            &[
                "Dockerfile",
                ".git/HEAD",
                ".git/objects/ab/cd",
                ".env",
                ".env.local",
                "node_modules/x",
                "a/b/__pycache__/c.pyc",
                "a/b/keep.py",
                "app.log",
                "logs/old.log",
                "server.pem",
                "build/out.bin",
                "src/env/bin/python",
                "environment.py",
                "builder.py",
                "my.env.example",
                "node_modules_notes.md",
                "logbook.txt",
            ],
        );
        let context = package(&dir, &PackageOptions::default());
        assert_eq!(
            paths(&context),
            [
                "Dockerfile",
                "a/b/keep.py",
                "builder.py",
                "environment.py",
                "logbook.txt",
                "my.env.example",
                "node_modules_notes.md"
            ]
        );
        assert!(!context.used_dockerignore);
        assert!(context.skipped.is_empty());
    }

    #[test]
    fn extra_excludes_add_to_the_defaults_and_match_whole_paths() {
        let dir = TestDir::new();
        sample(&dir, &["Dockerfile", "audio/a.wav", "data/big/x.bin", "data/small.bin", ".env", "keep.txt"]);
        let options = PackageOptions::default().extra_exclude("*.wav").extra_excludes(["./data/big/"]);
        assert_eq!(paths(&package(&dir, &options)), ["Dockerfile", "data/small.bin", "keep.txt"]);
    }

    #[test]
    fn dockerignore_replaces_defaults_and_extra_excludes() {
        let dir = TestDir::new();
        sample(
            &dir,
            &[
                "Dockerfile",
                ".env",
                "node_modules/x",
                "app.log",
                "secret.txt",
                "logs/a.txt",
                "x.tmp",
                "deep/y.tmp",
                "spaced.txt",
                "keep.me",
                "# not a comment.txt",
            ],
        );
        dir.write(".dockerignore", "# a comment\n\n./secret.txt\nlogs/\n*.tmp\r\n   spaced.txt  \n./\n");
        let options = PackageOptions::default().extra_exclude("keep.me").extra_exclude(".dockerignore");
        let context = package(&dir, &options);
        assert!(context.used_dockerignore);
        assert_eq!(
            paths(&context),
            ["# not a comment.txt", ".dockerignore", ".env", "Dockerfile", "app.log", "keep.me", "node_modules/x"]
        );
    }

    #[test]
    fn size_limit_refuses_before_writing_with_sizes() {
        let dir = TestDir::new();
        dir.write("Dockerfile", "FROM scratch\n"); // 13 bytes
        dir.write("data.bin", "0123456789"); // 10 bytes
        let out = TestDir::new();
        let output = out.path().join("context.tar.gz");
        let options = PackageOptions::default().max_uncompressed(22).output(&output);
        match package_build_context(dir.path(), &options) {
            Err(PackageError::TooLarge { size: 23, limit: 22, .. }) => {}
            other => panic!("expected TooLarge, got {other:?}"),
        }
        assert!(!output.exists());
        // At the limit exactly, it is accepted.
        let context = package(&dir, &options.max_uncompressed(23));
        assert_eq!(context.uncompressed_size, 23);
    }

    #[test]
    fn missing_dockerfile_is_an_error_and_a_custom_path_works() {
        let dir = TestDir::new();
        sample(&dir, &["docker/Dockerfile.prod", "app.py"]);
        match package_build_context(dir.path(), &PackageOptions::default()) {
            Err(PackageError::DockerfileMissing { path, .. }) => assert_eq!(path, Path::new("Dockerfile")),
            other => panic!("expected DockerfileMissing, got {other:?}"),
        }
        let options = PackageOptions::default().dockerfile("./docker/Dockerfile.prod");
        let context = package(&dir, &options);
        assert_eq!(context.dockerfile, Path::new("./docker/Dockerfile.prod"));
        assert_eq!(paths(&context), ["app.py", "docker/Dockerfile.prod"]);
        // A directory is not a Dockerfile.
        let options = PackageOptions::default().dockerfile("docker");
        assert!(matches!(package_build_context(dir.path(), &options), Err(PackageError::DockerfileMissing { .. })));
    }

    #[test]
    fn excluded_or_outside_dockerfile_is_an_error() {
        let dir = TestDir::new();
        sample(&dir, &["Dockerfile", "build/Dockerfile"]);
        let options = PackageOptions::default().extra_exclude("Dockerfile*");
        match package_build_context(dir.path(), &options) {
            Err(PackageError::DockerfileExcluded { pattern, from_dockerignore: false, .. }) => {
                assert_eq!(pattern, "Dockerfile*")
            }
            other => panic!("expected DockerfileExcluded, got {other:?}"),
        }
        // Excluded through its directory (`build` is a default pattern).
        let options = PackageOptions::default().dockerfile("build/Dockerfile");
        assert!(matches!(package_build_context(dir.path(), &options), Err(PackageError::DockerfileExcluded { .. })));
        for outside in ["../Dockerfile", "/etc/Dockerfile", "", "."] {
            let options = PackageOptions::default().dockerfile(outside);
            match package_build_context(dir.path(), &options) {
                Err(PackageError::DockerfileOutsideContext { path }) => assert_eq!(path, Path::new(outside)),
                other => panic!("expected DockerfileOutsideContext for {outside:?}, got {other:?}"),
            }
        }
    }

    #[test]
    fn temporary_output_is_removed_on_drop_unless_kept() {
        let dir = TestDir::new();
        sample(&dir, &["Dockerfile"]);
        let context = package(&dir, &PackageOptions::default());
        let path = context.path().to_owned();
        assert!(path.exists());
        drop(context);
        assert!(!path.exists());

        let kept = package(&dir, &PackageOptions::default()).into_path();
        assert!(kept.exists());
        fs::remove_file(kept).unwrap();
    }

    #[test]
    fn output_inside_the_context_is_kept_and_left_out_of_the_next_archive() {
        let dir = TestDir::new();
        sample(&dir, &["Dockerfile", "app.py"]);
        let output = dir.path().join("out.tar.gz");
        let options = PackageOptions::default().output(&output);
        let first = package(&dir, &options);
        let first_bytes = fs::read(&output).unwrap();
        drop(first);
        assert!(output.exists(), "a given output path is kept");
        let second = package(&dir, &options);
        assert_eq!(fs::read(&output).unwrap(), first_bytes);
        assert_eq!(second.skipped, [SkippedPath { path: "out.tar.gz".into(), reason: SkipReason::OutputFile }]);
    }

    #[cfg(unix)]
    #[test]
    fn symlinks_never_bring_outside_content_and_inside_links_stay_links() {
        use std::os::unix::fs::symlink;
        const SECRET: &str = "TOP-SECRET-7c1e0f-do-not-ship";
        let outside = TestDir::new();
        let secret = outside.write("id_ed25519", &format!("{SECRET}\n"));
        outside.write("nested/more", &format!("{SECRET} nested\n"));
        let dir = TestDir::new();
        sample(&dir, &["Dockerfile", "app.py", "sub/mod.py", ".env"]);
        let link = |target: &Path, name: &str| symlink(target, dir.path().join(name)).unwrap();
        let outside_name = outside.path().file_name().unwrap().to_str().unwrap();
        link(&secret, "abs_key");
        link(outside.path(), "abs_dir");
        link(&Path::new("..").join(outside_name).join("id_ed25519"), "rel_key");
        link(&Path::new("..").join(outside_name), "rel_dir");
        link(Path::new("rel_dir/id_ed25519"), "via_link"); // lexically inside, resolves outside
        link(Path::new("sub/../../x"), "climbs");
        link(Path::new("missing.py"), "dangling");
        link(Path::new("loop_b"), "loop_a");
        link(Path::new("loop_a"), "loop_b");
        link(Path::new(".env"), "to_env");
        link(Path::new("app.py"), "inside_file");
        link(Path::new("sub"), "inside_dir");
        link(Path::new("../app.py"), "sub/up");
        link(Path::new("."), "self");

        let context = package(&dir, &PackageOptions::default());
        let tar = decompressed(&context);
        assert!(!contains(&tar, SECRET.as_bytes()), "outside content reached the archive");
        assert!(!contains(&tar, outside_name.as_bytes()), "an outside path reached the archive");

        let symlink = tar::EntryType::Symlink;
        let got = entries(&context);
        let links: Vec<_> = got.iter().filter(|e| e.1 == symlink).map(|e| (&*e.0, e.2, &*e.3)).collect();
        assert_eq!(
            links,
            [
                ("inside_dir", 0o777, "sub"),
                ("inside_file", 0o777, "app.py"),
                ("self", 0o777, "."),
                ("sub/up", 0o777, "../app.py")
            ]
        );
        assert!(got.iter().all(|e| !e.0.starts_with("inside_dir/") && !e.0.starts_with("self/")), "a link was entered");
        assert_eq!(context.symlink_count, 4);
        assert_eq!(context.file_count, 3);

        let skipped: Vec<_> = context.skipped.iter().map(|s| (s.path.to_str().unwrap(), &s.reason)).collect();
        let target = |t: &str| PathBuf::from(t);
        let rel_key = format!("../{outside_name}/id_ed25519");
        let rel_dir = format!("../{outside_name}");
        assert_eq!(
            skipped,
            [
                ("abs_dir", &SkipReason::AbsoluteSymlink { target: outside.path().to_owned() }),
                ("abs_key", &SkipReason::AbsoluteSymlink { target: secret.clone() }),
                ("climbs", &SkipReason::EscapingSymlink { target: target("sub/../../x") }),
                ("dangling", &SkipReason::DanglingSymlink { target: target("missing.py") }),
                ("loop_a", &SkipReason::DanglingSymlink { target: target("loop_b") }),
                ("loop_b", &SkipReason::DanglingSymlink { target: target("loop_a") }),
                ("rel_dir", &SkipReason::EscapingSymlink { target: target(&rel_dir) }),
                ("rel_key", &SkipReason::EscapingSymlink { target: target(&rel_key) }),
                ("to_env", &SkipReason::SymlinkToExcluded { target: target(".env"), pattern: ".env".to_owned() }),
                ("via_link", &SkipReason::EscapingSymlink { target: target("rel_dir/id_ed25519") }),
            ]
        );
    }

    #[cfg(unix)]
    #[test]
    fn symlinked_dockerfile_inside_is_kept_outside_is_an_error() {
        use std::os::unix::fs::symlink;
        let outside = TestDir::new();
        let outside_dockerfile = outside.write("Dockerfile", "FROM scratch\n");
        let dir = TestDir::new();
        sample(&dir, &["docker/Dockerfile"]);
        symlink("docker/Dockerfile", dir.path().join("Dockerfile")).unwrap();
        symlink(&outside_dockerfile, dir.path().join("Dockerfile.outside")).unwrap();
        assert_eq!(package(&dir, &PackageOptions::default()).symlink_count, 1);
        let options = PackageOptions::default().dockerfile("Dockerfile.outside");
        match package_build_context(dir.path(), &options) {
            Err(PackageError::DockerfileSkipped { reason: SkipReason::AbsoluteSymlink { .. }, .. }) => {}
            other => panic!("expected DockerfileSkipped, got {other:?}"),
        }
    }

    #[cfg(unix)]
    #[test]
    fn special_files_are_skipped_and_reported() {
        let dir = TestDir::new();
        sample(&dir, &["Dockerfile"]);
        let socket = std::os::unix::net::UnixListener::bind(dir.path().join("agent.sock")).unwrap();
        let context = package(&dir, &PackageOptions::default());
        drop(socket);
        assert_eq!(paths(&context), ["Dockerfile"]);
        assert_eq!(context.skipped, [SkippedPath { path: "agent.sock".into(), reason: SkipReason::SpecialFile }]);
    }

    #[test]
    fn changed_file_is_refused() {
        let dir = TestDir::new();
        let path = dir.write("a.txt", "12345");
        let meta = fs::metadata(&path).unwrap();
        let reader = open_listed(&path, 4, file_id(&meta));
        assert!(matches!(reader, Err(PackageError::Changed { .. })), "the size differs from the listed one");
        let mut reader = open_listed(&path, 5, file_id(&meta)).unwrap();
        fs::write(&path, "12").unwrap(); // truncated in place: the same file, shorter
        let mut sink = Vec::new();
        assert!(io::copy(&mut reader, &mut sink).is_err());
        assert!(matches!(reader.failure, Some(ReadFailure::Shrank)));
    }
}
