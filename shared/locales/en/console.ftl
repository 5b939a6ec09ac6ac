
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
