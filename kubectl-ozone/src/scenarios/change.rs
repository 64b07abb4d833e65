//! Scenarios of `diff`, `apply` and `restart` against the fakes of [`crate::testing`]: a
//! cluster deployed from a render (every object stored, pods on their StatefulSet's revision,
//! Ozone's rings and datanodes matching), then a changed spec. They assert what the user sees,
//! the order of writes and Ozone commands in the journal, refusals that write nothing, dry
//! runs that write nothing, and that a run cut off at any write finishes when run again.

use crate::cli::{Cli, Command};
use crate::cmd::{apply, diff, restart};
use crate::testing::{FakeApi, FakeCluster, FakeDatanode, FakeOzone, Run, io, revision, store};
use clap::Parser;
use ozone_engine::cluster::objects::kind_info;
use ozone_generator::spec::{Inputs, resolve};
use ozone_storage::Component;
use serde_json::{Value, json};

mod disks;
mod resume;
mod shrink;

pub(crate) async fn run(c: &FakeCluster, args: &[&str]) -> Run {
    let mut argv = vec!["kubectl-ozone"];
    argv.extend_from_slice(args);
    let cli = Cli::try_parse_from(&argv).expect("valid command line");
    let session = c.session();
    let (mut io, out, err) = io(None);
    let result = match &cli.command {
        Command::Diff(a) => diff::run(&session, &mut io, a).await,
        Command::Apply(a) => apply::run(&session, &mut io, a).await,
        Command::Restart(a) => restart::run(&session, &mut io, a).await,
        other => panic!("not a change command: {other:?}"),
    };
    Run {
        result,
        out: out.text(),
        err: err.text(),
    }
}

/// Asserts that `diff` finds the cluster exactly as `profile` with `sets` renders it: a change
/// (or a resumed one) reached the cluster completely. `context` says which run, for the message.
pub(crate) async fn assert_in_sync(c: &FakeCluster, profile: &str, sets: &[&str], context: &str) {
    let mut argv = vec!["diff", "--profile", profile, "-n", "ozone"];
    for set in sets {
        argv.extend(["--set", set]);
    }
    let d = run(c, &argv).await;
    assert_eq!(d.code(), 0, "{context}: {}", d.all());
}

/// A cluster of `profile` with `sets` as if rendered and applied with
/// `kubectl apply --server-side --field-manager=kubectl-ozone`, its pods running.
pub(crate) fn deployed(profile: &str, sets: &[&str]) -> FakeCluster {
    deployed_by(ozone_generator::names::MANAGER, profile, sets)
}

/// A cluster as if rendered and server-side applied by field manager `manager` (`kubectl`
/// for the plain `render | kubectl apply --server-side`): every object owned by it in
/// `managedFields`, with the server's defaults, its pods running.
pub(crate) fn deployed_by(manager: &str, profile: &str, sets: &[&str]) -> FakeCluster {
    let mut all = vec!["metadata.namespace=ozone".to_owned()];
    all.extend(sets.iter().map(|s| (*s).to_owned()));
    let cluster = resolve(&Inputs {
        profile: Some(profile.into()),
        spec_file: None,
        sets: all,
    })
    .expect("spec resolves");
    let manifest = ozone_generator::objects::render(&cluster).expect("renders");
    let fake = FakeCluster {
        api: FakeApi::default(),
        ozone: FakeOzone::default(),
    };
    let names = cluster.names();
    {
        let mut st = fake.api.state.lock().unwrap();
        for o in manifest.objects() {
            let info = kind_info(&o.kind).expect("known kind");
            let mut v = ozone_engine::testing::ssa::apply(None, &o.value, manager, false)
                .ok()
                .expect("a new object has no conflicts");
            v["metadata"]["uid"] = json!(format!("{}-uid", o.name));
            v["metadata"]["generation"] = json!(1);
            let replicas = v["spec"]["replicas"].as_i64().unwrap_or(1);
            if o.kind == "StatefulSet" {
                let rev = revision(&o.name, &v["spec"]["template"]);
                v["status"] = json!({"replicas": replicas, "readyReplicas": replicas,
                    "updatedReplicas": replicas, "currentRevision": rev, "updateRevision": rev,
                    "observedGeneration": 1});
                let mut labels = v["spec"]["template"]["metadata"]["labels"].clone();
                labels["controller-revision-hash"] = json!(rev);
                let claim = &v["spec"]["volumeClaimTemplates"][0]["spec"];
                for i in 0..replicas {
                    let pod = format!("{}-{i}", o.name);
                    store(
                        &mut st,
                        "pods",
                        json!({"metadata": {"name": pod, "namespace": "ozone", "uid": format!("{pod}-uid"), "labels": labels},
                            "spec": {"nodeName": format!("node-{i}"), "containers": [{"name": "ozone"}]},
                            "status": {"phase": "Running", "conditions": [{"type": "Ready", "status": "True"}]}}),
                    );
                    store(
                        &mut st,
                        "persistentvolumeclaims",
                        json!({"metadata": {"name": format!("data-{pod}"), "namespace": "ozone", "labels": labels},
                            "spec": {"accessModes": ["ReadWriteOnce"], "storageClassName": claim["storageClassName"],
                                     "resources": claim["resources"]},
                            "status": {"phase": "Bound"}}),
                    );
                }
            }
            if o.kind == "Deployment" {
                v["status"] = json!({"observedGeneration": 1, "replicas": replicas,
                    "updatedReplicas": replicas, "readyReplicas": replicas});
            }
            store(&mut st, info.plural, v);
        }
    }
    let mut oz = fake.ozone.state.lock().unwrap();
    let hosts = |c: Component| -> Vec<String> {
        (0..cluster.replicas(c))
            .map(|i| names.pod_host(c, i))
            .collect()
    };
    oz.scm_hosts = hosts(Component::Scm);
    oz.om_hosts = hosts(Component::Om);
    oz.datanodes = hosts(Component::Datanode)
        .into_iter()
        .enumerate()
        .map(|(i, host)| datanode(i, host))
        .collect();
    oz.scm_leader = Some(0);
    oz.om_leader = Some(0);
    oz.initial_work = 100;
    oz.work_per_poll = 40;
    oz.journal = fake.api.state.lock().unwrap().journal.clone();
    drop(oz);
    fake
}

fn datanode(i: usize, host: String) -> FakeDatanode {
    FakeDatanode {
        uuid: format!("uuid-{i}"),
        host,
        op: "IN_SERVICE".into(),
        health: "HEALTHY".into(),
        work_left: 0,
    }
}

const OM_HANDLERS: &str = "config.ozone-site\\.xml.ozone\\.om\\.handler\\.count=40";
/// A key no reader rule attributes (`storage/src/readers.rs`): every component restarts.
const SHARED_KEY: &str = "config.ozone-site\\.xml.ozone\\.client\\.socket\\.timeout=9s";

pub(crate) fn index(journal: &[String], entry: &str) -> usize {
    journal
        .iter()
        .position(|e| e == entry)
        .unwrap_or_else(|| panic!("{entry} not in {journal:#?}"))
}

#[tokio::test(start_paused = true)]
async fn diff_of_an_unchanged_cluster_is_empty_and_writes_nothing() {
    let c = deployed("medium", &[]);
    let r = run(&c, &["diff", "--profile", "medium", "-n", "ozone"]).await;
    assert_eq!(r.code(), 0, "{}", r.all());
    assert!(r.out.contains("No differences"), "{}", r.out);
    assert!(c.journal().is_empty(), "{:?}", c.journal());
    // Every existing object was compared through a server-side apply dry run.
    let dry_runs = c
        .api
        .requests()
        .iter()
        .filter(|q| q.uri.contains("dryRun=All") && q.uri.contains("fieldManager=kubectl-ozone"))
        .count();
    assert!(dry_runs > 20, "{dry_runs}");
}

#[tokio::test(start_paused = true)]
async fn diff_shows_transitions_then_a_diff_per_object() {
    let c = deployed("medium", &[]);
    let r = run(
        &c,
        &[
            "diff",
            "--profile",
            "medium",
            "-n",
            "ozone",
            "--set",
            "datanodes.replicas=7",
            "--set",
            OM_HANDLERS,
            "--set",
            "version=2.1.1",
        ],
    )
    .await;
    assert_eq!(r.code(), 1, "{}", r.all());
    let transitions = r.out.split("Objects").next().unwrap_or_default();
    for expected in [
        "Transitions:\n",
        "datanodes 5 → 7: apply: scale ozone-datanode to 7, then wait until the new datanodes are IN_SERVICE",
        "version apache/ozone:2.2.1 → apache/ozone:2.1.1: REFUSED",
        "kubectl ozone upgrade --to 2.1.1",
    ] {
        assert!(
            transitions.contains(expected),
            "{expected:?} missing in\n{}",
            r.out
        );
    }
    for expected in [
        "--- live/ConfigMap/ozone-config\n+++ desired/ConfigMap/ozone-config\n",
        "+  OZONE-SITE.XML_ozone.om.handler.count: '40'",
        "-  replicas: 5\n+  replicas: 7\n",
    ] {
        assert!(
            r.out.contains(expected),
            "{expected:?} missing in\n{}",
            r.out
        );
    }
    assert!(
        !r.out.contains("uid:") && !r.out.contains("managedFields"),
        "{}",
        r.out
    );
    assert!(c.journal().is_empty());

    let r = run(
        &c,
        &[
            "diff",
            "--profile",
            "medium",
            "-n",
            "ozone",
            "--set",
            OM_HANDLERS,
            "-o",
            "json",
        ],
    )
    .await;
    assert_eq!(r.code(), 1, "{}", r.all());
    let report: Value = serde_json::from_str(&r.out).unwrap();
    let kinds: Vec<(&str, &str)> = report["transitions"]
        .as_array()
        .unwrap()
        .iter()
        .map(|t| {
            (
                t["kind"].as_str().unwrap(),
                t["component"].as_str().unwrap(),
            )
        })
        .collect();
    // An OM server key: only OM's pods carry its hash.
    assert_eq!(kinds, vec![("config", "om")], "{kinds:?}");
    assert!(
        report["objects"]
            .as_array()
            .unwrap()
            .iter()
            .any(|o| o["kind"] == "ConfigMap" && o["action"] == "update")
    );
}

#[tokio::test(start_paused = true)]
async fn diff_lists_objects_to_create_and_prune_and_never_secrets_or_pvcs() {
    let c = deployed("medium", &[]);
    {
        // `cert issue` made this Secret with the cluster's labels: it is never pruned.
        let mut st = c.api.state.lock().unwrap();
        store(
            &mut st,
            "secrets",
            json!({"metadata": {"name": "ozone-ca", "namespace": "ozone",
                "labels": {"app.kubernetes.io/name": "ozone", "app.kubernetes.io/instance": "ozone",
                           "app.kubernetes.io/managed-by": "kubectl-ozone"}},
                "data": {"tls.key": "c2VjcmV0"}}),
        );
    }
    let r = run(
        &c,
        &[
            "diff",
            "--profile",
            "medium",
            "-n",
            "ozone",
            "--set",
            "recon.enabled=false",
            "--set",
            "httpfs.enabled=true",
        ],
    )
    .await;
    assert_eq!(r.code(), 1, "{}", r.all());
    assert!(r.out.contains("recon switched off: apply"), "{}", r.out);
    assert!(r.out.contains("httpfs switched on: apply"), "{}", r.out);
    let create = r
        .out
        .lines()
        .find(|l| l.starts_with("Objects to create:"))
        .unwrap_or_default();
    assert!(create.contains("Deployment/ozone-httpfs"), "{create}");
    let prune = r
        .out
        .lines()
        .find(|l| l.starts_with("Objects to prune:"))
        .unwrap_or_default();
    assert!(prune.contains("StatefulSet/ozone-recon"), "{prune}");
    assert!(
        !prune.contains("Secret") && !prune.contains("PersistentVolumeClaim"),
        "{prune}"
    );
    assert!(!r.out.contains("c2VjcmV0"));
}

#[tokio::test(start_paused = true)]
async fn apply_dry_run_prints_the_plan_and_writes_nothing() {
    let c = deployed("medium", &[]);
    c.refuse_writes();
    let r = run(
        &c,
        &[
            "apply",
            "--profile",
            "medium",
            "-n",
            "ozone",
            "--set",
            OM_HANDLERS,
            "--set",
            "datanodes.replicas=4",
            "--dry-run",
        ],
    )
    .await;
    assert_eq!(r.code(), 0, "{}", r.all());
    for expected in [
        "Dry run: apply in Ozone cluster ozone (namespace ozone):",
        "server-side apply ConfigMap ozone-config (update)",
        "run in a scm pod: ozone admin datanode decommission",
        "scale statefulset ozone-datanode from 5 to 4 replicas",
        "restart pod ozone-om-1",
        "run in a om pod: ozone admin om transfer",
    ] {
        assert!(
            r.out.contains(expected),
            "{expected:?} missing in\n{}",
            r.out
        );
    }
    // The leaving datanode is decommissioned, not restarted.
    assert!(!r.out.contains("restart pod ozone-datanode-4"), "{}", r.out);
    assert!(c.journal().is_empty(), "{:?}", c.journal());
    assert!(c.api.writes().is_empty(), "{:?}", c.api.writes());
}

#[tokio::test(start_paused = true)]
async fn a_config_change_is_applied_then_rolled_in_quorum_safe_order() {
    let c = deployed("medium", &[]);
    let r = run(
        &c,
        &[
            "apply",
            "--profile",
            "medium",
            "-n",
            "ozone",
            "--set",
            SHARED_KEY,
            "--yes",
            "--wait",
        ],
    )
    .await;
    assert_eq!(r.code(), 0, "{}", r.all());
    let j = c.journal();
    let cm = index(&j, "PATCH configmaps/ozone-config");
    let om_sts = index(&j, "PATCH statefulsets/ozone-om");
    index(&j, "PATCH statefulsets/ozone-scm");
    index(&j, "PATCH statefulsets/ozone-datanode");
    assert!(cm < om_sts, "{j:#?}");
    // SCM, then OM: followers first, leadership moved before the leader restarts.
    let scm1 = index(&j, "DELETE pods/ozone-scm-1");
    let om1 = index(&j, "DELETE pods/ozone-om-1");
    let om2 = index(&j, "DELETE pods/ozone-om-2");
    let transfer = j
        .iter()
        .position(|e| e.starts_with("exec ozone admin om transfer"))
        .expect("om transfer");
    let om0 = index(&j, "DELETE pods/ozone-om-0");
    assert!(
        om_sts < scm1 && scm1 < om1 && om1 < om2 && om2 < transfer && transfer < om0,
        "{j:#?}"
    );
    // Datanodes one at a time, after the rings.
    let dns: Vec<usize> = (0..5)
        .map(|i| index(&j, &format!("DELETE pods/ozone-datanode-{i}")))
        .collect();
    assert!(
        dns.windows(2).all(|w| w[0] < w[1]) && om0 < dns[0],
        "{j:#?}"
    );
    // Every pod now runs the new revision, so a second apply has nothing to do.
    let again = run(
        &c,
        &[
            "apply",
            "--profile",
            "medium",
            "-n",
            "ozone",
            "--set",
            SHARED_KEY,
            "--yes",
        ],
    )
    .await;
    assert_eq!(again.code(), 0, "{}", again.all());
    assert_eq!(c.journal().len(), j.len(), "{:#?}", c.journal());
    assert_in_sync(&c, "medium", &[SHARED_KEY], "").await;
}

#[tokio::test(start_paused = true)]
async fn a_key_restarts_only_the_components_that_read_it() {
    for (key, only) in [
        (OM_HANDLERS, "ozone-om-"),
        (
            "config.ozone-site\\.xml.hdds\\.datanode\\.handler\\.count=20",
            "ozone-datanode-",
        ),
    ] {
        let c = deployed("medium", &[]);
        let r = run(
            &c,
            &[
                "apply",
                "--profile",
                "medium",
                "-n",
                "ozone",
                "--set",
                key,
                "--yes",
            ],
        )
        .await;
        assert_eq!(r.code(), 0, "{}", r.all());
        let j = c.journal();
        let restarted: Vec<&String> = j.iter().filter(|e| e.starts_with("DELETE pods/")).collect();
        assert!(!restarted.is_empty(), "{key}: {j:#?}");
        assert!(
            restarted
                .iter()
                .all(|e| e.starts_with(&format!("DELETE pods/{only}"))),
            "{key}: {j:#?}"
        );
        assert_in_sync(&c, "medium", &[key], key).await;
    }
}

#[tokio::test(start_paused = true)]
async fn datanodes_down_go_through_decommission_and_keep_their_pvcs() {
    let c = deployed("medium", &[]);
    let r = run(
        &c,
        &[
            "apply",
            "--profile",
            "medium",
            "-n",
            "ozone",
            "--set",
            "datanodes.replicas=3",
            "--yes",
        ],
    )
    .await;
    assert_eq!(r.code(), 0, "{}", r.all());
    let j = c.journal();
    let decommission = j
        .iter()
        .position(|e| {
            e.starts_with("exec ozone admin datanode decommission")
                && e.contains("ozone-datanode-3.")
                && e.contains("ozone-datanode-4.")
        })
        .unwrap_or_else(|| panic!("{j:#?}"));
    let scale = index(&j, "PATCH statefulsets/ozone-datanode/scale");
    assert!(decommission < scale, "{j:#?}");
    assert!(!j.iter().any(|e| e.contains("DELETE")), "{j:#?}");
    assert_eq!(c.ozone.op_state("ozone-datanode-4"), "DECOMMISSIONED");
}

#[tokio::test(start_paused = true)]
async fn datanodes_up_scale_then_wait_until_in_service() {
    let c = deployed("medium", &[]);
    {
        // The new datanodes register with SCM once started.
        let mut oz = c.ozone.state.lock().unwrap();
        for i in 5..7 {
            let host =
                format!("ozone-datanode-{i}.ozone-datanode-headless.ozone.svc.cluster.local");
            oz.datanodes.push(datanode(i, host));
        }
    }
    let r = run(
        &c,
        &[
            "apply",
            "--profile",
            "medium",
            "-n",
            "ozone",
            "--set",
            "datanodes.replicas=7",
            "--yes",
        ],
    )
    .await;
    assert_eq!(r.code(), 0, "{}", r.all());
    assert_eq!(
        c.journal(),
        vec!["PATCH statefulsets/ozone-datanode/scale".to_owned()]
    );
    assert!(r.err.contains("now IN_SERVICE"), "{}", r.err);
    assert!(c.api.pod("ozone-datanode-6").is_some());
}

#[tokio::test(start_paused = true)]
async fn refused_transitions_write_nothing_and_say_what_to_do() {
    for (set, expected) in [
        ("version=2.1.1", "kubectl ozone upgrade --to 2.1.1"),
        ("security.tls.mode=managed", "kubectl ozone cert"),
        (
            "datanodes.storage.size=100Gi",
            "Kubernetes cannot shrink a volume",
        ),
        ("scm.replicas=1", "ozone admin scm decommission"),
    ] {
        let c = deployed("medium", &[]);
        let r = run(
            &c,
            &[
                "apply",
                "--profile",
                "medium",
                "-n",
                "ozone",
                "--set",
                set,
                "--yes",
            ],
        )
        .await;
        assert_eq!(r.code(), 1, "{set}: {}", r.all());
        assert!(
            r.error().contains("refused, nothing was changed"),
            "{set}: {}",
            r.error()
        );
        assert!(r.error().contains(expected), "{set}: {}", r.error());
        assert!(c.journal().is_empty(), "{set}: {:?}", c.journal());
    }
}

/// Server-side applies `partial` (`apiVersion`, `kind`, name and the fields it sets) to the
/// stored object as field manager `manager`, as `kubectl apply --server-side
/// --field-manager=<manager>` would.
pub(crate) fn apply_as(c: &FakeCluster, manager: &str, resource: &str, partial: Value) {
    let mut st = c.api.state.lock().unwrap();
    let existing = crate::testing::stored(&st, resource)
        .into_iter()
        .find(|o| o["metadata"]["name"] == partial["metadata"]["name"]);
    let object = ozone_engine::testing::ssa::apply(existing.as_ref(), &partial, manager, true)
        .ok()
        .expect("forced");
    store(&mut st, resource, object);
}

const OM_HANDLERS_KEY: &str = "OZONE-SITE.XML_ozone.om.handler.count";

fn handlers_set_by(c: &FakeCluster, manager: &str) {
    apply_as(
        c,
        manager,
        "configmaps",
        json!({"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "ozone-config"},
            "data": {OM_HANDLERS_KEY: "30"}}),
    );
}

#[tokio::test(start_paused = true)]
async fn a_conflict_with_a_gitops_controller_is_refused_naming_it_and_taken_with_force_conflicts() {
    let c = deployed("medium", &[]);
    handlers_set_by(&c, "argocd-controller");
    let args = [
        "apply",
        "--profile",
        "medium",
        "-n",
        "ozone",
        "--set",
        OM_HANDLERS,
        "--yes",
    ];
    let r = run(&c, &args).await;
    assert_eq!(r.code(), 1, "{}", r.all());
    for expected in [
        "refused, nothing was changed",
        "ConfigMap ozone-config: fields owned by field manager argocd-controller: .data.OZONE-SITE.XML_ozone.om.handler.count",
        "GitOps controller",
        "--force-conflicts",
    ] {
        assert!(r.error().contains(expected), "{expected}: {}", r.error());
    }
    assert!(c.journal().is_empty());
    let d = run(
        &c,
        &[
            "diff",
            "--profile",
            "medium",
            "-n",
            "ozone",
            "--set",
            OM_HANDLERS,
        ],
    )
    .await;
    assert_eq!(d.code(), 1, "{}", d.all());
    assert!(
        d.out.contains(
            "Conflict: ConfigMap ozone-config: fields owned by field manager argocd-controller"
        ),
        "{}",
        d.out
    );
    // The diff shows the change as it would be stored, not the conflict's noise.
    assert!(
        d.out.contains(&format!(
            "-  {OM_HANDLERS_KEY}: '30'\n+  {OM_HANDLERS_KEY}: '40'"
        )),
        "{}",
        d.out
    );
    let mut forced = args.to_vec();
    forced.push("--force-conflicts");
    let r = run(&c, &forced).await;
    assert_eq!(r.code(), 0, "{}", r.all());
    assert!(
        c.journal()
            .contains(&"PATCH configmaps/ozone-config".to_owned())
    );
    assert_in_sync(&c, "medium", &[OM_HANDLERS], "after --force-conflicts").await;
}

#[tokio::test(start_paused = true)]
async fn fields_set_by_kubectl_edit_are_taken_over_with_one_note() {
    let c = deployed("medium", &[]);
    handlers_set_by(&c, "kubectl-edit");
    let r = run(
        &c,
        &[
            "apply",
            "--profile",
            "medium",
            "-n",
            "ozone",
            "--set",
            OM_HANDLERS,
            "--yes",
        ],
    )
    .await;
    assert_eq!(r.code(), 0, "{}", r.all());
    let all = r.all();
    let notes: Vec<&str> = all.lines().filter(|l| l.contains("taking over")).collect();
    assert_eq!(notes.len(), 1, "{}", r.all());
    assert!(
        notes[0].contains("field manager kubectl-edit")
            && notes[0].contains("ConfigMap/ozone-config"),
        "{}",
        notes[0]
    );
    assert_in_sync(&c, "medium", &[OM_HANDLERS], "after the takeover").await;
}

/// The mission's own flow, `render | kubectl apply --server-side` (field manager `kubectl`),
/// then `kubectl ozone diff` and `apply`: the live claim templates (with the server's
/// defaults, an atomic list) are not sent, so nothing conflicts over them; the fields kubectl
/// set that the change moves are taken over; the diff is the change alone.
#[tokio::test(start_paused = true)]
async fn a_cluster_applied_with_kubectl_server_side_is_diffed_and_applied() {
    let c = deployed_by("kubectl", "small", &[]);
    let d = run(&c, &["diff", "--profile", "small", "-n", "ozone"]).await;
    assert_eq!(d.code(), 0, "{}", d.all());
    assert!(d.out.contains("No differences"), "{}", d.out);

    let d = run(
        &c,
        &[
            "diff",
            "--profile",
            "small",
            "-n",
            "ozone",
            "--set",
            OM_HANDLERS,
        ],
    )
    .await;
    assert_eq!(d.code(), 1, "{}", d.all());
    assert!(!d.out.contains("Conflict"), "{}", d.out);
    let changed: Vec<&str> = d
        .out
        .lines()
        .filter(|l| {
            (l.starts_with('+') || l.starts_with('-'))
                && !l.starts_with("+++")
                && !l.starts_with("---")
        })
        .collect();
    // Nothing but changed values: no line removed and added again (key order), no default.
    for l in &changed {
        let other = format!("{}{}", if l.starts_with('+') { '-' } else { '+' }, &l[1..]);
        assert!(
            !changed.contains(&other.as_str()),
            "{l} is noise:\n{}",
            d.out
        );
    }
    assert!(
        changed
            .iter()
            .all(|l| l.contains("handler.count") || l.contains("config-hash")),
        "{}",
        d.out
    );
    assert!(d.out.contains("Note: apply is taking over"), "{}", d.out);
    let d = run(
        &c,
        &[
            "diff",
            "--profile",
            "small",
            "-n",
            "ozone",
            "--set",
            OM_HANDLERS,
            "-o",
            "json",
        ],
    )
    .await;
    let report: Value = serde_json::from_str(&d.out).unwrap();
    assert!(
        report["takeover"]
            .as_str()
            .is_some_and(|t| t.contains("field manager kubectl")),
        "{}",
        d.out
    );

    let r = run(
        &c,
        &[
            "apply",
            "--profile",
            "small",
            "-n",
            "ozone",
            "--set",
            OM_HANDLERS,
            "--yes",
        ],
    )
    .await;
    assert_eq!(r.code(), 0, "{}", r.all());
    assert!(
        r.all().contains("field manager kubectl (kubectl's own)"),
        "{}",
        r.all()
    );
    assert_in_sync(
        &c,
        "small",
        &[OM_HANDLERS],
        "after apply over kubectl's fields",
    )
    .await;
    // Claim templates are still kubectl's alone: never sent, never taken.
    let st = c.api.state.lock().unwrap();
    let sts = crate::testing::stored(&st, "statefulsets");
    for s in &sts {
        let owners = ozone_engine::plan::changes::owners(s, &["spec", "volumeClaimTemplates"]);
        assert_eq!(owners, ["kubectl"], "{}", s["metadata"]["name"]);
    }
}

/// A datanode scale-down pending is a difference: `diff` exits 1 so CI drift checks see it.
#[tokio::test(start_paused = true)]
async fn diff_of_a_pending_datanode_scale_down_exits_1() {
    let c = deployed_by("kubectl", "medium", &["datanodes.replicas=5"]);
    let d = run(
        &c,
        &[
            "diff",
            "--profile",
            "medium",
            "-n",
            "ozone",
            "--set",
            "datanodes.replicas=4",
        ],
    )
    .await;
    assert_eq!(d.code(), 1, "{}", d.all());
    assert!(
        d.out.contains("datanodes 5 → 4: apply: decommission"),
        "{}",
        d.out
    );
    assert!(
        d.out.contains("-  replicas: 5\n+  replicas: 4"),
        "{}",
        d.out
    );
    assert!(c.journal().is_empty(), "{:?}", c.journal());
}

#[tokio::test(start_paused = true)]
async fn an_apply_cut_off_at_any_write_finishes_when_run_again() {
    let args = [
        "apply",
        "--profile",
        "small",
        "-n",
        "ozone",
        "--set",
        SHARED_KEY,
        "--set",
        "datanodes.replicas=4",
        "--yes",
    ];
    let clean = deployed("small", &[]);
    {
        let mut oz = clean.ozone.state.lock().unwrap();
        oz.datanodes.push(datanode(
            3,
            "ozone-datanode-3.ozone-datanode-headless.ozone.svc.cluster.local".into(),
        ));
    }
    let r = run(&clean, &args).await;
    assert_eq!(r.code(), 0, "{}", r.all());
    let writes = clean
        .journal()
        .iter()
        .filter(|e| !e.starts_with("exec"))
        .count();
    assert!(writes >= 6, "{:#?}", clean.journal());
    for at in 0..writes {
        let c = deployed("small", &[]);
        {
            let mut oz = c.ozone.state.lock().unwrap();
            oz.datanodes.push(datanode(
                3,
                "ozone-datanode-3.ozone-datanode-headless.ozone.svc.cluster.local".into(),
            ));
        }
        c.api.state.lock().unwrap().fail_write_at = Some(at);
        let r = run(&c, &args).await;
        assert_eq!(r.code(), 1, "failing write {at}: {}", r.all());
        assert!(
            r.error().contains("running it again finishes it"),
            "{}",
            r.error()
        );
        c.api.state.lock().unwrap().fail_write_at = None;
        let r = run(&c, &args).await;
        assert_eq!(r.code(), 0, "resume after write {at}: {}", r.all());
        let d = run(
            &c,
            &[
                "diff",
                "--profile",
                "small",
                "-n",
                "ozone",
                "--set",
                SHARED_KEY,
                "--set",
                "datanodes.replicas=4",
            ],
        )
        .await;
        assert_eq!(d.code(), 0, "after write {at}: {}", d.all());
        let st = c.api.state.lock().unwrap();
        let stale: Vec<String> = st
            .pods
            .iter()
            .filter(|p| {
                let rev =
                    ozone_engine::cluster::view::label(&p.metadata, "controller-revision-hash");
                let sts = st.statefulsets.iter().find(|s| {
                    p.metadata
                        .name
                        .as_deref()
                        .unwrap_or_default()
                        .starts_with(s.metadata.name.as_deref().unwrap_or_default())
                });
                sts.and_then(|s| s.status.as_ref()?.update_revision.as_deref()) != rev
            })
            .filter_map(|p| p.metadata.name.clone())
            .collect();
        assert!(
            stale.is_empty(),
            "after write {at}: still on the old revision: {stale:?}"
        );
    }
}

#[tokio::test(start_paused = true)]
async fn first_apply_takes_an_empty_namespace_to_ready_pods() {
    let c = FakeCluster {
        api: FakeApi::default(),
        ozone: FakeOzone::default(),
    };
    c.api.state.lock().unwrap().ready_after_lists = 2;
    let r = run(
        &c,
        &[
            "apply",
            "--profile",
            "small",
            "-n",
            "ozone",
            "--yes",
            "--wait",
        ],
    )
    .await;
    assert_eq!(r.code(), 0, "{}", r.all());
    let j = c.journal();
    assert_eq!(j[0], "PATCH /api/v1/namespaces/ozone", "{j:#?}");
    let cm = index(&j, "PATCH configmaps/ozone-config");
    let sts = index(&j, "PATCH statefulsets/ozone-om");
    assert!(cm < sts, "{j:#?}");
    assert!(
        r.err
            .contains("waiting until StatefulSet ozone-datanode is rolled out"),
        "{}",
        r.err
    );
    let st = c.api.state.lock().unwrap();
    assert!(st.pods.iter().all(ozone_engine::cluster::view::is_ready));
    assert_eq!(
        st.pods.len(),
        1 + 1 + 3 + 1,
        "{:?}",
        st.pods
            .iter()
            .map(|p| p.metadata.name.clone())
            .collect::<Vec<_>>()
    );
}

#[tokio::test(start_paused = true)]
async fn a_wait_cut_off_by_timeout_exits_3_with_the_resume_command() {
    let c = FakeCluster {
        api: FakeApi::default(),
        ozone: FakeOzone::default(),
    };
    c.api.state.lock().unwrap().never_ready = vec!["ozone-om-0".into()];
    let r = run(
        &c,
        &[
            "apply",
            "--profile",
            "small",
            "-n",
            "ozone",
            "--yes",
            "--wait",
            "--timeout",
            "5m",
        ],
    )
    .await;
    assert_eq!(r.code(), 3, "{}", r.all());
    assert!(
        r.error()
            .contains("kubectl ozone apply --profile small -n ozone --yes --wait"),
        "{}",
        r.error()
    );
}

#[tokio::test(start_paused = true)]
async fn bad_input_exits_2_and_writes_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let other_ns = dir.path().join("prod.yaml");
    std::fs::write(
        &other_ns,
        "apiVersion: ozone.apache.org/v1alpha1\nkind: OzoneCluster\nmetadata: {name: ozone, namespace: prod}\nspec: {profile: small}\n",
    )
    .unwrap();
    let missing = dir.path().join("missing.yaml");
    let c = deployed("small", &[]);
    {
        // Objects of the same names that another tool made.
        let mut st = c.api.state.lock().unwrap();
        for sts in st
            .statefulsets
            .iter_mut()
            .filter(|s| s.metadata.name.as_deref() == Some("ozone-om"))
        {
            sts.metadata
                .labels
                .get_or_insert_with(Default::default)
                .insert("app.kubernetes.io/managed-by".into(), "Helm".into());
        }
    }
    for (args, expected) in [
        (
            vec!["apply", "-n", "ozone", "--yes"],
            "give the cluster spec with -f FILE".to_owned(),
        ),
        (
            vec!["apply", "-f", missing.to_str().unwrap(), "--yes"],
            format!("cannot read spec file {}", missing.display()),
        ),
        (
            vec!["apply", "-f", other_ns.to_str().unwrap(), "--yes"],
            "the spec is for namespace prod".to_owned(),
        ),
        (
            vec!["apply", "--profile", "small", "-n", "ozone", "--yes"],
            "StatefulSet ozone-om already exists but is not part of Ozone cluster ozone".to_owned(),
        ),
    ] {
        let r = run(&c, &args).await;
        assert_eq!(r.code(), 2, "{args:?}: {}", r.all());
        assert!(r.error().contains(&expected), "{args:?}: {}", r.error());
        let mut as_diff = args.clone();
        as_diff[0] = "diff";
        as_diff.retain(|a| *a != "--yes");
        let d = run(&c, &as_diff).await;
        // diff reports errors itself and exits 2, as `kubectl diff` (1 means differences).
        assert!(
            matches!(&d.result, Ok(code) if *code == std::process::ExitCode::from(2)),
            "{as_diff:?}: {}",
            d.all()
        );
        assert!(d.err.contains(&expected), "{as_diff:?}: {}", d.err);
    }
    assert!(c.journal().is_empty(), "{:?}", c.journal());
    let e = Cli::try_parse_from([
        "kubectl-ozone",
        "apply",
        "--profile",
        "small",
        "--timeout",
        "soon",
    ])
    .unwrap_err();
    assert_eq!(e.exit_code(), 2);
    assert!(e.to_string().contains("--timeout"), "{e}");
}

pub(crate) fn with_revisions(c: &FakeCluster, stale: &[&str]) {
    let mut st = c.api.state.lock().unwrap();
    for sts in st.statefulsets.iter_mut() {
        let name = sts.metadata.name.clone().unwrap_or_default();
        let status = sts.status.get_or_insert_with(Default::default);
        status.update_revision = Some(format!("{name}-new"));
        status.current_revision = Some(format!("{name}-old"));
    }
    for p in st.pods.iter_mut() {
        let name = p.metadata.name.clone().unwrap_or_default();
        let Some((sts, _)) = name.rsplit_once('-') else {
            continue;
        };
        let rev = if stale.contains(&name.as_str()) {
            "old"
        } else {
            "new"
        };
        p.metadata
            .labels
            .get_or_insert_with(Default::default)
            .insert("controller-revision-hash".into(), format!("{sts}-{rev}"));
    }
}

#[tokio::test(start_paused = true)]
async fn restart_finishes_a_gitops_roll_in_quorum_safe_order() {
    let c = FakeCluster::new("ozone", 3, 3, 5);
    with_revisions(&c, &["ozone-om-0", "ozone-om-2", "ozone-datanode-3"]);
    let dry = run(&c, &["restart", "--dry-run"]).await;
    assert_eq!(dry.code(), 0, "{}", dry.all());
    assert!(dry.out.contains("pods on an older revision than their StatefulSet's: ozone-datanode-3, ozone-om-0, ozone-om-2"), "{}", dry.out);
    assert!(c.journal().is_empty());
    let r = run(&c, &["restart", "--yes"]).await;
    assert_eq!(r.code(), 0, "{}", r.all());
    let j = c.journal();
    assert_eq!(j.len(), 4, "{j:#?}");
    assert_eq!(j[0], "DELETE pods/ozone-om-2");
    assert!(
        j[1].starts_with("exec ozone admin om transfer --service-id ozone --new-leader-id om"),
        "{j:#?}"
    );
    assert_eq!(j[2], "DELETE pods/ozone-om-0");
    assert_eq!(j[3], "DELETE pods/ozone-datanode-3");
    // The replacements run the new revision: nothing is left to restart.
    let again = run(&c, &["restart", "--yes"]).await;
    assert_eq!(again.code(), 0, "{}", again.all());
    assert_eq!(c.journal().len(), 4);
    assert!(
        again
            .err
            .contains("every pod runs its StatefulSet's current revision"),
        "{}",
        again.err
    );
}

#[tokio::test(start_paused = true)]
async fn restart_all_of_a_component_or_one_pod() {
    let c = FakeCluster::new("ozone", 3, 3, 5);
    with_revisions(&c, &[]);
    let r = run(&c, &["restart", "scm", "--all", "--yes"]).await;
    assert_eq!(r.code(), 0, "{}", r.all());
    let j = c.journal();
    assert_eq!(
        j.iter()
            .filter(|e| e.starts_with("DELETE pods/ozone-scm-"))
            .count(),
        3,
        "{j:#?}"
    );
    assert_eq!(
        j.iter()
            .rev()
            .find(|e| e.starts_with("DELETE"))
            .map(String::as_str),
        Some("DELETE pods/ozone-scm-0"),
        "{j:#?}"
    );
    // The start of the --all run is recorded on the StatefulSet first, and removed at the end.
    assert_eq!(j[0], "PATCH statefulsets/ozone-scm", "{j:#?}");
    assert_eq!(
        j.last().map(String::as_str),
        Some("PATCH statefulsets/ozone-scm"),
        "{j:#?}"
    );
    let r = run(&c, &["restart", "datanode", "ozone-datanode-2", "--yes"]).await;
    assert_eq!(r.code(), 0, "{}", r.all());
    assert_eq!(
        c.journal().last().map(String::as_str),
        Some("DELETE pods/ozone-datanode-2")
    );
    let r = run(&c, &["restart", "datanode", "ozone-om-2", "--yes"]).await;
    assert_eq!(r.code(), 2, "{}", r.all());
    let r = run(&c, &["restart", "--all"]).await;
    assert_eq!(r.code(), 2, "{}", r.all());
    assert!(r.error().contains("pass --yes"), "{}", r.error());
}

fn storage_class(c: &FakeCluster, name: &str, expands: bool) {
    let mut st = c.api.state.lock().unwrap();
    store(
        &mut st,
        "storageclasses",
        json!({"apiVersion": "storage.k8s.io/v1", "kind": "StorageClass",
            "metadata": {"name": name}, "provisioner": "csi.example.com",
            "allowVolumeExpansion": expands}),
    );
}

#[tokio::test(start_paused = true)]
async fn storage_grows_pvc_by_pvc_then_the_statefulset_is_recreated_around_running_pods() {
    let class = "datanodes.storage.storageClass=fast";
    let c = deployed("medium", &[class]);
    storage_class(&c, "fast", true);
    let uid_before = c.api.pod("ozone-datanode-3").unwrap().metadata.uid;
    let args = [
        "apply",
        "--profile",
        "medium",
        "-n",
        "ozone",
        "--set",
        class,
        "--set",
        "datanodes.storage.size=2Ti",
        "--yes",
    ];
    let dry = run(&c, &[&args[..], &["--dry-run"]].concat()).await;
    assert_eq!(dry.code(), 0, "{}", dry.all());
    assert!(
        dry.out
            .contains("resize persistentvolumeclaim data-ozone-datanode-0 to 2Ti"),
        "{}",
        dry.out
    );
    assert!(dry.out.contains("delete statefulset ozone-datanode leaving its pods running (orphan), then create it as rendered"), "{}", dry.out);
    assert!(c.journal().is_empty());
    let r = run(&c, &args).await;
    assert_eq!(r.code(), 0, "{}", r.all());
    let j = c.journal();
    let resized: Vec<usize> = (0..5)
        .map(|i| {
            index(
                &j,
                &format!("PATCH persistentvolumeclaims/data-ozone-datanode-{i}"),
            )
        })
        .collect();
    let delete = index(&j, "DELETE statefulsets/ozone-datanode");
    let create = j
        .iter()
        .rposition(|e| e == "PATCH statefulsets/ozone-datanode")
        .unwrap();
    assert!(
        resized.iter().all(|r| *r < delete) && delete < create,
        "{j:#?}"
    );
    // The pods kept running through it: orphaned, then adopted.
    assert_eq!(
        c.api.pod("ozone-datanode-3").unwrap().metadata.uid,
        uid_before
    );
    let size = {
        let st = c.api.state.lock().unwrap();
        let pvc = st
            .pvcs
            .iter()
            .find(|p| p.metadata.name.as_deref() == Some("data-ozone-datanode-4"))
            .cloned()
            .unwrap();
        serde_json::to_value(pvc).unwrap()["spec"]["resources"]["requests"]["storage"].clone()
    };
    assert_eq!(size, "2Ti");
    assert_in_sync(&c, "medium", &[class, "datanodes.storage.size=2Ti"], "").await;
}

#[tokio::test(start_paused = true)]
async fn storage_growth_is_refused_when_the_class_cannot_expand() {
    let class = "datanodes.storage.storageClass=fixed";
    let c = deployed("medium", &[class]);
    storage_class(&c, "fixed", false);
    let r = run(
        &c,
        &[
            "apply",
            "--profile",
            "medium",
            "-n",
            "ozone",
            "--set",
            class,
            "--set",
            "datanodes.storage.size=2Ti",
            "--yes",
        ],
    )
    .await;
    assert_eq!(r.code(), 1, "{}", r.all());
    assert!(
        r.error()
            .contains("StorageClass fixed does not set allowVolumeExpansion: true"),
        "{}",
        r.error()
    );
    assert!(c.journal().is_empty(), "{:?}", c.journal());
}
