"""Booking a clinic's book: plan sessions fitted into rooms, devices and staff time.

`model` holds the problem as plain values; `series` turns saved plans into series of sessions;
`check` says whether a set of bookings breaks any constraint (the calendar and the tests use
it); `greedy` is the first-fit baseline; `optimiser` is the CP-SAT model; `generator` makes
synthetic clinics for the benchmark and the properties.
"""
