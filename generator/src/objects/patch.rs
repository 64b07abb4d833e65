//! `spec.patches`: last-mile RFC 6902 JSON patches on rendered objects, like kustomize's
//! `patches`. A patched object must still decode as its Kubernetes type.

use super::BuildError;
use crate::output::Object;
use crate::spec::doc::PatchDoc;

/// Applies every patch in order.
pub fn apply(objects: &mut [Object], patches: &[PatchDoc]) -> Result<(), BuildError> {
    for (index, p) in patches.iter().enumerate() {
        let target = objects
            .iter_mut()
            .find(|o| o.kind == p.target.kind && o.name == p.target.name)
            .ok_or_else(|| BuildError::PatchTarget {
                index,
                kind: p.target.kind.clone(),
                name: p.target.name.clone(),
            })?;
        let fail = |message: String| BuildError::Patch {
            index,
            kind: p.target.kind.clone(),
            name: p.target.name.clone(),
            message,
        };
        let mut value = target.value.clone();
        json_patch::patch(&mut value, &p.patch).map_err(|e| fail(e.to_string()))?;
        target.replace_value(value).map_err(fail)?;
    }
    Ok(())
}
