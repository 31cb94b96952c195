"""Words the pages show from data (roles, audit actions, severities, evidence levels,
urgencies), marked here so the translation catalog holds them."""

from dorsum.i18n import N_

ROLES = (N_("admin"), N_("practitioner"), N_("reception"))
AUDIT_ACTIONS = (
    N_("read"),
    N_("create"),
    N_("update"),
    N_("export"),
    N_("erase"),
    N_("cancel"),
    N_("activate"),
    N_("deactivate"),
    N_("password"),
    N_("no_show"),
    N_("done"),
    N_("view"),
    N_("withdraw"),
    N_("delete"),
)
AUDIT_ENTITIES = (
    N_("patient"),
    N_("consultation"),
    N_("consultations"),
    N_("plan"),
    N_("appointment"),
    N_("user"),
    N_("clinic"),
    N_("consent"),
    N_("consent_text"),
    N_("photo"),
    N_("photos"),
)
TOKEN_STATES = (N_("active"), N_("expired"), N_("revoked"))
SEVERITIES = (N_("mild"), N_("moderate"), N_("severe"))
EVIDENCE = (N_("strong"), N_("moderate"), N_("consensus"), N_("limited"), N_("insufficient"))
URGENCIES = (N_("none"), N_("routine"), N_("urgent"), N_("same_day"))
