"""`python -m notesbot` runs the command line."""

from .cli import main

main()
