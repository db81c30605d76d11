import sys

try:
    from optimiser.cli import main
except KeyboardInterrupt:  # Ctrl-C while the program is still loading
    sys.stderr.write("Interrupted; nothing was written.\n")
    sys.exit(130)

main()
