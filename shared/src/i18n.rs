//! Every sentence firecheck says to a person, in Simplified Chinese and English.
//!
//! The words live in Fluent catalogs, `shared/locales/{zh-CN,en}/*.ftl`, compiled into the
//! binary (no files to install, nothing read at run time). Code names a message by its key
//! and passes its values by name:
//!
//! ```
//! use firecheck_shared::i18n::Lang;
//! use firecheck_shared::{msg, t};
//! assert_eq!(t!(Lang::En, "saved-offline", waiting = 3), "saved offline, 3 waiting to sync");
//! assert_eq!(t!(Lang::Zh, "saved-offline", waiting = 3), "已离线保存，3 条待同步");
//! // A message to render later, in whichever language the reader asks for:
//! let m = msg!("saved-offline", waiting = 3);
//! assert_eq!(m.render(Lang::Zh), "已离线保存，3 条待同步");
//! ```
//!
//! - [`t!`](crate::t) renders at once; [`msg!`](crate::msg) makes a [`Msg`] (key and values)
//!   that an error carries until someone with a language renders it — the server renders its
//!   errors in the request's `Accept-Language`, the client in the person's locale.
//! - A value may itself be a [`Msg`] (rendered in the same language), so a sentence can
//!   embed a status word or a cause.
//! - A key missing from a language falls back to English, then to the key itself: never a
//!   panic. `shared/tests/catalogs.rs` fails on any key missing from either catalog, any
//!   catalog entry no source file uses, and any message whose two languages take different
//!   values.
//! - Unicode isolation marks are off, so terminals, tables and JSON stay clean.
//!
//! [`words`] names the domain's codes (statuses, severities, kinds …) in each language.

use std::borrow::Cow;
use std::fmt;
use std::sync::LazyLock;

use fluent_bundle::concurrent::FluentBundle;
use fluent_bundle::{FluentArgs, FluentResource, FluentValue};

/// A language firecheck speaks.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
pub enum Lang {
    /// Simplified Chinese (`zh-CN`): the inspectors' and the office's language.
    Zh,
    /// English: for anyone else, and the fallback for a missing message.
    #[default]
    En,
}

impl Lang {
    pub const ALL: [Lang; 2] = [Lang::Zh, Lang::En];

    /// The BCP 47 tag: `zh-CN` or `en`.
    pub fn tag(self) -> &'static str {
        match self {
            Lang::Zh => "zh-CN",
            Lang::En => "en",
        }
    }

    /// The folder of its catalogs under `shared/locales/`.
    pub fn dir(self) -> &'static str {
        self.tag()
    }

    /// A language tag or POSIX locale this build speaks: `zh`, `zh-CN`, `zh_CN.UTF-8`,
    /// `zh-Hans` → Chinese; `en`, `en_US.UTF-8` → English; anything else (`C`, `fr`) → none.
    pub fn parse(s: &str) -> Option<Lang> {
        let primary = s
            .trim()
            .split(['-', '_', '.', '@'])
            .next()
            .unwrap_or("")
            .to_ascii_lowercase();
        match primary.as_str() {
            "zh" => Some(Lang::Zh),
            "en" => Some(Lang::En),
            _ => None,
        }
    }

    /// A POSIX locale's language (`LC_ALL`, `LC_MESSAGES`, `LANG`): Chinese for `zh*`,
    /// English for everything else (`C`, `POSIX`, `en_US.UTF-8`, `de_DE`).
    pub fn from_locale(locale: &str) -> Lang {
        Lang::parse(locale).unwrap_or(Lang::En)
    }

    /// The language an HTTP `Accept-Language` header prefers among those this build speaks
    /// (highest `q` first, then the order given); English when it names neither.
    pub fn from_accept_language(header: &str) -> Lang {
        let mut best: Option<(u32, Lang)> = None;
        for part in header.split(',') {
            let mut fields = part.split(';');
            let Some(lang) = fields.next().and_then(Lang::parse) else {
                continue;
            };
            // q in thousandths; an unreadable q counts as 1, as if absent.
            let q = fields
                .filter_map(|f| f.trim().strip_prefix("q="))
                .next()
                .and_then(|q| q.trim().parse::<f32>().ok())
                .map(|q| (q.clamp(0.0, 1.0) * 1000.0) as u32)
                .unwrap_or(1000);
            if q > 0 && best.is_none_or(|(b, _)| q > b) {
                best = Some((q, lang));
            }
        }
        best.map(|(_, l)| l).unwrap_or(Lang::En)
    }
}

impl std::str::FromStr for Lang {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Lang::parse(s).ok_or_else(|| format!("{s:?}: zh, en"))
    }
}

impl fmt::Display for Lang {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.tag())
    }
}

/// The catalog files of each language, in the order they are loaded. The test in
/// `shared/tests/catalogs.rs` reads the same list.
pub const FILES: [&str; 5] = ["domain", "client", "help", "server", "console"];

macro_rules! catalog {
    ($dir:literal) => {
        [
            include_str!(concat!("../locales/", $dir, "/domain.ftl")),
            include_str!(concat!("../locales/", $dir, "/client.ftl")),
            include_str!(concat!("../locales/", $dir, "/help.ftl")),
            include_str!(concat!("../locales/", $dir, "/server.ftl")),
            include_str!(concat!("../locales/", $dir, "/console.ftl")),
        ]
    };
}

/// The source text of `lang`'s catalog files, as [`FILES`] names them.
pub fn sources(lang: Lang) -> [&'static str; 5] {
    match lang {
        Lang::Zh => catalog!("zh-CN"),
        Lang::En => catalog!("en"),
    }
}

type Bundle = FluentBundle<FluentResource>;

static BUNDLES: LazyLock<[Bundle; 2]> = LazyLock::new(|| Lang::ALL.map(bundle));

fn bundle(lang: Lang) -> Bundle {
    let id = lang
        .tag()
        .parse()
        .unwrap_or_else(|_| unic_langid::LanguageIdentifier::default());
    let mut b = FluentBundle::new_concurrent(vec![id]);
    b.set_use_isolating(false);
    for src in sources(lang) {
        // A syntax error keeps the entries that parsed; the catalog test fails on it.
        let res = FluentResource::try_new(src.to_string()).unwrap_or_else(|(res, _)| res);
        // A duplicate key keeps the first; the catalog test fails on it.
        let _ = b.add_resource(res);
    }
    b
}

fn index(lang: Lang) -> usize {
    match lang {
        Lang::Zh => 0,
        Lang::En => 1,
    }
}

/// Whether `lang`'s catalog has `key` (tests use it; rendering falls back instead).
pub fn has(lang: Lang, key: &str) -> bool {
    BUNDLES[index(lang)].has_message(key)
}

/// One value a message takes: text, a count, or another message in the same language.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub enum Arg {
    Str(String),
    Int(i64),
    Msg(Msg),
}

impl Arg {
    fn fluent(&self, lang: Lang) -> FluentValue<'static> {
        match self {
            Arg::Str(s) => FluentValue::from(s.clone()),
            Arg::Int(n) => FluentValue::from(*n),
            Arg::Msg(m) => FluentValue::from(m.render(lang)),
        }
    }
}

impl From<&str> for Arg {
    fn from(s: &str) -> Self {
        Arg::Str(s.to_string())
    }
}
impl From<String> for Arg {
    fn from(s: String) -> Self {
        Arg::Str(s)
    }
}
impl From<&String> for Arg {
    fn from(s: &String) -> Self {
        Arg::Str(s.clone())
    }
}
impl From<Cow<'_, str>> for Arg {
    fn from(s: Cow<'_, str>) -> Self {
        Arg::Str(s.into_owned())
    }
}
impl From<&Arg> for Arg {
    fn from(a: &Arg) -> Self {
        a.clone()
    }
}
impl From<Msg> for Arg {
    fn from(m: Msg) -> Self {
        Arg::Msg(m)
    }
}
impl From<&Msg> for Arg {
    fn from(m: &Msg) -> Self {
        Arg::Msg(m.clone())
    }
}
macro_rules! int_arg {
    ($($t:ty),*) => {$(
        impl From<$t> for Arg {
            fn from(n: $t) -> Self {
                Arg::Int(i64::try_from(n).unwrap_or(i64::MAX))
            }
        }
    )*};
}
int_arg!(i32, i64, u16, u32, u64, usize);

/// A message not yet rendered: its key and its values. Errors carry these, so whoever shows
/// one (the server to a request, the client to a person) picks the language. `Display`
/// renders English (logs, `anyhow` chains).
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct Msg {
    key: &'static str,
    args: Vec<(&'static str, Arg)>,
}

impl Msg {
    /// Prefer [`msg!`](crate::msg), which the catalog test can see.
    pub fn new(key: &'static str, args: Vec<(&'static str, Arg)>) -> Self {
        Self { key, args }
    }

    pub fn key(&self) -> &'static str {
        self.key
    }

    /// The value passed as `name`, if any.
    pub fn arg(&self, name: &str) -> Option<&Arg> {
        self.args.iter().find(|(n, _)| *n == name).map(|(_, a)| a)
    }

    /// The message in `lang`: from its catalog, else English, else the key itself.
    pub fn render(&self, lang: Lang) -> String {
        text(lang, self.key, &self.args)
    }
}

impl fmt::Display for Msg {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.render(Lang::En))
    }
}

/// `key` with `args` in `lang`; falls back to English, then to the key. Prefer
/// [`t!`](crate::t).
pub fn text(lang: Lang, key: &str, args: &[(&str, Arg)]) -> String {
    format(lang, key, args)
        .or_else(|| format(Lang::En, key, args))
        .unwrap_or_else(|| key.to_string())
}

fn format(lang: Lang, key: &str, args: &[(&str, Arg)]) -> Option<String> {
    let bundle = &BUNDLES[index(lang)];
    let pattern = bundle.get_message(key)?.value()?;
    let mut fluent_args = FluentArgs::with_capacity(args.len());
    for (name, value) in args {
        fluent_args.set(*name, value.fluent(lang));
    }
    // A value the message does not get renders as its name; the catalog test checks that
    // both languages take the same values.
    let mut errors = Vec::new();
    Some(
        bundle
            .format_pattern(pattern, Some(&fluent_args), &mut errors)
            .into_owned(),
    )
}

/// `t!(lang, KEY, name = value, …)`: the message KEY (a literal) in `lang`, now.
#[macro_export]
macro_rules! t {
    ($lang:expr, $key:literal $(, $name:ident = $value:expr)* $(,)?) => {
        $crate::i18n::text(
            $lang,
            $key,
            &[$((stringify!($name), $crate::i18n::Arg::from($value))),*],
        )
    };
}

/// `msg!(KEY, name = value, …)`: the message KEY (a literal), to be rendered later
/// ([`Msg::render`]).
#[macro_export]
macro_rules! msg {
    ($key:literal $(, $name:ident = $value:expr)* $(,)?) => {
        $crate::i18n::Msg::new(
            $key,
            vec![$((stringify!($name), $crate::i18n::Arg::from($value))),*],
        )
    };
}

/// The domain's codes in words: what the client's tables and the office's console show for
/// a status, a severity, a kind. `--json` and the wire keep the codes.
pub mod words {
    use super::Msg;
    use crate::domain::*;
    use crate::query::SourceKind;

    pub fn status(s: HazardStatus) -> Msg {
        match s {
            HazardStatus::Open => msg!("status-open"),
            HazardStatus::Dispatched => msg!("status-dispatched"),
            HazardStatus::ReportedFixed => msg!("status-reported-fixed"),
            HazardStatus::Verified => msg!("status-verified"),
            HazardStatus::Closed => msg!("status-closed"),
            HazardStatus::Reopened => msg!("status-reopened"),
        }
    }

    pub fn severity(s: Severity) -> Msg {
        match s {
            Severity::Critical => msg!("severity-critical"),
            Severity::Major => msg!("severity-major"),
            Severity::Minor => msg!("severity-minor"),
        }
    }

    pub fn kind(k: VenueKind) -> Msg {
        match k {
            VenueKind::StreetShop => msg!("kind-street-shop"),
            VenueKind::EbikePoint => msg!("kind-ebike-point"),
            VenueKind::ThreeInOne => msg!("kind-three-in-one"),
            VenueKind::MetroStation => msg!("kind-metro-station"),
            VenueKind::Residential => msg!("kind-residential"),
            VenueKind::OfficeTower => msg!("kind-office-tower"),
            VenueKind::Other => msg!("kind-other"),
        }
    }

    pub fn outcome(o: Outcome) -> Msg {
        match o {
            Outcome::Pass => msg!("outcome-pass"),
            Outcome::Fail => msg!("outcome-fail"),
            Outcome::NotApplicable => msg!("outcome-na"),
        }
    }

    pub fn venue_status(s: VenueStatus) -> Msg {
        match s {
            VenueStatus::Active => msg!("venue-status-active"),
            VenueStatus::Closed => msg!("venue-status-closed"),
            VenueStatus::Moved => msg!("venue-status-moved"),
        }
    }

    pub fn role(r: Role) -> Msg {
        match r {
            Role::Inspector => msg!("role-inspector"),
            Role::Officer => msg!("role-officer"),
            Role::Admin => msg!("role-admin"),
        }
    }

    pub fn source(s: SourceKind) -> Msg {
        match s {
            SourceKind::Inspection => msg!("source-inspection"),
            SourceKind::CitizenReport => msg!("source-citizen-report"),
            SourceKind::Drill => msg!("source-drill"),
            SourceKind::Visit => msg!("source-visit"),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn locales_and_accept_language_pick_a_language() {
        for (s, want) in [
            ("zh_CN.UTF-8", Some(Lang::Zh)),
            ("zh-Hans-CN", Some(Lang::Zh)),
            ("ZH", Some(Lang::Zh)),
            ("zh_TW", Some(Lang::Zh)),
            ("en_US.UTF-8", Some(Lang::En)),
            ("C", None),
            ("C.UTF-8", None),
            ("fr_FR", None),
            ("", None),
        ] {
            assert_eq!(Lang::parse(s), want, "{s:?}");
        }
        assert_eq!(Lang::from_locale("POSIX"), Lang::En);
        for (h, want) in [
            ("zh-CN", Lang::Zh),
            ("zh-CN,zh;q=0.9,en;q=0.8", Lang::Zh),
            ("en-US,en;q=0.9,zh-CN;q=0.8", Lang::En),
            ("fr, zh;q=0.5", Lang::Zh),
            ("en;q=0.2, zh;q=0.7", Lang::Zh),
            ("zh;q=0, en", Lang::En),
            ("*", Lang::En),
            ("", Lang::En),
            ("de", Lang::En),
        ] {
            assert_eq!(Lang::from_accept_language(h), want, "{h:?}");
        }
    }

    #[test]
    fn a_missing_key_falls_back_to_english_then_to_the_key() {
        assert_eq!(text(Lang::Zh, "no-such-key", &[]), "no-such-key");
        assert_eq!(
            t!(Lang::Zh, "saved-offline", waiting = 2),
            "已离线保存，2 条待同步"
        );
    }

    #[test]
    fn a_message_can_embed_a_message_in_the_same_language() {
        let m = msg!(
            "hazard-now",
            id = "abcd1234",
            status = words::status(HazardStatus::Closed)
        );
        assert!(
            m.render(Lang::Zh).contains("已关闭"),
            "{}",
            m.render(Lang::Zh)
        );
        assert!(m.render(Lang::En).contains("closed"), "{m}");
    }

    use crate::domain::HazardStatus;
}
