"""The ``lsr-lucene`` command line: one module per command (parse -> config -> library call -> exit code)."""
