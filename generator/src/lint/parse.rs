//! Input text → documents with their first line, and field paths → line numbers.
//!
//! Documents are split on `---` lines here rather than by the YAML library so that a syntax
//! error in one document does not hide the rest, and so that every document knows the line it
//! starts at in its file.

use crate::yaml;
use serde_json::Value;

/// One document of a stream.
#[derive(Debug)]
pub struct Document<'a> {
    /// 1-based line of the document's first line in the file.
    pub line: usize,
    /// The document's text.
    pub text: &'a str,
}

/// Splits a YAML stream into documents. Text before the first `---` is a document too;
/// documents holding only comments and blank lines are dropped.
pub fn documents(text: &str) -> Vec<Document<'_>> {
    let mut docs = Vec::new();
    let mut start = 0usize;
    let mut start_line = 1usize;
    let mut offset = 0usize;
    for (index, line) in text.split_inclusive('\n').enumerate() {
        let bare = line.trim_end_matches(['\n', '\r']);
        let separator =
            bare == "---" || bare.starts_with("--- ") || bare.starts_with("---\t") || bare == "...";
        if separator {
            push(&mut docs, &text[start..offset], start_line);
            start = offset + line.len();
            start_line = index + 2;
            if let Some(rest) = bare.strip_prefix("--- ") {
                // `--- {a: 1}` puts content on the separator line itself.
                if !is_blank(rest) {
                    start = offset + 4;
                    start_line = index + 1;
                }
            }
        }
        offset += line.len();
    }
    push(&mut docs, &text[start..], start_line);
    docs
}

fn push<'a>(docs: &mut Vec<Document<'a>>, text: &'a str, line: usize) {
    if !is_blank(text) {
        docs.push(Document { line, text });
    }
}

/// Whether text holds nothing but whitespace and comments.
pub fn is_blank(text: &str) -> bool {
    text.lines().all(|l| {
        let t = l.trim();
        t.is_empty() || t.starts_with('#')
    })
}

/// A document that did not parse.
#[derive(Debug)]
pub struct ParseError {
    /// The check id: duplicate key or syntax.
    pub check: &'static str,
    /// 1-based line in the file.
    pub line: usize,
    /// What is wrong.
    pub message: String,
}

/// Parses one document into a JSON value.
pub fn parse(doc: &Document<'_>) -> Result<Value, ParseError> {
    yaml::parse_document(doc.text).map_err(|e| {
        let reported = e.location.map_or(0, |(line, _)| line.saturating_sub(1));
        match duplicate_key(&e.message) {
            Some(key) => ParseError {
                check: super::checks::DUPLICATE_KEY,
                line: doc.line + second_occurrence(doc.text, reported, key).unwrap_or(reported),
                message: e.message,
            },
            None => ParseError {
                check: super::checks::YAML_SYNTAX,
                line: doc.line + reported,
                message: without_position(&e.message),
            },
        }
    })
}

/// The YAML library's own "at line L column C" counts from the document, not the file; the
/// finding carries the file line instead.
fn without_position(message: &str) -> String {
    let Some(at) = message.find(" at line ") else {
        return message.to_owned();
    };
    let rest = &message[at + " at line ".len()..];
    let skip_number = |s: &str| {
        s.trim_start_matches(|c: char| c.is_ascii_digit())
            .to_owned()
    };
    let rest = skip_number(rest);
    let rest = match rest.strip_prefix(" column ") {
        Some(r) => skip_number(r),
        None => rest,
    };
    format!("{}{rest}", &message[..at])
}

fn duplicate_key(message: &str) -> Option<&str> {
    let rest = message.split("duplicate key \"").nth(1)?;
    rest.split('"').next()
}

/// The 0-based line of the second `key:` at one indentation from `from` on: the mapping that
/// holds a duplicate starts at `from`, and its first key sets the indentation.
fn second_occurrence(text: &str, from: usize, key: &str) -> Option<usize> {
    let mut indent = None;
    let mut seen = 0;
    for (i, line) in text.lines().enumerate().skip(from) {
        let (col, content) = key_start(line);
        let Some(content) = content else { continue };
        let want = *indent.get_or_insert(col);
        if col < want {
            break;
        }
        if col == want && starts_with_key(content, key) {
            seen += 1;
            if seen == 2 {
                return Some(i);
            }
        }
    }
    None
}

/// The column where a line's mapping key starts (after indentation and `- ` list markers),
/// and the text from there; `None` for blank and comment lines.
fn key_start(line: &str) -> (usize, Option<&str>) {
    let mut col = 0;
    let mut rest = line;
    loop {
        let trimmed = rest.trim_start_matches(' ');
        col += rest.len() - trimmed.len();
        rest = trimmed;
        if let Some(after) = rest.strip_prefix("- ") {
            col += 2;
            rest = after;
        } else {
            break;
        }
    }
    if rest.is_empty() || rest.starts_with('#') {
        (col, None)
    } else {
        (col, Some(rest))
    }
}

fn starts_with_key(content: &str, key: &str) -> bool {
    let plain = content
        .strip_prefix(key)
        .is_some_and(|r| r.starts_with(':'));
    let quoted = ['"', '\''].iter().any(|q| {
        content
            .strip_prefix(*q)
            .and_then(|r| r.strip_prefix(key))
            .and_then(|r| r.strip_prefix(*q))
            .is_some_and(|r| r.trim_start().starts_with(':'))
    });
    plain || quoted
}

/// One step of a field path.
#[derive(Debug, PartialEq, Eq)]
enum Step<'a> {
    Key(&'a str),
    Index(usize),
}

fn steps(path: &str) -> Vec<Step<'_>> {
    let mut out = Vec::new();
    for part in path.split('.') {
        let (key, mut rest) = match part.find('[') {
            Some(i) => (&part[..i], &part[i..]),
            None => (part, ""),
        };
        if !key.is_empty() {
            out.push(Step::Key(key));
        }
        while let Some(inner) = rest.strip_prefix('[') {
            let Some(end) = inner.find(']') else { break };
            if let Ok(n) = inner[..end].parse() {
                out.push(Step::Index(n));
            }
            rest = &inner[end + 1..];
        }
    }
    out
}

/// The 0-based line of a field path (`spec.template.spec.containers[1].image`) within a
/// document, found by following keys and list items down the indentation. Best effort: when
/// the layout defeats it (flow style, anchors) it returns the deepest line it found.
pub fn locate(text: &str, path: &str) -> usize {
    let lines: Vec<&str> = text.lines().collect();
    let mut pos = 0usize;
    let mut parent: Option<usize> = None;
    let mut same_line = false;
    for step in steps(path) {
        let from = if same_line {
            pos
        } else {
            pos + usize::from(parent.is_some())
        };
        same_line = false;
        match step {
            Step::Key(key) => {
                let mut child_col = None;
                let mut hit = None;
                for (i, line) in lines.iter().enumerate().skip(from) {
                    let (col, content) = key_start(line);
                    let Some(content) = content else { continue };
                    if parent.is_some_and(|p| col <= p) {
                        break;
                    }
                    // Only keys of this mapping, not of mappings nested in it.
                    if col == *child_col.get_or_insert(col) && starts_with_key(content, key) {
                        hit = Some((i, col));
                        break;
                    }
                }
                match hit {
                    Some((i, col)) => {
                        pos = i;
                        parent = Some(col);
                    }
                    None => return pos,
                }
            }
            Step::Index(n) => {
                let mut count = 0;
                let mut dash_col = None;
                let mut hit = None;
                for (i, line) in lines.iter().enumerate().skip(pos + 1) {
                    let trimmed = line.trim_start_matches(' ');
                    if trimmed.is_empty() || trimmed.starts_with('#') {
                        continue;
                    }
                    let col = line.len() - trimmed.len();
                    if parent.is_some_and(|p| col < p) {
                        break;
                    }
                    if trimmed.starts_with("- ") || trimmed == "-" {
                        let want = *dash_col.get_or_insert(col);
                        if col == want {
                            if count == n {
                                hit = Some((i, col));
                                break;
                            }
                            count += 1;
                        }
                    } else if dash_col.is_none_or(|d| col <= d) && parent.is_some_and(|p| col <= p)
                    {
                        break;
                    }
                }
                match hit {
                    Some((i, col)) => {
                        pos = i;
                        parent = Some(col);
                        same_line = true;
                    }
                    None => return pos,
                }
            }
        }
    }
    pos
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn splits_documents_and_keeps_their_lines() {
        let text = "# header\n---\na: 1\n---\n# only a comment\n---\nb: 2\nc: 3\n--- {d: 4}\n";
        let docs = documents(text);
        assert_eq!(docs.len(), 3);
        assert_eq!((docs[0].line, docs[0].text), (3, "a: 1\n"));
        assert_eq!((docs[1].line, docs[1].text), (7, "b: 2\nc: 3\n"));
        assert_eq!(docs[2].line, 9);
        assert_eq!(docs[2].text.trim(), "{d: 4}");
        assert!(documents("\n# nothing\n---\n").is_empty());
    }

    const DEPLOY: &str = "apiVersion: apps/v1
kind: Deployment
metadata:
  name: web
spec:
  template:
    spec:
      containers:
      - name: a
        image: a:1
      - name: b
        image: b:1
        bogusField: 1
";

    #[test]
    fn locates_field_paths() {
        assert_eq!(locate(DEPLOY, "metadata.name"), 3);
        assert_eq!(locate(DEPLOY, "spec.template.spec.containers[0]"), 8);
        assert_eq!(locate(DEPLOY, "spec.template.spec.containers[1].image"), 11);
        assert_eq!(
            locate(DEPLOY, "spec.template.spec.containers[1].bogusField"),
            12
        );
        assert_eq!(locate(DEPLOY, "spec.template.spec.containers[1].name"), 10);
        // A path that is not there stops at the deepest line found.
        assert_eq!(locate(DEPLOY, "spec.template.spec.volumes[0]"), 6);
    }

    #[test]
    fn syntax_errors_carry_the_file_line_only() {
        let doc = Document {
            line: 20,
            text: "a: 1\nb: [x\n",
        };
        let err = parse(&doc).unwrap_err();
        assert_eq!(err.check, "yaml-syntax");
        assert!(err.line >= 20, "{}", err.line);
        assert!(!err.message.contains("line"), "{}", err.message);
    }

    #[test]
    fn duplicate_keys_point_at_the_second_key() {
        let text = "a: 1\nb:\n  c: 2\n  d:\n    c: 9\n  c: 3\n";
        let doc = Document { line: 10, text };
        let err = parse(&doc).unwrap_err();
        assert_eq!(err.check, "duplicate-key");
        assert_eq!(err.line, 15);
    }
}
