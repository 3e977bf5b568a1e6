"""lsr_lucene: learned sparse retrieval on Lucene.

Importing the package loads neither torch nor the JVM; each stage imports what it needs on first use.
"""

__version__ = "0.1.0"
