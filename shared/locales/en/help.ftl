# `firecheck --help` and every subcommand's help (cli-client/src/lang.rs). Keys follow the
# command tree: cli-about is firecheck itself, cli-PATH a subcommand (cli-hazard-dispatch),
# cli-PATH--ARG an argument (cli-hazard-dispatch--due), cli--ARG a global flag; cli-PATH-long
# a longer description. The client's test checks every command and argument has its key.

cli-usage = Usage:
cli-heading-arguments = Arguments
cli-heading-options = Options
cli-heading-commands = Commands
cli-command-placeholder = COMMAND
cli-help-flag = Print help
cli-version-flag = Print version
cli-help-command = Print this message or the help of the given subcommand(s)
cli-exit-codes =
    Exit codes:
      0  done
      1  unexpected failure (local storage, a bug)
      2  usage: the command line could not be read
      3  not logged in, or the login expired: run `firecheck login USER` (queued ops wait)
      4  the server cannot be reached, or its https certificate is not trusted: everything
         stays queued; sync again later
      5  not found: no such venue, hazard, template or campaign
      6  invalid input: a date, an item code, a value, or a change your role may not make

cli-about = firecheck: record fire-safety inspections offline, sync them when there is a network.
cli-about-long =
    firecheck: record fire-safety inspections offline, sync them when there is a network.

    Every command except `login` and `sync` works with no network at all.
    Language: --lang zh|en, else FIRECHECK_LANG, else the locale (LC_ALL, LC_MESSAGES, LANG: zh_* is Chinese).
cli--home = Where this device keeps its replica (FIRECHECK_HOME) [default on Linux: $XDG_DATA_HOME/firecheck or ~/.local/share/firecheck]
cli--server = Server URL, e.g. http://127.0.0.1:8080 or https://firecheck.example.org (FIRECHECK_SERVER; remembered at login)
cli--ca_cert = Also trust the certificate authority in FILE (PEM) for an https server, e.g. an office's private CA; the system's roots are always trusted (FIRECHECK_CA_CERT)
cli--json = Print listings as JSON, for scripts
cli--lang = The language to speak: zh (Chinese) or en (English) [default: FIRECHECK_LANG, else the locale]

cli-login = Log in (online) as USER from this device; the password is prompted for
cli-login--username = The account's username
cli-login--password_stdin = Read the password from standard input instead of prompting
cli-logout = Forget the login on this device (queued ops stay queued)

cli-venues = List venues, by street then address
cli-venues--street = Only this street, e.g. 小木桥路
cli-venues--kind = Only this kind: street-shop, ebike-point, three-in-one, metro-station, residential, office-tower, other
cli-venue = Add or change a venue
cli-venue-add = Record premises that are not on the list yet
cli-venue-add--name = The venue's name, e.g. 老王电动车维修
cli-venue-add--kind = street-shop, ebike-point, three-in-one, metro-station, residential, office-tower, other
cli-venue-add--street = The street, e.g. 小木桥路
cli-venue-add--address = The address on the street, e.g. 小木桥路 88 号

cli-inspect = Record an inspection of VENUE (id, id prefix or name) against a checklist template
cli-inspect-long =
    Record an inspection of VENUE (id, id prefix or name) against a checklist template.

    On a terminal with no answers given, asks item by item (p = pass, f = fail, n = not applicable, b = back to the item before), lists the answers and saves only when you confirm. Otherwise: --pass-all, --fail CODE[:note] (repeatable), --na CODE (repeatable), or --from FILE (JSON: {"{"}"items": [{"{"}"code": "EB-EXIT", "outcome": "fail", "note": "…"{"}"}], "note": "…"{"}"}).
cli-inspect--venue = Venue id, id prefix, or name
cli-inspect--template = Template code (e.g. ebike-point) or id [default: the one for the venue's kind]
cli-inspect--pass_all = Pass every item not named by --fail or --na
cli-inspect--fail = A failed item, with an optional note: CODE or CODE:note. Repeatable
cli-inspect--na = An item that does not apply. Repeatable
cli-inspect--from = Read the answers from a JSON file
cli-inspect--note = Overall note
cli-inspect--campaign = Campaign id [default: the running campaign that targets this venue, if any]
cli-inspect--photo = A photo (JPEG, PNG, HEIC) or PDF for an item: CODE=PATH. Repeatable. Copied into this device at once; uploaded after the records on sync

cli-hazards = List hazards: overdue first, then by deadline
cli-hazards--open = Only hazards still needing work
cli-hazards--overdue = Only hazards past their deadline
cli-hazards--street = Only hazards on this street
cli-hazards--mine = Only hazards I found or acted on
cli-hazards--status = Only this status: open, dispatched, reported-fixed, verified, closed, reopened
cli-hazard = Show or act on one hazard (ID: full id or its first characters)
cli-hazard-show = Full history, with conflict notes
cli-hazard-show--id = The hazard's id or its first characters
cli-hazard-dispatch = Dispatch to a responsible unit with a deadline (office)
cli-hazard-dispatch--id = The hazard's id or its first characters
cli-hazard-dispatch--to = The unit, e.g. 城管斜土中队
cli-hazard-dispatch--due = Deadline: YYYY-MM-DD, or +N (days from today)
cli-hazard-dispatch--note = A note for the unit
cli-hazard-fixed = Report it fixed, awaiting re-inspection
cli-hazard-fixed--id = The hazard's id or its first characters
cli-hazard-fixed--note = What was done
cli-hazard-fixed--photo = Proof of the fix (photo or signed notice). Repeatable
cli-hazard-verify = Verify the fix (office)
cli-hazard-verify--id = The hazard's id or its first characters
cli-hazard-verify--note = The re-inspection's finding
cli-hazard-reopen = Reopen it (office)
cli-hazard-reopen--id = The hazard's id or its first characters
cli-hazard-reopen--reason = Why it is reopened
cli-hazard-close = Close it with a written reason (office)
cli-hazard-close--id = The hazard's id or its first characters
cli-hazard-close--reason = Why it is closed
cli-hazard-comment = Add a comment
cli-hazard-comment--id = The hazard's id or its first characters
cli-hazard-comment--text = The comment

cli-drill = Log an emergency drill
cli-drill-log = Record a drill that took place
cli-drill-log--place = Where, e.g. 龙华中路站
cli-drill-log--scenario = What was rehearsed
cli-drill-log--units = Participating units, comma-separated
cli-drill-log--participants = How many people took part
cli-drill-log--evacuation_secs = Seconds the evacuation took
cli-drill-log--organiser = Organiser [default: your organisation]
cli-drill-log--when = When it was held, YYYY-MM-DD HH:MM (Shanghai time) [default: now]
cli-drill-log--venue = The venue it was held at (id, prefix or name), if it is one
cli-drill-log--went_well = What went well
cli-drill-log--to_improve = What must improve
cli-drill-log--photo = A photo or PDF of the drill. Repeatable
cli-drills = List drills, most recent first

cli-campaign = Campaigns and their coverage
cli-campaign-coverage = Targets not yet inspected first, then hazards found, rectified and overdue
cli-campaign-coverage--id = Campaign id or id prefix [default: the newest campaign]
cli-campaign-list = List campaigns
cli-templates = List checklist templates and their items

cli-blob = Attachments (photos, PDFs) by their SHA-256
cli-blob-get = Save an attachment to a file: from this device if it holds it, else from the server
cli-blob-get--hash = SHA-256, hex (as shown in `hazard show --json`)
cli-blob-get--output = The file to write

cli-sync = Push queued ops and pull everything new, in pages; retries on network errors
cli-status = What is queued, sent, acknowledged or rejected; last sync; clock warnings
