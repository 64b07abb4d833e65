//! The `OzoneCluster` CustomResourceDefinition, generated from the spec types.
//!
//! The schema is the `JsonSchema` derive of [`ClusterDoc`] — the very types `render -f` parses
//! — put through kube-core's structural-schema transforms (the ones `#[derive(CustomResource)]`
//! uses), so a field added to the spec is in the CRD with its `///` doc as description, and
//! a custom resource is a document render reads, field for field. On top of the derived schema
//! this module sets what a derive cannot know: `metadata` as the API server wants it, and the
//! CEL rules of [`rules`]. Nothing here is YAML text: the result is a typed
//! `CustomResourceDefinition`, serialized like every rendered object.
//!
//! The committed copy is `manifests/operator/customresourcedefinition-ozoneclusters.ozone.apache.org.yaml`,
//! one of the operator's install manifests; a test fails when it drifts
//! (`UPDATE_MANIFESTS=1 cargo test -p ozone-generator --test operator_manifests` rewrites them).

pub mod rules;

#[cfg(test)]
mod tests;

use crate::spec::doc::{API_VERSION, ClusterDoc, KIND};
use k8s_openapi::apiextensions_apiserver::pkg::apis::apiextensions::v1::{
    CustomResourceColumnDefinition, CustomResourceDefinition, CustomResourceDefinitionNames,
    CustomResourceDefinitionSpec, CustomResourceDefinitionVersion, CustomResourceSubresourceStatus,
    CustomResourceSubresources, CustomResourceValidation, JSONSchemaProps, ValidationRule,
};
use k8s_openapi::apimachinery::pkg::apis::meta::v1::ObjectMeta;
use kube_core::schema::{OptionalEnum, OptionalIntOrString, StructuralSchemaRewriter};
use rules::CelRule;
use serde_json::{Map, Value};

/// The API group.
pub const GROUP: &str = "ozone.apache.org";
/// The served and stored version.
pub const VERSION: &str = "v1alpha1";
/// The resource name in URLs and `kubectl get`.
pub const PLURAL: &str = "ozoneclusters";
/// The singular name.
pub const SINGULAR: &str = "ozonecluster";
/// `kubectl get ozone`.
pub const SHORT_NAMES: [&str; 1] = ["ozone"];
/// The CRD's own name.
pub const NAME: &str = "ozoneclusters.ozone.apache.org";
/// The committed copy's file name in `manifests/operator/` (the operator manifests' file for
/// the CRD object: `<kind>-<name>.yaml`).
pub const FILE_NAME: &str = "customresourcedefinition-ozoneclusters.ozone.apache.org.yaml";

/// Why the CRD could not be generated: a bug in the spec types' schema, never an input error.
#[derive(Debug, thiserror::Error)]
pub enum CrdError {
    /// The derived schema is not a JSON object where one was expected.
    #[error("the derived schema has no object at {0}")]
    Shape(String),
    /// The derived schema does not fit `JSONSchemaProps` (or a rule does not serialize).
    #[error("the derived schema is not a JSONSchemaProps: {0}")]
    Json(#[from] serde_json::Error),
    /// The YAML writer refused the CRD.
    #[error("the CRD does not serialize as YAML: {0}")]
    Yaml(String),
}

/// The `OzoneCluster` CustomResourceDefinition.
///
/// # Errors
/// Only when the spec types derive a schema this module cannot place its rules in (a test
/// covers it).
pub fn custom_resource_definition() -> Result<CustomResourceDefinition, CrdError> {
    debug_assert_eq!(API_VERSION, format!("{GROUP}/{VERSION}"));
    Ok(CustomResourceDefinition {
        metadata: ObjectMeta {
            name: Some(NAME.to_owned()),
            ..ObjectMeta::default()
        },
        spec: CustomResourceDefinitionSpec {
            group: GROUP.to_owned(),
            names: CustomResourceDefinitionNames {
                kind: KIND.to_owned(),
                list_kind: Some(format!("{KIND}List")),
                plural: PLURAL.to_owned(),
                singular: Some(SINGULAR.to_owned()),
                short_names: Some(SHORT_NAMES.iter().map(|s| (*s).to_owned()).collect()),
                categories: None,
            },
            scope: "Namespaced".to_owned(),
            versions: vec![CustomResourceDefinitionVersion {
                name: VERSION.to_owned(),
                served: true,
                storage: true,
                schema: Some(CustomResourceValidation {
                    open_api_v3_schema: Some(open_api_v3_schema()?),
                }),
                subresources: Some(CustomResourceSubresources {
                    status: Some(CustomResourceSubresourceStatus(Value::Object(Map::new()))),
                    scale: None,
                }),
                additional_printer_columns: Some(printer_columns()),
                ..CustomResourceDefinitionVersion::default()
            }],
            ..CustomResourceDefinitionSpec::default()
        },
        status: None,
    })
}

/// `kubectl get ozoneclusters`: phase, version, ready pods, age.
fn printer_columns() -> Vec<CustomResourceColumnDefinition> {
    let column = |name: &str, type_: &str, json_path: &str, description: &str| {
        CustomResourceColumnDefinition {
            name: name.to_owned(),
            type_: type_.to_owned(),
            json_path: json_path.to_owned(),
            description: Some(description.to_owned()),
            ..CustomResourceColumnDefinition::default()
        }
    };
    vec![
        column("Phase", "string", ".status.phase", "The cluster's state."),
        column(
            "Version",
            "string",
            ".status.version",
            "The Ozone version running.",
        ),
        column(
            "Ready",
            "string",
            ".status.ready",
            "Ready pods over desired pods.",
        ),
        column(
            "Age",
            "date",
            ".metadata.creationTimestamp",
            "When the resource was created.",
        ),
    ]
}

/// The derived, structural schema of the whole resource, with the CEL rules in place.
///
/// # Errors
/// See [`custom_resource_definition`].
pub fn open_api_v3_schema() -> Result<JSONSchemaProps, CrdError> {
    let mut schema = derived_schema()?;
    let Some(root) = schema.as_object_mut() else {
        return Err(CrdError::Shape("the root".to_owned()));
    };
    // A derived root carries JSON Schema's bookkeeping, which JSONSchemaProps has no field for.
    root.remove("$schema");
    root.remove("title");
    // The API server owns `metadata`'s schema: a CRD may say nothing about it but `type`
    // (name and namespace are checked as for every object; render's own checks still run).
    node_mut(&mut schema, &["metadata"])?.clone_from(&serde_json::json!({ "type": "object" }));
    for rule in rules::all() {
        place(&mut schema, &rule)?;
    }
    Ok(serde_json::from_value(schema)?)
}

/// The schema as kube-derive generates one: OpenAPI v3, subschemas inlined (a structural
/// schema has no `$ref`), and kube-core's rewrites of enums, untagged enums and optional
/// int-or-strings into what the API server accepts.
fn derived_schema() -> Result<Value, CrdError> {
    let generator = schemars::generate::SchemaSettings::openapi3()
        .with(|s| {
            s.inline_subschemas = true;
            s.meta_schema = None;
        })
        .with_transform(schemars::transform::AddNullable::default())
        .with_transform(StructuralSchemaRewriter)
        .with_transform(OptionalEnum)
        .with_transform(OptionalIntOrString)
        .into_generator();
    let mut schema = serde_json::to_value(generator.into_root_schema_for::<ClusterDoc>())?;
    drop_nullable(&mut schema);
    Ok(schema)
}

/// Removes `nullable: true` everywhere. Every optional field derives it, but it would make
/// the API server keep `om: null` (and a rule reading `self.om.replicas` fail on it); without
/// it the server drops a null, as the parser reads it: the field is absent.
fn drop_nullable(value: &mut Value) {
    match value {
        Value::Object(map) => {
            if map.get("nullable") == Some(&Value::Bool(true)) {
                map.remove("nullable");
            }
            map.values_mut().for_each(drop_nullable);
        }
        Value::Array(items) => items.iter_mut().for_each(drop_nullable),
        _ => {}
    }
}

/// The schema node of the property path `at` (each step through `properties`, or through
/// `items` for the list of an array).
fn node_mut<'a>(schema: &'a mut Value, at: &[&str]) -> Result<&'a mut Value, CrdError> {
    let mut node = schema;
    for (i, step) in at.iter().enumerate() {
        let next = node
            .get_mut("properties")
            .and_then(|p| p.get_mut(*step))
            .ok_or_else(|| CrdError::Shape(at[..=i].join(".")))?;
        node = next;
    }
    Ok(node)
}

/// Appends a rule to `x-kubernetes-validations` of its node.
fn place(schema: &mut Value, rule: &CelRule) -> Result<(), CrdError> {
    let node = node_mut(schema, &rule.at)?;
    let validation = serde_json::to_value(ValidationRule {
        rule: rule.rule.clone(),
        message: Some(rule.message.clone()),
        message_expression: rule.message_expression.clone(),
        field_path: rule.field_path.clone(),
        reason: Some(rule.reason.to_owned()),
        optional_old_self: None,
    })?;
    let Some(map) = node.as_object_mut() else {
        return Err(CrdError::Shape(rule.at.join(".")));
    };
    match map
        .entry("x-kubernetes-validations")
        .or_insert_with(|| Value::Array(Vec::new()))
    {
        Value::Array(list) => list.push(validation),
        _ => return Err(CrdError::Shape(rule.at.join("."))),
    }
    Ok(())
}

/// The CRD as the committed file holds it: YAML, ending in a newline.
///
/// # Errors
/// See [`custom_resource_definition`].
pub fn to_yaml() -> Result<String, CrdError> {
    crate::yaml::to_string(&custom_resource_definition()?).map_err(CrdError::Yaml)
}
