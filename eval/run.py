"""The eval from a checkout: ``python eval/run.py [QUESTIONS] [OPTIONS]`` runs ``notesbot eval`` (eval/README.md)."""

from __future__ import annotations

import sys

from notesbot.cli import main

if __name__ == "__main__":
    main(["eval", *sys.argv[1:]])
