//! Layering and validation: built-in defaults ← profile ← spec file ← `--set`, then every rule
//! checked once, all problems reported together.

use super::cluster::{
    Backups, BucketVolume, Cluster, ComponentSettings, CpuMemory, Image, Monitoring, Network,
    PersonRole, Placement, Rbac, S3Access, ServiceSettings, SnapshotSchedule, Storage, Subject,
    Tls,
};
use super::doc::{
    AntiAffinity, BackupsDoc, ClusterDoc, ComponentDoc, ComponentPlacementDoc, Egress,
    MonitoringDoc, PodSecurityLevel, PullPolicy, QuantityDoc, RbacDoc, Replication, S3Doc,
    SecurityDoc, ServiceType, SnapshotScheduleDoc, Spread, SubjectDoc, TlsDoc, TlsMode,
};
use super::error::{Origin, Problem, Result, SpecError};
use super::parse;
use super::set::Assignment;
use crate::crd::rules as crd_rules;
use crate::names::{self, Names};
use crate::profile::Profile;
use crate::quantity::Amount;
use ozone_storage::catalog::State;
use ozone_storage::config::{Settings, effective_port};
use ozone_storage::{Component, DEFAULT_IMAGE_REPOSITORY, DEFAULT_OZONE_VERSION};
use serde_json::Value;
use std::collections::BTreeMap;

/// Cluster name when the spec gives none.
pub const DEFAULT_NAME: &str = "ozone";
/// Namespace when the spec gives none.
pub const DEFAULT_NAMESPACE: &str = "ozone";
/// The namespace Prometheus runs in when the spec names none (kube-prometheus' default).
pub const DEFAULT_MONITORING_NAMESPACE: &str = "monitoring";
/// DNS domain when the spec gives none.
pub const DEFAULT_CLUSTER_DOMAIN: &str = "cluster.local";

/// What the user handed render: every layer above the built-in defaults.
#[derive(Clone, Debug, Default)]
pub struct Inputs {
    /// `--profile`.
    pub profile: Option<String>,
    /// `-f`: the file's name (for messages) and text.
    pub spec_file: Option<(String, String)>,
    /// `--set` flags, in order.
    pub sets: Vec<String>,
}

impl Inputs {
    /// Inputs with only a profile.
    pub fn profile(name: &str) -> Inputs {
        Inputs {
            profile: Some(name.to_owned()),
            ..Inputs::default()
        }
    }

    /// Inputs with a profile and `--set` flags.
    pub fn with_sets<S: AsRef<str>>(profile: &str, sets: &[S]) -> Inputs {
        Inputs {
            profile: Some(profile.to_owned()),
            spec_file: None,
            sets: sets.iter().map(|s| s.as_ref().to_owned()).collect(),
        }
    }
}

/// Merges the layers and validates the result. Every problem of a spec file is reported at
/// once: unknown fields and wrong types are left out of the merge so that the values around
/// them are validated too, and a validation problem of a field the file sets names its line.
pub fn resolve(inputs: &Inputs) -> Result<Cluster> {
    let (file_doc, mut problems) = match &inputs.spec_file {
        Some((name, text)) => match parse::parse_file_all(name, text) {
            (Some(doc), problems) => (Some(doc), problems),
            (None, problems) => return Err(SpecError { problems }),
        },
        None => (None, Vec::new()),
    };
    match resolve_layers(inputs, file_doc) {
        Ok(cluster) if problems.is_empty() => Ok(cluster),
        Ok(_) => Err(SpecError { problems }),
        Err(e) => {
            problems.extend(e.problems.into_iter().map(|p| place_in_file(p, inputs)));
            Err(SpecError { problems })
        }
    }
}

/// A problem of the merged spec at a field the spec file sets (and no `--set` overrides)
/// gets the file's line and column.
fn place_in_file(problem: Problem, inputs: &Inputs) -> Problem {
    let Some((name, text)) = &inputs.spec_file else {
        return problem;
    };
    if problem.origin != Origin::Resolved || problem.path.is_empty() {
        return problem;
    }
    let set_here = inputs
        .sets
        .iter()
        .filter_map(|s| Assignment::parse(s).ok())
        .any(|a| {
            let dotted = a.dotted();
            problem.path.starts_with(&dotted) || dotted.starts_with(&problem.path)
        });
    let mut in_file = match crate::yaml::parse_document(text) {
        Ok(value) => value,
        Err(_) => return problem,
    };
    if set_here || !parse::remove_at(&mut in_file, &problem.path) {
        return problem;
    }
    let (line, column) = parse::position(text, &problem.path, false);
    Problem {
        origin: Origin::File {
            name: name.clone(),
            line: Some(line),
            column: Some(column),
        },
        ..problem
    }
}

fn resolve_layers(inputs: &Inputs, file_doc: Option<ClusterDoc>) -> Result<Cluster> {
    let mut assignments = Vec::with_capacity(inputs.sets.len());
    for raw in &inputs.sets {
        let a = Assignment::parse(raw).map_err(|message| {
            SpecError::one(Problem {
                origin: Origin::Flag(raw.clone()),
                path: String::new(),
                message,
            })
        })?;
        assignments.push(a);
    }

    let profile = choose_profile(inputs, file_doc.as_ref(), &assignments)?;
    let profile_doc = parse::parse_file(
        &format!("profiles/{}.yaml", profile.name()),
        profile.source(),
    )?;

    let mut merged = to_value(&profile_doc);
    if let Some(doc) = &file_doc {
        merge(&mut merged, to_value(doc));
    }
    for a in &assignments {
        a.apply(&mut merged).map_err(|message| {
            SpecError::one(Problem {
                origin: Origin::Flag(a.raw.clone()),
                path: String::new(),
                message,
            })
        })?;
        // Check after each flag, so a type error names the flag that caused it.
        parse::from_value(merged.clone(), &Origin::Flag(a.raw.clone()))?;
    }
    Assignment::parse(&format!("spec.profile={}", profile.name()))
        .and_then(|a| a.apply(&mut merged))
        .map_err(|m| SpecError::one(Problem::field("spec.profile", m)))?;
    let doc = parse::from_value(merged, &Origin::Resolved)?;
    validate(doc, profile)
}

fn choose_profile(
    inputs: &Inputs,
    file: Option<&ClusterDoc>,
    sets: &[Assignment],
) -> Result<Profile> {
    let from_set = sets
        .iter()
        .rev()
        .find(|a| a.dotted() == "spec.profile")
        .map(|a| match &a.value {
            Value::String(s) => s.clone(),
            other => other.to_string(),
        });
    let from_file = file
        .and_then(|d| d.spec.as_ref())
        .and_then(|s| s.profile.clone());
    let Some(name) = from_set.or_else(|| inputs.profile.clone()).or(from_file) else {
        return Err(SpecError::one(Problem::field(
            "spec.profile",
            format!(
                "no profile chosen: pass --profile or set spec.profile (known profiles: {})",
                Profile::known_names()
            ),
        )));
    };
    Profile::from_name(&name).ok_or_else(|| {
        SpecError::one(Problem::field(
            "spec.profile",
            format!(
                "unknown profile {name:?}; known profiles: {}",
                Profile::known_names()
            ),
        ))
    })
}

fn to_value(doc: &ClusterDoc) -> Value {
    // A ClusterDoc holds only strings, numbers, booleans, maps and lists: it always converts.
    serde_json::to_value(doc).unwrap_or(Value::Null)
}

/// Deep-merges `overlay` into `base`: maps merge key by key, everything else is replaced.
pub fn merge(base: &mut Value, overlay: Value) {
    match (base, overlay) {
        (Value::Object(b), Value::Object(o)) => {
            for (k, v) in o {
                match b.get_mut(&k) {
                    Some(existing) => merge(existing, v),
                    None => {
                        b.insert(k, v);
                    }
                }
            }
        }
        (b, o) => *b = o,
    }
}

/// Collects problems while building the resolved cluster.
struct Checker {
    problems: Vec<Problem>,
}

impl Checker {
    fn problem(&mut self, path: impl Into<String>, message: impl Into<String>) {
        self.problems.push(Problem::field(path, message));
    }

    fn amount(&mut self, path: &str, text: Option<String>) -> Option<Amount> {
        let Some(text) = text else {
            self.problem(path, "not set");
            return None;
        };
        match Amount::parse(&text) {
            Ok(a) => Some(a),
            Err(e) => {
                self.problem(path, e.to_string());
                None
            }
        }
    }

    fn positive(&mut self, path: &str, text: Option<String>) -> Option<Amount> {
        let a = self.amount(path, text)?;
        if a.is_positive() {
            Some(a)
        } else {
            self.problem(
                path,
                format!("must be greater than zero, got {:?}", a.as_str()),
            );
            None
        }
    }
}

fn validate(document: ClusterDoc, profile: Profile) -> Result<Cluster> {
    let mut ck = Checker {
        problems: Vec::new(),
    };
    let metadata = document.metadata.clone().unwrap_or_default();
    let spec = document.spec.clone().unwrap_or_default();

    let name = metadata.name.unwrap_or_else(|| DEFAULT_NAME.to_owned());
    if !names::is_dns1035_label(&name) {
        ck.problem(
            "metadata.name",
            format!("{name:?} is not a valid name: use lowercase letters, digits and '-', starting with a letter"),
        );
    }
    let namespace = metadata
        .namespace
        .unwrap_or_else(|| DEFAULT_NAMESPACE.to_owned());
    if !names::is_dns_label(&namespace) {
        ck.problem(
            "metadata.namespace",
            format!("{namespace:?} is not a valid namespace: use at most 63 lowercase letters, digits and '-'"),
        );
    }
    let cluster_domain = spec
        .cluster_domain
        .unwrap_or_else(|| DEFAULT_CLUSTER_DOMAIN.to_owned());
    if !names::is_dns_subdomain(&cluster_domain) {
        ck.problem(
            "spec.clusterDomain",
            format!("{cluster_domain:?} is not a DNS domain"),
        );
    }

    let version = spec
        .version
        .unwrap_or_else(|| DEFAULT_OZONE_VERSION.to_owned());
    check_tag(&mut ck, "spec.version", &version);
    let image_doc = spec.image.unwrap_or_default();
    // A custom image (its own repository or tag) may run any build; the stock image only
    // exists for releases, and a wrong tag is the first thing a newcomer hits.
    let custom_image = image_doc.repository.is_some() || image_doc.tag.is_some();
    if !custom_image && ozone_storage::versions::find(&version).is_none() {
        ck.problem(
            "spec.version",
            format!(
                "{version:?} is not an Ozone release kubectl-ozone knows: one of {} (or name a custom image in spec.image.repository / spec.image.tag)",
                ozone_storage::versions::known()
            ),
        );
    }
    let tag = image_doc.tag.unwrap_or_else(|| version.clone());
    check_tag(&mut ck, "spec.image.tag", &tag);
    let repository = image_doc
        .repository
        .unwrap_or_else(|| DEFAULT_IMAGE_REPOSITORY.to_owned());
    if repository.is_empty()
        || repository.contains(char::is_whitespace)
        || repository.contains('@')
        || repository
            .rsplit('/')
            .next()
            .is_some_and(|last| last.contains(':'))
    {
        ck.problem(
            "spec.image.repository",
            format!("{repository:?} is not an image repository (give the tag in spec.image.tag)"),
        );
    }
    let pull_secrets = image_doc.pull_secrets.unwrap_or_default();
    for (i, s) in pull_secrets.iter().enumerate() {
        if !names::is_dns_subdomain(s) {
            ck.problem(
                format!("spec.image.pullSecrets[{i}]"),
                format!("{s:?} is not a Secret name"),
            );
        }
    }
    let image = Image {
        repository,
        tag,
        pull_policy: image_doc.pull_policy.unwrap_or(PullPolicy::IfNotPresent),
        pull_secrets,
    };

    let placement_doc = spec.placement.unwrap_or_default();
    let node_selector = placement_doc.node_selector.unwrap_or_default();
    check_node_selector(&mut ck, "spec.placement.nodeSelector", &node_selector);
    let tolerations = placement_doc.tolerations.unwrap_or_default();
    check_tolerations(&mut ck, "spec.placement.tolerations", &tolerations);
    let placement = Placement {
        node_selector,
        tolerations,
        spread: placement_doc.spread.unwrap_or(Spread::Host),
        anti_affinity: placement_doc
            .anti_affinity
            .unwrap_or(AntiAffinity::Required),
        ..Placement::default()
    };

    let replication = spec.replication.unwrap_or(Replication::Three);
    let mut components = BTreeMap::new();
    for component in Component::ALL {
        let doc = match component {
            Component::Scm => spec.scm.clone(),
            Component::Om => spec.om.clone(),
            Component::Datanode => spec.datanodes.clone(),
            Component::S3g => spec.s3g.clone(),
            Component::Recon => spec.recon.clone(),
            Component::Httpfs => spec.httpfs.clone(),
        }
        .unwrap_or_default();
        if let Some(settings) = component_settings(&mut ck, component, doc, &name, &placement) {
            components.insert(component, settings);
        }
    }
    check_replica_rules(&mut ck, &components, replication);

    let mut config = Settings::new();
    for (file, entries) in spec.config.unwrap_or_default() {
        let out = config.entry(file).or_default();
        for (key, value) in entries {
            let path = format!("spec.config.{}.{key}", file.file_name());
            let value = value.to_config_string();
            if key.is_empty()
                || key.contains(|c: char| c.is_whitespace() || c == '=' || c.is_control())
            {
                ck.problem(
                    &path,
                    "a config key cannot be empty or contain spaces, '=' or control characters",
                );
            }
            if value.contains(|c: char| c.is_control()) {
                ck.problem(
                    &path,
                    "a config value cannot contain newlines or control characters",
                );
            }
            out.insert(key, value);
        }
    }
    for c in components.keys() {
        for port in c.service().ports {
            if let Err(e) = effective_port(port, &config) {
                ck.problem(
                    format!("spec.config.{}.{}", e.file, e.key),
                    e.to_string()
                        .split(": ")
                        .skip(2)
                        .collect::<Vec<_>>()
                        .join(": "),
                );
            }
        }
    }

    let security = spec.security.unwrap_or_default();
    let monitoring = monitoring_settings(&mut ck, spec.monitoring.unwrap_or_default());
    let network = network_settings(&mut ck, &security);
    let tls = tls_settings(&mut ck, security.tls.clone().unwrap_or_default());
    let rbac = rbac_settings(&mut ck, spec.rbac.unwrap_or_default(), &namespace);
    let snapshots = snapshot_schedules(&mut ck, spec.snapshots.unwrap_or_default(), &name);
    let backups = spec.backups.and_then(|doc| backups(&mut ck, doc));
    let s3 = s3_access(
        &mut ck,
        spec.s3.unwrap_or_default(),
        components.contains_key(&Component::S3g),
    );
    let patches = spec.patches.unwrap_or_default();
    for (i, p) in patches.iter().enumerate() {
        if p.target.kind.is_empty() || p.target.name.is_empty() {
            ck.problem(
                format!("spec.patches[{i}].target"),
                "needs both kind and name",
            );
        }
    }

    if ck.problems.is_empty() {
        let names = Names::new(&name, &namespace, &cluster_domain);
        let most = components.values().map(|c| c.replicas).max().unwrap_or(1);
        for (object, limit) in names.all_with_limits(most.max(1) - 1) {
            if object.len() > limit {
                ck.problem(
                    "metadata.name",
                    format!("{name:?} is too long: the object name {object:?} would exceed {limit} characters"),
                );
                break;
            }
        }
    }

    if !ck.problems.is_empty() {
        return Err(SpecError {
            problems: ck.problems,
        });
    }
    Ok(Cluster {
        name,
        namespace,
        profile,
        version,
        image,
        cluster_domain,
        replication,
        components,
        config,
        pod_security: security
            .pod_security
            .unwrap_or(PodSecurityLevel::Restricted),
        placement,
        network,
        tls,
        monitoring,
        rbac,
        snapshots,
        backups,
        s3,
        patches,
        document,
    })
}

/// Checks one bucket volume (an entry of `spec.s3.volumes`, or the flags of
/// `kubectl ozone s3 volume`). Problems are `(field, message)`, the field relative to the
/// entry (`bucket`, `accessModes[0]`).
pub fn check_bucket_volume(
    v: super::doc::S3VolumeDoc,
) -> std::result::Result<BucketVolume, Vec<(String, String)>> {
    use ozone_storage::s3;
    let mut problems: Vec<(String, String)> = Vec::new();
    let mut problem = |field: String, message: String| problems.push((field, message));
    let Some(bucket) = v.bucket else {
        problem("bucket".into(), "not set; expected a bucket of /s3v".into());
        return Err(problems);
    };
    if let Err(e) = s3::check_bucket_name(&bucket) {
        problem("bucket".into(), e.to_string());
        return Err(problems);
    }
    let Some(namespace) = v.namespace else {
        problem(
            "namespace".into(),
            "not set; expected the namespace of the application that mounts the bucket".into(),
        );
        return Err(problems);
    };
    if !names::is_dns_label(&namespace) {
        problem(
            "namespace".into(),
            format!("{namespace:?} is not a valid namespace name (a DNS label)"),
        );
    }
    let name = v.name.unwrap_or_else(|| bucket.replace('.', "-"));
    if !names::is_dns_label(&name) {
        problem(
            "name".into(),
            format!(
                "{name:?} is not a valid claim name here (at most 63 lowercase letters, digits and '-')"
            ),
        );
    }
    let read_only = v.read_only.unwrap_or(false);
    let access_modes = v.access_modes.unwrap_or_else(|| {
        vec![
            if read_only {
                "ReadOnlyMany"
            } else {
                "ReadWriteMany"
            }
            .to_owned(),
        ]
    });
    if access_modes.is_empty() {
        problem("accessModes".into(), "must name at least one mode".into());
    }
    for (j, mode) in access_modes.iter().enumerate() {
        if !S3_ACCESS_MODES.contains(&mode.as_str()) {
            problem(
                format!("accessModes[{j}]"),
                format!(
                    "{mode:?} is not supported by the Mountpoint CSI driver; expected ReadWriteMany or ReadOnlyMany"
                ),
            );
        } else if read_only && mode == "ReadWriteMany" {
            problem(
                format!("accessModes[{j}]"),
                "ReadWriteMany contradicts readOnly: true; use ReadOnlyMany".into(),
            );
        }
    }
    let mount_options = v.mount_options.unwrap_or_default();
    for (j, option) in mount_options.iter().enumerate() {
        if let Some(why) = s3::managed_mount_option(option) {
            problem(
                format!("mountOptions[{j}]"),
                format!("{option:?} cannot be set here: {why}"),
            );
        } else if option.trim().is_empty() || option.contains(|c: char| c.is_control()) {
            problem(
                format!("mountOptions[{j}]"),
                "must be a non-empty option without control characters".into(),
            );
        }
    }
    if let Some(secret) = &v.credentials_secret
        && !names::is_dns_subdomain(secret)
    {
        problem(
            "credentialsSecret".into(),
            format!("{secret:?} is not a valid Secret name"),
        );
    }
    if !problems.is_empty() {
        return Err(problems);
    }
    Ok(BucketVolume {
        bucket,
        name,
        namespace,
        access_modes,
        read_only,
        mount_options,
        credentials_secret: v.credentials_secret,
    })
}

/// The access modes Mountpoint volumes support (operations reference §3.2).
const S3_ACCESS_MODES: [&str; 2] = ["ReadWriteMany", "ReadOnlyMany"];

fn s3_access(ck: &mut Checker, doc: S3Doc, has_s3g: bool) -> S3Access {
    use ozone_storage::s3;
    let docs = doc.volumes.unwrap_or_default();
    if let Some(ns) = &doc.mount_namespace
        && !names::is_dns_label(ns)
    {
        ck.problem(
            "spec.s3.mountNamespace",
            format!("{ns:?} is not a valid namespace name (a DNS label)"),
        );
    }
    if !docs.is_empty() && !has_s3g {
        ck.problem(
            "spec.s3.volumes",
            "bucket volumes need the S3 Gateway; set spec.s3g.enabled=true",
        );
    }
    let mut volumes: Vec<BucketVolume> = Vec::new();
    for (i, v) in docs.into_iter().enumerate() {
        let path = format!("spec.s3.volumes[{i}]");
        match check_bucket_volume(v) {
            Ok(volume) => {
                // Unique across namespaces too: `--output-dir` names files by kind and name.
                if volumes.iter().any(|o| o.name == volume.name) {
                    ck.problem(
                        format!("{path}.name"),
                        format!("{:?} is used by another volume; names must be unique (set spec.s3.volumes[{i}].name)", volume.name),
                    );
                }
                volumes.push(volume);
            }
            Err(problems) => {
                for (field, message) in problems {
                    ck.problem(format!("{path}.{field}"), message);
                }
            }
        }
    }
    let mount_namespace = match doc.mount_namespace {
        Some(ns) => Some(ns),
        None if !volumes.is_empty() => Some(s3::MOUNTPOINT_NAMESPACE.to_owned()),
        None => None,
    };
    S3Access {
        mount_namespace,
        volumes,
    }
}

/// The longest schedule name: the CronJob `<cluster>-snapshot-<name>` must stay within 52
/// characters, and snapshot names `sched-<name>-<15-char timestamp>` within 63.
const SNAPSHOT_NAME_MAX: usize = 24;

fn snapshot_schedules(
    ck: &mut Checker,
    docs: Vec<SnapshotScheduleDoc>,
    cluster: &str,
) -> Vec<SnapshotSchedule> {
    let mut out: Vec<SnapshotSchedule> = Vec::new();
    for (i, doc) in docs.into_iter().enumerate() {
        let path = format!("spec.snapshots[{i}]");
        let Some(bucket_path) = doc.bucket else {
            ck.problem(format!("{path}.bucket"), "not set; expected volume/bucket");
            continue;
        };
        let Some((volume, bucket)) = bucket_path
            .split_once('/')
            .filter(|(v, b)| is_ozone_name(v) && is_ozone_name(b))
        else {
            ck.problem(
                format!("{path}.bucket"),
                format!("{bucket_path:?} is not volume/bucket (names of 3-63 lowercase letters, digits, '-' or '.')"),
            );
            continue;
        };
        let schedule = doc.schedule.unwrap_or_default();
        if let Err(why) = check_cron(&schedule) {
            ck.problem(
                format!("{path}.schedule"),
                format!("{schedule:?} is not a cron schedule: {why}"),
            );
        }
        let keep = doc.keep.unwrap_or(0);
        if keep == 0 {
            ck.problem(format!("{path}.keep"), "must be at least 1");
        }
        let name = doc
            .name
            .unwrap_or_else(|| format!("{volume}-{bucket}").replace('.', "-"));
        if !names::is_dns_label(&name) || name.len() > SNAPSHOT_NAME_MAX {
            ck.problem(
                format!("{path}.name"),
                format!("{name:?} must be at most {SNAPSHOT_NAME_MAX} lowercase letters, digits and '-' (set spec.snapshots[{i}].name)"),
            );
        }
        if format!("{cluster}-snapshot-{name}").len() > 52 {
            ck.problem(
                format!("{path}.name"),
                format!("the CronJob name {cluster}-snapshot-{name} would exceed 52 characters"),
            );
        }
        if out.iter().any(|s| s.name == name) {
            ck.problem(
                format!("{path}.name"),
                format!("{name:?} is used by another schedule; names must be unique"),
            );
        }
        out.push(SnapshotSchedule {
            name,
            volume: volume.to_owned(),
            bucket: bucket.to_owned(),
            schedule,
            keep,
        });
    }
    out
}

/// `spec.backups`: a schedule in the same cron syntax as snapshot schedules, `keep` at least 1,
/// and a sized volume.
fn backups(ck: &mut Checker, doc: BackupsDoc) -> Option<Backups> {
    let schedule = doc.schedule.unwrap_or_default();
    let mut ok = true;
    if let Err(why) = check_cron(&schedule) {
        ck.problem(
            "spec.backups.schedule",
            format!("{schedule:?} is not a cron schedule: {why}"),
        );
        ok = false;
    }
    let keep = doc.keep.unwrap_or(0);
    if keep == 0 {
        ck.problem("spec.backups.keep", "must be at least 1");
        ok = false;
    }
    let storage_doc = doc.storage.unwrap_or_default();
    let size = if storage_doc.size.is_none() {
        ck.problem("spec.backups.storage.size", "not set");
        None
    } else {
        ck.positive(
            "spec.backups.storage.size",
            storage_doc.size.map(|q| q.as_text()),
        )
    };
    if let Some(class) = &storage_doc.storage_class
        && !class.is_empty()
        && !names::is_dns_subdomain(class)
    {
        ck.problem(
            "spec.backups.storage.storageClass",
            format!("{class:?} is not a StorageClass name"),
        );
        ok = false;
    }
    let size = size?;
    ok.then(|| Backups {
        schedule,
        keep,
        storage: Storage {
            size,
            storage_class: storage_doc.storage_class.filter(|c| !c.is_empty()),
        },
    })
}

/// Ozone volume and bucket names: 3-63 lowercase letters, digits, '-' and '.', starting and
/// ending with a letter or digit.
fn is_ozone_name(s: &str) -> bool {
    (3..=63).contains(&s.len())
        && s.bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-' || b == b'.')
        && s.starts_with(|c: char| c.is_ascii_alphanumeric())
        && s.ends_with(|c: char| c.is_ascii_alphanumeric())
}

/// Checks a CronJob schedule: a macro (`@daily`) or five fields within their ranges.
pub fn check_cron(schedule: &str) -> std::result::Result<(), String> {
    const MACROS: [&str; 7] = [
        "@yearly",
        "@annually",
        "@monthly",
        "@weekly",
        "@daily",
        "@midnight",
        "@hourly",
    ];
    const MONTHS: [&str; 12] = [
        "jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec",
    ];
    const DAYS: [&str; 7] = ["sun", "mon", "tue", "wed", "thu", "fri", "sat"];
    let schedule = schedule.trim();
    if schedule.starts_with('@') {
        return if MACROS.contains(&schedule) {
            Ok(())
        } else {
            Err(format!("unknown macro; use one of {}", MACROS.join(", ")))
        };
    }
    let fields: Vec<&str> = schedule.split_whitespace().collect();
    if fields.len() != 5 {
        return Err(format!(
            "expected 5 fields (minute hour day-of-month month day-of-week), got {}",
            fields.len()
        ));
    }
    let specs: [(&str, u32, u32, &[&str]); 5] = [
        ("minute", 0, 59, &[]),
        ("hour", 0, 23, &[]),
        ("day of month", 1, 31, &[]),
        ("month", 1, 12, &MONTHS),
        ("day of week", 0, 7, &DAYS),
    ];
    for (field, (what, lo, hi, names)) in fields.iter().zip(specs) {
        let value = |v: &str| -> std::result::Result<u32, String> {
            if let Some(pos) = names.iter().position(|n| n.eq_ignore_ascii_case(v)) {
                // Names count from the field's lowest value: jan = 1, sun = 0.
                return Ok(u32::try_from(pos).unwrap_or(0) + lo);
            }
            let n: u32 = v
                .parse()
                .map_err(|_| format!("{what} {v:?} is not a number"))?;
            if n < lo || n > hi {
                Err(format!("{what} {n} is outside {lo}-{hi}"))
            } else {
                Ok(n)
            }
        };
        for item in field.split(',') {
            let (range, step) = match item.split_once('/') {
                Some((r, s)) => (r, Some(s)),
                None => (item, None),
            };
            if let Some(step) = step {
                match step.parse::<u32>() {
                    Ok(s) if s >= 1 => {}
                    _ => return Err(format!("{what} step {step:?} must be a positive number")),
                }
            }
            if range == "*" || range == "?" {
                continue;
            }
            match range.split_once('-') {
                Some((a, b)) => {
                    if value(a)? > value(b)? {
                        return Err(format!("{what} range {range:?} runs backwards"));
                    }
                }
                None => {
                    value(range)?;
                }
            }
        }
    }
    Ok(())
}

/// Default certificate lifetime: 90 days, as public CAs issue.
const DEFAULT_TLS_DURATION: &str = "2160h";
/// Default renewal margin: 15 days.
const DEFAULT_TLS_RENEW_BEFORE: &str = "360h";

fn tls_settings(ck: &mut Checker, doc: TlsDoc) -> Option<Tls> {
    let mode = doc.mode.unwrap_or(TlsMode::None);
    if mode == TlsMode::None {
        return None;
    }
    let issuer = doc.issuer.map(|i| {
        let kind = i.kind.unwrap_or_else(|| "Issuer".to_owned());
        let name = i.name.unwrap_or_default();
        if !["Issuer", "ClusterIssuer"].contains(&kind.as_str()) {
            ck.problem(
                "spec.security.tls.issuer.kind",
                format!("{kind:?} must be Issuer or ClusterIssuer"),
            );
        }
        if !names::is_dns_subdomain(&name) {
            ck.problem(
                "spec.security.tls.issuer.name",
                format!("{name:?} is not an issuer name"),
            );
        }
        if mode != TlsMode::CertManager {
            ck.problem(
                "spec.security.tls.issuer",
                "only applies to mode cert-manager",
            );
        }
        (kind, name)
    });
    let duration = doc
        .duration
        .unwrap_or_else(|| DEFAULT_TLS_DURATION.to_owned());
    let renew_before = doc
        .renew_before
        .unwrap_or_else(|| DEFAULT_TLS_RENEW_BEFORE.to_owned());
    let seconds = |path: &str, text: &str, ck: &mut Checker| match go_duration_seconds(text) {
        Some(s) if s > 0.0 => Some(s),
        _ => {
            ck.problem(
                path,
                format!("{text:?} is not a positive duration (examples: 2160h, 90m)"),
            );
            None
        }
    };
    let d = seconds("spec.security.tls.duration", &duration, ck);
    let r = seconds("spec.security.tls.renewBefore", &renew_before, ck);
    if let (Some(d), Some(r)) = (d, r)
        && r >= d
    {
        ck.problem(
            "spec.security.tls.renewBefore",
            format!("{renew_before} must be shorter than the duration {duration}"),
        );
    }
    let mut extra_dns_names = BTreeMap::new();
    for (id, dns_names) in doc.extra_dns_names.unwrap_or_default() {
        let path = format!("spec.security.tls.extraDnsNames.{id}");
        let Some(component) =
            Component::from_id(&id).filter(|c| c.service().ports.iter().any(|p| p.https.is_some()))
        else {
            ck.problem(
                &path,
                format!(
                    "{id:?} is not a component with HTTPS endpoints (scm, om, datanode, s3g, recon)"
                ),
            );
            continue;
        };
        for n in &dns_names {
            if !names::is_dns_subdomain(n.strip_prefix("*.").unwrap_or(n)) {
                ck.problem(&path, format!("{n:?} is not a DNS name"));
            }
        }
        extra_dns_names.insert(component, dns_names);
    }
    Some(Tls {
        mode,
        issuer,
        duration,
        renew_before,
        extra_dns_names,
    })
}

/// Seconds in a Go duration (`1h30m`, `2160h`, `90s`), as `spec.security.tls.duration` and
/// `renewBefore` are written; `None` when the text is not one.
pub fn go_duration_seconds(text: &str) -> Option<f64> {
    let mut total = 0.0;
    let mut rest = text;
    if rest.is_empty() {
        return None;
    }
    while !rest.is_empty() {
        let end = rest.find(|c: char| !c.is_ascii_digit() && c != '.')?;
        let number: f64 = rest[..end].parse().ok()?;
        rest = &rest[end..];
        let (unit, factor) = [("ms", 0.001), ("h", 3600.0), ("m", 60.0), ("s", 1.0)]
            .into_iter()
            .find(|(u, _)| rest.starts_with(u))?;
        total += number * factor;
        rest = &rest[unit.len()..];
    }
    Some(total)
}

fn network_settings(ck: &mut Checker, security: &SecurityDoc) -> Option<Network> {
    let clients = security.clients.clone().unwrap_or_default();
    let client_namespaces = match clients.namespace_selector.as_deref() {
        Some(text) => match crate::selector::parse(text) {
            Ok(s) => Some(s),
            Err(e) => {
                ck.problem("spec.security.clients.namespaceSelector", e.to_string());
                None
            }
        },
        None => None,
    };
    let enabled = security.network_policies.unwrap_or(false);
    if !enabled && security.egress == Some(Egress::Restricted) {
        ck.problem(
            "spec.security.egress",
            "restricted egress is a NetworkPolicy; set spec.security.networkPolicies: true",
        );
    }
    enabled.then(|| Network {
        client_namespaces,
        clients_from_anywhere: clients.anywhere.unwrap_or(false),
        egress: security.egress.unwrap_or(Egress::Open),
    })
}

fn monitoring_settings(ck: &mut Checker, doc: MonitoringDoc) -> Monitoring {
    let labels = doc.labels.unwrap_or_default();
    for (key, value) in &labels {
        let path = format!("spec.monitoring.labels.{key}");
        if !is_label_key(key) {
            ck.problem(&path, format!("{key:?} is not a valid label key (an optional DNS prefix and '/', then at most 63 letters, digits, '-', '_' or '.')"));
        } else if !crate::selector::is_label_value(value) {
            ck.problem(&path, format!("{value:?} is not a valid label value"));
        }
    }
    let namespace = doc
        .namespace
        .unwrap_or_else(|| DEFAULT_MONITORING_NAMESPACE.to_owned());
    if !names::is_dns_label(&namespace) {
        ck.problem(
            "spec.monitoring.namespace",
            format!("{namespace:?} is not a valid namespace"),
        );
    }
    let interval = doc.interval.unwrap_or_else(|| "30s".to_owned());
    let unit_at = interval
        .find(|c: char| !c.is_ascii_digit())
        .unwrap_or(interval.len());
    let (digits, unit) = interval.split_at(unit_at);
    if digits.is_empty() || digits.starts_with('0') || !["ms", "s", "m", "h"].contains(&unit) {
        ck.problem(
            "spec.monitoring.interval",
            format!("{interval:?} is not a scrape interval (examples: 15s, 1m)"),
        );
    }
    Monitoring {
        service_monitors: doc.service_monitors.unwrap_or(false),
        prometheus_rules: doc.prometheus_rules.unwrap_or(false),
        dashboards: doc.dashboards.unwrap_or(false),
        labels,
        namespace,
        interval,
    }
}

fn rbac_settings(ck: &mut Checker, doc: RbacDoc, namespace: &str) -> Rbac {
    let bindings_doc = doc.bindings.unwrap_or_default();
    let mut bindings = BTreeMap::new();
    for (role, subjects) in [
        (PersonRole::Admin, bindings_doc.admin),
        (PersonRole::Developer, bindings_doc.developer),
        (PersonRole::Viewer, bindings_doc.viewer),
        (PersonRole::Operator, bindings_doc.operator),
    ] {
        let mut checked = Vec::new();
        for (i, s) in subjects.unwrap_or_default().into_iter().enumerate() {
            let path = format!("spec.rbac.bindings.{}[{i}]", role.id());
            if let Some(subject) = subject(ck, &path, s, namespace) {
                checked.push(subject);
            }
        }
        if !checked.is_empty() {
            bindings.insert(role, checked);
        }
    }
    let roles = doc.roles.unwrap_or(false);
    if !roles && !bindings.is_empty() {
        ck.problem(
            "spec.rbac.bindings",
            "binds roles that are not rendered; set spec.rbac.roles: true",
        );
    }
    Rbac { roles, bindings }
}

fn subject(ck: &mut Checker, path: &str, s: SubjectDoc, namespace: &str) -> Option<Subject> {
    let kind = s.kind.unwrap_or_else(|| "User".to_owned());
    let name = s.name.unwrap_or_default();
    if name.trim().is_empty() {
        ck.problem(
            format!("{path}.name"),
            "a role binding needs a subject name; it is empty",
        );
        return None;
    }
    match kind.as_str() {
        "User" | "Group" => {
            if s.namespace.is_some() {
                ck.problem(
                    format!("{path}.namespace"),
                    format!("only ServiceAccount subjects have a namespace, not {kind}"),
                );
            }
            Some(Subject {
                kind,
                name,
                namespace: None,
            })
        }
        "ServiceAccount" => {
            let ns = s.namespace.unwrap_or_else(|| namespace.to_owned());
            if !names::is_dns_subdomain(&name) || !names::is_dns_label(&ns) {
                ck.problem(
                    path.to_owned(),
                    format!("ServiceAccount {ns}/{name} is not a valid name"),
                );
                return None;
            }
            Some(Subject {
                kind,
                name,
                namespace: Some(ns),
            })
        }
        other => {
            ck.problem(
                format!("{path}.kind"),
                format!("{other:?} must be User, Group or ServiceAccount"),
            );
            None
        }
    }
}

fn check_tag(ck: &mut Checker, path: &str, tag: &str) {
    let valid = !tag.is_empty()
        && tag.len() <= 128
        && tag
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'.' || b == b'-' || b == b'_')
        && !tag.starts_with(['.', '-']);
    if !valid {
        ck.problem(path, format!("{tag:?} is not a valid image tag"));
    } else if tag == "latest" {
        ck.problem(path, "\"latest\" is not allowed: pin a release such as \"2.2.0\" so every pod runs the same code");
    }
}

fn component_settings(
    ck: &mut Checker,
    component: Component,
    doc: ComponentDoc,
    cluster: &str,
    placement: &Placement,
) -> Option<ComponentSettings> {
    let base = format!("spec.{}", component.spec_field());
    let optional = matches!(
        component,
        Component::S3g | Component::Recon | Component::Httpfs
    );
    let enabled = match doc.enabled {
        Some(false) if !optional => {
            ck.problem(
                format!("{base}.enabled"),
                format!(
                    "the {} always runs; only s3g, recon and httpfs can be disabled",
                    component.title()
                ),
            );
            true
        }
        Some(e) => e,
        None => true,
    };
    if !enabled {
        return None;
    }
    let stateful = component.service().state == State::Persistent;
    let replicas = doc.replicas.unwrap_or(1);
    if replicas < 1 {
        ck.problem(
            format!("{base}.replicas"),
            format!("must be at least 1, got {replicas}"),
        );
    }
    if component == Component::Recon && replicas != 1 {
        ck.problem(
            format!("{base}.replicas"),
            format!("Recon runs as a single instance, got {replicas}"),
        );
    }
    let resources = doc.resources.unwrap_or_default();
    let requests = resources.requests.unwrap_or_default();
    let limits = resources.limits.unwrap_or_default();
    let req_cpu = ck.positive(
        &format!("{base}.resources.requests.cpu"),
        requests.cpu.map(|q| q.as_text()),
    );
    let req_mem = ck.positive(
        &format!("{base}.resources.requests.memory"),
        requests.memory.map(|q| q.as_text()),
    );
    let lim_cpu = ck.positive(
        &format!("{base}.resources.limits.cpu"),
        limits.cpu.map(|q| q.as_text()),
    );
    let lim_mem = ck.positive(
        &format!("{base}.resources.limits.memory"),
        limits.memory.map(|q| q.as_text()),
    );
    for (what, req, lim) in [("cpu", &req_cpu, &lim_cpu), ("memory", &req_mem, &lim_mem)] {
        if let (Some(r), Some(l)) = (req, lim)
            && r.cmp_value(l).is_gt()
        {
            ck.problem(
                format!("{base}.resources.requests.{what}"),
                format!("{} is more than the limit {}", r.as_str(), l.as_str()),
            );
        }
    }
    let (storage, more_data, ratis) = volumes(ck, component, &base, doc.storage);
    let placement = component_placement(ck, &base, doc.placement, placement);
    let heap_percent = doc.jvm.and_then(|j| j.heap_percent).unwrap_or(70);
    if !(10..=90).contains(&heap_percent) {
        ck.problem(
            format!("{base}.jvm.heapPercent"),
            format!("must be between 10 and 90, got {heap_percent}"),
        );
    }
    let max_unavailable = doc.disruption.and_then(|d| d.max_unavailable).unwrap_or(1);
    if max_unavailable < 1 {
        ck.problem(
            format!("{base}.disruption.maxUnavailable"),
            format!("must be at least 1 (0 blocks every node drain), got {max_unavailable}"),
        );
    }
    let has_client_service = matches!(component, Component::S3g | Component::Httpfs);
    let service = match (doc.service, has_client_service) {
        (Some(s), true) => {
            if let Some(port) = s.node_port {
                if !(30000..=32767).contains(&port) {
                    ck.problem(
                        format!("{base}.service.nodePort"),
                        format!("must be in 30000-32767, got {port}"),
                    );
                }
                if matches!(s.type_, None | Some(ServiceType::ClusterIP)) {
                    ck.problem(
                        format!("{base}.service.nodePort"),
                        "needs service.type NodePort or LoadBalancer",
                    );
                }
            }
            ServiceSettings {
                type_: s.type_,
                node_port: s.node_port,
                annotations: s.annotations.unwrap_or_default(),
            }
        }
        (Some(_), false) => {
            ck.problem(
                format!("{base}.service"),
                format!(
                    "only s3g and httpfs have a configurable Service, not {}",
                    component.id()
                ),
            );
            ServiceSettings::default()
        }
        (None, _) => ServiceSettings::default(),
    };
    let is_ring = component.service().raft_port.is_some();
    let service_id = match (doc.service_id, is_ring) {
        (Some(id), true) => {
            if !names::is_dns_label(&id) {
                ck.problem(
                    format!("{base}.serviceId"),
                    format!("{id:?} is not valid: use lowercase letters, digits and '-'"),
                );
            }
            id
        }
        (Some(_), false) => {
            ck.problem(
                format!("{base}.serviceId"),
                "only om and scm have a service id",
            );
            String::new()
        }
        (None, true) => cluster.to_owned(),
        (None, false) => String::new(),
    };
    Some(ComponentSettings {
        replicas,
        requests: CpuMemory {
            cpu: req_cpu?,
            memory: req_mem?,
        },
        limits: CpuMemory {
            cpu: lim_cpu?,
            memory: lim_mem?,
        },
        storage: if stateful { Some(storage?) } else { None },
        more_data,
        ratis,
        placement,
        heap_percent,
        max_unavailable,
        service,
        service_id,
    })
}

fn check_node_selector(ck: &mut Checker, path: &str, selector: &BTreeMap<String, String>) {
    for (key, value) in selector {
        if !is_label_key(key) {
            ck.problem(format!("{path}.{key}"), "is not a valid label key");
        } else if !crate::selector::is_label_value(value) {
            ck.problem(
                format!("{path}.{key}"),
                format!("{value:?} is not a valid label value"),
            );
        }
    }
}

fn check_tolerations(ck: &mut Checker, base: &str, tolerations: &[super::doc::TolerationDoc]) {
    for (i, t) in tolerations.iter().enumerate() {
        let path = format!("{base}[{i}]");
        match t.operator.as_deref() {
            None | Some("Equal") | Some("Exists") => {}
            Some(other) => ck.problem(
                format!("{path}.operator"),
                format!("{other:?} must be Equal or Exists"),
            ),
        }
        if t.operator.as_deref() == Some("Exists") && t.value.is_some() {
            ck.problem(
                format!("{path}.value"),
                "must be empty when operator is Exists",
            );
        }
        match t.effect.as_deref() {
            None | Some("NoSchedule") | Some("PreferNoSchedule") | Some("NoExecute") => {}
            Some(other) => ck.problem(
                format!("{path}.effect"),
                format!("{other:?} must be NoSchedule, PreferNoSchedule or NoExecute"),
            ),
        }
        if t.key.is_none() && t.operator.as_deref() != Some("Exists") {
            ck.problem(
                format!("{path}.operator"),
                "must be Exists when key is empty",
            );
        }
    }
}

/// The annotation domain kubectl-ozone keeps for itself (configuration hash, certificate
/// fingerprints, restart and progress records).
const RESERVED_ANNOTATION_DOMAIN: &str = "ozone.apache.org/";

/// `<component>.placement`: the cluster's placement with the component's settings added.
fn component_placement(
    ck: &mut Checker,
    base: &str,
    doc: Option<ComponentPlacementDoc>,
    cluster: &Placement,
) -> Placement {
    let mut out = cluster.clone();
    let Some(doc) = doc else {
        return out;
    };
    let path = format!("{base}.placement");
    if let Some(selector) = doc.node_selector {
        check_node_selector(ck, &format!("{path}.nodeSelector"), &selector);
        out.node_selector.extend(selector);
    }
    if let Some(tolerations) = doc.tolerations {
        check_tolerations(ck, &format!("{path}.tolerations"), &tolerations);
        out.tolerations.extend(tolerations);
    }
    if let Some(spread) = doc.topology_spread {
        out.spread = spread;
    }
    if let Some(class) = doc.priority_class_name {
        if !names::is_dns_subdomain(&class) {
            ck.problem(
                format!("{path}.priorityClassName"),
                format!("{class:?} is not a PriorityClass name"),
            );
        }
        out.priority_class_name = Some(class);
    }
    for (key, value) in doc.pod_labels.unwrap_or_default() {
        let at = format!("{path}.podLabels.{key}");
        if !is_label_key(&key) {
            ck.problem(&at, format!("{key:?} is not a valid label key"));
        } else if key.starts_with("app.kubernetes.io/") {
            ck.problem(
                &at,
                "the app.kubernetes.io/ labels are set by kubectl-ozone (pods are found by them)",
            );
        } else if !crate::selector::is_label_value(&value) {
            ck.problem(&at, format!("{value:?} is not a valid label value"));
        }
        out.pod_labels.insert(key, value);
    }
    for (key, value) in doc.pod_annotations.unwrap_or_default() {
        let at = format!("{path}.podAnnotations.{key}");
        if !is_label_key(&key) {
            ck.problem(&at, format!("{key:?} is not a valid annotation key"));
        } else if key.starts_with(RESERVED_ANNOTATION_DOMAIN) {
            ck.problem(
                &at,
                format!("the {RESERVED_ANNOTATION_DOMAIN} annotations are set by kubectl-ozone"),
            );
        }
        out.pod_annotations.insert(key, value);
    }
    if let Some(affinity) = doc.affinity {
        let terms = affinity
            .pod_affinity
            .iter()
            .flat_map(|a| {
                a.required_during_scheduling_ignored_during_execution
                    .iter()
                    .flatten()
                    .chain(
                        a.preferred_during_scheduling_ignored_during_execution
                            .iter()
                            .flatten()
                            .map(|w| &w.pod_affinity_term),
                    )
            })
            .chain(affinity.pod_anti_affinity.iter().flat_map(|a| {
                a.required_during_scheduling_ignored_during_execution
                    .iter()
                    .flatten()
                    .chain(
                        a.preferred_during_scheduling_ignored_during_execution
                            .iter()
                            .flatten()
                            .map(|w| &w.pod_affinity_term),
                    )
            }));
        if terms.into_iter().any(|t| t.topology_key.is_empty()) {
            ck.problem(
                format!("{path}.affinity"),
                "every pod affinity term needs a topologyKey",
            );
        }
        out.affinity = Some(affinity);
    }
    out
}

/// The most data volumes a datanode may have: above this a node is better split in two
/// datanodes (a datanode's RocksDB cache, handlers and heap are shared by all its volumes).
pub const MAX_DATA_VOLUMES: usize = 48;

/// A component's volumes: the first data volume, the further ones, the Raft log volume.
type Volumes = (Option<Storage>, Vec<Storage>, Option<Storage>);

fn volume(
    ck: &mut Checker,
    size_path: &str,
    size: Option<String>,
    class_path: &str,
    class: Option<String>,
) -> Option<Storage> {
    let size = ck.positive(size_path, size);
    if let Some(class) = &class
        && !names::is_dns_subdomain(class)
    {
        ck.problem(class_path, format!("{class:?} is not a StorageClass name"));
    }
    size.map(|size| Storage {
        size,
        storage_class: class.filter(|c| !c.is_empty()),
    })
}

fn volumes(
    ck: &mut Checker,
    component: Component,
    base: &str,
    doc: Option<super::doc::StorageDoc>,
) -> Volumes {
    let stateful = component.service().state == State::Persistent;
    let s = match (doc, stateful) {
        (Some(s), true) => s,
        (None, true) => {
            ck.problem(format!("{base}.storage.size"), "not set");
            return (None, Vec::new(), None);
        }
        (Some(_), false) => {
            ck.problem(
                format!("{base}.storage"),
                format!("the {} keeps no data; remove this field", component.title()),
            );
            return (None, Vec::new(), None);
        }
        (None, false) => return (None, Vec::new(), None),
    };
    let size_text = s.size.as_ref().map(QuantityDoc::as_text);
    let mut data = Vec::new();
    match s.data {
        None => {
            data.extend(volume(
                ck,
                &format!("{base}.storage.size"),
                size_text,
                &format!("{base}.storage.storageClass"),
                s.storage_class.clone(),
            ));
        }
        Some(_) if component != Component::Datanode => {
            ck.problem(
                format!("{base}.storage.data"),
                format!(
                    "only datanodes have several data volumes; give the {} one volume with {base}.storage.size",
                    component.title()
                ),
            );
        }
        Some(entries) if entries.is_empty() => {
            ck.problem(
                format!("{base}.storage.data"),
                "needs at least one volume (or leave it out for one volume of storage.size)",
            );
        }
        Some(entries) if entries.len() > MAX_DATA_VOLUMES => {
            ck.problem(
                format!("{base}.storage.data"),
                format!(
                    "at most {MAX_DATA_VOLUMES} data volumes per datanode, got {} (run more datanodes instead)",
                    entries.len()
                ),
            );
        }
        Some(entries) => {
            // The defaults of every entry: checked once, where they are written.
            let default_size = match &size_text {
                Some(text) => ck.positive(&format!("{base}.storage.size"), Some(text.clone())),
                None => None,
            };
            let default_class = s.storage_class.clone();
            if let Some(class) = &default_class
                && !names::is_dns_subdomain(class)
            {
                ck.problem(
                    format!("{base}.storage.storageClass"),
                    format!("{class:?} is not a StorageClass name"),
                );
            }
            for (i, e) in entries.into_iter().enumerate() {
                let at = format!("{base}.storage.data[{i}]");
                let size = match (&e.size, &size_text) {
                    (Some(own), _) => ck.positive(&format!("{at}.size"), Some(own.as_text())),
                    (None, Some(_)) => default_size.clone(),
                    (None, None) => {
                        ck.problem(
                            format!("{at}.size"),
                            format!("not set, and {base}.storage.size gives no default"),
                        );
                        None
                    }
                };
                let class = match e.storage_class {
                    Some(own) => {
                        if !names::is_dns_subdomain(&own) {
                            ck.problem(
                                format!("{at}.storageClass"),
                                format!("{own:?} is not a StorageClass name"),
                            );
                        }
                        Some(own)
                    }
                    None => default_class.clone(),
                };
                data.extend(size.map(|size| Storage {
                    size,
                    storage_class: class.filter(|c| !c.is_empty()),
                }));
            }
        }
    }
    let ratis = match s.ratis {
        None => None,
        Some(_)
            if !matches!(
                component,
                Component::Scm | Component::Om | Component::Datanode
            ) =>
        {
            ck.problem(
                format!("{base}.storage.ratis"),
                format!(
                    "the {} keeps no Raft log; remove this field",
                    component.title()
                ),
            );
            None
        }
        Some(r) if r.enabled == Some(false) => None,
        Some(r) => volume(
            ck,
            &format!("{base}.storage.ratis.size"),
            r.size.as_ref().map(QuantityDoc::as_text),
            &format!("{base}.storage.ratis.storageClass"),
            r.storage_class,
        ),
    };
    let mut data = data.into_iter();
    (data.next(), data.collect(), ratis)
}

/// The largest OM or SCM Raft ring: every write waits for a majority, so rings beyond a few
/// members only slow Ozone down (its documentation and examples use 3).
pub const MAX_RAFT_REPLICAS: i32 = 9;
/// The most datanodes one spec renders. Above this a cluster's per-pod names (certificates,
/// completion, status) stop being practical; a bound also keeps a typo from exhausting memory.
pub const MAX_DATANODES: i32 = 10_000;

fn check_replica_rules(
    ck: &mut Checker,
    components: &BTreeMap<Component, ComponentSettings>,
    replication: Replication,
) {
    for c in [Component::Om, Component::Scm] {
        if let Some(s) = components.get(&c)
            && crd_rules::raft_too_large(s.replicas)
        {
            ck.problem(
                format!("spec.{}.replicas", c.spec_field()),
                // The CRD's rule says the same first words (lint parity, `crd::rules`).
                format!(
                    "{}, got {}: every write waits for a Raft majority, so a larger ring only adds latency",
                    crd_rules::raft_too_large_message(),
                    s.replicas
                ),
            );
        } else if let Some(s) = components.get(&c)
            && crd_rules::raft_even(s.replicas)
        {
            ck.problem(
                format!("spec.{}.replicas", c.spec_field()),
                format!(
                    "{}, got {}: a Raft ring of {} loses its majority as soon as {} member{} fail",
                    crd_rules::RAFT_EVEN_MESSAGE,
                    s.replicas,
                    s.replicas,
                    s.replicas / 2,
                    if s.replicas / 2 == 1 { "" } else { "s" }
                ),
            );
        }
    }
    if let Some(dn) = components.get(&Component::Datanode)
        && dn.replicas > MAX_DATANODES
    {
        ck.problem(
            "spec.datanodes.replicas",
            format!(
                "must be at most {MAX_DATANODES}, got {} (split larger installations into several clusters)",
                dn.replicas
            ),
        );
    }
    if let Some(dn) = components.get(&Component::Datanode)
        && crd_rules::datanodes_too_few(dn.replicas, replication)
    {
        ck.problem(
            "spec.datanodes.replicas",
            format!(
                "{}, got {} (set spec.replication: ONE for a test cluster)",
                crd_rules::datanodes_too_few_message(replication),
                dn.replicas
            ),
        );
    }
}

/// Whether `key` is a valid label key (`[prefix/]name`).
pub fn is_label_key(key: &str) -> bool {
    let (prefix, name) = match key.rsplit_once('/') {
        Some((p, n)) => (Some(p), n),
        None => (None, key),
    };
    let name_ok = !name.is_empty()
        && name.len() <= 63
        && name
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_' | b'.'))
        && name.starts_with(|c: char| c.is_ascii_alphanumeric())
        && name.ends_with(|c: char| c.is_ascii_alphanumeric());
    name_ok && prefix.is_none_or(names::is_dns_subdomain)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn with_sets(profile: &str, sets: &[&str]) -> Result<Cluster> {
        resolve(&Inputs::with_sets(profile, sets))
    }

    fn message(r: Result<Cluster>) -> String {
        r.unwrap_err().to_string()
    }

    #[test]
    fn version_must_be_a_known_release_unless_the_image_is_custom() {
        let e = message(with_sets("small", &["version=2.3.0"]));
        assert!(
            e.contains("spec.version: \"2.3.0\" is not an Ozone release kubectl-ozone knows: one of 2.0.0, 2.1.0, 2.1.1, 2.2.0, 2.2.1"),
            "{e}"
        );
        let c = with_sets("small", &["version=2.1.1"]).unwrap();
        assert_eq!(c.image.reference(), "apache/ozone:2.1.1");
        assert_eq!(
            with_sets("small", &[]).unwrap().image.reference(),
            "apache/ozone:2.2.1"
        );
        // A custom image runs whatever build it holds.
        let custom = with_sets(
            "small",
            &["version=2.3.0", "image.repository=registry.example/ozone"],
        )
        .unwrap();
        assert_eq!(custom.image.reference(), "registry.example/ozone:2.3.0");
        assert!(with_sets("small", &["version=2.3.0", "image.tag=2.3.0-SNAPSHOT"]).is_ok());
    }

    #[test]
    fn a_spec_file_reports_parse_and_validation_problems_together() {
        let text = "apiVersion: ozone.apache.org/v1alpha1
kind: OzoneCluster
spec:
  profile: medium
  om:
    replicas: 2
  scm:
    replica: 3
  datanodes:
    replicas: many
  s3g:
    storage: {size: 10Gb}
";
        let inputs = Inputs {
            profile: None,
            spec_file: Some(("c.yaml".into(), text.into())),
            sets: Vec::new(),
        };
        let err = resolve(&inputs).unwrap_err();
        let found: Vec<String> = err.problems.iter().map(ToString::to_string).collect();
        let has = |prefix: &str| found.iter().any(|f| f.starts_with(prefix));
        assert!(
            has("c.yaml:8:5: spec.scm.replica: unknown field"),
            "{found:#?}"
        );
        assert!(
            has("c.yaml:10:15: spec.datanodes.replicas: invalid type"),
            "{found:#?}"
        );
        assert!(
            has("c.yaml:6:15: spec.om.replicas: must be 1 or an odd number"),
            "{found:#?}"
        );
        // A value that --set overrides is not placed in the file.
        let inputs = Inputs {
            sets: vec!["om.replicas=4".into()],
            ..inputs
        };
        let err = resolve(&inputs).unwrap_err();
        assert!(
            err.problems
                .iter()
                .any(|p| p.origin == Origin::Resolved && p.path == "spec.om.replicas"),
            "{err}"
        );
    }

    #[test]
    fn profiles_resolve() {
        for p in Profile::ALL {
            let c = resolve(&Inputs::profile(p.name())).unwrap();
            assert_eq!(c.profile, p);
            assert_eq!(c.name, "ozone");
        }
        let medium = resolve(&Inputs::profile("medium")).unwrap();
        assert!(medium.is_ha(Component::Om) && medium.is_ha(Component::Scm));
        assert_eq!(
            medium
                .component(Component::Om)
                .unwrap()
                .requests
                .memory
                .as_str(),
            "8Gi"
        );
        let small = resolve(&Inputs::profile("small")).unwrap();
        assert!(!small.is_ha(Component::Om));
        assert_eq!(
            small
                .component(Component::Scm)
                .unwrap()
                .requests
                .cpu
                .as_str(),
            "500m"
        );
    }

    #[test]
    fn layers_in_order() {
        let file = "apiVersion: ozone.apache.org/v1alpha1\nkind: OzoneCluster\nmetadata: {name: lake}\nspec:\n  profile: medium\n  datanodes: {replicas: 7}\n";
        let c = resolve(&Inputs {
            profile: None,
            spec_file: Some(("lake.yaml".into(), file.into())),
            sets: vec!["datanodes.replicas=11".into()],
        })
        .unwrap();
        assert_eq!(c.name, "lake");
        assert_eq!(c.profile, Profile::Medium);
        assert_eq!(c.replicas(Component::Datanode), 11);
        // Profile values the file did not touch survive.
        assert_eq!(
            c.component(Component::Datanode)
                .unwrap()
                .storage
                .as_ref()
                .unwrap()
                .size
                .as_str(),
            "1Ti"
        );
        // --profile beats the file's profile.
        let c = resolve(&Inputs {
            profile: Some("large".into()),
            spec_file: Some(("lake.yaml".into(), file.into())),
            sets: vec![],
        })
        .unwrap();
        assert_eq!(c.profile, Profile::Large);
        assert_eq!(c.replicas(Component::Datanode), 7);
    }

    #[test]
    fn issue_rules() {
        assert!(
            message(with_sets("medium", &["om.replicas=2"]))
                .contains("spec.om.replicas: must be 1 or an odd number of at least 3, got 2")
        );
        assert!(message(with_sets("small", &["scm.replicas=4"])).contains("spec.scm.replicas"));
        assert!(with_sets("small", &["om.replicas=5"]).is_ok());
        assert!(with_sets("small", &["scm.replicas=9"]).is_ok());
        assert!(
            message(with_sets("small", &["security.egress=restricted"])).contains(
                "spec.security.egress: restricted egress is a NetworkPolicy; set spec.security.networkPolicies: true"
            )
        );
        assert!(
            message(with_sets("medium", &["om.replicas=2147483647"]))
                .contains("spec.om.replicas: must be at most 9, got 2147483647")
        );
        assert!(
            message(with_sets("medium", &["scm.replicas=11"]))
                .contains("spec.scm.replicas: must be at most 9")
        );
        assert!(
            message(with_sets("large", &["datanodes.replicas=10001"]))
                .contains("spec.datanodes.replicas: must be at most 10000, got 10001")
        );
        assert!(
            message(with_sets("small", &["datanodes.replicas=1"])).contains(
                "spec.datanodes.replicas: must be at least 3 when replication is THREE, got 1"
            )
        );
        assert!(with_sets("small", &["datanodes.replicas=1", "replication=ONE"]).is_ok());
        assert!(
            message(with_sets("small", &["scm.storage.size=10Gb"]))
                .contains("spec.scm.storage.size: \"10Gb\" is not a Kubernetes quantity")
        );
        assert!(
            message(with_sets("small", &["datanodes.storage.size=0"]))
                .contains("spec.datanodes.storage.size: must be greater than zero")
        );
        assert!(
            message(with_sets("small", &["metadata.name=Ozone"]))
                .contains("metadata.name: \"Ozone\" is not a valid name")
        );
        assert!(
            message(with_sets("small", &["metadata.namespace=a_b"])).contains("metadata.namespace")
        );
        let huge = message(with_sets("huge", &[]));
        assert!(
            huge.contains("unknown profile \"huge\"; known profiles: small, medium, large"),
            "{huge}"
        );
        assert!(message(resolve(&Inputs::default())).contains("no profile chosen"));
    }

    #[test]
    fn more_rules() {
        assert!(
            message(with_sets("small", &["version=latest"])).contains("\"latest\" is not allowed")
        );
        assert!(
            message(with_sets("small", &["s3g.storage.size=1Gi"]))
                .contains("spec.s3g.storage: the S3 Gateway keeps no data")
        );
        assert!(message(with_sets("small", &["om.enabled=false"])).contains("spec.om.enabled"));
        assert!(
            message(with_sets(
                "small",
                &["datanodes.resources.requests.memory=4Gi"]
            ))
            .contains("is more than the limit 2Gi")
        );
        assert!(
            message(with_sets(
                "small",
                &[r"config.ozone-site\.xml.ozone\.om\.ratis\.port=abc"]
            ))
            .contains("spec.config.ozone-site.xml.ozone.om.ratis.port")
        );
        assert!(
            message(with_sets(
                "small",
                &[&format!("metadata.name=a{}", "b".repeat(50))]
            ))
            .contains("is too long")
        );
        assert!(
            message(with_sets("small", &["s3g.service.nodePort=80"]))
                .contains("spec.s3g.service.nodePort")
        );
    }

    #[test]
    fn set_type_errors_name_the_flag() {
        let msg = message(with_sets("small", &["om.replicas=three"]));
        assert!(
            msg.contains("--set om.replicas=three: spec.om.replicas: invalid type"),
            "{msg}"
        );
        let msg = message(with_sets("small", &["datanodes.replica=3"]));
        assert!(msg.contains("unknown field `replica`"), "{msg}");
        let msg = message(with_sets("small", &["replicas"]));
        assert!(msg.contains("--set replicas: expected path=value"), "{msg}");
    }

    #[test]
    fn security_monitoring_and_rbac_rules() {
        let msg = message(with_sets(
            "small",
            &[
                "security.networkPolicies=true",
                "security.clients.namespaceSelector=env in (prod",
            ],
        ));
        assert!(
            msg.contains(
                "spec.security.clients.namespaceSelector: \"env in (prod\" is not a label selector"
            ),
            "{msg}"
        );
        let msg = message(with_sets("small", &[r"monitoring.labels.bad\ key=x"]));
        assert!(
            msg.contains("spec.monitoring.labels.bad key: \"bad key\" is not a valid label key"),
            "{msg}"
        );
        let msg = message(with_sets(
            "small",
            &["rbac.roles=true", "rbac.bindings.admin[0].kind=User"],
        ));
        assert!(
            msg.contains("spec.rbac.bindings.admin[0].name: a role binding needs a subject name"),
            "{msg}"
        );
        assert!(
            message(with_sets("small", &["monitoring.interval=soon"]))
                .contains("spec.monitoring.interval")
        );
        let c = with_sets(
            "medium",
            &[
                "rbac.bindings.viewer[0].kind=Group",
                "rbac.bindings.viewer[0].name=auditors",
            ],
        )
        .unwrap();
        assert_eq!(c.rbac.bindings[&PersonRole::Viewer][0].name, "auditors");
        assert!(c.network.is_some() && c.monitoring.service_monitors);
        let small = with_sets("small", &[]).unwrap();
        assert!(small.network.is_none() && !small.monitoring.service_monitors && small.rbac.roles);
    }

    #[test]
    fn backups_are_checked_field_by_field() {
        let ok = with_sets(
            "small",
            &[
                "backups.schedule=30 1 * * *",
                "backups.keep=3",
                "backups.storage.size=20Gi",
                "backups.storage.storageClass=standard",
            ],
        )
        .unwrap();
        let b = ok.backups.unwrap();
        assert_eq!((b.schedule.as_str(), b.keep), ("30 1 * * *", 3));
        assert_eq!(b.storage.storage_class.as_deref(), Some("standard"));
        assert!(with_sets("small", &[]).unwrap().backups.is_none());
        for (sets, expect) in [
            (
                &[
                    "backups.schedule=61 * * * *",
                    "backups.keep=1",
                    "backups.storage.size=1Gi",
                ][..],
                "spec.backups.schedule: \"61 * * * *\" is not a cron schedule",
            ),
            (
                &[
                    "backups.schedule=@daily",
                    "backups.keep=0",
                    "backups.storage.size=1Gi",
                ][..],
                "spec.backups.keep: must be at least 1",
            ),
            (
                &[
                    "backups.schedule=@daily",
                    "backups.keep=2",
                    "backups.storage.size=lots",
                ][..],
                "spec.backups.storage.size: \"lots\" is not a Kubernetes quantity",
            ),
            (
                &["backups.schedule=@daily", "backups.keep=2"][..],
                "spec.backups.storage.size: not set",
            ),
            (
                &[
                    "backups.schedule=@daily",
                    "backups.keep=2",
                    "backups.storage.size=1Gi",
                    "backups.storage.storageClass=Fast_SSD",
                ][..],
                "spec.backups.storage.storageClass: \"Fast_SSD\" is not a StorageClass name",
            ),
            (
                &[
                    "backups.schedule=@daily",
                    "backups.keep=2",
                    "backups.storage.size=1Gi",
                    "backups.retention=7",
                ][..],
                "retention",
            ),
        ] {
            let msg = message(with_sets("small", sets));
            assert!(msg.contains(expect), "{sets:?}: {msg}");
        }
    }

    #[test]
    fn snapshot_schedules() {
        let ok = with_sets(
            "small",
            &[
                "snapshots[0].bucket=vol1/logs",
                "snapshots[0].schedule=0 */6 * * *",
                "snapshots[0].keep=4",
            ],
        )
        .unwrap();
        assert_eq!(ok.snapshots[0].name, "vol1-logs");
        for (sets, expect) in [
            (
                &[
                    "snapshots[0].bucket=logs",
                    "snapshots[0].schedule=@daily",
                    "snapshots[0].keep=1",
                ][..],
                "spec.snapshots[0].bucket: \"logs\" is not volume/bucket",
            ),
            (
                &[
                    "snapshots[0].bucket=vol1/logs",
                    "snapshots[0].schedule=0 25 * * *",
                    "snapshots[0].keep=1",
                ][..],
                "hour 25 is outside 0-23",
            ),
            (
                &[
                    "snapshots[0].bucket=vol1/logs",
                    "snapshots[0].schedule=@often",
                    "snapshots[0].keep=1",
                ][..],
                "unknown macro",
            ),
            (
                &[
                    "snapshots[0].bucket=vol1/logs",
                    "snapshots[0].schedule=@daily",
                    "snapshots[0].keep=0",
                ][..],
                "spec.snapshots[0].keep: must be at least 1",
            ),
        ] {
            let msg = message(with_sets("small", sets));
            assert!(msg.contains(expect), "{msg}");
        }
        for good in [
            "*/15 * * * *",
            "0 3 * * mon-fri",
            "30 2 1 jan,jul *",
            "@hourly",
            "0 0 * * 7",
        ] {
            assert_eq!(check_cron(good), Ok(()), "{good}");
        }
        for bad in [
            "* * * *",
            "60 * * * *",
            "* * 0 * *",
            "*/0 * * * *",
            "5-1 * * * *",
            "* * * foo *",
        ] {
            assert!(check_cron(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn tls_rules() {
        assert!(
            with_sets("medium", &["security.tls.mode=cert-manager"])
                .unwrap()
                .tls
                .is_some()
        );
        assert!(with_sets("medium", &[]).unwrap().tls.is_none());
        for (sets, expect) in [
            (
                &[
                    "security.tls.mode=cert-manager",
                    "security.tls.duration=90 days",
                ][..],
                "spec.security.tls.duration: \"90 days\" is not a positive duration",
            ),
            (
                &[
                    "security.tls.mode=cert-manager",
                    "security.tls.renewBefore=3000h",
                ][..],
                "must be shorter than the duration 2160h",
            ),
            (
                &["security.tls.mode=managed", "security.tls.issuer.name=corp"][..],
                "spec.security.tls.issuer: only applies to mode cert-manager",
            ),
            (
                &[
                    "security.tls.mode=cert-manager",
                    "security.tls.extraDnsNames.httpfs[0]=x.example.com",
                ][..],
                "\"httpfs\" is not a component with HTTPS endpoints",
            ),
            (&["security.tls.mode=tls"][..], "unknown variant `tls`"),
        ] {
            let msg = message(with_sets("medium", sets));
            assert!(msg.contains(expect), "{msg}");
        }
        assert_eq!(go_duration_seconds("1h30m"), Some(5400.0));
        assert_eq!(go_duration_seconds("1d"), None);
    }

    #[test]
    fn data_volumes_and_the_ratis_volume() {
        let c = with_sets(
            "medium",
            &[
                "datanodes.storage.storageClass=local-hdd",
                "datanodes.storage.data[0].size=4Ti",
                "datanodes.storage.data[1].size=4Ti",
                "datanodes.storage.data[2].storageClass=other",
                "datanodes.storage.ratis.size=200Gi",
                "datanodes.storage.ratis.storageClass=local-nvme",
            ],
        )
        .unwrap();
        let dn = c.component(Component::Datanode).unwrap();
        let data: Vec<(String, Option<String>)> = dn
            .data_volumes()
            .map(|v| (v.size.as_str().to_owned(), v.storage_class.clone()))
            .collect();
        assert_eq!(
            data,
            vec![
                ("4Ti".to_owned(), Some("local-hdd".to_owned())),
                ("4Ti".to_owned(), Some("local-hdd".to_owned())),
                // Size from storage.size (the profile's 1Ti), its own class.
                ("1Ti".to_owned(), Some("other".to_owned())),
            ]
        );
        let ratis = dn.ratis.as_ref().unwrap();
        assert_eq!(
            (ratis.size.as_str(), ratis.storage_class.as_deref()),
            ("200Gi", Some("local-nvme"))
        );
        // A ratis volume switched off is no volume.
        let off = with_sets(
            "medium",
            &[
                "om.storage.ratis.size=10Gi",
                "om.storage.ratis.enabled=false",
            ],
        )
        .unwrap();
        assert!(off.component(Component::Om).unwrap().ratis.is_none());
    }

    #[test]
    fn bad_volumes_name_the_field() {
        let many: Vec<String> = (0..49)
            .map(|i| format!("datanodes.storage.data[{i}].size=1Ti"))
            .collect();
        let many: Vec<&str> = many.iter().map(String::as_str).collect();
        for (sets, expect) in [
            (
                many.as_slice(),
                "spec.datanodes.storage.data: at most 48 data volumes per datanode, got 49",
            ),
            (
                &["datanodes.storage.data[0].size=4TB"][..],
                "spec.datanodes.storage.data[0].size: \"4TB\" is not a Kubernetes quantity",
            ),
            (
                &[
                    "datanodes.storage.data[0].size=4Ti",
                    "datanodes.storage.data[1].storageClass=Local_HDD",
                ][..],
                "spec.datanodes.storage.data[1].storageClass: \"Local_HDD\" is not a StorageClass name",
            ),
            (
                &["om.storage.data[0].size=4Ti"][..],
                "spec.om.storage.data: only datanodes have several data volumes",
            ),
            (
                &["recon.storage.ratis.size=4Gi"][..],
                "spec.recon.storage.ratis: the Recon keeps no Raft log",
            ),
            (
                &["scm.storage.ratis.storageClass=fast"][..],
                "spec.scm.storage.ratis.size: not set",
            ),
            (
                &["datanodes.storage.ratis.size=0"][..],
                "spec.datanodes.storage.ratis.size: must be greater than zero",
            ),
        ] {
            let msg = message(with_sets("medium", sets));
            assert!(msg.contains(expect), "{expect}\n{msg}");
        }
    }

    #[test]
    fn component_placement_adds_to_the_cluster_placement() {
        let c = with_sets(
            "medium",
            &[
                "placement.nodeSelector.pool=ozone",
                "placement.tolerations[0].key=dedicated",
                "placement.tolerations[0].operator=Exists",
                "datanodes.placement.nodeSelector.storage=ozone",
                "datanodes.placement.tolerations[0].key=storage",
                "datanodes.placement.tolerations[0].value=ozone",
                "datanodes.placement.tolerations[0].effect=NoSchedule",
                "datanodes.placement.priorityClassName=ozone-data",
                "om.placement.topologySpread=zone",
                "om.placement.podLabels.team=storage",
                "om.placement.podAnnotations.example\\.com/owner=storage",
            ],
        )
        .unwrap();
        let dn = &c.component(Component::Datanode).unwrap().placement;
        assert_eq!(dn.node_selector.len(), 2);
        assert_eq!(dn.node_selector["storage"], "ozone");
        assert_eq!(dn.tolerations.len(), 2);
        assert_eq!(dn.priority_class_name.as_deref(), Some("ozone-data"));
        let om = &c.component(Component::Om).unwrap().placement;
        assert_eq!(om.spread, Spread::Zone);
        assert_eq!(om.node_selector.len(), 1);
        assert_eq!(om.pod_labels["team"], "storage");
        assert_eq!(om.pod_annotations["example.com/owner"], "storage");
        assert_eq!(
            c.component(Component::Scm).unwrap().placement.spread,
            Spread::Host
        );
        for (sets, expect) in [
            (
                &["om.placement.podLabels.app\\.kubernetes\\.io/component=x"][..],
                "spec.om.placement.podLabels.app.kubernetes.io/component: the app.kubernetes.io/ labels are set by kubectl-ozone",
            ),
            (
                &["om.placement.podAnnotations.ozone\\.apache\\.org/config-hash=x"][..],
                "spec.om.placement.podAnnotations.ozone.apache.org/config-hash: the ozone.apache.org/ annotations are set by kubectl-ozone",
            ),
            (
                &["datanodes.placement.tolerations[0].effect=Sometimes"][..],
                "spec.datanodes.placement.tolerations[0].effect: \"Sometimes\" must be",
            ),
            (
                &["s3g.placement.priorityClassName=Not_A_Name"][..],
                "spec.s3g.placement.priorityClassName",
            ),
            (
                &["om.placement.topologySpread=rack"][..],
                "unknown variant `rack`",
            ),
        ] {
            let msg = message(with_sets("medium", sets));
            assert!(msg.contains(expect), "{expect}\n{msg}");
        }
    }

    #[test]
    fn all_problems_are_reported_together() {
        let err = with_sets(
            "medium",
            &["om.replicas=2", "scm.replicas=4", "datanodes.replicas=2"],
        )
        .unwrap_err();
        assert_eq!(err.problems.len(), 3, "{err}");
    }
}
