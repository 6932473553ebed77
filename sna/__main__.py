import sys

from sna.cli import main

sys.exit(main())
