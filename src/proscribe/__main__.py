"""`python -m proscribe` runs the command."""

from proscribe.cli import main

main()
