//! The OpenAPI document: routes and API types from `utoipa` annotations next to the
//! handlers; the document model's schemas (Document, Chunk) from the same `schemars`
//! definitions as `schemas/document.schema.json`, so both describe one truth.

use crate::document::{Chunk, Document};
use serde_json::Value;
use std::borrow::Cow;
use utoipa::openapi::security::{HttpAuthScheme, HttpBuilder, SecurityScheme};
use utoipa::openapi::{ObjectBuilder, RefOr, Schema};
use utoipa::Modify;

/// Types whose schema comes from `schemars`; `utoipa` only names them.
macro_rules! schemars_component {
    ($t:ty, $name:literal) => {
        impl utoipa::PartialSchema for $t {
            fn schema() -> RefOr<Schema> {
                RefOr::T(Schema::Object(ObjectBuilder::new().build()))
            }
        }
        impl utoipa::ToSchema for $t {
            fn name() -> Cow<'static, str> {
                Cow::Borrowed($name)
            }
        }
    };
}

schemars_component!(Document, "Document");
schemars_component!(Chunk, "Chunk");

/// Declares bearer authentication.
pub struct Security;

impl Modify for Security {
    fn modify(&self, openapi: &mut utoipa::openapi::OpenApi) {
        let components = openapi.components.get_or_insert_with(Default::default);
        components.add_security_scheme(
            "bearer",
            SecurityScheme::Http(
                HttpBuilder::new()
                    .scheme(HttpAuthScheme::Bearer)
                    .description(Some(
                        "An API key from the server's configuration or FOLIO_API_KEYS",
                    ))
                    .build(),
            ),
        );
    }
}

/// Replaces `#/$defs/` references by `#/components/schemas/`.
fn rebase(value: &mut Value) {
    match value {
        Value::Object(map) => {
            if let Some(Value::String(r)) = map.get_mut("$ref") {
                if let Some(name) = r.strip_prefix("#/$defs/") {
                    *r = format!("#/components/schemas/{name}");
                }
            }
            map.values_mut().for_each(rebase);
        }
        Value::Array(items) => items.iter_mut().for_each(rebase),
        _ => {}
    }
}

/// Puts the schemars schema of `root` (and its definitions) into `components.schemas`.
fn add_schemars(doc: &mut Value, name: &str, mut root: Value) {
    rebase(&mut root);
    let defs = root
        .as_object_mut()
        .and_then(|o| o.remove("$defs"))
        .unwrap_or(Value::Null);
    if let Some(o) = root.as_object_mut() {
        o.remove("$schema");
    }
    let Some(schemas) = doc
        .pointer_mut("/components/schemas")
        .and_then(Value::as_object_mut)
    else {
        return;
    };
    if let Value::Object(defs) = defs {
        for (k, v) in defs {
            schemas.entry(k).or_insert(v);
        }
    }
    schemas.insert(name.to_string(), root);
}

/// The final document: utoipa's, with the document model's schemas filled in.
pub fn finish(api: utoipa::openapi::OpenApi) -> Value {
    let mut doc = serde_json::to_value(&api).unwrap_or(Value::Null);
    add_schemars(&mut doc, "Document", crate::document::json_schema());
    let chunk = serde_json::to_value(schemars::schema_for!(Chunk)).unwrap_or(Value::Null);
    add_schemars(&mut doc, "Chunk", chunk);
    doc
}
