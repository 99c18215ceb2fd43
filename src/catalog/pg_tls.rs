//! TLS to the PostgreSQL catalog, with libpq's `sslmode` meanings: `disable`; `prefer` (the
//! default: encrypted when the server offers it) and `require` encrypt without checking the
//! server's certificate; `verify-ca` checks that a trusted authority signed it and
//! `verify-full` also that it names the host. The authorities are the PEM file `sslrootcert`
//! names, else the common public ones (Mozilla's list). Both settings are taken from the URL's
//! query (`postgres://…/db?sslmode=verify-full&sslrootcert=/etc/folio/pg-ca.pem`).

use crate::error::{Error, Result};
use postgres::config::SslMode;
use rustls::client::danger::{HandshakeSignatureValid, ServerCertVerified, ServerCertVerifier};
use rustls::client::WebPkiServerVerifier;
use rustls::crypto::{verify_tls12_signature, verify_tls13_signature, CryptoProvider};
use rustls::pki_types::{CertificateDer, ServerName, UnixTime};
use rustls::{
    CertificateError, ClientConfig, DigitallySignedStruct, RootCertStore, SignatureScheme,
};
use std::path::PathBuf;
use std::sync::Arc;
use tokio_postgres_rustls::MakeRustlsConnect;

/// How far the server's certificate is checked.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Mode {
    Disable,
    Prefer,
    Require,
    VerifyCa,
    VerifyFull,
}

/// What the URL asks of TLS.
#[derive(Debug, Clone, PartialEq)]
pub struct Tls {
    pub mode: Mode,
    pub root: Option<PathBuf>,
}

fn bad(message: String) -> Error {
    Error::Catalog(message)
}

/// Decodes `%XX` escapes of a URL query value.
fn unescape(value: &str) -> String {
    let bytes = value.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        let hex = bytes
            .get(i + 1..i + 3)
            .and_then(|h| std::str::from_utf8(h).ok())
            .and_then(|h| u8::from_str_radix(h, 16).ok());
        match (bytes[i], hex) {
            (b'%', Some(b)) => {
                out.push(b);
                i += 3;
            }
            (b, _) => {
                out.push(b);
                i += 1;
            }
        }
    }
    String::from_utf8_lossy(&out).into_owned()
}

/// Takes `sslmode` and `sslrootcert` out of the URL (the driver knows only some of libpq's
/// modes, and no root certificate); the URL without them, and what they ask.
pub fn split(url: &str) -> Result<(String, Tls)> {
    let mut tls = Tls {
        mode: Mode::Prefer,
        root: None,
    };
    let Some((base, query)) = url.split_once('?') else {
        return Ok((url.to_string(), tls));
    };
    let mut kept = Vec::new();
    for pair in query.split('&').filter(|p| !p.is_empty()) {
        let (key, value) = pair.split_once('=').unwrap_or((pair, ""));
        match key {
            "sslmode" => {
                tls.mode = match unescape(value).as_str() {
                    "disable" => Mode::Disable,
                    "allow" | "prefer" => Mode::Prefer,
                    "require" => Mode::Require,
                    "verify-ca" => Mode::VerifyCa,
                    "verify-full" => Mode::VerifyFull,
                    other => {
                        return Err(bad(format!(
                            "unknown sslmode '{other}' in the catalog URL (disable, prefer, require, verify-ca, verify-full)"
                        )))
                    }
                }
            }
            "sslrootcert" => tls.root = Some(PathBuf::from(unescape(value))),
            _ => kept.push(pair),
        }
    }
    let rest = match kept.is_empty() {
        true => base.to_string(),
        false => format!("{base}?{}", kept.join("&")),
    };
    Ok((rest, tls))
}

impl Tls {
    /// The driver's setting for this mode.
    pub fn ssl_mode(&self) -> SslMode {
        match self.mode {
            Mode::Disable => SslMode::Disable,
            Mode::Prefer => SslMode::Prefer,
            Mode::Require | Mode::VerifyCa | Mode::VerifyFull => SslMode::Require,
        }
    }

    /// The TLS connector, with the certificate checks the mode asks for.
    pub fn connector(&self) -> Result<MakeRustlsConnect> {
        let provider = Arc::new(rustls::crypto::ring::default_provider());
        let builder = ClientConfig::builder_with_provider(provider.clone())
            .with_safe_default_protocol_versions()
            .map_err(|e| bad(format!("TLS: {e}")))?;
        let authority = match self.mode {
            Mode::Disable | Mode::Prefer | Mode::Require => None,
            Mode::VerifyCa | Mode::VerifyFull => Some(
                WebPkiServerVerifier::builder_with_provider(
                    Arc::new(self.roots()?),
                    provider.clone(),
                )
                .build()
                .map_err(|e| bad(format!("TLS: {e}")))?,
            ),
        };
        let check = Check {
            provider,
            authority,
            any_name: self.mode == Mode::VerifyCa,
        };
        let config = builder
            .dangerous()
            .with_custom_certificate_verifier(Arc::new(check))
            .with_no_client_auth();
        Ok(MakeRustlsConnect::new(config))
    }

    /// The authorities certificates are checked against.
    fn roots(&self) -> Result<RootCertStore> {
        let mut roots = RootCertStore::empty();
        let Some(path) = &self.root else {
            roots.extend(webpki_roots::TLS_SERVER_ROOTS.iter().cloned());
            return Ok(roots);
        };
        let pem = std::fs::read(path).map_err(|source| Error::Io {
            path: path.clone(),
            source,
        })?;
        for cert in rustls_pemfile::certs(&mut pem.as_slice()) {
            let cert = cert.map_err(|e| bad(format!("sslrootcert {}: {e}", path.display())))?;
            roots
                .add(cert)
                .map_err(|e| bad(format!("sslrootcert {}: {e}", path.display())))?;
        }
        if roots.is_empty() {
            return Err(bad(format!(
                "sslrootcert {} holds no PEM certificate",
                path.display()
            )));
        }
        Ok(roots)
    }
}

/// The server certificate check of a mode: none (`prefer`, `require`: encryption without
/// knowing whose certificate it is, as libpq), or a trusted authority's signature, with the
/// host name (`verify-full`) or any name (`verify-ca`).
#[derive(Debug)]
struct Check {
    provider: Arc<CryptoProvider>,
    authority: Option<Arc<WebPkiServerVerifier>>,
    any_name: bool,
}

impl ServerCertVerifier for Check {
    fn verify_server_cert(
        &self,
        end_entity: &CertificateDer<'_>,
        intermediates: &[CertificateDer<'_>],
        server_name: &ServerName<'_>,
        ocsp_response: &[u8],
        now: UnixTime,
    ) -> std::result::Result<ServerCertVerified, rustls::Error> {
        let Some(authority) = &self.authority else {
            return Ok(ServerCertVerified::assertion());
        };
        match authority.verify_server_cert(
            end_entity,
            intermediates,
            server_name,
            ocsp_response,
            now,
        ) {
            Err(rustls::Error::InvalidCertificate(
                CertificateError::NotValidForName | CertificateError::NotValidForNameContext { .. },
            )) if self.any_name => Ok(ServerCertVerified::assertion()),
            other => other,
        }
    }

    fn verify_tls12_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> std::result::Result<HandshakeSignatureValid, rustls::Error> {
        let algorithms = &self.provider.signature_verification_algorithms;
        verify_tls12_signature(message, cert, dss, algorithms)
    }

    fn verify_tls13_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> std::result::Result<HandshakeSignatureValid, rustls::Error> {
        let algorithms = &self.provider.signature_verification_algorithms;
        verify_tls13_signature(message, cert, dss, algorithms)
    }

    fn supported_verify_schemes(&self) -> Vec<SignatureScheme> {
        self.provider
            .signature_verification_algorithms
            .supported_schemes()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sslmode_and_root_are_taken_from_the_url() {
        let (rest, tls) = split("postgres://u:p@h:5432/db").expect("plain");
        assert_eq!(
            (rest.as_str(), tls.mode),
            ("postgres://u:p@h:5432/db", Mode::Prefer)
        );
        let (rest, tls) = split(
            "postgres://u@h/db?application_name=x&sslmode=verify-full&sslrootcert=%2Fetc%2Fca.pem",
        )
        .expect("verify-full");
        assert_eq!(rest, "postgres://u@h/db?application_name=x");
        assert_eq!(tls.mode, Mode::VerifyFull);
        assert_eq!(tls.root, Some(PathBuf::from("/etc/ca.pem")));
        assert_eq!(tls.ssl_mode(), SslMode::Require);
        let err = split("postgres://h/db?sslmode=strict").expect_err("unknown");
        assert!(
            err.to_string().contains("unknown sslmode 'strict'"),
            "{err}"
        );
        let missing = Tls {
            mode: Mode::VerifyCa,
            root: Some("/nonexistent/ca.pem".into()),
        };
        assert!(missing.connector().is_err());
    }
}
