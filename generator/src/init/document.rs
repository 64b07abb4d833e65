//! The spec file `init` writes: the `OzoneCluster` document holding only what differs from
//! the chosen profile, serialized by serde (through [`crate::yaml`]) and then commented line by
//! line with the field documentation, so a reader understands each field.
//!
//! Serializing the typed document (rather than filling a text template) means the file is
//! exactly what the parser reads back: quoting is serde's, and a field the document type does
//! not have cannot be written.

use crate::spec::doc::{API_VERSION, ClusterDoc, KIND};
use crate::spec::{Cluster, Inputs, SpecError, resolve};
use crate::yaml;
use serde_json::Value;

/// Why the document could not be produced.
#[derive(Debug, thiserror::Error)]
pub enum DocumentError {
    /// The profile alone did not resolve (a built-in profile is broken).
    #[error(transparent)]
    Spec(#[from] SpecError),
    /// The document did not serialize.
    #[error("cannot write the spec: {0}")]
    Serialize(String),
}

/// The minimal document for `cluster`: header, name, namespace and profile always; every other
/// field only where it differs from the profile.
pub fn minimal(cluster: &Cluster) -> Result<ClusterDoc, DocumentError> {
    let base = resolve(&Inputs::profile(cluster.profile.name()))?;
    let target = to_value(&cluster.document)?;
    let base = to_value(&base.document)?;
    let mut spec = match (target.get("spec"), base.get("spec")) {
        (Some(t), Some(b)) => diff(t, b).unwrap_or_else(|| Value::Object(Default::default())),
        (Some(t), None) => t.clone(),
        _ => Value::Object(Default::default()),
    };
    if let Value::Object(map) = &mut spec {
        // Always written, so the file names the profile it layers on.
        map.insert(
            "profile".into(),
            Value::String(cluster.profile.name().into()),
        );
    }
    let doc = serde_json::json!({
        "apiVersion": API_VERSION,
        "kind": KIND,
        "metadata": {"name": cluster.name, "namespace": cluster.namespace},
        "spec": spec,
    });
    serde_json::from_value(doc).map_err(|e| DocumentError::Serialize(e.to_string()))
}

fn to_value(doc: &ClusterDoc) -> Result<Value, DocumentError> {
    serde_json::to_value(doc).map_err(|e| DocumentError::Serialize(e.to_string()))
}

/// What to add to `base` (with the spec's merge: maps key by key, anything else replaced) to
/// get `target`; `None` when they are equal.
pub fn diff(target: &Value, base: &Value) -> Option<Value> {
    if target == base {
        return None;
    }
    match (target, base) {
        (Value::Object(t), Value::Object(b)) => {
            let mut out = serde_json::Map::new();
            for (k, v) in t {
                let changed = match b.get(k) {
                    Some(bv) => diff(v, bv),
                    None => Some(v.clone()),
                };
                if let Some(c) = changed {
                    out.insert(k.clone(), c);
                }
            }
            (!out.is_empty()).then_some(Value::Object(out))
        }
        _ => Some(target.clone()),
    }
}

/// The file's text: a header, then the document with a comment above each field. `file` is the
/// name the next-step commands use.
pub fn to_commented_yaml(
    doc: &ClusterDoc,
    cluster: &Cluster,
    file: &str,
) -> Result<String, DocumentError> {
    let body = yaml::to_string(doc).map_err(DocumentError::Serialize)?;
    let base = resolve(&Inputs::profile(cluster.profile.name()))?;
    let base = to_value(&base.document)?;
    let profile = cluster.profile.name();
    let mut out = format!(
        "# OzoneCluster {ns}/{name}, written by `kubectl ozone init`.\n\
         #\n\
         # Only what differs from the {profile} profile is written here; every other value comes\n\
         # from the profile (see `kubectl ozone render --profile {profile}`). Edit freely and keep\n\
         # this file in git. Any field can also be overridden with --set at render time.\n\
         #\n\
         #   kubectl ozone render -f {file} | kubectl apply --server-side --field-manager=kubectl-ozone -f -\n",
        ns = cluster.namespace,
        name = cluster.name,
    );
    let mut stack: Vec<(usize, String)> = Vec::new();
    for line in body.lines() {
        let indent = line.len() - line.trim_start().len();
        let rest = &line[indent..];
        let (item, rest, key_indent) = match rest.strip_prefix("- ") {
            Some(r) => (true, r, indent + 2),
            None => (false, rest, indent),
        };
        if let Some(key) = key_of(rest) {
            while stack.last().is_some_and(|(i, _)| *i >= key_indent) {
                stack.pop();
            }
            stack.push((key_indent, key.to_owned()));
            let path: Vec<&str> = stack.iter().map(|(_, k)| k.as_str()).collect();
            if !item && let Some(text) = comment_for(&path) {
                let pad = " ".repeat(indent);
                if indent == 0 && !out.ends_with("#\n") {
                    out.push('\n');
                }
                out.push_str(&format!("{pad}# {text}"));
                if let Some(was) = scalar_at(&base, &path)
                    && path.first() == Some(&"spec")
                    && path != ["spec", "profile"]
                {
                    out.push_str(&format!(" Profile {profile}: {was}."));
                }
                out.push('\n');
            }
        }
        out.push_str(line);
        out.push('\n');
    }
    Ok(out)
}

/// The key a YAML block line starts with (`name: value` or `name:`), if any.
fn key_of(rest: &str) -> Option<&str> {
    if rest.starts_with(['#', '\'', '"']) {
        return None;
    }
    let end = rest
        .find(": ")
        .or_else(|| rest.strip_suffix(':').map(str::len))?;
    Some(&rest[..end])
}

fn scalar_at(root: &Value, path: &[&str]) -> Option<String> {
    let mut here = root;
    for key in path {
        here = here.get(key)?;
    }
    match here {
        Value::String(s) => Some(s.clone()),
        Value::Number(n) => Some(n.to_string()),
        Value::Bool(b) => Some(b.to_string()),
        _ => None,
    }
}

const COMPONENTS: [&str; 6] = ["scm", "om", "datanodes", "s3g", "recon", "httpfs"];

/// The comment for a field, from the document type's own documentation (`spec::doc`).
pub fn comment_for(path: &[&str]) -> Option<&'static str> {
    let generic: Vec<&str> = path
        .iter()
        .enumerate()
        .map(|(i, k)| {
            if i == 1 && path[0] == "spec" && COMPONENTS.contains(k) {
                "*"
            } else {
                k
            }
        })
        .collect();
    let key = generic.join(".");
    if let [_, component] = path
        && path[0] == "spec"
        && COMPONENTS.contains(component)
    {
        return component_title(component);
    }
    // A component's own entry (spec.om.replicas) wins over the shared one (spec.*.replicas).
    let exact = path.join(".");
    FIELD_DOCS
        .iter()
        .find(|(p, _)| *p == exact)
        .or_else(|| FIELD_DOCS.iter().find(|(p, _)| *p == key))
        .map(|(_, text)| *text)
}

fn component_title(field: &str) -> Option<&'static str> {
    Some(match field {
        "scm" => "Storage Container Manager: tracks containers, pipelines and datanodes.",
        "om" => "Ozone Manager: the namespace of volumes, buckets and keys.",
        "datanodes" => "Datanodes: store the data blocks.",
        "s3g" => "S3 Gateway: an S3-compatible endpoint.",
        "recon" => "Recon: Ozone's web console and analytics service.",
        "httpfs" => "HttpFS: a WebHDFS-compatible REST gateway.",
        _ => return None,
    })
}

/// Field paths (`*` for any component) and their documentation, worded as in `spec::doc`.
pub const FIELD_DOCS: &[(&str, &str)] = &[
    ("metadata", "Name and namespace of the cluster."),
    (
        "metadata.name",
        "Cluster name: the prefix of every object (<name>-om).",
    ),
    ("metadata.namespace", "Namespace the cluster runs in."),
    ("spec", "What to deploy."),
    (
        "spec.profile",
        "small | medium | large: fills every default not written here.",
    ),
    (
        "spec.version",
        "Ozone release; the image tag unless image.tag is given.",
    ),
    ("spec.image", "Container image."),
    (
        "spec.image.repository",
        "Image repository. Default apache/ozone.",
    ),
    ("spec.image.tag", "Image tag. Default: spec.version."),
    (
        "spec.image.pullPolicy",
        "Always | IfNotPresent | Never. Default IfNotPresent.",
    ),
    (
        "spec.image.pullSecrets",
        "Names of Secrets for pulling from a private registry.",
    ),
    (
        "spec.clusterDomain",
        "The cluster's DNS domain, used in the addresses of HA members.",
    ),
    (
        "spec.replication",
        "Default replication of new keys: THREE (needs 3 datanodes) or ONE.",
    ),
    (
        "spec.*.enabled",
        "Whether to deploy it (S3 Gateway, Recon and HttpFS only; the others always run).",
    ),
    ("spec.*.replicas", "Number of pods."),
    (
        "spec.om.replicas",
        "Number of pods: 1, or an odd number from 3 to 9 for HA (a Raft ring).",
    ),
    (
        "spec.scm.replicas",
        "Number of pods: 1, or an odd number from 3 to 9 for HA (a Raft ring).",
    ),
    (
        "spec.datanodes.replicas",
        "Number of datanodes: at least as many as the replication keeps copies (3 for THREE).",
    ),
    ("spec.*.resources", "CPU and memory per pod."),
    ("spec.*.resources.requests", "What the scheduler reserves."),
    (
        "spec.*.resources.limits",
        "The most the pod may use; the JVM heap is a fraction of the memory limit.",
    ),
    ("spec.*.resources.requests.cpu", "CPU (500m, 2)."),
    ("spec.*.resources.requests.memory", "Memory (2Gi)."),
    ("spec.*.resources.limits.cpu", "CPU (500m, 2)."),
    ("spec.*.resources.limits.memory", "Memory (2Gi)."),
    ("spec.*.storage", "Persistent volume per pod."),
    ("spec.*.storage.size", "Volume size (100Gi)."),
    (
        "spec.*.storage.storageClass",
        "StorageClass; empty uses the cluster's default class.",
    ),
    (
        "spec.*.storage.data",
        "Datanodes: data volumes, one PVC and one Ozone volume each (at most 48; add disks at the end); entries without size or storageClass take storage.size and storage.storageClass.",
    ),
    (
        "spec.*.storage.ratis",
        "SCM, OM and datanodes: a separate volume for the Raft log (and a datanode's container databases), ideally on a fast device.",
    ),
    (
        "spec.*.storage.ratis.enabled",
        "false keeps the Raft log on the data volume (clusters created before their profile had this volume).",
    ),
    ("spec.*.storage.ratis.size", "Volume size (200Gi)."),
    (
        "spec.*.storage.ratis.storageClass",
        "StorageClass (local-nvme); empty uses the cluster's default class.",
    ),
    (
        "spec.*.placement",
        "Where this component's pods run, on top of spec.placement.",
    ),
    (
        "spec.*.placement.nodeSelector",
        "Node labels these pods require, besides spec.placement.nodeSelector.",
    ),
    (
        "spec.*.placement.tolerations",
        "Taints these pods tolerate, besides spec.placement.tolerations.",
    ),
    (
        "spec.*.placement.affinity",
        "A pod affinity, added to the anti-affinity kubectl-ozone renders.",
    ),
    (
        "spec.*.placement.priorityClassName",
        "PriorityClass of these pods.",
    ),
    (
        "spec.*.placement.topologySpread",
        "host | zone: failure domain to spread these pods over. Default: spec.placement.spread.",
    ),
    (
        "spec.*.placement.podLabels",
        "Extra labels on these pods (not the app.kubernetes.io/ ones).",
    ),
    (
        "spec.*.placement.podAnnotations",
        "Extra annotations on these pods (not the ozone.apache.org/ ones).",
    ),
    ("spec.*.jvm", "JVM settings."),
    (
        "spec.*.jvm.heapPercent",
        "Maximum heap as a percentage of the memory limit (10-90).",
    ),
    ("spec.*.disruption", "PodDisruptionBudget."),
    (
        "spec.*.disruption.maxUnavailable",
        "Pods a voluntary disruption (a node drain) may take down at once.",
    ),
    ("spec.*.service", "Client Service."),
    (
        "spec.*.service.type",
        "ClusterIP (inside the cluster) | NodePort (also on every node) | LoadBalancer (also through a cloud load balancer).",
    ),
    (
        "spec.*.service.nodePort",
        "Fixed node port for NodePort and LoadBalancer (30000-32767).",
    ),
    (
        "spec.*.service.annotations",
        "Annotations for the Service (load-balancer settings).",
    ),
    (
        "spec.*.serviceId",
        "Raft service id. Default: the cluster name.",
    ),
    (
        "spec.config",
        "Extra Ozone configuration, per file; wins over what kubectl-ozone derives.",
    ),
    (
        "spec.security",
        "Pod security, NetworkPolicies and who may reach the cluster.",
    ),
    (
        "spec.security.podSecurity",
        "Pod Security Standard enforced on the namespace: restricted | baseline | privileged. The pods meet restricted either way.",
    ),
    (
        "spec.security.networkPolicies",
        "Render NetworkPolicies: deny all ingress, then allow each traffic path Ozone uses.",
    ),
    (
        "spec.security.clients",
        "Who may reach the client endpoints (S3 Gateway, OM RPC, HttpFS, datanode data ports) when NetworkPolicies are on.",
    ),
    (
        "spec.security.clients.namespaceSelector",
        "Namespaces whose pods may connect, as a label selector over namespace labels.",
    ),
    (
        "spec.security.clients.anywhere",
        "Allow clients from anywhere, inside or outside the Kubernetes cluster.",
    ),
    (
        "spec.security.egress",
        "open or restricted: restricted egress allows only DNS and the cluster's own traffic.",
    ),
    (
        "spec.security.tls",
        "TLS for the HTTP endpoints (web UIs, S3 Gateway, metrics).",
    ),
    (
        "spec.security.tls.mode",
        "none | cert-manager (cert-manager issues and renews the certificates) | managed (`kubectl ozone cert issue` creates them in Secrets).",
    ),
    (
        "spec.monitoring",
        "ServiceMonitors, alerts and dashboards for the Prometheus Operator and Grafana.",
    ),
    (
        "spec.monitoring.serviceMonitors",
        "A ServiceMonitor per component (Prometheus Operator).",
    ),
    (
        "spec.monitoring.prometheusRules",
        "A PrometheusRule with alerts.",
    ),
    (
        "spec.monitoring.dashboards",
        "Grafana dashboards as ConfigMaps labelled grafana_dashboard: \"1\".",
    ),
    (
        "spec.monitoring.labels",
        "Extra labels on monitoring objects so a Prometheus selects them.",
    ),
    (
        "spec.monitoring.namespace",
        "The namespace Prometheus runs in: metrics ports are open to it.",
    ),
    ("spec.monitoring.interval", "Scrape interval."),
    (
        "spec.rbac",
        "Roles for people and the day-2 commands, and who gets them.",
    ),
    (
        "spec.rbac.roles",
        "Render the Roles <cluster>-admin, -developer, -viewer and -operator (what the day-2 commands need).",
    ),
    ("spec.rbac.bindings", "Who gets each role."),
    (
        "spec.rbac.bindings.admin",
        "Full control, including the day-2 commands.",
    ),
    (
        "spec.rbac.bindings.developer",
        "Read, logs and port-forward.",
    ),
    ("spec.rbac.bindings.viewer", "Read-only, no Secrets."),
    (
        "spec.rbac.bindings.operator",
        "Exactly what the day-2 commands need; for automation such as a CI ServiceAccount.",
    ),
    ("spec.placement", "Where pods run."),
    (
        "spec.placement.nodeSelector",
        "Node labels every pod requires.",
    ),
    ("spec.placement.tolerations", "Taints every pod tolerates."),
    (
        "spec.placement.spread",
        "Failure domain to spread replicas over: host or zone.",
    ),
    (
        "spec.placement.antiAffinity",
        "required: never put two SCMs, two OMs or two datanodes on one node (pods stay Pending instead); preferred: avoid it when possible.",
    ),
    (
        "spec.patches",
        "Last-mile JSON patches (RFC 6902) applied to rendered objects.",
    ),
];
