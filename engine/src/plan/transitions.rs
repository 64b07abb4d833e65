//! What a change of the spec means for Ozone. The live cluster and the render are each reduced
//! to a [`Shape`] (per component: replicas, image, data volume, configuration hash; the TLS
//! mode), and the two shapes are compared into [`Transition`]s — datanodes up or down, OM/SCM
//! ring growth or shrink, storage growth or shrink, a restart for a new configuration or pod
//! template, a version change, a TLS mode change, a component switched on or off — each with
//! how `apply` carries it out or why it refuses. Pure: the inputs are objects as JSON, rendered
//! or read from the API server, so every transition is unit-tested without a cluster.

use ozone_generator::names::{CONFIG_HASH_ANNOTATION, LABEL_COMPONENT};
use ozone_generator::objects::tls::certificates_config_map_name;
use ozone_generator::quantity::Amount;
use ozone_storage::config::HTTP_POLICY_KEY;
use ozone_storage::{Component, ConfigFile};
use serde::Serialize;
use serde_json::Value;
use std::cmp::Ordering;
use std::collections::{BTreeMap, BTreeSet};

/// One workload as far as Ozone cares.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct WorkloadShape {
    /// `StatefulSet` or `Deployment`.
    pub kind: String,
    /// Object name.
    pub name: String,
    /// `spec.replicas`.
    pub replicas: i32,
    /// Image of the first container.
    pub image: Option<String>,
    /// Requested size of the first volume claim template.
    pub storage: Option<String>,
    /// Its StorageClass.
    pub storage_class: Option<String>,
    /// The pod template's configuration hash annotation.
    pub config_hash: Option<String>,
    /// Every volume claim template, in order.
    pub volumes: Vec<VolumeShape>,
}

/// One volume claim template.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct VolumeShape {
    /// Template name (`data`, `data1`, `ratis`).
    pub name: String,
    /// Requested size.
    pub size: Option<String>,
    /// StorageClass.
    pub storage_class: Option<String>,
}

/// Who issues the certificates, as the objects tell.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum TlsMode {
    /// Plain HTTP.
    #[default]
    None,
    /// kubectl-ozone (the `<cluster>-certificates` ConfigMap exists).
    Managed,
    /// cert-manager (HTTPS without that ConfigMap).
    CertManager,
}

impl TlsMode {
    /// The spelling of `security.tls.mode`.
    pub fn as_str(self) -> &'static str {
        match self {
            TlsMode::None => "none",
            TlsMode::Managed => "managed",
            TlsMode::CertManager => "cert-manager",
        }
    }
}

/// A cluster reduced to what transitions are about.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize)]
pub struct Shape {
    /// Workloads by component.
    pub workloads: BTreeMap<Component, WorkloadShape>,
    /// TLS mode.
    pub tls: TlsMode,
}

fn text(v: &Value, path: &[&str]) -> Option<String> {
    let mut cur = v;
    for p in path {
        cur = cur.get(p)?;
    }
    cur.as_str().map(str::to_owned)
}

impl Shape {
    /// The shape of cluster `cluster`'s objects (rendered, or as read), given as JSON.
    pub fn of<'a>(cluster: &str, objects: impl IntoIterator<Item = &'a Value>) -> Shape {
        let mut shape = Shape::default();
        let mut https = false;
        let mut managed = false;
        let config_map = format!("{cluster}-config");
        let certificates = certificates_config_map_name(cluster);
        for o in objects {
            let kind = o["kind"].as_str().unwrap_or_default();
            let name = o["metadata"]["name"].as_str().unwrap_or_default();
            match kind {
                "ConfigMap" if name == config_map => {
                    let key = ConfigFile::OzoneSite.env_name(HTTP_POLICY_KEY);
                    https = o["data"][key.as_str()]
                        .as_str()
                        .is_some_and(crate::plan::transitions::policy_serves_https);
                }
                "ConfigMap" if name == certificates => managed = true,
                "StatefulSet" | "Deployment" => {
                    let Some(component) = o["metadata"]["labels"][LABEL_COMPONENT]
                        .as_str()
                        .and_then(Component::from_id)
                    else {
                        continue;
                    };
                    let spec = &o["spec"];
                    let claim = &spec["volumeClaimTemplates"][0]["spec"];
                    shape.workloads.insert(
                        component,
                        WorkloadShape {
                            kind: kind.to_owned(),
                            name: name.to_owned(),
                            replicas: spec["replicas"].as_i64().unwrap_or(1) as i32,
                            image: text(&spec["template"]["spec"]["containers"][0], &["image"]),
                            storage: text(claim, &["resources", "requests", "storage"]),
                            storage_class: text(claim, &["storageClassName"]),
                            config_hash: text(
                                &spec["template"]["metadata"]["annotations"],
                                &[CONFIG_HASH_ANNOTATION],
                            ),
                            volumes: spec["volumeClaimTemplates"]
                                .as_array()
                                .map(|ts| {
                                    ts.iter()
                                        .map(|t| VolumeShape {
                                            name: text(t, &["metadata", "name"])
                                                .unwrap_or_default(),
                                            size: text(
                                                &t["spec"],
                                                &["resources", "requests", "storage"],
                                            ),
                                            storage_class: text(&t["spec"], &["storageClassName"]),
                                        })
                                        .collect()
                                })
                                .unwrap_or_default(),
                        },
                    );
                }
                _ => {}
            }
        }
        shape.tls = match (https, managed) {
            (_, true) => TlsMode::Managed,
            (true, false) => TlsMode::CertManager,
            (false, false) => TlsMode::None,
        };
        shape
    }
}

/// What kind of transition.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Kind {
    /// A component appears.
    ComponentOn,
    /// A component goes away.
    ComponentOff,
    /// A new Ozone version (image).
    Version,
    /// A new TLS mode.
    Tls,
    /// More datanodes.
    DatanodesUp,
    /// Fewer datanodes.
    DatanodesDown,
    /// A bigger OM or SCM ring.
    RingGrow,
    /// A smaller OM or SCM ring.
    RingShrink,
    /// More or fewer pods of a stateless component.
    Scale,
    /// Bigger data volumes.
    StorageGrow,
    /// Smaller data volumes.
    StorageShrink,
    /// Another StorageClass for the data volumes.
    StorageClass,
    /// New configuration: pods restart.
    Config,
    /// Another pod template: pods restart.
    Template,
    /// Volume claim templates added (disks, a Raft log volume).
    VolumesAdded,
    /// Volume claim templates removed.
    VolumesRemoved,
}

/// Whether `apply` carries a transition out.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Verdict {
    /// `apply` carries it out, as `how` says.
    Apply,
    /// `apply` refuses the whole change, for the reason `how` gives; nothing is written.
    Refuse,
}

/// One transition.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Transition {
    /// What kind.
    pub kind: Kind,
    /// The component.
    pub component: Component,
    /// Before (replicas, size, image, mode).
    pub from: String,
    /// After.
    pub to: String,
    /// Carried out or refused.
    pub verdict: Verdict,
    /// How `apply` carries it out, or why it refuses and what to do instead.
    pub how: String,
    /// The volume claim template a storage change is about, when not the first (`data`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub volume: Option<String>,
}

impl Transition {
    /// One line for the text output.
    pub fn describe(&self) -> String {
        let what = match self.kind {
            Kind::ComponentOn => format!("{} switched on", self.component),
            Kind::ComponentOff => format!("{} switched off", self.component),
            Kind::Version => format!("version {} → {}", self.from, self.to),
            Kind::Tls => format!("TLS mode {} → {}", self.from, self.to),
            Kind::DatanodesUp | Kind::DatanodesDown => {
                format!("datanodes {} → {}", self.from, self.to)
            }
            Kind::RingGrow | Kind::RingShrink => {
                format!("{} ring {} → {}", self.component, self.from, self.to)
            }
            Kind::Scale => format!("{} replicas {} → {}", self.component, self.from, self.to),
            Kind::StorageGrow | Kind::StorageShrink => match &self.volume {
                Some(v) => format!(
                    "{} storage ({v}) {} → {}",
                    self.component, self.from, self.to
                ),
                None => format!("{} storage {} → {}", self.component, self.from, self.to),
            },
            Kind::StorageClass => match &self.volume {
                Some(v) => format!(
                    "{} StorageClass ({v}) {} → {}",
                    self.component, self.from, self.to
                ),
                None => format!(
                    "{} StorageClass {} → {}",
                    self.component, self.from, self.to
                ),
            },
            Kind::VolumesAdded | Kind::VolumesRemoved => {
                format!("{} volumes {} → {}", self.component, self.from, self.to)
            }
            Kind::Config => format!("{} configuration changed", self.component),
            Kind::Template => format!("{} pod template changed", self.component),
        };
        let verdict = match self.verdict {
            Verdict::Apply => "apply",
            Verdict::Refuse => "REFUSED",
        };
        format!("{what}: {verdict}: {}", self.how)
    }

    /// Whether `apply` refuses it.
    pub fn refused(&self) -> bool {
        self.verdict == Verdict::Refuse
    }

    /// Whether carrying it out re-creates the component's pods (one at a time, in the
    /// component's safe order).
    pub fn restarts_pods(&self) -> bool {
        matches!(self.kind, Kind::Config | Kind::Template)
            || (self.kind == Kind::VolumesAdded && self.verdict == Verdict::Apply)
    }
}

/// The tag of an image reference (`apache/ozone:2.2.0` → `2.2.0`).
pub fn image_tag(image: &str) -> &str {
    let last = image.rsplit('/').next().unwrap_or(image);
    last.rsplit_once(':').map_or("latest", |(_, tag)| tag)
}

/// Compares sizes; `None` when one does not parse.
pub fn compare_sizes(a: &str, b: &str) -> Option<Ordering> {
    Some(Amount::parse(a).ok()?.cmp_value(&Amount::parse(b).ok()?))
}

/// The transitions from `live` to `desired`. `templates_changed` holds the components whose
/// pod template the server would change (from the server-side apply dry run, so defaults the
/// server fills in do not count); `no_pods` says the cluster runs no pods (TLS mode may then
/// change freely).
pub fn detect(
    live: &Shape,
    desired: &Shape,
    templates_changed: &BTreeSet<Component>,
    no_pods: bool,
) -> Vec<Transition> {
    let mut out = Vec::new();
    let t = |kind, component, from: String, to: String, verdict, how: String| Transition {
        kind,
        component,
        from,
        to,
        verdict,
        how,
        volume: None,
    };
    let mut version_changed = false;
    for component in Component::ALL {
        let (l, d) = (
            live.workloads.get(&component),
            desired.workloads.get(&component),
        );
        let (l, d) = match (l, d) {
            (None, None) => continue,
            (None, Some(d)) => {
                out.push(t(
                    Kind::ComponentOn,
                    component,
                    "off".into(),
                    format!("{} replicas", d.replicas),
                    Verdict::Apply,
                    format!("{} {} is created", d.kind, d.name),
                ));
                continue;
            }
            (Some(l), None) => {
                out.push(t(
                    Kind::ComponentOff,
                    component,
                    format!("{} replicas", l.replicas),
                    "off".into(),
                    Verdict::Apply,
                    format!(
                        "{} {} and the component's other objects are pruned; its PVCs are kept",
                        l.kind, l.name
                    ),
                ));
                continue;
            }
            (Some(l), Some(d)) => (l, d),
        };
        if l.image != d.image && !version_changed {
            version_changed = true;
            let to = d.image.as_deref().map(image_tag).unwrap_or("?").to_owned();
            out.push(t(
                Kind::Version,
                component,
                l.image.clone().unwrap_or_default(),
                d.image.clone().unwrap_or_default(),
                Verdict::Refuse,
                format!(
                    "apply never changes the image of a running cluster; upgrade in Ozone's order with `kubectl ozone upgrade --to {to}`"
                ),
            ));
        }
        replicas(&mut out, component, l, d);
        storage(&mut out, component, l, d);
        super::disks::detect(&mut out, component, l, d);
        if templates_changed.contains(&component) && l.image == d.image {
            let (kind, reason) = if l.config_hash != d.config_hash {
                (Kind::Config, "the configuration changed")
            } else {
                (Kind::Template, "the pod template changed")
            };
            let how = if d.kind == "Deployment" {
                format!("{reason}; Kubernetes rolls {} (RollingUpdate)", d.name)
            } else {
                restart_how(component, reason)
            };
            out.push(t(
                kind,
                component,
                l.config_hash.clone().unwrap_or_default(),
                d.config_hash.clone().unwrap_or_default(),
                Verdict::Apply,
                how,
            ));
        }
    }
    if live.tls != desired.tls && !live.workloads.is_empty() {
        let (verdict, how) = if no_pods {
            (
                Verdict::Apply,
                "the cluster runs no pods: the new mode is applied as rendered".to_owned(),
            )
        } else {
            (
                Verdict::Refuse,
                "pods would lose trust in each other mid-change; switch TLS with `kubectl ozone cert` (issue, then rotate) or scale the cluster to no pods first".to_owned(),
            )
        };
        out.push(t(
            Kind::Tls,
            Component::Scm,
            live.tls.as_str().into(),
            desired.tls.as_str().into(),
            verdict,
            how,
        ));
    }
    out
}

fn restart_how(component: Component, reason: &str) -> String {
    match component {
        Component::Om | Component::Scm => format!(
            "{reason}; pods restart one at a time, followers first, leadership transferred before the leader restarts"
        ),
        Component::Datanode => {
            format!("{reason}; datanodes restart one at a time, each waited healthy in SCM")
        }
        _ => format!("{reason}; pods restart one at a time"),
    }
}

fn replicas(out: &mut Vec<Transition>, component: Component, l: &WorkloadShape, d: &WorkloadShape) {
    if l.replicas == d.replicas {
        return;
    }
    let (from, to) = (l.replicas, d.replicas);
    let (kind, verdict, how) = match component {
        Component::Datanode if to > from => (
            Kind::DatanodesUp,
            Verdict::Apply,
            format!(
                "scale {} to {to}, then wait until the new datanodes are IN_SERVICE in SCM",
                d.name
            ),
        ),
        Component::Datanode => (
            Kind::DatanodesDown,
            Verdict::Apply,
            format!(
                "decommission {} (the highest ordinals), wait until DECOMMISSIONED, then scale {} to {to}; PVCs are kept",
                (to..from)
                    .map(|i| format!("{}-{i}", d.name))
                    .collect::<Vec<_>>()
                    .join(", "),
                d.name
            ),
        ),
        Component::Om | Component::Scm if to > from => (
            Kind::RingGrow,
            Verdict::Apply,
            ring_grow_how(component, &d.name, from, to),
        ),
        Component::Om | Component::Scm => {
            let (verdict, how) = super::ring_shrink::transition(component, &d.name, from, to);
            (Kind::RingShrink, verdict, how)
        }
        _ => (
            Kind::Scale,
            Verdict::Apply,
            format!("{} {} is scaled to {to}", d.kind, d.name),
        ),
    };
    out.push(Transition {
        kind,
        component,
        from: from.to_string(),
        to: to.to_string(),
        verdict,
        how,
        volume: None,
    });
}

/// How `apply` grows an OM or SCM ring (the member-bootstrap engine, `engine/bootstrap.rs`).
fn ring_grow_how(component: Component, statefulset: &str, from: i32, to: i32) -> String {
    let c = component.id();
    let new: Vec<String> = (from..to).map(|i| format!("{statefulset}-{i}")).collect();
    let join = match component {
        Component::Om => format!(
            "starts with `ozone om --bootstrap` (the pod template of {statefulset} is set to it for the run, then restored as rendered)"
        ),
        _ => "joins through its `ozone scm --bootstrap` init container".to_owned(),
    };
    let single = if from == 1 {
        format!(" (a single {c} restarts into the ring configuration: a short {c} outage)")
    } else {
        String::new()
    };
    format!(
        "the ConfigMap names the new node ids and {statefulset} keeps {from} replicas while the existing {c}s restart in quorum-safe order{single}; then each new {c} ({}) in turn is scaled in, {join}, and is waited for as FOLLOWER in `ozone admin {c} roles`; then clients restart for the new configuration",
        new.join(", ")
    )
}

fn storage(out: &mut Vec<Transition>, component: Component, l: &WorkloadShape, d: &WorkloadShape) {
    if l.storage_class != d.storage_class && l.storage.is_some() && d.storage.is_some() {
        out.push(Transition {
            kind: Kind::StorageClass,
            component,
            from: l.storage_class.clone().unwrap_or_else(|| "(default)".into()),
            to: d.storage_class.clone().unwrap_or_else(|| "(default)".into()),
            verdict: Verdict::Refuse,
            how: "existing volumes cannot move to another StorageClass; keep the class, or migrate the data to a new cluster".into(),
            volume: None,
        });
    }
    let (Some(from), Some(to)) = (&l.storage, &d.storage) else {
        return;
    };
    out.extend(size_change(component, &d.name, from, to, None));
}

/// The transition of a volume's size, `volume` naming a claim template other than the first
/// data volume; `None` when the size stays.
pub(super) fn size_change(
    component: Component,
    statefulset: &str,
    from: &str,
    to: &str,
    volume: Option<&str>,
) -> Option<Transition> {
    let pvcs = volume.map_or_else(|| "PVC".to_owned(), |v| format!("{v} PVC"));
    let (kind, verdict, how) = match compare_sizes(from, to) {
        None | Some(Ordering::Equal) => return None,
        Some(Ordering::Less) => (
            Kind::StorageGrow,
            Verdict::Apply,
            format!(
                "needs allowVolumeExpansion on the StorageClass; each {pvcs} of {statefulset} is patched to {to}, then the StatefulSet is re-created with orphan propagation (pods keep running)"
            ),
        ),
        Some(Ordering::Greater) => (
            Kind::StorageShrink,
            Verdict::Refuse,
            "Kubernetes cannot shrink a volume; keep the size".into(),
        ),
    };
    Some(Transition {
        kind,
        component,
        from: from.to_owned(),
        to: to.to_owned(),
        verdict,
        how,
        volume: volume.map(str::to_owned),
    })
}

/// Whether a value of `ozone.http.policy` has Ozone serve HTTPS: `HTTPS_ONLY` or
/// `HTTP_AND_HTTPS`. Hadoop reads the policy case-insensitively and users write it by hand
/// (with stray spaces from YAML), so it is compared the same way.
pub fn policy_serves_https(value: &str) -> bool {
    let v = value.trim();
    v.eq_ignore_ascii_case("HTTPS_ONLY") || v.eq_ignore_ascii_case("HTTP_AND_HTTPS")
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn workload(
        kind: &str,
        component: &str,
        replicas: i32,
        image: &str,
        size: Option<&str>,
    ) -> Value {
        let mut o = json!({
            "kind": kind,
            "metadata": {"name": format!("ozone-{component}"), "labels": {LABEL_COMPONENT: component}},
            "spec": {"replicas": replicas, "template": {
                "metadata": {"annotations": {CONFIG_HASH_ANNOTATION: "h1"}},
                "spec": {"containers": [{"name": component, "image": image}]}}}
        });
        if let Some(size) = size {
            o["spec"]["volumeClaimTemplates"] = json!([{"spec": {"storageClassName": "standard",
                "resources": {"requests": {"storage": size}}}}]);
        }
        o
    }

    fn cluster(scm: i32, om: i32, dn: i32, size: &str) -> Vec<Value> {
        let img = "apache/ozone:2.2.0";
        vec![
            json!({"kind": "ConfigMap", "metadata": {"name": "ozone-config"}, "data": {}}),
            workload("StatefulSet", "scm", scm, img, Some("50Gi")),
            workload("StatefulSet", "om", om, img, Some("100Gi")),
            workload("StatefulSet", "datanode", dn, img, Some(size)),
            workload("Deployment", "s3g", 2, img, None),
        ]
    }

    fn kinds(live: &[Value], desired: &[Value]) -> Vec<(Kind, Component, Verdict)> {
        detect(
            &Shape::of("ozone", live),
            &Shape::of("ozone", desired),
            &BTreeSet::new(),
            false,
        )
        .into_iter()
        .map(|t| (t.kind, t.component, t.verdict))
        .collect()
    }

    #[test]
    fn no_change_no_transition() {
        let c = cluster(3, 3, 5, "1Ti");
        assert!(kinds(&c, &c).is_empty());
    }

    #[test]
    fn datanodes_up_and_down_are_carried_out() {
        let live = cluster(3, 3, 5, "1Ti");
        assert_eq!(
            kinds(&live, &cluster(3, 3, 7, "1Ti")),
            vec![(Kind::DatanodesUp, Component::Datanode, Verdict::Apply)]
        );
        let down = detect(
            &Shape::of("ozone", &live),
            &Shape::of("ozone", &cluster(3, 3, 3, "1Ti")),
            &BTreeSet::new(),
            false,
        );
        assert_eq!(down[0].kind, Kind::DatanodesDown);
        assert!(
            down[0]
                .how
                .contains("decommission ozone-datanode-3, ozone-datanode-4"),
            "{}",
            down[0].how
        );
    }

    #[test]
    fn ring_growth_is_refused_for_now() {
        let live = cluster(3, 3, 5, "1Ti");
        let om = detect(
            &Shape::of("ozone", &live),
            &Shape::of("ozone", &cluster(3, 5, 5, "1Ti")),
            &BTreeSet::new(),
            false,
        );
        assert_eq!(
            (om.len(), om[0].kind, om[0].verdict),
            (1, Kind::RingGrow, Verdict::Apply)
        );
        assert!(
            om[0].how.contains("ozone-om keeps 3 replicas")
                && om[0].how.contains("(ozone-om-3, ozone-om-4)")
                && om[0].how.contains("`ozone om --bootstrap`")
                && om[0].how.contains("FOLLOWER in `ozone admin om roles`"),
            "{}",
            om[0].how
        );
        let grow = detect(
            &Shape::of("ozone", &cluster(1, 1, 3, "1Ti")),
            &Shape::of("ozone", &cluster(3, 1, 3, "1Ti")),
            &BTreeSet::new(),
            false,
        );
        assert_eq!(grow[0].verdict, Verdict::Apply);
        assert!(
            grow[0].how.contains("ozone scm --bootstrap")
                && grow[0].how.contains("a single scm restarts")
                && grow[0].how.contains("(ozone-scm-1, ozone-scm-2)"),
            "{}",
            grow[0].how
        );
    }

    #[test]
    fn ring_shrink_is_applied_but_to_one_only_with_the_flag() {
        let five_to_three = detect(
            &Shape::of("ozone", &cluster(5, 3, 5, "1Ti")),
            &Shape::of("ozone", &cluster(3, 3, 5, "1Ti")),
            &BTreeSet::new(),
            false,
        );
        assert_eq!(
            (five_to_three[0].kind, five_to_three[0].verdict),
            (Kind::RingShrink, Verdict::Apply)
        );
        assert!(
            five_to_three[0]
                .how
                .contains("ozone-scm-4, ozone-scm-3 leave")
                && five_to_three[0]
                    .how
                    .contains("ozone admin scm decommission --nodeid N"),
            "{}",
            five_to_three[0].how
        );
        let mut to_one = detect(
            &Shape::of("ozone", &cluster(3, 3, 5, "1Ti")),
            &Shape::of("ozone", &cluster(3, 1, 5, "1Ti")),
            &BTreeSet::new(),
            false,
        );
        assert_eq!(
            (to_one[0].kind, to_one[0].verdict),
            (Kind::RingShrink, Verdict::Refuse)
        );
        assert!(
            to_one[0].how.contains("--allow-ring-to-single"),
            "{}",
            to_one[0].how
        );
        crate::plan::ring_shrink::allow_single(&mut to_one, |c| format!("ozone-{}", c.id()));
        assert_eq!(to_one[0].verdict, Verdict::Apply);
        assert!(
            to_one[0].how.contains("ozone admin om decommission")
                && to_one[0].how.contains("ozone.om.decommissioned.nodes"),
            "{}",
            to_one[0].how
        );
    }

    #[test]
    fn storage_grows_but_never_shrinks() {
        let live = cluster(3, 3, 5, "1Ti");
        assert_eq!(
            kinds(&live, &cluster(3, 3, 5, "2Ti")),
            vec![(Kind::StorageGrow, Component::Datanode, Verdict::Apply)]
        );
        assert_eq!(
            kinds(&live, &cluster(3, 3, 5, "500Gi")),
            vec![(Kind::StorageShrink, Component::Datanode, Verdict::Refuse)]
        );
        // The same size written differently is no change.
        assert!(kinds(&live, &cluster(3, 3, 5, "1024Gi")).is_empty());
        let mut other_class = cluster(3, 3, 5, "1Ti");
        other_class[3]["spec"]["volumeClaimTemplates"][0]["spec"]["storageClassName"] =
            json!("fast");
        assert_eq!(
            kinds(&live, &other_class),
            vec![(Kind::StorageClass, Component::Datanode, Verdict::Refuse)]
        );
    }

    #[test]
    fn a_new_image_is_refused_once_with_the_upgrade_command() {
        let live = cluster(3, 3, 5, "1Ti");
        let mut desired = cluster(3, 3, 5, "1Ti");
        for o in desired.iter_mut().skip(1) {
            o["spec"]["template"]["spec"]["containers"][0]["image"] = json!("apache/ozone:2.3.0");
        }
        let all: BTreeSet<Component> = Component::ALL.into_iter().collect();
        let ts = detect(
            &Shape::of("ozone", &live),
            &Shape::of("ozone", &desired),
            &all,
            false,
        );
        assert_eq!(ts.len(), 1, "{ts:?}");
        assert_eq!(ts[0].kind, Kind::Version);
        assert!(ts[0].refused());
        assert!(
            ts[0].how.contains("kubectl ozone upgrade --to 2.3.0"),
            "{}",
            ts[0].how
        );
    }

    #[test]
    fn config_and_template_changes_restart_in_the_right_way() {
        let live = cluster(3, 3, 5, "1Ti");
        let mut desired = cluster(3, 3, 5, "1Ti");
        desired[2]["spec"]["template"]["metadata"]["annotations"][CONFIG_HASH_ANNOTATION] =
            json!("h2");
        let changed = BTreeSet::from([Component::Om, Component::Datanode, Component::S3g]);
        let ts = detect(
            &Shape::of("ozone", &live),
            &Shape::of("ozone", &desired),
            &changed,
            false,
        );
        let got: Vec<(Kind, Component)> = ts.iter().map(|t| (t.kind, t.component)).collect();
        assert_eq!(
            got,
            vec![
                (Kind::Config, Component::Om),
                (Kind::Template, Component::Datanode),
                (Kind::Template, Component::S3g)
            ]
        );
        assert!(
            ts[0].how.contains("leadership transferred"),
            "{}",
            ts[0].how
        );
        assert!(
            ts[1].how.contains("each waited healthy in SCM"),
            "{}",
            ts[1].how
        );
        assert!(ts[2].how.contains("RollingUpdate"), "{}", ts[2].how);
    }

    #[test]
    fn tls_mode_change_is_refused_unless_no_pods_run() {
        let live = cluster(3, 3, 5, "1Ti");
        let mut desired = cluster(3, 3, 5, "1Ti");
        desired[0]["data"][ConfigFile::OzoneSite.env_name(HTTP_POLICY_KEY)] = json!("HTTPS_ONLY");
        desired.push(json!({"kind": "ConfigMap", "metadata": {"name": "ozone-certificates"}}));
        let (l, d) = (Shape::of("ozone", &live), Shape::of("ozone", &desired));
        assert_eq!(d.tls, TlsMode::Managed);
        let ts = detect(&l, &d, &BTreeSet::new(), false);
        assert_eq!((ts[0].kind, ts[0].verdict), (Kind::Tls, Verdict::Refuse));
        assert!(ts[0].how.contains("kubectl ozone cert"), "{}", ts[0].how);
        let ts = detect(&l, &d, &BTreeSet::new(), true);
        assert_eq!((ts[0].kind, ts[0].verdict), (Kind::Tls, Verdict::Apply));
        desired.pop();
        assert_eq!(Shape::of("ozone", &desired).tls, TlsMode::CertManager);
    }

    #[test]
    fn components_switched_on_and_off() {
        let live = cluster(3, 3, 5, "1Ti");
        let mut desired = cluster(3, 3, 5, "1Ti");
        desired.pop();
        desired.push(workload(
            "StatefulSet",
            "recon",
            1,
            "apache/ozone:2.2.0",
            Some("50Gi"),
        ));
        assert_eq!(
            kinds(&live, &desired),
            vec![
                (Kind::ComponentOff, Component::S3g, Verdict::Apply),
                (Kind::ComponentOn, Component::Recon, Verdict::Apply),
            ]
        );
        let mut more_s3g = cluster(3, 3, 5, "1Ti");
        more_s3g[4]["spec"]["replicas"] = json!(3);
        assert_eq!(
            kinds(&live, &more_s3g),
            vec![(Kind::Scale, Component::S3g, Verdict::Apply)]
        );
    }

    #[test]
    fn image_tags() {
        assert_eq!(image_tag("apache/ozone:2.2.0"), "2.2.0");
        assert_eq!(image_tag("registry:5000/apache/ozone:2.3.0"), "2.3.0");
        assert_eq!(image_tag("apache/ozone"), "latest");
    }
}
