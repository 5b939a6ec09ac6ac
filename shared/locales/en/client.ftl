saved-offline = saved offline, { $waiting } waiting to sync
hazard-now = hazard { $id } is now { $status }

## Talking to the server (cli-client/src/remote.rs)
remote-unreachable = cannot reach the server at { $url }: { $detail }
remote-tls = cannot set up a secure connection to { $url }: { $detail }
remote-ca-cert = cannot use the CA certificate { $path } (--ca-cert, FIRECHECK_CA_CERT): { $detail }
remote-server-says = { $message }
remote-refused = the server refused the request ({ $status }): { $message }
remote-bad-answer = the server answered something unreadable: { $detail }
remote-no-connection = connection refused or no network
remote-timed-out = timed out
remote-broken = the connection broke ({ $detail })
tls-no-roots = cannot load this system's root certificates: { $detail }
tls-unknown-issuer = the server's certificate is not signed by an authority this device trusts; if your office runs its own certificate authority, give its certificate with --ca-cert FILE or FIRECHECK_CA_CERT
tls-wrong-name = the server's certificate is not issued for this address; use the host name the certificate names in the server URL
tls-expired = the server's certificate has expired (or this device's clock is wrong)
tls-not-yet-valid = the server's certificate is not valid yet (is this device's clock right?)
tls-not-tls = the server does not speak TLS ({ $detail }); if it serves plain http, use an http:// URL
tls-failed = the TLS handshake failed: { $detail }
ca-no-file = no such file
ca-unreadable = cannot read it: { $detail }
ca-pem-no-end = not readable PEM: a section has no `-----END …-----` line
ca-pem-bad-begin = not readable PEM: a malformed `-----BEGIN` line
ca-pem-other = not readable PEM ({ $detail })
ca-der = this looks like a binary (DER) certificate; convert it to PEM: `openssl x509 -inform der -in FILE -out ca.pem`
ca-no-certificate = no certificate in it: give the CA's certificate in PEM (`-----BEGIN CERTIFICATE-----`)
ca-unusable = not a usable certificate ({ $detail })

## What went wrong (cli-client/src/lib.rs `CliError`, main.rs)
error-line = error: { $message }
error-not-logged-in = not logged in on this device: run `firecheck login USER` once while online; after that everything works offline
error-login-ended = { $message }: run `firecheck login { $username }`; { $waiting } op(s) stay queued
error-unreachable = { $cause }; everything stays queued — sync again when online
error-tls = { $cause }; nothing was sent, everything stays queued
error-unauthorized = { $message }; run `firecheck login USER` — queued ops stay queued
error-photos-unreachable = records synced, but { $waiting } photo(s) could not be sent: { $cause }
error-photos-login = records synced, but { $waiting } photo(s) wait for a login: { $cause }
error-photos-other = records synced, but { $waiting } photo(s) could not be sent ({ $cause }); they stay on this device for the next sync
error-unreadable = cannot read { $path }: { $cause }
error-answer-file = { $path } is not a readable answers file: { $detail }
error-attachment-too-large = { $path } is { $mib } MiB; attachments may be at most { $max } MiB
error-attachment = { $path }: { $cause }
error-home = cannot create { $path }: { $cause }
error-io = input or output failed: { $cause }
error-output = cannot write the JSON: { $detail }
error-runtime = cannot start the async runtime: { $cause }
error-write = cannot write { $path }: { $cause }
error-corrupt-download = attachment { $hash } arrived corrupted; try again
error-blob-missing = attachment { $hash } is missing from this device's blob store
io-not-found = no such file or folder
io-permission = permission denied
io-disk-full = the disk is full
io-other = { $detail }

## Usage errors (cli-client/src/lang.rs), in place of clap's English
usage-unknown-argument = unknown argument { $arg }
usage-unknown-command = no command { $command }
usage-invalid-value = { $arg } cannot take the value "{ $value }"
usage-missing-argument = missing: { $arg }
usage-missing-command = which command?
usage-conflict = { $arg } cannot be used with { $other }
usage-wrong-number = wrong number of values for { $arg }
usage-other = the command line cannot be read
usage-see-help = For more information, try '--help'.

## The device's own storage (cli-client/src/replica/)
replica-storage = local storage error in { $path }: { $detail }
replica-corrupt = local data is unreadable ({ $detail }); the replica may be from a newer firecheck
replica-locked = { $path } is already open by another firecheck command; wait for it to finish
replica-too-new = the local data is in format { $found }, newer than this firecheck knows ({ $known }); install the newer firecheck that wrote it
replica-fold = folding this device's records failed ({ $detail }); nothing was written — run the command again, and report it if it keeps failing
replica-interrupted = an earlier step of this command failed while merging records; nothing it held was written — run the command again
attach-not-evidence = only JPEG, PNG, HEIC photos and PDF documents can be attached
attach-keep = cannot keep the attachment in { $dir }: { $detail }

## Every recording command's last line; finding things (cli-client/src/commands/mod.rs)
venue-ambiguous = "{ $query }" matches { $count } venues ({ $some }); give more of the id or the full name
venue-not-found = no venue "{ $query }" on this device; list them with `firecheck venues`, or sync to get the latest
hazard-id-too-short = hazard id "{ $query }" is too short; give at least 4 characters
hazard-not-found = no hazard "{ $query }" on this device; list them with `firecheck hazards`
hazard-ambiguous = "{ $query }" matches { $count } hazards; give more of the id
campaign-none = no campaigns on this device; sync first
campaign-not-found = no campaign "{ $query }"; list them with `firecheck campaign list`
campaign-ambiguous = "{ $query }" matches several campaigns; give more of the id

## Table headers
col-id = ID
col-name = NAME
col-kind = KIND
col-street = STREET
col-address = ADDRESS
col-status = STATUS
col-severity = SEVERITY
col-venue = VENUE
col-item = ITEM
col-deadline = DEADLINE
col-assignee = ASSIGNED TO
col-held = HELD
col-place = PLACE
col-scenario = SCENARIO
col-people = PEOPLE
col-evacuation = EVACUATION
col-period = PERIOD
col-streets = STREETS
col-last-inspected = LAST INSPECTED
col-hazards-open-found = HAZARDS OPEN/FOUND

## Venues (cli-client/src/commands/venue.rs)
venues-none = no venues match (sync to get the latest list)
venues-count = { $count } venues
venue-added = venue { $id } { $name } ({ $kind }) added; inspect it with `firecheck inspect { $id }`

## Hazards (cli-client/src/commands/hazard.rs)
hazards-none = no hazards match
hazards-count = { $count } hazards
hazard-status-overdue = { $status } OVERDUE
hazard-conflicts = { $count } conflict(s)
hazard-overdue = OVERDUE
bad-date = could not read the date "{ $value }"; write it as YYYY-MM-DD (e.g. 2026-12-01) or +7 for a week from today
hazard-not-now = hazard { $id } is { $status }: it cannot be { $action } now
act-dispatch = dispatched
act-fixed = reported fixed
act-verify = verified
act-reopen = reopened
act-close = closed
act-comment = commented on
act-inspect = inspected
show-title = hazard { $id }  [{ $status }]  { $overdue }
show-venue = venue:     { $name } ({ $address })
show-item = item:      { $item } { $text }  severity { $severity }
show-found = found:     { $when } — { $description }
show-assigned = assigned:  { $unit }  deadline { $deadline }
show-merged = merged:    { $count } other finding(s) of the same problem
show-history = history:
event-found = found: { $note }
event-found-again = found again: { $note }
event-passed = re-inspection passed
event-dispatched = dispatched to { $unit }, due { $due } { $note }
event-fixed-evidence = reported fixed: { $note }  [evidence: { $evidence }]
event-fixed = reported fixed: { $note }
event-verified = verified { $note }
event-reopened = reopened: { $reason }
event-closed = closed: { $reason }
event-comment = comment: { $text }
event-conflict = CONFLICT: { $note }

## Drills and campaigns (cli-client/src/commands/drill.rs, campaign.rs)
bad-time = could not read the time "{ $value }"; write it as YYYY-MM-DD HH:MM
drill-logged = drill { $id } at { $place } logged ({ $participants } participants, evacuation { $secs } s)
drills-none = no drills recorded
seconds = { $secs } s
coverage-summary = inspected { $inspected }/{ $targets } targets; hazards found { $found }, rectified { $rectified }, overdue { $overdue }; rectification rate { $rate }%
coverage-not-inspected = NOT INSPECTED
coverage-inspected = inspected

## Logging in, out, status, attachments (cli-client/src/session.rs)
login-which-server = which server? give --server URL or set FIRECHECK_SERVER (e.g. http://127.0.0.1:8080)
login-password-prompt = password for { $username }:
login-empty-password = empty password
login-registered-anew = this device was restored from an old backup: registering it anew; { $count } op(s) will be sent again
login-other-org = this device holds data of { $held }; use another --home for { $other }
login-done = logged in as { $name } ({ $username }, { $role }) at { $org }; { $waiting } waiting to sync — run `firecheck sync`
logout-done = logged out; { $waiting } op(s) stay queued until the next login and sync
blob-saved = saved { $hash } ({ $kib } KiB) to { $path }
status-user = { $name } ({ $username }, { $role }) at { $server }
status-not-logged-in = not logged in
status-device = device { $device }
status-outbox = outbox: { $queued } queued, { $sent } sent (awaiting answer), { $acked } acked, { $rejected } rejected
status-last-sync = last successful sync: { $when } ({ $mins } min ago)
status-never-synced = last successful sync: never
status-photos-waiting = photos waiting to upload: { $count } ({ $kib } KiB)
warning-line = warning: { $warning }
status-local = local replica: { $ops } ops, pulled up to #{ $cursor }
status-rejected-title = rejected ops (kept on this device):

## Sync (cli-client/src/sync/render.rs)
sync-pulling = pulled { $count } ops…
sync-summary = sync: sent { $sent }, acked { $acked }, rejected { $rejected }, pulled { $pulled }, conflicts { $conflicts }
sync-photos = photos: sent { $count } ({ $kib } KiB)
sync-some-rejected = some ops were rejected: see `firecheck status` for the reasons

## Inspections (cli-client/src/commands/inspect.rs)
inspect-saved = inspection { $id } of { $venue } ({ $template } v{ $version }): { $pass } pass, { $fail } fail, { $na } n/a
template-not-found = no checklist template "{ $query }"; the templates are: { $codes }
template-none-for-kind = no template is meant for { $kind } venues; choose one with --template
template-no-item = template { $template } has no item "{ $code }"; its items are { $codes }
item-answered-twice = item { $code } is answered twice
photo-arg = --photo "{ $value }": write it as CODE=PATH, e.g. EB-EXIT=exit.jpg
items-not-answered = items not answered: { $codes }; add --pass-all to pass the rest
photo-no-item = --photo names item "{ $code }", which template { $template } does not have
effect-opens = opens hazard
effect-reopens-conflict = reopens (conflict with a close) hazard
effect-reopens = reopens hazard
effect-joins = joins open hazard
effect-verifies = verifies hazard
effect-passes = passes the item of open hazard
template-line = { $code } (v{ $version }) { $name } — for { $kinds }

## The interactive checklist (cli-client/src/commands/inspect.rs `ask`)
ask-intro = { $name } (v{ $version }): answer p = pass, f = fail, n = not applicable; b = back to the item before
ask-item = [{ $n }/{ $total }] [{ $code }] { $text } ({ $severity }){ $current } p/f/n/b?
ask-current = {" "}[now: { $outcome }; Enter keeps it]
ask-first-item = this is the first item
ask-retype = please type p, f, n or b
ask-note = what did you find?{ $current }
ask-note-keep = {" "}[Enter keeps: { $note }]
ask-input-ended = input ended before the inspection was saved; nothing was saved
ask-summary = Your answers: { $pass } pass, { $fail } fail, { $na } not applicable
ask-summary-note = found: { $note }
ask-confirm = Save this inspection? y = save, b = back, 1–{ $total } = change that item:
ask-confirm-retype = please type y, b or an item's number (1–{ $total })
sync-server-restored = the server was restored from a backup (its log agrees with this device's up to #{ $shared }): sent again { $resent } op(s) of this device it no longer had, pulled again from there

## Added with the other channels (cli-client/src/commands/hazard.rs)
hazard-what = { $from }: { $description }
show-report-id = report { $id }
show-reports = reports:   { $reports }
show-reply = reply:     { $when } — { $text }
show-closed = closed:    { $reason }
event-replied = replied to the citizen: { $text }
event-linked = the same problem as hazard { $hazard }: followed there
event-finding-corrected = finding corrected by an amendment of inspection { $inspection }: { $reason }
error-not-offered = this server does not offer `firecheck { $command }` yet (it has no { $endpoint }); it needs a newer firecheck-server

## The office's spreadsheets (cli-client/src/sheet.rs), imports
sheet-unreadable = cannot read { $path }: { $detail }
sheet-format = { $path }: not a spreadsheet firecheck reads ({ $detail }); save it as .xlsx or .csv
sheet-no-such-sheet = { $path }: no sheet "{ $name }"; its sheets are { $sheets }
sheet-empty = { $path }: the sheet is empty
error-rows-refused = { $rows } row(s) of { $file } were not imported (see above); correct them and import the file again — the rows already imported stay unchanged

## Administration from the command line (cli-client/src/admin.rs)
col-username = USERNAME
col-role = ROLE
col-state = STATE
col-created = CREATED
col-device = DEVICE
col-user = USER
col-registered = REGISTERED
col-unit = UNIT
col-seq = SEQ
col-received = RECEIVED
col-who = WHO
col-what = WHAT
col-about = ABOUT
col-when = WHEN
admin-not-admin =
    `firecheck admin` is for the organisation's admins; { $username } is logged in here as { $role ->
        [inspector] an inspector
        [officer] an officer
       *[admin] an admin
    } — log in as an admin (`firecheck login admin`)
admin-no-accounts = no accounts
admin-state-disabled = disabled
admin-state-must-change = must change password
admin-state-active = active
admin-state-revoked = revoked
admin-no-devices = no devices registered
admin-no-device = no device "{ $query }" in this organisation; list them with `firecheck admin devices`
admin-device-ambiguous = "{ $query }" matches { $count } devices; give more of the id
admin-device-revoked = device { $id } ({ $name }) revoked: it can no longer sync or log in
admin-no-units = no units yet: add one with `firecheck admin unit add NAME`
admin-unit-retired = retired { $when }
admin-unit-in-service = in service
admin-unit-added = unit { $name } added
admin-nothing-recorded = nothing recorded
admin-older = older: --before { $next }
admin-account-line = { $username } ({ $name }, { $role })
admin-account-disabled = { $account }, disabled
admin-account-created = account { $account } created
admin-password-generated = password: { $password }  (shown once: hand it over; they log in with `firecheck login { $username }` and change it with `firecheck password`)
admin-role-changed =
    { $username } is now { $role ->
        [inspector] an inspector
        [officer] an officer
       *[admin] an admin
    }
admin-user-disabled = { $account } disabled: it can no longer log in, and its devices stopped syncing
admin-user-enabled = { $account } enabled: it can log in again
admin-password-reset = { $username }'s password is now the one-time password { $password }  (shown once: hand it over; at their next login they choose their own with `firecheck password --user { $username }`)
password-whose = whose password? give --user USERNAME
password-prompt-old = current password of { $username } (or the one-time password you were given):
password-prompt-new = new password (at least 8 characters):
password-prompt-again = new password again:
password-differ = the two new passwords differ; nothing changed
password-short = the new password must be at least 8 characters; nothing changed
password-changed = password of { $username } changed
org-needs-key = creating an organisation needs the operator key: --operator-key-file DATA/operator-token (the server's data dir) or FIRECHECK_OPERATOR_TOKEN
org-key-refused = { $message }: give this server's operator key (the operator-token file in its data dir)
org-created = organisation { $name } created ({ $id }) with its admin { $admin }
org-admin-password = admin password: { $password }  (shown once)
org-next = next: `firecheck login { $admin }` on the admin's machine, then `firecheck admin user add …`

## Campaign definitions (cli-client/src/commands/campaign.rs)
campaign-bad-date = { $flag } "{ $value }" is not a date; write it as YYYY-MM-DD
campaign-unchanged = unchanged
campaign-redefined = redefined
campaign-defined = defined
campaign-define-done = campaign { $id } { $name } ({ $starts } – { $ends }): { $what }; { $targets } target venue(s) on this device
campaign-empty-street = note: no venue on { $street } on this device (import the venue list, or sync, first?)

## Drill findings (cli-client/src/commands/drill.rs)
drill-id-too-short = drill id "{ $query }" is too short; give at least 4 characters
drill-not-found = no drill "{ $query }" on this device; list them with `firecheck drills`
drill-ambiguous = "{ $query }" matches { $count } drills; give more of the id
drill-finding-exists = this point of the drill is already tracked as hazard { $hazard }
drill-finding-tracked = finding of drill { $drill } at { $place } tracked as hazard { $hazard }; dispatch it with `firecheck hazard dispatch { $hazard }`
drill-show-title = drill { $id }  { $when }  { $place }
drill-show-organiser = organiser: { $organiser }
drill-show-units = units:     { $units }
drill-show-scenario = scenario:  { $scenario }
drill-show-people = { $participants } participants, evacuation { $secs } s
drill-show-went-well = went well: { $text }
drill-show-to-improve = to improve: { $text }
drill-no-findings = no findings tracked yet; add one with `firecheck drill finding { $id } --point …`
drill-findings = findings:

## Added with the other channels (venues, inspections, hazards)
act-reply = replied to
act-link = linked
act-correct = corrected
inspect-late-entry = typed in after the fact: it took place at { $when }
venue-nothing-to-change = nothing to change: give --name, --kind, --street or --address
venue-line = venue { $id } { $name } ({ $kind }, { $street } { $address })
venue-line-status = { $venue } is now { $status }: no longer a campaign target; its open hazards stay on the lists
inspect-bad-at = could not read the time "{ $value }"; write it as YYYY-MM-DD HH:MM (Shanghai time)
inspect-at-future = --at { $value } is in the future; give the time the inspection took place
inspect-at-too-old = --at { $value } is more than 7 days ago; an inspection may be typed in at most 7 days after it took place

## Corrections of inspections (cli-client/src/commands/inspection.rs)
col-finished = FINISHED
col-items = ITEMS
col-note = NOTE
inspection-id-too-short = inspection id "{ $query }" is too short; give at least 4 characters
inspection-not-found = no inspection "{ $query }" on this device; list a venue's with `firecheck inspection list VENUE`
inspection-ambiguous = "{ $query }" matches { $count } inspections; give more of the id
inspection-bad-outcome = unknown outcome "{ $value }"; write pass, fail or na
inspection-item-arg = --item "{ $value }": write it as CODE=pass, CODE=na or CODE=fail:note
inspection-no-item = inspection { $id } has no item "{ $code }"; its items are { $codes }
item-corrected-twice = item { $code } is corrected twice
inspection-nothing-to-correct = nothing to correct: give --item CODE=OUTCOME or --note
inspection-amended = inspection { $id } amended
effect-closes = closes hazard
effect-withdraws = withdraws its finding (other findings stand) from hazard
effect-finds-again = finds again hazard
effect-records = records on hazard
inspection-show-title = inspection { $id }  { $venue }  finished { $finished }  (recorded { $recorded })
inspection-show-note = note: { $note }
inspection-show-amended = amended { $when }: { $reason }
inspection-show-none = (none)
inspections-none = no inspections of { $venue } on this device
inspections-items = { $items } items, { $failed } failed
inspections-amended = amended ×{ $count }

## Citizen reports (cli-client/src/commands/report.rs)
col-case = CASE
col-reported = REPORTED
col-text = TEXT
col-hazard = HAZARD
col-reply = REPLY
report-not-found = no citizen report "{ $query }" on this device; list them with `firecheck reports`
report-ambiguous = "{ $query }" matches { $count } reports; give more of the id
report-take-needs = to take a report give --text and --street; or act on one with `report show|link|reply REPORT`
report-case-with-venue = a report with the platform's case number stays on its own; take it without --venue and link it to the venue's hazard with `report link`
report-case-exists = case { $case } is already recorded (report { $report }); see `firecheck report show { $case }`
report-taken = citizen report { $id } taken; it opens hazard { $hazard }
report-taken-case = citizen report { $id } (case { $case }) taken; it opens hazard { $hazard }
report-no-hazard = report "{ $query }" has no hazard on this device
report-show-title = citizen report { $id }  [{ $status }]
report-show-title-case = citizen report { $id }  case { $case }  [{ $status }]
report-show-reported = reported:  { $when } via { $channel }
report-show-where = where:     { $street } { $address }
report-show-text = text:      { $text }
report-show-reporter = reporter:  { $name } { $phone }
report-show-hazard = hazard:    { $hazard } { $status }
report-show-linked = {" "}(linked: the problem the office already tracked)
report-show-dispatched = , dispatched to { $unit }
report-show-no-reply = reply:     none yet (`firecheck report reply { $query } --text …`)
report-status-received = received
report-status-in-progress = in progress
report-status-resolved = resolved
report-status-linked = { $status } (linked)
report-link-own = that is the report's own hazard; link it to the hazard that already tracks the problem
report-linked = citizen report { $id } linked to hazard { $hazard } ({ $status }); its own hazard { $own } is closed
report-followed-missing = the report follows hazard { $hazard }, which is not on this device yet; sync first
report-replied = reply recorded on hazard { $hazard }; every report it follows gets it
reports-none = no citizen reports on this device
reports-replied = replied
reports-count = { $count } reports

## Resident visits (cli-client/src/commands/visit.rs)
col-date = DATE
col-area = AREA
col-team = TEAM
col-residents = RESIDENTS
col-problems = PROBLEMS
visit-name-area = name the area visited
visit-not-residential = { $name } is a { $kind }; a visit goes to a residential area (a residential venue, or an area named with no venue)
visit-ambiguous = "{ $query }" names { $count } venues; give the venue's id
visit-bad-date = could not read the date "{ $value }"; write it as YYYY-MM-DD
visit-recorded = visit { $id } to { $area } on { $date } recorded, { $count } problem(s) raised
handling-dispatched = dispatched to { $unit }, due { $due }
handling-commented = { $status } — { $text }
handling-replied = { $status } — replied: { $text }
handling-none = not acted on yet
handling-overdue = {" "}— OVERDUE
visit-none-here = no visit to { $area } on this device; record one with `firecheck visit log --area { $area }`
visit-report-title = visit report { $area }: { $visits } visit(s), { $raised } problem(s) raised — { $resolved } resolved, { $in_progress } in progress, { $open } not acted on
visit-team-with-units = { $team } with { $units }
visit-line = visit { $id } on { $date }: { $team }; { $residents } residents met
visit-topics = topics: { $topics }
visit-no-problems = no problems raised
visits-none = no visits recorded

## Loading checklist templates (cli-client/src/commands/template.rs)
file-problem = { $path }: { $detail }
template-file-empty = no template in it
template-spec-error = template { $code }: { $detail }
template-item-error = template { $code } item { $item }: { $detail }
template-version-twice = template { $code } version { $version } appears twice
template-version-taken = template { $code } version { $version } is already defined with other contents; a version is never rewritten (inspections made against it keep it) — give the changed template version { $next }
template-version-behind = template { $code } is at version { $newest }; a new version must be above it (this file says { $version })
template-outcome-unchanged = unchanged
template-outcome-new-version = new version
template-outcome-new = new
template-loaded = template { $code } v{ $version } ({ $items } items): { $outcome }
dry-run-line = { $line } (dry run: not recorded)

## Importing the office's venue list (cli-client/src/commands/venue_import.rs)
import-not-degrees = "{ $value }" is not a number of degrees (e.g. 31.193420)
import-degrees-range = { $value } is outside -{ $max }…{ $max } degrees
import-too-long = { $field } is longer than { $max } characters
import-bad-id = "{ $value }" is not a venue id (a UUID, as `firecheck venues --json` shows)
import-lon-empty = the longitude is empty but the latitude is given
import-lat-empty = the latitude is empty but the longitude is given
import-change-name = name { $from } → { $to }
import-change-kind = kind { $from } → { $to }
import-change-address = address { $from } → { $to }
import-change-street = street { $from } → { $to }
import-change-location = location
import-officer-only =
    importing the venue list is the safety office's: { $role ->
        [inspector] an inspector
        [officer] an officer
       *[admin] an admin
    } may not; add one venue with `firecheck venue add`
import-no-header = { $file }: no row among the first { $rows } names the columns; missing: { $missing } (row { $row } has: { $has })
import-same-venue = the same venue as row { $first } (same name and address); nothing of this row was imported
import-sheet = , sheet { $sheet }
import-read = { $file }{ $sheet }: { $rows } row(s) read
import-dry-run = { $line } (dry run: nothing recorded)
import-row-new = row { $row }  new        { $name }
import-row-changed = row { $row }  changed    { $name }: { $fields }
import-row-error = row { $row }  error      column { $column }: { $problem }
import-ignored = ignored columns: { $columns }
import-totals = venues: { $new } new, { $changed } changed, { $unchanged } unchanged{ $would }; { $refused } row(s) with errors not imported
import-would-be = {" "}(would be)
login-one-time = { $username } has a one-time password: choose your own with `firecheck password --user { $username }` (it asks for the one-time password first), which logs you in
