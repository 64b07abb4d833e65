//! Invariants of render over generated specs: what snapshots of three profiles cannot show.

#![allow(clippy::unwrap_used)] // Test helpers fail loudly by design.

use ozone_generator::names::is_dns_label;
use ozone_generator::objects;
use ozone_generator::spec::{Inputs, resolve};
use proptest::prelude::*;
use serde_json::Value;
use std::collections::BTreeSet;

fn spec_inputs() -> impl Strategy<Value = Inputs> {
    (
        prop::sample::select(vec!["small", "medium", "large"]),
        "[a-z][a-z0-9]{0,10}",
        "[a-z][a-z0-9-]{0,20}[a-z0-9]",
        prop::sample::select(vec![1, 3, 5]),
        prop::sample::select(vec![1, 3, 5]),
        3..40i32,
        any::<bool>(),
        any::<bool>(),
        any::<bool>(),
    )
        .prop_map(
            |(profile, name, namespace, om, scm, dn, s3g, recon, httpfs)| {
                Inputs::with_sets(
                    profile,
                    &[
                        format!("metadata.name={name}"),
                        format!("metadata.namespace={namespace}"),
                        format!("om.replicas={om}"),
                        format!("scm.replicas={scm}"),
                        format!("datanodes.replicas={dn}"),
                        format!("s3g.enabled={s3g}"),
                        format!("recon.enabled={recon}"),
                        format!("httpfs.enabled={httpfs}"),
                    ],
                )
            },
        )
}

fn labels_match(selector: &Value, labels: &Value) -> bool {
    selector
        .as_object()
        .is_some_and(|sel| sel.iter().all(|(k, v)| labels.get(k) == Some(v)))
}

fn pod_templates(objects: &[Value]) -> Vec<&Value> {
    objects
        .iter()
        .filter(|o| matches!(o["kind"].as_str(), Some("StatefulSet" | "Deployment")))
        .map(|o| &o["spec"]["template"])
        .collect()
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(48))]

    #[test]
    fn rendered_objects_are_consistent(inputs in spec_inputs()) {
        let cluster = resolve(&inputs).expect("generated specs are valid");
        let manifest = objects::render(&cluster).expect("renders");
        let objects: Vec<Value> = manifest.objects().iter().map(|o| o.value.clone()).collect();
        let templates = pod_templates(&objects);

        for o in &objects {
            let name = o["metadata"]["name"].as_str().unwrap();
            prop_assert!(is_dns_label(name), "{name} is not a DNS label");
            match o["kind"].as_str().unwrap() {
                "StatefulSet" | "Deployment" => {
                    prop_assert!(labels_match(&o["spec"]["selector"]["matchLabels"], &o["spec"]["template"]["metadata"]["labels"]));
                }
                "Service" | "PodDisruptionBudget" => {
                    let selector = if o["kind"] == "Service" { &o["spec"]["selector"] } else { &o["spec"]["selector"]["matchLabels"] };
                    let selected: Vec<&&Value> = templates.iter().filter(|t| labels_match(selector, &t["metadata"]["labels"])).collect();
                    prop_assert_eq!(selected.len(), 1, "{} {} selects {} workloads", o["kind"], name, selected.len());
                    if o["kind"] == "Service" {
                        let container_ports: BTreeSet<&str> = selected[0]["spec"]["containers"][0]["ports"]
                            .as_array().unwrap().iter().map(|p| p["name"].as_str().unwrap()).collect();
                        for p in o["spec"]["ports"].as_array().unwrap() {
                            prop_assert!(container_ports.contains(p["targetPort"].as_str().unwrap()), "{name}: port {p} has no container port");
                        }
                    }
                }
                _ => {}
            }
        }
        for t in &templates {
            let sa = t["spec"]["serviceAccountName"].as_str().unwrap();
            prop_assert!(objects.iter().any(|o| o["kind"] == "ServiceAccount" && o["metadata"]["name"] == sa));
        }

        let again = objects::render(&resolve(&inputs).unwrap()).unwrap();
        prop_assert_eq!(manifest.to_yaml().unwrap(), again.to_yaml().unwrap());
    }
}
