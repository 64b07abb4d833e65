//! The README shows the RBAC each day-2 command needs; it must be the table the code uses.

#![allow(clippy::unwrap_used)] // Test helpers fail loudly by design.

#[test]
fn readme_shows_the_rbac_table_from_the_code() {
    let readme =
        std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/../README.md")).unwrap();
    let table = ozone_generator::permissions::markdown_table();
    assert!(
        readme.contains(&table),
        "README.md's RBAC table is out of date; replace it with:\n{table}"
    );
}
