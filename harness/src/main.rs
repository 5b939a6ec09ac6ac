//! `firecheck-harness`: kill the real binaries at random moments and check that nothing
//! acknowledged is lost or doubled. Exit 0: every invariant held; 1: one broke (the evidence
//! is printed); 2: usage.

use clap::{Parser, Subcommand};
use firecheck_harness::{client_crash, crash, two_nodes};

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
    Crash(crash::Options),
    /// SIGKILL the firecheck CLI mid-`inspect` and mid-`sync`; check nothing saved is gone
    /// and the outbox resumes.
    ClientCrash(client_crash::Options),
    /// Two server nodes on one PostgreSQL database; SIGKILL them in turn while devices push
    /// to both; check the log and the review answers on each.
    TwoNodes(two_nodes::Options),
}

fn main() {
    let cli = Cli::parse();
    let code = match cli.command {
        Command::Crash(opts) => match crash::run(&opts) {
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
        },
        Command::TwoNodes(opts) => match two_nodes::run(&opts) {
            Ok(s) => {
                println!("{s}");
                0
            }
            Err(f) => {
                println!("{f}");
                1
            }
        },
        Command::ClientCrash(opts) => match client_crash::run(&opts) {
            Ok(s) => {
                println!("{s}");
                0
            }
            Err(f) => {
                println!("{f}");
                1
            }
        },
    };
    std::process::exit(code);
}
