//! Which tenant a catalog row belongs to. Files rows name their tenant in the path: the
//! default tenant's paths are as ingested (`/data/a.pdf`, `upload:ID`), another tenant's
//! start with `@NAME/`, so two tenants' uploads of the same bytes are two rows pointing at
//! one stored document. The `tenant` column repeats the name for indexed scoping.

/// The tenant of a server without tenants, of the plain API keys and of `folio ingest`.
pub const DEFAULT_TENANT: &str = "default";

/// Whether `name` can name a tenant: 1 to 64 of `a-z`, `0-9`, `-` and `_`.
pub fn valid_tenant_name(name: &str) -> bool {
    !name.is_empty()
        && name.len() <= 64
        && name
            .bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-' || b == b'_')
}

/// The tenant a stored path belongs to.
pub fn tenant_of_path(path: &str) -> &str {
    path.strip_prefix('@')
        .and_then(|rest| rest.split_once('/'))
        .map(|(name, _)| name)
        .unwrap_or(DEFAULT_TENANT)
}

/// A stored path as its tenant sees it (without the `@NAME/` prefix).
pub fn visible_path(path: &str) -> &str {
    path.strip_prefix('@')
        .and_then(|rest| rest.split_once('/'))
        .map(|(_, p)| p)
        .unwrap_or(path)
}

/// `path` as tenant `tenant`'s rows store it.
pub fn tenant_path(tenant: &str, path: &str) -> String {
    match tenant {
        DEFAULT_TENANT => path.to_string(),
        name => format!("@{name}/{path}"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn paths_carry_their_tenant() {
        let p = tenant_path("team-a", "upload:doc_1");
        assert_eq!(p, "@team-a/upload:doc_1");
        assert_eq!(tenant_of_path(&p), "team-a");
        assert_eq!(visible_path(&p), "upload:doc_1");
        let d = tenant_path(DEFAULT_TENANT, "upload:doc_1");
        assert_eq!(d, "upload:doc_1");
        assert_eq!(tenant_of_path(&d), DEFAULT_TENANT);
        assert_eq!(tenant_of_path("/data/a.pdf"), DEFAULT_TENANT);
        assert_eq!(visible_path("/data/a.pdf"), "/data/a.pdf");
    }
}
