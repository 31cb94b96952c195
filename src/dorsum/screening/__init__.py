"""Population re-screening: every patient of a FHIR Bulk Data export, assessed in one run.

When the knowledge base changes (a new contraindication, a longer wait) a health system must find
the patients it affects. The pieces, in the order data flows through them:

- `ndjson`: one NDJSON line to a resource, or None when it is malformed;
- `export`: the files of a Bulk export and how to open them (plain or gzipped);
- `routing`: which patient a raw line belongs to, read from its bytes (so a line is parsed once);
- `spill`: pass one, lines spilled into hash partitions by patient (memory stays constant);
- `partitions`: pass two, one partition at a time parsed and grouped by patient, then the merge;
- `medications`: Medication resources joined to the patients that refer to them;
- `patient`: the pure per-patient function (`screen_patient`) that every engine runs;
- `changes`: what changed for a patient against an earlier knowledge-base version;
- `row`, `report`, `summary`: the CSV row, the report file and the run's totals;
- `local_engine`: the embedded engine (processes over partitions), reporting to `progress`;
- `synthetic`: synthetic populations as Bulk NDJSON, for tests and benchmarks.

The Spark engine (`spark_engine`) runs the same `screen_patient` inside PySpark.
"""
