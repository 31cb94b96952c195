"""dorsum as a CDS Hooks 2.0 service (https://cds-hooks.hl7.org/2.0/): discovery, the
patient-view, order-select and order-sign hooks, feedback, and the JWT trust the specification
requires. Cards are renderers of the same `Assessment` every other output renders; see
docs/cds-hooks.md.

    request.py    the EHR's request, read strictly
    trust.py      the signed JWT (keysets.py: the EHRs' key sets; replay.py: spent jtis)
    prefetch.py   the patient's resources: prefetched, or read by fetching.py
    orders.py     draft orders and the dorsum treatment each is for
    cards.py      the cards
    hooks.py      one call, end to end
    feedback.py   issued cards and the clinicians' feedback
    writes.py     what a call leaves behind, in a transaction of its own
"""
