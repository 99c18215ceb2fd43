//! `folio serve`: the HTTP API on one address, with the settings of `--config`, API keys and
//! the safety check that keeps a server without keys on loopback.

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
    /// Listen beyond loopback without API keys (anyone who can reach the port can use it).
    #[arg(long)]
    insecure_no_auth: bool,
    /// Log lines as text (default) or JSON objects.
    #[arg(long, value_parser = ["text", "json"], default_value = "text")]
    log_format: String,
}

/// Whether the log is wanted as JSON (read before logging starts).
pub fn wants_json_logs(args: &ServeArgs) -> bool {
    args.log_format == "json"
}

pub fn run(args: ServeArgs) -> anyhow::Result<()> {
    let mut config = ServerConfig::load(args.config.as_deref())?;
    if let Some(addr) = args.addr {
        config.addr = addr;
    }
    config.storage = args.storage.over(config.storage);
    config.validate()?;
    match (args.data, args.config.is_some()) {
        (Some(d), _) => config.data = d,
        (None, false) => config.data = super::default_data_dir(),
        (None, true) => {}
    }
    if !config.addr.ip().is_loopback() && config.api_keys.is_empty() && !args.insecure_no_auth {
        anyhow::bail!(
            "refusing to listen on {} without API keys: set FOLIO_API_KEYS (or api_keys in --config), \
             listen on 127.0.0.1, or pass --insecure-no-auth",
            config.addr
        );
    }
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()?;
    runtime.block_on(async move {
        let listener = tokio::net::TcpListener::bind(config.addr)
            .await
            .map_err(|e| anyhow::anyhow!("cannot listen on {}: {e}", config.addr))?;
        let local = listener.local_addr()?;
        // The first line on stdout, for scripts and tests that asked for port 0.
        println!("listening on http://{local}");
        tracing::info!(
            addr = %local,
            data = %config.data.display(),
            auth = !config.api_keys.is_empty(),
            "folio serve"
        );
        api::serve(listener, config, shutdown_signal()).await?;
        Ok(())
    })
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
