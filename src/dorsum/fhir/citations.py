"""Sources as FHIR RelatedArtifact citations, resolved through the knowledge index.

Every recommendation, exclusion reason, caution and reading cites source ids; a FHIR reader
gets each as a citation with the source's title and address, as the printed reports list them.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from dorsum.core.knowledge import KnowledgeIndex

CITES = "https://dorsum.dev/fhir/StructureDefinition/cites"


def related_artifacts(source_ids: Iterable[str], index: KnowledgeIndex) -> list[dict[str, Any]]:
    """One `citation` RelatedArtifact per source id, in order, without repeats."""
    artifacts = []
    for source_id in dict.fromkeys(source_ids):
        source = index.sources.get(source_id)
        artifact: dict[str, Any] = {"type": "citation", "label": source_id}
        if source is None:
            artifact["display"] = source_id
        else:
            artifact["display"] = source.title
            artifact["citation"] = source.title
            if source.url:
                artifact["url"] = source.url
        artifacts.append(artifact)
    return artifacts


def citation_extensions(source_ids: Iterable[str], index: KnowledgeIndex) -> list[dict[str, Any]]:
    """The citations as extensions, for resources without a `relatedArtifact` element.

    `CITES` is dorsum's own extension (documented in docs/fhir-export.md): FHIR R4 allows a
    RelatedArtifact as an extension's value.
    """
    return [
        {"url": CITES, "valueRelatedArtifact": artifact}
        for artifact in related_artifacts(source_ids, index)
    ]
