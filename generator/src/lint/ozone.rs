//! Checks that know Apache Ozone, driven by the storage catalog (ports, metrics ports, start
//! commands): Raft ring sizes, removed CLI options, dashboards, and — given the cross-object
//! index — datanode counts, HA address keys and configured ports.

use super::object::{Draft, Obj, containers};
use ozone_storage::catalog::PortKeyForm;
use ozone_storage::config::{HTTP_POLICY_KEY, keys};
use ozone_storage::{Component, ConfigFile};
use serde_json::Value;
use std::collections::BTreeMap;

/// Single-dash options hidden in Ozone 2.2.0 and removed after it (reference ozone.md §0),
/// with their long replacements.
const REMOVED_OPTIONS: [(&str, &str); 4] = [
    ("-id", "--service-id"),
    ("-nodeid", "--nodeid"),
    ("-hostname", "--node-host-address"),
    ("-host", "--node-host-address"),
];

/// Runs the per-object Ozone checks.
pub fn check(obj: &Obj<'_>, out: &mut Vec<Draft>) {
    let component = obj.ozone_component();
    if let (Some(c @ (Component::Om | Component::Scm)), Some(replicas)) =
        (component, obj.replicas())
        && replicas > 1
        && replicas % 2 == 0
    {
        out.push(Draft::new("ozone-ha-replicas-odd", "spec.replicas", format!(
            "{} runs {replicas} replicas; a Raft ring needs an odd number (3 or 5) to keep a majority through a failure",
            c.title()
        )));
    }
    if let Some((spec, path)) = obj.pod_spec() {
        for (field, i, c) in containers(spec) {
            let cpath = format!("{path}.{field}[{i}]");
            removed_options_in(&super::object::command_words(c).join(" "), &cpath, out);
            for probe in ["livenessProbe", "readinessProbe", "startupProbe"] {
                if let Some(cmd) = c.pointer(&format!("/{probe}/exec/command")) {
                    removed_options_in(&words(cmd), &format!("{cpath}.{probe}"), out);
                }
            }
            for hook in ["postStart", "preStop"] {
                if let Some(cmd) = c.pointer(&format!("/lifecycle/{hook}/exec/command")) {
                    removed_options_in(&words(cmd), &format!("{cpath}.lifecycle.{hook}"), out);
                }
            }
        }
        if component == Some(Component::S3g) {
            s3g_scrape_annotation(obj, out);
        }
    }
    if obj.kind == "ConfigMap" {
        config_map(obj, out);
    }
}

fn words(cmd: &Value) -> String {
    cmd.as_array()
        .into_iter()
        .flatten()
        .filter_map(Value::as_str)
        .collect::<Vec<_>>()
        .join(" ")
}

/// Reports removed options on lines that run an `ozone` command.
fn removed_options_in(text: &str, path: &str, out: &mut Vec<Draft>) {
    for line in text.lines() {
        let tokens: Vec<&str> = line
            .split(|c: char| {
                c.is_whitespace() || matches!(c, '"' | '\'' | ';' | '&' | '|' | '(' | ')')
            })
            .filter(|t| !t.is_empty())
            .collect();
        if !tokens
            .iter()
            .any(|t| *t == "ozone" || t.ends_with("/ozone"))
        {
            continue;
        }
        for token in &tokens {
            let flag = token.split('=').next().unwrap_or(token);
            if let Some((old, new)) = REMOVED_OPTIONS.iter().find(|(old, _)| *old == flag) {
                out.push(Draft::new(
                    "ozone-removed-cli-option",
                    path,
                    format!("{old} was removed from the Ozone CLI after 2.2.0; use {new}"),
                ));
            }
        }
    }
}

fn s3g_scrape_annotation(obj: &Obj<'_>, out: &mut Vec<Draft>) {
    let annotations = obj.pod_annotations();
    let Some(port) = annotations.get("prometheus.io/port") else {
        return;
    };
    let Some(metrics) = Component::S3g.service().metrics() else {
        return;
    };
    if port.parse::<u16>().ok() != Some(metrics.number) && port != metrics.name {
        out.push(Draft::new(
            "ozone-s3g-metrics-port",
            "",
            format!(
                "prometheus.io/port is {port}, but the S3 Gateway serves /prom on its {} port {}",
                metrics.name, metrics.number
            ),
        ));
    }
}

fn config_map(obj: &Obj<'_>, out: &mut Vec<Draft>) {
    let Some(data) = obj.value.get("data").and_then(Value::as_object) else {
        return;
    };
    let dashboard = obj.labels().contains_key("grafana_dashboard");
    for (key, value) in data {
        let Some(text) = value.as_str() else { continue };
        if dashboard || key.ends_with(".json") {
            if let Err(e) = serde_json::from_str::<Value>(text) {
                out.push(Draft::new(
                    "ozone-dashboard-json",
                    &format!("data.{key}"),
                    format!("{key} is not valid JSON: {e}"),
                ));
            }
        } else if key.ends_with(".sh") || text.starts_with("#!") {
            removed_options_in(text, &format!("data.{key}"), out);
        }
    }
}

/// Ozone settings from a ConfigMap of `<FILE>_<key>` entries (the image's env-to-config
/// encoding): `ozone-site.xml` key → value.
pub fn ozone_site(data: &BTreeMap<String, String>) -> BTreeMap<String, String> {
    data.iter()
        .filter_map(|(k, v)| match ConfigFile::parse_env_name(k) {
            Some((ConfigFile::OzoneSite, key)) => Some((key.to_owned(), v.clone())),
            _ => None,
        })
        .collect()
}

/// The port a component listens on for a catalog port name, given the site config.
pub fn configured_port(site: &BTreeMap<String, String>, port: &ozone_storage::Port) -> u16 {
    let Some(value) = site.get(port.key.name) else {
        return port.number;
    };
    let text = match port.key.form {
        PortKeyForm::Port => Some(value.as_str()),
        PortKeyForm::HostPort => value.rsplit_once(':').map(|(_, p)| p),
    };
    text.and_then(|p| p.trim().parse().ok())
        .unwrap_or(port.number)
}

/// The port a service actually listens on for a catalog port: with
/// `ozone.http.policy=HTTPS_ONLY` an HTTP port is replaced by its HTTPS twin (catalog
/// `Port::https`), whose number comes from its own bind-address key.
pub fn listening_port(site: &BTreeMap<String, String>, port: &ozone_storage::Port) -> u16 {
    let https_only = site
        .get(HTTP_POLICY_KEY)
        .is_some_and(|v| v.trim().eq_ignore_ascii_case("HTTPS_ONLY"));
    match port.https {
        Some(https) if https_only => site
            .get(https.key)
            .and_then(|v| v.rsplit_once(':'))
            .and_then(|(_, p)| p.trim().parse().ok())
            .unwrap_or(https.number),
        _ => configured_port(site, port),
    }
}

/// The replication factor new keys get: `ozone.server.default.replication`, else
/// `ozone.replication` (`ONE`/`THREE` or a number), else Ozone's default of three.
pub fn replication_factor(site: &BTreeMap<String, String>) -> u32 {
    let parse = |v: &str| match v.trim() {
        "ONE" => Some(1),
        "THREE" => Some(3),
        n => n.parse().ok(),
    };
    site.get(keys::SERVER_DEFAULT_REPLICATION)
        .and_then(|v| parse(v))
        .or_else(|| site.get(keys::REPLICATION).and_then(|v| parse(v)))
        .unwrap_or(3)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn removed_options_only_on_ozone_command_lines() {
        let mut out = Vec::new();
        removed_options_in("ozone admin om transfer -id=ozone -n om1", "p", &mut out);
        removed_options_in("hostname -host x\nls -id", "p", &mut out);
        removed_options_in("ozone admin om transfer --service-id=ozone", "p", &mut out);
        assert_eq!(out.len(), 1);
        assert!(out[0].message.contains("--service-id"));
    }

    #[test]
    fn replication_and_ports() {
        let site: BTreeMap<String, String> = [
            ("ozone.replication".to_owned(), "ONE".to_owned()),
            (
                "ozone.om.http-address".to_owned(),
                "0.0.0.0:19874".to_owned(),
            ),
        ]
        .into();
        assert_eq!(replication_factor(&site), 1);
        assert_eq!(replication_factor(&BTreeMap::new()), 3);
        let http = Component::Om.service().known_port("http");
        assert_eq!(configured_port(&site, http), 19874);
        assert_eq!(configured_port(&BTreeMap::new(), http), 9874);
        let tls: BTreeMap<String, String> =
            [("ozone.http.policy".to_owned(), "HTTPS_ONLY".to_owned())].into();
        assert_eq!(listening_port(&tls, http), 9875);
        assert_eq!(listening_port(&BTreeMap::new(), http), 9874);
        let rpc = Component::Om.service().known_port("rpc");
        assert_eq!(listening_port(&tls, rpc), 9862);
    }
}
