-- When this phone last texted us: an SMS the mobile network delivered from it, which no USSD
-- gateway field can forge. A phone that texted lately is not sent "unsolicited" SMS, so the
-- unsolicited-SMS budget (src/services/unsolicited-sms.ts) leaves it alone. NULL: never (or not
-- since this column exists). Erased with the address.
ALTER TABLE citizen_addresses ADD COLUMN texted_at timestamptz;
