//! `firecheck`: parse, run, map errors to the documented exit codes.

use clap::Parser;

fn main() {
    let cli = firecheck_cli::Cli::parse();
    if std::env::var_os("FIRECHECK_LOG").is_some() {
        tracing_subscriber::fmt()
            .with_env_filter(tracing_subscriber::EnvFilter::from_env("FIRECHECK_LOG"))
            .with_writer(std::io::stderr)
            .init();
    }
    let mut out = std::io::stdout().lock();
    if let Err(e) = firecheck_cli::run(cli, &mut out) {
        drop(out);
        eprintln!("error: {e}");
        std::process::exit(e.exit_code());
    }
}
