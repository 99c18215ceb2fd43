//! The committed JSON Schema is the one the types generate: regenerate it with
//! `make schema` (or `folio schema > schemas/document.schema.json`) when the model changes.

mod common;

#[test]
fn committed_schema_matches_the_types() {
    let path = common::repo().join("schemas/document.schema.json");
    let committed: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(&path).expect("schema file"))
            .expect("schema JSON");
    assert_eq!(
        committed,
        folio::document::json_schema(),
        "schemas/document.schema.json is stale: run `make schema`"
    );
}

#[test]
fn schema_rejects_a_document_that_breaks_it() {
    let doc = common::extract_json(
        &common::fixture("docs/revtex-apssamp.pdf"),
        &["--pages", "1"],
    );
    let mut broken = doc.clone();
    broken["blocks"][0]["kind"] = serde_json::json!("banner");
    let result = std::panic::catch_unwind(|| common::assert_valid(&broken));
    assert!(result.is_err(), "an unknown block kind must not validate");
}
