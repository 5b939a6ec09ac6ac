# The domain's words and the rules both sides check (shared/src/i18n.rs `words`,
# shared/src/validate.rs, shared/src/hlc.rs). Keys match zh-CN/domain.ftl one for one.

## Hazard statuses
status-open = open
status-dispatched = dispatched
status-reported-fixed = reported-fixed
status-verified = verified
status-closed = closed
status-reopened = reopened

## Severities of a failed item
severity-critical = critical
severity-major = major
severity-minor = minor

## Venue kinds
kind-street-shop = street-front shop
kind-ebike-point = e-bike sales and repair point
kind-three-in-one = three-in-one premises
kind-metro-station = metro station
kind-residential = residential compound
kind-office-tower = office tower
kind-other = other

## Venue status
venue-status-active = active
venue-status-closed = closed
venue-status-moved = moved

## Checklist outcomes
outcome-pass = pass
outcome-fail = fail
outcome-na = not applicable

## Roles
role-inspector = inspector
role-officer = officer
role-admin = admin

## Where a hazard came from
source-inspection = inspection
source-citizen-report = citizen report
source-drill = drill
source-visit = resident visit

## Units of time
unit-hours = h
unit-minutes = min
unit-seconds = s

## The clock warning (sync answer, `firecheck status`)
clock-ahead = this device's clock is about { $amount } { $unit } ahead of the server's; set the date and time automatically
clock-behind = this device's clock is about { $amount } { $unit } behind the server's; set the date and time automatically

## Validation: what is wrong with an input, and how to put it right
invalid-id = { $value } is not a valid { $kind } (expected a UUID)
invalid-unknown-value = unknown { $what } "{ $value }"; expected one of: { $expected }
invalid-empty = { $field } is empty; it must be filled in
invalid-too-long = { $field } is { $len } characters; at most { $max } are allowed
invalid-control-characters = { $field } contains control characters
invalid-too-many = { $what }: { $len } given, at most { $max } allowed
invalid-duplicate-item = checklist item "{ $code }" appears more than once
invalid-entity-mismatch = a { $kind } op must name { $expected }
invalid-zero-device-seq = device_seq must start at 1
invalid-timestamp = { $field } ({ $ms } ms since 1970) is not a plausible time; check the device's date
invalid-in-future = { $field } is more than a day in the future; check the device's date and time
invalid-role-may-not =
    { $role ->
        [inspector] an inspector
        [officer] an officer
       *[admin] an admin
    } may not make a { $kind } change
invalid-venue-upsert-empty = a venue upsert must change at least one field
invalid-inspection-times = an inspection cannot finish before it started
invalid-campaign-period = a campaign cannot end before it starts
invalid-template-version = template versions start at 1

## Field names in the messages above
field-venue-name = the venue name
field-address = the address
field-street = the street
field-streets = streets
field-note = the note
field-reason = the reason
field-comment = the comment
field-items = checklist items
field-item-code = an item code
field-item-note = an item's note
field-item-text = an item's text
field-evidence = attachments
field-unit = the unit
field-units = units
field-place = the place
field-organiser = the organiser
field-scenario = the scenario
field-went-well = what went well
field-to-improve = what must improve
field-drill-text = a drill's text
field-campaign-name = the campaign name
field-kinds = venue kinds
field-goal = the goal
field-template-code = the template code
field-template-name = the template name
field-template-items = the template's items
field-description = the description
field-time-of = { $name }
field-role = role
field-venue-kind = venue kind
field-severity = severity
field-hazard-status = hazard status
field-hazard-source = hazard source
field-a-venue = a venue
field-an-inspection = an inspection
field-a-hazard = a hazard
field-a-drill = a drill
field-a-campaign = a campaign
field-a-template = a template
field-a-citizen-report = a citizen report

## Added with the other channels (shared/src/validate.rs, intake.rs)
invalid-late-entry = an inspection may be typed in at most 7 days after it took place (finished_at is more than 7 days before the op was made)
invalid-case-with-venue = a report with the platform's case number folds in its own partition (no venue), so every delivery of the case meets there; link it to the venue's hazard instead
invalid-link-target = a report can be linked only to a hazard of a venue, report, drill or area
invalid-visit-partition = a visit folds in a residential venue's partition or a named area's
invalid-visit-area = a visit to a named area must name the area its partition is derived from
invalid-coordinates = latitude must be within ±90 and longitude within ±180 degrees
invalid-coordinates-half = give both latitude and longitude, or neither
field-case-number = the case number
field-contact-name = the contact's name
field-contact-phone = the contact's phone
field-channel = the channel
field-reply = the reply
field-point = the point
field-area = the area
field-problem = a problem
field-problems = problems
field-topic = a topic
field-topics = topics
field-team = team members
field-name = the name
