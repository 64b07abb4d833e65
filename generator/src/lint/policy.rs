//! Generic Kubernetes policy on one object: Pod Security Standards `baseline` and `restricted`
//! (reference conventions §2.4, the pod-security-admission checks), kube-linter-style defaults
//! (resources, probes, image tags, selectors, anti-affinity) and RBAC rules.

use super::object::{Draft, Obj, Selector, containers};
use serde_json::Value;

/// Capabilities Pod Security baseline allows adding.
const BASELINE_CAPABILITIES: [&str; 13] = [
    "AUDIT_WRITE",
    "CHOWN",
    "DAC_OVERRIDE",
    "FOWNER",
    "FSETID",
    "KILL",
    "MKNOD",
    "NET_BIND_SERVICE",
    "SETFCAP",
    "SETGID",
    "SETPCAP",
    "SETUID",
    "SYS_CHROOT",
];

/// Sysctls Pod Security baseline allows.
const SAFE_SYSCTLS: [&str; 14] = [
    "kernel.shm_rmid_forced",
    "net.ipv4.ip_local_port_range",
    "net.ipv4.tcp_syncookies",
    "net.ipv4.ping_group_range",
    "net.ipv4.ip_unprivileged_port_start",
    "net.ipv4.ip_local_reserved_ports",
    "net.ipv4.tcp_keepalive_time",
    "net.ipv4.tcp_fin_timeout",
    "net.ipv4.tcp_keepalive_intvl",
    "net.ipv4.tcp_keepalive_probes",
    "net.ipv4.tcp_rmem",
    "net.ipv4.tcp_wmem",
    "net.ipv4.tcp_slow_start_after_idle",
    "net.ipv4.tcp_notsent_lowat",
];

/// Volume types Pod Security restricted allows (hostPath has its own check).
const RESTRICTED_VOLUMES: [&str; 10] = [
    "name",
    "configMap",
    "downwardAPI",
    "emptyDir",
    "projected",
    "secret",
    "csi",
    "persistentVolumeClaim",
    "ephemeral",
    "image",
];

/// Runs every per-object policy check.
pub fn check(obj: &Obj<'_>, out: &mut Vec<Draft>) {
    if let Some((spec, path)) = obj.pod_spec() {
        pod(obj, spec, path, out);
        selector(obj, out);
        spread(obj, spec, path, out);
    }
    if matches!(obj.kind, "Role" | "ClusterRole") {
        rbac(obj, out);
    }
}

fn is_true(v: Option<&Value>) -> bool {
    v.and_then(Value::as_bool) == Some(true)
}

fn at<'v>(v: &'v Value, pointer: &str) -> Option<&'v Value> {
    v.pointer(pointer)
}

fn pod(obj: &Obj<'_>, spec: &Value, path: &str, out: &mut Vec<Draft>) {
    let psc = spec.get("securityContext");
    for ns in ["hostNetwork", "hostPID", "hostIPC"] {
        if is_true(spec.get(ns)) {
            let id = match ns {
                "hostNetwork" => "host-network",
                "hostPID" => "host-pid",
                _ => "host-ipc",
            };
            out.push(Draft::new(
                id,
                &format!("{path}.{ns}"),
                format!("{ns} is true: the pod shares the host's namespace"),
            ));
        }
    }
    if is_true(psc.and_then(|s| at(s, "/windowsOptions/hostProcess"))) {
        out.push(Draft::new(
            "pss-baseline",
            &format!("{path}.securityContext.windowsOptions.hostProcess"),
            "hostProcess pods are not allowed".into(),
        ));
    }
    seccomp_baseline(psc, &format!("{path}.securityContext"), out);
    for (i, sysctl) in psc
        .and_then(|s| s.get("sysctls"))
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
        .enumerate()
    {
        let name = sysctl.get("name").and_then(Value::as_str).unwrap_or("");
        if !SAFE_SYSCTLS.contains(&name) {
            out.push(Draft::new(
                "pss-baseline",
                &format!("{path}.securityContext.sysctls[{i}]"),
                format!("sysctl {name} is not in the Pod Security baseline safe set"),
            ));
        }
    }
    for (key, value) in obj.pod_annotations() {
        if key.starts_with("container.apparmor.security.beta.kubernetes.io/")
            && value != "runtime/default"
            && !value.starts_with("localhost/")
        {
            out.push(Draft::new(
                "pss-baseline",
                "",
                format!("AppArmor annotation {key}: {value} is not allowed"),
            ));
        }
    }
    let pod_non_root = psc
        .and_then(|s| s.get("runAsNonRoot"))
        .and_then(Value::as_bool);
    let pod_user = psc.and_then(|s| s.get("runAsUser")).and_then(Value::as_i64);
    let pod_seccomp = psc
        .and_then(|s| at(s, "/seccompProfile/type"))
        .and_then(Value::as_str)
        .is_some();
    if pod_user == Some(0) {
        out.push(Draft::new(
            "pss-restricted",
            &format!("{path}.securityContext.runAsUser"),
            "runAsUser 0 runs as root".into(),
        ));
    }
    for (i, v) in spec
        .get("volumes")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
        .enumerate()
    {
        let vpath = format!("{path}.volumes[{i}]");
        if v.get("hostPath").is_some() {
            let p = v
                .pointer("/hostPath/path")
                .and_then(Value::as_str)
                .unwrap_or("?");
            out.push(Draft::new(
                "host-path",
                &vpath,
                format!("hostPath volume mounts {p} from the node"),
            ));
            continue;
        }
        if let Some(obj) = v.as_object()
            && let Some(bad) = obj
                .keys()
                .find(|k| !RESTRICTED_VOLUMES.contains(&k.as_str()))
        {
            out.push(Draft::new(
                "pss-restricted",
                &vpath,
                format!("volume type {bad} is not allowed by Pod Security restricted"),
            ));
        }
    }
    let sa = spec
        .get("serviceAccountName")
        .or_else(|| spec.get("serviceAccount"))
        .and_then(Value::as_str);
    if sa.is_none_or(|s| s.is_empty() || s == "default") {
        out.push(Draft::new(
            "default-service-account",
            path,
            "the pod runs as the default ServiceAccount".into(),
        ));
    }
    for (field, i, c) in containers(spec) {
        let cpath = format!("{path}.{field}[{i}]");
        let name = c.get("name").and_then(Value::as_str).unwrap_or("?");
        container(
            obj,
            c,
            &cpath,
            name,
            field,
            (pod_non_root, pod_seccomp),
            out,
        );
    }
}

fn seccomp_baseline(sc: Option<&Value>, path: &str, out: &mut Vec<Draft>) {
    if let Some(t) = sc
        .and_then(|s| at(s, "/seccompProfile/type"))
        .and_then(Value::as_str)
        && t != "RuntimeDefault"
        && t != "Localhost"
    {
        out.push(Draft::new(
            "pss-baseline",
            &format!("{path}.seccompProfile.type"),
            format!("seccomp profile {t} is not allowed"),
        ));
    }
    if let Some(t) = sc
        .and_then(|s| at(s, "/appArmorProfile/type"))
        .and_then(Value::as_str)
        && t != "RuntimeDefault"
        && t != "Localhost"
    {
        out.push(Draft::new(
            "pss-baseline",
            &format!("{path}.appArmorProfile.type"),
            format!("AppArmor profile {t} is not allowed"),
        ));
    }
    if let Some(se) = sc.and_then(|s| s.get("seLinuxOptions")) {
        let t = se.get("type").and_then(Value::as_str).unwrap_or("");
        if !["", "container_t", "container_init_t", "container_kvm_t"].contains(&t)
            || se.get("user").is_some()
            || se.get("role").is_some()
        {
            out.push(Draft::new(
                "pss-baseline",
                &format!("{path}.seLinuxOptions"),
                "custom SELinux user, role or type is not allowed".into(),
            ));
        }
    }
}

fn container(
    obj: &Obj<'_>,
    c: &Value,
    path: &str,
    name: &str,
    field: &str,
    (pod_non_root, pod_seccomp): (Option<bool>, bool),
    out: &mut Vec<Draft>,
) {
    let sc = c.get("securityContext");
    let scp = format!("{path}.securityContext");
    let get = |k: &str| sc.and_then(|s| s.get(k));
    if is_true(get("privileged")) {
        out.push(Draft::new(
            "privileged-container",
            &format!("{scp}.privileged"),
            format!("container {name} runs privileged"),
        ));
    }
    if get("allowPrivilegeEscalation").and_then(Value::as_bool) != Some(false) {
        out.push(Draft::new(
            "privilege-escalation-container",
            path,
            format!(
                "container {name} does not set securityContext.allowPrivilegeEscalation: false"
            ),
        ));
    }
    let non_root = get("runAsNonRoot")
        .and_then(Value::as_bool)
        .or(pod_non_root);
    if non_root != Some(true) {
        out.push(Draft::new("run-as-non-root", path, format!("container {name} does not set runAsNonRoot: true (in its or the pod's securityContext)")));
    }
    if get("runAsUser").and_then(Value::as_i64) == Some(0) {
        out.push(Draft::new(
            "pss-restricted",
            &format!("{scp}.runAsUser"),
            format!("container {name} runs as user 0"),
        ));
    }
    if !is_true(get("readOnlyRootFilesystem")) {
        out.push(Draft::new(
            "no-read-only-root-fs",
            path,
            format!("container {name} does not set readOnlyRootFilesystem: true"),
        ));
    }
    if is_true(sc.and_then(|s| at(s, "/windowsOptions/hostProcess"))) {
        out.push(Draft::new(
            "pss-baseline",
            &scp,
            format!("container {name} is a hostProcess container"),
        ));
    }
    if let Some(pm) = get("procMount").and_then(Value::as_str)
        && pm != "Default"
    {
        out.push(Draft::new(
            "pss-baseline",
            &format!("{scp}.procMount"),
            format!("container {name} uses procMount {pm}"),
        ));
    }
    seccomp_baseline(sc, &scp, out);
    if !pod_seccomp && sc.and_then(|s| at(s, "/seccompProfile/type")).is_none() {
        out.push(Draft::new("pss-restricted", path, format!("container {name} has no seccomp profile (set seccompProfile.type: RuntimeDefault on the pod or container)")));
    }
    let caps = sc.and_then(|s| s.get("capabilities"));
    let list = |k: &str| -> Vec<&str> {
        caps.and_then(|c| c.get(k))
            .and_then(Value::as_array)
            .into_iter()
            .flatten()
            .filter_map(Value::as_str)
            .collect()
    };
    let drop = list("drop");
    if !drop.iter().any(|d| d.eq_ignore_ascii_case("ALL")) {
        out.push(Draft::new(
            "pss-restricted",
            path,
            format!("container {name} does not drop ALL capabilities"),
        ));
    }
    for add in list("add") {
        let bare = add.trim_start_matches("CAP_");
        if !BASELINE_CAPABILITIES.contains(&bare) {
            out.push(Draft::new(
                "pss-baseline",
                &format!("{scp}.capabilities.add"),
                format!("container {name} adds capability {add}"),
            ));
        } else if bare != "NET_BIND_SERVICE" {
            out.push(Draft::new("pss-restricted", &format!("{scp}.capabilities.add"), format!("container {name} adds capability {add}; restricted allows only NET_BIND_SERVICE")));
        }
    }
    for (i, p) in c
        .get("ports")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
        .enumerate()
    {
        if p.get("hostPort")
            .and_then(Value::as_i64)
            .is_some_and(|h| h != 0)
        {
            out.push(Draft::new(
                "pss-baseline",
                &format!("{path}.ports[{i}].hostPort"),
                format!("container {name} binds a host port"),
            ));
        }
    }
    for probe in ["livenessProbe", "readinessProbe", "startupProbe"] {
        for handler in ["httpGet", "tcpSocket"] {
            if c.get(probe)
                .and_then(|p| p.get(handler))
                .and_then(|h| h.get("host"))
                .and_then(Value::as_str)
                .is_some_and(|h| !h.is_empty())
            {
                out.push(Draft::new(
                    "pss-baseline",
                    &format!("{path}.{probe}.{handler}.host"),
                    format!("container {name}: probe host must not be set"),
                ));
            }
        }
    }
    if let Some(image) = c.get("image").and_then(Value::as_str)
        && floating_tag(image)
    {
        out.push(Draft::new(
            "latest-tag",
            &format!("{path}.image"),
            format!("container {name} image {image} has no tag or uses latest; pin a version"),
        ));
    }
    if field == "ephemeralContainers" {
        return;
    }
    let resources = c.get("resources");
    let quantity = |p: &str| resources.and_then(|r| r.pointer(p)).is_some();
    if !quantity("/requests/cpu") {
        out.push(Draft::new(
            "unset-cpu-requirements",
            path,
            format!("container {name} has no CPU request"),
        ));
    }
    if !quantity("/requests/memory") || !quantity("/limits/memory") {
        out.push(Draft::new(
            "unset-memory-requirements",
            path,
            format!("container {name} needs a memory request and limit"),
        ));
    }
    if field == "containers" && obj.long_running() {
        if c.get("livenessProbe").is_none() {
            out.push(Draft::new(
                "no-liveness-probe",
                path,
                format!("container {name} has no liveness probe"),
            ));
        }
        if c.get("readinessProbe").is_none() {
            out.push(Draft::new(
                "no-readiness-probe",
                path,
                format!("container {name} has no readiness probe"),
            ));
        }
    }
}

/// No tag, or `latest`; a digest pins the image whatever the tag.
pub fn floating_tag(image: &str) -> bool {
    if image.contains('@') {
        return false;
    }
    let last = image.rsplit('/').next().unwrap_or(image);
    match last.split_once(':') {
        None => true,
        Some((_, tag)) => tag.is_empty() || tag == "latest",
    }
}

fn selector(obj: &Obj<'_>, out: &mut Vec<Draft>) {
    if !matches!(
        obj.kind,
        "Deployment" | "StatefulSet" | "DaemonSet" | "ReplicaSet"
    ) {
        return;
    }
    let sel = Selector::label_selector(obj.value.pointer("/spec/selector"));
    let labels = obj.pod_labels();
    if sel.absent || sel.is_empty() {
        out.push(Draft::new(
            "mismatching-selector",
            "spec.selector",
            format!("{} has no selector labels", obj.kind),
        ));
    } else if !sel.matches(&labels) {
        out.push(Draft::new(
            "mismatching-selector",
            "spec.selector",
            "the selector does not match the pod template's labels".into(),
        ));
    }
}

fn spread(obj: &Obj<'_>, spec: &Value, path: &str, out: &mut Vec<Draft>) {
    if obj.replicas().is_none_or(|r| r <= 1) {
        return;
    }
    let anti = spec.pointer("/affinity/podAntiAffinity").is_some_and(|a| {
        a.as_object().is_some_and(|m| {
            m.values()
                .any(|v| v.as_array().is_some_and(|l| !l.is_empty()))
        })
    });
    let spread = spec
        .get("topologySpreadConstraints")
        .and_then(Value::as_array)
        .is_some_and(|l| !l.is_empty());
    if !anti && !spread {
        out.push(Draft::new("no-anti-affinity", path, format!("{} replicas but no pod anti-affinity or topology spread: one node failure can take several down", obj.replicas().unwrap_or(0))));
    }
}

fn rbac(obj: &Obj<'_>, out: &mut Vec<Draft>) {
    for (i, rule) in obj
        .value
        .get("rules")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
        .enumerate()
    {
        let path = format!("rules[{i}]");
        let list = |k: &str| -> Vec<&str> {
            rule.get(k)
                .and_then(Value::as_array)
                .into_iter()
                .flatten()
                .filter_map(Value::as_str)
                .collect()
        };
        for field in ["apiGroups", "resources", "verbs", "nonResourceURLs"] {
            if list(field).contains(&"*") {
                out.push(Draft::new(
                    "wildcard-in-rules",
                    &format!("{path}.{field}"),
                    format!("rule {i} grants * in {field}"),
                ));
            }
        }
        for verb in list("verbs") {
            if matches!(verb, "escalate" | "bind" | "impersonate") {
                out.push(Draft::new("rbac-escalation", &format!("{path}.verbs"), format!("rule {i} grants {verb}, which lets the holder gain permissions it does not have")));
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn floating_tags() {
        assert!(floating_tag("nginx"));
        assert!(floating_tag("nginx:latest"));
        assert!(floating_tag("registry:5000/team/nginx"));
        assert!(!floating_tag("registry:5000/team/nginx:1.2"));
        assert!(!floating_tag("nginx@sha256:abc"));
        assert!(!floating_tag("apache/ozone:2.2.0"));
    }
}
