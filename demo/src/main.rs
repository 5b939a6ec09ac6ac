//! `firecheck-demo`: tell the end-to-end story — two inspectors offline, the office online,
//! one merge — against `--server URL` or a demo server started in-process on a temp dir.

use clap::Parser;

/// Tell firecheck's story end to end: two inspectors work offline on 小木桥路, the safety
/// office online; the same blocked exit found twice becomes one hazard, a close that
/// conflicts with a later finding reopens it with both facts visible, a drill is logged; at
/// the end every replica must show the same hazards (exit 1 if not).
#[derive(Debug, Parser)]
#[command(name = "firecheck-demo", version, about, long_about)]
struct Cli {
    /// A server with the demo data (`firecheck-server --demo`) [default: start one here on
    /// a temp dir].
    #[arg(long, env = "FIRECHECK_SERVER")]
    server: Option<String>,
}

fn main() -> anyhow::Result<()> {
    let cli = Cli::parse();
    let mut out = std::io::stdout().lock();
    firecheck_demo::story::tell(cli.server.as_deref(), &mut out)?;
    Ok(())
}
