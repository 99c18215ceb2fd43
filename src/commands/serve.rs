//! `folio serve`: the HTTP API on one address, with the settings of `--config`, API keys,
//! TLS, and the safety checks that keep a server without keys, or without TLS, on loopback.
//! SIGHUP reads the config file again (keys, tenants, certificate); SIGTERM stops it within
//! `shutdown_seconds`.

use folio::api::{self, ServerConfig};
use std::net::SocketAddr;
use std::path::PathBuf;

#[derive(clap::Args)]
pub struct ServeArgs {
    /// Address to listen on (default 127.0.0.1:8080; port 0 picks a free one).
    #[arg(long)]
    addr: Option<SocketAddr>,
    /// Data directory of the stores (default: the config's, else $FOLIO_DATA, else
    /// ./folio-data).
    #[arg(long)]
    data: Option<PathBuf>,
    #[command(flatten)]
    storage: super::StorageArgs,
    /// Server settings (TOML): addr, data, api_keys, pipeline, [limits]…
    #[arg(long)]
    config: Option<PathBuf>,
    /// Listen beyond loopback without API keys (anyone who can reach the port can use it;
    /// also allows plain HTTP there).
    #[arg(long)]
    insecure_no_auth: bool,
    /// PEM certificate chain: serve HTTPS (with --tls-key; reloaded on SIGHUP).
    #[arg(long, requires = "tls_key")]
    tls_cert: Option<PathBuf>,
    /// PEM private key of --tls-cert.
    #[arg(long, requires = "tls_cert")]
    tls_key: Option<PathBuf>,
    /// Plain HTTP beyond loopback is fine: a proxy in front terminates TLS.
    #[arg(long)]
    behind_proxy: bool,
    /// Log lines as text (default) or JSON objects.
    #[arg(long, value_parser = ["text", "json"], default_value = "text")]
    log_format: String,
}

/// Whether the log is wanted as JSON (read before logging starts).
pub fn wants_json_logs(args: &ServeArgs) -> bool {
    args.log_format == "json"
}

/// The settings: the config file (or defaults), then the flags.
fn settings(args: &ServeArgs) -> anyhow::Result<ServerConfig> {
    let mut config = ServerConfig::load(args.config.as_deref())?;
    if let Some(addr) = args.addr {
        config.addr = addr;
    }
    config.storage = args.storage.over(config.storage.clone());
    match (&args.data, args.config.is_some()) {
        (Some(d), _) => config.data = d.clone(),
        (None, false) => config.data = super::default_data_dir(),
        (None, true) => {}
    }
    if args.tls_cert.is_some() {
        config.tls_cert = args.tls_cert.clone();
        config.tls_key = args.tls_key.clone();
    }
    config.validate()?;
    Ok(config)
}

pub fn run(args: ServeArgs) -> anyhow::Result<()> {
    let config = settings(&args)?;
    let off_loopback = !config.addr.ip().is_loopback();
    if off_loopback && !config.has_keys() && !args.insecure_no_auth {
        anyhow::bail!(
            "refusing to listen on {} without API keys: set FOLIO_API_KEYS (or api_keys or \
             [[tenants]] in --config), listen on 127.0.0.1, or pass --insecure-no-auth",
            config.addr
        );
    }
    let tls = config.tls_cert.is_some();
    if off_loopback && !tls && !args.behind_proxy && !args.insecure_no_auth {
        anyhow::bail!(
            "refusing plain HTTP on {}: pass --tls-cert and --tls-key (PEM), or --behind-proxy \
             when a proxy in front terminates TLS",
            config.addr
        );
    }
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()?;
    let served = runtime.block_on(async move {
        let listener = tokio::net::TcpListener::bind(config.addr)
            .await
            .map_err(|e| anyhow::anyhow!("cannot listen on {}: {e}", config.addr))?;
        let local = listener.local_addr()?;
        let scheme = if tls { "https" } else { "http" };
        // The first line on stdout, for scripts and tests that asked for port 0.
        println!("listening on {scheme}://{local}");
        tracing::info!(
            addr = %local,
            data = %config.data.display(),
            auth = config.has_keys(),
            tls,
            "folio serve"
        );
        let (tx, reloads) = tokio::sync::mpsc::unbounded_channel();
        tokio::spawn(reload_on_hangup(args, tx));
        api::serve(listener, config, shutdown_signal(), reloads).await?;
        Ok(())
    });
    // `serve` has waited as long as `shutdown_seconds` allows; a job still stuck in a page
    // (or models still loading) must not hold the exit: don't wait for the blocking pool.
    runtime.shutdown_background();
    served
}

/// SIGHUP: the config file and flags read again and handed to the server (a file that no
/// longer parses is reported and ignored).
async fn reload_on_hangup(args: ServeArgs, tx: tokio::sync::mpsc::UnboundedSender<ServerConfig>) {
    #[cfg(unix)]
    {
        use tokio::signal::unix::{signal, SignalKind};
        let Ok(mut hangups) = signal(SignalKind::hangup()) else {
            return;
        };
        while hangups.recv().await.is_some() {
            tracing::info!("SIGHUP: reading the settings again");
            match settings(&args) {
                Ok(config) => {
                    if tx.send(config).is_err() {
                        return;
                    }
                }
                Err(e) => tracing::error!("settings not reloaded (the old ones stay): {e:#}"),
            }
        }
    }
    #[cfg(not(unix))]
    {
        let _ = (args, tx);
    }
}

/// SIGINT or SIGTERM.
async fn shutdown_signal() {
    let interrupt = tokio::signal::ctrl_c();
    #[cfg(unix)]
    {
        let mut term =
            match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
                Ok(s) => s,
                Err(_) => {
                    let _ = interrupt.await;
                    return;
                }
            };
        tokio::select! {
            _ = interrupt => {}
            _ = term.recv() => {}
        }
    }
    #[cfg(not(unix))]
    {
        let _ = interrupt.await;
    }
    tracing::info!("shutdown signal received");
}
