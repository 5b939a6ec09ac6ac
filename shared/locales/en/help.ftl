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
      5  not found: no such venue, hazard, template, campaign, inspection, drill, report or visit
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

## Added with the deployment and the other channels
cli-venue-edit = Change a venue's name, kind, street or address (only what is given changes)
cli-venue-edit--venue = Venue id, id prefix, or name
cli-venue-edit--name = The new name
cli-venue-edit--kind = The new kind: street-shop, ebike-point, three-in-one, metro-station, residential, office-tower, other
cli-venue-edit--street = The new street
cli-venue-edit--address = The new address
cli-venue-close = Mark a venue closed (关停), or moved away with --moved: no longer a campaign target; its open hazards stay on the lists
cli-venue-close--venue = Venue id, id prefix, or name
cli-venue-close--reason = Why, e.g. 已关停 or 搬至斜土路 1101号
cli-venue-close--moved = The business moved away from this address (rather than closed)
cli-venue-reopen = Mark a closed or moved venue active again
cli-venue-reopen--venue = Venue id, id prefix, or name
cli-venue-reopen--reason = Why, if worth saying
cli-venue-import = Import the office's venue spreadsheet (office): .xlsx or .csv, Chinese or English column headers (名称/场所名称, 类型/场所类型, 地址, 街道/路段, 经度, 纬度, 编号 — or name, kind, address, street, lon, lat, id). Each row becomes a new venue, changes an existing one (only the changed fields), or is unchanged; rows with mistakes are reported (row, column, what is wrong) and not imported, and the command then exits 6. Importing the same file again changes nothing. Sync afterwards to send the venues
cli-venue-import--file = The spreadsheet (.xlsx, .xls, .ods, or .csv in UTF-8 or GB18030)
cli-venue-import--sheet = The workbook's sheet [default: its first]
cli-venue-import--dry_run = Show what would change (new, changed fields, unchanged, errors); record nothing
cli-inspect--at = When it took place, for an inspection typed in after the fact: YYYY-MM-DD HH:MM (Shanghai time), at most 7 days ago [default: now]
cli-hazards--source = Only hazards from this source: inspection, citizen_report, drill, visit
cli-hazard-reply = Reply to the citizen(s) who reported it (反馈; office): the city platform reads it back, and every report linked to the hazard gets it
cli-hazard-reply--id = The hazard's id or its first characters
cli-hazard-reply--text = The reply
cli-inspection = Correct an inspection already recorded, or show one
cli-inspection-amend = Correct an item's outcome or note, with a reason (the original stays; a failed item corrected to pass or n/a closes the hazard it opened)
cli-inspection-amend--inspection = Inspection id or its first characters (see `inspection show` or `hazard show`)
cli-inspection-amend--reason = Why it is corrected
cli-inspection-amend--item = An item's corrected answer: CODE=pass|fail|na, with a note after a colon (CODE=fail:note). Repeatable
cli-inspection-amend--note = The corrected overall note
cli-inspection-show = An inspection's items and its amendments, the original answers beside them
cli-inspection-show--inspection = Inspection id or its first characters
cli-inspection-list = A venue's inspections, newest first
cli-inspection-list--venue = Venue id, id prefix, or name
cli-drill-finding = Record a "must improve" point of a drill as a tracked item (assigned, fixed and verified like any hazard)
cli-drill-finding--drill = Drill id or its first characters (see `firecheck drills`)
cli-drill-finding--point = The point, e.g. 出入口应急广播声音偏小
cli-drill-finding--severity = critical, major or minor
cli-drill-finding--photo = A photo or PDF. Repeatable
cli-drill-show = A drill with its findings and where each stands
cli-drill-show--drill = Drill id or its first characters
cli-campaign-define = Define a campaign (office): its period, target streets and venue kinds, and its goal. Its targets are every venue on those streets of those kinds. Defining it again under the same name (or --id) replaces its definition; running the same command twice changes nothing. Sync afterwards to send it
cli-campaign-define--name = e.g. 进博会“三合一”场所夜查整治
cli-campaign-define--from = First day, YYYY-MM-DD
cli-campaign-define--to = Last day, YYYY-MM-DD
cli-campaign-define--streets = Target streets, comma-separated or repeated [default: every street]
cli-campaign-define--kinds = Target venue kinds (codes or Chinese names), comma-separated or repeated [default: every kind]
cli-campaign-define--goal = The goal
cli-campaign-define--id = Redefine this campaign (id, id prefix or name) instead of the one named --name
cli-template = Load checklist templates from a file (office)
cli-template-load = Load checklist templates from a JSON or TOML file (see fixtures/import/templates.toml). A version already defined is unchanged if the file says the same and refused if it says something else: a changed template is a new, higher version, and inspections made against an older one keep it. Sync afterwards to send them
cli-template-load--file = The JSON or TOML file
cli-template-load--dry_run = Show what would be loaded; record nothing
cli-report = Take a citizen report by phone (officers), or show, link or reply to one
cli-report--text = What the citizen reports
cli-report--street = The street, e.g. 斜土路
cli-report--address = The address on the street
cli-report--case = The platform's case number, if the citizen has one (then the report is the platform's case: a delivery of the same case meets it)
cli-report--venue = The venue it is about (id, prefix or name); not with --case (link instead)
cli-report--channel = How it came in
cli-report--contact_name = The reporter's name (seen by officers only)
cli-report--contact_phone = The reporter's phone (seen by officers only)
cli-report--severity = critical, major or minor
cli-report--at = When the citizen reported it, YYYY-MM-DD HH:MM [default: now]
cli-report--photo = A photo or PDF. Repeatable
cli-report-show = The report, how it is handled, the reply; the reporter's contact for officers
cli-report-show--report = The platform's case number, or the report's id
cli-report-link = Link the report to the hazard that already tracks its problem (office): its own hazard closes, and it follows that one (status and reply)
cli-report-link--report = The platform's case number, or the report's id
cli-report-link--to = The hazard (id or its first characters)
cli-report-link--note = A note on the link
cli-report-reply = Reply to the citizen (反馈; office): on the hazard that follows the report
cli-report-reply--report = The platform's case number, or the report's id
cli-report-reply--text = The reply
cli-reports = List citizen reports, newest first, with how each is handled
cli-visit = Resident visits (走访): record one, or report back on an area's earlier problems
cli-visit-log = Record a visit and the problems residents raised (each tracked as a hazard)
cli-visit-log--area = A residential venue (id, prefix or name), or the name of an area with no venue
cli-visit-log--date = YYYY-MM-DD [default: today]
cli-visit-log--team = Team members, comma-separated
cli-visit-log--units = Partner units that came along, comma-separated
cli-visit-log--residents = How many residents the team met
cli-visit-log--topic = A topic explained. Repeatable
cli-visit-log--problem = A problem residents raised, optionally with its severity: TEXT or TEXT::SEVERITY. Repeatable
cli-visit-log--note = A note on the visit
cli-visit-report = Report back on an area: every visit there, newest first, with the problems raised and how each was handled
cli-visit-report--area = A residential venue (id, prefix or name), or the name of an area visited by name
cli-visits = List resident visits, most recent first
cli-admin = Administer the organisation (online, logged in as an admin): accounts, devices, units, the audit log
cli-admin-users = The organisation's accounts: role, whether disabled or waiting for a password change
cli-admin-user = Add, change, disable, enable an account, or reset its password
cli-admin-user-add = Create an account. Its password is read from standard input with --password-stdin, else generated and shown once; hand it over and have the user change it with `firecheck password`
cli-admin-user-add--username = The username (letters, digits, '-', '_', '.')
cli-admin-user-add--name = The name people know them by, e.g. 张伟
cli-admin-user-add--role = inspector, officer or admin
cli-admin-user-add--password_stdin = Read the password from standard input
cli-admin-user-role = Change an account's role (inspector, officer or admin)
cli-admin-user-role--username = The account's username
cli-admin-user-role--role = inspector, officer or admin
cli-admin-user-disable = Disable an account: it can no longer log in, and its devices stop syncing at once
cli-admin-user-disable--username = The account's username
cli-admin-user-enable = Enable a disabled account again
cli-admin-user-enable--username = The account's username
cli-admin-user-reset-password = Replace an account's password with a one-time password (shown once) that the user must change at their next login (`firecheck password`)
cli-admin-user-reset-password--username = The account's username
cli-admin-devices = The organisation's registered devices
cli-admin-device = Revoke a device
cli-admin-device-revoke = Revoke a device (a lost phone): it can no longer sync or log in
cli-admin-device-revoke--id = Device id or its first or last characters (as `firecheck admin devices` shows)
cli-admin-units = The units hazards are dispatched to (城管斜土中队, 斜土路派出所, 居委 …)
cli-admin-units--all = Also the retired ones
cli-admin-unit = Add a unit
cli-admin-unit-add = Add a unit, e.g. 城管斜土中队
cli-admin-unit-add--name = The unit's name
cli-admin-audit = The audit log, newest first: every admin and operator action — or, with --ops, the op log's who, what, from which device and when
cli-admin-audit--limit = Entries per page (1–500)
cli-admin-audit--before = Only entries older than this position (the `next` a page ends with)
cli-admin-audit--ops = The op log instead of the admin actions
cli-password = Change your password (online) — also the one-time password an admin gave you — then log in with the new one. Asks for the current and the new password; with --password-stdin reads them as two lines
cli-password--user = Whose [default: the user logged in on this device]
cli-password--password_stdin = Read the current and the new password from standard input, one per line
cli-org = Organisations, for the server's operator (with the operator key)
cli-org-create = Create an organisation (a subdistrict's safety office) with its first admin
cli-org-create--name = The organisation, e.g. 枫林街道社区平安办
cli-org-create--admin = Its first admin's username
cli-org-create--admin_name = The first admin's name [default: 管理员]
cli-org-create--operator_key_file = The operator key's file: `operator-token` in the server's data dir
cli-org-create--operator_key = The operator key itself (prefer the file)
cli-org-create--password_stdin = Read the admin's password from standard input [default: generate one, shown once]
cli-report-long =
    Take a citizen report by phone (officers), or show, link or reply to one.

    `firecheck report --text … --street …` takes one; `report show|link|reply REPORT` acts on one (REPORT: the platform's case number, or the report's id).
