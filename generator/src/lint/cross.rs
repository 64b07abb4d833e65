//! Checks that relate objects to each other. The linter streams, so each object leaves only a
//! compact summary here (labels, selectors, port names and numbers, Ozone settings); the checks
//! run once every source is read.

use super::Location;
use super::object::{Draft, Obj, Selector, containers, string_map};
use super::ozone;
use ozone_storage::Component;
use serde_json::Value;
use std::collections::{BTreeMap, BTreeSet};

#[derive(Debug)]
struct Workload {
    at: Location,
    namespace: String,
    kind: String,
    name: String,
    labels: BTreeMap<String, String>,
    replicas: Option<i64>,
    /// Container ports: name (may be empty) and number.
    ports: Vec<(String, i64)>,
    service_name: Option<String>,
    component: Option<Component>,
    /// `ozone-site.xml` keys set directly in the environment of its containers.
    env_site: BTreeMap<String, String>,
    /// ConfigMaps its containers load whole (`envFrom`), which is how the apache/ozone image
    /// gets its configuration.
    config_maps: Vec<String>,
    /// Its containers' mounts and which volumes keep data (datanodes only).
    volumes: Option<super::volumes::Mounts>,
}

#[derive(Debug)]
struct ServiceSummary {
    at: Location,
    namespace: String,
    name: String,
    selector: Selector,
    labels: BTreeMap<String, String>,
    /// Port name, port, target port (name or number as text).
    ports: Vec<(String, i64, String)>,
}

#[derive(Debug)]
struct Selecting {
    at: Location,
    namespace: String,
    selector: Selector,
}

#[derive(Debug)]
struct Monitor {
    at: Location,
    selector: Selector,
    /// `None`: any namespace.
    namespaces: Option<Vec<String>>,
    /// Endpoint port names, with their index.
    ports: Vec<(usize, String)>,
}

/// A ConfigMap's Ozone settings (`ozone-site.xml` keys) and where the ConfigMap is.
type SiteConfig = (Location, BTreeMap<String, String>);

/// What cross-object checks need to know about the objects seen so far.
#[derive(Debug, Default)]
pub struct Index {
    workloads: Vec<Workload>,
    services: Vec<ServiceSummary>,
    pdbs: Vec<Selecting>,
    policies: Vec<Selecting>,
    monitors: Vec<Monitor>,
    /// Ozone settings per namespace and ConfigMap name. Kept apart per ConfigMap because two
    /// clusters may share a namespace.
    site: BTreeMap<String, BTreeMap<String, SiteConfig>>,
    /// Built by [`Index::check`]: workloads by namespace and pod label.
    workload_labels: LabelIndex,
    /// Built by [`Index::check`]: Services by namespace and label.
    service_labels: LabelIndex,
    /// Built by [`Index::check`]: (namespace, name) of every ConfigMap some workload loads.
    loaded_config_maps: BTreeSet<(String, String)>,
    /// Mountpoint S3 volumes and the S3 Gateway policies they need.
    mountpoint: super::mountpoint::Index,
}

/// Positions of objects by namespace and by each of their labels, so a selector is matched
/// only against the objects that carry one of its required labels. Without it, one namespace
/// holding thousands of objects makes every selector check quadratic.
#[derive(Debug, Default)]
struct LabelIndex {
    by_namespace: BTreeMap<String, Vec<usize>>,
    by_label: BTreeMap<String, BTreeMap<(String, String), Vec<usize>>>,
}

impl LabelIndex {
    fn new<'a>(
        objects: impl Iterator<Item = (&'a str, &'a BTreeMap<String, String>)>,
    ) -> LabelIndex {
        let mut index = LabelIndex::default();
        for (i, (namespace, labels)) in objects.enumerate() {
            index
                .by_namespace
                .entry(namespace.to_owned())
                .or_default()
                .push(i);
            let postings = index.by_label.entry(namespace.to_owned()).or_default();
            for (k, v) in labels {
                postings.entry((k.clone(), v.clone())).or_default().push(i);
            }
        }
        index
    }

    /// The objects of `namespace` that may match: those with the selector's rarest required
    /// label, or every object of the namespace when it requires none. Callers still match.
    fn candidates(&self, namespace: &str, selector: &Selector) -> &[usize] {
        let all = self
            .by_namespace
            .get(namespace)
            .map_or(&[][..], Vec::as_slice);
        let Some(postings) = self.by_label.get(namespace) else {
            return &[];
        };
        let mut best = all;
        for (k, v) in selector.required_labels() {
            match postings.get(&(k.clone(), v.clone())) {
                Some(list) if list.len() < best.len() => best = list,
                Some(_) => {}
                None => return &[],
            }
        }
        best
    }

    fn namespaces(&self) -> impl Iterator<Item = &str> {
        self.by_namespace.keys().map(String::as_str)
    }
}

fn s(v: Option<&Value>) -> String {
    v.and_then(Value::as_str).unwrap_or("").to_owned()
}

impl Index {
    /// Appends the summaries of objects that come after these in the input, as if they had
    /// been added here one by one (a ConfigMap seen twice keeps its first place, later keys
    /// win). Used to join the work of parallel threads in input order.
    pub fn merge(&mut self, later: Index) {
        self.workloads.extend(later.workloads);
        self.services.extend(later.services);
        self.pdbs.extend(later.pdbs);
        self.policies.extend(later.policies);
        self.monitors.extend(later.monitors);
        self.mountpoint.merge(later.mountpoint);
        for (namespace, maps) in later.site {
            let here = self.site.entry(namespace).or_default();
            for (name, (at, settings)) in maps {
                here.entry(name)
                    .or_insert_with(|| (at, BTreeMap::new()))
                    .1
                    .extend(settings);
            }
        }
    }

    /// Records what the cross-object checks need from an object.
    pub fn add(&mut self, obj: &Obj<'_>, at: Location) {
        self.mountpoint.add(obj, &at);
        let namespace = obj.namespace.to_owned();
        match obj.kind {
            "Service" => {
                let ports = obj
                    .value
                    .pointer("/spec/ports")
                    .and_then(Value::as_array)
                    .into_iter()
                    .flatten()
                    .map(|p| {
                        let port = p.get("port").and_then(Value::as_i64).unwrap_or(0);
                        let target = match p.get("targetPort") {
                            Some(Value::String(t)) => t.clone(),
                            Some(Value::Number(n)) => n.to_string(),
                            _ => port.to_string(),
                        };
                        (s(p.get("name")), port, target)
                    })
                    .collect();
                self.services.push(ServiceSummary {
                    at,
                    namespace,
                    name: obj.name.to_owned(),
                    selector: Selector::map(obj.value.pointer("/spec/selector")),
                    labels: obj.labels(),
                    ports,
                });
            }
            "PodDisruptionBudget" => self.pdbs.push(Selecting {
                at,
                namespace,
                selector: Selector::label_selector(obj.value.pointer("/spec/selector")),
            }),
            "NetworkPolicy" => self.policies.push(Selecting {
                at,
                namespace,
                selector: Selector::label_selector(obj.value.pointer("/spec/podSelector")),
            }),
            "ServiceMonitor" => {
                let ns_sel = obj.value.pointer("/spec/namespaceSelector");
                let namespaces =
                    if ns_sel.and_then(|n| n.get("any")).and_then(Value::as_bool) == Some(true) {
                        None
                    } else {
                        let names: Vec<String> = ns_sel
                            .and_then(|n| n.get("matchNames"))
                            .and_then(Value::as_array)
                            .into_iter()
                            .flatten()
                            .filter_map(Value::as_str)
                            .map(str::to_owned)
                            .collect();
                        Some(if names.is_empty() {
                            vec![namespace.clone()]
                        } else {
                            names
                        })
                    };
                let ports = obj
                    .value
                    .pointer("/spec/endpoints")
                    .and_then(Value::as_array)
                    .into_iter()
                    .flatten()
                    .enumerate()
                    .filter_map(|(i, e)| {
                        e.get("port")
                            .and_then(Value::as_str)
                            .map(|p| (i, p.to_owned()))
                    })
                    .collect();
                self.monitors.push(Monitor {
                    at,
                    selector: Selector::label_selector(obj.value.pointer("/spec/selector")),
                    namespaces,
                    ports,
                });
            }
            "ConfigMap" => {
                let site = ozone::ozone_site(&string_map(obj.value.get("data")));
                if !site.is_empty() {
                    let entry = self
                        .site
                        .entry(namespace)
                        .or_default()
                        .entry(obj.name.to_owned())
                        .or_insert_with(|| (at, BTreeMap::new()));
                    entry.1.extend(site);
                }
            }
            _ => {
                let Some((spec, _)) = obj.pod_spec() else {
                    return;
                };
                let mut ports = Vec::new();
                let mut env = BTreeMap::new();
                let mut config_maps = Vec::new();
                for (field, _, c) in containers(spec) {
                    config_maps.extend(
                        c.get("envFrom")
                            .and_then(Value::as_array)
                            .into_iter()
                            .flatten()
                            .filter_map(|e| e.pointer("/configMapRef/name").and_then(Value::as_str))
                            .map(str::to_owned),
                    );
                    if field != "containers" {
                        continue;
                    }
                    for p in c
                        .get("ports")
                        .and_then(Value::as_array)
                        .into_iter()
                        .flatten()
                    {
                        ports.push((
                            s(p.get("name")),
                            p.get("containerPort").and_then(Value::as_i64).unwrap_or(0),
                        ));
                    }
                    for e in c.get("env").and_then(Value::as_array).into_iter().flatten() {
                        if let Some(v) = e.get("value").and_then(Value::as_str) {
                            env.insert(s(e.get("name")), v.to_owned());
                        }
                    }
                }
                self.workloads.push(Workload {
                    at,
                    namespace,
                    kind: obj.kind.to_owned(),
                    name: obj.name.to_owned(),
                    labels: obj.pod_labels(),
                    replicas: obj.replicas(),
                    ports,
                    service_name: obj
                        .value
                        .pointer("/spec/serviceName")
                        .and_then(Value::as_str)
                        .map(str::to_owned),
                    component: obj.ozone_component(),
                    env_site: ozone::ozone_site(&env),
                    config_maps,
                    volumes: (obj.ozone_component() == Some(Component::Datanode))
                        .then(|| super::volumes::Mounts::of(obj.value, spec)),
                });
            }
        }
    }

    fn selected<'a>(
        &'a self,
        namespace: &'a str,
        selector: &'a Selector,
    ) -> impl Iterator<Item = &'a Workload> + 'a {
        self.workload_labels
            .candidates(namespace, selector)
            .iter()
            .map(|&i| &self.workloads[i])
            .filter(move |w| selector.matches(&w.labels))
    }

    /// Runs the cross-object checks, after indexing workloads and Services by label so that
    /// selector matching does not grow with the square of the input.
    pub fn check(&mut self, out: &mut Vec<(Location, Draft)>) {
        self.workload_labels = LabelIndex::new(
            self.workloads
                .iter()
                .map(|w| (w.namespace.as_str(), &w.labels)),
        );
        self.service_labels = LabelIndex::new(
            self.services
                .iter()
                .map(|s| (s.namespace.as_str(), &s.labels)),
        );
        self.loaded_config_maps = self
            .workloads
            .iter()
            .flat_map(|w| {
                w.config_maps
                    .iter()
                    .map(|c| (w.namespace.clone(), c.clone()))
            })
            .collect();
        self.run(out);
        self.mountpoint.check(out);
    }

    /// For each workload, whether one of `selecting` selects its pods.
    fn covered(&self, selecting: &[Selecting], skip_absent: bool) -> Vec<bool> {
        let mut covered = vec![false; self.workloads.len()];
        for item in selecting {
            if skip_absent && item.selector.absent {
                continue;
            }
            for &i in self
                .workload_labels
                .candidates(&item.namespace, &item.selector)
            {
                if !covered[i] && item.selector.matches(&self.workloads[i].labels) {
                    covered[i] = true;
                }
            }
        }
        covered
    }

    fn run(&self, out: &mut Vec<(Location, Draft)>) {
        let mut emit = |at: &Location, check: &'static str, message: String| {
            out.push((at.clone(), Draft::new(check, "", message)));
        };
        for svc in &self.services {
            if svc.selector.absent {
                continue;
            }
            let pods: Vec<&Workload> = self.selected(&svc.namespace, &svc.selector).collect();
            if pods.is_empty() {
                emit(
                    &svc.at,
                    "dangling-service",
                    format!("Service {} selects no pod in the input", svc.name),
                );
                continue;
            }
            for (name, port, target) in &svc.ports {
                let found = pods.iter().all(|w| {
                    w.ports.iter().any(|(n, number)| {
                        if target.parse::<i64>().is_ok() {
                            number.to_string() == *target
                        } else {
                            n == target
                        }
                    })
                });
                if !found {
                    let label = if name.is_empty() {
                        port.to_string()
                    } else {
                        name.clone()
                    };
                    emit(
                        &svc.at,
                        "service-target-port",
                        format!(
                            "port {label} targets {target}, which is not a container port of every selected workload"
                        ),
                    );
                }
            }
        }
        for pdb in &self.pdbs {
            if self
                .selected(&pdb.namespace, &pdb.selector)
                .next()
                .is_none()
            {
                emit(
                    &pdb.at,
                    "dangling-poddisruptionbudget",
                    "the PodDisruptionBudget selects no pod in the input".into(),
                );
            }
        }
        let has_pdb = self.covered(&self.pdbs, true);
        let isolated = self.covered(&self.policies, false);
        let with_policies: BTreeSet<&str> =
            self.policies.iter().map(|p| p.namespace.as_str()).collect();
        for (i, w) in self.workloads.iter().enumerate() {
            if matches!(w.kind.as_str(), "StatefulSet" | "Deployment")
                && w.replicas.is_some_and(|r| r > 1)
                && !has_pdb[i]
            {
                emit(
                    &w.at,
                    "no-pod-disruption-budget",
                    format!(
                        "{} replicas and no PodDisruptionBudget selects them",
                        w.replicas.unwrap_or(0)
                    ),
                );
            }
            if with_policies.contains(w.namespace.as_str()) && !isolated[i] {
                emit(
                    &w.at,
                    "non-isolated-pod",
                    format!(
                        "namespace {:?} has NetworkPolicies but none selects the pods of {}",
                        w.namespace, w.name
                    ),
                );
            }
        }
        for m in &self.monitors {
            let namespaces: Vec<&str> = match &m.namespaces {
                Some(listed) => listed.iter().map(String::as_str).collect(),
                None => self.service_labels.namespaces().collect(),
            };
            let services: Vec<&ServiceSummary> = namespaces
                .into_iter()
                .flat_map(|ns| self.service_labels.candidates(ns, &m.selector))
                .map(|&i| &self.services[i])
                .filter(|s| m.selector.matches(&s.labels))
                .collect();
            if services.is_empty() || m.selector.absent {
                emit(
                    &m.at,
                    "dangling-servicemonitor",
                    "the ServiceMonitor selects no Service in the input".into(),
                );
                continue;
            }
            for (i, port) in &m.ports {
                if !services
                    .iter()
                    .any(|s| s.ports.iter().any(|(n, _, _)| n == port))
                {
                    emit(
                        &m.at,
                        "servicemonitor-missing-port",
                        format!(
                            "endpoints[{i}] scrapes port {port:?}, which no selected Service has"
                        ),
                    );
                    continue;
                }
                self.s3g_metrics(m, *i, port, &services, &mut emit);
            }
        }
        self.ozone(&mut emit);
    }

    fn s3g_metrics(
        &self,
        m: &Monitor,
        i: usize,
        port: &str,
        services: &[&ServiceSummary],
        emit: &mut impl FnMut(&Location, &'static str, String),
    ) {
        let Some(metrics) = Component::S3g.service().metrics() else {
            return;
        };
        for svc in services {
            let s3g = self
                .selected(&svc.namespace, &svc.selector)
                .any(|w| w.component == Some(Component::S3g));
            let Some((_, number, target)) = svc.ports.iter().find(|(n, _, _)| n == port) else {
                continue;
            };
            if s3g
                && target != metrics.name
                && *target != metrics.number.to_string()
                && *number != i64::from(metrics.number)
            {
                emit(
                    &m.at,
                    "ozone-s3g-metrics-port",
                    format!(
                        "endpoints[{i}] scrapes the S3 Gateway on port {port} ({target}); /prom is on its {} port {}",
                        metrics.name, metrics.number
                    ),
                );
            }
        }
    }

    fn ozone(&self, emit: &mut impl FnMut(&Location, &'static str, String)) {
        for w in &self.workloads {
            let Some(component) = w.component else {
                continue;
            };
            let mut site = BTreeMap::new();
            for (_, settings) in self.configs_of(w) {
                site.extend(settings.1.clone());
            }
            site.extend(w.env_site.clone());
            if let Some(mounts) = &w.volumes {
                for problem in super::volumes::problems(&site, mounts) {
                    emit(&w.at, "ozone-datanode-volumes", problem);
                }
            }
            for port in component.service().ports {
                let want = ozone::listening_port(&site, port);
                if let Some((_, number)) = w.ports.iter().find(|(n, _)| n == port.name)
                    && *number != i64::from(want)
                {
                    emit(
                        &w.at,
                        "ozone-config-ports",
                        format!(
                            "container port {} is {number}, but {} makes {} listen on {want}",
                            port.name,
                            port.key.name,
                            component.title()
                        ),
                    );
                }
            }
        }
        let mut members_of: BTreeMap<(&str, &str), Vec<&Workload>> = BTreeMap::new();
        for w in &self.workloads {
            for (name, _) in self.configs_of(w) {
                members_of
                    .entry((w.namespace.as_str(), name.as_str()))
                    .or_default()
                    .push(w);
            }
        }
        for (ns, configs) in &self.site {
            for (name, (at, site)) in configs {
                let members = members_of
                    .get(&(ns.as_str(), name.as_str()))
                    .map_or(&[][..], Vec::as_slice);
                let datanodes: Vec<&&Workload> = members
                    .iter()
                    .filter(|w| w.component == Some(Component::Datanode))
                    .collect();
                if let Some(first) = datanodes.first() {
                    let factor = ozone::replication_factor(site);
                    let count: i64 = datanodes.iter().map(|w| w.replicas.unwrap_or(1)).sum();
                    if count < i64::from(factor) {
                        emit(
                            &first.at,
                            "ozone-datanode-count",
                            format!(
                                "{count} datanode(s) but replication factor {factor}: writes cannot be fully replicated"
                            ),
                        );
                    }
                }
                for (component, prefix) in
                    [(Component::Om, "ozone.om"), (Component::Scm, "ozone.scm")]
                {
                    self.ha_addresses(ns, at, site, members, component, prefix, emit);
                }
            }
        }
    }

    /// The ConfigMaps with Ozone settings a workload runs with: those it loads with `envFrom`;
    /// for a workload loading none of them (configuration mounted as files, say), every one
    /// of its namespace that no workload loads.
    fn configs_of<'a>(
        &'a self,
        w: &'a Workload,
    ) -> impl Iterator<Item = (&'a String, &'a SiteConfig)> + 'a {
        let configs = self.site.get(&w.namespace);
        let loads_one = configs.is_some_and(|c| w.config_maps.iter().any(|n| c.contains_key(n)));
        configs.into_iter().flatten().filter(move |(name, _)| {
            if loads_one {
                w.config_maps.contains(name)
            } else {
                !self
                    .loaded_config_maps
                    .contains(&(w.namespace.clone(), (*name).clone()))
            }
        })
    }

    #[allow(clippy::too_many_arguments)] // One call site; a struct would only rename them.
    fn ha_addresses(
        &self,
        ns: &str,
        at: &Location,
        site: &BTreeMap<String, String>,
        members: &[&Workload],
        component: Component,
        prefix: &str,
        emit: &mut impl FnMut(&Location, &'static str, String),
    ) {
        let Some(ids) = site.get(&format!("{prefix}.service.ids")) else {
            return;
        };
        let Some(sts) = members
            .iter()
            .find(|w| w.component == Some(component) && w.kind == "StatefulSet")
        else {
            return;
        };
        let replicas = sts.replicas.unwrap_or(1);
        let headless = sts.service_name.clone().unwrap_or_default();
        let pods: Vec<String> = (0..replicas).map(|i| format!("{}-{i}", sts.name)).collect();
        for id in ids.split(',').map(str::trim).filter(|s| !s.is_empty()) {
            let nodes_key = format!("{prefix}.nodes.{id}");
            let nodes: Vec<&str> = site
                .get(&nodes_key)
                .map(|v| {
                    v.split(',')
                        .map(str::trim)
                        .filter(|s| !s.is_empty())
                        .collect()
                })
                .unwrap_or_default();
            if nodes.len() as i64 != replicas {
                emit(
                    at,
                    "ozone-ha-addresses",
                    format!(
                        "{nodes_key} lists {} node(s) but StatefulSet {} runs {replicas}",
                        nodes.len(),
                        sts.name
                    ),
                );
            }
            for node in nodes {
                let key = format!("{prefix}.address.{id}.{node}");
                let Some(address) = site.get(&key) else {
                    emit(at, "ozone-ha-addresses", format!("{key} is not set"));
                    continue;
                };
                let host = address
                    .rsplit_once(':')
                    .map_or(address.as_str(), |(h, _)| h);
                let mut parts = host.splitn(4, '.');
                let (pod, svc, namespace, rest) = (
                    parts.next().unwrap_or(""),
                    parts.next().unwrap_or(""),
                    parts.next(),
                    parts.next(),
                );
                let ok = pods.iter().any(|p| p == pod)
                    && svc == headless
                    && namespace.is_none_or(|n| n == ns || ns.is_empty())
                    && rest.is_none_or(|r| r == "svc" || r.starts_with("svc."));
                if !ok {
                    emit(
                        at,
                        "ozone-ha-addresses",
                        format!(
                            "{key} is {address}; expected <pod>.{headless}.{ns}.svc… for a pod of StatefulSet {} (namespace {ns:?}, headless Service {headless:?})",
                            sts.name
                        ),
                    );
                }
            }
        }
    }
}
