
## The server's answers: the `message` of `{"error": {"code", "message"}}` (server/src/api/error.rs)
error-method-not-allowed = method not allowed on this endpoint
error-timeout = the request took too long; retry
error-too-many-attempts = too many failed logins; try again in { $secs } s
error-internal = internal error; the server logged what happened — retry, and tell the server's operator if it keeps happening
error-storage-unavailable = the server's storage is not available right now ({ $trouble }); retry later
disk-full = No space left on the server's disk
disk-read-only = the server's disk is read-only
disk-permission = the server may not write its data dir
disk-failed = the server's disk failed
error-body-too-large = request body too large: { $detail }
error-media-type-detail = unsupported content type: { $detail }
error-no-endpoint = no such endpoint
error-not-found-detail = not found: { $detail }
error-unreadable-request = the request cannot be read: { $detail }

## Authentication of a request (server/src/api/mod.rs, auth.rs, operator.rs, monitoring.rs)
auth-missing-token = missing Authorization: Bearer token; log in first
auth-bad-header = Authorization must be `Bearer <token>`
auth-token-expired = the access token has expired; refresh it or log in again
auth-token-invalid = the access token is not valid; log in again
auth-device-revoked = this device has been revoked; ask the administrator
auth-device-unknown = this device is not registered; log in again
auth-account-disabled = this account has been disabled; ask the administrator
auth-session-ended = this login has ended (the password was changed or reset); log in again
auth-account-gone = this account no longer exists; log in again
auth-role-may-not =
    { $role ->
        [inspector] an inspector
        [officer] an officer
       *[admin] an admin
    } may not do this

## The sync endpoint (server/src/api/sync.rs, sequencer.rs): errors and each refused op's reason
sync-undecodable = the sync request cannot be decoded: { $detail }
sync-no-content-type = Content-Type must be application/json or application/x-firecheck-bincode
sync-bad-content-type = Content-Type "{ $content_type }" is not supported; use application/json or application/x-firecheck-bincode
sync-too-many-ops = { $count } ops in one sync; at most { $max } are allowed — send the rest in the next round
sync-shutting-down = the server is shutting down; retry shortly
sync-not-stored = the server could not store the ops durably ({ $trouble }); nothing was acknowledged — retry later
sync-storage-failed = its storage failed; the operator can see why in its log
reject-device-seq-reused = this device already stored a different op at position { $position } (was it restored from a backup?); log in again to register the device anew — the op is kept
reject-wrong-author = op author { $author } is not the logged-in user { $user }
reject-wrong-device = op device { $device } is not this device { $this_device }

## Logging in, refreshing, changing one's password (server/src/api/auth.rs, admin.rs)
login-too-long = username, password or device name is too long
login-one-time-password-api = this is a one-time password: choose your own first (POST /v1/auth/password with it as old_password), then log in with the new one
login-one-time-password = this is a one-time password: choose your own first (firecheck password), then log in with the new one
login-device-other-org = this device is registered to another organisation
login-wrong-password = wrong username or password
password-too-long = username or password is too long
password-unchanged = the new password must differ from the old one
refresh-invalid = the refresh token is not valid; log in again
refresh-used = this refresh token was already used; log in again
refresh-expired = the login has expired; log in again
refresh-account-blocked = this account cannot log in now; ask the administrator

## Administration (server/src/api/admin.rs, users.rs, units.rs, operator.rs, audit.rs, monitoring.rs; server/src/store)
admin-bounded = { $field } must be 1 to { $max } characters
admin-username-chars = username may use letters, digits, '-', '_' and '.' only
admin-password-short = password must be at least 8 characters
admin-own-org-only = an admin manages only their own organisation's accounts
admin-last-admin = { $username } is the organisation's only enabled admin; make another account admin first
operator-key-missing = the operator's endpoints need `Authorization: Bearer <operator key>` (the operator-token file in the server's data dir)
operator-key-wrong = that is not the operator key of this server
page-limit = limit must be 1 to { $max }, not { $given }
ready-storage = storage does not take writes: { $detail }
ready-views-behind = the views are catching up with the log after a start: organisation { $org } at { $covered } of { $head }
metrics-key-missing = /metrics needs `Authorization: Bearer <operator key or FIRECHECK_METRICS_TOKEN>`
metrics-key-wrong = that is neither the operator key nor the metrics token of this server
password-changed-meanwhile = the password was changed or reset meanwhile; try again
store-username-taken = username { $username } is taken
store-no-account = no account { $username } in this organisation
store-no-device = no device { $device } in this organisation
store-no-unit = no unit { $unit } in this organisation
store-unit-name-taken = a unit in service is already called { $name }
store-too-many-units = an organisation may have at most { $max } units
store-unit-retired = { $name } is retired; a retired unit keeps its name

## Attachments (server/src/api/blobs.rs)
blob-bad-hash = an attachment is named by its SHA-256: 64 hex digits
blob-bad-type = attachments must be JPEG, PNG, HEIC or PDF (Content-Type "{ $content_type }" given)
blob-bad-range = Content-Range must be `bytes START-END/TOTAL`
blob-range-mismatch = Content-Range names { $named } bytes but the body has { $got }
blob-too-large = attachment of { $size } bytes is over the limit of { $max } bytes
blob-empty = an attachment cannot be empty
blob-not-evidence = the bytes are not a JPEG, PNG, HEIC or PDF file
blob-wrong-offset = this upload continues at byte { $have }, not { $offset }; send from there
blob-hash-mismatch = the bytes hash to { $actual }, not { $hash }; the upload was discarded — send it again
blob-quota = no record of this organisation refers to attachment { $hash } and this organisation already has { $count } uploads ({ $bytes } bytes) that no record refers to; the limit is { $max_count } uploads and { $max_bytes } bytes — sync the records that refer to it first
blob-not-stored = could not store the attachment; retry later
blob-not-found = no attachment { $hash } in this organisation's records
blob-pending = photo pending upload: the device that recorded { $hash } has not sent it yet

## Review reads and exports (server/src/api/review.rs, exports.rs; the console's pages)
review-limit = limit must be 1 to { $max }
review-bad-after = after must be the `next` value of the page before
review-views-behind = views do not cover sequence number { $seq } yet (they cover { $covered }); retry shortly
review-partition-failed = the views of { $partition } could not be built (since sequence number { $since }); its records are kept — ask the administrator to restart the server or run `firecheck-server rebuild`
review-no-partition = no { $partition } in this organisation
review-no-venue = no venue { $id } in this organisation
review-no-hazard = no hazard { $id } in this organisation
review-no-campaign = no campaign { $id } in this organisation
review-no-drill = no drill { $id } in this organisation
export-unknown = no export { $file }
export-bad-extension = no export { $file }; use .csv or .xlsx
export-bad-name = no export { $file }; there are hazards, inspections and coverage

## Added with backups and the other channels (server/src/api/sync.rs)
sync-log-restored = this server was restored from a backup: its log is not the one this device pulled from (your cursor #{ $cursor }, its log ends at #{ $head }); the two agree up to #{ $shared }. Pull again from there and send again your ops acknowledged after it — nothing of this request was stored
sync-bad-log-header = the { $header } header must be the id of a server log (a UUID)
reject-case-report-id = a report with case number { $case } must carry the case's report id { $report }

## The city platform's intake and the other channels' reads (server/src/api/intake.rs, channels.rs, store/intake.rs)
intake-key-missing = send the organisation's intake key as `Authorization: Bearer <key>`
intake-key-revoked = this intake key was revoked; ask the safety office's administrator for a new one
intake-key-wrong = not a valid intake key
intake-too-many-photos = { $count } photos; at most { $max } are taken
intake-photo-too-large = photo { $n } is over { $mib } MiB; send it by hash instead
intake-photo-base64 = photo { $n } is not valid base64: { $detail }
intake-photo-type = photo { $n } is not a JPEG, PNG, HEIC or PDF
intake-photo-either = photo { $n } must give either sha256 or base64
intake-catching-up = the server is catching up with its records; retry shortly
intake-not-stored = the server could not store the report now; nothing was stored — retry
intake-no-case = no case { $case } was delivered here
visit-at-venue = venue { $venue }
visit-at-area = area { $area }
visit-none = no visit recorded at { $place }
review-no-report = no citizen report { $id } in this organisation
store-too-many-intake-keys = an organisation may have at most { $max } intake keys
store-no-intake-key = no intake key { $id } in this organisation
review-offset = offset must be at most { $max }
review-min-seq = min_seq must be at most { $max } (a sequence number of the log)
visit-venue-or-area = give venue (a residential venue's id) or area (a name), one of them
