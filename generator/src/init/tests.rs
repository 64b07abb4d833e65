//! The question flow without a terminal: a scripted prompter answers, and the tests check what
//! was asked, with which defaults, what was rejected and why, and the file that results.

#![allow(clippy::unwrap_used)] // Tests fail loudly by design.

use super::document::{self, FIELD_DOCS, comment_for};
use super::questions::{Mapping, QUESTIONS, find};
use super::summary::summarize;
use super::wizard::{Ask, InitError, Prompter, Rejection, Source, Stop, Wizard, drive};
use crate::objects;
use crate::spec::doc::ClusterDoc;
use crate::spec::{Inputs, resolve};
use ozone_storage::Component;
use std::collections::{BTreeMap, VecDeque};

/// Answers from a script, in order; records every question asked with its default, and every
/// rejection.
#[derive(Default)]
struct Script {
    answers: BTreeMap<&'static str, VecDeque<&'static str>>,
    asked: Vec<(&'static str, String)>,
    rejected: Vec<(&'static str, Rejection)>,
}

impl Script {
    fn new(answers: &[(&'static str, &'static str)]) -> Script {
        let mut s = Script::default();
        for (id, a) in answers {
            s.answers.entry(*id).or_default().push_back(*a);
        }
        s
    }

    fn asked_ids(&self) -> Vec<&'static str> {
        self.asked.iter().map(|(id, _)| *id).collect()
    }

    fn default_of(&self, id: &str) -> &str {
        &self.asked.iter().find(|(q, _)| *q == id).unwrap().1
    }
}

impl Prompter for Script {
    type Error = String;

    fn ask(&mut self, _: &Wizard, ask: &Ask) -> Result<String, String> {
        let id = ask.question.id;
        self.asked.push((id, ask.default.clone()));
        // Unscripted questions take their default, as pressing Enter does.
        Ok(self
            .answers
            .get_mut(id)
            .and_then(VecDeque::pop_front)
            .map_or_else(|| ask.default.clone(), str::to_owned))
    }

    fn rejected(&mut self, ask: &Ask, rejection: &Rejection) -> Result<(), String> {
        self.rejected.push((ask.question.id, rejection.clone()));
        if self.rejected.len() > 20 {
            return Err("rejected too often".into());
        }
        Ok(())
    }
}

fn flags(pairs: &[(&'static str, &str)]) -> BTreeMap<&'static str, String> {
    pairs.iter().map(|(k, v)| (*k, (*v).to_owned())).collect()
}

fn interactive(
    script: &mut Script,
    given: &[(&'static str, &str)],
) -> Result<Wizard, Stop<String>> {
    let mut w = Wizard::new(Vec::new());
    drive(&mut w, &flags(given), Some(script))?;
    Ok(w)
}

fn batch(given: &[(&'static str, &str)], sets: &[&str]) -> Result<Wizard, InitError> {
    let mut w = Wizard::new(sets.iter().map(|s| s.to_string()).collect());
    match drive::<Script>(&mut w, &flags(given), None) {
        Ok(()) => Ok(w),
        Err(Stop::Invalid(e)) => Err(e),
        Err(Stop::Prompt(e)) => panic!("no prompter, yet it failed: {e}"),
    }
}

#[test]
fn questions_are_well_formed() {
    let mut ids = std::collections::BTreeSet::new();
    let mut flags = std::collections::BTreeSet::new();
    for q in QUESTIONS {
        assert!(ids.insert(q.id), "duplicate id {}", q.id);
        assert!(flags.insert(q.flag), "duplicate flag {}", q.flag);
        assert!(!q.prompt.is_empty() && q.why.ends_with('.'), "{}", q.id);
    }
    assert_eq!(
        QUESTIONS[0].mapping,
        Mapping::Profile,
        "the profile comes first"
    );
}

/// Every field path the wizard writes and every documented path is a field of the document:
/// a path with a typo would fail to deserialize as an unknown field.
#[test]
fn mapped_and_documented_paths_are_document_fields() {
    let mut paths: Vec<String> = FIELD_DOCS
        .iter()
        .map(|(p, _)| p.replace('*', "om"))
        .collect();
    for q in QUESTIONS {
        let mapped: Vec<&str> = match q.mapping {
            Mapping::Profile => vec!["spec.profile"],
            Mapping::Text(ps) => ps.to_vec(),
            Mapping::Count(p)
            | Mapping::Bool(p)
            | Mapping::Quantity(p)
            | Mapping::Choice(p)
            | Mapping::Labels(p)
            | Mapping::Tolerations(p)
            | Mapping::Subjects(p) => vec![p],
            Mapping::Resources => vec!["om.resources.requests.cpu", "om.resources.limits.memory"],
        };
        for p in mapped {
            let full = if p.starts_with("metadata") || p.starts_with("spec.") {
                p.to_owned()
            } else {
                format!("spec.{p}")
            };
            assert!(
                comment_for(&full.split('.').collect::<Vec<_>>()).is_some(),
                "{full} has no comment in the written file"
            );
            paths.push(full);
        }
    }
    for path in paths {
        let mut value = serde_json::Value::Null;
        for key in path.split('.').rev() {
            value = serde_json::json!({ key: value });
        }
        let parsed: Result<ClusterDoc, _> = serde_json::from_value(value);
        assert!(parsed.is_ok(), "{path}: {:?}", parsed.err());
    }
}

#[test]
fn defaults_come_from_the_chosen_profile_then_earlier_answers() {
    let mut s = Script::new(&[("profile", "medium"), ("storage-class", "fast-ssd")]);
    let w = interactive(&mut s, &[]).unwrap();
    assert_eq!(s.default_of("profile"), "small");
    assert_eq!(s.default_of("namespace"), "ozone");
    assert_eq!(s.default_of("datanodes"), "5");
    assert_eq!(s.default_of("om-replicas"), "3");
    assert_eq!(s.default_of("datanode-storage"), "1Ti");
    assert_eq!(s.default_of("network-policies"), "yes");
    // The datanode class defaults to the class just chosen for all volumes.
    assert_eq!(s.default_of("datanode-storage-class"), "fast-ssd");
    let c = w.cluster().unwrap();
    assert_eq!(c.replicas(Component::Datanode), 5);

    let mut s = Script::new(&[("profile", "large")]);
    interactive(&mut s, &[]).unwrap();
    assert_eq!(s.default_of("datanodes"), "9");
    assert_eq!(s.default_of("spread"), "zone");
}

#[test]
fn conditional_questions_follow_earlier_answers() {
    let mut s = Script::new(&[("profile", "small")]);
    interactive(&mut s, &[]).unwrap();
    let asked = s.asked_ids();
    // small: S3 Gateway on, NetworkPolicies and monitoring off.
    assert!(asked.contains(&"s3g-service"));
    assert!(asked.contains(&"recon-storage"));
    assert!(!asked.contains(&"client-namespaces"));
    assert!(!asked.contains(&"monitoring-labels"));

    let mut s = Script::new(&[
        ("profile", "small"),
        ("s3g", "no"),
        ("recon", "no"),
        ("network-policies", "yes"),
        ("service-monitors", "yes"),
    ]);
    interactive(&mut s, &[]).unwrap();
    let asked = s.asked_ids();
    assert!(!asked.contains(&"s3g-service"));
    assert!(!asked.contains(&"recon-storage"));
    assert!(asked.contains(&"client-namespaces"));
    assert!(asked.contains(&"egress"));
    assert!(asked.contains(&"monitoring-labels"));
    assert!(asked.contains(&"monitoring-namespace"));
    // Order is the table's order.
    let positions: Vec<usize> = ["profile", "name", "namespace", "datanodes", "spread"]
        .iter()
        .map(|id| asked.iter().position(|a| a == id).unwrap())
        .collect();
    assert!(positions.windows(2).all(|w| w[0] < w[1]), "{asked:?}");
}

#[test]
fn bad_answers_are_rejected_with_the_spec_message_and_asked_again() {
    let mut s = Script::new(&[
        ("profile", "huge"),
        ("profile", "small"),
        ("namespace", "Bad_NS"),
        ("namespace", "data"),
        ("datanodes", "2"),
        ("datanodes", "three"),
        ("datanodes", "4"),
        ("datanode-storage", "0"),
        ("datanode-storage", "50Gi"),
    ]);
    let w = interactive(&mut s, &[]).unwrap();
    let reasons: Vec<(&str, String)> = s
        .rejected
        .iter()
        .map(|(id, r)| (*id, r.to_string()))
        .collect();
    assert_eq!(
        reasons,
        vec![
            (
                "profile",
                "spec.profile: unknown profile \"huge\"; known profiles: small, medium, large"
                    .to_owned()
            ),
            (
                "namespace",
                "metadata.namespace: \"Bad_NS\" is not a valid namespace: use at most 63 lowercase letters, digits and '-'".to_owned()
            ),
            (
                "datanodes",
                "spec.datanodes.replicas: must be at least 3 when replication is THREE, got 2 (set spec.replication: ONE for a test cluster)".to_owned()
            ),
            ("datanodes", "\"three\" is not a whole number".to_owned()),
            (
                "datanode-storage",
                "spec.datanodes.storage.size: must be greater than zero, got \"0\"".to_owned()
            ),
        ]
    );
    let c = w.cluster().unwrap();
    assert_eq!(c.namespace, "data");
    assert_eq!(c.replicas(Component::Datanode), 4);
    assert_eq!(
        c.component(Component::Datanode)
            .unwrap()
            .storage
            .as_ref()
            .unwrap()
            .size
            .as_str(),
        "50Gi"
    );
}

#[test]
fn a_rejected_answer_leaves_the_state_unchanged() {
    let mut w = Wizard::new(Vec::new());
    w.accept(find("profile").unwrap(), "medium", Source::Flag)
        .unwrap();
    let before = w.sets();
    let r = w
        .accept(find("om-replicas").unwrap(), "2", Source::Prompt)
        .unwrap_err();
    assert!(
        r.to_string()
            .starts_with("spec.om.replicas: must be 1 or an odd number of at least 3, got 2"),
        "{r}"
    );
    assert_eq!(w.sets(), before);
    assert_eq!(w.next().unwrap().question.id, "name");
}

#[test]
fn replication_answered_first_allows_fewer_datanodes() {
    let w = batch(
        &[
            ("profile", "small"),
            ("namespace", "dev"),
            ("datanodes", "1"),
            ("replication", "one"),
        ],
        &[],
    )
    .unwrap();
    assert_eq!(w.cluster().unwrap().replicas(Component::Datanode), 1);
}

#[test]
fn flags_answer_everything_and_nothing_is_asked() {
    let given: Vec<(&'static str, &str)> = QUESTIONS
        .iter()
        .map(|q| {
            let value = match q.id {
                "profile" => "medium",
                "namespace" => "data",
                "datanodes" => "6",
                _ => "",
            };
            (q.id, value)
        })
        .filter(|(_, v)| !v.is_empty())
        .collect();
    let mut s = Script::default();
    let err = interactive(&mut s, &given);
    assert!(err.is_ok());
    // Only the flagged questions were answered; the rest were asked.
    assert!(!s.asked_ids().contains(&"datanodes"));
    assert!(s.asked_ids().contains(&"name"));

    // With a flag for every question that applies, nothing is asked.
    let mut all = flags(&given);
    let w = batch(&given, &[]).unwrap();
    for (q, value, _) in w.choices() {
        all.entry(q.id).or_insert(value);
    }
    let mut s = Script::default();
    let mut w = Wizard::new(Vec::new());
    drive(&mut w, &all, Some(&mut s)).unwrap();
    assert!(s.asked.is_empty(), "asked {:?}", s.asked_ids());
}

#[test]
fn without_a_terminal_required_answers_must_come_by_flag() {
    let err = batch(&[("profile", "small")], &[]).unwrap_err();
    assert_eq!(
        err,
        InitError::Missing {
            flag: "namespace",
            why: find("namespace").unwrap().why
        }
    );
    assert!(
        err.to_string().starts_with("missing --namespace: "),
        "{err}"
    );
    let err = batch(&[("namespace", "x")], &[]).unwrap_err();
    assert!(err.to_string().starts_with("missing --profile: "), "{err}");

    let w = batch(&[("profile", "small"), ("namespace", "dev")], &[]).unwrap();
    assert_eq!(
        w.sets(),
        vec!["spec.profile=\"small\"", "metadata.namespace=\"dev\""]
    );
}

#[test]
fn bad_flags_fail_with_the_prompts_message() {
    let cases = [
        (
            ("namespace", "Bad_NS"),
            "--namespace \"Bad_NS\": metadata.namespace: \"Bad_NS\" is not a valid namespace",
        ),
        (
            ("datanodes", "2"),
            "--datanodes \"2\": spec.datanodes.replicas: must be at least 3 when replication is THREE, got 2",
        ),
        (
            ("datanode-storage", "0"),
            "--datanode-storage \"0\": spec.datanodes.storage.size: must be greater than zero",
        ),
        (
            ("s3g-service", "Ingress"),
            "--s3g-service \"Ingress\": spec.s3g.service.type: unknown variant `Ingress`",
        ),
    ];
    for ((id, value), expected) in cases {
        let err = batch(
            &[("profile", "small"), ("namespace", "dev"), (id, value)],
            &[],
        )
        .unwrap_err()
        .to_string();
        assert!(err.starts_with(expected), "{err}");
    }
    let err = batch(&[("profile", "huge"), ("namespace", "dev")], &[])
        .unwrap_err()
        .to_string();
    assert_eq!(
        err,
        "--profile \"huge\": spec.profile: unknown profile \"huge\"; known profiles: small, medium, large"
    );
}

#[test]
fn set_flags_layer_under_the_answers() {
    let w = batch(
        &[("profile", "small"), ("namespace", "dev")],
        &["datanodes.jvm.heapPercent=50"],
    )
    .unwrap();
    let c = w.cluster().unwrap();
    assert_eq!(c.component(Component::Datanode).unwrap().heap_percent, 50);
    let err = batch(
        &[("profile", "small"), ("namespace", "dev")],
        &["datanodes.jvm.heapPercent=5"],
    )
    .unwrap_err();
    assert!(matches!(err, InitError::Set { .. }), "{err}");
    assert!(
        err.to_string()
            .contains("spec.datanodes.jvm.heapPercent: must be between 10 and 90"),
        "{err}"
    );
}

#[test]
fn lists_and_maps() {
    let w = batch(
        &[
            ("profile", "medium"),
            ("namespace", "data"),
            (
                "node-selector",
                "node-role.kubernetes.io/storage=true, disk=ssd",
            ),
            ("tolerations", "dedicated=ozone:NoSchedule,spot:NoExecute"),
            ("monitoring-labels", "release=kube-prometheus-stack"),
            ("client-namespaces", "team in (data,etl)"),
        ],
        &[],
    )
    .unwrap();
    let c = w.cluster().unwrap();
    assert_eq!(c.placement.node_selector.len(), 2);
    assert_eq!(c.placement.node_selector["disk"], "ssd");
    let t = &c.placement.tolerations;
    assert_eq!(t.len(), 2);
    assert_eq!(t[0].key.as_deref(), Some("dedicated"));
    assert_eq!(t[0].operator.as_deref(), Some("Equal"));
    assert_eq!(t[0].value.as_deref(), Some("ozone"));
    assert_eq!(t[1].operator.as_deref(), Some("Exists"));
    assert_eq!(t[1].effect.as_deref(), Some("NoExecute"));
    assert_eq!(c.monitoring.labels["release"], "kube-prometheus-stack");
    assert!(c.network.as_ref().unwrap().client_namespaces.is_some());

    let err = batch(
        &[
            ("profile", "small"),
            ("namespace", "dev"),
            ("node-selector", "disk"),
        ],
        &[],
    )
    .unwrap_err();
    assert!(
        err.to_string().contains("\"disk\": expected key=value"),
        "{err}"
    );
    let err = batch(
        &[
            ("profile", "small"),
            ("namespace", "dev"),
            ("tolerations", "dedicated=ozone:Sometimes"),
        ],
        &[],
    )
    .unwrap_err();
    assert!(
        err.to_string()
            .contains("spec.placement.tolerations[0].effect: \"Sometimes\" must be"),
        "{err}"
    );
}

#[test]
fn resources_change_only_the_components_named() {
    let w = batch(
        &[
            ("profile", "small"),
            ("namespace", "dev"),
            ("resources", "datanodes=2/8Gi, om=1/4Gi"),
        ],
        &[],
    )
    .unwrap();
    let c = w.cluster().unwrap();
    let dn = c.component(Component::Datanode).unwrap();
    assert_eq!(
        (dn.requests.cpu.as_str(), dn.limits.memory.as_str()),
        ("2", "8Gi")
    );
    assert_eq!(c.component(Component::Om).unwrap().limits.cpu.as_str(), "1");
    assert_eq!(
        c.component(Component::Scm).unwrap().requests.cpu.as_str(),
        "500m"
    );
    assert_eq!(
        (find("resources").unwrap().current)(c),
        "scm=500m/2Gi,om=1/4Gi,datanodes=2/8Gi,s3g=250m/1Gi,recon=250m/1Gi"
    );
    for (answer, reason) in [
        ("datanodes=2", "expected component=cpu/memory"),
        (
            "datanodes=0/8Gi",
            "spec.datanodes.resources.requests.cpu: must be greater than zero",
        ),
        ("disks=1/1Gi", "unknown field `disks`"),
    ] {
        let err = batch(
            &[
                ("profile", "small"),
                ("namespace", "dev"),
                ("resources", answer),
            ],
            &[],
        )
        .unwrap_err()
        .to_string();
        assert!(err.contains(reason), "{answer}: {err}");
    }
}

#[test]
fn role_bindings() {
    let w = batch(
        &[
            ("profile", "medium"),
            ("namespace", "data"),
            ("admins", "Group:ozone-admins, ServiceAccount:ci/deployer"),
            ("viewers", "User:auditor"),
            ("operators", "ServiceAccount:ci/release"),
        ],
        &[],
    )
    .unwrap();
    let c = w.cluster().unwrap();
    assert_eq!(
        (find("operators").unwrap().current)(c),
        "ServiceAccount:ci/release"
    );
    assert_eq!(
        (find("admins").unwrap().current)(c),
        "Group:ozone-admins,ServiceAccount:ci/deployer"
    );
    assert_eq!((find("viewers").unwrap().current)(c), "User:auditor");
    let err = batch(
        &[
            ("profile", "medium"),
            ("namespace", "data"),
            ("admins", "Team:x"),
        ],
        &[],
    )
    .unwrap_err()
    .to_string();
    assert!(
        err.contains(
            "spec.rbac.bindings.admin[0].kind: \"Team\" must be User, Group or ServiceAccount"
        ),
        "{err}"
    );
}

#[test]
fn tls_mode() {
    let w = batch(
        &[
            ("profile", "medium"),
            ("namespace", "data"),
            ("tls", "Cert-Manager"),
        ],
        &[],
    )
    .unwrap();
    let c = w.cluster().unwrap();
    assert_eq!((find("tls").unwrap().current)(c), "cert-manager");
    let doc = document::minimal(c).unwrap();
    let text = document::to_commented_yaml(&doc, c, "f.yaml").unwrap();
    assert!(text.contains("      mode: cert-manager\n"), "{text}");
    let err = batch(
        &[("profile", "medium"), ("namespace", "data"), ("tls", "yes")],
        &[],
    )
    .unwrap_err()
    .to_string();
    assert!(
        err.contains("spec.security.tls.mode: unknown variant `yes`"),
        "{err}"
    );
}

#[test]
fn strings_that_look_like_numbers_stay_strings() {
    let w = batch(
        &[
            ("profile", "small"),
            ("namespace", "dev"),
            ("ozone-version", "2.0"),
        ],
        // Not a release, so only with an image of one's own.
        &["image.repository=registry.example/ozone"],
    )
    .unwrap();
    assert_eq!(w.cluster().unwrap().version, "2.0");
}

#[test]
fn the_file_is_minimal_commented_and_renders_the_same_cluster() {
    let mut s = Script::new(&[
        ("profile", "medium"),
        ("namespace", "data"),
        ("datanodes", "7"),
        ("storage-class", "fast-ssd"),
        ("s3g-service", "loadbalancer"),
        ("tolerations", "dedicated=ozone:NoSchedule"),
    ]);
    let w = interactive(&mut s, &[]).unwrap();
    let cluster = w.cluster().unwrap();
    let doc = document::minimal(cluster).unwrap();
    let spec = doc.spec.as_ref().unwrap();
    assert_eq!(spec.profile.as_deref(), Some("medium"));
    assert_eq!(spec.datanodes.as_ref().unwrap().replicas, Some(7));
    assert!(spec.om.as_ref().unwrap().replicas.is_none(), "unchanged");
    assert!(spec.monitoring.is_none() && spec.version.is_none());

    let text = document::to_commented_yaml(&doc, cluster, "ozone-cluster.yaml").unwrap();
    assert!(
        text.contains("\n  # Datanodes: store the data blocks.\n  datanodes:\n"),
        "{text}"
    );
    assert!(
        text.contains("    # Number of datanodes: at least as many as the replication keeps copies (3 for THREE). Profile medium: 5.\n    replicas: 7\n"),
        "{text}"
    );
    assert!(text.contains("      type: LoadBalancer\n"), "{text}");
    assert!(
        text.contains("kubectl ozone render -f ozone-cluster.yaml"),
        "{text}"
    );
    assert!(
        !text.contains("replicas: 3"),
        "OM/SCM replicas are the profile's: {text}"
    );

    // The file resolves to the same cluster: same rendered bytes.
    let again = resolve(&Inputs {
        profile: None,
        spec_file: Some(("ozone-cluster.yaml".into(), text)),
        sets: Vec::new(),
    })
    .unwrap();
    let a = objects::render(cluster).unwrap().to_yaml().unwrap();
    let b = objects::render(&again).unwrap().to_yaml().unwrap();
    assert!(a == b, "the file renders differently from the answers");
}

#[test]
fn defaults_only_give_a_file_with_just_the_header() {
    let w = batch(&[("profile", "large"), ("namespace", "prod")], &[]).unwrap();
    let doc = document::minimal(w.cluster().unwrap()).unwrap();
    let text = crate::yaml::to_string(&doc).unwrap();
    assert_eq!(
        text,
        "apiVersion: ozone.apache.org/v1alpha1\nkind: OzoneCluster\nmetadata:\n  name: ozone\n  namespace: prod\nspec:\n  profile: large\n"
    );
}

#[test]
fn summary_and_command_line() {
    let w = batch(
        &[
            ("profile", "small"),
            ("namespace", "dev"),
            ("datanodes", "4"),
            ("name", "ozone"),
            ("client-namespaces", "team in (a,b)"),
        ],
        &[],
    )
    .unwrap();
    // `--name ozone` is the default: it changes nothing and is left out.
    assert_eq!(
        w.command_line(),
        "kubectl ozone init --non-interactive --profile small --namespace dev --datanodes 4 --client-namespaces 'team in (a,b)'"
    );
    let choices = w.choices();
    let datanodes = choices
        .iter()
        .find(|(q, _, _)| q.id == "datanodes")
        .unwrap();
    assert_eq!(
        (datanodes.1.as_str(), datanodes.2),
        ("4", Some(Source::Flag))
    );
    let spread = choices.iter().find(|(q, _, _)| q.id == "spread").unwrap();
    assert_eq!((spread.1.as_str(), spread.2), ("host", None));

    let c = w.cluster().unwrap();
    let s = summarize(c, &objects::render(c).unwrap());
    assert_eq!(s.pods, 8);
}

proptest::proptest! {
    #![proptest_config(proptest::prelude::ProptestConfig::with_cases(64))]

    /// Any text typed at any prompt is accepted or rejected with a reason, never a panic.
    #[test]
    fn any_answer_to_any_question_is_handled(
        index in 0..QUESTIONS.len(),
        answer in "\\PC{0,30}",
    ) {
        let mut w = Wizard::new(Vec::new());
        w.accept(find("profile").unwrap(), "small", Source::Flag).unwrap();
        let q = &QUESTIONS[index];
        if let Err(r) = w.check(q, &answer) {
            proptest::prop_assert!(!r.reasons.is_empty());
        }
    }
}
