//! JSON schemas for the document types whose serde form a derived schema cannot describe in a
//! Kubernetes structural schema: untagged enums of scalars (a quantity, a config value) and the
//! maps whose keys are a closed set of names. Used by the `JsonSchema` derives in [`super::doc`].

use super::doc::QuantityDoc;
use ozone_storage::ConfigFile;
use schemars::{JsonSchema, Schema, SchemaGenerator, json_schema};
use serde_json::{Map, Value};
use std::borrow::Cow;

/// The longest name of a Kubernetes object referenced by name (a DNS subdomain, e.g. a
/// StorageClass). Bounds the strings CEL rules compare, which the API server's cost estimate
/// needs.
pub const MAX_NAME_LENGTH: usize = 253;

/// A quantity is written as a string (`2Gi`, `500m`) or an integer (`2`): Kubernetes'
/// int-or-string. A decimal number (`0.5`), which the parser also accepts, is not: the API
/// server rejects it, as it does in any Kubernetes object, so a custom resource writes `500m`.
impl JsonSchema for QuantityDoc {
    fn schema_name() -> Cow<'static, str> {
        "Quantity".into()
    }

    fn inline_schema() -> bool {
        true
    }

    fn json_schema(_: &mut SchemaGenerator) -> Schema {
        json_schema!({ "x-kubernetes-int-or-string": true })
    }
}

/// The longest storage size a custom resource may write (`1023Pi`, `107374182400`: a
/// quantity is short). Bounds the strings the size rules read, for the cost estimate.
pub const MAX_SIZE_LENGTH: usize = 32;

/// A volume size in a custom resource: a string (`100Gi`), not an int-or-string. The CEL
/// rules on sizes (a quantity, never shrinking) read the value as a string, and the API server
/// estimates the cost of an int-or-string as that of a string as long as the whole request,
/// which no rule budget fits; a string with a `maxLength` costs next to nothing. A spec file
/// may still write a plain number of bytes; a custom resource writes it quoted.
pub fn storage_size(_: &mut SchemaGenerator) -> Schema {
    json_schema!({ "type": "string", "maxLength": MAX_SIZE_LENGTH })
}

/// `spec.config`: one property per file Ozone reads, each a map of keys to scalar values
/// (string, number or boolean, as the parser accepts). The values' schema keeps whatever was
/// written (`x-kubernetes-preserve-unknown-fields`): a structural schema has no "any scalar"
/// type, and the parser checks them anyway.
pub fn config_files(_: &mut SchemaGenerator) -> Schema {
    let properties: Map<String, Value> = ConfigFile::ALL
        .iter()
        .map(|file| {
            (
                file.file_name().to_owned(),
                serde_json::json!({
                    "description": format!("Keys of `{}` and their values.", file.file_name()),
                    "type": "object",
                    "additionalProperties": { "x-kubernetes-preserve-unknown-fields": true },
                }),
            )
        })
        .collect();
    json_schema!({ "type": "object", "properties": properties })
}

/// `spec.patches[].patch`: RFC 6902 operations, checked by the parser (`json-patch`); each
/// operation's `value` is any JSON, so operations keep their fields as written.
pub fn json_patch(_: &mut SchemaGenerator) -> Schema {
    json_schema!({
        "type": "array",
        "items": { "type": "object", "x-kubernetes-preserve-unknown-fields": true },
    })
}
