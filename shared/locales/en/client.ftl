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
