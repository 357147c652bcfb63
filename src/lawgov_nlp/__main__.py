"""``python -m lawgov_nlp`` is the ``lawgov`` command."""
from .cli import main

raise SystemExit(main())
