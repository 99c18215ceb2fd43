//! Tenants: who a request acts for. API keys map to tenants (`[[tenants]]`; the plain
//! `api_keys` act for `default`), admin keys open the operations routes. Every document,
//! file, job and batch belongs to one tenant, and a tenant's ids are invisible to the others.
//! The key table is rebuilt from the config file on SIGHUP, so keys rotate without a restart.

use super::config::{ServerConfig, TenantLimits};
use crate::error::{Error, Result};
use std::collections::BTreeMap;
use std::sync::Arc;

pub use crate::catalog::DEFAULT_TENANT;

/// Who made a request.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Caller {
    pub tenant: Arc<str>,
    /// Presented an admin key: may use the operations routes.
    pub admin: bool,
}

impl Caller {
    pub fn default_tenant() -> Self {
        Self {
            tenant: Arc::from(DEFAULT_TENANT),
            admin: false,
        }
    }

    /// The catalog path of an upload of document `id` by this tenant.
    pub fn upload_path(&self, id: &str) -> String {
        crate::catalog::tenant_path(&self.tenant, &format!("upload:{id}"))
    }
}

/// The key table and each tenant's limits.
#[derive(Debug, Default)]
pub struct Access {
    keys: Vec<(String, Caller)>,
    limits: BTreeMap<String, TenantLimits>,
    /// Tenants other than `default` are configured: every listing and search is scoped.
    pub scoped: bool,
}

/// Compares without stopping at the first difference, so timing does not reveal a prefix.
fn same(a: &[u8], b: &[u8]) -> bool {
    a.len() == b.len() && a.iter().zip(b).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
}

impl Access {
    /// The table `config` describes; refuses short keys, a key given twice, bad names.
    pub fn from_config(config: &ServerConfig) -> Result<Self> {
        fn bad<T>(what: String) -> Result<T> {
            Err(Error::Pipeline(format!("server config: {what}")))
        }
        let mut access = Access::default();
        let mut add = |key: &str, caller: Caller| -> Result<()> {
            if key.len() < 16 {
                return bad("API keys must be at least 16 characters".into());
            }
            if access.keys.iter().any(|(k, _)| k == key) {
                return bad("the same API key is given twice".into());
            }
            access.keys.push((key.to_string(), caller));
            Ok(())
        };
        for key in &config.api_keys {
            add(key, Caller::default_tenant())?;
        }
        for key in &config.admin_keys {
            add(
                key,
                Caller {
                    admin: true,
                    ..Caller::default_tenant()
                },
            )?;
        }
        let mut limits = BTreeMap::new();
        for t in &config.tenants {
            if !crate::catalog::valid_tenant_name(&t.name) {
                return bad(format!(
                    "tenant name '{}' must be 1-64 of a-z, 0-9, '-' and '_'",
                    t.name
                ));
            }
            if limits.insert(t.name.clone(), t.limits.clone()).is_some() {
                return bad(format!("tenant '{}' is given twice", t.name));
            }
            for key in &t.keys {
                add(
                    key,
                    Caller {
                        tenant: Arc::from(t.name.as_str()),
                        admin: false,
                    },
                )?;
            }
        }
        access.scoped = limits.keys().any(|n| n != DEFAULT_TENANT);
        access.limits = limits;
        Ok(access)
    }

    /// Whether requests need a key at all.
    pub fn needs_key(&self) -> bool {
        !self.keys.is_empty()
    }

    /// The caller a key belongs to.
    pub fn caller(&self, key: &str) -> Option<&Caller> {
        self.keys
            .iter()
            .find(|(k, _)| same(k.as_bytes(), key.as_bytes()))
            .map(|(_, c)| c)
    }

    /// Whether admin keys are configured.
    pub fn has_admins(&self) -> bool {
        self.keys.iter().any(|(_, c)| c.admin)
    }

    /// Whether `name` is a tenant here (`default` always is).
    pub fn knows(&self, name: &str) -> bool {
        name == DEFAULT_TENANT || self.limits.contains_key(name)
    }

    pub fn limits(&self, tenant: &str) -> TenantLimits {
        self.limits.get(tenant).cloned().unwrap_or_default()
    }

    /// Every tenant with a limit on running jobs, and that limit.
    pub fn job_limits(&self) -> Vec<(String, usize)> {
        self.limits
            .iter()
            .filter_map(|(n, l)| l.concurrent_jobs.map(|c| (n.clone(), c)))
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keys_map_to_tenants_and_bad_tables_are_refused() {
        let config: ServerConfig = toml::from_str(
            r#"
            api_keys = ["plain-key-0123456789"]
            admin_keys = ["admin-key-0123456789"]
            [[tenants]]
            name = "team-a"
            keys = ["team-a-key-0123456789"]
            limits = { concurrent_jobs = 1 }
            "#,
        )
        .expect("parses");
        let access = Access::from_config(&config).expect("valid");
        assert!(access.scoped);
        assert_eq!(
            &*access
                .caller("team-a-key-0123456789")
                .expect("known")
                .tenant,
            "team-a"
        );
        assert!(access.caller("admin-key-0123456789").expect("known").admin);
        assert!(access.caller("team-a-key-012345678").is_none());
        assert_eq!(access.job_limits(), vec![("team-a".to_string(), 1)]);
        for bad in [
            "[[tenants]]\nname = \"A\"\nkeys = []",
            "[[tenants]]\nname = \"a\"\nkeys = [\"short\"]",
            "api_keys = [\"same-key-0123456789\"]\n[[tenants]]\nname = \"a\"\nkeys = [\"same-key-0123456789\"]",
        ] {
            let config: ServerConfig = toml::from_str(bad).expect("parses");
            assert!(Access::from_config(&config).is_err(), "{bad}");
        }
    }
}
