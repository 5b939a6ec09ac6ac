//! `firecheck`: parse, run, map errors to the documented exit codes — in the person's
//! language (`--lang`, `FIRECHECK_LANG`, the locale).

use clap::error::ErrorKind;
use firecheck_shared::i18n::Lang;
use firecheck_shared::t;

fn main() {
    let args: Vec<std::ffi::OsString> = std::env::args_os().collect();
    let lang = firecheck_cli::lang::detect(&args);
    let cli = match firecheck_cli::parse(&args, lang) {
        Ok(cli) => cli,
        Err(e) => match e.kind() {
            // Help and version (already in `lang`) go to standard output, exit 0; a missing
            // subcommand prints the help too, exit 2.
            ErrorKind::DisplayHelp
            | ErrorKind::DisplayVersion
            | ErrorKind::DisplayHelpOnMissingArgumentOrSubcommand => e.exit(),
            _ if lang == Lang::En => e.exit(),
            _ => {
                eprintln!(
                    "{}",
                    t!(
                        lang,
                        "error-line",
                        message = firecheck_cli::lang::usage_error(&e, lang)
                    )
                );
                std::process::exit(2);
            }
        },
    };
    if std::env::var_os("FIRECHECK_LOG").is_some() {
        tracing_subscriber::fmt()
            .with_env_filter(tracing_subscriber::EnvFilter::from_env("FIRECHECK_LOG"))
            .with_writer(std::io::stderr)
            .init();
    }
    let lang = firecheck_cli::language(&cli);
    let mut out = std::io::stdout().lock();
    if let Err(e) = firecheck_cli::run(cli, &mut out) {
        drop(out);
        eprintln!("{}", t!(lang, "error-line", message = e.render(lang)));
        std::process::exit(e.exit_code());
    }
}
