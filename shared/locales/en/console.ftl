
## The office console (server/src/console/): Chinese by default (see ARCHITECTURE.md)
console-form-no-id = the form has no valid form id; reload the page
console-form-too-old = this form is too old; reload the page and submit it again
console-op-rejected = the server refused it: { $reason }
console-required = { $what } must be filled in
console-bad-due = the deadline must be a date (YYYY-MM-DD)
console-close-reason = the reason for closing
console-reopen-reason = the reason for reopening
console-unknown-action = unknown action { $action }
console-role-may-not =
    { $role ->
        [inspector] an inspector
        [officer] an officer
       *[admin] an admin
    } may not act on hazards
console-action-found = found
console-action-found-again = found again
console-action-passed = re-inspection passed
console-action-dispatched = dispatched
console-dispatched-detail = dispatched to { $unit }, to be rectified by { $due }
console-dispatched-detail-note = dispatched to { $unit }, to be rectified by { $due }; { $note }
console-action-fixed = reported fixed
console-fixed-detail = { $note } ({ $photos } photos attached)
console-action-closed = closed
console-action-comment = comment
console-action-replied = replied to the citizen
console-action-linked = linked
console-linked-detail = linked to hazard { $hazard }
console-action-corrected = finding corrected

## The console's error pages and notices (server/src/console/mod.rs, session.rs, assets.rs, hazard.rs)
page-error-title = Page error
page-render-failed = The page could not be made; try again later — the administrator can see why in the server's log.
page-not-found-title = Not found
page-not-found = No such record, or it does not belong to this organisation.
page-forbidden-title = Not allowed
page-forbidden = Only the safety office's staff (officers) act on hazards; inspectors may look.
page-bad-input-title = Check the input
page-bad-input = Check and try again: { $detail }
page-unavailable-title = Not possible right now
page-unavailable = The server cannot do it right now; try again later — nothing is ever recorded twice.
page-server-error = A server error; try again later.
page-no-file = No such file.
page-photo-pending-title = Photo not uploaded yet
page-photo-pending = The device that recorded this photo has not sent it yet; it shows once the device syncs.
page-csrf-title = The form has expired
page-csrf = This form was not opened in this login (or it expired); nothing was done. Go back, open the page again and send it from there.
console-form-again = This form was already sent; nothing was done twice.
console-form-done = Done: recorded.
console-login-expired = The login has expired; log in again.
console-login-form-stale = The login form has expired; enter it again.
console-device-name = web console
console-evacuation = { $mins } min { $secs } s
console-period = { $from } to { $to }
console-login-too-long = The username or password is too long.
console-login-locked = Too many failed logins; try again in { $secs } s.
console-login-wrong = The username or password is not right.
console-action-line = { $what }: { $detail }
console-finding-done = Recorded: this point is tracked as a hazard until it is fixed.
console-finding-again = This form was already sent; nothing was recorded twice.
console-finding-exists = This point is already tracked as a hazard; nothing was recorded twice.
