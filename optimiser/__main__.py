import sys

try:
    from optimiser.cli import main

    main()
except KeyboardInterrupt:  # Ctrl-C while the program is still loading, or before main() enters its own handler
    sys.stderr.write("Interrupted; nothing was written.\n")
    sys.exit(130)
