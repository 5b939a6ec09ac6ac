//! `firecheck-harness`: kill the real binaries at random moments and check that nothing
//! acknowledged is lost or doubled. Exit 0: every invariant held; 1: one broke (the evidence
//! is printed); 2: usage.

use std::path::PathBuf;

use clap::{Parser, Subcommand};
use firecheck_harness::{client_crash, crash};

#[derive(Debug, Parser)]
#[command(name = "firecheck-harness", version, about)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// SIGKILL firecheck-server at random moments while client replicas push and pull;
    /// restart it on the same data dir; check acks, seqs, views and convergence every cycle.
    Crash {
        /// Kill cycles (CI: 20; long mode: 500).
        #[arg(long, default_value_t = 20)]
        cycles: u32,
        /// Concurrent client replicas (zhangwei, lina, wangfang in turn).
        #[arg(long, default_value_t = 3)]
        clients: usize,
        #[arg(long, default_value_t = 1)]
        seed: u64,
        /// The firecheck-server binary [default: next to this one].
        #[arg(long)]
        server_bin: Option<PathBuf>,
        /// Compare the views with `firecheck-server rebuild` every N cycles (and at the end).
        #[arg(long, default_value_t = 5)]
        rebuild_every: u32,
        /// Compare with a fresh replica every N cycles (and at the end).
        #[arg(long, default_value_t = 1)]
        fresh_every: u32,
        /// Inspections recorded offline before a heavy push.
        #[arg(long, default_value_t = 40)]
        burst: usize,
        /// Keep the temp dir (data dir, client homes, server log).
        #[arg(long)]
        keep: bool,
        /// Only the summary line, no line per cycle.
        #[arg(long, short)]
        quiet: bool,
    },
    /// SIGKILL the firecheck CLI mid-`inspect` and mid-`sync`; check nothing saved is gone
    /// and the outbox resumes.
    ClientCrash {
        #[arg(long, default_value_t = 40)]
        rounds: u32,
        #[arg(long, default_value_t = 1)]
        seed: u64,
        /// Ops waiting before each killed `sync`.
        #[arg(long, default_value_t = 600)]
        outbox: usize,
        /// The firecheck-server binary [default: next to this one].
        #[arg(long)]
        server_bin: Option<PathBuf>,
        /// The firecheck binary [default: next to this one].
        #[arg(long)]
        client_bin: Option<PathBuf>,
        #[arg(long)]
        keep: bool,
        #[arg(long, short)]
        quiet: bool,
    },
}

fn main() {
    let cli = Cli::parse();
    let code = match cli.command {
        Command::Crash {
            cycles,
            clients,
            seed,
            server_bin,
            rebuild_every,
            fresh_every,
            burst,
            keep,
            quiet,
        } => {
            let opts = crash::Options {
                cycles,
                clients,
                seed,
                server_bin,
                rebuild_every,
                fresh_every,
                burst,
                keep,
                verbose: !quiet,
            };
            match crash::run(&opts) {
                Ok(s) => {
                    for w in &s.warnings {
                        eprintln!("warning: {w}");
                    }
                    println!("{s}");
                    0
                }
                Err(f) => {
                    for w in &f.summary.warnings {
                        eprintln!("warning: {w}");
                    }
                    println!("{f}");
                    1
                }
            }
        }
        Command::ClientCrash {
            rounds,
            seed,
            outbox,
            server_bin,
            client_bin,
            keep,
            quiet,
        } => {
            let opts = client_crash::Options {
                rounds,
                seed,
                server_bin,
                client_bin,
                outbox,
                keep,
                verbose: !quiet,
            };
            match client_crash::run(&opts) {
                Ok(s) => {
                    println!("{s}");
                    0
                }
                Err(f) => {
                    println!("{f}");
                    1
                }
            }
        }
    };
    std::process::exit(code);
}
