//! The manifest lint engine behind `kubectl ozone lint`.
//!
//! Pipeline per document: [`parse`] (YAML, duplicate keys, line numbers) → object shape →
//! [`versions`] (deprecated and removed apiVersions) → [`schema`] (built-in kinds, strictly)
//! or [`crd`] (custom resources) → [`policy`] and [`ozone`] checks on the object →
//! [`suppress`]. Checks that relate objects to each other (selectors, NetworkPolicy coverage,
//! PDBs, ServiceMonitors, Ozone HA wiring) see a compact [`cross::Index`] of what they need,
//! so the linter streams: it keeps no document once it is linted. [`report`] formats findings.
//!
//! Pure library: callers hand in `(file name, bytes)`; nothing here reads files.

pub mod checks;
pub mod cluster_spec;
pub mod config;
pub mod crd;
pub mod cross;
pub mod embedded;
pub mod mountpoint;
pub mod object;
pub mod ozone;
pub mod parallel;
pub mod parse;
pub mod policy;
pub mod report;
pub mod schema;
pub mod suppress;
pub mod versions;
pub mod volumes;

pub use checks::{CHECKS, Check, Severity};
pub use config::{Config, Options, OptionsError};
pub use parallel::{ParallelError, Source};
pub use report::{Finding, Report};
pub use versions::KubeVersion;

use object::{Draft, Obj};
use serde_json::Value;

/// The API group of kustomize's own files (`Kustomization`, `Component`).
const KUSTOMIZE_GROUP: &str = "kustomize.config.k8s.io/";

/// Why bytes handed to the linter are not lintable text.
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum InputError {
    /// NUL bytes or invalid UTF-8.
    #[error("{0} is not a text file (binary or not UTF-8)")]
    Binary(String),
    /// A source named explicitly holds no document (`-` is standard input).
    #[error("{} is empty: no YAML documents", if .0 == "-" { "standard input" } else { .0.as_str() })]
    Empty(String),
}

/// Where an object is, and which checks it suppresses; kept for cross-object findings.
#[derive(Clone, Debug)]
pub struct Location {
    /// File name as given.
    pub file: String,
    /// 1-based line of the object.
    pub line: usize,
    /// `Kind/namespace/name` (`Kind/name` for cluster-scoped objects).
    pub object: String,
    /// Check ids suppressed by annotation.
    pub suppressed: Vec<String>,
}

/// A streaming linter: feed sources with [`Linter::lint`] (or many at once, on several
/// threads, with [`Linter::lint_sources`]), then [`Linter::finish`].
#[derive(Debug)]
pub struct Linter {
    options: Options,
    crds: crd::Registry,
    state: Partial,
}

/// What linting some documents leaves: their findings, the summaries the cross-object checks
/// need, and counts. Partials of consecutive batches appended in input order equal the
/// partial of the whole input, which is what makes parallel output identical.
#[derive(Debug, Default)]
pub(crate) struct Partial {
    findings: Vec<Finding>,
    index: cross::Index,
    objects: usize,
    skipped: usize,
    documents: usize,
}

impl Partial {
    /// Appends the partial of the documents that follow these.
    pub(crate) fn append(&mut self, next: Partial) {
        self.findings.extend(next.findings);
        self.index.merge(next.index);
        self.objects += next.objects;
        self.skipped += next.skipped;
        self.documents += next.documents;
    }
}

/// The per-document pipeline. It only reads options and CRDs, so threads share it.
#[derive(Clone, Copy, Debug)]
pub(crate) struct Pipeline<'a> {
    options: &'a Options,
    crds: &'a crd::Registry,
}

/// The text of a source: not binary, valid UTF-8, without a byte order mark.
///
/// # Errors
/// When the bytes are not text (NUL bytes or invalid UTF-8).
pub fn text_of<'a>(file: &str, bytes: &'a [u8]) -> Result<&'a str, InputError> {
    if bytes.contains(&0) {
        return Err(InputError::Binary(file.to_owned()));
    }
    let text = std::str::from_utf8(bytes).map_err(|_| InputError::Binary(file.to_owned()))?;
    Ok(text.strip_prefix('\u{feff}').unwrap_or(text))
}

impl Linter {
    /// A linter with these options and CRDs.
    pub fn new(options: Options, crds: crd::Registry) -> Linter {
        Linter {
            options,
            crds,
            state: Partial::default(),
        }
    }

    pub(crate) fn pipeline(&self) -> Pipeline<'_> {
        Pipeline {
            options: &self.options,
            crds: &self.crds,
        }
    }

    pub(crate) fn append(&mut self, partial: Partial) {
        self.state.append(partial);
    }

    /// Lints one source. Returns the number of non-empty documents it held.
    ///
    /// # Errors
    /// When the bytes are not text (NUL bytes or invalid UTF-8).
    pub fn lint(&mut self, file: &str, bytes: &[u8]) -> Result<usize, InputError> {
        let text = text_of(file, bytes)?;
        let docs = parse::documents(text);
        let mut partial = Partial::default();
        self.pipeline().documents(file, &docs, &mut partial);
        self.append(partial);
        Ok(docs.len())
    }

    /// Runs the cross-object checks and returns the report.
    pub fn finish(mut self) -> Report {
        let mut drafts = Vec::new();
        self.state.index.check(&mut drafts);
        let pipeline = Pipeline {
            options: &self.options,
            crds: &self.crds,
        };
        for (location, draft) in drafts {
            let line = location.line;
            pipeline.push(&mut self.state.findings, &location, line, draft);
        }
        let Partial {
            findings,
            objects,
            skipped,
            documents,
            ..
        } = self.state;
        Report::new(findings, objects, skipped, documents)
    }
}

impl Pipeline<'_> {
    /// Lints consecutive documents of one file.
    pub(crate) fn documents(self, file: &str, docs: &[parse::Document<'_>], out: &mut Partial) {
        for doc in docs {
            out.documents += 1;
            match parse::parse(doc) {
                Err(e) => {
                    out.skipped += 1;
                    self.push_raw(
                        &mut out.findings,
                        file,
                        e.line,
                        String::new(),
                        e.check,
                        e.message,
                    );
                }
                Ok(Value::Null) => {}
                Ok(value) => self.document(file, doc, &value, out),
            }
        }
    }

    fn document(self, file: &str, doc: &parse::Document<'_>, value: &Value, out: &mut Partial) {
        // kustomization.yaml and kustomize Components configure a build; they are never sent
        // to the API server, so they are counted as skipped, not linted as objects.
        if value
            .get("apiVersion")
            .and_then(Value::as_str)
            .is_some_and(|v| v.starts_with(KUSTOMIZE_GROUP))
        {
            out.skipped += 1;
            return;
        }
        if cluster_spec::is_cluster_spec(value) {
            self.cluster_spec(file, doc, value, out);
            return;
        }
        let is_list = value
            .get("kind")
            .and_then(Value::as_str)
            .is_some_and(|k| k == "List" || k.ends_with("List"));
        match value.get("items").and_then(Value::as_array) {
            Some(items) if is_list => {
                for (i, item) in items.iter().enumerate() {
                    let offset = parse::locate(doc.text, &format!("items[{i}]"));
                    self.object(
                        file,
                        doc,
                        doc.line + offset,
                        &format!("items[{i}]."),
                        item,
                        out,
                    );
                }
            }
            _ => self.object(file, doc, doc.line, "", value, out),
        }
    }

    /// An `OzoneCluster` spec: render's own rules instead of a schema and manifest policies.
    fn cluster_spec(self, file: &str, doc: &parse::Document<'_>, value: &Value, out: &mut Partial) {
        out.objects += 1;
        let mut drafts = Vec::new();
        let suppressed = Obj::new(value)
            .map(|obj| suppress::parse(&obj, &mut drafts))
            .unwrap_or_default();
        let location = Location {
            file: file.to_owned(),
            line: doc.line,
            object: cluster_spec::id(value),
            suppressed,
        };
        for draft in drafts {
            let line = doc.line + parse::locate(doc.text, &draft.path);
            self.push(&mut out.findings, &location, line, draft);
        }
        for (line, draft) in cluster_spec::check(file, doc.text) {
            let line = doc.line + line.unwrap_or_else(|| parse::locate(doc.text, &draft.path));
            self.push(&mut out.findings, &location, line, draft);
        }
    }

    fn object(
        self,
        file: &str,
        doc: &parse::Document<'_>,
        line: usize,
        prefix: &str,
        value: &Value,
        out: &mut Partial,
    ) {
        let obj = match Obj::new(value) {
            Ok(obj) => obj,
            Err(message) => {
                out.skipped += 1;
                self.push_raw(
                    &mut out.findings,
                    file,
                    line,
                    String::new(),
                    checks::INVALID_OBJECT,
                    message,
                );
                return;
            }
        };
        out.objects += 1;
        let mut drafts = Vec::new();
        let suppressed = suppress::parse(&obj, &mut drafts);
        self.schema(&obj, &mut drafts);
        policy::check(&obj, &mut drafts);
        ozone::check(&obj, &mut drafts);
        let location = Location {
            file: file.to_owned(),
            line,
            object: obj.id(),
            suppressed,
        };
        for draft in drafts {
            let line = if draft.path.is_empty() {
                location.line
            } else {
                doc.line + parse::locate(doc.text, &format!("{prefix}{}", draft.path))
            };
            self.push(&mut out.findings, &location, line, draft);
        }
        out.index.add(&obj, location);
    }

    fn schema(self, obj: &Obj<'_>, out: &mut Vec<Draft>) {
        match versions::status(obj.api_version, obj.kind, self.options.kube_version) {
            versions::Status::Current => {}
            versions::Status::Deprecated {
                since,
                removed,
                replacement,
            } => {
                let removal = removed.map_or(String::new(), |r| format!(", removed in 1.{r}"));
                out.push(Draft::new(
                    checks::DEPRECATED_API,
                    "apiVersion",
                    format!(
                        "{} {} is deprecated since Kubernetes 1.{since}{removal}; use {replacement}",
                        obj.api_version, obj.kind
                    ),
                ));
            }
            versions::Status::Removed { since, replacement } => {
                out.push(Draft::new(
                    checks::REMOVED_API,
                    "apiVersion",
                    format!(
                        "{} {} is not served since Kubernetes 1.{since} (target {}); use {replacement}",
                        obj.api_version, obj.kind, self.options.kube_version
                    ),
                ));
                return;
            }
        }
        let violations = if let Some(decode) = schema::builtin(obj.api_version, obj.kind) {
            schema::validate(decode, obj.value)
        } else {
            match self.crds.schema(obj.api_version, obj.kind) {
                Some(Some(s)) => crd::validate(s, obj.value),
                Some(None) => {
                    out.push(Draft::new(
                        checks::MISSING_SCHEMA,
                        "",
                        format!(
                            "the CRD of {} {} has no openAPIV3Schema; it cannot be validated",
                            obj.api_version, obj.kind
                        ),
                    ));
                    return;
                }
                None => {
                    let hint = if schema::builtin_group(obj.api_version) {
                        "no schema for this built-in apiVersion and kind"
                    } else {
                        "no CRD loaded for it (pass one with --crd)"
                    };
                    out.push(Draft::new(
                        checks::MISSING_SCHEMA,
                        "",
                        format!("{} {}: {hint}; not validated", obj.api_version, obj.kind),
                    ));
                    return;
                }
            }
        };
        for v in violations {
            out.push(Draft::new(
                checks::SCHEMA_VALIDATION,
                &v.path,
                schema_message(&v),
            ));
        }
    }

    fn push(self, out: &mut Vec<Finding>, location: &Location, line: usize, draft: Draft) {
        if !self.options.enabled(draft.check)
            || location.suppressed.iter().any(|s| s == draft.check)
        {
            return;
        }
        let severity = self.options.severity(draft.check);
        out.push(Finding {
            file: location.file.clone(),
            line,
            object: location.object.clone(),
            check: draft.check,
            severity,
            message: draft.message,
        });
    }

    fn push_raw(
        self,
        out: &mut Vec<Finding>,
        file: &str,
        line: usize,
        object: String,
        check: &'static str,
        message: String,
    ) {
        let location = Location {
            file: file.to_owned(),
            line,
            object,
            suppressed: Vec::new(),
        };
        self.push(out, &location, line, Draft::new(check, "", message));
    }
}

fn schema_message(v: &schema::Violation) -> String {
    if v.path.is_empty() {
        v.message.clone()
    } else {
        format!("{}: {}", v.path, v.message)
    }
}

/// Lints one in-memory YAML stream; for tests and callers that have everything at hand.
///
/// # Errors
/// When the text holds NUL characters.
pub fn lint_text(
    file: &str,
    text: &str,
    options: Options,
    crds: crd::Registry,
) -> Result<Report, InputError> {
    let mut linter = Linter::new(options, crds);
    linter.lint(file, text.as_bytes())?;
    Ok(linter.finish())
}
