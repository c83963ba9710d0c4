-- An inbound text is recorded when it arrives and marked handled once its reply is queued (in
-- the same transaction). A provider's resend of a text whose handling was cut short (the
-- database lost between the two) is then handled again instead of being dropped as a
-- duplicate; the dialog answers the repeated message id from its saved reply, so the input is
-- never applied twice. Texts recorded before this migration count as handled.
ALTER TABLE inbound_messages ADD COLUMN handled_at timestamptz;
UPDATE inbound_messages SET handled_at = received_at;
