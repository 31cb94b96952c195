"""The knowledge base inside the pure core: its schema, its checks and its lookup index.

Reading the YAML files is I/O and lives outside the core, in `dorsum.knowledge`.
"""

from dorsum.core.knowledge.check import CheckReport, check_knowledge_base
from dorsum.core.knowledge.index import KnowledgeIndex
from dorsum.core.knowledge.models import KnowledgeBase

__all__ = ["CheckReport", "KnowledgeBase", "KnowledgeIndex", "check_knowledge_base"]
